"""Settings of the pose stage (the ``[pose]`` table of a settings file).

Kept apart from :mod:`halfcircle.pose` so that reading the settings does not
load MediaPipe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from halfcircle.errors import ValidationError, sign_problems

#: Default seconds between two looks for other people in view.
OTHERS_CHECK_S: Final = 0.5


@dataclass(frozen=True)
class PoseConfig:
    """How the pose stage looks for people besides the one it tracks.

    Attributes:
        others_check_s: Seconds between two looks for other people in view (a
            second, cheap pass of the model on a spare core; the person coached
            is tracked on every frame regardless); 0 turns the looks off.
    """

    others_check_s: float = OTHERS_CHECK_S

    def __post_init__(self) -> None:
        problems = sign_problems(self, non_negative=("others_check_s",))
        if problems:
            raise ValidationError("Invalid pose config: " + "; ".join(problems) + ".")
