"""Live cues and phases say what is true now.

* "Step back into view" is only for a person who is not (fully) seen; a person in
  view whose side bend cannot be measured (side view) is not "paused".
* A cue tied to a state (hold still while calibrating, step back into view while
  away) leaves the screen when that state ends.
* The overlay shows phases in plain, consistent words and never "-0".
"""

from __future__ import annotations

import math
from dataclasses import fields, replace
from typing import Any

import numpy as np
import pytest

from halfcircle.coaching.cues import LIVE_CUE_RULES, Cue, CueSelector, live_cues
from halfcircle.coaching.reps import LiveSnapshot, RepCounter, RepState
from halfcircle.coaching.session import FrameState, SessionLoop
from halfcircle.kinematics.measure import AngleSample
from halfcircle.present.overlay import PHASE_WORDS, OverlayInfo, draw_overlay, phase_words

FPS = 30.0
NAN = math.nan
TEXT = {rule.id: rule.text for rule in LIVE_CUE_RULES}
STEP_INTO_VIEW = TEXT["step_into_view"]
HOLD_STILL = TEXT["hold_still"]


def sample(t: float, lateral: float, forward: float, *, valid: bool = True) -> AngleSample:
    """A frame's measures: the trunk angles given, everything else not measured."""
    values: dict[str, Any] = {f.name: NAN for f in fields(AngleSample)}
    values.update(time_s=t, lateral_deg=lateral, forward_deg=forward, valid=valid)
    values["calibrated"] = t >= 1.0
    if valid and math.isfinite(lateral) and math.isfinite(forward):
        values["inclination_deg"] = math.hypot(lateral, forward)
    return AngleSample(**values)


def run(samples: list[AngleSample], calibrated_from_s: float | None = 1.0) -> list[FrameState]:
    loop = SessionLoop(calibrated_from_s=calibrated_from_s)
    return [loop.update(s) for s in samples]


def times(duration_s: float) -> np.ndarray:
    return np.arange(0.0, duration_s, 1.0 / FPS)


def forward_bend(t: np.ndarray) -> np.ndarray:
    """0 deg until 2 s, a smooth bend to 50 deg at 4 s, back up by 6 s."""
    return 50.0 * np.sin(np.pi * np.clip((t - 2.0) / 4.0, 0.0, 1.0)) ** 2


# ------------------------------------------------------- who is out of view
def test_a_side_view_person_in_view_is_never_asked_to_step_back_into_view() -> None:
    # From the side, side bending is not measured (NaN by design) but the person is seen.
    t = times(8.0)
    states = run([sample(ti, NAN, fi) for ti, fi in zip(t, forward_bend(t), strict=True)])
    assert not [s for s in states if s.cue == STEP_INTO_VIEW]
    after = {s.phase for ti, s in zip(t, states, strict=True) if ti >= 1.0}
    assert after == {"untracked"}  # says the rep is not followed, not that they left


def test_a_person_who_leaves_is_asked_back_and_the_cue_goes_when_they_return() -> None:
    t = times(9.0)
    away = (t >= 3.0) & (t < 6.0)
    states = run([sample(ti, 0.0, 0.0, valid=not a) for ti, a in zip(t, away, strict=True)])
    assert {s.phase for s, a in zip(states, away, strict=True) if a} == {"paused"}
    asked = [ti for ti, s in zip(t, states, strict=True) if s.cue == STEP_INTO_VIEW]
    assert asked and 4.0 <= min(asked) and max(asked) < 6.0
    back = int(np.argmax(t >= 6.0))
    assert states[back].phase == "ready" and states[back].cue is None


def test_the_counter_tells_lost_from_seen_but_unmeasured() -> None:
    counter = RepCounter(calibrated=True)
    counter.update(0.0, 0.0, 0.0)
    counter.update(0.1, NAN, 20.0, valid=True)
    assert counter.state is RepState.UNTRACKED
    assert not live_cues(replace(counter.snapshot(), state_elapsed_s=5.0))
    counter.update(0.2, NAN, NAN, valid=False)
    assert counter.state is RepState.PAUSED
    assert [c.id for c in live_cues(replace(counter.snapshot(), state_elapsed_s=5.0))] == [
        "step_into_view"
    ]
    counter.update(0.3, 0.0, 0.0)
    assert counter.state is RepState.READY


def half_circle(t: np.ndarray, t0: float) -> tuple[np.ndarray, np.ndarray]:
    """A 4 s right-first half circle (30 deg sides, 50 deg front) starting at ``t0``."""
    u = np.clip((t - t0) / 4.0, 0.0, 1.0)
    phi = np.pi * u
    amp = np.sin(np.pi * u) ** 0.5
    return 30.0 * np.cos(phi) * amp, 50.0 * np.sin(phi) * amp


@pytest.mark.parametrize("gap", [(4.0, 4.5), (3.5, 6.0)], ids=["bridged", "long"])
def test_reps_are_the_same_whether_angles_are_lost_or_unmeasured(gap: tuple[float, float]) -> None:
    t = times(10.0)
    lat, fwd = half_circle(t, 2.0)
    hole = (t >= gap[0]) & (t < gap[1])

    def records(seen: bool) -> list[tuple[str, float, float]]:
        counter = RepCounter(calibrated=True)
        for ti, a, b, h in zip(t, lat, fwd, hole, strict=True):
            if h:
                counter.update(float(ti), NAN, float(b) if seen else NAN, valid=seen)
            else:
                counter.update(float(ti), float(a), float(b))
        counter.finish()
        return [(r.outcome, r.start_s, r.end_s) for r in counter.records]

    assert records(seen=True) == records(seen=False) != []


# ------------------------------------------------ state-bound cues withdrawn
def test_hold_still_leaves_the_screen_when_calibration_ends() -> None:
    t = times(4.0)
    lat, fwd = half_circle(t, 2.3)
    states = run([sample(*v) for v in zip(t, lat, fwd, strict=True)])
    shown = [ti for ti, s in zip(t, states, strict=True) if s.cue == HOLD_STILL]
    assert shown and max(shown) < 1.0
    assert all(s.phase != "calibrating" for ti, s in zip(t, states, strict=True) if ti >= 1.0)


def test_hold_still_leaves_the_screen_when_live_calibration_ends() -> None:
    t = times(4.0)
    states = run([sample(ti, 0.0, 0.0) for ti in t], calibrated_from_s=None)
    assert [s.cue for ti, s in zip(t, states, strict=True) if ti >= 1.0] == [None] * int(
        (t >= 1.0).sum()
    )


def test_the_calibration_and_away_cues_are_state_bound() -> None:
    bound = {rule.id for rule in LIVE_CUE_RULES if rule.state_bound}
    assert {"hold_still", "step_into_view"} <= bound
    # corrections keep their full display time while their phase lasts: the person
    # needs time to read them
    assert not bound & {"hips_wall", "soft_knees", "slow_front", "easy_pace"}
    during = {rule.id: rule.during for rule in LIVE_CUE_RULES}
    assert during["slow_front"] == ("front",)
    assert all(during[i] for i in ("hips_wall", "soft_knees", "easy_pace"))


# ------------------------------------ corrections come down with their phase
SLOW_FRONT = TEXT["slow_front"]
HIPS = TEXT["hips_wall"]


def fast_half_circle(t: np.ndarray, t0: float, duration_s: float) -> tuple[np.ndarray, np.ndarray]:
    """A right-first half circle (30 deg sides, 50 deg front) of ``duration_s`` from ``t0``."""
    u = np.clip((t - t0) / duration_s, 0.0, 1.0)
    amp = np.sin(np.pi * u) ** 0.5
    return 30.0 * np.cos(np.pi * u) * amp, 50.0 * np.sin(np.pi * u) * amp


def test_slow_down_through_the_front_comes_down_when_the_front_is_passed() -> None:
    # A rushed 1.5 s half circle: the cue is true in the front, not on the second side.
    t = times(11.0)
    lat, fwd = fast_half_circle(t, 4.0, 1.5)
    states = run([sample(*v) for v in zip(t, lat, fwd, strict=True)])
    phases = {s.phase for s in states if s.cue == SLOW_FRONT}
    assert phases == {"front"}, phases


def test_the_rep_feedback_shows_once_the_person_is_back_upright() -> None:
    # The front cue no longer holds the slot after the rep, so the rep's own feedback
    # is shown while the person stands ready, and nothing in the rep is still up.
    t = times(11.0)
    lat, fwd = fast_half_circle(t, 4.0, 1.5)
    states = run([sample(*v) for v in zip(t, lat, fwd, strict=True)])
    after = [(s.phase, s.cue) for ti, s in zip(t, states, strict=True) if ti >= 5.4 and s.cue]
    assert after and {p for p, _ in after} == {"ready"}, after
    assert not {c for _, c in after} & set(TEXT.values()), after  # the rep's own feedback


def test_a_posture_cue_comes_down_when_the_person_leaves_the_view() -> None:
    # The hips read shifted mid-rep (a camera that pans away reads the same), then the
    # person is lost: "keep your hips against the wall" must not stay up while unseen.
    t = times(11.0)
    lat, fwd = half_circle(t, 3.0)
    gone = t >= 4.5
    frames = []
    for ti, a, b, g in zip(t, lat, fwd, gone, strict=True):
        s = sample(ti, NAN if g else a, NAN if g else b, valid=not g)
        frames.append(replace(s, pelvis_shift_cm=NAN if g else 6.0 * (ti > 3.5)))
    states = run(frames)
    hips = [s.phase for s in states if s.cue == HIPS]
    assert hips and set(hips) <= {"side_a", "front", "side_b", "returning"}, hips
    asked = [ti for ti, s in zip(t, states, strict=True) if s.cue == STEP_INTO_VIEW]
    # asked once away for a second, without waiting out the cooldown of the hips cue
    assert asked and min(asked) <= 4.5 + 1.0 + 0.1, asked


HOLD = Cue("hold", "Hold.", 90, state_bound=True)
TIP = Cue("tip", "Tip.", 50)


def test_selector_withdraws_a_state_bound_cue_once_its_rule_stops_holding() -> None:
    sel = CueSelector(display_s=3.0, cooldown_s=2.0, repeat_cooldown_s=15.0)
    assert sel.update(0.0, [HOLD]) == HOLD
    assert sel.update(0.5, [HOLD]) == HOLD
    assert sel.update(1.0, [TIP]) is None and sel.current(1.0) is None  # withdrawn
    assert sel.update(2.9, [TIP]) is None  # the cooldown runs from the withdrawal
    assert sel.update(3.0, [TIP]) == TIP


def test_selector_keeps_a_plain_cue_up_for_its_display_time() -> None:
    sel = CueSelector(display_s=3.0, cooldown_s=2.0, repeat_cooldown_s=15.0)
    assert sel.update(0.0, [TIP]) == TIP
    assert sel.update(1.0, []) == TIP
    assert sel.update(2.9, [HOLD]) == TIP


# ------------------------------------------------------------ overlay words
@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text the overlay draws (cv2.putText spied on)."""
    import halfcircle.present.overlay as overlay

    texts: list[str] = []
    real = overlay.cv2.putText

    def spy(image: Any, text: str, *args: Any, **kwargs: Any) -> Any:
        texts.append(text)
        return real(image, text, *args, **kwargs)

    monkeypatch.setattr(overlay.cv2, "putText", spy)
    return texts


def draw(info: OverlayInfo) -> None:
    draw_overlay(np.zeros((480, 640, 3), np.uint8), None, info)


@pytest.mark.parametrize("value", [-0.4, -0.0, 0.3, -0.49])
def test_rounded_angles_never_read_minus_zero(drawn: list[str], value: float) -> None:
    draw(OverlayInfo(lateral_deg=value, forward_deg=value, fps=-0.2, latency_ms=-0.1))
    assert "Forward    0 deg" in drawn and "Side bend  0 deg" in drawn
    assert not [s for s in drawn if "-0" in s], drawn


def test_angles_keep_their_sign_and_side(drawn: list[str]) -> None:
    draw(OverlayInfo(lateral_deg=-12.4, forward_deg=-3.6))
    assert "Side bend  12 deg left" in drawn and "Forward    -4 deg" in drawn


def test_a_half_degree_rounds_the_same_for_both_angles(drawn: list[str]) -> None:
    draw(OverlayInfo(lateral_deg=-0.5, forward_deg=-0.5))
    assert "Side bend  1 deg left" in drawn and "Forward    -1 deg" in drawn


@pytest.mark.parametrize("state", list(RepState), ids=lambda s: s.value)
def test_every_rep_state_has_plain_words(state: RepState) -> None:
    words = PHASE_WORDS[state.value]
    assert words and "_" not in words and words == words.lower()
    assert len(words) <= 18  # fits the gauge panel beside "Reps 12"


@pytest.mark.parametrize(
    ("phase", "words"),
    [
        ("side_a", "first side"),
        ("front", "through the front"),
        ("side_b", "second side"),
        ("returning", "coming up"),
    ],
)
def test_the_overlay_shows_phases_in_plain_words(drawn: list[str], phase: str, words: str) -> None:
    draw(OverlayInfo(phase=phase, reps=1))
    assert f"Reps 1   {words}" in drawn


def test_getting_ready_reads_the_same_live_and_in_the_annotated_video() -> None:
    # live shows its stage "calibrate", the annotated video the rep state "calibrating"
    assert phase_words("calibrate") == phase_words("calibrating") == "getting ready"


def test_seen_but_unmeasured_does_not_read_as_paused() -> None:
    assert phase_words("untracked") != phase_words("paused")
    assert phase_words("something_new") == "something new"


def test_snapshot_fields_are_unchanged_for_the_rules() -> None:
    # The rules read snapshot fields by name; every field a rule names exists.
    names = {f.name for f in fields(LiveSnapshot)}
    for rule in LIVE_CUE_RULES:
        assert {c.field for c in rule.when} <= names, rule.id


# ---------------------------------------------- "Calibrated. Start ..." in time
def test_calibrated_start_comes_down_when_the_first_movement_starts() -> None:
    from halfcircle.live.coach import CALIBRATED_MESSAGE, LiveCoach
    from halfcircle.synthetic import half_circle as rest_rep_rest
    from halfcircle.synthetic import synthetic_clip

    # The person starts bending well within the message's two seconds.
    lat, fwd = rest_rep_rest(n_rest=45, n_rep=120)
    seq = synthetic_clip(lat, fwd, noise_px=0.5, seed=1).seq
    coach = LiveCoach(seq.image_size)
    frames = [coach.update(seq.frame(i)) for i in range(len(seq))]
    shown = [f.state.phase for f in frames if f.message == CALIBRATED_MESSAGE]
    assert shown and set(shown) == {"ready"}, shown
    moving = [i for i, f in enumerate(frames) if f.state.phase != "ready" and f.stage == "practice"]
    assert moving and frames[moving[0]].message != CALIBRATED_MESSAGE


# ------------------------------ "I lost sight of you" only when really lost
def _folded_out_of_reach(seq: Any, frames: slice) -> Any:
    """``seq`` with the torso unreadable (visibility 0.1) in ``frames``, body in the picture.

    What deep forward flexion does to the pose model facing the camera: the person is
    found, their landmarks lie inside the picture, the shoulders and hips read as unseen.
    """
    from halfcircle.kinematics.geometry import TORSO
    from halfcircle.landmarks import PoseSequence

    vis = seq.visibility.copy()
    vis[frames, TORSO] = 0.1
    return PoseSequence(seq.time_s, seq.image, seq.world, vis, seq.presence, seq.n_people,
                        seq.image_size, seq.fps)  # fmt: skip


def _rep_in_a_gap(kind: str) -> tuple[Any, slice]:
    from halfcircle.synthetic import half_circle as rest_rep_rest
    from halfcircle.synthetic import synthetic_clip
    from tests.conftest import without_person

    lat, fwd = rest_rep_rest(n_rest=60, n_rep=180)
    seq = synthetic_clip(lat, fwd, noise_px=0.5, seed=2).seq
    gap = slice(60 + 70, 60 + 118)  # 1.6 s round the front: longer than any bridge
    change = _folded_out_of_reach if kind == "folded" else without_person
    return change(seq, gap), gap


@pytest.mark.parametrize("path", ["live", "recording"])
def test_deep_flexion_in_full_view_is_never_called_lost(path: str) -> None:
    from halfcircle.analyze.video import analyze_poses
    from halfcircle.live.coach import LiveCoach

    seq, gap = _rep_in_a_gap("folded")
    if path == "live":
        coach = LiveCoach(seq.image_size)
        frames = [coach.update(seq.frame(i)) for i in range(len(seq))]
        cues, phases = [f.message for f in frames], [f.state.phase for f in frames]
    else:
        analysis = analyze_poses(seq)
        cues, phases = [s.cue for s in analysis.states], [s.phase for s in analysis.states]
        assert not [n for n in analysis.notes if "left the view" in n], analysis.notes
        assert [n for n in analysis.notes if "you stayed in view" in n], analysis.notes
    said = {c for c in cues if c}
    assert not [c for c in said if "lost sight" in c or "into view" in c], said
    assert set(phases[gap]) == {"untracked"}  # seen, not measured; not "paused"
    assert "I couldn't follow that one all the way. Go again when you're ready." in said


def test_a_person_who_really_leaves_mid_rep_is_told_so() -> None:
    from halfcircle.live.coach import LiveCoach

    seq, gap = _rep_in_a_gap("gone")
    coach = LiveCoach(seq.image_size)
    frames = [coach.update(seq.frame(i)) for i in range(len(seq))]
    assert set(f.state.phase for f in frames[gap]) == {"paused"}
    said = {f.message for f in frames if f.message}
    assert any("lost sight" in c for c in said), said


@pytest.mark.parametrize(
    ("interrupted", "ended_by", "words"),
    [(False, None, "the end of the video"), (True, "closing the window", "closing the window")],
)
def test_a_rep_cut_by_the_end_of_the_recording_is_said_to_be_cut_by_it(
    interrupted: bool, ended_by: str | None, words: str
) -> None:
    from halfcircle.analyze.video import analyze_poses, rep_dicts
    from halfcircle.synthetic import half_circle as rest_rep_rest
    from halfcircle.synthetic import synthetic_clip

    lat, fwd = rest_rep_rest(n_rest=60, n_rep=180)
    seq = synthetic_clip(lat[:150], fwd[:150], noise_px=0.5, seed=2).seq  # ends mid-rep
    analysis = analyze_poses(seq, interrupted=interrupted, ended_by=ended_by)
    (rep,) = analysis.reps
    assert rep.outcome == "incomplete" and rep.cut_short
    (note,) = [n for n in analysis.notes if "rep 1" in n.lower()]
    assert note.startswith(f"Rep 1 was cut short by {words} (")
    assert rep_dicts(analysis)[0][0]["cues"] == []  # neither "lost sight" nor "couldn't follow"


# ------------------------- a recalibration zeroes on an upright stance, not a bend
def _held(seq: Any, a_s: float, b_s: float, hold_s: float) -> tuple[list[Any], float, float]:
    """``seq``'s frames with its stretch ``a_s``-``b_s`` held for ``hold_s``, and the hold's span.

    The stretch's real poses played forward and back until ``hold_s`` is filled (the
    pose model's own jitter, no jump), then the rest of the clip; timed at its rate.
    """
    a, b = round(a_s * seq.fps), round(b_s * seq.fps)
    part, hold = list(range(a, b + 1)), []
    while len(hold) < hold_s * seq.fps:
        hold, part = hold + part, part[::-1]
    order = [*range(a), *hold, *range(b + 1, len(seq))]
    frames = [replace(seq.frame(j), time_s=k / seq.fps) for k, j in enumerate(order)]
    return frames, a / seq.fps, (a + len(hold)) / seq.fps


#: session_side_bends_front (truth CSV): 20 deg to the right held 10.43-11.17 s;
#: quiet standing 8.40-9.37 s; each stretched to a hold of 2.5 s.
HELD = {"side_bend": (10.43, 11.17), "standing": (8.40, 9.37)}


@pytest.mark.parametrize("held", ["side_bend", "standing"])
def test_a_recalibration_asked_during_a_held_bend_waits_for_an_upright_stance(
    held: str,
) -> None:
    from halfcircle.live.coach import UPRIGHT_MESSAGE, LiveCoach
    from tests.conftest import fixture_poses

    seq = fixture_poses("session_side_bends_front")
    frames, start, end = _held(seq, *HELD[held], hold_s=2.5)
    coach = LiveCoach(seq.image_size)
    shown: list[tuple[float, str | None]] = []
    calibrated_at: list[float] = []
    for f in frames:
        if start + 0.1 <= f.time_s < start + 0.1 + 1 / FPS:
            coach.recalibrate()  # `c`, a moment into the hold
        was = coach.calibrated
        cf = coach.update(f)
        shown.append((f.time_s, cf.message))
        if coach.calibrated and not was:
            calibrated_at.append(f.time_s)
    first, again = calibrated_at
    assert first < 1.5
    peaks = [max(r.metrics.peak_lateral_right_deg, r.metrics.peak_lateral_left_deg)
             for r in coach.aborted if r.start_s > again]  # fmt: skip
    if held == "standing":  # quiet standing: zeroed after the calibration's one second
        assert again < start + 0.1 + 1.2
        assert {m for t, m in shown if start + 0.1 < t < again} != {UPRIGHT_MESSAGE}
    else:  # not on the bend (it read "34 deg right" upright, 37-39 deg side bends)
        assert again > end
        said = {m for t, m in shown if start + 0.2 < t < end}
        assert said == {UPRIGHT_MESSAGE}
    # the side bends after it read as before it: 19-20 deg (truth 20, 26 deg)
    assert len(peaks) >= 4 and all(15.0 < p < 30.0 for p in peaks), peaks
