"""Rows written into the history, one function per table, inside a caller's transaction.

Each takes the connection of an open :meth:`halfcircle.history.database.Database.transaction`
so that a whole session (its row, measures, reps and ratings) is written at once or not at all.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any, Final

from halfcircle.coaching.baseline import BaselineResult
from halfcircle.errors import InputError
from halfcircle.history.database import utc_now
from halfcircle.history.progress import _finite

__all__ = [
    "FEELINGS",
    "KINDS",
    "baseline_pitch",
    "insert_measures",
    "insert_rating",
    "insert_reps",
    "insert_session",
    "pitch_columns",
    "tilt_to_keep",
]

#: Answers to "how does it feel compared with last time?".
FEELINGS: Final = ("better", "same", "worse")

#: The kinds of session the history keeps.
KINDS: Final = ("baseline", "practice")


def insert_session(
    conn: sqlite3.Connection,
    kind: str,
    started_at: str | None = None,
    source: str | None = None,
    view: str | None = None,
    height_cm: float | None = None,
    video_path: str | None = None,
    note: str | None = None,
    camera_tilt_deg: float | None = None,
    settings: Mapping[str, Any] | None = None,
    camera_pitch: Mapping[str, Any] | None = None,
) -> int:
    """Insert a session row (``started_at`` defaults to now, UTC); returns its id.

    ``camera_pitch``: how the camera's pitch was obtained, as a summary's
    ``camera_pitch`` says it (``how``, and ``uncertainty_deg`` when told from the
    picture); None when not known.

    Raises:
        InputError: ``kind`` is not one of :data:`KINDS`.
    """
    if kind not in KINDS:
        raise InputError(f"A session is 'baseline' or 'practice', got {kind!r}.")
    settings_json = None if settings is None else json.dumps(settings, sort_keys=True)
    how, uncertainty = pitch_columns(camera_pitch)
    cur = conn.execute(
        "INSERT INTO sessions (started_at, kind, source, view, height_cm, video_path, note,"
        " camera_tilt_deg, settings_json, camera_pitch_how, camera_pitch_uncertainty_deg)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (started_at or utc_now(), kind, source, view, height_cm, video_path, note,
         camera_tilt_deg, settings_json, how, uncertainty),
    )  # fmt: skip
    return int(cur.lastrowid or 0)


def pitch_columns(camera_pitch: Mapping[str, Any] | None) -> tuple[str | None, float | None]:
    """A summary's ``camera_pitch`` as the sessions table keeps it: how, and the uncertainty.

    The uncertainty (deg) is kept only for a pitch told from the picture.
    """
    if camera_pitch is None:
        return None, None
    how = camera_pitch.get("how")
    uncertainty = camera_pitch.get("uncertainty_deg")
    if how != "from the picture" or not isinstance(uncertainty, (int, float)):
        uncertainty = None
    return (str(how) if how is not None else None), uncertainty


def tilt_to_keep(camera_tilt_deg: float | None, how: str | None) -> float | None:
    """The camera tilt (deg down) a history keeps with a session, for the next to reuse.

    The tilt as it was ``given`` or ``remembered``; None (kept as no tilt given) where
    the pitch was told from the picture, or the camera assumed level (any other ``how``:
    ``"picture"`` as a command states it, ``"from the picture"``, ``"assumed level"``),
    so that the next session asks the picture again. ``how`` None (not known, such as
    an analysis without a ``camera_pitch``) keeps the tilt.
    """
    if how is None or how in ("given", "remembered"):
        return camera_tilt_deg
    return None


def baseline_pitch(pitches: Sequence[Mapping[str, Any]], stated: str) -> dict[str, Any]:
    """How a baseline's camera pitch was obtained, as the history keeps it for the session.

    ``pitches``: each recording's (or the camera's) ``camera_pitch``; ``stated``: how
    the command took the tilt (``given``, ``remembered`` or ``picture``). The
    recordings' own way, when each was told the same way (with the largest stated
    uncertainty), ``"several ways"`` when they differ; ``stated`` (given or remembered)
    when the picture was not asked, ``"assumed level"`` when it was and none was kept.
    """
    if not pitches:  # the picture asked but not kept: the camera was taken as level
        return {"how": "assumed level" if stated == "picture" else stated}
    hows = {p.get("how") for p in pitches}
    if len(hows) > 1:
        return {"how": "several ways"}
    told = [p["uncertainty_deg"] for p in pitches if p.get("uncertainty_deg") is not None]
    return {"how": hows.pop(), **({"uncertainty_deg": max(told)} if told else {})}


def insert_measures(
    conn: sqlite3.Connection, session_id: int, result: BaselineResult, prefix: str = ""
) -> None:
    """Insert a baseline test's measures, each named ``prefix + measure`` (unit in the name)."""
    for key, value in result.measures().items():
        test, measure = key.split(".", 1)
        conn.execute(
            "INSERT INTO measures (session_id, test, measure, value, confidence, view)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (session_id, test, prefix + measure, float(value), result.confidence, result.view),
        )


def insert_reps(
    conn: sqlite3.Connection, session_id: int, reps: Sequence[Mapping[str, Any]]
) -> None:
    """Insert practice reps: their metrics as JSON (NaN as null), numbered by ``index``."""
    for i, rep in enumerate(reps, start=1):
        conn.execute(
            "INSERT INTO practice_reps (session_id, rep_index, metrics_json) VALUES (?, ?, ?)",
            (session_id, int(rep.get("index", i) or i), json.dumps(_finite(dict(rep)))),
        )


def insert_rating(
    conn: sqlite3.Connection,
    session_id: int,
    test: str | None,
    feels: str | None,
    pain: int | None,
) -> None:
    """Insert how a test (or, ``test`` None, the whole session) felt and the pain 0-10.

    Raises:
        InputError: ``feels`` is not one of :data:`FEELINGS`, or ``pain`` is outside 0-10.
    """
    if feels is not None and feels not in FEELINGS:
        raise InputError(f"How it feels is one of {', '.join(FEELINGS)}, got {feels!r}.")
    if pain is not None and not 0 <= pain <= 10:
        raise InputError(f"Pain is rated 0 to 10, got {pain}.")
    conn.execute(
        "INSERT INTO ratings (session_id, test, feels, pain) VALUES (?, ?, ?, ?)",
        (session_id, test, feels, pain),
    )
