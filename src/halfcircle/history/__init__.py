"""A person's history: baselines, practice, ratings and plans in one SQLite file.

``database`` opens, upgrades and guards the file; ``rows`` writes the rows of one
session inside a transaction; ``store`` holds :class:`History`, the sessions written
whole and read back. What is worked out from them: ``trend`` (each measure over time,
personal bests), ``compare`` (a baseline against an earlier one), ``pain`` (the pain
model over sessions), ``guided`` (guided sessions and what the stages read),
``progress`` (margins, verdicts and labels, pure), ``practice`` (a practice session
written as it happens) and ``export`` (JSON and CSV).
"""

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
