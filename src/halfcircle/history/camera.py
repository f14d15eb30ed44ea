"""The camera's tilt a session uses: as given, as remembered from the history, or level.

People film from the same set-up day after day, and a forgotten ``--camera-tilt``
would make forward bending jump by several degrees in the trend (a camera 8 deg down
reads it about 7 deg high), so a tilt not given is taken from the latest session that
recorded one.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from halfcircle.errors import HalfcircleError
from halfcircle.history.store import History

__all__ = ["CameraTilt", "TiltHow", "camera_tilt_to_use"]

#: How a session takes its camera tilt: as given, as remembered, or from the picture.
TiltHow = Literal["given", "remembered", "picture"]


@dataclass(frozen=True)
class CameraTilt:
    """The tilt to measure with (deg, positive down) and how it was obtained."""

    deg: float
    how: Literal["given", "remembered", "assumed level"]

    @property
    def tilt_how(self) -> TiltHow:
        """How the session takes it: ``given``, ``remembered``, or ``picture``.

        ``picture``: none given, and none or a level one remembered (a history keeps
        0 for sessions that gave none): the picture tells it where it can, else the
        camera is taken as level.
        """
        if self.how == "given":
            return "given"
        return "remembered" if self.how == "remembered" and self.deg != 0.0 else "picture"


def camera_tilt_to_use(
    given: float | None, db: Path | str | None = None, remember: bool = True
) -> CameraTilt:
    """The camera tilt a session measures with.

    Args:
        given: The tilt the person gave (deg down; negative looks up), None for none.
        db: The history to remember from; None for the default one.
        remember: Whether to look in the history when none is given (a session that
            is not kept in the history does not read it either).

    A given tilt wins; else the latest session's in the history that recorded one
    (a history that cannot be read is taken as none: it is reported where it is
    written); else the camera is assumed level. Nothing is created on disk.
    """
    if given is not None:
        return CameraTilt(float(given), "given")
    if remember:
        path = History(db).path
        if path.is_file():
            try:
                with History(path) as history:
                    last = history.last_camera_tilt()
            except (HalfcircleError, sqlite3.Error, OSError):
                last = None
            if last is not None:
                return CameraTilt(float(last), "remembered")
    return CameraTilt(0.0, "assumed level")
