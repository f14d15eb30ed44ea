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
    """How the pose stage finds the person coached and notices others.

    Attributes:
        track_one: Ask the model for one pose and follow that person from frame
            to frame, instead of two poses with the person detector run on every
            frame: less model time, but the angles differ from those
            the accuracy table was measured with (by up to a few degrees either
            way on the rendered clips: ``bench/accuracy.py --track-one``), the
            person followed is the one the model's detector ranks first, and
            other people are noticed only by the looks of others_check_s.
        others_check_s: With track_one, seconds between two looks for other
            people in view (a second model on a spare core); 0 turns them off.
    """

    track_one: bool = False
    others_check_s: float = OTHERS_CHECK_S

    def __post_init__(self) -> None:
        problems = sign_problems(self, non_negative=("others_check_s",))
        if problems:
            raise ValidationError("Invalid pose config: " + "; ".join(problems) + ".")
