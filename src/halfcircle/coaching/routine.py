"""Stage 4, the routine: a short warm-up or cool-down set made of the stages before it.

``DOMAIN.md`` ("The program", step 5): the half circle becomes part of the day, as a
warm-up, a cool-down or a pain-management routine. A routine is data: its steps in
order, each a movement (as ``reps.json`` names them), a side where it has one, and how
many reps. The warm-up grows from the smallest movement to the whole half circle; the
cool-down goes the other way and ends with gentle side bends. The person chooses which.

The rule of the stage, also data: a routine is *done* when every step has its reps
(:func:`routine_done`). The routine is the last stage: it is kept, not mastered
(:data:`halfcircle.coaching.stages.STAGE_SIDES` gives it no sides), and it is saved to
the history as a session at the stage ``routine``, each rep carrying the routine's name.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from halfcircle.errors import InputError

__all__ = [
    "ROUTINES",
    "ROUTINE_WORDS",
    "RoutineStep",
    "StepCount",
    "best_routine",
    "live_movement",
    "routine_done",
    "routine_progress",
    "routine_steps",
]


@dataclass(frozen=True)
class RoutineStep:
    """One step: ``movement`` (``side_bend``, ``roll_down``, ``half_circle``), ``side``, reps.

    ``side`` is ``right`` or ``left`` for a side bend, ``front`` for a roll-down, and
    None for half circles (either direction counts).
    """

    movement: str
    side: str | None
    reps: int

    @property
    def words(self) -> str:
        """How the step reads to a person: "3 side bends to the right"."""
        name = {"side_bend": "side bends", "roll_down": "roll-downs", "half_circle": "half circles"}
        where = f" to the {self.side}" if self.side in ("left", "right") else ""
        return f"{self.reps} {name[self.movement]}{where}"


#: The routines (defaults; a person picks one with a key or ``--routine``).
ROUTINES: Final[dict[str, tuple[RoutineStep, ...]]] = {
    "warm_up": (
        RoutineStep("side_bend", "right", 3),
        RoutineStep("side_bend", "left", 3),
        RoutineStep("roll_down", "front", 2),
        RoutineStep("half_circle", None, 2),
    ),
    "cool_down": (
        RoutineStep("half_circle", None, 2),
        RoutineStep("roll_down", "front", 2),
        RoutineStep("side_bend", "right", 2),
        RoutineStep("side_bend", "left", 2),
    ),
}
#: How each routine reads to a person.
ROUTINE_WORDS: Final = {"warm_up": "warm-up", "cool_down": "cool-down"}


def routine_steps(name: str) -> tuple[RoutineStep, ...]:
    """The steps of a routine.

    Raises:
        InputError: ``name`` is not one of :data:`ROUTINES`.
    """
    if name not in ROUTINES:
        raise InputError(f"The routine is one of {', '.join(ROUTINES)}, not {name!r}.")
    return ROUTINES[name]


@dataclass(frozen=True)
class StepCount:
    """A step and the reps counted towards it."""

    step: RoutineStep
    done: int

    @property
    def complete(self) -> bool:
        """Whether the step has its reps."""
        return self.done >= self.step.reps


def _fits(step: RoutineStep, rep: Mapping[str, Any]) -> bool:
    if rep.get("movement") != step.movement:
        return False
    if step.movement == "half_circle":
        return bool(rep.get("complete", True))
    return step.side is None or rep.get("side") == step.side


def routine_progress(name: str, reps: Sequence[Mapping[str, Any]]) -> list[StepCount]:
    """How far each step got, counting ``reps`` (time order, as ``reps.json`` lists them).

    Each rep counts towards the first unfinished step it fits (its movement, and its
    side for a drill; a half circle must be complete); a rep that fits none (an extra
    one) counts for nothing. Steps done in another order still count.
    """
    steps = routine_steps(name)
    done = [0] * len(steps)
    for rep in reps:
        open_ = [i for i, s in enumerate(steps) if done[i] < s.reps and _fits(s, rep)]
        if open_:
            done[open_[0]] += 1
    return [StepCount(s, d) for s, d in zip(steps, done, strict=True)]


def routine_done(progress: Sequence[StepCount]) -> bool:
    """The routine's rule: done when every step has its reps."""
    return bool(progress) and all(c.complete for c in progress)


def live_movement(lateral_deg: Sequence[float], forward_deg: Sequence[float]) -> tuple[str, str]:
    """What one excursion was, from its samples (deg): ``(movement, side)``.

    A half circle goes to both sides (beyond 6 deg each); otherwise the larger of the
    two channels names it: a roll-down (``front``) or a side bend to the side of its
    largest lateral angle. For the live count only; the result counts from the recording.
    """
    lat = [v for v in lateral_deg if not math.isnan(v)] or [0.0]
    fwd = [v for v in forward_deg if not math.isnan(v)] or [0.0]
    if max(lat) > 6.0 and min(lat) < -6.0:
        return "half_circle", "front"
    if max(fwd) > max(abs(v) for v in lat):
        return "roll_down", "front"
    return "side_bend", "right" if max(lat) >= -min(lat) else "left"


def _in_order(steps: Sequence[RoutineStep], reps: Sequence[Mapping[str, Any]]) -> int:
    """How many of ``reps`` follow the steps in their order (none going back a step)."""
    done, at, score = [0] * len(steps), 0, 0
    for rep in reps:
        j = next(
            (j for j in range(at, len(steps)) if done[j] < steps[j].reps and _fits(steps[j], rep)),
            None,
        )
        if j is not None:
            done[j], at, score = done[j] + 1, j, score + 1
    return score


def best_routine(reps: Sequence[Mapping[str, Any]]) -> str:
    """The routine whose steps ``reps`` follow in order best (the warm-up on a tie).

    For a recording, where nobody pressed a key to choose: the warm-up and the
    cool-down hold the same movements, in opposite orders.
    """
    return max(ROUTINES, key=lambda n: _in_order(ROUTINES[n], reps))
