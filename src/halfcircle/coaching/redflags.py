"""Red flags: the questions asked before any coaching, and what a "yes" means.

Standard low-back-pain screening (``DOMAIN.md``, "The program"): any "yes" means seeing
a clinician before exercising, and halfcircle then does not coach. The questions are
data, so that the window, the voice and the terminal ask the same ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

__all__ = ["ADVICE", "QUESTIONS", "any_red_flag"]

#: ``key -> question``, asked in this order; each is answered yes or no.
QUESTIONS: Final[dict[str, str]] = {
    "saddle": "Numbness around your groin or buttocks, or new trouble controlling your "
    "bladder or bowel?",
    "leg": "Weakness or numbness in a leg that is getting worse?",
    "unwell": "Fever, or feeling generally unwell, along with the back pain?",
    "cancer": "A history of cancer, or weight loss you cannot explain?",
    "injury": "A recent fall or injury?",
    "night": "Constant pain at night that does not ease when you change position?",
}

#: What halfcircle says after any "yes" (and then it does not coach).
ADVICE: Final = (
    "Thank you for answering. Because of what you said, please see a clinician (a doctor "
    "or physiotherapist) before starting these exercises. This is a precaution, not a "
    "diagnosis; halfcircle will be here when they say it is fine to go ahead."
)


def any_red_flag(answers: Mapping[str, bool]) -> bool:
    """True when any question was answered yes (a question not answered counts as no)."""
    return any(answers.get(key, False) for key in QUESTIONS)
