"""Analysis of the rendered fixture clips against their exact ground truth.

Real MediaPipe on the committed videos; truth from each clip's ``scene.json``.
"""

from __future__ import annotations

import csv
import functools

import numpy as np
import pytest

from halfcircle.analyze.video import Analysis, analyze_poses, text_summary
from halfcircle.coaching.cues import record_cues
from halfcircle.coaching.reps import RepThresholds
from tests.conftest import FIXTURES, fixture_clips, fixture_poses, fixture_scene

CLIPS = fixture_clips("half_circle")
#: Views whose peak angles must be within PEAK_TOLERANCE_DEG of truth.
PEAK_VIEWS = ("front", "oblique")
BOUNDARY_TOLERANCE_S = 0.3
PEAK_TOLERANCE_DEG = 3.0


@functools.cache
def analysis_of(name: str) -> Analysis:
    return analyze_poses(fixture_poses(name))


def _longest_time_out_of_view_s(name: str, start_s: float, end_s: float) -> float:
    with (FIXTURES / f"{name}.truth.csv").open() as f:
        rows = [r for r in csv.DictReader(f) if start_s <= float(r["time_s"]) <= end_s]
    out = np.array([r["in_view"] == "0" for r in rows] + [False], dtype=int)
    runs = np.diff(np.r_[0, out])
    starts, stops = np.flatnonzero(runs == 1), np.flatnonzero(runs == -1)
    fps = fixture_scene(name)["fps"]
    return float(max((stops - starts) / fps, default=0.0))


def _seen_whole(name: str, rep: dict) -> bool:  # type: ignore[type-arg]
    """Whether the person stayed in view through the rep (short gaps are bridged)."""
    gap = _longest_time_out_of_view_s(name, rep["start_s"], rep["end_s"])
    return gap <= RepThresholds().max_gap_s


def _true_reps(name: str, complete: bool) -> list[dict]:  # type: ignore[type-arg]
    """True reps that can be counted complete (or not) from what the camera saw."""
    reps = fixture_scene(name)["reps"]
    return [r for r in reps if (bool(r["complete"]) and _seen_whole(name, r)) == complete]


def _side_view(name: str) -> bool:
    """A camera at the person's side (from behind, side bending is seen again)."""
    return 80 <= abs(float(fixture_scene(name)["camera"]["azimuth_deg"])) <= 100


@pytest.mark.video
def test_there_are_half_circle_fixtures() -> None:
    assert len(CLIPS) >= 5, CLIPS


FRONTAL_CLIPS = [n for n in CLIPS if not _side_view(n)]
SIDE_CLIPS = [n for n in CLIPS if _side_view(n)]


@pytest.mark.video
@pytest.mark.parametrize("name", SIDE_CLIPS)
def test_from_the_side_no_rep_is_guessed_and_the_note_says_where_to_put_the_camera(
    name: str,
) -> None:
    analysis = analysis_of(name)
    assert analysis.kinematics.view.kind == "side"
    assert analysis.complete_reps == []
    assert any("side view" in note for note in analysis.notes)


@pytest.mark.video
@pytest.mark.parametrize("name", FRONTAL_CLIPS)
def test_a_rep_partly_out_of_view_is_kept_incomplete_with_a_note(name: str) -> None:
    hidden = [r for r in fixture_scene(name)["reps"] if not _seen_whole(name, r)]
    analysis = analysis_of(name)
    for t in hidden:
        overlapping = [
            r for r in analysis.reps if r.start_s < t["end_s"] and r.end_s > t["start_s"]
        ]
        assert overlapping and not any(r.complete for r in overlapping)
        assert any("left the view" in note for note in analysis.notes)


@pytest.mark.video
@pytest.mark.parametrize("name", FRONTAL_CLIPS)
def test_every_complete_rep_is_found_with_its_direction(name: str) -> None:
    truth = _true_reps(name, complete=True)
    found = analysis_of(name).complete_reps
    assert [r.direction for r in found] == [t["direction"] for t in truth]


@pytest.mark.video
@pytest.mark.parametrize("name", FRONTAL_CLIPS)
def test_aborted_reps_are_not_counted_as_complete(name: str) -> None:
    aborted = _true_reps(name, complete=False)
    analysis = analysis_of(name)
    assert len(analysis.complete_reps) == len(_true_reps(name, complete=True))
    for t in aborted:
        inside = [
            r for r in analysis.complete_reps if r.start_s < t["end_s"] and r.end_s > t["start_s"]
        ]
        assert inside == [], f"the aborted attempt at {t['start_s']} s was counted"


@pytest.mark.video
@pytest.mark.parametrize("name", FRONTAL_CLIPS)
def test_rep_boundaries_are_within_a_third_of_a_second(name: str) -> None:
    truth = _true_reps(name, complete=True)
    found = analysis_of(name).complete_reps
    for t, r in zip(truth, found, strict=False):
        assert r.start_s == pytest.approx(t["start_s"], abs=BOUNDARY_TOLERANCE_S)
        assert r.end_s == pytest.approx(t["end_s"], abs=BOUNDARY_TOLERANCE_S)


@pytest.mark.video
@pytest.mark.skipif(
    not {"hc_smooth", "hc_stopgo"} <= set(CLIPS), reason="smooth/stop-and-go pair not rendered"
)
def test_a_stop_and_go_rep_scores_clearly_lower_in_smoothness_than_a_smooth_one() -> None:
    smooth = analysis_of("hc_smooth").complete_reps
    jerky = analysis_of("hc_stopgo").complete_reps
    assert len(smooth) == 1 and len(jerky) == 1
    s, j = smooth[0], jerky[0]
    assert j.metrics.sparc < s.metrics.sparc - 0.5
    assert s.score is not None and j.score is not None
    assert j.score.smoothness < s.score.smoothness - 0.2
    assert j.score.total < s.score.total
    assert s.metrics.reversals == 0 and j.metrics.reversals >= 1


#: Clips whose still pelvis is read as moving (the reason), for the next test.
PELVIS_MISREAD: dict[str, str] = {
    "hc_short_stances_oblique": "30 deg view, older heavier body: the hips read 4.4-5.2 cm "
    "of shift at full flexion, whichever of its three stances zeroes them",
    "hc_back": "filmed from behind, the knees (bent 20 deg) read 3.7 deg at the least: "
    "a false knees-locked compensation (the knee angle from behind is not yet trusted)",
}


@pytest.mark.video
@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=PELVIS_MISREAD[n]))
        if n in PELVIS_MISREAD
        else n
        for n in FRONTAL_CLIPS
    ],
)
def test_a_still_pelvis_and_a_smooth_rep_get_no_correction_cues(name: str) -> None:
    for rep in analysis_of(name).complete_reps:
        assert not rep.metrics.compensations, rep.metrics.compensations
        assert not [c for c in record_cues(rep) if "pelvis" in c.text or "hips" in c.text]
        if name != "hc_stopgo":
            assert rep.metrics.reversals == 0


@pytest.mark.video
def test_from_the_side_the_summary_says_why_no_half_circle_is_counted() -> None:
    # Side bending is not seen from the side, so a rep's phase cannot be followed;
    # the summary says so and gives the forward bend it did see (truth 50 deg).
    (name,) = SIDE_CLIPS
    text = text_summary(analysis_of(name))
    assert "Half circles are not counted from the side" in text
    assert "0 complete" not in text
    peak = float(text.split("forward bending reached ")[1].split(" deg")[0])
    assert abs(peak - fixture_scene(name)["reps"][0]["peak_forward_deg"]) <= 3.0


@pytest.mark.video
def test_with_nobody_in_view_the_summary_names_no_view_and_no_calibration() -> None:
    text = text_summary(analyze_poses(fixture_poses("empty_room")))
    assert "nobody in view" in text and "front view" not in text
    assert "No person was found" in text and "calibrate" not in text


@pytest.mark.video
@pytest.mark.parametrize(
    ("name", "tests"),
    [
        ("base_side_bends", "side bend right, side bend left"),
        ("base_toe_touch", "toe touch"),
        ("base_rotation", "rotation left, rotation right"),
    ],
)
def test_a_recording_of_baseline_tests_points_to_the_baseline_command(
    name: str, tests: str
) -> None:
    # analyze reads side bends as attempts stopped before the front and a toe touch
    # as an incomplete rep; the summary says what they look like and what measures them
    text = text_summary(analysis_of(name))
    assert f"look like baseline tests ({tests}); halfcircle baseline --source {name}.mp4" in text


@pytest.mark.video
@pytest.mark.parametrize("name", ["hc_smooth", "hc_aborted", "hc_leaves_view", "hc_side_left"])
def test_a_half_circle_recording_gets_no_baseline_advice(name: str) -> None:
    # a complete rep, a person who left the view mid-rep, or a side view (where a half
    # circle looks like a toe touch): the movements were half circles
    assert "baseline" not in text_summary(analysis_of(name))


def _cut(seq, start: int, stop: int):  # type: ignore[no-untyped-def]
    from halfcircle.landmarks import PoseSequence

    sl = slice(start, stop)
    return PoseSequence(
        seq.time_s[sl] - seq.time_s[start], seq.image[sl], seq.world[sl], seq.visibility[sl],
        seq.presence[sl], seq.n_people[sl], seq.image_size, seq.fps,
    )  # fmt: skip


@pytest.mark.video
@pytest.mark.parametrize(
    ("start_s", "stop_s", "rule"),
    [
        (1.2, None, "first_quiet_second"),  # 0.3 s of standing first: zeroed after the rep
        (1.2, 6.9, "short_stance"),  # 0.3 s at the start and 0.4 s at the end
        (1.5, 6.6, "short_stance"),  # moving from the first frame, 0.3 s at the end
    ],
)
def test_a_recording_cut_short_before_the_rep_gives_the_same_rep(
    start_s: float, stop_s: float | None, rule: str
) -> None:
    """``hc_front_right`` with its 1.5 s of standing cut: the same rep, the same peaks."""
    seq = fixture_poses("hc_front_right")
    (ref,) = analysis_of("hc_front_right").complete_reps
    stop = len(seq) if stop_s is None else round(stop_s * seq.fps)
    analysis = analyze_poses(_cut(seq, round(start_s * seq.fps), stop))
    # the first 0.7 s of this rep's gentle start can read as quiet (one pose slot's
    # landmarks): the stance is then the first second, a zero under 1 deg off (below)
    assert analysis.stance is not None and analysis.stance.rule in (rule, "first_quiet_second")
    (rep,) = analysis.complete_reps
    assert rep.direction == ref.direction
    assert rep.start_s == pytest.approx(ref.start_s - start_s, abs=0.15)
    for key in ("peak_lateral_right_deg", "peak_lateral_left_deg", "peak_forward_deg"):
        assert getattr(rep.metrics, key) == pytest.approx(getattr(ref.metrics, key), abs=1.0)
    if analysis.stance.rule != "first_quiet_second":
        assert analysis.notes[0].startswith(("Zero was taken", "No second of quiet standing"))
