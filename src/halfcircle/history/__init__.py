"""A person's history: baselines, practice, ratings and plans in one SQLite file."""

from halfcircle.history.practice import PracticeLog
from halfcircle.history.progress import CHANGE_MARGINS, verdict
from halfcircle.history.store import SCHEMA_VERSION, History, HistoryError, default_db_path

__all__ = [
    "CHANGE_MARGINS",
    "SCHEMA_VERSION",
    "History",
    "HistoryError",
    "PracticeLog",
    "default_db_path",
    "verdict",
]
