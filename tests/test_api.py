"""The Python API: analyze_video, load_output, load_batch, load_history (real MediaPipe)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import halfcircle
from halfcircle.analyze.video import (
    FRAME_COLUMNS,
    analyze_poses,
    analyze_poses_with_pitch,
    frame_columns,
    rep_dicts,
)
from halfcircle.api import from_analysis
from halfcircle.errors import InputError
from tests.conftest import FIXTURES, fixture_poses

CLIP = "hc_fast"


@pytest.fixture(scope="module")
def result() -> halfcircle.VideoResult:
    return halfcircle.analyze_video(FIXTURES / f"{CLIP}.mp4", model="full")


def test_import_stays_light() -> None:
    code = (
        "import sys, halfcircle; heavy = [m for m in ('pandas', 'mediapipe', 'distributed', "
        "'matplotlib', 'cv2') if m in sys.modules]; print(heavy); "
        "halfcircle.load_output; print('pandas' in sys.modules, 'mediapipe' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "False False"]
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        halfcircle.nope  # type: ignore[attr-defined]  # noqa: B018


def test_import_loads_only_the_package_face_errors_and_landmarks() -> None:
    code = (
        "import sys; before = set(sys.modules); import halfcircle; "
        "print(' '.join(sorted(m for m in set(sys.modules) - before if 'halfcircle' in m)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["halfcircle", "halfcircle.errors", "halfcircle.landmarks"]


def test_dir_lists_the_api_before_it_is_imported() -> None:
    code = "import halfcircle; print(' '.join(dir(halfcircle)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert {"analyze_video", "load_output", "load_batch", "load_history"} <= set(out.stdout.split())


@pytest.mark.video
def test_analyze_video_gives_frames_reps_and_summary(result: halfcircle.VideoResult) -> None:
    ref = analyze_poses(fixture_poses(CLIP), "full")
    assert list(result.frames.columns) == list(FRAME_COLUMNS)
    assert len(result.frames) == len(ref.poses) == 151
    cols = frame_columns(ref)
    for name in ("lateral_deg", "forward_deg", "phi_deg", "time_s"):
        np.testing.assert_array_equal(result.frames[name].to_numpy(), cols[name])
    assert result.frames["lateral_deg"].dtype == np.float64
    assert result.frames["rep"].max() == 1 and result.frames["detected"].all()
    # outside reps the rep is missing, not a rep "0" that a grouping would count
    assert result.frames["rep"].dtype == "Int64" and result.frames["rep"].isna().sum() > 30
    assert list(result.frames.groupby("rep").size().index) == [1]
    reps, _ = rep_dicts(ref)
    assert [r.data for r in result.reps] == reps
    rep = result.reps[0]
    assert isinstance(rep, halfcircle.Rep) and rep.complete
    assert rep.peak_forward_deg == pytest.approx(ref.reps[0].metrics.peak_forward_deg)
    assert rep.sparc == pytest.approx(ref.reps[0].metrics.sparc)
    assert rep.score == pytest.approx(round(ref.reps[0].score.total, 1))  # type: ignore[union-attr]
    assert result.view == "front" and result.measured
    assert result.summary["counts"]["complete_reps"] == 1
    table = result.reps_table()
    assert table.shape[0] == 1 and table.loc[0, "sparc"] == pytest.approx(rep.sparc)
    trace = result.trace(1)
    assert len(trace) == (result.frames["rep"] == 1).sum() > 60
    with pytest.raises(InputError, match="has no rep 9; its reps are 1"):
        result.trace(9)
    # a half circle: both side bends and a forward bend in the one rep
    assert trace["lateral_deg"].max() > 15 and trace["lateral_deg"].min() < -15
    assert trace["forward_deg"].max() > 30
    arrays = result.arrays()
    assert arrays["forward_deg"].shape == (151,) and arrays["phase"].dtype == object


@pytest.mark.video
def test_saved_outputs_load_back_the_same(result: halfcircle.VideoResult, tmp_path: Path) -> None:
    paths = result.save(tmp_path / "out", annotate=False)
    assert set(paths) == {"frames", "reps", "summary", "report"}
    loaded = halfcircle.load_output(tmp_path / "out")
    assert loaded.reps == result.reps and loaded.aborted == result.aborted
    assert loaded.summary == json.loads(json.dumps(result.summary))
    assert loaded.analysis is None and loaded.path == tmp_path / "out"
    pd.testing.assert_frame_equal(
        loaded.frames[["frame", "detected", "n_people", "rep", "view", "phase", "cue"]],
        result.frames[["frame", "detected", "n_people", "rep", "view", "phase", "cue"]],
    )
    for name in FRAME_COLUMNS[4:14]:  # frames.csv rounds to 0.01
        a, b = loaded.frames[name].to_numpy(), result.frames[name].to_numpy()
        assert (np.isnan(a) == np.isnan(b)).all(), name
        assert np.nanmax(np.abs(a - b), initial=0.0) <= 0.005 + 1e-9, name
    with pytest.raises(InputError, match="loaded from files"):
        loaded.save(tmp_path / "again")


def test_load_output_of_a_folder_that_is_not_one(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not an analysis output folder"):
        halfcircle.load_output(tmp_path)
    with pytest.raises(InputError, match="There is no folder"):
        halfcircle.load_output(tmp_path / "nope")
    (tmp_path / "batch").mkdir()
    (tmp_path / "batch" / "cohort.csv").write_text("id\n")
    with pytest.raises(InputError, match="holds a batch: read it with load_batch"):
        halfcircle.load_output(tmp_path / "batch")
    with pytest.raises(InputError, match="not a batch output folder"):
        halfcircle.load_batch(tmp_path)
    with pytest.raises(InputError, match="There is no history database"):
        halfcircle.load_history(tmp_path / "none.sqlite3")


@pytest.mark.video
def test_load_history_gives_tables(tmp_path: Path) -> None:
    from halfcircle.coaching.baseline import BaselineResult
    from halfcircle.history.store import History

    db = tmp_path / "h.sqlite3"
    ref = analyze_poses(fixture_poses(CLIP), "full")
    with History(db) as h:
        h.record_baseline(
            [BaselineResult("toe_touch", 1.0, 3.0, 2.0, 61.5, fingertip_floor_cm=12.0)],
            feels="same",
            pain=3,
            started_at="2026-03-01T09:00:00+00:00",
        )
        h.record_practice(
            rep_dicts(ref)[0],
            pain=2,
            started_at="2026-03-02T09:00:00+00:00",
            view="front",
            camera_tilt_deg=9.0,
        )
    tables = halfcircle.load_history(db)
    assert list(tables.sessions["kind"]) == ["baseline", "practice"]
    assert tables.sessions["camera_tilt_deg"].tolist()[1] == 9.0
    assert str(tables.sessions["started_at"].dtype).startswith("datetime64")
    toe = tables.measure("toe_touch")
    assert list(toe["value"]) == [61.5]
    assert tables.measure("toe_touch", "fingertip_floor_cm")["value"].tolist() == [12.0]
    known = r"toe_touch\.fingertip_floor_cm, toe_touch\.peak_deg"
    with pytest.raises(InputError, match=rf"has no toe-touch\.peak_deg; it has {known}"):
        tables.measure("toe-touch")
    reps = tables.practice_reps
    assert len(reps) == 1 and reps.loc[0, "sparc"] == pytest.approx(ref.reps[0].metrics.sparc)
    assert "score_parts.smoothness" in reps.columns
    assert list(tables.ratings["pain"]) == [3, 2]


@pytest.mark.video
def test_add_to_history_adds_a_recording_once_as_the_command_does(
    result: halfcircle.VideoResult, tmp_path: Path
) -> None:
    db = tmp_path / "h.sqlite3"
    video = FIXTURES / f"{CLIP}.mp4"
    given = from_analysis(analyze_poses_with_pitch(fixture_poses(CLIP), video, 4.0))
    lines = halfcircle.add_to_history(given, db, feels="better", pain=2)
    assert lines[-1] == f"Added to your progress history ({db})."
    tables = halfcircle.load_history(db)
    (session,) = tables.sessions.to_dict("records")
    # the tilt given is kept for the next session, and how it was obtained
    assert (session["kind"], session["pain"]) == ("practice", 2)
    assert (session["camera_tilt_deg"], session["camera_pitch_how"]) == (4.0, "given")
    assert session["source"] == str(video)
    assert len(tables.practice_reps) == len(given.reps)
    again = halfcircle.add_to_history(given.analysis, db)  # type: ignore[arg-type]
    assert len(again) == 1 and again[0].startswith("This recording is already in your history")
    assert len(halfcircle.load_history(db).sessions) == 1
    # told by the picture (or assumed level): kept as none given, asked again next time
    other = tmp_path / "other.sqlite3"
    halfcircle.add_to_history(result, other)
    (session,) = halfcircle.load_history(other).sessions.to_dict("records")
    assert session["camera_pitch_how"] == result.summary["camera_pitch"]["how"]
    assert session["camera_pitch_how"] in ("from the picture", "assumed level")
    assert pd.isna(session["camera_tilt_deg"])
    result.save(tmp_path / "out", annotate=False)
    with pytest.raises(InputError, match="read from an output folder"):
        halfcircle.add_to_history(halfcircle.load_output(tmp_path / "out"), db)


@pytest.mark.video
def test_a_video_that_failed_in_a_batch_says_why_when_asked_for(tmp_path: Path) -> None:
    (tmp_path / "cohort.csv").write_text(
        "id,person,recorded_at,status,error,output\n"
        "broken.mp4,,2026-03-01T09:00:00+00:00,failed,The file is not a video.,videos/broken.mp4\n"
    )
    batch = halfcircle.load_batch(tmp_path)
    with pytest.raises(InputError, match=r"broken\.mp4 was not analysed \(failed\): The file"):
        batch.video("broken.mp4")
