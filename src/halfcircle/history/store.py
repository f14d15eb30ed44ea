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
  (:data:`PRACTICE_MEASURES`: best score and peaks, mean SPARC, of its complete reps).
* ``ratings``: how it felt (better|same|worse than last time) and pain 0-10,
  per test or (test NULL) for the whole session.
* ``plans``: the routine (:mod:`halfcircle.coaching.plan`): days, local time, use, minutes;
  every change a new row with ``set_at``, the last one in effect.
* ``recordings``: the content digest (:func:`recording_digest`) of the video files a
  session was measured from, so that the same recording is not stored twice.

Every write is one transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``), and the
database runs with a write-ahead log and ``synchronous=FULL``: a process killed
mid-write leaves the database as it was after the last commit.

A change between sessions is called real only beyond the minimal detectable
change (:data:`halfcircle.coaching.baseline.MDC`: 5 deg, 4.5 cm); the practice score and
smoothness, which have none in the literature, use the margins of
:data:`CHANGE_MARGINS` for the trend's verdict (:func:`verdict`). To a person it
reads "a change big enough to be real".
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import fields
from datetime import date, datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any, Final

from halfcircle.coaching.baseline import MDC, BaselineResult
from halfcircle.coaching.painmodel import PainDecision, PainRating, pain_decision
from halfcircle.coaching.plan import TodayStatus, plan_dict, plans, today_status
from halfcircle.coaching.scoring import PersonalBest
from halfcircle.coaching.stages import STAGES, StageSession
from halfcircle.errors import HalfcircleError, InputError, error_reason
from halfcircle.history.progress import (
    _MEASURE_LABELS,
    _VIEW_WORDS,
    BASELINE_SETTING_TABLES,
    CHANGE_MARGINS,
    TrendRow,
    _finite,
    _flatten,
    _is_number,
    _is_real,
    _settings_differ,
    _tilts_differ,
    change_margin,
    format_trend,
    local_datetime,
    local_time,
    plain_label,
    real_change_words,
    unit_of,
    verdict,
)

__all__ = [
    "CHANGE_MARGINS",
    "FEELINGS",
    "GUIDED_NOTE",
    "MIGRATIONS",
    "PRACTICE_MEASURES",
    "SCHEMA_VERSION",
    "History",
    "HistoryError",
    "TrendRow",
    "change_margin",
    "default_db_path",
    "format_trend",
    "local_datetime",
    "local_time",
    "plain_label",
    "real_change_words",
    "recording_digest",
    "unit_of",
    "verdict",
]

#: Answers to "how does it feel compared with last time?".
FEELINGS: Final = ("better", "same", "worse")

#: Migrations in order; migration ``i`` takes the schema from version ``i`` to ``i + 1``.
MIGRATIONS: Final[tuple[str, ...]] = (
    # 1: the tables
    """
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('baseline', 'practice')),
        source TEXT,
        view TEXT,
        note TEXT
    );
    CREATE TABLE measures (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        test TEXT NOT NULL,
        measure TEXT NOT NULL,
        value REAL NOT NULL,
        confidence REAL
    );
    CREATE TABLE practice_reps (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        rep_index INTEGER NOT NULL,
        metrics_json TEXT NOT NULL
    );
    CREATE TABLE ratings (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        test TEXT,
        feels TEXT CHECK (feels IN ('better', 'same', 'worse')),
        pain INTEGER CHECK (pain BETWEEN 0 AND 10)
    );
    CREATE INDEX measures_session ON measures(session_id);
    CREATE INDEX reps_session ON practice_reps(session_id);
    CREATE INDEX ratings_session ON ratings(session_id);
    """,
    # 2: body height used for the metric scale, and where a kept video lies
    """
    ALTER TABLE sessions ADD COLUMN height_cm REAL;
    ALTER TABLE sessions ADD COLUMN video_path TEXT;
    """,
    # 3: how far the camera looked down (deg; NULL where not known)
    """
    ALTER TABLE sessions ADD COLUMN camera_tilt_deg REAL;
    """,
    # 4: the settings that differed from the defaults (JSON; NULL where not known)
    """
    ALTER TABLE sessions ADD COLUMN settings_json TEXT;
    """,
    # 5: the camera view of each baseline measure (a session may join several
    # recordings); NULL where not known
    """
    ALTER TABLE measures ADD COLUMN view TEXT;
    """,
    # 6: the routine's plan (halfcircle.coaching.plan); each change a new row, the last in effect
    """
    CREATE TABLE plans (
        id INTEGER PRIMARY KEY,
        set_at TEXT NOT NULL,
        days TEXT NOT NULL,
        at_time TEXT NOT NULL,
        use TEXT NOT NULL CHECK (use IN ('warm-up', 'cool-down', 'own')),
        minutes INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 120)
    );
    CREATE TABLE recordings (
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        sha256 TEXT NOT NULL
    );
    CREATE INDEX recordings_sha256 ON recordings(sha256);
    """,
)

#: How the note of a guided session starts (then ``TEST, STAGE``).
GUIDED_NOTE: Final = "guided session: "

#: Schema version this code writes.
SCHEMA_VERSION: Final = len(MIGRATIONS)

DB_NAME: Final = "history.sqlite3"

#: The tables every halfcircle history holds (from schema version 1).
_OUR_TABLES: Final = frozenset({"sessions", "measures", "practice_reps", "ratings"})

#: How a practice session reads in the trend: ``measure -> (rep metric, best|mean)``
#: over its complete reps (units in the names: deg; score 0-100 in pts; SPARC is
#: dimensionless, closer to 0 is smoother).
PRACTICE_MEASURES: Final[dict[str, tuple[str, str]]] = {
    "best_score_pts": ("score", "best"),
    "peak_lateral_right_deg": ("peak_lateral_right_deg", "best"),
    "peak_lateral_left_deg": ("peak_lateral_left_deg", "best"),
    "peak_forward_deg": ("peak_forward_deg", "best"),
    "smoothness_sparc": ("sparc", "mean"),
}


class HistoryError(HalfcircleError):
    """The history database cannot be opened, read or written."""


def default_db_path() -> Path:
    """Where the history lives: ``$HALFCIRCLE_HOME/history.sqlite3`` or the user data dir."""
    home = os.environ.get("HALFCIRCLE_HOME")
    if home:
        return Path(home) / DB_NAME
    import platformdirs

    return Path(platformdirs.user_data_dir("halfcircle", appauthor=False)) / DB_NAME


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class History:
    """The history database; a context manager that opens, migrates and closes it.

    Args:
        path: Database file; None for :func:`default_db_path`. Its folder is
            created when missing.
        timeout_s: How long to wait for another program's lock before giving up.

    An SQLite error met while reading or writing an open history is raised as
    :class:`sqlite3.Error`; :meth:`plain_error` turns it into one sentence.
    Writes (:meth:`transaction`) raise :class:`HistoryError` themselves.
    """

    def __init__(self, path: Path | str | None = None, timeout_s: float = 10.0) -> None:
        self.path = Path(path) if path is not None else default_db_path()
        self.timeout_s = timeout_s
        self._conn: sqlite3.Connection | None = None

    # ----------------------------------------------------------------- lifecycle
    def open(self) -> History:
        """Open (creating or upgrading) the database.

        An existing file is first read without writing (read-only) and opened for
        writing only when it is recognised as a halfcircle history: another
        program's SQLite file is left byte for byte as it was.

        Raises:
            HistoryError: One plain sentence: the file is another program's, is
                damaged, is locked by another program, is of a newer
                halfcircle, or its folder cannot be written.
        """
        try:
            self._recognise()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=self.timeout_s)
            conn.row_factory = sqlite3.Row
            self._conn = conn
            self._recognise_tables(conn)  # the file may have appeared since
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            self._migrate()
        except HistoryError:
            self.close()
            raise
        except sqlite3.Error as err:
            self.close()
            raise self.plain_error(err, "open") from err
        except OSError as err:
            self.close()
            raise HistoryError(
                f"Cannot open the history database {self.path}: {error_reason(err)}"
                f"{f' ({err.filename})' if err.filename else ''}."
            ) from err
        return self

    def _recognise(self) -> None:
        """Read an existing file without writing to it and refuse one that is not ours."""
        try:
            if self.path.stat().st_size == 0:
                return
        except FileNotFoundError:
            return
        uri = self.path.resolve().as_uri() + "?mode=ro"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=self.timeout_s)
        try:
            self._recognise_tables(conn)
        finally:
            conn.close()

    def _recognise_tables(self, conn: sqlite3.Connection) -> None:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        tables = {
            str(row[0])
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }
        ours = (version == 0 and not tables) or (version > 0 and _OUR_TABLES <= tables)
        if not ours:
            held = f" ({', '.join(sorted(tables)[:3])}{', ...' if len(tables) > 3 else ''})"
            raise HistoryError(
                f"{self.path} is not a halfcircle history: it holds another program's "
                f"tables{held if tables else ''}; it was left as it was, give another "
                "file with --db."
            )
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"The history database {self.path} has schema version {version}; this "
                f"halfcircle reads up to {SCHEMA_VERSION}: update halfcircle."
            )

    def plain_error(self, err: sqlite3.Error, doing: str = "read") -> HistoryError:
        """One plain sentence for an SQLite error met while ``doing`` (open, read, write)."""
        name = getattr(err, "sqlite_errorname", "") or ""
        text = str(err)
        where = f"Cannot {doing} the history database {self.path}"
        if name.startswith("SQLITE_BUSY") or name.startswith("SQLITE_LOCKED") or "locked" in text:
            return HistoryError(
                f"{where}: another program holds it locked; try again when it has finished."
            )
        if (
            name in ("SQLITE_CORRUPT", "SQLITE_NOTADB")
            or "malformed" in text
            or ("not a database" in text)
        ):
            return HistoryError(
                f"{where}: it is damaged ({text}); move it away to start a new history "
                "there, or give another file with --db."
            )
        if name.startswith("SQLITE_READONLY") or name.startswith("SQLITE_CANTOPEN"):
            return HistoryError(f"{where}: its file or folder cannot be written ({text}).")
        if name.startswith("SQLITE_FULL"):
            return HistoryError(f"{where}: the disk is full.")
        return HistoryError(f"{where}: {text}.")

    def close(self) -> None:
        """Close the database (idempotent)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> History:
        return self.open()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def is_open(self) -> bool:
        """Whether the database is open."""
        return self._conn is not None

    @property
    def conn(self) -> sqlite3.Connection:
        """The open connection."""
        if self._conn is None:
            raise HistoryError("The history database is not open.")
        return self._conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed on success, rolled back on any error."""
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as err:
            raise self.plain_error(err, "write") from err
        try:
            yield conn
        except BaseException as exc:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # nothing was committed: SQLite has rolled back already
            if isinstance(exc, sqlite3.Error):
                raise self.plain_error(exc, "write") from exc
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as err:
            raise self.plain_error(err, "write") from err

    def schema_version(self) -> int:
        """The database's schema version."""
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        version = self.schema_version()
        for v in range(version, SCHEMA_VERSION):
            with self.transaction() as conn:
                for statement in MIGRATIONS[v].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {v + 1}")

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
    ) -> int:
        """Add a session (its own transaction); returns its id."""
        with self.transaction() as conn:
            return self._insert_session(
                conn, kind, started_at, source, view, height_cm, video_path, note,
                camera_tilt_deg, settings,
            )  # fmt: skip

    def _insert_session(
        self,
        conn: sqlite3.Connection,
        kind: str,
        started_at: str | None,
        source: str | None,
        view: str | None,
        height_cm: float | None,
        video_path: str | None,
        note: str | None,
        camera_tilt_deg: float | None,
        settings: Mapping[str, Any] | None,
    ) -> int:
        if kind not in ("baseline", "practice"):
            raise InputError(f"A session is 'baseline' or 'practice', got {kind!r}.")
        settings_json = None if settings is None else json.dumps(settings, sort_keys=True)
        cur = conn.execute(
            "INSERT INTO sessions (started_at, kind, source, view, height_cm, video_path, note,"
            " camera_tilt_deg, settings_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (started_at or _now(), kind, source, view, height_cm, video_path, note,
             camera_tilt_deg, settings_json),
        )  # fmt: skip
        return int(cur.lastrowid or 0)

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
        """
        view = results[0].view if results else None
        with self.transaction() as conn:
            sid = self._insert_session(
                conn, "baseline", started_at, source, view, height_cm, None, None,
                camera_tilt_deg, settings,
            )  # fmt: skip
            for r in results:
                self._insert_measures(conn, sid, r)
            if feels is not None or pain is not None:
                self._insert_rating(conn, sid, None, feels, pain)
            for test, (f, p) in (test_ratings or {}).items():
                self._insert_rating(conn, sid, test, f, p)
        return sid

    def add_baseline_result(self, session_id: int, result: BaselineResult) -> None:
        """Add one test's measures to a session (its own transaction)."""
        with self.transaction() as conn:
            self._insert_measures(conn, session_id, result)

    def _insert_measures(
        self, conn: sqlite3.Connection, sid: int, r: BaselineResult, prefix: str = ""
    ) -> None:
        for key, value in r.measures().items():
            test, measure = key.split(".", 1)
            conn.execute(
                "INSERT INTO measures (session_id, test, measure, value, confidence, view)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (sid, test, prefix + measure, float(value), r.confidence, r.view),
            )

    def add_practice_reps(self, session_id: int, reps: Sequence[Mapping[str, Any]]) -> None:
        """Add practice reps (their metrics as JSON, NaN as null) in one transaction."""
        with self.transaction() as conn:
            self._insert_reps(conn, session_id, reps)

    def replace_practice_reps(
        self, session_id: int, reps: Sequence[Mapping[str, Any]], view: str | None = None
    ) -> None:
        """Replace a session's reps (and set its camera view) in one transaction."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM practice_reps WHERE session_id = ?", (session_id,))
            self._insert_reps(conn, session_id, reps)
            if view is not None:
                conn.execute("UPDATE sessions SET view = ? WHERE id = ?", (view, session_id))

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
        """
        with self.transaction() as conn:
            sid = self._insert_session(
                conn, "practice", started_at, source, view, None, video_path, None,
                camera_tilt_deg, settings,
            )  # fmt: skip
            self._insert_reps(conn, sid, reps)
            if feels is not None or pain is not None:
                self._insert_rating(conn, sid, None, feels, pain)
        return sid

    def record_guided_session(
        self,
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
    ) -> int:
        """Write a guided session (assess, practise, re-assess) as one session; its id.

        A ``baseline`` session (its assessment compares with earlier baselines, as
        :meth:`compare` does) whose note reads ``guided session: TEST, STAGE``: the first
        assessment's measures under their own names (``toe_touch.peak_deg``), the
        re-assessment's with ``after_`` before the measure (``toe_touch.after_peak_deg``),
        the practice reps as a practice session's, the pain before as the rating of the
        test (``test``, feels None) and ``feels`` with the pain after as the session's.
        """
        view = before[0].view if before else (after[0].view if after else None)
        pain_before, pain_after = pain
        with self.transaction() as conn:
            sid = self._insert_session(
                conn, "baseline", started_at, source, view, None, None,
                f"{GUIDED_NOTE}{test}, {stage or 'no practice'}", camera_tilt_deg, settings,
            )  # fmt: skip
            for r in before:
                self._insert_measures(conn, sid, r)
            for r in after:
                self._insert_measures(conn, sid, r, prefix="after_")
            self._insert_reps(conn, sid, reps)
            if pain_before is not None:
                self._insert_rating(conn, sid, test, None, pain_before)
            if feels is not None or pain_after is not None:
                self._insert_rating(conn, sid, None, feels, pain_after)
        return sid

    def guided_sessions(self) -> list[StageSession]:
        """The guided sessions with practice, as the stage rules read them, oldest first.

        A rep counts towards its stage (:func:`halfcircle.coaching.stages.stage_mastered`)
        when it is a controlled drill rep (per side) or a complete half circle (per
        direction); the pain is the one before (the test's rating) and after (the
        session's).
        """
        pains: dict[int, dict[str | None, int | None]] = {}
        for r in self.ratings():
            pains.setdefault(r["session_id"], {})[r["test"]] = r["pain"]
        reps: dict[int, list[dict[str, Any]]] = {}
        for p in self.practice_reps():
            reps.setdefault(p["session_id"], []).append(p["metrics"])
        out = []
        for s in self.sessions():
            note = s["note"] or ""
            if not note.startswith(GUIDED_NOTE):
                continue
            test, _, stage = note[len(GUIDED_NOTE) :].partition(", ")
            if stage not in STAGES:  # no practice that session
                continue
            good: dict[str, int] = {}
            for m in reps.get(s["id"], []):
                side = m.get("side") if m.get("controlled") else None
                if m.get("movement", "half_circle") == "half_circle" and m.get("complete"):
                    side = m.get("direction")
                if side:
                    good[side] = good.get(side, 0) + 1
            rated = pains.get(s["id"], {})
            out.append(
                StageSession(
                    day=local_datetime(s["started_at"]).date(),
                    stage=stage,
                    good_reps=good,
                    pain=PainRating(rated.get(test), rated.get(None)),
                )
            )
        return out

    def last_guided_practice(self, stage: str) -> tuple[list[dict[str, Any]], PainRating] | None:
        """The practice reps and pain (before, after) of the latest guided session at ``stage``."""
        ids = []
        for s in self.sessions():
            note = s["note"] or ""
            if note.startswith(GUIDED_NOTE) and note.endswith(f", {stage}"):
                ids.append((s["id"], note[len(GUIDED_NOTE) :].partition(", ")[0]))
        if not ids:
            return None
        sid, test = ids[-1]
        reps = [p["metrics"] for p in self.practice_reps() if p["session_id"] == sid]
        rated = {r["test"]: r["pain"] for r in self.ratings() if r["session_id"] == sid}
        return reps, PainRating(rated.get(test), rated.get(None))

    def last_assessment(self) -> str | None:
        """The assessment test of the latest guided session, if any."""
        notes = [s["note"] for s in self.sessions() if (s["note"] or "").startswith(GUIDED_NOTE)]
        return notes[-1][len(GUIDED_NOTE) :].partition(", ")[0] if notes else None

    def _insert_reps(
        self, conn: sqlite3.Connection, sid: int, reps: Sequence[Mapping[str, Any]]
    ) -> None:
        for i, rep in enumerate(reps, start=1):
            conn.execute(
                "INSERT INTO practice_reps (session_id, rep_index, metrics_json) VALUES (?, ?, ?)",
                (sid, int(rep.get("index", i) or i), json.dumps(_finite(dict(rep)))),
            )

    def add_rating(
        self, session_id: int, feels: str | None, pain: int | None, test: str | None = None
    ) -> None:
        """Add a rating (overall when ``test`` is None) in its own transaction."""
        with self.transaction() as conn:
            self._insert_rating(conn, session_id, test, feels, pain)

    def _insert_rating(
        self,
        conn: sqlite3.Connection,
        sid: int,
        test: str | None,
        feels: str | None,
        pain: int | None,
    ) -> None:
        if feels is not None and feels not in FEELINGS:
            raise InputError(f"How it feels is one of {', '.join(FEELINGS)}, got {feels!r}.")
        if pain is not None and not 0 <= pain <= 10:
            raise InputError(f"Pain is rated 0 to 10, got {pain}.")
        conn.execute(
            "INSERT INTO ratings (session_id, test, feels, pain) VALUES (?, ?, ?, ?)",
            (sid, test, feels, pain),
        )

    def find_recording(self, digest: str, started_at: str, source: str) -> int | None:
        """The session already measured from this recording, or None.

        The same recording is the same file content (``digest``, of
        :func:`recording_digest`), or the same recording time and source (a copy
        re-encoded or trimmed by another program keeps both).
        """
        row = self.conn.execute(
            "SELECT s.id FROM sessions s LEFT JOIN recordings r ON r.session_id = s.id"
            " WHERE r.sha256 = ? OR (s.started_at = ? AND s.source = ?) ORDER BY s.id LIMIT 1",
            (digest, started_at, source),
        ).fetchone()
        return None if row is None else int(row[0])

    def note_recording(self, session_id: int, digest: str) -> None:
        """Keep the content digest of the recording a session was measured from."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO recordings (session_id, sha256) VALUES (?, ?)", (session_id, digest)
            )

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

    def series(self) -> dict[str, list[tuple[str, float, int]]]:
        """Each measure over time: ``TEST.MEASURE -> [(started_at, value, session_id)]``.

        Baseline measures first, then the practice sessions' ``practice.*``
        measures (:data:`PRACTICE_MEASURES`) for sessions with a complete rep.
        """
        out: dict[str, list[tuple[str, float, int]]] = {}
        for m in self.measures():
            out.setdefault(f"{m['test']}.{m['measure']}", []).append(
                (m["started_at"], m["value"], m["session_id"])
            )
        for started_at, sid, values in self._practice_summaries():
            for name, value in values.items():
                out.setdefault(f"practice.{name}", []).append((started_at, value, sid))
        return out

    def _practice_summaries(self) -> list[tuple[str, int, dict[str, float]]]:
        """Per practice session with complete reps: its :data:`PRACTICE_MEASURES`."""
        by_session: dict[int, tuple[str, list[dict[str, Any]]]] = {}
        for p in self.practice_reps():
            if p["metrics"].get("complete", True):
                entry = by_session.setdefault(p["session_id"], (p["started_at"], []))
                entry[1].append(p["metrics"])
        out = []
        for sid, (started_at, reps) in by_session.items():
            values = {}
            for name, (metric, how) in PRACTICE_MEASURES.items():
                vals = [float(r[metric]) for r in reps if _is_number(r.get(metric))]
                if vals:
                    values[name] = max(vals) if how == "best" else sum(vals) / len(vals)
            out.append((started_at, sid, values))
        return out

    def personal_best(
        self, before_session: int | None = None, until: str | None = None
    ) -> PersonalBest | None:
        """The best of every complete practice rep so far, each field its own best.

        Args:
            before_session: Leave out this session and later ones (to compare a
                session with what came before it).
            until: Leave out sessions started after this ISO 8601 time (a
                recorded video is dated by its file, which may be in the past).

        Returns:
            None when there is no complete scored rep yet.
        """
        best: PersonalBest | None = None
        for p in self.practice_reps():
            if before_session is not None and p["session_id"] >= before_session:
                continue
            if until is not None and p["started_at"] > until:
                continue
            m = p["metrics"]
            if not m.get("complete", True) or not _is_number(m.get("score")):
                continue
            rep = PersonalBest(
                **{
                    f.name: float(m[f.name]) if _is_number(m.get(f.name)) else math.nan
                    for f in fields(PersonalBest)
                }
            )
            best = rep if best is None else best.merged(rep)
        return best

    def trend(self) -> list[TrendRow]:
        """Per measure: first, previous and latest value and whether the change is real."""
        by_test: dict[tuple[int, str | None], tuple[str | None, int | None]] = {
            (r["session_id"], r["test"]): (r["feels"], r["pain"]) for r in self.ratings()
        }
        rows = []
        for key, series in self.series().items():
            values = [v for _, v, _ in series]
            prev = values[-2] if len(values) > 1 else None
            change = values[-1] - prev if prev is not None else None
            mdc = MDC.get(unit_of(key))  # none known for score and SPARC
            if mdc is not None:
                mdc = change_margin(key)  # a rotation's is its measured error
            # how the latest session with this measure felt: the test's own rating, else
            # the whole session's
            latest = series[-1][2]
            feels, pain = by_test.get((latest, key.split(".")[0])) or by_test.get(
                (latest, None), (None, None)
            )
            said = verdict(key, change) if change is not None else None
            rows.append(
                TrendRow(
                    key=key,
                    n=len(values),
                    first=values[0],
                    previous=prev,
                    latest=values[-1],
                    change=change,
                    real=change is not None and mdc is not None and abs(change) > mdc,
                    latest_feels=feels,
                    latest_pain=pain,
                    verdict=said,
                )
            )
        return rows

    def compare(self, session_id: int, with_id: int | None = None) -> list[str]:
        """Plain lines comparing a session with an earlier one.

        By default the earlier one is the first baseline of the same day, or the
        previous baseline when the session is the day's first. Example line:
        ``"toe touch +6 deg (better), feels better"`` (what the change means, and the
        test's own rating, said on its first line); a change within the minimal
        detectable change reads
        ``"about the same"``; the session's overall rating is the last line,
        ``"feels better overall"``. First lines say when the camera looked down
        by another angle, filmed from another view (front, at an angle, from the
        side; each test by its own recording's view) or settings that bear on the
        baseline tests were other then, as the measures may then not compare.
        """
        sessions = [s for s in self.sessions() if s["kind"] == "baseline"]
        if session_id not in [s["id"] for s in sessions]:
            return []
        if with_id is None:
            with_id = self.baseline_before(session_id)
            if with_id is None:
                return []
        now = self._values(session_id)
        then = self._values(with_id)
        feel = {r["test"]: r["feels"] for r in self.ratings() if r["session_id"] == session_id}
        lines = []
        tilt = {s["id"]: s["camera_tilt_deg"] for s in sessions}
        if _tilts_differ(tilt[session_id], tilt[with_id]):
            lines.append(
                f"camera tilted {tilt[session_id]:g} deg down against {tilt[with_id]:g} then "
                "(forward bending may not compare)"
            )
        view_now, view_then = self._test_views(session_id), self._test_views(with_id)
        for test, v in view_now.items():
            w = view_then.get(test)
            if w and v != w:
                lines.append(
                    f"{test.replace('_', ' ')} filmed {_VIEW_WORDS.get(v, v)}, "
                    f"{_VIEW_WORDS.get(w, w)} then (may not compare)"
                )
        settings = {s["id"]: s["settings"] for s in sessions}
        differ = _settings_differ(
            settings[session_id], settings[with_id], tables=BASELINE_SETTING_TABLES
        )
        if differ:
            lines.append(f"other settings than then: {', '.join(differ)} (may not compare)")
        said: set[str] = set()  # tests whose own feeling was said (once, on its first line)
        for key, value in now.items():
            if key not in then:
                continue
            d = value - then[key]
            unit = unit_of(key)
            test, measure = key.split(".", 1)
            label = test.replace("_", " ") + _MEASURE_LABELS.get(measure, f" {measure}")
            what = (
                f"{d:+.0f} {unit} ({verdict(key, d)})"
                if _is_real(unit, d, key)
                else "about the same"
            )
            f = feel.get(test) if test not in said else None
            said.add(test)
            lines.append(f"{label} {what}" + (f", feels {f}" if f else ""))
        if lines and feel.get(None):
            lines.append(f"feels {feel[None]} overall")
        return lines

    def baseline_before(self, session_id: int) -> int | None:
        """The baseline a session is compared with by default (see :meth:`compare`).

        The first baseline of the same day, else the previous baseline; None for
        the first one, or when ``session_id`` is not a baseline.
        """
        sessions = [s for s in self.sessions() if s["kind"] == "baseline"]
        ids = [s["id"] for s in sessions]
        if session_id not in ids:
            return None
        i = ids.index(session_id)
        day = sessions[i]["started_at"][:10]
        same_day = [s["id"] for s in sessions[:i] if s["started_at"][:10] == day]
        return same_day[0] if same_day else ids[i - 1] if i > 0 else None

    def _test_views(self, session_id: int) -> dict[str, str]:
        """Each baseline test's camera view: its own recording's, else the session's."""
        row = self.conn.execute("SELECT view FROM sessions WHERE id = ?", (session_id,)).fetchone()
        session_view = row["view"] if row is not None else None
        rows = self.conn.execute(
            "SELECT test, view FROM measures WHERE session_id = ?", (session_id,)
        ).fetchall()
        views = {r["test"]: r["view"] or session_view for r in rows}
        return {test: v for test, v in views.items() if v}

    def _values(self, session_id: int) -> dict[str, float]:
        rows = self.conn.execute(
            "SELECT test, measure, value FROM measures WHERE session_id = ?", (session_id,)
        ).fetchall()
        return {f"{r['test']}.{r['measure']}": r["value"] for r in rows}

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

    def pain_decision(self, session_id: int) -> PainDecision | None:
        """What a session's pain means (:func:`halfcircle.coaching.painmodel.pain_decision`).

        Each session's overall pain is its one reading (asked at its end), so a rise is
        taken against the session rated before it. None when the session has no pain.
        """
        rated = [s for s in self.sessions() if s["pain"] is not None]
        ids = [s["id"] for s in rated]
        if session_id not in ids:
            return None
        upto = rated[: ids.index(session_id) + 1]
        return pain_decision([PainRating(after=s["pain"]) for s in upto])

    def pain_advice(self, session_id: int) -> str | None:
        """The sentence about a session's pain when there is something to say.

        None when the pain stayed settled or fell; a rise of 1 gets the reassurance that
        it is normal, a clear rise the advice to ease off next time, and pain higher at
        the start of several sessions in a row the advice to check with a clinician.
        """
        decision = self.pain_decision(session_id)
        if decision is None or not decision.worth_saying:
            return None
        return decision.sentence

    def latest_pain_advice(self) -> str | None:
        """:meth:`pain_advice` of the latest session rated with a pain."""
        rated = [s["id"] for s in self.sessions() if s["pain"] is not None]
        return self.pain_advice(rated[-1]) if rated else None

    # ------------------------------------------------------------------- exports
    def export_json(self, path: Path) -> None:
        """Everything as one JSON document (schema version, units in the names)."""
        data = {
            "schema_version": self.schema_version(),
            "exported_at": _now(),
            "sessions": self.sessions(),
            "measures": self.measures(),
            "ratings": self.ratings(),
            "practice_reps": self.practice_reps(),
            "plans": [plan_dict(p) for p in plans(self.conn)],
            "adherence": self.adherence().to_dict(),
        }
        path.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n")

    def export_csv(self, path: Path) -> None:
        """Everything as one long CSV: one row per measure, rating or rep metric.

        With a plan set, rows of ``record`` ``plan`` (each plan's days, time, use and
        minutes; ``started_at`` is when it was set) and ``adherence`` (today's streak and
        week, as ``halfcircle today`` says them) follow, with no session.

        Each row ends with its session's set-up (view, body height in cm, camera
        tilt in deg down, and the settings that differed from the defaults as
        JSON; empty where unknown), so rows of different set-ups can be told
        apart in a spreadsheet. A baseline measure's view is its own recording's,
        where known (a session may join recordings filmed from different views).
        """
        cols = ("session_id", "started_at", "kind", "record", "test", "name", "value")
        setup_cols = ("view", "height_cm", "camera_tilt_deg", "settings")
        sessions = {s["id"]: s for s in self.sessions()}
        for s in sessions.values():
            if s["settings"] is not None:
                s["settings"] = json.dumps(s["settings"], sort_keys=True)

        def row(sid: int, started_at: str, record: str, test: str, name: str, value: Any,
                view: str | None = None) -> tuple[Any, ...]:  # fmt: skip
            s = dict(sessions[sid]) | ({"view": view} if view else {})
            setup = tuple("" if s.get(c) is None else s[c] for c in setup_cols)
            return (sid, started_at, s["kind"], record, test, name, value, *setup)

        rows: list[tuple[Any, ...]] = []
        for m in self.measures():
            rows.append(
                row(m["session_id"], m["started_at"], "measure", m["test"], m["measure"],
                    m["value"], m["view"])
            )  # fmt: skip
        for r in self.ratings():
            for name in ("feels", "pain"):
                if r[name] is not None:
                    rows.append(
                        row(
                            r["session_id"],
                            r["started_at"],
                            "rating",
                            r["test"] or "",
                            name,
                            r[name],
                        )
                    )
        for p in self.practice_reps():
            for name, value in _flatten(p["metrics"]).items():
                numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
                if numeric and math.isfinite(value):
                    rows.append(
                        row(
                            p["session_id"],
                            p["started_at"],
                            "rep",
                            f"rep {p['rep_index']}",
                            name,
                            value,
                        )
                    )
        blank = ("",) * len(setup_cols)
        all_plans = plans(self.conn)
        for plan in all_plans:
            for name, value in plan_dict(plan).items():
                if name != "set_at":
                    rows.append(("", plan.set_at, "", "plan", "", name, value, *blank))
        if all_plans:
            status = self.adherence()
            for name, value in status.to_dict().items():
                if name not in ("day", "next_planned"):
                    rows.append(
                        ("", status.day.isoformat(), "", "adherence", "", name, value, *blank)
                    )
        with path.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(cols + setup_cols)
            w.writerows(rows)

    def adherence(self, today: date | None = None) -> TodayStatus:
        """How the plan has been kept up to ``today`` (local; now when None)."""
        days = {local_datetime(s["started_at"]).date() for s in self.sessions()}
        return today_status(plans(self.conn), days, today or date.today())


def recording_digest(paths: Sequence[Path | str]) -> str:
    """SHA-256 (hex) of the contents of the video files of one session, in the order given."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()
