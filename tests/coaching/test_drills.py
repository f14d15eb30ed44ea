"""Drills of stages 1 and 2: side bends and roll-downs found, measured and judged."""

from __future__ import annotations

import functools
from dataclasses import replace

import numpy as np
import pytest

from halfcircle.coaching.cues import REP_CUE_RULES
from halfcircle.coaching.drills import (
    DrillConfig,
    controlled_reps,
    drill_kind,
    drill_tally,
    segment_drills,
    tell_apart,
)
from halfcircle.coaching.session import replay
from halfcircle.errors import ValidationError
from halfcircle.kinematics.measure import compute_kinematics
from halfcircle.synthetic import half_circle, synthetic_clip
from tests.conftest import fixture_clips, fixture_poses, fixture_scene


def _bump(n: int, peak: float) -> np.ndarray:
    """A smooth out-and-back excursion (minimum-jerk up, then down)."""
    u = np.linspace(0.0, 1.0, n // 2)
    up = peak * u**3 * (10 - 15 * u + 6 * u**2)
    return np.concatenate([up, up[::-1]])


def _series(*parts: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    rest = np.zeros(45)
    lat = [rest]
    fwd = [rest]
    for la, fw in parts:
        lat += [la, rest]
        fwd += [fw, rest]
    return np.concatenate(lat), np.concatenate(fwd)


def test_side_bends_are_found_with_their_side_and_peak() -> None:
    z = np.zeros(90)
    lat, fwd = _series((_bump(90, 22.0), z), (_bump(90, -25.0), z), (_bump(90, 18.0), z))
    kin = compute_kinematics(synthetic_clip(lat, fwd).seq)
    reps = segment_drills(kin)
    assert [(r.movement, r.side, r.index) for r in reps] == [
        ("side_bend", "right", 1), ("side_bend", "left", 2), ("side_bend", "right", 3)
    ]  # fmt: skip
    np.testing.assert_allclose([r.peak_deg for r in reps], [22.0, 25.0, 18.0], atol=1.5)
    assert all(r.controlled and r.sparc > DrillConfig().smooth_sparc for r in reps)  # smooth
    assert controlled_reps(reps) == {"right": 2, "left": 1}


def test_roll_downs_are_found_and_a_half_circle_is_not_a_drill() -> None:
    z = np.zeros(120)
    hc_lat, hc_fwd = half_circle(n_rest=10, n_rep=180, lateral_peak_deg=30.0, forward_peak_deg=55.0)
    lat, fwd = _series((z, _bump(120, 50.0)), (hc_lat, hc_fwd), (z, _bump(120, 42.0)))
    kin = compute_kinematics(synthetic_clip(lat, fwd).seq)
    reps = segment_drills(kin)
    assert [(r.movement, r.side) for r in reps] == [("roll_down", "front")] * 2
    np.testing.assert_allclose([r.peak_deg for r in reps], [50.0, 42.0], atol=2.0)
    assert [r.index for r in reps] == [1, 2]


def test_a_jerky_rep_or_a_moving_pelvis_is_not_controlled() -> None:
    n = 90
    jerky = _bump(n, 24.0) + 4.0 * np.sin(np.linspace(0, 14 * np.pi, n))
    lat, fwd = _series((jerky, np.zeros(n)), (_bump(n, 24.0), np.zeros(n)))
    shift = np.zeros((len(lat), 3))
    second = slice(45 + n + 45, 45 + n + 45 + n)
    shift[second, 0] = np.linspace(0, 0.08, n)  # the hips slide 8 cm off the wall line
    kin = compute_kinematics(synthetic_clip(lat, fwd, pelvis_shift_m=shift).seq)
    reps = segment_drills(kin)
    assert len(reps) == 2
    assert not reps[0].controlled and reps[0].sparc < DrillConfig().smooth_sparc
    assert not reps[1].controlled
    assert controlled_reps(reps) == {}


def test_a_drill_rep_reads_as_reps_json_lists_it() -> None:
    z = np.zeros(90)
    lat, fwd = _series((_bump(90, 20.0), z))
    (rep,) = segment_drills(compute_kinematics(synthetic_clip(lat, fwd).seq))
    row = rep.as_dict()
    assert row["movement"] == "side_bend" and row["side"] == "right"
    assert row["peak_deg"] == pytest.approx(20.0, abs=1.5)
    assert {"sparc", "duration_s", "pelvis_shift_max_cm"} <= set(row)


def test_quiet_standing_has_no_drill() -> None:
    z = np.zeros(200)
    clip = synthetic_clip(z, z, noise_px=0.3, noise_depth_m=0.002)
    assert segment_drills(compute_kinematics(clip.seq)) == []


def test_the_thresholds_are_checked() -> None:
    with pytest.raises(ValidationError, match="lateral"):
        DrillConfig(enter_deg=(2.0, 12.0), leave_deg=(3.0, 5.0))


@pytest.mark.parametrize(
    ("right", "left", "forward", "kind"),
    [
        (22.0, 0.5, 2.0, ("side_bend", "right")),
        (0.0, 25.0, 0.0, ("side_bend", "left")),
        (1.7, 0.6, 46.6, ("roll_down", "front")),
        (25.0, 0.0, 22.5, None),  # to the side and forward: a half circle begun (hc_aborted)
        (30.0, 30.0, 55.0, None),  # a whole half circle
        (20.0, 12.0, 0.0, None),  # both sides: a sway, not one side bend
        (5.0, 0.0, 0.0, None),  # too small to be a rep
        (float("nan"), 0.0, 0.0, None),
        (None, 0.0, 30.0, None),
    ],
)
def test_a_movement_is_a_drill_by_its_peaks(
    right: float | None, left: float | None, forward: float | None, kind: tuple | None
) -> None:
    found = drill_kind(right, left, forward)
    assert (found[:2] if found else None) == kind


def _session_of(*parts: tuple[np.ndarray, np.ndarray]):  # type: ignore[no-untyped-def]
    lat, fwd = _series(*parts)
    kin = compute_kinematics(synthetic_clip(lat, fwd).seq)
    loop, states = replay(kin, count_everywhere=True)
    return kin, loop, states


def test_each_movement_is_told_once_as_a_drill_or_a_half_circle() -> None:
    z = np.zeros(120)
    hc_lat, hc_fwd = half_circle(n_rest=10, n_rep=180, lateral_peak_deg=30.0, forward_peak_deg=55.0)
    kin, loop, _ = _session_of(
        (_bump(120, 24.0), z),  # a side bend right
        (_bump(120, 25.0), _bump(120, 22.0)),  # a half circle begun: right and forward, back
        (hc_lat, hc_fwd),  # a whole half circle
        (z, _bump(120, 45.0)),  # a roll-down
        (_bump(120, -22.0), z),  # a side bend left
    )
    # the half-circle counter alone reads every excursion but the whole one as begun
    assert len(loop.aborted) == 4 and [r.complete for r in loop.records] == [True]
    told = tell_apart(loop.records, loop.aborted, segment_drills(kin))
    assert [(d.movement, d.side, d.index) for d in told.drills] == [
        ("side_bend", "right", 1), ("roll_down", "front", 1), ("side_bend", "left", 2)
    ]  # fmt: skip
    assert [(r.index, r.complete) for r in told.reps] == [(1, True)]
    (begun,) = told.aborted
    assert begun.index == 1 and begun.metrics.peak_forward_deg > 15.0
    drill_spans = [(d.metrics.start_s, d.metrics.end_s) for d in told.drills]
    assert not any(a < begun.end_s and begun.start_s < b for a, b in drill_spans)
    tally = drill_tally(told.drills)
    assert tally["side_bend"]["reps"] == 2 and set(tally["side_bend"]["sides"]) == {"right", "left"}
    assert tally["roll_down"]["sides"]["front"]["reps"] == 1


def test_a_drill_inside_a_whole_half_circle_is_part_of_it() -> None:
    hc_lat, hc_fwd = half_circle(n_rest=10, n_rep=180, lateral_peak_deg=30.0, forward_peak_deg=55.0)
    _, loop, _ = _session_of((hc_lat, hc_fwd))
    assert [r.complete for r in loop.records] == [True]
    # a drill span made to lie inside the half circle is dropped, not told twice
    (rec,) = loop.records
    lat, fwd = _series((_bump(90, 20.0), np.zeros(90)))
    (drill,) = segment_drills(compute_kinematics(synthetic_clip(lat, fwd).seq))
    inside = replace(drill.metrics, start_s=rec.start_s + 0.5, end_s=rec.start_s + 2.0)
    moved = [replace(drill, metrics=inside)]
    told = tell_apart(loop.records, loop.aborted, moved)
    assert told.drills == [] and told.reps == loop.records


ABORTED_CUE = next(r.text for r in REP_CUE_RULES if r.id == "aborted")


def test_live_cues_a_half_circle_begun_but_not_a_side_bend_as_one() -> None:
    z = np.zeros(120)
    _, loop, states = _session_of((_bump(120, 24.0), z))
    assert len(loop.aborted) == 1  # the counter's own reading is kept
    assert ABORTED_CUE not in {s.cue for s in states}
    assert (states[-1].reps, states[-1].drills) == (0, 1)  # the live view counts it
    _, loop, states = _session_of((_bump(120, 25.0), _bump(120, 22.0)))
    assert len(loop.aborted) == 1
    assert ABORTED_CUE in {s.cue for s in states}
    assert (states[-1].reps, states[-1].drills) == (0, 0)


DRILL_CLIPS = fixture_clips("drill")
#: The renderer's segment types as drill movements (a roll-down is rendered as a
#: forward bend with the pelvis mostly on the wall).
_MOVEMENT = {"side_bend": "side_bend", "toe_touch": "roll_down"}


#: Peaks read more than 3 deg off on these clips with no camera tilt given (measured minus
#: truth, deg). The front roll-downs miss by the camera's pitch (6.7 deg down, not given):
#: given it, they read -4.1, -1.5 and -2.6 (with two pose slots; measured in session 10).
#: The oblique ones are MediaPipe's landmarks
#: (``bench/trunk_trace.py``; issue #21's closing note): at 45-55 deg forward its
#: shoulders sit 0.03-0.13 trunk lengths lower in the image than the rendered shoulder
#: joints, and in a side bend away from an oblique camera its trunk's sideways image
#: component falls 22-27 % short of the joints' and its world depth points towards the
#: camera.
KNOWN_MISSES = {
    ("drill_side_bends_oblique", 0): "left 14.6 of 20: -5.4 (bend away from the camera)",
    ("drill_side_bends_oblique", 2): "left 19.6 of 24: -4.4 (bend away from the camera)",
    ("drill_roll_downs_front", 1): "56.1 of 52: +4.1 (camera 6.7 deg down, not given)",
    ("drill_roll_downs_oblique", 0): "44.6 of 40: +4.6 (oblique forward: MediaPipe's shoulders)",
    ("drill_roll_downs_oblique", 1): "54.2 of 47: +7.2 (oblique forward: MediaPipe's shoulders)",
    ("drill_roll_downs_oblique", 2): "58.6 of 50: +8.6 (oblique forward: MediaPipe's shoulders)",
}


def _truth(name: str) -> list[dict]:  # type: ignore[type-arg]
    return list(fixture_scene(name)["baseline"])


@functools.cache
def _reps(name: str) -> list:  # type: ignore[type-arg]
    return segment_drills(compute_kinematics(fixture_poses(name)))


@pytest.mark.video
@pytest.mark.parametrize("name", DRILL_CLIPS)
def test_every_drill_rep_of_a_rendered_set_is_found_with_its_side_and_time(name: str) -> None:
    truth, reps = _truth(name), _reps(name)
    assert [(r.movement, r.side) for r in reps] == [
        (_MOVEMENT[t["type"]], t.get("side", "front")) for t in truth
    ]
    for rep, true in zip(reps, truth, strict=True):
        assert abs(rep.metrics.start_s - true["start_s"]) < 0.8  # leaves 6-12 deg later
        assert rep.metrics.start_s < (true["start_s"] + true["end_s"]) / 2  # before its peak


@pytest.mark.video
@pytest.mark.parametrize(
    ("name", "i"),
    [
        pytest.param(
            n, i, marks=[pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[(n, i)])]
            if (n, i) in KNOWN_MISSES else []
        )
        for n in DRILL_CLIPS
        for i, _ in enumerate(_truth(n))
    ],
)  # fmt: skip
def test_drill_peaks_are_within_3_deg_of_truth(name: str, i: int) -> None:
    true = _truth(name)[i]
    peak = true.get("peak_lateral_deg", true.get("peak_forward_deg"))
    assert _reps(name)[i].peak_deg == pytest.approx(peak, abs=3.0)


@pytest.mark.video
def test_smooth_rendered_drill_reps_are_controlled() -> None:
    reps = [r for name in DRILL_CLIPS for r in _reps(name)]
    assert len(reps) >= 10
    assert all(r.controlled for r in reps), [(r.side, round(r.sparc, 2)) for r in reps]
