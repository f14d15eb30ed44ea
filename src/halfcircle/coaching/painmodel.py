"""Pain monitoring, not pain avoidance: what a pain rating means for the next session.

The physiotherapists' pain-monitoring model for graded exercise (Thomee, 1997;
Silbernagel et al., 2007; ``DOMAIN.md``, "The program"): pain during exercise up to
about 5 of 10 is acceptable if it settles by the next morning; a change counts from
about 2 points (Farrar et al., 2001). So:

- a rise of 1 is noise: carry on;
- a rise of 2 or more within a session, or pain above 5, means easing off next time
  (a smaller range, slower, fewer reps);
- pain that is higher at the start of several sessions in a row means checking in with
  a clinician.

Hurt is not harm: the sentences say so plainly and calmly. A session rated only once
(older sessions, single commands that ask for "your pain now") has no within-session
rise; its rise is then taken against the session before, the nearest evidence there is.
Red flags are asked before any coaching (:mod:`halfcircle.coaching.redflags`), not inferred here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Final

__all__ = [
    "CARRY_ON",
    "EASE_OFF",
    "SEE_CLINICIAN",
    "PainDecision",
    "PainRating",
    "PainRules",
    "pain_decision",
    "pain_guide",
    "pain_words",
]

#: The decisions, in order of concern.
CARRY_ON: Final = "carry on"
EASE_OFF: Final = "ease off"
SEE_CLINICIAN: Final = "see a clinician"


@dataclass(frozen=True)
class PainRating:
    """Pain 0-10 at a session's start (``before``) and end (``after``); None where not asked."""

    before: int | None = None
    after: int | None = None

    @property
    def start(self) -> int | None:
        """The pain the session started with: ``before``, else the only reading there is."""
        return self.before if self.before is not None else self.after

    @property
    def latest(self) -> int | None:
        """The latest reading of the session."""
        return self.after if self.after is not None else self.before


@dataclass(frozen=True)
class PainRules:
    """The model's numbers (settings with documented defaults).

    Attributes:
        meaningful_rise: A rise of this many points (0-10 scale) or more is a real one.
        acceptable_max: Pain up to this during practice is fine if it settles.
        rising_starts: This many sessions in a row, each starting with more pain than the
            one before, mean checking in with a clinician.
    """

    meaningful_rise: int = 2
    acceptable_max: int = 5
    rising_starts: int = 3


@dataclass(frozen=True)
class PainDecision:
    """What the latest session's pain means: the decision, the rise it saw, one sentence."""

    action: str
    rise: int | None
    sentence: str

    @property
    def worth_saying(self) -> bool:
        """Whether to tell the person: anything but pain that stayed settled or fell."""
        return self.action != CARRY_ON or (self.rise or 0) > 0


def _rise(sessions: Sequence[PainRating]) -> tuple[int | None, int | None, int | None]:
    """(rise, from, to) of the latest session: within it, else against the session before."""
    latest = sessions[-1]
    if latest.before is not None and latest.after is not None:
        return latest.after - latest.before, latest.before, latest.after
    earlier = [s.latest for s in sessions[:-1] if s.latest is not None]
    if latest.latest is not None and earlier:
        return latest.latest - earlier[-1], earlier[-1], latest.latest
    return None, None, latest.latest


def _rising_starts(sessions: Sequence[PainRating], n: int) -> list[int] | None:
    """The last ``n`` starting pains when each is higher than the one before, else None."""
    starts = [s.start for s in sessions if s.start is not None]
    last = starts[-n:]
    if len(last) == n and all(b > a for a, b in pairwise(last)):
        return last
    return None


def pain_decision(
    sessions: Sequence[PainRating], rules: PainRules | None = None
) -> PainDecision | None:
    """The decision after the latest of ``sessions`` (oldest first); None with no pain given."""
    rules = rules or PainRules()
    if not sessions or sessions[-1].latest is None:
        return None
    starts = _rising_starts(sessions, rules.rising_starts)
    if starts is not None:
        path = " -> ".join(str(p) for p in starts)
        return PainDecision(
            SEE_CLINICIAN,
            starts[-1] - starts[-2],
            f"Your pain has been higher at the start of each of your last {len(starts)} "
            f"sessions ({path} of 10). That is worth checking with a clinician (a doctor "
            "or physiotherapist) before you go on with the program; gentle everyday "
            "movement is fine meanwhile.",
        )
    rise, was, now = _rise(sessions)
    if now is not None and now > rules.acceptable_max:
        return PainDecision(
            EASE_OFF,
            rise,
            f"Your pain is {now} of 10, above the {rules.acceptable_max} that is fine during "
            "practice. Hurt is not harm, and it usually settles by the next morning; next "
            "time we will ease off: a smaller range, slower, and fewer reps.",
        )
    if rise is not None and rise >= rules.meaningful_rise:
        return PainDecision(
            EASE_OFF,
            rise,
            f"Your pain rose by {rise} points ({was} -> {now} of 10). Hurt is not harm, and "
            "this usually settles by the next morning; next time we will ease off: a "
            "smaller range, slower, and fewer reps.",
        )
    if rise is not None and rise > 0:
        return PainDecision(
            CARRY_ON,
            rise,
            f"Your pain rose by {rise} point ({was} -> {now} of 10): a small change like "
            "this is normal when you move more. Carry on at this pace.",
        )
    return PainDecision(CARRY_ON, rise, "Your pain stayed settled. Carry on at this pace.")


def pain_guide(rules: PainRules | None = None) -> str:
    """The pain model in two calm sentences, for a page's footer (no decision in it)."""
    rules = rules or PainRules()
    return (
        f"Some discomfort while you move is normal and is not damage: pain up to about "
        f"{rules.acceptable_max} of 10 that settles by the next morning is fine, and after a "
        f"rise of {rules.meaningful_rise} points or more, ease off next time (a smaller range, "
        "slower, fewer reps). A clinician is worth seeing for the warning signs halfcircle "
        "asks about, or for pain that is higher at the start of several sessions in a row."
    )


def pain_words(pain: PainRating) -> str:
    """A session's pain as a table shows it: ``2 -> 5`` (before, after), or its one reading.

    ``3 (before)`` when only the pain before was given (a session left before its end);
    "" when none was.
    """
    if pain.before is not None and pain.after is not None:
        return f"{pain.before} -> {pain.after}"
    if pain.before is not None:
        return f"{pain.before} (before)"
    return "" if pain.after is None else str(pain.after)
