"""A person's history: baselines, practice, ratings and plans in one SQLite file."""

from halfcircle.history.store import (
    CHANGE_MARGINS,
    SCHEMA_VERSION,
    History,
    HistoryError,
    PracticeLog,
    default_db_path,
    verdict,
)

__all__ = [
    "CHANGE_MARGINS",
    "SCHEMA_VERSION",
    "History",
    "HistoryError",
    "PracticeLog",
    "default_db_path",
    "verdict",
]
