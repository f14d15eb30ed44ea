"""The rep state machine, fed synthetic angle sequences frame by frame."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

from halfcircle.coaching.reps import RepCounter, RepEvent, RepState, RepThresholds
from halfcircle.coaching.scoring import half_circle_path
from halfcircle.errors import ValidationError

FPS = 30.0
BOUNDARY_TOL_S = 0.3


def min_jerk(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return 10 * x**3 - 15 * x**4 + 6 * x**5


def knots_profile(knots: list[tuple[float, float]]) -> Callable[[np.ndarray], np.ndarray]:
    """Path fraction through (time fraction, path fraction) knots, min-jerk between them."""

    def profile(tau: np.ndarray) -> np.ndarray:
        out = np.zeros_like(tau)
        for (a, p0), (b, p1) in itertools.pairwise(knots):
            out = np.where(tau >= a, p0 + (p1 - p0) * min_jerk((tau - a) / (b - a)), out)
        return out

    return profile


#: Goes past the front, back 8% of the path, pauses, then on with a second pause.
STOP_AND_GO = knots_profile(
    [(0, 0), (0.25, 0.5), (0.35, 0.42), (0.45, 0.42), (0.6, 0.7), (0.7, 0.7), (1.0, 1.0)]
)


def _smoothstep(tau: np.ndarray) -> np.ndarray:
    x = np.clip(tau, 0.0, 1.0)
    return 3 * x**2 - 2 * x**3


#: A constant-acceleration start and stop (smoothstep) instead of minimum jerk.
SMOOTHSTEP = _smoothstep
#: To the right side and a little towards the front, then straight back up.
ABORT_AT_SIDE = knots_profile([(0, 0), (0.5, 0.3), (1.0, 0.0)])
#: Down to the front and back up the same side.
ABORT_AT_FRONT = knots_profile([(0, 0), (0.5, 0.5), (1.0, 0.0)])


@dataclass
class Movement:
    """Frames of a synthetic movement and its true boundaries (s)."""

    t: np.ndarray
    lateral: np.ndarray
    forward: np.ndarray
    start_s: float
    end_s: float


def movement(
    *,
    duration: float = 6.0,
    hold: float = 2.0,
    post: float = 2.0,
    lateral: float = 30.0,
    forward: float = 50.0,
    direction: str = "right_first",
    profile: Callable[[np.ndarray], np.ndarray] | None = None,
    noise: float = 0.0,
    seed: int = 0,
    t0: float = 0.0,
    fps: float = FPS,
) -> Movement:
    """A half circle along the ideal path with upright holds before and after.

    The path fraction follows ``profile`` over the movement (default: one min-jerk
    movement, the smoothest possible, whose start and end are the slowest to see).
    """
    t = t0 + np.arange(0.0, hold + duration + post, 1.0 / fps)
    tau = np.clip((t - t0 - hold) / duration, 0.0, 1.0)
    s = min_jerk(tau) if profile is None else profile(tau)
    lat, fwd = half_circle_path(s, lateral, forward, direction=direction)  # type: ignore[arg-type]
    rng = np.random.default_rng(seed)
    lat = lat + noise * rng.standard_normal(t.size)
    fwd = fwd + noise * rng.standard_normal(t.size)
    return Movement(t, lat, fwd, t0 + hold, t0 + hold + duration)


def concat(*moves: Movement) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.concatenate([m.t for m in moves]),
        np.concatenate([m.lateral for m in moves]),
        np.concatenate([m.forward for m in moves]),
    )


def feed(
    counter: RepCounter,
    t: np.ndarray,
    lat: np.ndarray,
    fwd: np.ndarray,
    valid: np.ndarray | None = None,
    **extra: np.ndarray,
) -> tuple[list[RepEvent], list[str]]:
    """Feed frames one by one; return all events and the state after each frame."""
    events: list[RepEvent] = []
    states: list[str] = []
    ok = np.ones(t.size, bool) if valid is None else valid
    for i in range(t.size):
        kw = {k: float(v[i]) for k, v in extra.items()}
        events += counter.update(float(t[i]), float(lat[i]), float(fwd[i]), bool(ok[i]), **kw)
        states.append(counter.phase)
    events += counter.finish()
    return events, states


def state_runs(states: list[str]) -> list[str]:
    """States with repeats collapsed: the path the machine took."""
    return [s for i, s in enumerate(states) if i == 0 or s != states[i - 1]]


# --------------------------------------------------------- complete reps, table
@pytest.mark.parametrize(
    ("kwargs", "direction"),
    [
        ({}, "right_first"),
        ({"direction": "left_first"}, "left_first"),
        ({"noise": 0.3, "seed": 3}, "right_first"),
        ({"noise": 0.3, "seed": 4, "direction": "left_first"}, "left_first"),
        ({"duration": 3.0}, "right_first"),
        ({"duration": 10.0, "lateral": 20.0, "forward": 35.0}, "right_first"),
        ({"profile": STOP_AND_GO}, "right_first"),
        ({"profile": SMOOTHSTEP, "duration": 5.0, "noise": 0.2}, "right_first"),
        ({"fps": 15.0, "direction": "left_first"}, "left_first"),
        ({"lateral": 15.0, "forward": 25.0, "noise": 0.2}, "right_first"),
        ({"lateral": 13.0, "forward": 20.0, "noise": 0.2, "direction": "left_first"}, "left_first"),
    ],
)
def test_one_rep_found_with_direction_and_boundaries(kwargs, direction) -> None:
    m = movement(**kwargs)
    counter = RepCounter(calibrated=True)
    events, states = feed(counter, m.t, m.lateral, m.forward)
    completed = [e for e in events if e.kind == "rep_completed"]
    assert len(completed) == 1 and counter.complete_count == 1
    rec = completed[0].record
    assert rec is not None and rec.complete and rec.index == 1
    assert rec.direction == direction
    assert abs(rec.start_s - m.start_s) <= BOUNDARY_TOL_S
    assert abs(rec.end_s - m.end_s) <= BOUNDARY_TOL_S
    assert rec.score is not None and 0 <= rec.score.total <= 100
    assert counter.aborted == []
    runs = state_runs(states)
    path = [s for s in runs if s in ("side_a", "front", "side_b", "returning")]
    assert path[0] == "side_a" and path[-1] == "returning"
    assert path.index("front") < path.index("side_b")
    assert runs[-1] == "ready"


def test_started_event_is_backdated_to_the_movement_start() -> None:
    m = movement(duration=4.0)
    events, _ = feed(RepCounter(calibrated=True), m.t, m.lateral, m.forward)
    started = [e for e in events if e.kind == "rep_started"]
    assert len(started) == 1
    assert started[0].start_s is not None
    assert abs(started[0].start_s - m.start_s) <= BOUNDARY_TOL_S
    assert started[0].time_s > started[0].start_s  # detected later, dated back


def test_several_reps_both_directions() -> None:
    moves = [
        movement(direction="right_first", t0=0.0, post=0.0),
        movement(direction="left_first", t0=8.0, post=0.0, hold=1.5, noise=0.2, seed=1),
        movement(direction="right_first", t0=15.5, hold=1.0, duration=5.0),
    ]
    counter = RepCounter(calibrated=True)
    events, _ = feed(counter, *concat(*moves))
    reps = counter.reps
    assert [r.direction for r in reps] == ["right_first", "left_first", "right_first"]
    assert [r.index for r in reps] == [1, 2, 3]
    for rec, m in zip(reps, moves, strict=True):
        assert abs(rec.start_s - m.start_s) <= BOUNDARY_TOL_S
        assert abs(rec.end_s - m.end_s) <= BOUNDARY_TOL_S
    assert counter.last_trace is not None and counter.last_trace.shape[1] == 2
    assert sum(e.kind == "rep_completed" for e in events) == 3


def test_next_rep_starting_before_the_trunk_settles() -> None:
    a = movement(hold=1.0, post=0.0, duration=4.0)
    b = movement(t0=a.t[-1] + 1 / FPS, hold=0.1, duration=4.0, direction="left_first")
    counter = RepCounter(calibrated=True)
    feed(counter, *concat(a, b))
    assert [r.direction for r in counter.reps] == ["right_first", "left_first"]
    assert counter.reps[0].end_s <= counter.reps[1].start_s


# ------------------------------------------------------------- aborted attempts
@pytest.mark.parametrize("profile", [ABORT_AT_SIDE, ABORT_AT_FRONT])
@pytest.mark.parametrize("direction", ["right_first", "left_first"])
def test_aborted_attempt_is_not_a_rep(profile, direction) -> None:
    m = movement(profile=profile, direction=direction, duration=4.0)
    counter = RepCounter(calibrated=True)
    events, states = feed(counter, m.t, m.lateral, m.forward)
    assert counter.complete_count == 0 and counter.records == []
    assert [e.kind for e in events if e.kind.startswith("rep_")] == ["rep_started", "rep_aborted"]
    (rec,) = counter.aborted
    assert rec.outcome == "aborted" and rec.score is None and rec.direction == direction
    assert "aborted" in states and states[-1] == "ready"  # shown a moment, then ready
    assert "side_b" not in states


def test_aborted_then_complete_rep() -> None:
    a = movement(profile=ABORT_AT_FRONT, duration=4.0, post=0.5)
    b = movement(t0=a.t[-1] + 1 / FPS, direction="left_first")
    counter = RepCounter(calibrated=True)
    feed(counter, *concat(a, b))
    assert len(counter.aborted) == 1 and counter.complete_count == 1
    assert counter.reps[0].index == 1 and counter.aborted[0].index == 1


# -------------------------------------------------------------- no inflation
@pytest.mark.parametrize(
    ("centre", "amplitude"),
    [(10.0, 3.0), (10.0, 1.5), (12.0, 1.0), (8.0, 1.0), (11.0, 3.9)],
)
def test_oscillation_around_upright_thresholds_counts_nothing(centre, amplitude) -> None:
    # Swaying across both upright thresholds while never bending as far as an attempt.
    t = np.arange(0, 12, 1 / FPS)
    lat = np.r_[np.zeros(60), centre + amplitude * np.sin(2 * np.pi * 0.8 * t[60:])]
    counter = RepCounter(calibrated=True)
    events, _ = feed(counter, t, lat, np.zeros_like(t))
    assert counter.records == [] and counter.aborted == []
    assert not [e for e in events if e.kind in ("rep_completed", "rep_aborted")]


def test_hovering_at_the_front_band_edge_enters_front_once() -> None:
    # Trunk at 30 deg, phi rises to the front band's edge (65) and wobbles across it.
    t = np.arange(0, 14, 1 / FPS)
    env = min_jerk((t - 1.0) / 1.0) * (1 - min_jerk((t - 11.0) / 1.0))
    wobble = 65.0 + 4.0 * np.sin(2 * np.pi * 1.5 * (t - 3.0))
    phi = np.where(t < 3, 65.0 * min_jerk((t - 1.5) / 1.5), wobble)
    phi = np.where(
        t >= 7, wobble[t >= 7][0] + (180 - wobble[t >= 7][0]) * min_jerk((t - 7) / 3), phi
    )
    lat, fwd = 30 * env * np.cos(np.radians(phi)), 30 * env * np.sin(np.radians(phi))
    counter = RepCounter(calibrated=True)
    _, states = feed(counter, t, lat, fwd)
    assert state_runs(states).count("front") == 1
    assert counter.complete_count == 1


def test_stop_and_go_with_a_reversal_is_one_rep_and_less_smooth() -> None:
    smooth = RepCounter(calibrated=True)
    feed(smooth, *concat(movement()))
    jerky = RepCounter(calibrated=True)
    feed(jerky, *concat(movement(profile=STOP_AND_GO)))
    assert smooth.complete_count == jerky.complete_count == 1
    a, b = smooth.reps[0], jerky.reps[0]
    assert b.metrics.reversals >= 1 and a.metrics.reversals == 0
    assert b.metrics.sparc < a.metrics.sparc - 1.0
    assert a.score is not None and b.score is not None
    assert b.score.smoothness < a.score.smoothness - 0.5
    assert b.score.total < a.score.total - 20


# ------------------------------------------------------------- person lost
def test_short_loss_mid_rep_pauses_and_resumes() -> None:
    m = movement()
    valid = ~((m.t >= 4.5) & (m.t < 5.1))  # 0.6 s gap near the front
    counter = RepCounter(calibrated=True)
    events, states = feed(counter, m.t, m.lateral, m.forward, valid)
    assert "paused" in states
    assert counter.complete_count == 1 and counter.records[0].outcome == "complete"
    rec = counter.reps[0]
    assert abs(rec.start_s - m.start_s) <= BOUNDARY_TOL_S
    assert abs(rec.end_s - m.end_s) <= BOUNDARY_TOL_S
    assert not rec.frames.valid.all()  # the gap stays visible in the frames
    paused = [e for e in events if e.kind == "state" and e.state is RepState.PAUSED]
    assert len(paused) == 1 and paused[0].previous is not None


def test_long_loss_mid_rep_marks_it_incomplete_and_waits_for_upright() -> None:
    m = movement()
    valid = ~((m.t >= 4.5) & (m.t < 7.0))  # 2.5 s gap; person comes back at side B
    counter = RepCounter(calibrated=True)
    events, states = feed(counter, m.t, m.lateral, m.forward, valid)
    incomplete = [e for e in events if e.kind == "rep_incomplete"]
    assert len(incomplete) == 1
    rec = incomplete[0].record
    assert rec is not None and rec.outcome == "incomplete" and rec.score is None
    assert rec.end_s < 4.5 and rec.metrics.outcome == "incomplete"
    assert counter.complete_count == 0 and [r.outcome for r in counter.records] == ["incomplete"]
    assert not any(e.kind == "rep_started" and e.time_s > 7.0 for e in events)
    assert states[-1] == "ready"


def test_nan_angles_count_as_lost() -> None:
    m = movement()
    lat = m.lateral.copy()
    lat[(m.t >= 4.5) & (m.t < 4.8)] = np.nan
    counter = RepCounter(calibrated=True)
    _, states = feed(counter, m.t, lat, m.forward)
    # the person is still seen: not "paused" (away), but the rep is bridged alike
    assert "untracked" in states and "paused" not in states and counter.complete_count == 1


def test_lost_while_ready_resumes_ready() -> None:
    t = np.arange(0, 3, 1 / FPS)
    counter = RepCounter(calibrated=True)
    _, states = feed(counter, t, np.zeros_like(t), np.zeros_like(t), t < 1.5)
    assert state_runs(states) == ["ready", "paused"]
    counter2 = RepCounter(calibrated=True)
    _, states2 = feed(counter2, t, np.zeros_like(t), np.zeros_like(t), ~((t > 1) & (t < 2)))
    assert state_runs(states2) == ["ready", "paused", "ready"]


# -------------------------------------------------------------- calibration
def test_nothing_counts_before_calibration() -> None:
    first = movement(post=0.5)
    second = movement(t0=first.t[-1] + 1 / FPS)
    counter = RepCounter()
    assert counter.state is RepState.CALIBRATING
    events, states = feed(counter, first.t, first.lateral, first.forward)
    assert events == [] and set(states) == {"calibrating"} and counter.records == []
    assert [e.state for e in counter.set_calibrated()] == [RepState.READY]
    assert counter.set_calibrated() == []
    feed(counter, second.t, second.lateral, second.forward)
    assert counter.complete_count == 1


def test_calibrated_while_bent_waits_for_upright() -> None:
    m = movement()
    counter = RepCounter()
    i_mid = int(np.searchsorted(m.t, 5.0))  # at the front
    feed(counter, m.t[:i_mid], m.lateral[:i_mid], m.forward[:i_mid])
    counter.set_calibrated()
    assert not counter.armed
    feed(counter, m.t[i_mid:], m.lateral[i_mid:], m.forward[i_mid:])
    assert counter.records == [] and counter.aborted == []
    assert counter.armed


# ------------------------------------------------------------------ interface
def test_trace_and_snapshot_during_a_rep() -> None:
    m = movement(duration=4.0)
    counter = RepCounter(calibrated=True)
    sizes = []
    speeds = []
    for t, lat, fwd in zip(m.t, m.lateral, m.forward, strict=True):
        counter.update(float(t), float(lat), float(fwd))
        sizes.append(len(counter.current_trace))
        snap = counter.snapshot()
        speeds.append(snap.speed_deg_s)
        if counter.state is RepState.FRONT:
            assert snap.rep_in_progress and snap.direction == "right_first"
            assert 55 <= snap.phi_deg <= 125
    assert max(sizes) > 60 and sizes[-1] == 0
    assert counter.current_trace.shape == (0, 2)
    assert np.nanmax(speeds) > 40


def test_compensation_inputs_reach_the_rep_metrics() -> None:
    m = movement()
    shift = np.where((m.t > 4) & (m.t < 5), 5.0, 0.5)
    knee = np.full(m.t.size, 15.0)
    counter = RepCounter(calibrated=True)
    feed(counter, m.t, m.lateral, m.forward, pelvis_shift_cm=shift, knee_flexion_deg=knee)
    metrics = counter.reps[0].metrics
    assert metrics.pelvis_shift_max_cm == pytest.approx(5.0)
    assert metrics.knees_locked is False
    assert metrics.pelvis_tilt_max_deg is None
    assert metrics.compensations == ("pelvis_shift",)


def test_same_frames_same_numbers() -> None:
    m = movement(noise=0.3, seed=9, profile=STOP_AND_GO)
    a, b = RepCounter(calibrated=True), RepCounter(calibrated=True)
    feed(a, m.t, m.lateral, m.forward)
    feed(b, m.t, m.lateral, m.forward)
    assert a.reps[0].metrics == b.reps[0].metrics
    assert a.reps[0].score == b.reps[0].score


@pytest.mark.parametrize("bad_time", [0.5, 1.0, float("nan")])
def test_time_must_increase(bad_time) -> None:
    counter = RepCounter(calibrated=True)
    counter.update(1.0, 0.0, 0.0)
    with pytest.raises(ValidationError, match="strictly increasing"):
        counter.update(bad_time, 0.0, 0.0)


@pytest.mark.parametrize(
    ("kwargs", "names"),
    [
        ({"enter_upright_deg": 12.0, "leave_upright_deg": 12.0}, ["enter_upright_deg"]),
        ({"front_enter_band_deg": 40.0}, ["front_enter_band_deg"]),
        (
            {"return_fraction": 0.8, "max_gap_s": 0.0},
            ["return_fraction", "max_gap_s"],
        ),
    ],
)
def test_thresholds_validate_and_report_every_problem(kwargs, names) -> None:
    with pytest.raises(ValidationError) as info:
        RepThresholds(**kwargs)
    for name in names:
        assert name in str(info.value)


def test_finish_closes_a_rep_in_progress_as_incomplete() -> None:
    m = movement()
    n = int(np.searchsorted(m.t, 6.0))
    counter = RepCounter(calibrated=True)
    events, _ = feed(counter, m.t[:n], m.lateral[:n], m.forward[:n])
    assert [e.kind for e in events if e.kind.startswith("rep_")] == [
        "rep_started",
        "rep_incomplete",
    ]
    assert counter.state is RepState.READY and not counter.rep_in_progress


def test_crossing_then_going_back_is_still_one_complete_rep() -> None:
    there_and_back = knots_profile([(0, 0), (0.4, 0.75), (0.7, 0.25), (1.0, 0.0)])
    m = movement(profile=there_and_back, duration=8.0)
    counter = RepCounter(calibrated=True)
    _, states = feed(counter, m.t, m.lateral, m.forward)
    assert counter.complete_count == 1 and counter.aborted == []
    assert state_runs(states).count("front") == 2
    assert counter.reps[0].metrics.reversals == 1


def test_record_as_dict_is_json_ready() -> None:
    import json

    m = movement()
    counter = RepCounter(calibrated=True)
    feed(counter, m.t, m.lateral, m.forward)
    d = counter.reps[0].as_dict()
    json.dumps(d, allow_nan=False)
    for key in (
        "index",
        "direction",
        "complete",
        "start_s",
        "end_s",
        "peak_lateral_right_deg",
        "peak_lateral_left_deg",
        "peak_forward_deg",
        "arc_coverage_deg",
        "sparc",
        "ldlj",
        "reversals",
        "score",
    ):
        assert key in d
    assert d["complete"] is True and d["direction"] == "right_first"
    assert 0 <= d["score"] <= 100


def test_recalibrate_closes_the_rep_and_waits_for_calibration() -> None:
    m = movement()
    n = int(np.searchsorted(m.t, 5.0))
    counter = RepCounter(calibrated=True)
    for i in range(n):
        counter.update(float(m.t[i]), float(m.lateral[i]), float(m.forward[i]))
    events = counter.recalibrate()
    assert [e.kind for e in events] == ["rep_incomplete", "state", "state"]
    assert counter.state is RepState.CALIBRATING and not counter.rep_in_progress
    rest = movement(t0=m.t[-1] + 1.0)
    counter.set_calibrated()
    feed(counter, rest.t, rest.lateral, rest.forward)
    assert counter.complete_count == 1 and len(counter.records) == 2
