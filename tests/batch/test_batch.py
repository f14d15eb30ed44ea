"""``halfcircle batch``: many videos on a local Dask cluster, resumable, one cohort table.

The main scenario runs once for the module (real MediaPipe, lite model, no
annotated video, two worker processes): a folder of three fixture clips and a
corrupt file is batched by a real ``halfcircle batch`` subprocess, which is
stopped with SIGINT (as Ctrl-C would, to its whole process group) once the first
video is complete; the same command is then run again to the end.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from halfcircle import __version__
from halfcircle.analyze.video import (
    Analysis,
    analyze_poses_with_pitch,
    movement_dicts,
    rep_dicts,
    summary_dict,
    tilt_used,
    write_frames_csv,
)
from halfcircle.batch.plan import (
    DONE_NAME,
    BatchError,
    VideoEntry,
    find_batch_videos,
    is_baseline_clip,
    is_done,
    plan_batch,
)
from halfcircle.batch.run import _locked, run_batch
from halfcircle.io.videodate import recorded_at
from halfcircle.pose import PoseEstimator
from halfcircle.present.cohort import COHORT_COLUMNS
from tests.conftest import DATA, FIXTURES, cli_on_a_full_disk, fixture_poses

#: The default model: a single `analyze` of these clips is then the one the other tests
#: of the session already ran (conftest.fixture_poses), so the comparison costs nothing.
MODEL = "full"
#: Good clips of the batch: id -> fixture name (the shortest clips with a rep or a test).
GOOD = {
    "anna/hc_fast.mp4": "hc_fast",
    "anna/base_toe_touch.mp4": "base_toe_touch",
    "ben/hc_front_right.mp4": "hc_front_right",
}
BROKEN = "ben/broken.mp4"
#: Creation time written into hc_fast's container; the others get file times.
CREATED = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
FILE_TIMES = {
    "anna/base_toe_touch.mp4": datetime(2026, 2, 23, 10, 0, tzinfo=timezone.utc),
    "ben/hc_front_right.mp4": datetime(2026, 3, 9, 17, 15, tzinfo=timezone.utc),
}


def set_mp4_creation_time(path: Path, when: datetime) -> None:
    """Write ``when`` into the movie header (``mvhd``, version 0) of an MP4 file."""
    data = bytearray(path.read_bytes())
    i = data.find(b"mvhd")
    assert i > 0 and data[i + 4] == 0, "expected a version-0 mvhd box"
    seconds = int((when - datetime(1904, 1, 1, tzinfo=timezone.utc)).total_seconds())
    data[i + 8 : i + 12] = seconds.to_bytes(4, "big")
    path.write_bytes(bytes(data))


def make_clinic(root: Path) -> Path:
    """The batch's input folder: a folder per person, three clips and a corrupt file."""
    clinic = root / "clinic"
    for vid, name in GOOD.items():
        dst = clinic / vid
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(FIXTURES / f"{name}.mp4", dst)
    set_mp4_creation_time(clinic / "anna/hc_fast.mp4", CREATED)
    for vid, when in FILE_TIMES.items():
        os.utime(clinic / vid, (when.timestamp(), when.timestamp()))
    # a damaged file: the container's header is gone
    data = (FIXTURES / "hc_fast.mp4").read_bytes()
    (clinic / BROKEN).write_bytes(b"\0" * 4096 + data[4096:])
    return clinic


def batch_command(clinic: Path, out: Path) -> list[str]:
    return [
        sys.executable, "-m", "halfcircle", "batch", str(clinic), "--out", str(out),
        "--workers", "2", "--model", MODEL, "--no-video",
    ]  # fmt: skip


def markers(out: Path) -> dict[str, tuple[int, bytes]]:
    """Completion markers present: video id -> (mtime_ns, content)."""
    found = {}
    for p in (out / "videos").glob(f"**/{DONE_NAME}"):
        vid = p.parent.relative_to(out / "videos").as_posix()
        found[vid] = (p.stat().st_mtime_ns, p.read_bytes())
    return found


def read_cohort(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert tuple(reader.fieldnames or ()) == COHORT_COLUMNS
        return {row["id"]: row for row in reader}


@dataclass
class Scenario:
    clinic: Path
    out: Path
    at_kill: dict[str, tuple[int, bytes]]
    after_kill: dict[str, tuple[int, bytes]]
    leaf_dirs_after_kill: list[Path]
    partial_left: bool
    first: subprocess.CompletedProcess[str]
    cohort_after_kill: dict[str, dict[str, str]]
    second: subprocess.CompletedProcess[str]
    final: dict[str, tuple[int, bytes]]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    root = tmp_path_factory.mktemp("batch")
    clinic = make_clinic(root)
    out = root / "out"
    proc = subprocess.Popen(
        batch_command(clinic, out),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's Ctrl-C reaches
    )
    deadline = time.monotonic() + 240
    at_kill: dict[str, tuple[int, bytes]] = {}
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            at_kill = markers(out) if (out / "videos").exists() else {}
            if at_kill:
                break
            time.sleep(0.05)
        assert proc.poll() is None, f"the batch ended before it could be stopped: {proc.stderr}"
        assert at_kill, "no video was finished in time"
        os.killpg(proc.pid, signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    first = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
    after_kill = markers(out)
    leaves = [p for p in (out / "videos").glob("**/*") if p.is_dir() and any(
        q.is_file() for q in p.iterdir())]  # fmt: skip
    cohort_after_kill = read_cohort(out / "cohort.csv")
    partial_left = (out / ".partial").exists()
    # what a hard kill (SIGKILL, power loss) would leave: a half-written folder
    stray = out / ".partial" / "0123456789ab-deadbeef"
    stray.mkdir(parents=True)
    (stray / "frames.csv").write_text("frame,time_s\n0,0.0\n")
    second = subprocess.run(batch_command(clinic, out), capture_output=True, text=True, timeout=600)
    return Scenario(
        clinic, out, at_kill, after_kill, leaves, partial_left, first, cohort_after_kill,
        second, markers(out),
    )  # fmt: skip


@pytest.fixture(scope="module")
def cohort(scenario: Scenario) -> dict[str, dict[str, str]]:
    return read_cohort(scenario.out / "cohort.csv")


def reference(name: str) -> Analysis:
    """A single `analyze` of the fixture clip (fresh landmarker, same model, no tilt given)."""
    from halfcircle.analyze.video import frames_announced, note_frames_expected

    video = FIXTURES / f"{name}.mp4"
    analysis = analyze_poses_with_pitch(fixture_poses(name, MODEL), video, None, MODEL)
    return note_frames_expected(analysis, frames_announced(FIXTURES / f"{name}.mp4"))


# ----------------------------------------------------------------------------- the run
@pytest.mark.video
def test_ctrl_c_stops_with_one_sentence_exit_130_and_a_cohort_of_what_finished(
    scenario: Scenario,
) -> None:
    first = scenario.first
    assert first.returncode == 130, first.stderr
    assert "Traceback" not in first.stderr
    lines = [line for line in first.stderr.splitlines() if line.strip()]
    # one failed-video line may come first (the corrupt file), then the one sentence
    assert lines[-1].startswith("halfcircle: stopped with Ctrl-C after "), first.stderr
    assert all(line.startswith(("halfcircle: ", f"{BROKEN}: ")) for line in lines), lines
    rows = scenario.cohort_after_kill
    assert set(rows) == {*GOOD, BROKEN}
    finished = {vid for vid, row in rows.items() if row["status"] == "ok"}
    assert finished == set(scenario.after_kill)
    assert set(scenario.at_kill) <= finished
    assert {row["status"] for vid, row in rows.items() if vid not in finished} <= {
        "not done",
        "failed",
    }


@pytest.mark.video
def test_a_stopped_run_leaves_only_complete_outputs(scenario: Scenario) -> None:
    assert scenario.after_kill, "the first run finished nothing"
    assert len(scenario.after_kill) < len(GOOD), "the first run was not stopped midway"
    assert not scenario.partial_left
    # every folder holding files is a complete one: its marker is there
    for leaf in scenario.leaf_dirs_after_kill:
        vid = leaf.relative_to(scenario.out / "videos").as_posix()
        assert vid in scenario.after_kill, f"{leaf} has no completion marker"


@pytest.mark.video
def test_the_rerun_finishes_the_rest_without_redoing_finished_videos(scenario: Scenario) -> None:
    second = scenario.second
    assert second.returncode == 1, second.stderr  # the corrupt file failed
    n_done = len(scenario.after_kill)
    assert f"4 videos found, {n_done} already done; analysing {4 - n_done}." in second.stdout
    assert set(scenario.final) == set(GOOD)
    for vid, (mtime_ns, content) in scenario.after_kill.items():
        assert scenario.final[vid] == (mtime_ns, content), f"{vid} was analysed again"
    redone = set(GOOD) - set(scenario.after_kill)
    assert redone
    assert not (scenario.out / ".partial").exists()  # a killed run's leftovers are cleared
    for vid in redone:
        marker = json.loads(scenario.final[vid][1])
        assert marker["video"]["id"] == vid
        assert is_done(
            scenario.out / "videos" / vid,
            scenario.clinic / vid,
            marker["model"]["sha256"],
            annotate=False,
            baseline=vid.split("/")[-1].startswith("base_"),
        )


@pytest.mark.video
def test_the_corrupt_file_row_states_its_error(
    scenario: Scenario, cohort: dict[str, dict[str, str]]
) -> None:
    row = cohort[BROKEN]
    assert row["status"] == "failed"
    assert "could not be opened as a video" in row["error"]
    assert row["reps"] == ""
    assert f"{BROKEN}: " in scenario.second.stderr
    assert "Traceback" not in scenario.second.stderr
    assert not (scenario.out / "videos" / BROKEN).exists()


@pytest.mark.video
@pytest.mark.parametrize("vid", sorted(GOOD))
def test_outputs_match_a_single_analyze_run(scenario: Scenario, vid: str, tmp_path: Path) -> None:
    ref = reference(GOOD[vid])
    folder = scenario.out / "videos" / vid
    rep_files = ref
    if is_baseline_clip(Path(vid)):  # its rep files leave out what were its tests
        from halfcircle.coaching.baseline import baseline_from_poses
        from halfcircle.present.report import outside_tests

        rep_files = outside_tests(
            ref, baseline_from_poses(ref.poses, camera_tilt_deg=tilt_used(ref))
        )
    # reps.json schema 2: every rep with its movement (analyze.video.movement_dicts); a
    # baseline clip's tests are no drills there
    drills = not is_baseline_clip(Path(vid))
    reps, aborted = movement_dicts(rep_files, drills=drills), rep_dicts(rep_files)[1]
    got = json.loads((folder / "reps.json").read_text())
    assert got["reps"] == json.loads(json.dumps(reps))
    assert got["aborted"] == json.loads(json.dumps(aborted))
    summary = json.loads((folder / "summary.json").read_text())
    expected = json.loads(json.dumps(summary_dict(rep_files)))
    assert summary["video"].pop("path") == str(scenario.clinic / vid)
    expected["video"].pop("path")
    assert summary == expected
    write_frames_csv(ref, tmp_path / "frames.csv")
    assert (folder / "frames.csv").read_bytes() == (tmp_path / "frames.csv").read_bytes()
    assert not (folder / "annotated.mp4").exists()  # --no-video
    assert (folder / "report.html").stat().st_size > 1000


# ----------------------------------------------------------------------------- the cohort
@pytest.mark.video
def test_cohort_rows_carry_person_date_view_and_per_rep_figures(
    cohort: dict[str, dict[str, str]],
) -> None:
    assert [cohort[v]["person"] for v in sorted(cohort)] == ["anna", "anna", "ben", "ben"]
    fast = cohort["anna/hc_fast.mp4"]
    assert fast["date_source"] == "metadata"
    assert datetime.fromisoformat(fast["recorded_at"]) == CREATED
    for vid, when in FILE_TIMES.items():
        assert cohort[vid]["date_source"] == "file time"
        assert datetime.fromisoformat(cohort[vid]["recorded_at"]) == when
    for vid in ("anna/hc_fast.mp4", "ben/hc_front_right.mp4"):
        row, ref = cohort[vid], reference(GOOD[vid])
        complete = ref.complete_reps
        assert row["status"] == "ok" and row["kind"] == "half_circle"
        assert row["view"] == ref.kinematics.view.kind
        assert int(row["reps"]) == len(complete) >= 1
        sparc = [r.metrics.sparc for r in complete]
        assert float(row["mean_sparc"]) == pytest.approx(np.mean(sparc), abs=1e-3)
        assert float(row["best_sparc"]) == pytest.approx(max(sparc), abs=1e-3)
        fwd = [r.metrics.peak_forward_deg for r in complete]
        assert float(row["best_peak_forward_deg"]) == pytest.approx(max(fwd), abs=1e-3)
        assert float(row["mean_score"]) == pytest.approx(
            np.mean([round(r.score.total, 1) for r in complete if r.score]), abs=1e-3
        )
        assert row["toe_touch_peak_deg"] == ""


@pytest.mark.video
def test_baseline_clip_rows_carry_baseline_measures(cohort: dict[str, dict[str, str]]) -> None:
    from halfcircle.analyze.video import analyze_poses_with_pitch, tilt_used
    from halfcircle.coaching.baseline import baseline_from_poses

    row = cohort["anna/base_toe_touch.mp4"]
    assert row["kind"] == "baseline" and row["status"] == "ok"
    # no tilt given: the camera's pitch as the picture tells it, as batch asks it
    poses = fixture_poses("base_toe_touch", MODEL)
    video = Path(__file__).resolve().parents[2] / "fixtures" / "base_toe_touch.mp4"
    tilt = tilt_used(analyze_poses_with_pitch(poses, video, None, MODEL))
    run = baseline_from_poses(poses, camera_tilt_deg=tilt)
    toe = next(r for r in run.results if r.test == "toe_touch")
    assert float(row["toe_touch_peak_deg"]) == pytest.approx(toe.peak_deg)
    assert float(row["toe_touch_peak_deg"]) > 40  # a real forward bend, not noise
    assert row["toe_touch_fingertip_floor_cm"] != ""
    assert row["notes"] == " ".join(run.notes)  # about its tests, not about half circles


@pytest.mark.video
def test_cohort_page_is_self_contained_with_plots(scenario: Scenario) -> None:
    page = (scenario.out / "cohort.html").read_text(encoding="utf-8")
    assert page.count("src='data:image/png;base64,") >= 3  # across, over time, baseline
    assert "http://" not in page and "https://" not in page
    for vid in (*GOOD, BROKEN):
        assert vid in page
    assert "could not be opened as a video" in page
    assert "href='videos/anna/hc_fast.mp4/report.html'" in page


# ----------------------------------------------------------------------------- pieces
@pytest.mark.video
def test_a_reused_landmarker_gives_the_poses_of_a_fresh_one(
    person_video: Path, empty_video: Path, gradient_video: Path
) -> None:
    from halfcircle.analyze.video import extract_poses

    fresh, _ = extract_poses(person_video, MODEL)
    with PoseEstimator(MODEL, "video", max_people=1) as est:  # a worker's, as the default
        first, _ = extract_poses(person_video, MODEL, estimator=est)
        extract_poses(empty_video, MODEL, estimator=est)
        extract_poses(gradient_video, MODEL, estimator=est)  # another frame size too
        again, _ = extract_poses(person_video, MODEL, estimator=est)
    for seq in (first, again):
        assert seq.detected.all()
        np.testing.assert_array_equal(seq.image, fresh.image)
        np.testing.assert_array_equal(seq.world, fresh.world)
        np.testing.assert_array_equal(seq.time_s, fresh.time_s)


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


@pytest.mark.video
def test_ids_people_and_baseline_clips_follow_the_conventions(tmp_path: Path) -> None:
    a, b = tmp_path / "site_a", tmp_path / "site_b"
    for p in ("anna/w1/x.mp4", "anna/x.mov", "anna/x.mp4", "ben/base_rotation.MP4", "solo.mp4",
              "ben/baseline/turn.mkv", "ben/notes.txt"):  # fmt: skip
        _touch(a / p)
    _touch(b / "anna/x.mp4")
    out = a / "out"
    _touch(out / "videos/anna/x.mp4/annotated.mp4")  # an earlier batch's output: never input
    loose = _touch(tmp_path / "carl" / "clip.mp4")
    entries = find_batch_videos([a, b, loose], exclude=out)
    by_id = {e.video_id: e for e in entries}
    assert len(entries) == 8 and len(by_id) == 8
    assert by_id["anna/w1/x.mp4"].person == "anna"
    assert by_id["anna/x.mov"].person == "anna"
    assert by_id["solo.mp4"].person == "site_a"
    assert by_id["clip.mp4"].person == "carl"
    clash = sorted(v for v in by_id if v.startswith("anna/x-"))
    assert len(clash) == 2 and all(v.endswith(".mp4") for v in clash)
    assert {by_id[v].path for v in clash} == {
        (a / "anna/x.mp4").resolve(),
        (b / "anna/x.mp4").resolve(),
    }
    assert by_id["ben/base_rotation.MP4"].baseline and by_id["ben/baseline/turn.mkv"].baseline
    assert not by_id["anna/x.mov"].baseline
    # the same inputs give the same ids, in any order
    again = find_batch_videos([loose, b, a], exclude=out)
    assert [(e.video_id, e.path) for e in again] == [(e.video_id, e.path) for e in entries]
    assert by_id["anna/x.mov"].out_dir(out) == out / "videos" / "anna" / "x.mov"


@pytest.mark.video
@pytest.mark.parametrize(
    ("rel", "baseline"),
    [
        ("base_toe_touch.mp4", True),
        ("Baseline-2026-03-01.mov", True),
        ("anna/baseline/clip.mp4", True),
        ("basement.mp4", False),
        ("hc_base_toe.mp4", False),
        ("anna/baselines/clip.mp4", False),
    ],
)
def test_is_baseline_clip(rel: str, baseline: bool) -> None:
    assert is_baseline_clip(Path(rel)) is baseline


@pytest.mark.video
def test_recorded_at_reads_the_container_else_the_file_time(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    shutil.copyfile(FIXTURES / "hc_fast.mp4", clip)
    os.utime(clip, (1_700_000_000, 1_700_000_000))
    when, source = recorded_at(clip)  # the renderer wrote no creation time
    assert source == "file time" and when.timestamp() == 1_700_000_000
    set_mp4_creation_time(clip, CREATED)
    assert recorded_at(clip) == (CREATED, "metadata")
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\0\0\0\x08free" + b"\xff" * 100)
    assert recorded_at(junk)[1] == "file time"


@pytest.mark.video
def test_a_marker_is_trusted_only_for_the_same_version_input_model_tilt_settings_and_files(
    scenario: Scenario, tmp_path: Path
) -> None:
    from halfcircle.config import Settings, settings_from_dict

    vid = "anna/hc_fast.mp4"
    video = tmp_path / "in.mp4"
    shutil.copy2(scenario.clinic / vid, video)
    folder = tmp_path / "out"
    shutil.copytree(scenario.out / "videos" / vid, folder)
    marker = json.loads((folder / DONE_NAME).read_text())
    sha = marker["model"]["sha256"]

    def done(**kw: bool) -> bool:
        return is_done(folder, video, sha, annotate=kw.get("annotate", False), baseline=False)

    assert done()
    assert not is_done(folder, video, "0" * 64, annotate=False, baseline=False)
    assert not is_done(folder, video, sha, annotate=False, baseline=True)
    assert marker["camera_tilt_deg"] is None  # none given: each video's picture told it
    assert not is_done(folder, video, sha, annotate=False, baseline=False, camera_tilt_deg=5.0)
    assert not is_done(folder, video, sha, annotate=False, baseline=False, camera_tilt_deg=0.0)
    assert marker["settings"] == {}  # the batch ran with the defaults
    assert is_done(folder, video, sha, annotate=False, baseline=False, settings=Settings())
    strict = settings_from_dict({"reps": {"leave_upright_deg": 14}})
    assert not is_done(folder, video, sha, annotate=False, baseline=False, settings=strict)
    assert not done(annotate=True)  # wants the annotated video it does not hold
    os.utime(video, ns=(0, marker["video"]["mtime_ns"] + 1))
    assert not done()  # the input changed
    os.utime(video, ns=(0, marker["video"]["mtime_ns"]))
    assert done()
    with (folder / "frames.csv").open("a") as f:
        f.write("1,2\n")
    assert not done()  # a file was changed after the marker
    (folder / "frames.csv").unlink()
    assert not done()
    shutil.copytree(scenario.out / "videos" / vid, folder, dirs_exist_ok=True)
    assert done()
    older = marker | {"halfcircle": "0.1.0"}  # another version may measure differently
    (folder / DONE_NAME).write_text(json.dumps(older))
    assert not done()
    (folder / DONE_NAME).write_text("{")
    assert not done()


@pytest.mark.video
def test_a_marker_records_the_changed_settings_and_an_older_one_means_the_defaults(
    tmp_path: Path,
) -> None:
    from halfcircle.config import Settings, settings_diff, settings_from_dict

    video = tmp_path / "in.mp4"
    video.write_bytes(b"a video")
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "summary.json").write_text("{}")
    st = video.stat()
    strict = settings_from_dict({"reps": {"leave_upright_deg": 14}})
    marker = {
        "schema_version": 2,
        "halfcircle": __version__,
        "video": {"size": st.st_size, "mtime_ns": st.st_mtime_ns},
        "model": {"sha256": "f" * 64},
        "annotate": False,
        "baseline": False,
        "camera_tilt_deg": None,
        "settings": settings_diff(strict),
        "files": {"summary.json": 2},
    }
    (folder / DONE_NAME).write_text(json.dumps(marker))

    def done(settings: Settings | None) -> bool:
        return is_done(folder, video, "f" * 64, annotate=False, baseline=False, settings=settings)

    assert done(strict) and not done(Settings()) and not done(None)
    del marker["settings"]
    (folder / DONE_NAME).write_text(json.dumps(marker | {"schema_version": 1}))
    assert done(None) and done(Settings()) and not done(strict)  # version 1: the defaults


@pytest.mark.video
def test_a_second_batch_on_the_same_folder_is_refused(tmp_path: Path) -> None:
    clip = tmp_path / "in" / "x.mp4"
    clip.parent.mkdir()
    clip.write_bytes(b"not a video")
    plan = plan_batch([clip.parent], tmp_path / "out", model=MODEL)
    plan.out_dir.mkdir()
    with _locked(plan.out_dir), pytest.raises(BatchError, match="Another halfcircle batch"):
        run_batch(plan, workers=1)


@pytest.mark.video
def test_an_existing_scheduler_is_used_and_a_bad_video_becomes_a_failed_row(
    tmp_path: Path,
) -> None:
    from distributed import LocalCluster

    clip = tmp_path / "in" / "anna" / "notes.mp4"
    clip.parent.mkdir(parents=True)
    clip.write_text("hello")
    plan = plan_batch([tmp_path / "in"], tmp_path / "out", model=MODEL)
    assert [e.video_id for e in plan.todo] == ["anna/notes.mp4"]
    with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster:
        result = run_batch(plan, scheduler=cluster.scheduler_address)
    assert not result.interrupted
    assert result.failed == {"anna/notes.mp4": result.rows[0]["error"]}
    assert "could not be opened as a video" in result.rows[0]["error"]
    assert read_cohort(result.cohort_csv)["anna/notes.mp4"]["status"] == "failed"
    assert not (tmp_path / "out" / ".partial").exists()


@pytest.mark.video
@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["--workers", "0"], "--workers must be at least 1"),
        (["--workers", "2", "--scheduler", "tcp://127.0.0.1:9"], "leave it out with --scheduler"),
        (["--model", "nope"], "Unknown pose model"),
    ],
    ids=["zero-workers", "workers-and-scheduler", "bad-model"],
)
def test_batch_usage_errors_are_one_sentence(
    tmp_path: Path, args: list[str], text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from halfcircle.cli.app import main

    _touch(tmp_path / "in" / "a.mp4")
    code = main(["batch", str(tmp_path / "in"), "--out", str(tmp_path / "out"), *args])
    out, err = capsys.readouterr()
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("halfcircle: ") and text in lines[0]
    if "--workers" in args:  # refused before any work is announced
        assert "found" not in out, out


def test_no_videos_or_a_missing_input_is_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from halfcircle.cli.app import main

    (tmp_path / "empty").mkdir()
    assert main(["batch", str(tmp_path / "empty"), "--out", str(tmp_path / "o")]) == 2
    assert "No video files were found" in capsys.readouterr().err
    assert main(["batch", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o")]) == 2
    assert "There is no file or folder at" in capsys.readouterr().err


@pytest.mark.video
def test_video_entry_out_dir_is_inside_the_batch_folder(tmp_path: Path) -> None:
    e = VideoEntry(tmp_path / "a.mp4", "p/q/a.mp4", "p", False)
    assert e.out_dir(tmp_path / "o") == tmp_path / "o" / "videos" / "p" / "q" / "a.mp4"


def test_unexpected_failures_are_described_in_one_sentence() -> None:
    from halfcircle.batch.run import _describe

    class KilledWorker(Exception):  # the name distributed gives a task whose workers died
        pass

    assert "crashed each time" in _describe(KilledWorker("task x"))
    text = _describe(ValueError("shapes (3,) and (4,) differ."))
    assert text == "The analysis failed unexpectedly (ValueError: shapes (3,) and (4,) differ)."
    assert _describe(RuntimeError()).endswith("(RuntimeError: no details).")


@pytest.mark.video
def test_a_full_disk_fails_each_video_with_a_sentence_naming_its_own_folder(
    tmp_path: Path,
) -> None:
    video = DATA / "person.mp4"  # its annotated video is > 100 kB
    out = tmp_path / "out"
    proc = cli_on_a_full_disk(
        "batch", video, "--out", out, "--model", "lite", "--workers", "1", "--quiet"
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert f"{out}/videos/person.mp4/annotated.mp4 could not be written (File too large)" in (
        proc.stdout + proc.stderr
    )
    assert ".partial" not in proc.stdout + proc.stderr
    assert (out / "cohort.csv").exists() and not (out / "videos" / "person.mp4").exists()
