"""The live loop, driven headless: same reps as analyze, nothing lost when it stops."""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

import cv2
import numpy as np
import pytest

import halfcircle.cli.app as cli
import halfcircle.cli.options as options
import halfcircle.live.rebuild as rebuild
import halfcircle.live.run as live
from halfcircle.analyze.video import FRAME_COLUMNS, Analysis, analyze_poses, text_summary
from halfcircle.coaching.reps import RepRecord
from halfcircle.history.store import History
from halfcircle.io.capture import open_source
from halfcircle.landmarks import PoseFrame, PoseSequence
from halfcircle.live.coach import LiveCoach, positioning_advice
from halfcircle.live.options import LiveOptions, Rating
from halfcircle.live.record import SessionRecorder, load_poses, read_events, read_pose_csv
from halfcircle.live.run import LiveResult, default_estimator, pain_advice, run_live
from halfcircle.poseconfig import PoseConfig
from halfcircle.synthetic import half_circle, synthetic_clip
from tests.conftest import PacedCamera, cli_on_a_full_disk
from tests.conftest import ReplayPoses as _ReplayPoses

REPO = Path(__file__).resolve().parents[2]
CLIP = REPO / "fixtures" / "hc_two_reps.mp4"
MODEL = "full"
#: The clip's camera looks 8.5 deg down: the ``--camera-tilt`` a user would give.
TILT = 9.0

needs_clip = pytest.mark.skipif(
    not (CLIP.exists() and CLIP.stat().st_size > 10_000),
    reason="rendered fixture not present (or being rendered)",
)


# ------------------------------------------------------------------ stand-ins
class _BlankVideo:
    """Capture stand-in for a file of ``n`` grey frames (the file clock in POS_MSEC)."""

    def __init__(self, n: int, size: tuple[int, int] = (640, 480), fps: float = 30.0) -> None:
        self.n, self.size, self.fps, self.i = n, size, fps, 0

    def isOpened(self) -> bool:
        return True

    def read(self) -> tuple[bool, Any]:
        if self.i >= self.n:
            return False, None
        self.i += 1
        return True, np.full((self.size[1], self.size[0], 3), 90, np.uint8)

    def get(self, prop: int) -> float:
        return {
            cv2.CAP_PROP_FPS: self.fps,
            cv2.CAP_PROP_FRAME_WIDTH: float(self.size[0]),
            cv2.CAP_PROP_FRAME_HEIGHT: float(self.size[1]),
            cv2.CAP_PROP_FRAME_COUNT: float(self.n),
            cv2.CAP_PROP_POS_MSEC: (self.i - 1) * 1000.0 / self.fps,
        }.get(prop, 0.0)

    def release(self) -> None:
        pass


def _plug_in(monkeypatch: pytest.MonkeyPatch, camera: PacedCamera) -> None:
    """Make camera indices open ``camera`` in the live module (files open as usual)."""

    def fake_open(spec: Any, factory: Any = None, *, mirrored: bool = False) -> Any:
        plugged = (lambda _: camera) if str(spec).isdigit() else factory
        return open_source(spec, plugged, mirrored=mirrored)

    monkeypatch.setattr(live, "open_source", fake_open)


def _two_rep_seq() -> PoseSequence:
    lat1, fwd1 = half_circle(n_rest=60, n_rep=150, right_first=True)
    lat2, fwd2 = half_circle(n_rest=45, n_rep=150, right_first=False)
    lat, fwd = np.concatenate([lat1, lat2]), np.concatenate([fwd1, fwd2])
    return synthetic_clip(lat, fwd, noise_px=0.5, seed=1).seq


# ----------------------------------------------------------------- comparison
#: Largest differences allowed between the reps seen live (One Euro filter, causal)
#: and by analyze (zero-phase Butterworth), per rep, when the live loop sees every
#: frame. Measured on hc_two_reps, full model: start/end 0.07 s, peaks under
#: 1 deg, arc coverage under 1 deg, score 5 points (the smoothness parts react to
#: the filter).
EVERY_FRAME_TOL: dict[str, float] = {
    "start_s": 0.2,
    "end_s": 0.2,
    "peak_lateral_right_deg": 2.0,
    "peak_lateral_left_deg": 2.0,
    "peak_forward_deg": 2.0,
    "arc_coverage_deg": 5.0,
    "score": 8.0,
}

#: The same in real time, where a busy model drops frames (15-60 % on a loaded
#: 2-core machine): measured start 0.07-0.1 s, end 0.2-0.5 s, peaks under 1 deg,
#: arc coverage 1 deg. The score (its smoothness part) suffers from the missing
#: frames: within 4 points with 15 % dropped, up to 28 with 60 %; it is only
#: compared when most frames were measured (:data:`SCORE_MIN_POSED`).
REAL_TIME_TOL: dict[str, float] = {
    "start_s": 0.4,
    "end_s": 0.7,
    "peak_lateral_right_deg": 3.0,
    "peak_lateral_left_deg": 3.0,
    "peak_forward_deg": 3.0,
    "arc_coverage_deg": 10.0,
}
REAL_TIME_SCORE_TOL: Final = 12.0
SCORE_MIN_POSED: Final = 0.8


def rep_differences(got: list[RepRecord], ref: list[RepRecord]) -> dict[str, float]:
    """Largest absolute difference of each compared quantity over paired reps."""
    assert [r.direction for r in got] == [r.direction for r in ref]
    assert [r.outcome for r in got] == [r.outcome for r in ref]
    worst: dict[str, float] = dict.fromkeys(EVERY_FRAME_TOL, 0.0)
    for a, b in zip(got, ref, strict=True):
        for key in worst:
            if key in ("start_s", "end_s"):
                va, vb = getattr(a, key), getattr(b, key)
            elif key == "score":
                va = a.score.total if a.score is not None else math.nan
                vb = b.score.total if b.score is not None else math.nan
            else:
                va, vb = getattr(a.metrics, key), getattr(b.metrics, key)
            if math.isfinite(va) or math.isfinite(vb):
                worst[key] = max(worst[key], abs(va - vb))
    return worst


def _assert_close_to_analyze(
    got: list[RepRecord],
    ref: list[RepRecord],
    label: str,
    tolerance: dict[str, float] = EVERY_FRAME_TOL,
) -> dict[str, float]:
    diffs = rep_differences(got, ref)
    print(f"\n{label}: " + ", ".join(f"{k} {v:.2f}" for k, v in diffs.items()))
    for key, tol in tolerance.items():
        assert diffs[key] <= tol, f"{label}: {key} differs by {diffs[key]:.2f} > {tol}"
    return diffs


# ------------------------------------------------------------- synthetic runs
def _run_synthetic(seq: PoseSequence, out: Path, fast: bool) -> LiveResult:
    clip = out.parent / "clip.mp4"
    clip.write_bytes(b"stand-in")  # the capture stand-in plays it
    return run_live(
        LiveOptions(str(clip), out, headless=True, fast=fast, annotate=False),
        capture_factory=lambda _: _BlankVideo(len(seq)),
        estimator_factory=_ReplayPoses(seq),
    )


@pytest.mark.video
def test_synthetic_reps_live_match_analyze(tmp_path: Path) -> None:
    seq = _two_rep_seq()
    ref = analyze_poses(seq)
    assert len(ref.complete_reps) == 2
    result = _run_synthetic(seq, tmp_path / "fast", fast=True)
    assert result.stop == "end" and result.stats.captured == len(seq)
    assert result.analysis is not None
    # The report is built from the poses on disk: the same as analyze's.
    assert [r.as_dict()["score"] for r in result.analysis.reps] == [
        r.as_dict()["score"] for r in ref.reps
    ]
    _assert_close_to_analyze(result.live_reps, ref.reps, "synthetic, every frame")


@pytest.mark.video
def test_set_up_says_where_it_stands_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import halfcircle.live.run as live_run
    from halfcircle.present.overlay import phase_words

    shown: list[tuple[str, str]] = []
    real = live_run.overlay_info

    def capture(*args, **kwargs):  # type: ignore[no-untyped-def]
        shown.append((phase_words(kwargs["phase"]), kwargs["status"]))
        return real(*args, **kwargs)

    monkeypatch.setattr(live_run, "overlay_info", capture)
    _run_synthetic(_two_rep_seq(), tmp_path / "fast", fast=True)
    before = [(phase, status) for phase, status in shown if phase == "getting ready"]
    assert before and all(status == "" for _, status in before)
    assert any(status.startswith("front view") for _, status in shown)


def _bump(n: int, peak: float) -> np.ndarray:
    """A minimum-jerk excursion to ``peak`` (deg) and back over ``n`` frames."""
    u = np.linspace(0.0, 1.0, n // 2)
    up = peak * u**3 * (10 - 15 * u + 6 * u**2)
    return np.concatenate([up, up[::-1]])


@pytest.mark.video
def test_live_tells_a_side_bend_from_a_half_circle_begun_as_analyze_does(tmp_path: Path) -> None:
    from halfcircle.coaching.cues import REP_CUE_RULES

    aborted_cue = next(r.text for r in REP_CUE_RULES if r.id == "aborted")
    z, rest = np.zeros(120), np.zeros(45)
    lat = np.concatenate([np.zeros(60), _bump(120, 24.0), rest, _bump(120, 25.0), rest])
    fwd = np.concatenate([np.zeros(60), z, rest, _bump(120, 22.0), rest])
    seq = synthetic_clip(lat, fwd, noise_px=0.5, seed=3).seq
    result = _run_synthetic(seq, tmp_path / "s", fast=True)
    events = {
        e["type"]: e for e in read_events(tmp_path / "s") if e["type"] in ("drill", "aborted")
    }
    # the side bend: logged as the drill it was, without "keep rolling through the front"
    drill = events["drill"]["rep"]
    assert (drill["movement"], drill["side"]) == ("side_bend", "right")
    assert aborted_cue not in drill["cues"]
    # the half circle begun (right and forward, back before the front) stays one
    assert aborted_cue in events["aborted"]["rep"]["cues"]
    with (tmp_path / "s" / "live_frames.csv").open() as f:
        shown = [float(row["time_s"]) for row in csv.DictReader(f) if row["cue"] == aborted_cue]
    # shown for the half circle begun only, never after the side bend
    assert shown and min(shown) > events["aborted"]["rep"]["start_s"]
    assert result.analysis is not None  # the report, analyze's: the same two movements
    assert [(d.movement, d.side) for d in result.analysis.drills] == [("side_bend", "right")]
    assert len(result.analysis.aborted) == 1
    # the end-of-set screen (in a window) says what was done, not "0 half circles"
    from halfcircle.present.screens import end_of_set

    headline = end_of_set(result.analysis, [], in_history=False).headline
    assert headline.startswith("1 side bend along the wall: 1 to the right")


@pytest.mark.video
def test_synthetic_real_time_keeps_the_clock_and_the_rep(tmp_path: Path) -> None:
    lat, fwd = half_circle(n_rest=40, n_rep=100, right_first=False)
    seq = synthetic_clip(lat, fwd, noise_px=0.5, seed=2).seq
    ref = analyze_poses(seq)
    result = _run_synthetic(seq, tmp_path / "rt", fast=False)
    assert result.stats.wall_s == pytest.approx(len(seq) / 30.0, rel=0.1)  # 30 fps
    assert result.stats.dropped_ours <= 0.05 * len(seq)  # a few, on a very busy machine
    _assert_close_to_analyze(result.live_reps, ref.reps, "synthetic, real time")


@pytest.mark.video
def test_settings_reach_the_live_reps_the_record_and_a_rebuilt_report(tmp_path: Path) -> None:
    from halfcircle.config import settings_from_dict

    seq = _two_rep_seq()
    strict = settings_from_dict({"score": {"pace_min_s": 8.0}})  # the 5 s reps now score lower
    ref, plain = analyze_poses(seq, settings=strict), analyze_poses(seq)
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"stand-in")
    out = tmp_path / "s"
    result = run_live(
        LiveOptions(str(clip), out, headless=True, fast=True, annotate=False, settings=strict),
        capture_factory=lambda _: _BlankVideo(len(seq)),
        estimator_factory=_ReplayPoses(seq),
    )
    scores = [r.score.total for r in ref.complete_reps if r.score is not None]
    assert scores and all(
        a < b.score.total - 5
        for a, b in zip(scores, plain.complete_reps, strict=True)
        if b.score is not None
    )
    _assert_close_to_analyze(result.live_reps, ref.reps, "synthetic, strict pace")
    meta = json.loads((out / "session.json").read_text())
    assert meta["schema_version"] == 2 and meta["settings"] == {"score": {"pace_min_s": 8.0}}
    assert json.loads((out / "summary.json").read_text())["settings"] == meta["settings"]
    rebuilt, _ = rebuild.rebuild_report(out, annotate=False)  # reads the settings back
    assert rebuilt.settings == strict
    rebuilt_scores = [r.score.total for r in rebuilt.complete_reps if r.score is not None]
    assert rebuilt_scores == pytest.approx(scores, abs=0.1)  # poses.csv keeps 6 digits


def test_the_guided_flow_goes_position_calibrate_practice() -> None:
    seq = _two_rep_seq()
    coach = LiveCoach(seq.image_size)
    stages = []
    empty = PoseFrame.empty(-1.0)
    first = coach.update(replace(empty, time_s=-0.5))
    assert first.stage == "position" and first.message is not None
    assert "Step into view" in first.message
    for i in range(len(seq)):
        stages.append(coach.update(seq.frame(i)).stage)
    assert stages[0] == "calibrate" and stages[-1] == "practice"
    assert stages.index("practice") <= 45  # a second of quiet standing calibrates
    assert coach.loop.counter.complete_count == 2


def _pose_with(points: dict[int, tuple[float, float]], n_people: int = 1) -> PoseFrame:
    image = np.full((33, 3), 0.5)
    image[:, 2] = 0.0
    for i, (x, y) in points.items():
        image[i, :2] = (x, y)
    vis = np.full(33, 0.99)
    return PoseFrame(0.0, image, np.zeros((33, 3)), vis, vis.copy(), n_people)


_GOOD = {0: (0.5, 0.15), 11: (0.45, 0.3), 12: (0.55, 0.3), 23: (0.47, 0.6), 24: (0.53, 0.6)}


@pytest.mark.parametrize(
    ("change", "n_people", "expected"),
    [
        ({}, 1, None),
        ({0: (0.5, -0.05)}, 1, "head is out of view"),
        ({23: (0.47, 1.02), 24: (0.53, 1.02)}, 1, "hips are out of view"),
        ({11: (0.45, 0.55), 12: (0.55, 0.55)}, 1, "closer"),
        (
            {k: (x - 0.4, y) for k, (x, y) in _GOOD.items()},
            1,
            "middle of the picture",
        ),
        ({}, 2, "Only one person"),
    ],
    ids=["good", "head-cut", "hips-cut", "too-far", "off-centre", "two-people"],
)
def test_positioning_says_what_to_change(
    change: dict[int, tuple[float, float]], n_people: int, expected: str | None
) -> None:
    advice = positioning_advice(_pose_with({**_GOOD, **change}, n_people))
    if expected is None:
        assert advice is None
    else:
        assert advice is not None and expected in advice


@pytest.mark.parametrize(
    ("rating", "previous", "rises"),
    [
        (Rating("same", 5), {"pain": 3}, True),
        (Rating("better", 3), {"pain": 3}, False),
        (Rating("worse", None), {"pain": 3}, False),
        (Rating("same", 4), None, False),
        (None, {"pain": 1}, False),
    ],
)
def test_a_clear_rise_in_pain_eases_off_next_time_without_sending_to_a_clinician(
    rating: Rating | None, previous: dict[str, Any] | None, rises: bool
) -> None:
    advice = pain_advice(rating, previous)
    assert (advice is not None) == rises
    if advice:
        assert "rose by 2 points (3 -> 5 of 10)" in advice and "ease off" in advice
        assert "clinician" not in advice


def test_a_torn_last_row_is_dropped_when_the_record_is_read(tmp_path: Path) -> None:
    seq = _two_rep_seq()
    meta = {"image_size": [640, 480], "fps": 30.0, "video": ""}
    with SessionRecorder(tmp_path / "s", meta) as rec:
        for i in range(5):
            rec.write_pose(i, seq.frame(i))
        rec.event("start", 0.0)
    path = tmp_path / "s" / "poses.csv"
    text = path.read_text()
    path.write_text(text[: len(text) - 40])  # the program died mid-row
    got, indices = read_pose_csv(path, (640, 480), 30.0)
    assert list(indices) == [0, 1, 2, 3]
    assert np.allclose(got.image, seq.image[:4], atol=1e-5)
    loaded, _ = load_poses(tmp_path / "s")
    assert len(loaded) == 4
    assert read_events(tmp_path / "s")[0]["type"] == "start"


_FULL_DISK_SCRIPT = """
import json, resource, sys
from pathlib import Path
from halfcircle.live.record import RecordWriteError, SessionRecorder
from halfcircle.synthetic import half_circle, synthetic_clip

lat, fwd = half_circle(n_rest=30, n_rep=60, right_first=True)
seq = synthetic_clip(lat, fwd, noise_px=0.5, seed=1).seq
# From here on no file of this process may grow past 20 kB: a disk that fills up.
resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, resource.RLIM_INFINITY))
failed_at = message = None
with SessionRecorder(Path(sys.argv[1]), {"image_size": [640, 480], "fps": 30.0}) as rec:
    rec.event("start", 0.0)
    for i in range(len(seq)):
        try:
            rec.write_pose(i, seq.frame(i))
        except RecordWriteError as err:
            failed_at, message = i, str(err)
            break
    rec.write_pose(failed_at + 1, seq.frame(failed_at + 1))  # skipped, no second error
    rec.event("end", 3.0)
    rec.finish(stop="write_failed")
print(json.dumps({"failed_at": failed_at, "message": message, "rows": rec.pose_rows}))
"""


@pytest.mark.video
def test_a_full_disk_stops_the_record_once_and_keeps_what_was_written(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _FULL_DISK_SCRIPT, str(tmp_path / "s")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr  # nothing raised after the first failure
    got = json.loads(proc.stdout)
    assert got["failed_at"] is not None and got["failed_at"] > 3
    assert "could not be written (File too large)" in got["message"]
    assert got["rows"] == got["failed_at"]
    poses, indices = load_poses(tmp_path / "s")  # the torn last row is dropped
    assert list(indices) == list(range(got["failed_at"])) and len(poses) == got["failed_at"]
    assert [e["type"] for e in read_events(tmp_path / "s")] == ["start"]


# ------------------------------------------------------------ the real model
@pytest.fixture(scope="module")
def reference() -> Analysis:
    """analyze's result on the two-rep clip."""
    try:  # the suite's per-session cache of fixture poses, when there is one
        from conftest import fixture_poses  # type: ignore[attr-defined]

        poses = fixture_poses(CLIP.stem, MODEL)
    except ImportError:
        from halfcircle.analyze.video import extract_poses

        poses, _ = extract_poses(CLIP, MODEL)
    return analyze_poses(poses, MODEL, camera_tilt_deg=TILT)


@pytest.fixture(scope="module")
def fast_run(tmp_path_factory: pytest.TempPathFactory) -> LiveResult:
    out = tmp_path_factory.mktemp("live") / "fast"
    opts = LiveOptions(
        str(CLIP), out, model=MODEL, headless=True, fast=True, annotate=False, camera_tilt_deg=TILT
    )
    return run_live(opts)


@pytest.mark.video
@needs_clip
def test_fast_live_gives_analyze_reps_and_files(fast_run: LiveResult, reference: Analysis) -> None:
    r = fast_run
    assert r.stop == "end" and r.stats.dropped_model == 0 and r.stats.dropped_ours == 0
    assert r.analysis is not None
    # Same frames, the same video-mode model with one pose slot: analyze reads this 11 s
    # clip in two parts side by side and live in one pass, so the landmarks are the same
    # but for the second part's first frames (tests/analyze/test_parts.py), and the
    # report is analyze's within that.
    assert len(r.analysis.poses) == len(reference.poses)
    torso = [11, 12, 23, 24]  # what the angles are read from
    live, ref = r.analysis.poses.image[:, torso], reference.poses.image[:, torso]
    gap = np.nanmax(np.abs(live - ref), axis=(1, 2))
    assert np.median(gap) < 0.01 and gap.max() < 0.05
    got = [rep.as_dict() for rep in r.analysis.reps]
    assert [g["direction"] for g in got] == ["right_first", "left_first"]
    _assert_close_to_analyze(r.analysis.reps, reference.reps, "hc_two_reps report (fast)")
    # What the person saw live: the same reps, within the filters' differences.
    _assert_close_to_analyze(r.live_reps, reference.reps, "hc_two_reps live (fast)")
    # The camera tilt reaches the report: forward peaks within 3 deg of the truth (50, 58).
    assert [g["peak_forward_deg"] for g in got] == pytest.approx([50.0, 58.0], abs=3.0)
    assert json.loads((r.out_dir / "session.json").read_text())["camera_tilt_deg"] == TILT
    summary = json.loads((r.out_dir / "summary.json").read_text())
    assert summary["calibration"]["camera_tilt_deg"] == TILT
    from halfcircle.present.outputs import overlay_infos

    assert overlay_infos(r.analysis)[-1].status == "front view, camera 9 deg down"
    names = {p.name for p in r.out_dir.iterdir()}
    assert {"poses.csv", "live_frames.csv", "events.jsonl", "session.json", "frames.csv",
            "reps.json", "summary.json", "report.html"} <= names  # fmt: skip
    with (r.out_dir / "live_frames.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == FRAME_COLUMNS and len(rows) == len(reference.poses)
    events = read_events(r.out_dir)
    kinds = [e["type"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "end" and "calibrated" in kinds
    assert [e["rep"]["direction"] for e in events if e["type"] == "rep"] == [
        "right_first",
        "left_first",
    ]


@pytest.mark.video
@pytest.mark.parametrize(("cores", "kind"), [({0}, "PoseEstimator"), ({0, 1, 2}, "LivePosePool")])
def test_the_live_pose_stage_takes_one_landmarker_per_core_up_to_two(
    cores: set[int], kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: cores, raising=False)
    with default_estimator("lite", "live", pose=PoseConfig(track_one=False)) as stage:
        assert type(stage).__name__ == kind  # two pose slots take turns; one keeps one
        assert getattr(stage, "workers", 1) == min(len(cores), 2)


@pytest.mark.video
@needs_clip
def test_real_time_live_gives_analyze_reps(tmp_path: Path, reference: Analysis) -> None:
    opts = LiveOptions(
        str(CLIP), tmp_path / "rt", model=MODEL, headless=True, annotate=False, camera_tilt_deg=TILT
    )
    result = run_live(opts)
    duration = len(reference.poses) / 30.0
    assert result.stats.wall_s == pytest.approx(duration, rel=0.15)  # played at 30 fps
    s = result.stats
    print(
        f"\nreal time: {s.posed}/{s.captured} frames posed, dropped by us {s.dropped_ours}, "
        f"by the model {s.dropped_model}"
    )
    assert s.posed + s.dropped_model + s.dropped_ours == s.captured
    assert result.analysis is not None
    # The model drops frames when the machine is busy: reps stay, numbers move a little.
    tol = dict(REAL_TIME_TOL)
    if s.posed >= SCORE_MIN_POSED * s.captured:
        tol["score"] = REAL_TIME_SCORE_TOL
    _assert_close_to_analyze(result.live_reps, reference.reps, "hc_two_reps live (real time)", tol)
    _assert_close_to_analyze(result.analysis.reps, reference.reps, "its report", tol)


# --------------------------------------------------------- nothing is lost
@pytest.mark.video
@needs_clip
def test_an_unplugged_camera_mid_rep_leaves_a_complete_record_and_exits_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    unplug = 100  # mid rep 1 (1.7-5.4 s)
    camera = PacedCamera(CLIP, unplug_after=unplug)
    _plug_in(monkeypatch, camera)
    out = tmp_path / "s"
    code = cli.main(["live", "--camera", "0", "--headless", "--out", str(out), "--model", "lite"])
    err = capsys.readouterr().err
    assert code == 3
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("halfcircle: Camera 0 stopped delivering")
    assert str(out) in lines[0]
    meta = json.loads((out / "session.json").read_text())
    assert meta["stop"] == "camera_lost" and meta["stats"]["frames_captured"] == unplug
    poses, indices = load_poses(out)
    # Every frame the model returned is on disk, up to the last one captured.
    # (a busy machine makes the model skip frames: those have no row, by design)
    assert len(poses) == meta["stats"]["frames_posed"] >= 10
    assert indices[-1] >= unplug - 5 and np.all(np.diff(indices) > 0)
    with (out / "live_frames.csv").open() as f:
        assert len(list(csv.DictReader(f))) == len(poses)
    events = read_events(out)
    assert events[-1]["type"] == "end" and events[-1]["reason"] == "camera_lost"
    reps = json.loads((out / "reps.json").read_text())["reps"]
    assert [r["outcome"] for r in reps] == ["incomplete"]  # the rep cut off by the unplug
    summary = json.loads((out / "summary.json").read_text())
    assert summary["interrupted"] and summary["calibration"] is not None
    assert (out / "report.html").stat().st_size > 0


@pytest.mark.video
@needs_clip
def test_ctrl_c_keeps_the_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    camera = PacedCamera(CLIP, unplug_after=40, interrupt=True)
    _plug_in(monkeypatch, camera)
    out = tmp_path / "s"
    code = cli.main(
        ["live", "--camera", "0", "--headless", "--record", "--out", str(out), "--model", "lite"]
    )
    assert code == options.EXIT_INTERRUPTED
    meta = json.loads((out / "session.json").read_text())
    assert meta["stop"] == "interrupted"
    poses, indices = load_poses(out)
    assert len(poses) == meta["stats"]["frames_posed"] > 0 and indices[-1] >= 35
    cap = cv2.VideoCapture(str(out / "raw.mkv"))  # the raw recording holds every frame
    n = 0
    while cap.read()[0]:
        n += 1
    cap.release()
    assert n == 40
    assert (out / "annotated.mp4").stat().st_size > 0  # drawn on the raw recording


def test_ctrl_c_mid_rep_keeps_the_rating_given_up_front_and_says_what_cut_the_rep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Options given up front hold whatever ends the session; Ctrl-C, not the pose, cut rep 1."""
    from tests.conftest import fixture_poses, stepped_camera_clock

    clock = stepped_camera_clock(monkeypatch)
    camera = PacedCamera(CLIP, unplug_after=100, interrupt=True, clock=clock)  # rep 1: 1.7-5.4 s
    _plug_in(monkeypatch, camera)
    monkeypatch.setattr(live, "default_estimator", _ReplayPoses(fixture_poses(CLIP.stem)))
    out, db = tmp_path / "s", tmp_path / "h.sqlite3"
    code = cli.main(
        ["live", "--camera", "0", "--headless", "--out", str(out), "--no-video", "--db", str(db),
         "--feels", "same", "--pain", "3"]
    )  # fmt: skip
    printed = capsys.readouterr().out
    assert code == options.EXIT_INTERRUPTED
    events = read_events(out)
    assert events[-1]["reason"] == "interrupted"
    rating = next(e for e in events if e["type"] == "rating")
    assert (rating["feeling"], rating["pain"]) == ("same", 3)
    with History(db) as h:
        (session,) = h.sessions()
        assert (session["feels"], session["pain"]) == ("same", 3)
    (rep,) = json.loads((out / "reps.json").read_text())["reps"]
    assert rep["outcome"] == "incomplete" and rep["cues"] == []  # nothing to correct
    (live_rep,) = [e["rep"] for e in events if e["type"] == "rep"]
    assert live_rep["cues"] == []  # not "I lost sight of you"
    summary = json.loads((out / "summary.json").read_text())
    (note,) = [n for n in summary["notes"] if "rep 1" in n.lower()]
    assert note.startswith("Rep 1 was cut short by Ctrl-C (1.7-3.")
    assert note.endswith("; it is kept as incomplete and not scored.")
    assert "could not be read" not in printed and "Rep 1 was cut short by Ctrl-C" in printed
    # the half circle stopped at its front is no toe touch to measure with baseline
    assert not any("baseline tests" in n for n in summary["notes"]), summary["notes"]


# ------------------------------------------------------------------- the CLI
def _cli(
    *args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "halfcircle", "live", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=cwd,
    )


def _in_process(
    capsys: pytest.CaptureFixture[str], *args: str | Path
) -> subprocess.CompletedProcess[str]:
    """``halfcircle live ARGS`` run in this process: its exit code, what it printed.

    For what the command says and writes; the process as a shell sees it (its start,
    its exit status, nothing else on its error stream) is :func:`_cli`'s.
    """
    argv = ["live", *map(str, args)]
    try:
        code = cli.main(argv)
    except SystemExit as stopped:  # the parser's own errors
        code = int(stopped.code or 0)
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(argv, code, out, err)


def _one_line(proc: subprocess.CompletedProcess[str], code: int, text: str) -> None:
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("halfcircle: ") and text in lines[0], lines


PERSON = REPO / "tests" / "data" / "person.mp4"


@pytest.mark.video
def test_headless_cli_runs_a_file_and_prints_the_summary(tmp_path: Path) -> None:
    proc = _cli("--source", PERSON, "--headless", "--fast", "--model", "lite", "--no-video",
                "--out", tmp_path / "s")  # fmt: skip
    assert proc.returncode == options.EXIT_NOTHING_MEASURED, proc.stderr  # head and shoulders only
    assert proc.stderr == "" and "Half circles: 0 complete" in proc.stdout
    assert "Session saved in" in proc.stdout and (tmp_path / "s" / "report.html").exists()


@pytest.mark.video
def test_rebuild_finds_a_video_given_by_a_relative_path_and_says_when_it_is_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "clip.mp4").write_bytes(PERSON.read_bytes())
    args = ("--source", "clip.mp4", "--headless", "--fast", "--model", "lite", "--no-history")
    monkeypatch.chdir(tmp_path)
    proc = _in_process(capsys, *args, "--out", tmp_path / "s")  # a path relative to there
    assert proc.returncode == options.EXIT_NOTHING_MEASURED, proc.stderr  # head and shoulders only
    assert json.loads((tmp_path / "s" / "session.json").read_text())["video"] == str(
        tmp_path / "clip.mp4"
    )
    (tmp_path / "s" / "annotated.mp4").unlink()
    monkeypatch.chdir(REPO)  # from another folder
    proc = _in_process(capsys, "--rebuild", tmp_path / "s")
    assert (tmp_path / "s" / "annotated.mp4").stat().st_size > 0
    assert "not there any more" not in proc.stdout
    (tmp_path / "clip.mp4").unlink()
    proc = _in_process(capsys, "--rebuild", tmp_path / "s")
    assert "Traceback" not in proc.stderr and "Report rebuilt" in proc.stdout
    assert f"The video {tmp_path / 'clip.mp4'} is not there any more" in proc.stdout


@pytest.mark.video
def test_a_full_disk_mid_session_keeps_the_summary_and_says_so_in_one_line(
    tmp_path: Path,
) -> None:
    out = tmp_path / "s"
    proc = cli_on_a_full_disk("live", "--source", CLIP, "--headless", "--fast", "--model",
                              "lite", "--no-history", "--out", out)  # fmt: skip
    _one_line(proc, 1, "could not be written (File too large)")
    assert "halfcircle live --rebuild" in proc.stderr  # how to get the report later
    assert "Half circles:" in proc.stdout and f"Session record kept in {out}/" in proc.stdout
    poses, _ = load_poses(out)  # what reached the disk is readable
    assert len(poses) > 10
    assert not (out / "report.html").exists()  # no torn page
    assert not list(out.glob(".*.tmp"))


@pytest.mark.video
def test_cli_errors_are_one_plain_line(tmp_path: Path) -> None:
    proc = _cli("--source", tmp_path / "nope.mp4", "--headless", "--out", tmp_path / "a")
    _one_line(proc, 2, "There is no video file")
    assert proc.stdout == ""  # no camera-tilt hint before the error


@pytest.mark.video
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland check is Linux's")
def test_no_screen_says_to_use_headless(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert cli.main(["live", "--source", str(PERSON), "--out", str(tmp_path / "d")]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and "no screen" in lines[0] and "--headless" in lines[0]


@pytest.mark.video
@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["--camera", "9", "--headless", "--out", "X"], "Camera 9 could not be opened"),
        (["--camera", "0", "--fast", "--headless", "--out", "X"], "--fast needs a video file"),
        (["--camera", "0", "--headless"], "--headless needs --out"),
        (["--camera", "0", "--source", "a.mp4"], "either --camera or --source"),
    ],
    ids=["no-camera", "fast-camera", "no-out", "both"],
)
def test_bad_live_options_are_one_plain_line(
    args: list[str], text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["live", *[str(tmp_path / "o") if a == "X" else a for a in args]]
    assert cli.main(argv) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("halfcircle: ") and text in lines[0]


@pytest.mark.video
@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("report.html", "an analyze report", "already holds an analysis"),
        ("session.json", "{}", "already holds a session"),
    ],
    ids=["analysis", "session"],
)
def test_a_folder_that_holds_results_is_not_overwritten(
    name: str, content: str, said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / name).write_text(content)
    assert cli.main(["live", "--source", str(PERSON), "--headless", "--out", str(tmp_path)]) == 2
    assert said in capsys.readouterr().err
    assert (tmp_path / name).read_text() == content


class _ScriptedUI:
    """A window stand-in: presses ``keys`` on given frames, answers questions, may close.

    ``size``: the window's size to draw at (None: the camera's, as with no window).
    """

    def __init__(
        self,
        keys: dict[int, str],
        answers: list[str],
        close_at: int | None = None,
        size: tuple[int, int] | None = None,
    ):
        self.keys, self.answers, self.close_at = keys, list(answers), close_at
        self.closed = False
        self.shown = 0
        self.questions: list[list[str]] = []
        self.size = size
        self.last_image: np.ndarray | None = None
        self.kept: dict[int, np.ndarray] = {}  # frames to look at, by number (see keep)
        self.keep: set[int] = set()

    def show(self, image: np.ndarray, wait_ms: int = 1) -> int:
        self.shown += 1
        self.last_image = image
        if self.shown in self.keep:
            self.kept[self.shown] = image.copy()
        if wait_ms > 1:  # the pause screen waits for keys
            time.sleep(wait_ms / 1000)
        if self.close_at is not None and self.shown >= self.close_at:
            self.closed = True
            return -1
        key = self.keys.get(self.shown)
        return ord(key) if key else -1

    def ask(self, image: np.ndarray, lines: list[str], keys: set[int]) -> int | None:
        self.questions.append(lines)
        answer = ord(self.answers.pop(0)) if self.answers else None
        return answer if answer in keys else None

    def canvas_size(self) -> tuple[int, int] | None:
        return self.size

    def close(self) -> None:
        self.closed = True


def _run_with_ui(
    tmp_path: Path,
    ui: _ScriptedUI,
    name: str = "s",
    seq: PoseSequence | None = None,
    history_db: Path | None = None,
    camera_tilt_deg: float = 0.0,
    audio_out: Path | None = None,
) -> LiveResult:
    seq = seq if seq is not None else _two_rep_seq()
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"stand-in")
    fast = len(seq) > 300  # the short clip plays in real time
    opts = LiveOptions(
        str(clip), tmp_path / name, fast=fast, annotate=False, history_db=history_db,
        camera_tilt_deg=camera_tilt_deg, audio_out=audio_out,
    )  # fmt: skip
    return run_live(
        opts,
        capture_factory=lambda _: _BlankVideo(len(seq)),
        estimator_factory=_ReplayPoses(seq),
        ui=ui,
    )


@pytest.mark.video
def test_keys_and_the_questions_after_the_set(tmp_path: Path) -> None:
    ui = _ScriptedUI({120: "o", 130: "o", 150: "c", 300: "r", 420: "q"}, answers=["s", "4"])
    result = _run_with_ui(tmp_path, ui)
    assert result.stop == "quit" and result.stats.captured == 420
    assert result.rating == Rating("same", 4) and result.advice is None
    assert "How does your back feel" in ui.questions[0][0] and "Pain" in ui.questions[1][0]
    events = read_events(tmp_path / "s")
    kinds = [e["type"] for e in events]
    assert kinds.count("calibrated") == 2  # at the start and after "c"
    assert kinds.index("recalibrate") < kinds.index("reset") < kinds.index("rating")
    rating = next(e for e in events if e["type"] == "rating")
    assert rating["feeling"] == "same" and rating["pain"] == 4
    # A later session with pain above 5 is told, calmly, that the next set eases off.
    ui2 = _ScriptedUI({}, answers=["w", "7"])
    later = _run_with_ui(tmp_path, ui2, name="s2")
    assert later.advice is not None and "Your pain is 7 of 10, above the 5" in later.advice
    assert "ease off" in later.advice and "clinician" not in later.advice
    assert ui2.questions[-2][0] == "About your pain"  # then the end-of-set screen


@pytest.mark.video
def test_the_pain_question_runs_0_to_10_with_t_for_ten(tmp_path: Path) -> None:
    # the same scale as the baseline's and the history's warning ("out of 10")
    ui = _ScriptedUI({420: "q"}, answers=["b", "t"])
    result = _run_with_ui(tmp_path, ui)
    assert result.rating == Rating("better", 10)
    assert "0 (none) to 10 (worst)" in ui.questions[1][0]


@pytest.mark.video
def test_a_headless_run_takes_its_rating_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("--source", PERSON, "--headless", "--fast", "--model", "lite", "--no-video")
    proc = _in_process(
        capsys, *args, "--out", tmp_path / "s", "--no-history", "--feels", "same", "--pain", "3"
    )
    assert proc.returncode == options.EXIT_NOTHING_MEASURED, proc.stderr  # head and shoulders only
    rating = next(e for e in read_events(tmp_path / "s") if e["type"] == "rating")
    assert (rating["feeling"], rating["pain"]) == ("same", 3)
    # with a window, the window asks
    _one_line(_in_process(capsys, "--source", PERSON, "--out", tmp_path / "w", "--pain", "3"), 2,
              "--feels and --pain are for --headless runs")  # fmt: skip


@pytest.mark.video
def test_practice_goes_into_the_history_with_the_reports_numbers(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    first = _run_with_ui(tmp_path, _ScriptedUI({}, answers=["s", "3"]), "s1", history_db=db)
    assert first.analysis is not None and len(first.analysis.complete_reps) == 2
    assert first.progress == []  # nothing earlier to compare with
    with History(db) as h:
        (session,) = h.sessions()
        assert (session["kind"], session["feels"], session["pain"]) == ("practice", "same", 3)
        stored = [r["metrics"] for r in h.practice_reps()]
    # what the report shows (zero-phase filtered), not the live estimate
    assert [r["score"] for r in stored] == [r.as_dict()["score"] for r in first.analysis.reps]
    assert [r["peak_forward_deg"] for r in stored] == [
        r.as_dict()["peak_forward_deg"] for r in first.analysis.reps
    ]
    later = _run_with_ui(
        tmp_path, _ScriptedUI({}, answers=["w", "6"]), "s2", history_db=db, camera_tilt_deg=7.0
    )
    assert later.progress[0].startswith("Best score this session")
    assert later.progress[-1].startswith("The camera's tilt differs from your last session (7 ")
    assert later.advice is not None and "Your pain is 6 of 10, above the 5" in later.advice
    with History(db) as h:
        assert [s["camera_tilt_deg"] for s in h.sessions()] == [0.0, 7.0]
        assert [s["settings"] for s in h.sessions()] == [{}, {}]  # the defaults, known


@pytest.mark.video
def test_the_cli_reuses_the_camera_tilt_of_the_last_session_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "h.sqlite3"
    with History(db) as h:
        h.record_practice([], camera_tilt_deg=6.0)
    args = ("--source", PERSON, "--headless", "--fast", "--model", "lite", "--no-video")
    proc = _in_process(capsys, *args, "--out", tmp_path / "a", "--db", db)
    assert "Camera tilt: 6 deg down, as in your last session" in proc.stdout
    assert json.loads((tmp_path / "a" / "session.json").read_text())["camera_tilt_deg"] == 6.0
    proc = _in_process(capsys, *args, "--out", tmp_path / "b", "--no-history")
    assert "Camera tilt" not in proc.stdout  # nothing remembered: how to give it
    assert "--camera-tilt DEG" in proc.stdout
    # a first session (nothing in the history yet): how to give the tilt, once
    proc = _in_process(capsys, *args, "--out", tmp_path / "c", "--db", tmp_path / "new.sqlite3")
    assert "measure its tilt (a phone's level app held against it)" in proc.stdout
    assert json.loads((tmp_path / "b" / "session.json").read_text())["camera_tilt_deg"] == 0.0


@pytest.mark.video
def test_the_history_left_out_or_failing_never_stops_practice(tmp_path: Path) -> None:
    blocked = tmp_path / "not_a_folder"
    blocked.write_text("in the way")
    result = _run_with_ui(
        tmp_path, _ScriptedUI({}, answers=["s"]), history_db=blocked / "history.sqlite3"
    )
    assert result.stop == "end" and result.analysis is not None
    assert len(result.analysis.complete_reps) == 2
    assert result.progress[-1].startswith("Your progress history could not be updated")


@pytest.mark.video
def test_a_closed_window_ends_the_session_with_its_record(tmp_path: Path) -> None:
    ui = _ScriptedUI({}, answers=[], close_at=200)
    result = _run_with_ui(tmp_path, ui)
    assert result.stop == "window_closed" and result.rating is None and ui.questions == []
    poses, indices = load_poses(tmp_path / "s")
    assert len(poses) == 200 and indices[-1] == 199
    assert result.analysis is not None and (tmp_path / "s" / "report.html").exists()


@pytest.mark.video
@needs_clip
def test_a_killed_process_leaves_a_readable_record(tmp_path: Path) -> None:
    import signal

    out = tmp_path / "s"
    proc = subprocess.Popen(
        [sys.executable, "-m", "halfcircle", "live", "--source", str(CLIP), "--headless",
         "--model", "lite", "--out", str(out), "--camera-tilt", "9"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    poses_csv = out / "poses.csv"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if poses_csv.exists() and poses_csv.read_text().count("\n") > 40:
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)  # no chance to clean up
    proc.wait(timeout=30)
    poses, indices = load_poses(out)
    assert len(poses) >= 38 and np.all(np.diff(indices) > 0)
    assert read_events(out)[0]["type"] == "start"
    assert "stop" not in json.loads((out / "session.json").read_text())  # it never ended
    # The report can be built afterwards from what is on disk.
    assert cli.main(["live", "--rebuild", str(out)]) in (0, options.EXIT_NOTHING_MEASURED)
    assert (out / "report.html").exists() and (out / "summary.json").exists()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["calibration"]["camera_tilt_deg"] == 9.0  # read back from session.json


@pytest.mark.video
def test_a_pause_holds_a_file_and_its_clock(tmp_path: Path) -> None:
    lat, fwd = half_circle(n_rest=40, n_rep=90)
    seq = synthetic_clip(lat, fwd, noise_px=0.5, seed=3).seq
    ui = _ScriptedUI({20: "p", 40: "p"}, answers=[])  # 19 pause-screen waits of 50 ms
    result = _run_with_ui(tmp_path, ui, seq=seq)
    # Without the clock held, every frame after the pause would be skipped as late.
    assert result.stop == "end" and result.stats.dropped_ours <= 0.05 * len(seq)
    assert result.stats.wall_s == pytest.approx(len(seq) / 30.0 + 19 * 0.05, abs=1.0)
    kinds = [e["type"] for e in read_events(tmp_path / "s")]
    assert kinds.index("pause") < kinds.index("resume")
    assert [r.outcome for r in result.live_reps] == ["complete"]


class _BusyModel(_ReplayPoses):
    """Pose stage stand-in that drops every other frame it is handed (a busy model)."""

    def __init__(self, seq: PoseSequence) -> None:
        super().__init__(seq)
        self.handed = 0

    def submit(self, image: np.ndarray, time_s: float) -> None:
        self.handed += 1
        if self.handed % 2:
            super().submit(image, time_s)


@pytest.mark.video
def test_with_half_the_frames_skipped_live_and_report_agree_and_count_them(
    tmp_path: Path,
) -> None:
    lat, fwd = half_circle(n_rest=45, n_rep=150, right_first=True)
    seq = synthetic_clip(lat, fwd, noise_px=0.5, seed=4).seq
    ref = analyze_poses(seq)
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"stand-in")
    out = tmp_path / "busy"
    result = run_live(
        LiveOptions(
            str(clip),
            out,
            headless=True,
            fast=False,
            annotate=False,
            history_db=tmp_path / "history.sqlite3",
        ),
        capture_factory=lambda _: _BlankVideo(len(seq)),
        estimator_factory=_BusyModel(seq),
    )
    s = result.stats
    assert s.posed + s.dropped_model + s.dropped_ours == s.captured == len(seq)
    assert s.posed <= 0.5 * len(seq) + 1  # half or fewer measured
    analysis = result.analysis
    assert analysis is not None
    # the report states what was measured and what was skipped, and the numbers add up
    summary = json.loads((out / "summary.json").read_text())
    counts = summary["counts"]
    assert counts["frames_measured"] == len(analysis.poses) == s.posed
    assert counts["frames_measured"] + counts["frames_skipped"] == s.captured
    assert summary["status"] == "warning"
    assert "frames_skipped" in [w["code"] for w in summary["warnings"]]
    assert f"{s.posed} of {s.captured} frames measured" in text_summary(analysis)
    page = (out / "report.html").read_text()
    said = f"{s.posed} of {s.captured} frames measured, {s.captured - s.posed} skipped"
    assert said in page
    # the history keeps the same counts with the session
    with History(tmp_path / "history.sqlite3") as history:
        (session,) = history.sessions()
    assert (session["frames_measured"], session["frames_skipped"]) == (
        s.posed,
        s.captured - s.posed,
    )
    # live and its report agree, and both agree with every frame analysed
    tol = dict(EVERY_FRAME_TOL)
    _assert_close_to_analyze(result.live_reps, analysis.reps, "half skipped: live vs report", tol)
    _assert_close_to_analyze(analysis.reps, ref.reps, "half skipped: report vs all frames", tol)


# ------------------------------------------------ the window's size, the end of the set
@pytest.mark.video
def test_the_live_loop_draws_at_the_windows_size_with_text_readable_from_afar(
    tmp_path: Path,
) -> None:
    from halfcircle.present.layout import MIN_CUE_FRACTION, MIN_READOUT_FRACTION

    ui = _ScriptedUI({}, answers=["s", "3"], size=(1280, 720))
    result = _run_with_ui(tmp_path, ui)
    assert ui.last_image is not None and ui.last_image.shape == (720, 1280, 3)
    assert result.window_sizes == ((1280, 720),)  # not the camera's 640x480
    assert result.text_ratios["cue"] >= MIN_CUE_FRACTION
    for name in ("side_bend", "forward", "reps"):
        assert result.text_ratios[name] >= MIN_READOUT_FRACTION
    # no window size to draw at: the camera's frame, as the annotated video is drawn
    headless = _run_with_ui(tmp_path, _ScriptedUI({}, answers=["s", "3"]), name="camera")
    assert headless.window_sizes == () and headless.text_ratios == {}


@pytest.mark.video
def test_the_end_of_set_screen_gives_the_reports_numbers_and_the_historys_words(
    tmp_path: Path,
) -> None:
    from halfcircle.analyze.video import score_points
    from halfcircle.present.screens import FIRST_SESSION, NOT_IN_HISTORY

    db = tmp_path / "history.sqlite3"
    first_ui = _ScriptedUI({}, answers=["s", "3"])
    first = _run_with_ui(tmp_path, first_ui, "s1", history_db=db)
    assert first.analysis is not None and first.end_of_set is not None
    average = score_points(first.analysis)
    assert average is not None
    assert first_ui.questions[-1] == [
        "Set done",
        f"2 half circles, average score {average[0]}.",
        FIRST_SESSION,
        "v open the report     Enter close",
    ]
    # the next session is compared with it in the history's own words, said as shown
    later_ui = _ScriptedUI({}, answers=["s", "3"])
    later = _run_with_ui(tmp_path, later_ui, "s2", history_db=db)
    assert later.end_of_set is not None and later.progress
    title, headline, *comparison, keys = later_ui.questions[-1]
    assert (title, keys) == ("Set done", "v open the report     Enter close")
    assert comparison == later.progress[:2] and comparison[0].startswith("Best score this session")
    assert later.end_of_set.spoken() == " ".join(["Set done.", headline, *comparison])
    # left out of the history: nothing to compare with, and it says why
    alone_ui = _ScriptedUI({}, answers=["s", "3"])
    _run_with_ui(tmp_path, alone_ui, "s3")
    assert alone_ui.questions[-1][2] == NOT_IN_HISTORY
    # a closed window has no end-of-set screen
    closed = _run_with_ui(tmp_path, _ScriptedUI({}, answers=[], close_at=200), "s4")
    assert closed.end_of_set is None


@pytest.mark.video
def test_the_rating_given_after_the_set_is_in_the_report_and_survives_a_rebuild(
    tmp_path: Path,
) -> None:
    said = "You said your back felt better than before the set, with pain 2 of 10."
    _run_with_ui(tmp_path, _ScriptedUI({}, answers=["b", "2"]), "rated")
    page = (tmp_path / "rated" / "report.html").read_text()
    assert "<h2>How it felt</h2>" in page and said in page
    rebuild.rebuild_report(tmp_path / "rated", annotate=False)
    assert said in (tmp_path / "rated" / "report.html").read_text()
    # the pain alone, and no rating at all
    _run_with_ui(tmp_path, _ScriptedUI({}, answers=["x", "t"]), "pain_only")
    page = (tmp_path / "pain_only" / "report.html").read_text()
    assert "You rated your pain 10 of 10 after the set." in page
    _run_with_ui(tmp_path, _ScriptedUI({}, answers=[]), "unrated")
    assert "How it felt" not in (tmp_path / "unrated" / "report.html").read_text()


@pytest.mark.video
def test_the_frame_rate_and_latency_show_only_after_d(tmp_path: Path) -> None:
    from halfcircle.present.layout import window_layout

    ui = _ScriptedUI({150: "d", 250: "d"}, answers=[], size=(1280, 720))
    ui.keep = {140, 160, 260}
    _run_with_ui(tmp_path, ui)
    g = window_layout((1280, 720), (640, 480)).gauges
    # the status line at the bottom of the readout panel: "front view", then with the
    # frame rate and latency after it
    rows = slice(g.bottom - g.h // 6, g.bottom)

    def lit(frame: int) -> int:
        return int((ui.kept[frame][rows, g.x : g.right].max(axis=2) > 120).sum())

    assert lit(160) > 1.5 * lit(140) and lit(260) < 0.7 * lit(160)


@pytest.mark.parametrize(
    ("ours", "model"), [(0, 0), (0, 7), (12, 0), (12, 7)], ids=["none", "model", "ours", "both"]
)
def test_the_terminals_frames_line_adds_up(ours: int, model: int) -> None:
    import re

    from halfcircle.live.run import LiveStats

    posed = 100 - ours - model
    stats = LiveStats(captured=100, posed=posed, dropped_ours=ours, dropped_model=model)
    line = stats.frames_line()
    found = re.match(r"Live: (\d+) of (\d+) frames measured(?: \((\d+) skipped[:)])?", line)
    assert found is not None, line
    measured, captured, skipped = (int(g) if g else 0 for g in found.groups())
    assert measured + skipped == captured == 100, line
    assert (f"{model} while the model was busy" in line) == bool(model), line
    assert (f"{ours} to keep up with the video" in line) == bool(ours), line
