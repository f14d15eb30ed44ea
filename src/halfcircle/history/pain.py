"""The pain model over a person's sessions (``DOMAIN.md``; :mod:`halfcircle.coaching.painmodel`).

Each session's overall pain (0-10, asked at its end) is its one reading; a rise is
taken against the session rated before it.
"""

from __future__ import annotations

from halfcircle.coaching.painmodel import PainDecision, PainRating, pain_decision
from halfcircle.history.store import History

__all__ = ["latest_pain_advice", "pain_advice", "session_pain_decision"]


def session_pain_decision(history: History, session_id: int) -> PainDecision | None:
    """What a session's pain means (:func:`halfcircle.coaching.painmodel.pain_decision`).

    Each session's overall pain is its one reading (asked at its end), so a rise is
    taken against the session rated before it. None when the session has no pain.
    """
    rated = [s for s in history.sessions() if s["pain"] is not None]
    ids = [s["id"] for s in rated]
    if session_id not in ids:
        return None
    upto = rated[: ids.index(session_id) + 1]
    return pain_decision([PainRating(after=s["pain"]) for s in upto])


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
    rated = [s["id"] for s in history.sessions() if s["pain"] is not None]
    return pain_advice(history, rated[-1]) if rated else None
