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
            to frame (the default): the person detector runs only when the
            person is lost, other people are noticed by looks every
            others_check_s, and a look that shows the model following someone
            else brings it back to the person coached. False: two poses, with
            the person detector run on every frame (about twice the model time;
            a second person is noticed on the frame they appear).
        others_check_s: With track_one, seconds between two looks for other
            people in view (a second, small model on a spare core); 0 turns them
            off (then nobody else is noticed, and the model keeps whoever it
            follows).
    """

    track_one: bool = True
    others_check_s: float = OTHERS_CHECK_S

    def __post_init__(self) -> None:
        problems = sign_problems(self, non_negative=("others_check_s",))
        if problems:
            raise ValidationError("Invalid pose config: " + "; ".join(problems) + ".")
