"""The history's database file: where it lives, its schema and how it is opened.

The schema version is kept in ``PRAGMA user_version`` and upgraded on open by
:data:`MIGRATIONS` (the tables are described in :mod:`halfcircle.history.store`).
Every write is one transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``), and the
database runs with a write-ahead log and ``synchronous=FULL``: a process killed
mid-write leaves the database as it was after the last commit. A file that is not a
halfcircle history is never written to.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Final, TypeVar

from halfcircle.errors import HalfcircleError, error_reason

__all__ = [
    "DB_NAME",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Database",
    "HistoryError",
    "default_db_path",
    "utc_now",
]

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
    # 7: how many frames of a practice session were measured, and how many skipped
    # because the model was busy (NULL where not known)
    """
    ALTER TABLE sessions ADD COLUMN frames_measured INTEGER;
    ALTER TABLE sessions ADD COLUMN frames_skipped INTEGER;
    """,
    # 8: how the camera's pitch was obtained (given, remembered, from the picture,
    # assumed level) and, told from the picture, its stated uncertainty (deg)
    """
    ALTER TABLE sessions ADD COLUMN camera_pitch_how TEXT;
    ALTER TABLE sessions ADD COLUMN camera_pitch_uncertainty_deg REAL;
    """,
)

#: Schema version this code writes.
SCHEMA_VERSION: Final = len(MIGRATIONS)

DB_NAME: Final = "history.sqlite3"
#: Seconds to wait for another program's lock on the history before giving up.
LOCK_TIMEOUT_S = 10.0

#: The tables every halfcircle history holds (from schema version 1).
_OUR_TABLES: Final = frozenset({"sessions", "measures", "practice_reps", "ratings"})


class HistoryError(HalfcircleError):
    """The history database cannot be opened, read or written."""


def default_db_path() -> Path:
    """Where the history lives: ``$HALFCIRCLE_HOME/history.sqlite3`` or the user data dir."""
    home = os.environ.get("HALFCIRCLE_HOME")
    if home:
        return Path(home) / DB_NAME
    import platformdirs

    return Path(platformdirs.user_data_dir("halfcircle", appauthor=False)) / DB_NAME


def utc_now() -> str:
    """Now as ISO 8601 UTC to the second (how the history dates what it writes)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


_Db = TypeVar("_Db", bound="Database")


class Database:
    """The history's SQLite file; a context manager that opens, migrates and closes it.

    Args:
        path: Database file; None for :func:`default_db_path`. Its folder is
            created when missing.
        timeout_s: How long to wait for another program's lock before giving up
            (s; :data:`LOCK_TIMEOUT_S` when None).

    An SQLite error met while reading or writing an open database is raised as
    :class:`sqlite3.Error`; :meth:`plain_error` turns it into one sentence.
    Writes (:meth:`transaction`) raise :class:`HistoryError` themselves.
    """

    def __init__(self, path: Path | str | None = None, timeout_s: float | None = None) -> None:
        self.path = Path(path) if path is not None else default_db_path()
        self.timeout_s = LOCK_TIMEOUT_S if timeout_s is None else timeout_s
        self._conn: sqlite3.Connection | None = None

    def open(self: _Db) -> _Db:
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

    def __enter__(self: _Db) -> _Db:
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
