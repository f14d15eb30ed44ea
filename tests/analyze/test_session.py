"""A whole guided session from a recording: assessment, practice, re-assessment, verdict.

The rendered clip ``session_toe_touch_oblique`` holds a toe touch, two half circles and
a deeper toe touch; ``halfcircle session --headless`` reads it with its kept real
MediaPipe poses (the full model's; ``tests/test_pose_dumps.py`` holds them to a fresh run).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import halfcircle.cli.app as cli
from halfcircle.analyze.guided_session import measure_guided_session
from halfcircle.history.guided import guided_sessions, last_assessment
from halfcircle.history.store import History
from tests.conftest import (
    FIXTURES,
    fixture_poses,
    fixture_scene,
    kept_poses_for_commands,
    measured_camera_tilt_deg,
)

NAME = "session_toe_touch_oblique"
CLIP = FIXTURES / f"{NAME}.mp4"
TOLERANCE_DEG = 3.0

pytestmark = pytest.mark.skipif(not CLIP.exists(), reason="rendered fixture missing")


def _true_toe_touches() -> tuple[float, float]:
    before, after = (
        float(b["peak_forward_deg"])
        for b in fixture_scene(NAME)["baseline"]
        if b["type"] == "toe_touch"
    )
    return before, after


@pytest.mark.video
def test_a_recorded_session_gives_before_after_practice_and_a_verdict_saved_as_one_session(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    kept_poses_for_commands(monkeypatch)
    out, db = tmp_path / "out", tmp_path / "h.sqlite3"
    tilt = measured_camera_tilt_deg(NAME)
    code = cli.main(
        ["session", "--source", str(CLIP), "--headless", "--out", str(out), "--assess",
         "toe_touch", "--feels", "better", "--pain-before", "3", "--pain-after", "4",
         "--camera-tilt", f"{tilt:g}", "--no-video", "--db", str(db)]
    )  # fmt: skip
    stdout, err = capsys.readouterr()
    assert code == 0, (stdout, err)
    data = json.loads((out / "session.json").read_text())
    assessment = data["assessment"]
    (before,) = assessment["before"]
    (after,) = assessment["after"]
    # the fields of `baseline --json`'s results
    assert set(before) == {
        "test", "start_s", "end_s", "peak_time_s", "peak_deg", "fingertip_floor_cm",
        "fingertip_travel_cm", "confidence", "view",
    }  # fmt: skip
    assert before["test"] == after["test"] == "toe_touch"
    true_before, true_after = _true_toe_touches()
    change = after["peak_deg"] - before["peak_deg"]
    assert abs(change - (true_after - true_before)) <= TOLERANCE_DEG, (before, after)
    assert assessment["verdict"] == "better" and assessment["reassessed"] is True
    # the practice between: the two half circles, and not the toe touches around them
    practice = data["practice"]
    assert practice["stage"] == "half_circle"
    reps = practice["reps"]
    assert [(r["movement"], r["direction"], r["complete"]) for r in reps] == [
        ("half_circle", "right_first", True),
        ("half_circle", "left_first", True),
    ]
    scene_reps = fixture_scene(NAME)["reps"]
    for rep, truth in zip(reps, scene_reps, strict=True):
        assert before["end_s"] <= rep["start_s"] and rep["end_s"] <= after["start_s"]
        assert abs(rep["start_s"] - truth["start_s"]) < 1.0
    assert data["pain"] == {"before": 3, "after": 4} and data["feels"] == "better"
    assert data["pain_decision"]["action"] == "carry on"
    assert "Toe touch" in data["sentences"][0] and "real gain" in data["sentences"][1]
    for name in ("report.html", "reps.json", "summary.json", "frames.csv"):
        assert (out / name).exists(), name
    # the files count the practice, and not the toe touches of the assessment as roll-downs
    listed = json.loads((out / "reps.json").read_text())["reps"]
    assert [r["movement"] for r in listed] == ["half_circle", "half_circle"]
    page = (out / "report.html").read_text()
    assert "roll-down" not in page
    assert "<h2>Your session</h2>" in page and "real gain" in page
    assert "Practice: 2 half circles." in page
    assert "Saved as session 1" in stdout
    with History(db) as history:
        (session,) = history.sessions()
        assert session["note"] == "guided session: toe_touch, half_circle"
        assert (session["feels"], session["pain"]) == ("better", 4)
        values = {(m["test"], m["measure"]): m["value"] for m in history.measures()}
        assert values[("toe_touch", "peak_deg")] == before["peak_deg"]
        assert values[("toe_touch", "after_peak_deg")] == after["peak_deg"]
        assert len(history.practice_reps()) == 2
        (stage_session,) = guided_sessions(history)
        assert stage_session.stage == "half_circle"
        assert stage_session.good_reps == {"right_first": 1, "left_first": 1}
        assert (stage_session.pain.before, stage_session.pain.after) == (3, 4)
        assert last_assessment(history) == "toe_touch"


@pytest.mark.video
def test_a_session_stopped_before_the_reassessment_has_no_verdict_and_says_so() -> None:
    poses = fixture_poses(NAME)
    stop_s = 19.0  # after the practice, before the second toe touch
    keep = poses.time_s < stop_s
    part = replace(
        poses,
        **{
            name: getattr(poses, name)[keep]
            for name in ("time_s", "image", "world", "visibility", "presence", "n_people")
        },
    )
    assert np.count_nonzero(keep) < len(poses)
    session = measure_guided_session(part, "toe_touch", interrupted=True)
    assert [r.test for r in session.split.before] == ["toe_touch"]
    assert session.split.after == () and session.verdict is None
    assert session.stage == "half_circle" and len(session.reps) == 2
    assert session.sentences()[0] == (
        "There was no re-assessment this time, so there is no before and after to compare."
    )


def test_headless_needs_a_recording_and_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["session", "--headless", "--out", str(tmp_path / "o")])
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        "halfcircle: --headless needs --source VIDEO and --out DIR: the recording and where "
        "its results are written."
    )


@pytest.mark.video
def test_ctrl_c_while_reading_a_recording_keeps_and_saves_the_parts_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import halfcircle.analyze.video as video

    poses = fixture_poses(NAME)
    keep = poses.time_s < 19.0  # Ctrl-C after the practice, before the re-assessment
    part = replace(
        poses,
        **{
            name: getattr(poses, name)[keep]
            for name in ("time_s", "image", "world", "visibility", "presence", "n_people")
        },
    )
    monkeypatch.setattr(video, "extract_poses", lambda *a, **k: (part, True))
    out, db = tmp_path / "out", tmp_path / "h.sqlite3"
    code = cli.main(
        ["session", "--source", str(CLIP), "--headless", "--out", str(out), "--camera-tilt",
         "5", "--db", str(db)]
    )  # fmt: skip
    stdout, err = capsys.readouterr()
    assert code == 130
    assert err.strip().splitlines()[-1] == (
        "halfcircle: Stopped with Ctrl-C; the parts of the session done until then are kept."
    )
    data = json.loads((out / "session.json").read_text())
    assert data["interrupted"] is True and data["assessment"]["verdict"] is None
    assert len(data["assessment"]["before"]) == 1 and data["assessment"]["after"] == []
    assert len(data["practice"]["reps"]) == 2
    assert "There was no re-assessment this time" in stdout
    with History(db) as history:
        assert len(history.sessions()) == 1 and len(history.practice_reps()) == 2


STAGE_ONE = "session_side_bends_front"


@pytest.mark.video
@pytest.mark.skipif(not (FIXTURES / f"{STAGE_ONE}.mp4").exists(), reason="fixture missing")
def test_a_stage_one_session_tells_the_assessment_side_bends_from_the_practice_ones() -> None:
    """Side bends assessed, side bends practised: the first pair, the last pair, and between."""
    truth = [
        (f"side_bend_{b['side']}", float(b["peak_lateral_deg"]))
        for b in fixture_scene(STAGE_ONE)["baseline"]
    ]
    session = measure_guided_session(
        fixture_poses(STAGE_ONE),
        "side_bends",
        camera_tilt_deg=measured_camera_tilt_deg(STAGE_ONE),
    )
    assert [r.test for r in session.split.before] == [t for t, _ in truth[:2]]
    assert [r.test for r in session.split.after] == [t for t, _ in truth[-2:]]
    assert session.stage == "side_bends"
    assert [(r["movement"], r["side"]) for r in session.reps] == [
        ("side_bend", test.removeprefix("side_bend_")) for test, _ in truth[2:-2]
    ]
    true_change = {test: after - before for (test, before), (_, after) in
                   zip(truth[:2], truth[-2:], strict=True)}  # fmt: skip
    for c in session.comparisons:
        assert abs(c.change_deg - true_change[c.test]) <= TOLERANCE_DEG, c
    # a true gain of 4 deg each side is within the minimal detectable change
    assert session.verdict == "about the same"


@pytest.mark.video
@pytest.mark.skipif(not (FIXTURES / f"{STAGE_ONE}.mp4").exists(), reason="fixture missing")
def test_a_stage_one_session_stopped_during_the_practice_takes_no_practice_rep_for_the_after() -> (
    None
):
    # Ctrl-C at 13.5 s, in the second practice side bend: the first one (9.4-12.2 s) was
    # taken for the re-assessment ("Side bend right 21 deg before, 19 after")
    poses = fixture_poses(STAGE_ONE)
    keep = poses.time_s < 13.5
    part = replace(
        poses,
        **{
            name: getattr(poses, name)[keep]
            for name in ("time_s", "image", "world", "visibility", "presence", "n_people")
        },
    )
    session = measure_guided_session(part, "side_bends", interrupted=True)
    assert [r.test for r in session.split.before] == ["side_bend_right", "side_bend_left"]
    assert session.split.after == () and session.verdict is None
    assert session.stage == "side_bends"
    assert [(r["movement"], r["side"]) for r in session.reps][:1] == [("side_bend", "right")]
    assert session.sentences()[0].startswith("There was no re-assessment this time")


@pytest.mark.video
@pytest.mark.skipif(not (FIXTURES / f"{STAGE_ONE}.mp4").exists(), reason="fixture missing")
def test_a_session_measured_as_the_wrong_assessment_names_the_one_it_starts_with() -> None:
    session = measure_guided_session(fixture_poses(STAGE_ONE), "toe_touch")
    assert session.split.before == () and session.reps == ()
    assert session.notes[-1].startswith("The recording does not start with the toe touch")
    assert "It starts with the side bends assessment instead" in session.notes[-1]
    assert "--assess side_bends" in session.notes[-1]
    assert session.sentences()[0] == (  # was "There was no re-assessment this time"
        "The assessment was not found at the start, so there is no before and after to compare."
    )


@pytest.mark.video
def test_the_half_circles_of_the_practice_are_not_called_tests_left_out() -> None:
    session = measure_guided_session(fixture_poses(NAME), "toe_touch")
    assert session.stage == "half_circle" and len(session.reps) == 2
    assert not any("not a baseline test" in n for n in session.notes), session.notes
    assert session.baseline.half_circles == 2


@pytest.mark.video
def test_a_live_session_left_before_its_set_began_has_no_practice_and_no_pain_verdict() -> None:
    # q at the pain question, before the set: the terminal said "Practice: 1 side bend
    # along the wall", and with no closing pain "Your pain stayed settled"
    from halfcircle.analyze.guided_session import session_dict
    from halfcircle.coaching.painmodel import PainRating

    poses = fixture_poses(STAGE_ONE)
    left = measure_guided_session(
        poses, "side_bends", practice_from_s=float("inf"), reassessment_from_s=float("inf"),
        pain=PainRating(3, None),
    )  # fmt: skip
    assert left.reps == () and left.stage is None
    assert left.pain_decision is None and session_dict(left)["pain_decision"] is None
    assert not any("settled" in line for line in left.sentences())
    # the set begun at 9 s: its side bends are the practice
    begun = measure_guided_session(
        poses, "side_bends", practice_from_s=9.0, reassessment_from_s=float("inf")
    )
    assert begun.stage == "side_bends" and len(begun.reps) >= 4


def test_ratings_on_the_command_line_are_for_headless_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["session", "--pain-before", "3", "--db", str(tmp_path / "h.sqlite3")])
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        "halfcircle: --feels, --pain-before and --pain-after are for --headless runs: the "
        "window asks."
    )
    assert not (tmp_path / "h.sqlite3").exists()
