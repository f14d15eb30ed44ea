"""Baseline tests: segmentation (synthetic, exact), the rendered fixtures, the CLI."""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from halfcircle.cli.app import main
from halfcircle.coaching.baseline import (
    TESTS,
    BaselineConfig,
    BaselineResult,
    baseline_from_poses,
    excursions,
    merge_runs,
    segment_baseline,
)
from halfcircle.errors import ValidationError
from halfcircle.history.store import History
from halfcircle.kinematics.measure import compute_kinematics
from halfcircle.live.guided_baseline import GuidedBaseline
from halfcircle.synthetic import synthetic_clip
from tests.conftest import (
    FIXTURES,
    another_recording,
    fixture_clips,
    fixture_poses,
    fixture_scene,
    measured_camera_tilt_deg,
)

BASELINE_CLIPS = fixture_clips("baseline")
TOLERANCE_DEG = 3.0


def _bump(n: int, peak: float) -> np.ndarray:
    """A minimum-jerk rise to ``peak`` and back over ``n`` frames."""
    s = np.linspace(0.0, 1.0, n // 2)
    up = peak * (10 * s**3 - 15 * s**4 + 6 * s**5)
    return np.concatenate([up, np.full(n - 2 * len(up), peak), up[::-1]])


def _protocol() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lateral, forward, rotation (deg) of a whole protocol with rests between tests."""
    rest = np.zeros(30)
    parts = [
        (np.zeros(60), np.zeros(60), np.zeros(60)),  # calibration
        (np.zeros(90), _bump(90, 60.0), np.zeros(90)),  # toe touch
        (rest, rest, rest),
        (_bump(90, 25.0), np.zeros(90), np.zeros(90)),  # side bend right
        (rest, rest, rest),
        (_bump(90, -22.0), np.zeros(90), np.zeros(90)),  # side bend left
        (rest, rest, rest),
        (np.zeros(90), np.zeros(90), _bump(90, 30.0)),  # rotation left
        (rest, rest, rest),
        (np.zeros(90), np.zeros(90), _bump(90, -35.0)),  # rotation right
        (rest, rest, rest),
    ]
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(3))  # type: ignore[return-value]


def test_synthetic_protocol_segmented_with_exact_peaks() -> None:
    lat, fwd, rot = _protocol()
    clip = synthetic_clip(lat, fwd, rot, azimuth_deg=30.0, knee_flexion_deg=0.0)
    run = baseline_from_poses(clip.seq)
    assert run.calibrated
    assert [r.test for r in run.results] == [
        "toe_touch",
        "side_bend_right",
        "side_bend_left",
        "rotation_left",
        "rotation_right",
    ]
    peaks = [r.peak_deg for r in run.results]
    np.testing.assert_allclose(peaks, [60.0, 25.0, 22.0, 30.0, 35.0], atol=1.5)
    assert run.missing() == []
    toe = run.results[0]
    assert toe.fingertip_floor_cm is not None and toe.fingertip_travel_cm is None
    bend = run.results[1]
    assert bend.fingertip_travel_cm is not None and bend.fingertip_travel_cm > 3.0
    assert all(r.start_s < r.peak_time_s < r.end_s for r in run.results)


def test_a_given_fingertip_series_is_used_and_withheld_where_the_peak_is_unseen() -> None:
    from halfcircle.kinematics.calibration import calibrate_recording
    from halfcircle.kinematics.measure import KinematicsConfig

    lat, fwd, rot = _protocol()
    seq = synthetic_clip(lat, fwd, rot, azimuth_deg=30.0, knee_flexion_deg=0.0).seq
    cfg = KinematicsConfig()
    calib, _ = calibrate_recording(seq, cfg.calibration, cfg.min_visibility)
    kin = compute_kinematics(seq, cfg, calibration=calib)
    tips = np.full(len(kin), 50.0)
    tips[60:150] = 50.0 - 0.4 * fwd[60:150]  # 26 cm at the toe touch's 60 deg
    tips[180:270] = 50.0 - 0.3 * lat[180:270]  # 7.5 cm down in the right side bend
    found = {r.test: r for r in segment_baseline(kin, fingertip_cm=tips)}
    assert found["toe_touch"].fingertip_floor_cm == pytest.approx(26.0, abs=0.05)
    assert found["side_bend_right"].fingertip_travel_cm == pytest.approx(7.5, abs=0.05)
    # unseen within 0.3 s of the peak: no distance rather than the lowest seen elsewhere
    peak = int(np.argmin(np.abs(kin.time_s - found["toe_touch"].peak_time_s)))
    hidden = tips.copy()
    hidden[peak - 12 : peak + 12] = np.nan
    found = {r.test: r for r in segment_baseline(kin, fingertip_cm=hidden)}
    assert found["toe_touch"].fingertip_floor_cm is None
    assert found["side_bend_right"].fingertip_travel_cm == pytest.approx(7.5, abs=0.05)


def test_quiet_standing_finds_no_test() -> None:
    z = np.zeros(150)
    clip = synthetic_clip(z, z, z, noise_px=0.3, noise_depth_m=0.002)
    assert segment_baseline(compute_kinematics(clip.seq)) == []


@pytest.mark.parametrize(
    ("signal", "expected"),
    [
        ([0, 5, 12, 20, 12, 5, 0], [(1, 6)]),  # one excursion, extended down to leave
        ([0, 11, 9, 11, 9, 11, 0], [(1, 6)]),  # hovering at enter: one, not three
        ([0, 11, 2, 11, 2, 0], [(1, 2), (3, 4)]),  # back below leave: two
        ([0, 11, np.nan, 11, 0], [(1, 4)]),  # a missing frame does not split
        ([0, -15, -3, 0], [(1, 2)]),  # either sign
        ([0, 9, 8, 0], []),
    ],
)
def test_excursions_have_hysteresis(signal: list[float], expected: list[tuple[int, int]]) -> None:
    assert excursions(np.array(signal, dtype=float), 10.0, 4.0) == expected


def test_config_validates_every_problem_at_once() -> None:
    with pytest.raises(ValidationError, match=r"forward.*rotation"):
        BaselineConfig(enter_deg=(3.0, 6.0, 0.5), leave_deg=(4.0, 3.0, 1.0))


def test_merge_runs_keeps_first_result_of_a_test() -> None:
    lat, fwd, rot = _protocol()
    run = baseline_from_poses(synthetic_clip(lat, fwd, rot).seq)
    merged = merge_runs([run, run])
    assert [r.test for r in merged.results] == [r.test for r in run.results]


def _truth(segment: dict) -> tuple[str, float]:  # type: ignore[type-arg]
    kind = segment["type"]
    if kind == "toe_touch":
        return "toe_touch", float(segment["peak_forward_deg"])
    if kind == "side_bend":
        return f"side_bend_{segment['side']}", abs(float(segment["peak_lateral_deg"]))
    return f"rotation_{segment['side']}", abs(float(segment["peak_rotation_deg"]))


CASES = [
    (name, i) for name in BASELINE_CLIPS for i, _ in enumerate(fixture_scene(name)["baseline"])
]

#: Known misses on the rendered fixtures (measured with the full model), kept as
#: strict xfails so that an improvement shows up. Toe touch: MediaPipe's shoulder
#: and hip landmarks read the flexed trunk about 6 deg past the truth at the peak
#: (101 vs 95 deg), the same with the image alone under a sagittal-plane constraint,
#: so it is the landmarks, not the depth. Rotation: MediaPipe under-reads the twist
#: of the shoulder line in both its image and its world landmarks, against the
#: calibrated pelvis: 32 and 29 of 40 deg from a 30 deg view, 30 and 30 from the
#: front, 30 and 43 from the side; with the arms crossed on the chest, as the test
#: asks, 33 and 24 from 30 deg, 34 and 29 from the front (``bench/accuracy_table.txt``).
#: With the camera tilt given (``--camera-tilt``, as a user would read it off a
#: level app: 5 deg on the toe-touch clip) the toe touch read +2 deg with two pose
#: slots: its +6 was the camera looking down, not the landmarks. With one pose slot
#: (session 10) the landmarks read the flexed trunk lower: 95.1 with no tilt given,
#: 91.2 (-3.8) with it.
KNOWN_MISSES = {
    ("measured", "toe_touch"),
    ("level", "rotation_left"),
    ("level", "rotation_right"),
    ("measured", "rotation_left"),
    ("measured", "rotation_right"),
}

#: The clips made for issue #24 (other bodies and camera distances), their misses
#: as measured (peak read, of the truth), each clip's own: they were made to check
#: the fingertip and rotation work, not tuned for these peaks.
HELD_OUT_MISSES: dict[tuple[str, str, str], str] = {
    ("base_rotation_far", "level", "rotation_left"): "17.5 of 45 deg, -20 deg view, 3.8 m",
    ("base_rotation_far", "measured", "rotation_left"): "16.9 of 45 deg",
    ("base_side_bends_oblique", "level", "side_bend_right"): "19.3 of 24 deg, -35 deg view",
    ("base_side_bends_oblique", "measured", "side_bend_right"): "19.1 of 24 deg",
    ("base_toe_touch_front_far", "level", "toe_touch"): "97.6 of 85 deg, camera 7 deg down",
    ("base_toe_touch_front_far", "measured", "toe_touch"): "90.5 of 85 deg",
    ("base_toe_touch_oblique_far", "level", "toe_touch"): "113.4 of 100 deg, -40 deg view",
    ("base_toe_touch_oblique_far", "measured", "toe_touch"): "110.6 of 100 deg",
}
HELD_OUT = {name for name, _, _ in HELD_OUT_MISSES}


def _known_miss(name: str, tilt: str, test: str) -> str | None:
    if name in HELD_OUT:
        return HELD_OUT_MISSES.get((name, tilt, test))
    return f"{test}: known miss" if (tilt, test) in KNOWN_MISSES else None


@pytest.mark.video
@pytest.mark.parametrize("tilt", ["level", "measured"])
@pytest.mark.parametrize(("name", "index"), CASES)
def test_fixture_peaks_within_tolerance(
    name: str, index: int, tilt: str, request: pytest.FixtureRequest
) -> None:
    test, truth = _truth(fixture_scene(name)["baseline"][index])
    reason = _known_miss(name, tilt, test)
    if reason is not None:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
    camera_tilt = measured_camera_tilt_deg(name) if tilt == "measured" else 0.0
    run = baseline_from_poses(fixture_poses(name), camera_tilt_deg=camera_tilt)
    found = [r for r in run.results if r.test == test]
    assert found, f"{test} not found in {name}: {[r.test for r in run.results]}"
    assert abs(found[0].peak_deg - truth) <= TOLERANCE_DEG, (
        f"{name} {test}: measured {found[0].peak_deg} deg, truth {truth} deg"
    )



@pytest.mark.video
@pytest.mark.parametrize(
    ("name", "toe_touches", "circles"),
    [
        ("hc_front_right", [], 1),
        ("hc_two_reps", [], 2),
        ("pitch_corner_oblique_up2", [], 1),
        ("session_toe_touch_oblique", [55.0, 65.0], 2),  # toe touch, two half circles, toe touch
    ],
)
def test_a_half_circle_is_no_toe_touch_and_baseline_says_what_measures_it(
    name: str, toe_touches: list[float], circles: int
) -> None:
    run = baseline_from_poses(fixture_poses(name))
    found = [r.peak_deg for r in run.results if r.test == "toe_touch"]
    assert found == pytest.approx(toe_touches, abs=TOLERANCE_DEG)
    (said,) = [n for n in run.notes if "halfcircle analyze" in n]
    assert said.startswith(f"{circles} half circle")

@pytest.mark.video
@pytest.mark.parametrize("name", BASELINE_CLIPS)
def test_fixture_tests_found_in_order_and_in_time(name: str) -> None:
    scene = fixture_scene(name)
    run = baseline_from_poses(fixture_poses(name))
    assert [r.test for r in run.results] == [_truth(s)[0] for s in scene["baseline"]]
    for r, s in zip(run.results, scene["baseline"], strict=True):
        # the measured movement overlaps the true segment and peaks inside it
        assert s["start_s"] - 0.2 <= r.peak_time_s <= s["end_s"] + 0.2
        assert r.view == run.view


def test_guided_flow_frame_by_frame() -> None:
    """Instruction, movement, back to neutral, two questions, next test."""
    from halfcircle.kinematics.measure import AngleSample

    def sample(t: float, lateral: float = 0.0, calibrated: bool = True) -> AngleSample:
        nan = math.nan
        return AngleSample(
            t, lateral, 0.0, abs(lateral), nan, 0.0, nan, nan, nan, nan,
            1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, True, calibrated,
        )  # fmt: skip

    flow = GuidedBaseline(tests=("side_bend_right", "side_bend_left"))
    flow.update(sample(0.0, calibrated=False))
    assert flow.state == "calibrating"
    flow.update(sample(0.1))
    assert flow.state == "instruct" and "space" in flow.prompt()
    flow.update(sample(0.2, 20.0))  # moving before space does not count
    flow.key(" ")
    assert flow.state == "measuring"
    for i, lat in enumerate([2.0, 10.0, 24.0, 26.0, 12.0, 4.0]):
        flow.update(sample(0.3 + 0.1 * i, lat))
        assert flow.state == "measuring"
    assert flow.peak_deg == pytest.approx(26.0)
    flow.update(sample(1.0, 1.0))
    assert flow.state == "rate_feels"
    flow.key("x")  # not an answer
    assert flow.state == "rate_feels"
    flow.key("b")
    assert flow.state == "rate_pain"
    flow.key("3")
    assert flow.test == "side_bend_left" and flow.state == "instruct"
    flow.key(" ")
    flow.update(sample(2.0, 15.0))  # wrong direction: no movement of this test
    flow.key(" ")  # space ends it anyway
    flow.key("w")
    flow.key("2")
    assert flow.state == "done" and flow.test is None
    assert flow.ratings == {"side_bend_right": ("better", 3), "side_bend_left": ("worse", 2)}
    assert flow.overall() == ("worse", 3)


@pytest.mark.parametrize(
    ("before", "answers", "eases_at"),
    [
        (None, "35", 5),  # up by 2 on the test before it in this session
        (4, "6", 6),  # up by 2 on the last session's, and above 5
        (None, "t", 10),  # the worst there is, even first
        (None, "33", None),  # the same pain: go on
        (None, "34", None),  # up by 1: noise, go on
        (3, "44", None),  # up by 1 on the last session's: go on
    ],
)
def test_a_clear_rise_in_pain_eases_off_next_time_and_never_stops_the_tests(
    before: int | None, answers: str, eases_at: int | None
) -> None:
    tests = ("side_bend_right", "side_bend_left", "toe_touch")
    flow = GuidedBaseline(tests=tests, pain_before=before)
    flow.state = "instruct"
    said: list[str] = []
    for pain in answers:
        flow.key(" ")
        flow.key(" ")
        flow.key("s")
        flow.key(pain)
        said.append(flow.prompt())
    # the pain model of DOMAIN.md: the tests go on; a clear rise is said calmly, once
    assert flow.state == "instruct" and flow.test == tests[len(answers)]
    eased = [p for p in said if "ease off" in p]
    if eases_at is None:
        assert eased == [] and flow.pain_note is None
    else:
        assert eased == [said[-1]] and f"{eases_at} of 10" in said[-1]
        assert "Hurt is not harm" in said[-1] and "press q to finish for today" in said[-1]
        flow.key(" ")  # the next test starts: the note was said
        assert flow.state == "measuring" and flow.pain_note is None
    for prompt in said:
        assert "clinician" not in prompt and "stop" not in prompt.lower()
    assert [p for _, p in flow.ratings.values()] == [10 if a == "t" else int(a) for a in answers]


def test_every_test_has_an_instruction() -> None:
    assert set(TESTS) == {
        "toe_touch",
        "side_bend_left",
        "side_bend_right",
        "rotation_left",
        "rotation_right",
    }
    assert all(len(text) > 20 for text in TESTS.values())
    r = BaselineResult("toe_touch", 0.0, 2.0, 1.0, 80.0, fingertip_floor_cm=12.0)
    assert r.measures() == {"toe_touch.peak_deg": 80.0, "toe_touch.fingertip_floor_cm": 12.0}


@pytest.fixture
def cached_poses(monkeypatch: pytest.MonkeyPatch) -> None:
    """`extract_poses` answered from the test session's pose cache (MediaPipe runs once)."""
    import halfcircle.analyze.video

    for name in BASELINE_CLIPS:  # fill the cache before extract_poses is replaced
        fixture_poses(name)

    def fake(video: str | Path, model: str = "full", progress: object = None, **_: object) -> tuple:  # type: ignore[type-arg]
        return fixture_poses(Path(video).stem, model), False

    monkeypatch.setattr(halfcircle.analyze.video, "extract_poses", fake)


@pytest.mark.video
def test_cli_baseline_reads_the_toe_touch_with_the_camera_tilt_and_keeps_the_tilt(
    cached_poses: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "h.sqlite3"
    tilt = measured_camera_tilt_deg("base_toe_touch")
    # the toe touch as the measuring core reads it with that tilt (its accuracy against
    # the truth is test_fixture_peaks_within_tolerance's)
    (reading,) = [
        r.peak_deg
        for r in baseline_from_poses(fixture_poses("base_toe_touch"), camera_tilt_deg=tilt).results
        if r.test == "toe_touch"
    ]
    runs = iter(range(10))

    def run(*extra: str) -> tuple[dict, str]:  # type: ignore[type-arg]
        # each assessment is another recording of the same movement (the same one
        # again would not be stored twice)
        video = another_recording(FIXTURES / "base_toe_touch.mp4", tmp_path / f"r{next(runs)}")
        base = ["baseline", "--source", str(video), "--json", "--db", str(db)]
        assert main([*base, *extra]) == 0
        out = capsys.readouterr()
        return json.loads(out.out), out.err

    def toe_error(data: dict) -> float:  # type: ignore[type-arg]
        (toe,) = [r for r in data["results"] if r["test"] == "toe_touch"]
        return abs(toe["peak_deg"] - reading)

    data, err = run("--camera-tilt", str(tilt))
    assert data["camera_tilt_deg"] == tilt and toe_error(data) <= 0.1 and err == ""
    # the next assessment, the option forgotten: the history's tilt is used, and said
    data, err = run()
    assert data["camera_tilt_deg"] == tilt and toe_error(data) <= 0.1
    assert f"Camera tilt: {tilt:g} deg down, as in your last session" in err
    # --no-save neither reads nor writes the history: the picture is asked, and says so
    data, err = run("--no-save")
    assert data["session_id"] is None
    assert data["camera_pitch"][0]["how"] == "from the picture" and "from the picture" in err
    # a level camera now: the comparison with the day's first assessment warns
    data, err = run("--camera-tilt", "0")
    assert data["camera_tilt_deg"] == 0.0 and toe_error(data) > 1.0  # the tilt matters
    assert f"camera tilted 0 deg down against {tilt:g} then" in data["compared"][0]
    # each session is dated by when its video was recorded, as a recorded practice is
    with History(db) as h:
        times = [datetime.fromisoformat(s["started_at"]).timestamp() for s in h.sessions()]
    recorded = [(tmp_path / f"r{i}" / "base_toe_touch.mp4").stat().st_mtime for i in (0, 1, 3)]
    assert times == [pytest.approx(t, abs=1.0) for t in recorded]


@pytest.mark.video
def test_cli_baseline_source_into_history_trend_and_exports(
    cached_poses: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "h.sqlite3"
    videos = [str(FIXTURES / f"{n}.mp4") for n in BASELINE_CLIPS]
    assert (
        main(["baseline", "--source", *videos, "--db", str(db), "--feels", "same", "--pain", "2"])
        == 0
    )
    out = capsys.readouterr().out
    assert "side bend right:" in out and "Saved as session 1" in out
    assert "Trunk rotation reads low" in out  # the rotation caveat is said plainly
    assert "filmed the same way only" in out

    # a re-assessment the same day (other recordings), rated worse with more pain
    again = [str(another_recording(Path(v), tmp_path / "again")) for v in videos]
    code = main(["baseline", "--source", *again, "--db", str(db), "--json",
                 "--feels", "worse", "--pain", "4"])  # fmt: skip
    assert code == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["session_id"] == 2
    assert {r["test"] for r in data["results"]} == set(TESTS)
    assert "about the same" in data["compared"][0]
    assert data["compared_with"] == 1
    assert data["compared"][-1] == "feels worse overall"
    assert "rose by 2 points (2 -> 4 of 10)" in data["pain_advice"]  # ease off, no clinician
    assert "ease off" in data["pain_advice"] and "clinician" not in data["pain_advice"]

    assert main(["history", "--db", str(db), "--plot", str(tmp_path / "plot")]) == 0
    out = capsys.readouterr().out
    assert "side bend left, peak (deg)" in out and "toe touch, fingertip to floor (cm)" in out
    assert "feels worse, pain 4" in out
    assert (tmp_path / "plot" / "history.png").stat().st_size > 5000
    assert "history.png" in (tmp_path / "plot" / "history.html").read_text()

    assert (
        main(["history", "--db", str(db), "--export", "json", "--out", str(tmp_path / "h.json")])
        == 0
    )
    exported = json.loads((tmp_path / "h.json").read_text())
    assert exported["schema_version"] >= 1 and len(exported["sessions"]) == 2
    peaks = {m["test"]: m["value"] for m in exported["measures"] if m["measure"] == "peak_deg"}
    assert peaks["side_bend_right"] == pytest.approx(28.0, abs=TOLERANCE_DEG)
    assert peaks["side_bend_left"] == pytest.approx(30.0, abs=TOLERANCE_DEG)

    assert (
        main(["history", "--db", str(db), "--export", "csv", "--out", str(tmp_path / "h.csv")]) == 0
    )
    lines = (tmp_path / "h.csv").read_text().splitlines()
    assert lines[0] == (
        "session_id,started_at,kind,record,test,name,value,view,height_cm,camera_tilt_deg,settings"
    )
    assert sum(",rating,,pain," in line for line in lines) == 2

    assert main(["history", "--db", str(db), "--delete-session", "1"]) == 0
    assert main(["history", "--db", str(db), "--delete-all"]) == 2  # needs --yes
    assert main(["history", "--db", str(db), "--delete-all", "--yes"]) == 0
    capsys.readouterr()
    assert main(["history", "--db", str(db)]) == 0
    assert "No results yet" in capsys.readouterr().out


@pytest.mark.video
def test_cli_baseline_rejects_a_bad_pain_rating(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["baseline", "--source", "x.mp4", "--pain", "11"])
    assert "0 to 10" in capsys.readouterr().err


def test_height_scales_fingertip_measures_only() -> None:
    lat, fwd, rot = _protocol()
    seq = synthetic_clip(lat, fwd, rot, azimuth_deg=30.0, knee_flexion_deg=0.0).seq
    short, tall = baseline_from_poses(seq, 150.0), baseline_from_poses(seq, 200.0)
    for a, b in zip(short.results, tall.results, strict=True):
        assert a.peak_deg == b.peak_deg
    ratio = tall.results[0].fingertip_floor_cm / short.results[0].fingertip_floor_cm  # type: ignore[operator]
    assert ratio == pytest.approx(200.0 / 150.0, rel=0.02)


@pytest.mark.video
def test_cli_baseline_without_any_test_saves_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import halfcircle.analyze.video

    z = np.zeros(90)
    seq = synthetic_clip(z, z, z).seq
    monkeypatch.setattr(halfcircle.analyze.video, "extract_poses", lambda *a, **k: (seq, False))
    video = FIXTURES / f"{BASELINE_CLIPS[0]}.mp4"
    db = tmp_path / "h.sqlite3"
    assert main(["baseline", "--source", str(video), "--db", str(db)]) == 5
    out = capsys.readouterr().out
    assert "Not found in this recording: toe touch, side bend right" in out
    assert not db.exists()


def test_a_recording_that_starts_with_the_tests_is_zeroed_on_its_later_stance() -> None:
    """``baseline --source`` on a recording with 0.3 s of standing before the first test."""
    lat, fwd, rot = _protocol()
    start = 60 - 9  # keep 0.3 s of the 2 s of standing
    clip = synthetic_clip(lat[start:], fwd[start:], rot[start:], azimuth_deg=30.0,
                          knee_flexion_deg=0.0)  # fmt: skip
    run = baseline_from_poses(clip.seq)
    assert run.calibrated
    assert [r.test for r in run.results][:3] == ["toe_touch", "side_bend_right", "side_bend_left"]
    np.testing.assert_allclose([r.peak_deg for r in run.results][:3], [60.0, 25.0, 22.0], atol=1.5)
    assert run.notes[0].startswith(("Zero was taken", "No second of quiet standing"))
    assert "the test before it" in run.notes[0]
