"""The command line: real subprocesses, one plain sentence for every user error."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from halfcircle.analyze.posefile import CSV_COLUMNS
from halfcircle.history.pain import latest_pain_advice
from halfcircle.landmarks import PoseSequence


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "halfcircle", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def assert_one_plain_error(proc: subprocess.CompletedProcess[str], code: int, text: str) -> None:
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("halfcircle: ") and text in lines[0]


@pytest.mark.video
def test_pose_writes_a_csv_row_per_frame(person_video: Path, tmp_path: Path) -> None:
    out = tmp_path / "pose.csv"
    proc = run_cli("pose", person_video, "--out", out, "--model", "lite", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "15 frames, a person found in 15" in proc.stdout
    lines = out.read_text().splitlines()
    assert lines[0].startswith("# halfcircle pose dump, schema_version=")
    rows = list(csv.DictReader(lines[1:]))
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    assert len(rows) == 15
    assert all(r["n_people"] == "1" for r in rows)
    assert 0.0 < float(rows[3]["nose_x_norm"]) < 1.0
    assert rows[3]["left_hip_world_y_m"] != ""


@pytest.mark.video
def test_pose_writes_an_npz_that_loads_back(person_video: Path, tmp_path: Path) -> None:
    out = tmp_path / "pose.npz"
    proc = run_cli("pose", person_video, "--out", out, "--quiet")
    assert proc.returncode == 0, proc.stderr
    seq = PoseSequence.load_npz(out)
    assert len(seq) == 15 and seq.detected.all()
    assert seq.image_size == (640, 480) and seq.fps == pytest.approx(30.0)
    assert np.isfinite(seq.world).all()


@pytest.mark.video
def test_an_empty_room_says_nobody_was_found(empty_video: Path, tmp_path: Path) -> None:
    proc = run_cli("pose", empty_video, "--out", tmp_path / "p.csv", "--quiet")
    assert proc.returncode == 5  # nothing measured, as analyze says it (README's exit codes)
    assert (tmp_path / "p.csv").exists()  # the frames are written all the same
    assert "a person found in 0" in proc.stdout
    assert "No person was found" in proc.stdout


@pytest.mark.video
@pytest.mark.parametrize(
    ("make", "text"),
    [
        (lambda d: d / "missing.mp4", "There is no video file at"),
        (lambda d: d, "is a folder, not a video file"),
        (lambda d: (d / "notes.mp4", (d / "notes.mp4").write_text("hello"))[0], "not a video"),
    ],
    ids=["missing", "folder", "text-file"],
)
def test_bad_videos_give_one_sentence_and_exit_2(tmp_path: Path, make, text: str) -> None:  # type: ignore[no-untyped-def]
    proc = run_cli("pose", make(tmp_path), "--out", tmp_path / "out.csv")
    assert_one_plain_error(proc, 2, text)


@pytest.mark.video
def test_a_bad_output_name_is_refused(person_video: Path, tmp_path: Path) -> None:
    proc = run_cli("pose", person_video, "--out", tmp_path / "out.txt")
    assert_one_plain_error(proc, 2, "must end in .csv or .npz")


@pytest.mark.video
def test_an_unknown_model_is_refused(person_video: Path, tmp_path: Path) -> None:
    proc = run_cli("pose", person_video, "--out", tmp_path / "o.csv", "--model", "tiny")
    assert proc.returncode == 2  # a usage error; 4 says a known model is missing
    assert "Traceback" not in proc.stderr and "halfcircle: " in proc.stderr


@pytest.mark.video
def test_models_lists_the_shipped_bundles() -> None:
    proc = run_cli("models")
    assert proc.returncode == 0
    lines = {line.split()[0]: line for line in proc.stdout.splitlines()}
    assert " ok " in lines["lite"] and " ok " in lines["full"]
    assert "heavy" in lines


@pytest.mark.video
def test_output_piped_into_a_reader_that_stops_early_ends_quietly(tmp_path: Path) -> None:
    from halfcircle.history.store import History

    db = tmp_path / "h.sqlite3"
    with History(db) as h:
        for day in range(1, 29):
            h.record_practice(
                [{"index": 1, "complete": True, "score": 50 + day}],
                started_at=f"2026-02-{day:02d}T18:00:00+00:00",
            )
    proc = subprocess.Popen(
        [sys.executable, "-m", "halfcircle", "history", "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read()
    proc.wait(timeout=60)
    assert first.startswith("Practice since 1 Feb: your half circle best score is 27 points higher")
    assert err == ""


@pytest.mark.video
def test_history_without_a_database_says_so_and_creates_none(tmp_path: Path) -> None:
    db = tmp_path / "none.sqlite3"
    proc = run_cli("history", "--db", db)
    assert proc.returncode == 0 and proc.stdout.startswith(f"No history yet at {db}")
    proc = run_cli("history", "--db", db, "--delete-session", "1")
    assert (
        proc.returncode == 2 and proc.stderr.strip() == f"halfcircle: There is no history at {db}."
    )
    assert not db.exists() and list(tmp_path.iterdir()) == []


def test_the_command_line_loads_no_heavy_library_before_a_command_runs() -> None:
    """``halfcircle --help`` (every subcommand's parser) answers at once: no SciPy, OpenCV,
    MediaPipe, Dask, Matplotlib or pandas is imported until a command needs it."""
    heavy = ("scipy", "cv2", "mediapipe", "dask", "matplotlib", "pandas")
    code = (
        "import sys, halfcircle.cli.app as app; app.build_parser(); "
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""


def test_python_dash_m_runs_the_same_command_line() -> None:
    from halfcircle import __version__

    proc = subprocess.run(
        [sys.executable, "-m", "halfcircle", "--version"], capture_output=True, text=True
    )
    assert proc.returncode == 0 and proc.stdout.strip() == f"halfcircle {__version__}"


@pytest.mark.video
@pytest.mark.parametrize(("pains", "rose"), [((4, 7), True), ((7, 4), False)])
def test_history_says_what_a_clear_rise_in_pain_means_right_after_the_glance(
    tmp_path: Path, pains: tuple[int, int], rose: bool
) -> None:
    from halfcircle.coaching.baseline import BaselineResult
    from halfcircle.history.store import History

    db = tmp_path / "h.sqlite3"
    with History(db) as h:
        for day, (feels, pain) in enumerate(zip(("same", "worse"), pains, strict=True), 20):
            h.record_baseline(
                [BaselineResult("toe_touch", 1.0, 5.0, 3.0, 60.0)], feels, pain,
                started_at=f"2026-11-{day}T09:00:00+00:00",
            )  # fmt: skip
        advice = latest_pain_advice(h)
    proc = run_cli("history", "--db", db, "--plot", tmp_path / "plot")
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "plot" / "history.html").read_text()
    lines = proc.stdout.splitlines()
    assert lines[0] == "Assessment since 20 Nov: everything about the same."
    if rose:
        assert advice is not None and lines[2] == advice  # after the glance, before the table
        assert "ease off" in advice and "clinician" not in proc.stdout
    else:
        assert advice is None and "ease off" not in proc.stdout and "class='advice'" not in page


@pytest.mark.video
def test_analyze_of_a_missing_video_says_only_that(tmp_path: Path) -> None:
    proc = run_cli("analyze", tmp_path / "missing.mp4", "--out", tmp_path / "o")
    assert_one_plain_error(proc, 2, "There is no video file at")
    assert proc.stdout == ""  # no camera-tilt hint before the error


@pytest.mark.video
def test_baseline_of_a_missing_video_says_only_that(tmp_path: Path) -> None:
    proc = run_cli("baseline", "--source", tmp_path / "missing.mp4", "--no-save")
    assert_one_plain_error(proc, 2, "There is no video file at")
    assert proc.stdout == ""


@pytest.mark.parametrize(
    ("view", "azimuth_deg", "heading"),
    [("front", 3.0, "Baseline (front view):"), ("oblique", 40.0, "Baseline (camera at an angle):")],
)
def test_a_one_file_baseline_names_its_view_as_analyze_does_without_an_angle(
    capsys: pytest.CaptureFixture[str], view: str, azimuth_deg: float, heading: str
) -> None:
    # Found by a new-user trial: "camera about 6 deg down, from the picture" and then
    # "Baseline (front view, camera at 3 deg):", the azimuth read as another tilt.
    import argparse

    from halfcircle.cli.baseline import _Saved, _say_baseline
    from halfcircle.coaching.baseline import BaselineRun

    args = argparse.Namespace(json=False, source=[Path("bends.mp4")])
    run = BaselineRun(results=[], view=view, azimuth_deg=azimuth_deg, calibrated=True)
    _say_baseline(args, {}, run, _Saved())
    out = capsys.readouterr().out
    assert out.splitlines()[0] == heading
    assert "camera at " not in out.replace("camera at an angle", "")
