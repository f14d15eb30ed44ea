"""Recorded-video analysis: reps found, files written, bad input explained."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from halfcircle.analyze.video import (
    BASELINE_HINT_START,
    FRAME_COLUMNS,
    analysis_status,
    analyze_poses,
    text_summary,
)
from halfcircle.io.videowriter import H264Writer, VideoWriteError
from halfcircle.landmarks import PoseSequence
from halfcircle.present.outputs import write_outputs
from halfcircle.synthetic import half_circle, synthetic_clip
from tests.conftest import (
    DATA,
    cli_on_a_full_disk,
    fixture_poses,
    kept_poses_for_commands,
    without_person,
)

FPS = 30.0


def _two_reps() -> tuple[PoseSequence, np.ndarray]:
    lat1, fwd1 = half_circle(n_rest=60, n_rep=150, right_first=True)
    lat2, fwd2 = half_circle(n_rest=45, n_rep=150, right_first=False)
    lat, fwd = np.concatenate([lat1, lat2]), np.concatenate([fwd1, fwd2])
    return synthetic_clip(lat, fwd, noise_px=0.5, seed=1).seq, np.hypot(lat, fwd)


def _true_reps(inclination: np.ndarray) -> list[tuple[float, float]]:
    moving = np.r_[False, inclination > 0.5, False].astype(int)
    edges = np.flatnonzero(np.diff(moving))
    return [(a / FPS, (b - 1) / FPS) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def test_two_reps_are_found_with_their_directions_and_boundaries() -> None:
    seq, incl = _two_reps()
    analysis = analyze_poses(seq)
    assert [r.direction for r in analysis.complete_reps] == ["right_first", "left_first"]
    for rep, (start, end) in zip(analysis.complete_reps, _true_reps(incl), strict=True):
        assert rep.start_s == pytest.approx(start, abs=0.3)
        assert rep.end_s == pytest.approx(end, abs=0.3)
        assert rep.metrics.peak_forward_deg == pytest.approx(50, abs=3)
        assert rep.metrics.peak_lateral_right_deg == pytest.approx(30, abs=3)
        assert rep.metrics.peak_lateral_left_deg == pytest.approx(30, abs=3)
    assert analysis.measured and not analysis.aborted


@pytest.mark.video
def test_outputs_hold_every_frame_and_rep(tmp_path: Path) -> None:
    seq, _ = _two_reps()
    analysis = analyze_poses(seq)
    paths = write_outputs(analysis, tmp_path / "out", annotate=False)
    with paths["frames"].open() as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0].keys()) == FRAME_COLUMNS
    assert len(rows) == len(seq)
    reps_in_frames = {r["rep"] for r in rows} - {""}
    assert reps_in_frames == {"1", "2"}
    # a recording is zeroed as a whole and counted from its first frame: no frame
    # waits in "calibrating" (summary.json says which frames zeroed it)
    assert {r["phase"] for r in rows} >= {"ready", "side_a", "front", "side_b"}
    assert "calibrating" not in {r["phase"] for r in rows}
    reps = json.loads(paths["reps"].read_text())
    assert reps["schema_version"] == 2 and reps["aborted"] == []
    keys = {"index", "direction", "complete", "start_s", "end_s", "peak_lateral_right_deg",
            "peak_lateral_left_deg", "peak_forward_deg", "arc_coverage_deg", "sparc", "ldlj",
            "reversals", "score", "cues", "movement"}  # fmt: skip
    assert {r["movement"] for r in reps["reps"]} == {"half_circle"}
    assert all(keys <= set(r) for r in reps["reps"])
    assert all(0 <= r["score"] <= 100 for r in reps["reps"])
    summary = json.loads(paths["summary"].read_text())
    assert summary["counts"]["complete_reps"] == 2
    assert summary["view"]["kind"] == "front"
    assert summary["calibration"] is not None
    assert summary["calibration_choice"]["rule"] == "first_quiet_second"
    # the steadiest second of the 2 s of standing the recording starts with
    assert 0.0 <= summary["calibration_choice"]["start_s"] <= 1.0
    assert summary["status"] == "ok" and summary["warnings"] == []
    page = paths["report"].read_text()
    assert page.count("<img") == 2  # angles over time, traces
    assert page.count("<tr>") == 3  # header and two reps


@pytest.mark.video
def test_the_report_names_the_settings_that_differ_from_the_defaults() -> None:
    from halfcircle.coaching.reps import RepThresholds
    from halfcircle.config import Settings
    from halfcircle.present.report import render_report

    seq, _ = _two_reps()
    plain = render_report(analyze_poses(seq))
    assert "changed from the defaults" not in plain
    changed = Settings(reps=RepThresholds(leave_upright_deg=14.0))
    page = render_report(analyze_poses(seq, settings=changed))
    assert "changed from the defaults: reps.leave_upright_deg = 14.0." in page


def test_a_person_leaving_mid_rep_leaves_a_note_and_no_complete_rep() -> None:
    lat, fwd = half_circle(n_rest=60, n_rep=150, right_first=True)
    clip = synthetic_clip(lat, fwd)
    seq = clip.seq
    seq = without_person(seq, slice(60 + 60, 60 + 120))  # two seconds out, mid-rep
    analysis = analyze_poses(seq)
    assert analysis.complete_reps == []
    assert [r.outcome for r in analysis.reps] == ["incomplete"]
    assert any("You left the view or stopped during rep 1" in note for note in analysis.notes)


def test_someone_else_in_view_is_reported() -> None:
    seq, _ = _two_reps()
    n = seq.n_people.copy()
    n[100:130] = 2
    seq = PoseSequence(seq.time_s, seq.image, seq.world, seq.visibility, seq.presence, n,
                       seq.image_size, seq.fps)  # fmt: skip
    analysis = analyze_poses(seq)
    assert any("Someone else was in view in 30 frames" in note for note in analysis.notes)
    from halfcircle.analyze.video import analysis_status

    assert "someone_else_in_view" in analysis_status(analysis)[1]
    assert len(analysis.complete_reps) == 2


def test_a_ghost_pose_for_a_few_frames_at_a_time_is_not_someone_else() -> None:
    # MediaPipe can read a folded body as two for a few frames at deep flexion; bursts
    # of 3 frames, 24 in all, are no second person (they were: 24 >= 5 frames).
    from halfcircle.analyze.video import analysis_status

    seq, _ = _two_reps()
    n = seq.n_people.copy()
    for start in range(80, 240, 20):
        n[start : start + 3] = 2
    seq = PoseSequence(seq.time_s, seq.image, seq.world, seq.visibility, seq.presence, n,
                       seq.image_size, seq.fps)  # fmt: skip
    analysis = analyze_poses(seq)
    assert int((n > 1).sum()) == 24
    assert not any("Someone else" in note for note in analysis.notes), analysis.notes
    assert "someone_else_in_view" not in analysis_status(analysis)[1]


def test_no_stance_at_all_is_still_measured_and_says_how_zero_was_chosen() -> None:
    lat, fwd = half_circle(n_rest=0, n_rep=150)  # moving from the first frame to the last
    analysis = analyze_poses(synthetic_clip(lat, fwd).seq)
    assert analysis.measured
    assert analysis.stance is not None and analysis.stance.rule == "steadiest_moment"
    assert "most upright, steadiest moment" in analysis.notes[0]
    assert "off by several degrees" in analysis.notes[0]
    (rep,) = analysis.complete_reps
    assert rep.metrics.peak_lateral_right_deg == pytest.approx(30, abs=4)
    assert rep.metrics.peak_lateral_left_deg == pytest.approx(30, abs=4)
    assert rep.metrics.peak_forward_deg == pytest.approx(50, abs=4)
    assert analysis_status(analysis) == ("warning", ["fallback_calibration", "late_calibration"])


def test_a_rep_before_the_only_quiet_second_is_counted_from_it() -> None:
    lat, fwd = half_circle(n_rest=0, n_rep=150)
    rest_s = np.zeros(9)  # 0.3 s of standing, then the rep, then 1.5 s of standing
    lat = np.concatenate([rest_s, lat, np.zeros(45)])
    fwd = np.concatenate([rest_s, fwd, np.zeros(45)])
    analysis = analyze_poses(synthetic_clip(lat, fwd).seq)
    (rep,) = analysis.complete_reps
    assert rep.start_s < 0.6
    assert rep.metrics.peak_lateral_right_deg == pytest.approx(30, abs=3)
    assert rep.metrics.peak_forward_deg == pytest.approx(50, abs=3)
    assert analysis.stance is not None and analysis.stance.rule == "first_quiet_second"
    assert analysis.stance.start_s > rep.end_s - 0.5
    assert analysis.notes[0].startswith("Zero was taken from the first second of quiet standing")
    assert "the movement before it is measured from the same zero" in analysis.notes[0]
    assert analysis_status(analysis) == ("warning", ["late_calibration"])
    assert BASELINE_HINT_START not in " ".join(analysis.notes)


def test_a_recording_that_starts_mid_movement_says_so_and_is_not_ok() -> None:
    lat, fwd = half_circle(n_rest=45, n_rep=150)
    start = 40  # well into the first side bend: the rep counter never saw the trunk upright
    lat = np.concatenate([lat[45 + start :], np.zeros(45)])
    fwd = np.concatenate([fwd[45 + start :], np.zeros(45)])
    analysis = analyze_poses(synthetic_clip(lat, fwd).seq)
    assert analysis.complete_reps == []
    assert analysis.under_way_at_start is not None
    begin, end = analysis.under_way_at_start
    assert begin == 0.0 and 3.0 < end < 4.0  # back upright as the rep's frames end (3.7 s)
    assert any(n.startswith("A movement was already under way when the recording started")
               for n in analysis.notes), analysis.notes  # fmt: skip
    assert analysis_status(analysis) == ("warning", ["started_mid_movement"])


def test_a_recording_that_starts_upright_has_no_movement_under_way() -> None:
    seq, _ = _two_reps()
    analysis = analyze_poses(seq)
    assert analysis.under_way_at_start is None
    assert analysis_status(analysis) == ("ok", [])


def _from_frame(seq: PoseSequence, first: int) -> PoseSequence:
    keep = slice(first, None)
    return PoseSequence(
        seq.time_s[keep] - seq.time_s[first], seq.image[keep], seq.world[keep],
        seq.visibility[keep], seq.presence[keep], seq.n_people[keep], seq.image_size,
        seq.fps, source=seq.source,
    )  # fmt: skip


@pytest.mark.video
@pytest.mark.parametrize(("name", "first"), [("hc_bending_at_start", 0), ("hc_front_right", 81)])
def test_a_real_recording_cut_in_the_middle_of_a_half_circle_warns_of_it(
    name: str, first: int
) -> None:
    # hc_bending_at_start begins mid half circle; hc_front_right from frame 81 (2.7 s) is
    # cut in its first side bend. Both were "ok" with no word of the movement.
    analysis = analyze_poses(_from_frame(fixture_poses(name), first))
    assert analysis.under_way_at_start is not None
    assert analysis.under_way_at_start[0] == 0.0
    assert "started_mid_movement" in analysis_status(analysis)[1]
    assert all(r.start_s >= analysis.under_way_at_start[1] - 0.1 for r in analysis.reps)


@pytest.mark.video
def test_a_second_recording_the_tracking_loses_is_not_ok() -> None:
    # a recording of half circles and one of side bends filmed narrower, joined: the
    # jump to the second body left its 4 side bends unmeasured, and the status was "ok"
    a, b = fixture_poses("hc_two_reps"), fixture_poses("drill_side_bends_front")
    image_b = b.image.copy()
    image_b[..., 0] = image_b[..., 0] * 0.5625 + 0.21875  # a pillarboxed picture
    joined = PoseSequence(
        np.concatenate([a.time_s, b.time_s + a.time_s[-1] + 1 / a.fps]),
        np.concatenate([a.image, image_b]), np.concatenate([a.world, b.world]),
        np.concatenate([a.visibility, b.visibility]), np.concatenate([a.presence, b.presence]),
        np.concatenate([a.n_people, b.n_people]), a.image_size, a.fps,
    )  # fmt: skip
    analysis = analyze_poses(joined)
    assert len(analysis.complete_reps) == 2
    assert "unmeasured" in analysis_status(analysis)[1]
    (note,) = [n for n in analysis.notes if "jumped" in n]
    assert "s are left unmeasured" in note


@pytest.mark.video
def test_a_picture_turned_on_its_side_says_so_and_not_to_stand_still() -> None:
    # a phone video turned in its pixels, its rotation not recorded (the person lies across
    # the picture): "never shows a quiet upright stance ... start by standing still"
    seq = fixture_poses("hc_two_reps")
    image, world = seq.image.copy(), seq.world.copy()
    image[..., 0], image[..., 1] = 1.0 - seq.image[..., 1], seq.image[..., 0]  # 90 deg
    world[..., 0], world[..., 1] = -seq.world[..., 1], seq.world[..., 0]
    w, h = seq.image_size
    turned = PoseSequence(seq.time_s, image, world, seq.visibility, seq.presence,
                          seq.n_people, (h, w), seq.fps)  # fmt: skip
    analysis = analyze_poses(turned)
    assert analysis_status(analysis)[0] == "not measured"
    assert analysis.notes[0].startswith("The picture is on its side")
    assert not any("standing still" in n for n in analysis.notes)


@pytest.mark.video
def test_an_incomplete_rep_names_the_side_it_never_reached() -> None:
    # hc_two_reps cut at 3.5 s, in the front of its first half circle: the summary read
    # "right 28 deg, left 0 deg, forward 56 deg, incomplete"
    seq = fixture_poses("hc_two_reps")
    keep = seq.time_s < 3.5
    cut = PoseSequence(seq.time_s[keep], seq.image[keep], seq.world[keep],
                       seq.visibility[keep], seq.presence[keep], seq.n_people[keep],
                       seq.image_size, seq.fps)  # fmt: skip
    (line,) = [x for x in text_summary(analyze_poses(cut)).splitlines() if "rep 1" in x]
    assert "left not reached" in line and "incomplete" in line
    assert "right 2" in line  # the side it did reach keeps its peak


@pytest.mark.video
def test_a_camera_held_in_a_hand_zeroes_where_the_person_stood_still() -> None:
    # each frame shifted by up to 6 px (a hand-held phone): no second looked still, and
    # zero was taken between the reps with "start with two seconds of standing still"
    seq = fixture_poses("hc_two_reps")
    steady = analyze_poses(seq)
    w, h = seq.image_size
    shift = np.random.default_rng(7).uniform(-6.0, 6.0, (len(seq), 1, 2)) / (w, h)
    image = seq.image.copy()
    image[..., :2] += shift
    moved = PoseSequence(seq.time_s, image, seq.world, seq.visibility, seq.presence,
                         seq.n_people, seq.image_size, seq.fps)  # fmt: skip
    shaken = analyze_poses(moved)
    assert shaken.stance is not None and shaken.stance.camera_moved
    assert shaken.stance.rule == "first_quiet_second" and shaken.stance.end_s < 1.6
    assert shaken.notes[0].startswith("The camera moved (held in a hand, or panning)")
    assert "camera_moved" in analysis_status(shaken)[1]
    assert steady.stance is not None and not steady.stance.camera_moved
    for a, b in zip(shaken.complete_reps, steady.complete_reps, strict=True):
        for name in ("peak_lateral_right_deg", "peak_lateral_left_deg", "peak_forward_deg"):
            assert getattr(a.metrics, name) == pytest.approx(getattr(b.metrics, name), abs=2.0)


@pytest.mark.video
def test_the_annotated_video_is_h264_and_readable(tmp_path: Path) -> None:
    import gc
    import warnings

    path = tmp_path / "a.mp4"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with H264Writer(path, (320, 240), 30.0) as writer:
            for i in range(20):
                writer.write(np.full((240, 320, 3), 10 * i, np.uint8))
        del writer
        gc.collect()
    # the encoder's error pipe is closed (it was left open: "unclosed file", at save())
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
    cap = cv2.VideoCapture(str(path))
    fourcc = int(cap.get(cv2.CAP_PROP_FOURCC)).to_bytes(4, "little").decode()
    frames = 0
    while cap.read()[0]:
        frames += 1
    cap.release()
    assert fourcc in ("avc1", "h264", "H264")
    assert frames == 20


def test_a_full_disk_is_a_clear_error(tmp_path: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("this system has no /dev/full to simulate a full disk")
    with pytest.raises(VideoWriteError, match="could not be written"):
        with H264Writer(Path("/dev/full"), (320, 240), 30.0) as writer:
            for _ in range(200):
                writer.write(np.zeros((240, 320, 3), np.uint8))


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "halfcircle", *map(str, args)],
                          capture_output=True, text=True, timeout=300)  # fmt: skip


@pytest.mark.video
def test_a_full_disk_loses_the_annotated_video_but_keeps_the_report_and_summary(
    tmp_path: Path,
) -> None:
    video = DATA / "person.mp4"  # its annotated video is > 100 kB
    out = tmp_path / "o"
    proc = cli_on_a_full_disk("analyze", video, "--out", out, "--model", "lite")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.strip() == (
        f"halfcircle: The annotated video {out}/annotated.mp4 could not be written "
        f"(File too large); the other results are in {out}/."
    )
    assert "Half circles: 0 complete" in proc.stdout  # the summary is still printed
    assert sorted(p.name for p in out.iterdir()) == [
        "frames.csv", "report.html", "reps.json", "summary.json",
    ]  # fmt: skip
    assert "<video" not in (out / "report.html").read_text()


@pytest.mark.video
def test_analyze_a_video_without_a_full_body_explains_and_exits_5(
    person_video: Path, tmp_path: Path
) -> None:
    proc = _cli("analyze", person_video, "--out", tmp_path / "o")
    assert proc.returncode == 5, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "Note:" in proc.stdout
    for name in ("frames.csv", "reps.json", "summary.json", "annotated.mp4", "report.html"):
        assert (tmp_path / "o" / name).stat().st_size > 0, name


@pytest.mark.video
def test_analyze_an_empty_room_says_nobody_was_found(empty_video: Path, tmp_path: Path) -> None:
    proc = _cli("analyze", empty_video, "--out", tmp_path / "o", "--no-video", "--json")
    assert proc.returncode == 5
    summary = json.loads(proc.stdout)
    assert summary["counts"]["frames_with_person"] == 0
    assert summary["notes"][0].startswith("No person was found")


@pytest.mark.video
def test_analyze_a_folder_with_nothing_in_it_is_refused(tmp_path: Path) -> None:
    proc = _cli("analyze", tmp_path, "--out", tmp_path / "o")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "halfcircle: No video files were found in the given folders."


@pytest.mark.video
@pytest.mark.parametrize("tilt", ["50", "level"])
def test_a_camera_tilt_that_cannot_be_used_is_refused_in_one_line(
    tilt: str, person_video: Path, tmp_path: Path
) -> None:
    proc = _cli("analyze", person_video, "--out", tmp_path / "o", "--camera-tilt", tilt)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "--camera-tilt" in proc.stderr.splitlines()[-1]
    assert not (tmp_path / "o").exists()


@pytest.mark.video
def test_a_folder_of_videos_is_analysed_into_one_folder_each(
    person_video: Path, empty_video: Path, tmp_path: Path
) -> None:
    videos = tmp_path / "videos" / "week1"
    videos.mkdir(parents=True)
    (videos / "monday.mp4").write_bytes(person_video.read_bytes())
    (videos / "tuesday.mp4").write_bytes(empty_video.read_bytes())
    (videos / "notes.txt").write_text("not a video")
    proc = _cli("analyze", tmp_path / "videos", "--out", tmp_path / "o", "--no-video")
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 5  # neither shows a whole body: the worst code of the set
    for name in ("monday", "tuesday"):  # named by their path below the folder given
        folder = tmp_path / "o" / "week1" / name
        summary = json.loads((folder / "summary.json").read_text())
        assert summary["video"]["path"].endswith(f"{name}.mp4")
        # each video's own summary is printed, as for a single video
        assert f"{name}.mp4: " in proc.stdout and f"Results in {folder}/" in proc.stdout
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["week1"]


@pytest.mark.video
def test_two_videos_of_the_same_name_in_different_folders_keep_their_own_results(
    person_video: Path, empty_video: Path, tmp_path: Path
) -> None:
    for person, clip in (("anna", person_video), ("ben", empty_video)):
        (tmp_path / "videos" / person).mkdir(parents=True)
        (tmp_path / "videos" / person / "clip.mp4").write_bytes(clip.read_bytes())
    out = tmp_path / "o"
    proc = _cli("analyze", tmp_path / "videos", "--out", out, "--no-video")
    assert "Traceback" not in proc.stderr and proc.returncode == 5, proc.stderr
    frames = {}
    for person in ("anna", "ben"):
        summary = json.loads((out / person / "clip" / "summary.json").read_text())
        assert summary["video"]["path"] == str(tmp_path / "videos" / person / "clip.mp4")
        frames[person] = summary["video"]["frames"]
    assert frames == {"anna": 15, "ben": 10}  # each its own video, none overwritten


@pytest.mark.video
def test_videos_of_the_same_name_given_directly_get_a_hash_after_the_name(
    tmp_path: Path,
) -> None:
    from halfcircle.cli.analyze import analysis_folders

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for video in (tmp_path / "a" / "clip.mp4", tmp_path / "b" / "clip.mp4", tmp_path / "x.mov"):
        video.write_bytes(b"")
    found = analysis_folders(
        [tmp_path / "a" / "clip.mp4", tmp_path / "b" / "clip.mp4", tmp_path / "x.mov"],
        tmp_path / "o",
    )
    names = [folder.name for _, folder in found]
    assert len(set(names)) == 3 and "x" in names
    assert all(n.startswith("clip-") and len(n) == len("clip-") + 8 for n in names if n != "x")
    assert {video for video, _ in found} == {
        tmp_path / "a" / "clip.mp4",
        tmp_path / "b" / "clip.mp4",
        tmp_path / "x.mov",
    }


@pytest.mark.video
def test_analyze_to_history_adds_the_reps_as_a_practice_session_dated_by_the_video(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import datetime

    kept_poses_for_commands(monkeypatch)  # the clip's kept MediaPipe poses: the history's test

    import halfcircle.cli.app as cli
    from halfcircle.history.store import History, default_db_path

    clip = Path(__file__).resolve().parents[2] / "fixtures" / "hc_fast.mp4"
    db = tmp_path / "h.sqlite3"
    out = tmp_path / "o"
    args = ["analyze", str(clip), "--out", str(out), "--model", "lite", "--no-video"]
    args += ["--camera-tilt", "-1.5"]  # the clip's camera is level; a measured tilt is passed on
    args += ["--set", "score.pace_min_s=2.5"]  # kept with the session in the history
    assert cli.main([*args, "--to-history", "--db", str(db)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["calibration"]["camera_tilt_deg"] == -1.5
    printed = capsys.readouterr().out
    assert f"Added to your progress history ({db})." in printed
    assert "front view, camera 1.5 deg up (as given)" in printed
    assert "camera 1.5 deg up (as given)" in (out / "report.html").read_text()
    reps = json.loads((out / "reps.json").read_text())["reps"]
    assert reps and all(r["complete"] for r in reps)
    with History(db) as h:
        (session,) = h.sessions()
        stored = [p["metrics"] for p in h.practice_reps()]
    assert session["kind"] == "practice" and session["source"] == str(clip)
    assert session["camera_tilt_deg"] == -1.5
    assert session["settings"] == {"score": {"pace_min_s": 2.5}}
    assert datetime.fromisoformat(session["started_at"]).timestamp() == pytest.approx(
        clip.stat().st_mtime, abs=1.0
    )
    assert [r["score"] for r in stored] == [r["score"] for r in reps]
    assert [r["peak_forward_deg"] for r in stored] == [r["peak_forward_deg"] for r in reps]
    # Without --to-history nothing is added, not even to the default history; the
    # camera is taken as level and the summary says how to give its tilt.
    plain = args[: args.index("--camera-tilt")]
    assert cli.main(plain) == 0
    assert not default_db_path().exists()
    assert "give --camera-tilt DEG" in capsys.readouterr().out


@pytest.mark.video
def test_a_recorded_practice_is_rated_into_the_history_and_a_clear_rise_in_pain_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import shutil

    import halfcircle.cli.app as cli
    from halfcircle.history.store import History

    kept_poses_for_commands(monkeypatch)  # the clips' kept MediaPipe poses: the history's test
    fixtures = Path(__file__).resolve().parents[2] / "fixtures"
    (tmp_path / "monday").mkdir()
    (tmp_path / "tuesday").mkdir()  # copies under the clips' names (their poses are kept)
    clip = shutil.copyfile(fixtures / "hc_fast.mp4", tmp_path / "monday" / "hc_fast.mp4")
    later = shutil.copyfile(fixtures / "hc_smooth.mp4", tmp_path / "tuesday" / "hc_smooth.mp4")
    os.utime(clip, (1_764_000_000, 1_764_000_000))  # recorded a day apart
    os.utime(later, (1_764_086_400, 1_764_086_400))
    db = tmp_path / "h.sqlite3"
    args = ["analyze", str(clip), "--model", "lite", "--no-video", "--db", str(db)]
    # a rating is kept in the history, or nowhere
    assert cli.main([*args, "--out", str(tmp_path / "x"), "--pain", "3"]) == 2
    assert "add --to-history" in capsys.readouterr().err
    assert cli.main([*args, "--out", str(tmp_path / "x"), "--replace"]) == 2  # was ignored
    assert "--replace replaces a session" in capsys.readouterr().err
    first = [*args, "--out", str(tmp_path / "a"), "--to-history", "--camera-tilt", "4"]
    assert cli.main([*first, "--feels", "same", "--pain", "3"]) == 0
    capsys.readouterr()
    second = [*args, "--out", str(tmp_path / "b"), "--to-history"]
    second[1] = str(later)  # another recording (the same one again is not stored twice)
    assert cli.main([*second, "--feels", "worse", "--pain", "6"]) == 0
    printed = capsys.readouterr().out
    # the same camera as last time unless told otherwise, and what the pain means
    assert "Camera tilt: 4 deg down, as in your last session" in printed
    assert "Your pain is 6 of 10, above the 5 that is fine" in printed
    assert "ease off" in printed and "clinician" not in printed
    with History(db) as h:
        assert [(s["feels"], s["pain"], s["camera_tilt_deg"]) for s in h.sessions()] == [
            ("same", 3, 4.0),
            ("worse", 6, 4.0),
        ]
