"""What the live window's end-of-set screen says, as data (the live app shows and speaks it).

The numbers are the report's (the analysis of the recorded poses), so that the
screen, the terminal and ``report.html`` agree; the comparison with earlier sessions
is the history's own sentences (:meth:`halfcircle.history.practice.PracticeLog.finish`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from halfcircle.analyze.video import Analysis, drill_sentences, score_points, side_view_sentence
from halfcircle.coaching.drills import drill_tally

__all__ = ["OPEN_REPORT_KEY", "EndOfSet", "end_of_set"]

#: The key that opens the report from the end-of-set screen.
OPEN_REPORT_KEY: Final = "v"
#: How many of the history's sentences the screen shows (the first ones: the score, the peaks).
MAX_COMPARISON: Final = 2
#: Said when the session is in the history but nothing came before it to compare with.
FIRST_SESSION: Final = "Your first set in your history: next time you will see how it compares."
#: Said when the session was left out of the history (``--no-history``).
NOT_IN_HISTORY: Final = "This set is not in your history, so it is not compared."


@dataclass(frozen=True)
class EndOfSet:
    """The end-of-set screen.

    Attributes:
        reps: Complete half circles (the report's count).
        average_score: The complete reps' mean score as shown (whole points), or None.
        comparison: One or two sentences comparing the set with earlier ones.
        report_ready: Whether ``report.html`` was written (the key to open it is offered).
        drills: The side bends and roll-downs done, a sentence a movement
            (:func:`halfcircle.analyze.video.drill_sentences`); the headline of a set of
            drills without a half circle.
    """

    reps: int
    average_score: str | None
    comparison: tuple[str, ...]
    report_ready: bool = True
    drills: tuple[str, ...] = ()

    @property
    def headline(self) -> str:
        """The count and the average score, such as ``2 half circles, average score 78.``.

        A set of drills only says what was done instead of "0 half circles".
        """
        if self.reps == 0 and self.drills:
            return " ".join(self.drills)
        reps = f"{self.reps} half circle" + ("" if self.reps == 1 else "s")
        if self.average_score is None:
            return f"{reps}."
        score = "score" if self.reps == 1 else "average score"
        return f"{reps}, {score} {self.average_score}."

    @property
    def keys(self) -> str:
        """The keys the screen offers."""
        if self.report_ready:
            return f"{OPEN_REPORT_KEY} open the report     Enter close"
        return "Enter close"

    def lines(self) -> list[str]:
        """The screen's lines: title, headline, comparison, keys."""
        return ["Set done", self.headline, *self.comparison, self.keys]

    def spoken(self) -> str:
        """What the coach says when the screen appears."""
        return " ".join(["Set done.", self.headline, *self.comparison])


def end_of_set(
    analysis: Analysis, progress: Sequence[str], *, in_history: bool, report_ready: bool = True
) -> EndOfSet:
    """The end-of-set screen of a session.

    Args:
        analysis: The report's analysis of the session.
        progress: The history's sentences comparing the session with the best before
            it (empty when there was nothing before).
        in_history: Whether the session went into the history.
        report_ready: Whether the report was written.
    """
    shown = score_points(analysis)
    comparison = tuple(progress[:MAX_COMPARISON])
    if not comparison and shown is not None:  # a scored set, with nothing to compare it with
        comparison = (FIRST_SESSION,) if in_history else (NOT_IN_HISTORY,)
    side = side_view_sentence(analysis)
    if side is not None:  # no rep is counted from the side: say why instead of "0 reps"
        comparison = (side, *comparison[:1])
    return EndOfSet(
        reps=len(analysis.complete_reps),
        average_score=shown[0] if shown else None,
        comparison=comparison,
        report_ready=report_ready,
        drills=tuple(drill_sentences(drill_tally(analysis.drills))),
    )
