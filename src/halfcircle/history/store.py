"""The progress history: a local SQLite database of sessions, measures and ratings.

Everything stays on the machine. The database lives in the user's data folder
(``platformdirs.user_data_dir("halfcircle")/history.sqlite3``), or in the folder
named by the environment variable ``HALFCIRCLE_HOME``, or at a path given
explicitly (``--db``).

Tables (schema version in ``PRAGMA user_version``, upgraded by :data:`MIGRATIONS`
on open):

* ``sessions``: one row per baseline assessment or practice session
  (``started_at`` ISO 8601 UTC, ``kind`` baseline|practice, source, view, body
  height, camera tilt, and the settings that differed from the defaults as
  :func:`halfcircle.config.settings_diff` gives them, ``{}`` for none; read
  back as ``settings``, None for sessions written before it was kept).
* ``measures``: baseline results, one row per measure (``test``, ``measure`` with
  its unit in the name: ``peak_deg``, ``fingertip_floor_cm``, ...).
* ``practice_reps``: one row per practice rep (its metrics as JSON). The trend
  and plots summarise each practice session as ``practice.*`` measures
  (:data:`halfcircle.history.trend.PRACTICE_MEASURES`: best score and peaks, mean
  SPARC, of its complete reps).
* ``ratings``: how it felt (better|same|worse than last time) and pain 0-10,
  per test or (test NULL) for the whole session.
* ``plans``: the routine (:mod:`halfcircle.coaching.plan`): days, local time, use, minutes;
  every change a new row with ``set_at``, the last one in effect.
* ``recordings``: the content digest (:func:`recording_digest`) of the video files a
  session was measured from, so that the same recording is not stored twice.

Every write is one transaction (:mod:`halfcircle.history.database` opens, upgrades
and guards the file; :mod:`halfcircle.history.rows` writes the rows). What is read
from it is worked out beside: :mod:`~halfcircle.history.trend` (each measure over
time, personal bests), :mod:`~halfcircle.history.compare` (one session against an
earlier one), :mod:`~halfcircle.history.pain` (the pain model over sessions),
:mod:`~halfcircle.history.guided` (guided sessions) and
:mod:`~halfcircle.history.export` (JSON and CSV).

A change between sessions is called real only beyond the minimal detectable
change (:data:`halfcircle.coaching.baseline.MDC`: 5 deg, 4.5 cm); the practice score and
smoothness, which have none in the literature, use the margins of
:data:`CHANGE_MARGINS` for the trend's verdict (:func:`verdict`). To a person it
reads "a change big enough to be real".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from halfcircle.coaching.baseline import BaselineResult
from halfcircle.coaching.plan import TodayStatus, plans, today_status
from halfcircle.errors import InputError
from halfcircle.history.database import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Database,
    HistoryError,
    default_db_path,
)
from halfcircle.history.progress import local_datetime, local_time
from halfcircle.history.rows import (
    FEELINGS,
    insert_measures,
    insert_rating,
    insert_reps,
    insert_session,
    pitch_columns,
)

__all__ = [
    "FEELINGS",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "History",
    "HistoryError",
    "default_db_path",
    "recording_digest",
    "recording_digests",
    "same_recording",
]


class History(Database):
    """A person's history: sessions written whole, and read back oldest first.

    Open it as a context manager (:class:`~halfcircle.history.database.Database`):
    ``with History(path) as h: ...``; ``path`` None is :func:`default_db_path`.
    """

    # -------------------------------------------------------------------- writes
    def add_session(
        self,
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
        """Add a session (its own transaction); returns its id."""
        with self.transaction() as conn:
            return insert_session(
                conn, kind, started_at, source, view, height_cm, video_path, note,
                camera_tilt_deg, settings, camera_pitch,
            )  # fmt: skip

    def record_baseline(
        self,
        results: Sequence[BaselineResult],
        feels: str | None = None,
        pain: int | None = None,
        started_at: str | None = None,
        source: str | None = None,
        height_cm: float | None = None,
        test_ratings: Mapping[str, tuple[str | None, int | None]] | None = None,
        camera_tilt_deg: float | None = None,
        settings: Mapping[str, Any] | None = None,
        camera_pitch: Mapping[str, Any] | None = None,
    ) -> int:
        """Write a whole baseline session in one transaction; returns its id.

        Args:
            results: The tests measured.
            feels: How the session felt overall, one of :data:`FEELINGS`.
            pain: Pain 0-10 overall.
            started_at: ISO 8601 time (default: now, UTC).
            source: The video or camera it came from.
            height_cm: Body height used for the metric scale.
            test_ratings: Per-test ``(feels, pain)``.
            camera_tilt_deg: How far the camera looked down (deg), as given.
            settings: The settings that differed from the defaults
                (:func:`halfcircle.config.settings_diff`), None when not known.
            camera_pitch: How the camera's pitch was obtained (a summary's
                ``camera_pitch``: :func:`halfcircle.history.rows.pitch_columns`).
        """
        view = results[0].view if results else None
        with self.transaction() as conn:
            sid = insert_session(
                conn, "baseline", started_at, source, view, height_cm, None, None,
                camera_tilt_deg, settings, camera_pitch,
            )  # fmt: skip
            for r in results:
                insert_measures(conn, sid, r)
            if feels is not None or pain is not None:
                insert_rating(conn, sid, None, feels, pain)
            for test, (f, p) in (test_ratings or {}).items():
                insert_rating(conn, sid, test, f, p)
        return sid

    def add_baseline_result(self, session_id: int, result: BaselineResult) -> None:
        """Add one test's measures to a session (its own transaction)."""
        with self.transaction() as conn:
            insert_measures(conn, session_id, result)

    def add_practice_reps(self, session_id: int, reps: Sequence[Mapping[str, Any]]) -> None:
        """Add practice reps (their metrics as JSON, NaN as null) in one transaction."""
        with self.transaction() as conn:
            insert_reps(conn, session_id, reps)

    def replace_practice_reps(
        self,
        session_id: int,
        reps: Sequence[Mapping[str, Any]],
        view: str | None = None,
        frames: tuple[int, int] | None = None,
        camera_pitch: Mapping[str, Any] | None = None,
    ) -> None:
        """Replace a session's reps in one transaction.

        ``view`` (when given) becomes the session's camera view, ``frames`` its
        ``(measured, skipped)`` frame counts, and ``camera_pitch`` how its camera's pitch
        was obtained (:func:`halfcircle.history.rows.pitch_columns`).
        """
        with self.transaction() as conn:
            conn.execute("DELETE FROM practice_reps WHERE session_id = ?", (session_id,))
            insert_reps(conn, session_id, reps)
            if view is not None:
                conn.execute("UPDATE sessions SET view = ? WHERE id = ?", (view, session_id))
            if frames is not None:
                conn.execute(
                    "UPDATE sessions SET frames_measured = ?, frames_skipped = ? WHERE id = ?",
                    (*_frame_counts(frames), session_id),
                )
            if camera_pitch is not None:
                conn.execute(
                    "UPDATE sessions SET camera_pitch_how = ?, camera_pitch_uncertainty_deg = ?"
                    " WHERE id = ?",
                    (*pitch_columns(camera_pitch), session_id),
                )

    def record_practice(
        self,
        reps: Sequence[Mapping[str, Any]],
        feels: str | None = None,
        pain: int | None = None,
        started_at: str | None = None,
        source: str | None = None,
        view: str | None = None,
        video_path: str | None = None,
        camera_tilt_deg: float | None = None,
        settings: Mapping[str, Any] | None = None,
        camera_pitch: Mapping[str, Any] | None = None,
    ) -> int:
        """Write a whole practice session (reps and rating) in one transaction.

        Args:
            reps: One mapping per rep, e.g. :func:`halfcircle.analyze.video.rep_dicts`
                (``index`` and the rep's metrics; nested values are kept).
            feels: How it felt compared with last time, one of :data:`FEELINGS`.
            pain: Pain 0-10.
            started_at: ISO 8601 time (default: now, UTC).
            source: The video or camera it came from.
            view: The camera view.
            video_path: Where a video kept at the user's request lies.
            camera_tilt_deg: How far the camera looked down (deg), as given.
            settings: The settings that differed from the defaults, None when not known.
            camera_pitch: How the camera's pitch was obtained
                (:func:`halfcircle.history.rows.pitch_columns`).
        """
        with self.transaction() as conn:
            sid = insert_session(
                conn, "practice", started_at, source, view, None, video_path, None,
                camera_tilt_deg, settings, camera_pitch,
            )  # fmt: skip
            insert_reps(conn, sid, reps)
            if feels is not None or pain is not None:
                insert_rating(conn, sid, None, feels, pain)
        return sid

    def add_rating(
        self, session_id: int, feels: str | None, pain: int | None, test: str | None = None
    ) -> None:
        """Add a rating (overall when ``test`` is None) in its own transaction."""
        with self.transaction() as conn:
            insert_rating(conn, session_id, test, feels, pain)

    def find_recording(
        self, digest: str | Sequence[str], started_at: str, source: str
    ) -> int | None:
        """The session already measured from this recording, or None.

        The same recording is the same file content (``digest``, of
        :func:`recording_digest`; or any of several, :func:`recording_digests`), or
        the same recording time and source (a copy re-encoded or trimmed by another
        program keeps both).
        """
        digests = [digest] if isinstance(digest, str) else list(digest)
        marks = ", ".join("?" * len(digests))
        row = self.conn.execute(
            "SELECT s.id FROM sessions s LEFT JOIN recordings r ON r.session_id = s.id"
            f" WHERE r.sha256 IN ({marks}) OR (s.started_at = ? AND s.source = ?)"
            " ORDER BY s.id LIMIT 1",
            (*digests, started_at, source),
        ).fetchone()
        return None if row is None else int(row[0])

    def note_recording(self, session_id: int, digest: str | Sequence[str]) -> None:
        """Keep the content digest(s) of the recording a session was measured from."""
        digests = [digest] if isinstance(digest, str) else list(digest)
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO recordings (session_id, sha256) VALUES (?, ?)",
                [(session_id, d) for d in digests],
            )

    def recordings_of(self, session_id: int) -> set[str]:
        """The content digests kept for a session's recording (:meth:`note_recording`)."""
        rows = self.conn.execute(
            "SELECT sha256 FROM recordings WHERE session_id = ?", (session_id,)
        ).fetchall()
        return {str(r[0]) for r in rows}

    def delete_session(self, session_id: int) -> bool:
        """Delete one session and everything in it; False when there was none."""
        with self.transaction() as conn:
            cur = conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        return cur.rowcount > 0

    def delete_all(self) -> int:
        """Delete every session; returns how many there were."""
        with self.transaction() as conn:
            cur = conn.execute("DELETE FROM sessions")
        self.conn.execute("VACUUM")
        return cur.rowcount

    # --------------------------------------------------------------------- reads
    def sessions(self) -> list[dict[str, Any]]:
        """Every session, oldest first, with its overall rating."""
        rows = self.conn.execute(
            "SELECT s.*, r.feels, r.pain FROM sessions s LEFT JOIN ratings r"
            " ON r.id = (SELECT max(id) FROM ratings WHERE session_id = s.id AND test IS NULL)"
            " ORDER BY s.started_at, s.id"
        ).fetchall()
        out = []
        for r in rows:
            session = dict(r)
            text = session.pop("settings_json")
            session["settings"] = None if text is None else json.loads(text)
            out.append(session)
        return out

    def measures(self) -> list[dict[str, Any]]:
        """Every baseline measure with its session's time and its own view, oldest first."""
        rows = self.conn.execute(
            "SELECT m.session_id, s.started_at, m.test, m.measure, m.value, m.confidence,"
            " m.view"
            " FROM measures m JOIN sessions s ON s.id = m.session_id"
            " ORDER BY s.started_at, s.id, m.id"
        ).fetchall()
        return [dict(r) for r in rows]

    def ratings(self) -> list[dict[str, Any]]:
        """Every rating with its session's time, oldest first."""
        rows = self.conn.execute(
            "SELECT r.session_id, s.started_at, r.test, r.feels, r.pain"
            " FROM ratings r JOIN sessions s ON s.id = r.session_id"
            " ORDER BY s.started_at, s.id, r.id"
        ).fetchall()
        return [dict(r) for r in rows]

    def practice_reps(self) -> list[dict[str, Any]]:
        """Every practice rep (metrics decoded), oldest first."""
        rows = self.conn.execute(
            "SELECT p.session_id, s.started_at, p.rep_index, p.metrics_json"
            " FROM practice_reps p JOIN sessions s ON s.id = p.session_id"
            " ORDER BY s.started_at, s.id, p.rep_index"
        ).fetchall()
        out = []
        for r in rows:
            d = dict(r)
            d["metrics"] = json.loads(d.pop("metrics_json"))
            out.append(d)
        return out

    def last_camera_tilt(self, until: str | None = None) -> float | None:
        """The camera tilt (deg down) of the latest session that recorded one, if any.

        ``until`` (ISO 8601) leaves out sessions started after it; so do the
        other ``last_*`` methods.
        """
        return self._last("camera_tilt_deg", until)

    def last_settings(self, until: str | None = None) -> dict[str, Any] | None:
        """The settings of the latest session that recorded them (see :meth:`sessions`)."""
        return self._last("settings", until)

    def last_pain(self, until: str | None = None) -> int | None:
        """The overall pain (0-10) of the latest session rated with one, if any."""
        pain = self._last("pain", until)
        return None if pain is None else int(pain)

    def last_view(self, until: str | None = None) -> str | None:
        """The camera view of the latest session that recorded one, if any."""
        return self._last("view", until)

    def _last(self, column: str, until: str | None) -> Any:
        known = [
            s[column]
            for s in self.sessions()
            if s[column] is not None and (until is None or s["started_at"] <= until)
        ]
        return known[-1] if known else None

    def adherence(self, today: date | None = None) -> TodayStatus:
        """How the plan has been kept up to ``today`` (local; now when None)."""
        days = {local_datetime(s["started_at"]).date() for s in self.sessions()}
        return today_status(plans(self.conn), days, today or date.today())


def _frame_counts(frames: tuple[int, int]) -> tuple[int, int]:
    measured, skipped = (int(n) for n in frames)
    if measured < 0 or skipped < 0:
        raise InputError(f"Frame counts are never negative, got {measured} and {skipped}.")
    return measured, skipped


def same_recording(
    db: Path | str | None,
    digest: str | Sequence[str],
    started_at: str,
    source: str,
    replace: bool = False,
) -> str | None:
    """Whether the history already holds a session of this recording, in a sentence.

    The same recording is the same content (``digest``, :func:`recording_digest`; any of
    :func:`recording_digests` for several files) or the same recording time and source
    (:meth:`History.find_recording`). Returns the sentence
    to show when it is there and ``replace`` is False (nothing is then to be added);
    with ``replace`` the earlier session is deleted and None returned, unless it holds
    recordings beyond these (one file of a three-file baseline would delete the other
    two tests with it: a sentence says so and nothing is deleted). A history that does
    not exist yet is not created.
    """
    path = History(db).path
    if not path.exists():
        return None
    with History(path) as history:
        earlier = history.find_recording(digest, started_at, source)
        if earlier is None:
            return None
        when = next(s["started_at"] for s in history.sessions() if s["id"] == earlier)
        given = {digest} if isinstance(digest, str) else set(digest)
        if replace and not history.recordings_of(earlier) <= given:
            return (
                f"This recording is part of the session of {local_time(when)}, which holds "
                "other recordings too, so it was not replaced: give all of that session's "
                "videos with --replace to measure it again."
            )
        if replace:
            history.delete_session(earlier)
            return None
    return (
        f"This recording is already in your history (the session of {local_time(when)}), "
        "so it was not added again; --replace replaces that session."
    )


def recording_digests(paths: Sequence[Path | str]) -> list[str]:
    """The digests a session of these video files is known by: the whole set's, then each file's.

    The whole set's (:func:`recording_digest` of all of them, as a history written before
    each file's was kept knows a multi-file baseline) finds the same files given again;
    each file's finds one of them given alone or with others, as a file measured once is
    in the history already. One file has one digest.
    """
    out = [recording_digest(paths)]
    for path in paths:
        d = recording_digest([path])
        if d not in out:
            out.append(d)
    return out


def recording_digest(paths: Sequence[Path | str]) -> str:
    """SHA-256 (hex) of the contents of the video files of one session, in the order given."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()
