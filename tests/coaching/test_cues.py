"""Cue rules (data) and the one-at-a-time selector with cooldown."""

from __future__ import annotations

import re
from dataclasses import fields, replace

import numpy as np
import pytest

from halfcircle.coaching.cues import (
    LIVE_CUE_RULES,
    REP_CUE_RULES,
    Condition,
    Cue,
    CueRule,
    CueSelector,
    live_cue_rules,
    live_cues,
    matching_cues,
    rep_context,
    rep_cues,
)
from halfcircle.coaching.reps import LiveSnapshot, RepCounter
from halfcircle.coaching.scoring import MetricConfig, half_circle_path
from halfcircle.errors import ValidationError
from tests.conftest import typical_rep_metrics

BASE = typical_rep_metrics()

SNAP = LiveSnapshot(
    time_s=10.0,
    state="front",
    direction="right_first",
    rep_in_progress=True,
    complete_reps=0,
    lateral_deg=2.0,
    forward_deg=40.0,
    inclination_deg=40.0,
    phi_deg=87.0,
    speed_deg_s=40.0,
    state_elapsed_s=0.5,
    pelvis_shift_cm=float("nan"),
    pelvis_tilt_deg=float("nan"),
    knee_flexion_deg=float("nan"),
)

ALARMING = re.compile(r"\b(pain|hurt|danger|injur|wrong|bad|stop|warning|careful|never)", re.I)


# --------------------------------------------------------------- rules as data
@pytest.mark.parametrize("rules", [REP_CUE_RULES, LIVE_CUE_RULES], ids=["rep", "live"])
def test_rule_tables_are_well_formed(rules) -> None:
    ids = [r.id for r in rules]
    assert len(ids) == len(set(ids))
    for rule in rules:
        assert rule.when, rule.id
        assert 8 <= len(rule.text) <= 75, rule.text
        assert rule.text[0].isupper() and rule.text.endswith("."), rule.text
        assert not ALARMING.search(rule.text), rule.text
        assert "!" not in rule.text


def test_rule_fields_exist_in_their_contexts() -> None:
    rep_keys = set(rep_context(BASE, 50.0))
    live_keys = {f.name for f in fields(LiveSnapshot)}
    for rule in REP_CUE_RULES:
        assert {c.field for c in rule.when} <= rep_keys, rule.id
    for rule in LIVE_CUE_RULES:
        assert {c.field for c in rule.when} <= live_keys, rule.id


def test_state_names_in_live_rules_are_real_states() -> None:
    from halfcircle.coaching.reps import RepState

    names = {s.value for s in RepState}
    for rule in LIVE_CUE_RULES:
        for c in rule.when:
            if c.field == "state":
                values = c.value if isinstance(c.value, tuple) else (c.value,)
                assert set(values) <= names, rule.id


# --------------------------------------------------------- per-rep feedback
@pytest.mark.parametrize(
    ("changes", "score", "expected"),
    [
        ({}, 92.0, "lovely"),
        ({}, 70.0, "good"),
        ({"outcome": "aborted"}, None, "aborted"),
        ({"outcome": "incomplete"}, None, "incomplete"),
        ({"pelvis_shift_max_cm": 4.0, "compensations": ("pelvis_shift",)}, 80.0, "hips_wall"),
        ({"pelvis_tilt_max_deg": 30.0, "compensations": ("pelvis_tilt",)}, 80.0, "pelvis_level"),
        ({"knees_locked": True, "compensations": ("knees_locked",)}, 80.0, "soft_knees"),
        ({"reversals": 1}, 60.0, "one_direction"),
        ({"front_speed_deg_s": 95.0}, 80.0, "slow_front"),
        ({"duration_s": 2.5}, 80.0, "more_time"),
        ({"lateral_asymmetry_deg": 9.0}, 80.0, "further_left"),
        ({"lateral_asymmetry_deg": -9.0}, 80.0, "further_right"),
        ({"arc_coverage_deg": 120.0}, 80.0, "full_sweep"),
        ({"sparc": -3.5}, 60.0, "flow"),
    ],
)
def test_each_rep_rule_fires_first_for_its_case(changes, score, expected) -> None:
    cues = rep_cues(replace(BASE, **changes), score)
    assert cues and cues[0].id == expected


def test_perfect_rep_gets_only_praise() -> None:
    assert [c.id for c in rep_cues(BASE, 95.0, limit=None)] == ["lovely"]


def test_several_matches_come_by_priority_and_are_limited() -> None:
    m = replace(BASE, reversals=2, lateral_asymmetry_deg=10.0, compensations=("pelvis_shift",))
    ids = [c.id for c in rep_cues(m, 50.0, limit=None)]
    assert ids[:3] == ["hips_wall", "one_direction", "further_left"]
    assert len(rep_cues(m, 50.0)) == 2


def test_unmeasured_values_never_trigger() -> None:
    m = replace(BASE, front_speed_deg_s=float("nan"), knees_locked=None)
    assert [c.id for c in rep_cues(m, None, limit=None)] == []


@pytest.mark.parametrize(
    ("cond", "value", "holds"),
    [
        (Condition("x", "<", 5), 4, True),
        (Condition("x", "<", 5), 5, False),
        (Condition("x", "<=", 5), 5, True),
        (Condition("x", ">", 5), 6, True),
        (Condition("x", ">=", 5), 4.9, False),
        (Condition("x", "==", "front"), "front", True),
        (Condition("x", "!=", "front"), "front", False),
        (Condition("x", "in", ("a", "b")), "b", True),
        (Condition("x", "abs>", 3), -4, True),
        (Condition("x", "abs>", 3), 2, False),
        (Condition("x", ">", 5), None, False),
        (Condition("x", "<", 5), float("nan"), False),
    ],
)
def test_condition_operators(cond, value, holds) -> None:
    assert cond.holds({"x": value}) is holds
    assert cond.holds({}) is False


def test_custom_rules_are_just_data() -> None:
    rules = (
        CueRule("deep", "Lovely depth at the front.", (Condition("peak_forward_deg", ">", 45),)),
    )
    assert [c.text for c in rep_cues(BASE, 80.0, rules)] == ["Lovely depth at the front."]


# ------------------------------------------------------------------ live cues
@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, None),
        ({"speed_deg_s": 110.0}, "slow_front"),
        ({"pelvis_shift_cm": -3.5}, "hips_wall"),
        ({"knee_flexion_deg": 2.0}, "soft_knees"),
        ({"state": "side_b", "speed_deg_s": 150.0}, "easy_pace"),
        ({"state": "paused", "state_elapsed_s": 1.5}, "step_into_view"),
        ({"state": "paused", "state_elapsed_s": 0.2}, None),
        ({"state": "calibrating"}, "hold_still"),
        ({"state": "ready", "rep_in_progress": False, "state_elapsed_s": 9.0}, "start_gently"),
        ({"state": "ready", "pelvis_shift_cm": 5.0}, None),
    ],
)
def test_live_rules(changes, expected) -> None:
    cues = live_cues(replace(SNAP, **changes))
    assert (cues[0].id if cues else None) == expected


def test_compensation_cues_follow_the_metric_limits() -> None:
    # After a rep: the compensations the metrics found (with MetricConfig's limits).
    assert "hips_wall" not in [c.id for c in rep_cues(replace(BASE, pelvis_shift_max_cm=4.0), 80.0)]
    # During a rep: the same limits, whatever they are set to.
    shifted = replace(SNAP, pelvis_shift_cm=4.0, knee_flexion_deg=6.0)
    assert [c.id for c in live_cues(shifted)] == ["hips_wall"]  # defaults: 3 cm, 5 deg
    wide = live_cue_rules(MetricConfig(pelvis_shift_limit_cm=6.0, knee_locked_deg=8.0))
    assert [c.id for c in live_cues(shifted, wide)] == ["soft_knees"]


def min_jerk(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return 10 * x**3 - 15 * x**4 + 6 * x**5


def live_cue_ids(duration: float) -> set[str]:
    t = np.arange(0.0, duration + 3.0, 1 / 30)
    lat, fwd = half_circle_path(min_jerk((t - 1.0) / duration), 30.0, 50.0)
    counter = RepCounter(calibrated=True)
    seen: set[str] = set()
    for ti, a, b in zip(t, lat, fwd, strict=True):
        counter.update(float(ti), float(a), float(b))
        seen |= {c.id for c in live_cues(counter.snapshot())}
    return seen


def test_rushing_through_the_front_is_cued_live_and_an_easy_pace_is_not() -> None:
    assert "slow_front" in live_cue_ids(2.5)
    assert live_cue_ids(6.0) == set()


# ------------------------------------------------------------------ selector
A, B, C = Cue("a", "Cue a.", 10), Cue("b", "Cue b.", 50), Cue("c", "Cue c.", 5)


def test_selector_shows_one_cue_then_cools_down() -> None:
    sel = CueSelector(display_s=3.0, cooldown_s=2.0, repeat_cooldown_s=15.0)
    assert sel.update(0.0, [A, B]) == B  # highest priority
    assert sel.update(1.0, [A]) == B  # stays up; nothing replaces it
    assert sel.current(2.9) == B
    assert sel.update(3.5, [A]) is None and sel.current(3.5) is None  # cooling down
    assert sel.update(5.0, [A, B]) == A  # B was shown too recently
    assert sel.update(20.0, [B, C]) == B  # repeat cooldown over


def test_selector_with_nothing_to_say() -> None:
    sel = CueSelector()
    assert sel.update(0.0, []) is None
    assert sel.update(0.1, [C]) == C  # no cue yet, so no cooldown either


def test_selector_equal_priority_keeps_rule_order() -> None:
    first, second = Cue("x", "X.", 5), Cue("y", "Y.", 5)
    assert CueSelector().update(0.0, [first, second]) == first


def test_selector_validates() -> None:
    with pytest.raises(ValidationError, match="cooldown_s"):
        CueSelector(cooldown_s=-1.0)


def test_matching_cues_sorted_by_priority() -> None:
    rules = [
        CueRule("lo", "Low.", (Condition("v", ">", 0),), 1),
        CueRule("hi", "High.", (Condition("v", ">", 0),), 9),
        CueRule("no", "No.", (Condition("v", "<", 0),), 99),
    ]
    assert [c.id for c in matching_cues({"v": 1}, rules)] == ["hi", "lo"]
    assert [c.id for c in matching_cues({"v": -1}, rules)] == ["no"]


def test_posted_feedback_waits_for_a_free_slot_then_expires() -> None:
    sel = CueSelector(display_s=3.0, cooldown_s=2.0, repeat_cooldown_s=15.0)
    assert sel.update(0.0, [C]) == C
    sel.post(1.0, [A, B], ttl_s=10.0)
    assert sel.update(2.0, []) == C  # C still up
    assert sel.update(5.0, []) == B  # slot free: best posted cue
    assert sel.update(10.0, []) == A  # next slot, A still within its time
    sel.post(11.0, [Cue("late", "Late.", 1)], ttl_s=1.0)
    assert sel.update(15.5, []) is None  # expired before a slot came


def test_record_cues_and_selector_with_a_counter() -> None:
    from halfcircle.coaching.cues import record_cues

    t = np.arange(0.0, 12.0, 1 / 30)
    lat, fwd = half_circle_path(min_jerk((t - 2.0) / 6.0), 30.0, 50.0)
    counter = RepCounter(calibrated=True)
    sel = CueSelector()
    shown = []
    for ti, a, b in zip(t, lat, fwd, strict=True):
        for event in counter.update(float(ti), float(a), float(b)):
            if event.record is not None:
                sel.post(float(ti), record_cues(event.record))
        cue = sel.update(float(ti), live_cues(counter.snapshot()))
        if cue and (not shown or shown[-1] != cue.id):
            shown.append(cue.id)
    assert shown == ["lovely"]


def test_a_rep_with_a_correction_is_not_called_smooth_and_gets_one_praise_at_most() -> None:
    fast_front = replace(BASE, front_speed_deg_s=95.0)
    # No praise at all beside a correction: "Good one" after "Slow down" says two things.
    assert [c.id for c in rep_cues(fast_front, 89.0, limit=None)] == ["slow_front"]
    assert [c.id for c in rep_cues(BASE, 70.0, limit=None)] == ["good"]


def test_a_low_score_is_never_praised() -> None:
    from halfcircle.coaching.cues import PRAISE_MAX_PRIORITY, PRAISE_MIN_SCORE

    for score in (0.0, 30.0, PRAISE_MIN_SCORE - 0.5):
        cues = rep_cues(BASE, score, limit=None)
        assert not [c for c in cues if c.priority <= PRAISE_MAX_PRIORITY], (score, cues)
    assert [c.id for c in rep_cues(BASE, PRAISE_MIN_SCORE, limit=None)] == ["good"]


def test_a_new_rep_takes_down_the_last_reps_feedback_but_not_a_live_cue() -> None:
    feedback = Cue("aborted", "Nice start.", 100)
    live = Cue("slow", "Slow down.", 50)
    sel = CueSelector(display_s=3.0, cooldown_s=2.0)
    sel.post(0.0, [feedback, Cue("good", "Good one.", 5)])
    assert sel.update(0.0, []) == feedback
    sel.drop_feedback(1.0)  # the next rep starts
    assert sel.current(1.0) is None and sel.update(1.5, []) is None
    assert sel.update(3.0, [live]) == live  # after the cooldown; the queued praise is gone
    sel.drop_feedback(3.5)
    assert sel.current(3.5) == live
    assert sel.update(9.0, []) is None
