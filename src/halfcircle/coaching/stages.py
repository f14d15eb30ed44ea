"""The program's stages, when one is mastered, and targets that grow in small steps.

``DOMAIN.md`` ("The program"): 1 side bends along the wall, 2 roll-downs along the wall,
3 the half circle that joins them, 4 the routine. A person moves on when the current
stage is controlled, smooth and comfortable, not on a calendar, and may always go back.
Range grows in small steps from what already feels fine, only after sessions whose pain
stayed settled, and eases off after a clear rise (:mod:`halfcircle.coaching.painmodel`).

Everything here is a pure function of data: the sessions done at each stage (their
controlled reps per side and their pain) and the rules, which are settings with
documented defaults.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from halfcircle.coaching.painmodel import (
    CARRY_ON,
    EASE_OFF,
    SEE_CLINICIAN,
    PainDecision,
    PainRating,
    PainRules,
)

__all__ = [
    "STAGES",
    "STAGE_SIDES",
    "STAGE_WORDS",
    "MasteryRule",
    "SetPlan",
    "StageSession",
    "TargetRule",
    "next_set",
    "next_target",
    "proposed_stage",
    "session_qualifies",
    "stage_mastered",
]

#: The stages in order.
STAGES: Final = ("side_bends", "roll_downs", "half_circle", "routine")
#: How each stage reads to a person.
STAGE_WORDS: Final = {
    "side_bends": "side bends along the wall",
    "roll_downs": "roll-downs along the wall",
    "half_circle": "the half circle",
    "routine": "the routine",
}
#: The sides whose controlled reps each count towards mastering a stage.
STAGE_SIDES: Final[dict[str, tuple[str, ...]]] = {
    "side_bends": ("left", "right"),
    "roll_downs": ("front",),
    "half_circle": ("right_first", "left_first"),
    "routine": (),  # the last stage: kept, not mastered
}


@dataclass(frozen=True)
class MasteryRule:
    """When a stage is mastered (settings with these defaults).

    Attributes:
        sessions: The latest this many sessions at the stage must each qualify.
        reps_per_side: Controlled, smooth reps each side needed in a session (a half
            circle counts its direction: right first or left first).
        max_pain_rise: The session's pain may rise by at most this (points of 0-10).
    """

    sessions: int = 2
    reps_per_side: int = 5
    max_pain_rise: int = PainRules().meaningful_rise - 1


@dataclass(frozen=True)
class StageSession:
    """One session at a stage: its day, controlled reps per side, and its pain."""

    day: date
    stage: str
    good_reps: Mapping[str, int] = field(default_factory=dict)
    pain: PainRating = field(default_factory=PainRating)


def session_qualifies(session: StageSession, rule: MasteryRule | None = None) -> bool:
    """Whether a session shows its stage controlled, smooth and comfortable."""
    rule = rule or MasteryRule()
    sides = STAGE_SIDES[session.stage]
    if not sides:
        return False
    enough = all(session.good_reps.get(side, 0) >= rule.reps_per_side for side in sides)
    p = session.pain
    rise = p.after - p.before if p.before is not None and p.after is not None else 0
    return enough and rise <= rule.max_pain_rise


def stage_mastered(
    sessions: Sequence[StageSession], stage: str, rule: MasteryRule | None = None
) -> bool:
    """Whether the latest ``rule.sessions`` sessions at ``stage`` each qualify."""
    rule = rule or MasteryRule()
    at_stage = [s for s in sessions if s.stage == stage]
    latest = at_stage[-rule.sessions :]
    return len(latest) == rule.sessions and all(session_qualifies(s, rule) for s in latest)


def proposed_stage(sessions: Sequence[StageSession], rule: MasteryRule | None = None) -> str:
    """The stage to practise next: the latest one's, or the one after it once mastered.

    ``sessions`` oldest first. With none, the first stage. A person who went back to an
    earlier stage is proposed that stage (they may always go back), and moves on from
    there by the same rule.
    """
    if not sessions:
        return STAGES[0]
    current = sessions[-1].stage
    i = STAGES.index(current)
    if i + 1 < len(STAGES) and stage_mastered(sessions, current, rule):
        return STAGES[i + 1]
    return current


@dataclass(frozen=True)
class TargetRule:
    """How a drill's target range moves between sessions (deg).

    Attributes:
        step_deg: Growth after a settled session in which the target was reached.
        ease_deg: Reduction after a session whose pain asks to ease off.
        floor_deg: The target never goes below this.
    """

    step_deg: float = 3.0
    ease_deg: float = 3.0
    floor_deg: float = 5.0


def next_target(
    comfortable_deg: float,
    previous_target_deg: float | None,
    reached_deg: float | None,
    decision: PainDecision | None,
    rule: TargetRule | None = None,
) -> float:
    """The target range (deg) of the next session.

    ``comfortable_deg`` is the furthest the person reached comfortably (the assessment,
    or earlier sessions); the first target is that. Afterwards the target grows by
    ``step_deg`` only when the last session reached it and its pain stayed settled (a
    :data:`~halfcircle.coaching.painmodel.CARRY_ON`: no rise, or a rise of 1, which is
    noise, and no pain above 5), never beyond the comfortable
    reach plus one step; it comes down by ``ease_deg`` after an
    :data:`~halfcircle.coaching.painmodel.EASE_OFF`; otherwise it stays.
    """
    rule = rule or TargetRule()
    if previous_target_deg is None:
        return max(rule.floor_deg, comfortable_deg)
    target = previous_target_deg
    if decision is not None and decision.action == EASE_OFF:
        target -= rule.ease_deg
    elif (
        decision is not None
        and decision.action == CARRY_ON
        and reached_deg is not None
        and reached_deg >= previous_target_deg
    ):
        target = min(previous_target_deg + rule.step_deg, comfortable_deg + rule.step_deg)
    return max(rule.floor_deg, target)


@dataclass(frozen=True)
class SetPlan:
    """A set: how many reps, and the tempo (s per rep, slower is longer)."""

    reps: int = 6
    tempo_s: float = 8.0


def next_set(previous: SetPlan, decision: PainDecision | None) -> SetPlan:
    """The next set: after an ease-off, two reps fewer (at least 3) and 2 s slower a rep.

    So too after pain higher at the start of several sessions in a row
    (:data:`~halfcircle.coaching.painmodel.SEE_CLINICIAN`): until a clinician has been
    asked, gently.
    """
    if decision is not None and decision.action in (EASE_OFF, SEE_CLINICIAN):
        return SetPlan(max(3, previous.reps - 2), previous.tempo_s + 2.0)
    return previous
