"""The pain model over a person's sessions (``DOMAIN.md``; :mod:`halfcircle.coaching.painmodel`).

A guided session has two readings, before its assessment and at its end, and its rise
is taken within it; any other session's overall pain (0-10, asked at its end) is its one
reading, and its rise is taken against the session rated before it.
"""

from __future__ import annotations

from halfcircle.coaching.painmodel import PainDecision, PainRating, pain_decision
from halfcircle.history.guided import session_pains
from halfcircle.history.store import History

__all__ = [
    "latest_pain_advice",
    "latest_pain_decision",
    "pain_advice",
    "pain_decisions",
    "session_pain_decision",
]


def session_pain_decision(history: History, session_id: int) -> PainDecision | None:
    """What a session's pain means (:func:`halfcircle.coaching.painmodel.pain_decision`).

    A guided session's rise is taken within it (before its assessment to its end);
    any other session's against the session rated before it, and the starting pains
    are each session's first reading (:func:`halfcircle.history.guided.session_pains`).
    None when the session has no pain.
    """
    rated = _rated(history)
    ids = [sid for sid, _ in rated]
    if session_id not in ids:
        return None
    return pain_decision([p for _, p in rated[: ids.index(session_id) + 1]])


def pain_decisions(history: History) -> dict[int, PainDecision]:
    """:func:`session_pain_decision` of every session rated with a pain, by id."""
    rated = _rated(history)
    out = {}
    for n, (sid, _) in enumerate(rated, 1):
        decision = pain_decision([p for _, p in rated[:n]])
        if decision is not None:
            out[sid] = decision
    return out


def _rated(history: History) -> list[tuple[int, PainRating]]:
    """The sessions rated with a pain, oldest first, with their pain."""
    return [(sid, p) for sid, p in session_pains(history).items() if p.latest is not None]


def pain_advice(history: History, session_id: int) -> str | None:
    """The sentence about a session's pain when there is something to say.

    None when the pain stayed settled or fell; a rise of 1 gets the reassurance that
    it is normal, a clear rise the advice to ease off next time, and pain higher at
    the start of several sessions in a row the advice to check with a clinician.
    """
    decision = session_pain_decision(history, session_id)
    if decision is None or not decision.worth_saying:
        return None
    return decision.sentence


def latest_pain_advice(history: History) -> str | None:
    """:func:`pain_advice` of the latest session rated with a pain."""
    rated = _rated(history)
    return pain_advice(history, rated[-1][0]) if rated else None


def latest_pain_decision(history: History) -> PainDecision | None:
    """:func:`session_pain_decision` of the latest session rated with a pain (None: none)."""
    rated = _rated(history)
    return pain_decision([p for _, p in rated]) if rated else None
