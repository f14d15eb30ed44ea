"""Guided sessions (assess, practise, re-assess) in the history, and what the stages read.

A guided session is one ``baseline`` session whose note reads
``guided session: TEST, STAGE`` (:data:`GUIDED_NOTE`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from halfcircle.coaching.baseline import BaselineResult
from halfcircle.coaching.painmodel import PainRating
from halfcircle.coaching.stages import STAGES, StageSession
from halfcircle.history.progress import local_datetime
from halfcircle.history.rows import insert_measures, insert_rating, insert_reps, insert_session
from halfcircle.history.store import History
from halfcircle.history.trend import rep_movement

__all__ = [
    "GUIDED_NOTE",
    "guided_sessions",
    "last_assessment",
    "last_guided_practice",
    "record_guided_session",
    "session_kind",
    "session_pains",
]

#: How the note of a guided session starts (then ``TEST, STAGE``).
GUIDED_NOTE: Final = "guided session: "


def record_guided_session(
    history: History,
    test: str,
    before: Sequence[BaselineResult],
    after: Sequence[BaselineResult],
    reps: Sequence[Mapping[str, Any]],
    stage: str | None,
    feels: str | None = None,
    pain: tuple[int | None, int | None] = (None, None),
    started_at: str | None = None,
    source: str | None = None,
    camera_tilt_deg: float | None = None,
    settings: Mapping[str, Any] | None = None,
    camera_pitch: Mapping[str, Any] | None = None,
) -> int:
    """Write a guided session (assess, practise, re-assess) as one session; its id.

    A ``baseline`` session (its assessment compares with earlier baselines, as
    :func:`halfcircle.history.compare.compare` does) whose note reads
    ``guided session: TEST, STAGE``: the first assessment's measures under their own
    names (``toe_touch.peak_deg``), the re-assessment's with ``after_`` before the
    measure (``toe_touch.after_peak_deg``),
    the practice reps as a practice session's, the pain before as the rating of the
    test (``test``, feels None) and ``feels`` with the pain after as the session's.
    """
    view = before[0].view if before else (after[0].view if after else None)
    pain_before, pain_after = pain
    with history.transaction() as conn:
        sid = insert_session(
            conn, "baseline", started_at, source, view, None, None,
            f"{GUIDED_NOTE}{test}, {stage or 'no practice'}", camera_tilt_deg, settings,
            camera_pitch,
        )  # fmt: skip
        for r in before:
            insert_measures(conn, sid, r)
        for r in after:
            insert_measures(conn, sid, r, prefix="after_")
        insert_reps(conn, sid, reps)
        if pain_before is not None:
            insert_rating(conn, sid, test, None, pain_before)
        if feels is not None or pain_after is not None:
            insert_rating(conn, sid, None, feels, pain_after)
    return sid


def guided_sessions(history: History) -> list[StageSession]:
    """The guided sessions with practice, as the stage rules read them, oldest first.

    A rep counts towards its stage (:func:`halfcircle.coaching.stages.stage_mastered`)
    when it is a controlled drill rep (per side) or a complete half circle (per
    direction); the pain is the one before (the test's rating) and after (the
    session's).
    """
    pains = session_pains(history)
    reps: dict[int, list[dict[str, Any]]] = {}
    for p in history.practice_reps():
        reps.setdefault(p["session_id"], []).append(p["metrics"])
    out = []
    for s in history.sessions():
        note = s["note"] or ""
        if not note.startswith(GUIDED_NOTE):
            continue
        stage = note[len(GUIDED_NOTE) :].partition(", ")[2]
        if stage not in STAGES:  # no practice that session
            continue
        good: dict[str, int] = {}
        for m in reps.get(s["id"], []):
            side = m.get("side") if m.get("controlled") else None
            if rep_movement(m) == "half_circle" and m.get("complete"):
                side = m.get("direction")
            if side:
                good[side] = good.get(side, 0) + 1
        out.append(
            StageSession(
                day=local_datetime(s["started_at"]).date(),
                stage=stage,
                good_reps=good,
                pain=pains[s["id"]],
            )
        )
    return out


def last_guided_practice(
    history: History, stage: str
) -> tuple[list[dict[str, Any]], PainRating] | None:
    """The practice reps and pain (before, after) of the latest guided session at ``stage``."""
    ids = []
    for s in history.sessions():
        note = s["note"] or ""
        if note.startswith(GUIDED_NOTE) and note.endswith(f", {stage}"):
            ids.append(s["id"])
    if not ids:
        return None
    sid = ids[-1]
    reps = [p["metrics"] for p in history.practice_reps() if p["session_id"] == sid]
    return reps, session_pains(history)[sid]


def last_assessment(history: History) -> str | None:
    """The assessment test of the latest guided session, if any."""
    notes = [s["note"] for s in history.sessions() if (s["note"] or "").startswith(GUIDED_NOTE)]
    return notes[-1][len(GUIDED_NOTE) :].partition(", ")[0] if notes else None


def session_pains(history: History) -> dict[int, PainRating]:
    """Every session's pain, by id: before and after for a guided session, else one reading.

    A guided session keeps the pain asked before its assessment as the rating of its
    test (see :func:`record_guided_session`) and the pain at its end as the session's;
    any other session has one overall pain, asked at its end (``after``).
    """
    rated: dict[int, dict[str | None, int | None]] = {}
    for r in history.ratings():
        rated.setdefault(r["session_id"], {})[r["test"]] = r["pain"]
    out = {}
    for s in history.sessions():
        mine = rated.get(s["id"], {})
        note = s["note"] or ""
        test = note[len(GUIDED_NOTE) :].partition(", ")[0] if note.startswith(GUIDED_NOTE) else None
        out[s["id"]] = PainRating(mine.get(test) if test else None, mine.get(None))
    return out


def session_kind(session: Mapping[str, Any]) -> str:
    """How a session is named where sessions are listed: ``guided``, ``baseline`` or ``practice``.

    A guided session is kept as a ``baseline`` one (:func:`record_guided_session`);
    ``session`` is a row of :meth:`History.sessions`.
    """
    return "guided" if (session.get("note") or "").startswith(GUIDED_NOTE) else session["kind"]
