"""The program's stages: mastery across sessions, going back, and targets in small steps."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from halfcircle.coaching.painmodel import PainRating, pain_decision
from halfcircle.coaching.stages import (
    STAGES,
    MasteryRule,
    SetPlan,
    StageSession,
    TargetRule,
    next_set,
    next_target,
    proposed_stage,
    session_qualifies,
    stage_mastered,
)

DAY0 = date(2026, 11, 2)


def _s(day: int, stage: str, reps: dict[str, int], pain: tuple[int, int] = (2, 2)) -> StageSession:
    return StageSession(DAY0 + timedelta(days=day), stage, reps, PainRating(*pain))


GOOD_BENDS = {"left": 6, "right": 5}


@pytest.mark.parametrize(
    ("session", "qualifies"),
    [
        (_s(0, "side_bends", GOOD_BENDS), True),
        (_s(0, "side_bends", {"left": 6, "right": 4}), False),  # one side short
        (_s(0, "side_bends", GOOD_BENDS, (2, 3)), True),  # a rise of 1 is noise
        (_s(0, "side_bends", GOOD_BENDS, (2, 4)), False),  # a rise of 2 is not comfortable
        (_s(0, "roll_downs", {"front": 5}), True),
        (_s(0, "half_circle", {"right_first": 5, "left_first": 5}), True),
        (_s(0, "half_circle", {"right_first": 10}), False),
        (_s(0, "routine", {"front": 50}), False),  # the last stage is kept, not mastered
    ],
)
def test_a_session_qualifies_when_controlled_and_comfortable(
    session: StageSession, qualifies: bool
) -> None:
    assert session_qualifies(session) is qualifies


def test_stages_unlock_one_after_another_across_sessions() -> None:
    history: list[StageSession] = []
    assert proposed_stage(history) == "side_bends"
    history.append(_s(0, "side_bends", GOOD_BENDS))
    assert proposed_stage(history) == "side_bends"  # one good session is not yet two
    history.append(_s(2, "side_bends", {"left": 6, "right": 2}))
    assert proposed_stage(history) == "side_bends"
    history.append(_s(4, "side_bends", GOOD_BENDS))
    assert proposed_stage(history) == "side_bends"  # the latest two must both qualify
    history.append(_s(6, "side_bends", GOOD_BENDS))
    assert proposed_stage(history) == "roll_downs"
    history += [_s(8, "roll_downs", {"front": 5}), _s(9, "roll_downs", {"front": 7})]
    assert proposed_stage(history) == "half_circle"
    history += [_s(11, "half_circle", {"right_first": 5, "left_first": 6})] * 2
    assert proposed_stage(history) == "routine"
    history.append(_s(14, "routine", {}))
    assert proposed_stage(history) == "routine"


def test_a_person_may_go_back_and_moves_on_again_by_the_same_rule() -> None:
    history = [_s(0, "side_bends", GOOD_BENDS), _s(1, "side_bends", GOOD_BENDS),
               _s(3, "roll_downs", {"front": 2}), _s(5, "side_bends", GOOD_BENDS)]  # fmt: skip
    assert proposed_stage(history) == "roll_downs"  # side bends still mastered
    assert stage_mastered(history, "side_bends") and not stage_mastered(history, "roll_downs")


def test_the_mastery_rule_is_data() -> None:
    one = MasteryRule(sessions=1, reps_per_side=3)
    assert proposed_stage([_s(0, "side_bends", {"left": 3, "right": 3})], one) == "roll_downs"
    assert STAGES[-1] == "routine"


def test_targets_start_at_what_feels_fine_and_grow_only_after_settled_sessions() -> None:
    rule = TargetRule(step_deg=3.0, ease_deg=3.0)
    settled = pain_decision([PainRating(2, 2)])
    small_rise = pain_decision([PainRating(2, 3)])
    eased = pain_decision([PainRating(2, 5)])
    target = next_target(24.0, None, None, None, rule)
    assert target == 24.0  # the comfortable reach of the assessment, no step yet
    target = next_target(24.0, target, 24.5, settled, rule)
    assert target == 27.0  # reached, pain settled: one small step
    assert next_target(24.0, target, 25.0, settled, rule) == 27.0  # not reached: stays
    assert next_target(24.0, target, 28.0, settled, rule) == 27.0  # never past reach + step
    assert next_target(27.0, target, 28.0, settled, rule) == 30.0  # the reach grew: so may it
    assert next_target(27.0, target, 28.0, small_rise, rule) == 30.0  # a rise of 1 is noise
    assert next_target(27.0, target, 28.0, eased, rule) == 24.0  # a clear rise: ease off
    assert next_target(4.0, 6.0, None, eased, rule) == rule.floor_deg


def test_easing_off_means_fewer_reps_and_slower() -> None:
    eased = pain_decision([PainRating(2, 5)])
    assert next_set(SetPlan(6, 8.0), eased) == SetPlan(4, 10.0)
    assert next_set(SetPlan(4, 10.0), eased) == SetPlan(3, 12.0)
    assert next_set(SetPlan(6, 8.0), pain_decision([PainRating(2, 2)])) == SetPlan(6, 8.0)
    # pain higher at the start of three sessions in a row: gently too, until asked
    rising = pain_decision([PainRating(2, 2), PainRating(3, 3), PainRating(4, 4)])
    assert rising is not None and rising.action == "see a clinician"
    assert next_set(SetPlan(6, 8.0), rising) == SetPlan(4, 10.0)
