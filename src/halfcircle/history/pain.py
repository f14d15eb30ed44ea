"""The pain model over a person's sessions (``DOMAIN.md``; :mod:`halfcircle.coaching.painmodel`).

A guided session has two readings, before its assessment and at its end, and its rise
is taken within it; any other session's overall pain (0-10, asked at its end) is its one
reading, and its rise is taken against the session rated before it.
"""

from __future__ import annotations

from halfcircle.coaching.painmodel import PainDecision, pain_decision
from halfcircle.history.guided import session_pains
from halfcircle.history.store import History

__all__ = ["latest_pain_advice", "latest_pain_decision", "pain_advice", "session_pain_decision"]


def session_pain_decision(history: History, session_id: int) -> PainDecision | None:
    """What a session's pain means (:func:`halfcircle.coaching.painmodel.pain_decision`).

    A guided session's rise is taken within it (before its assessment to its end);
    any other session's against the session rated before it, and the starting pains
    are each session's first reading (:func:`halfcircle.history.guided.session_pains`).
    None when the session has no pain.
    """
    pains = session_pains(history)
    rated = [sid for sid, p in pains.items() if p.latest is not None]
    if session_id not in rated:
        return None
    return pain_decision([pains[sid] for sid in rated[: rated.index(session_id) + 1]])


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
    rated = [sid for sid, p in session_pains(history).items() if p.latest is not None]
    return pain_advice(history, rated[-1]) if rated else None


def latest_pain_decision(history: History) -> PainDecision | None:
    """:func:`session_pain_decision` of the latest session rated with a pain (None: none)."""
    rated = [sid for sid, p in session_pains(history).items() if p.latest is not None]
    return session_pain_decision(history, rated[-1]) if rated else None
