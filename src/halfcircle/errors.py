"""Our own exception types.

Every message is one plain sentence a person can act on. The library raises;
only the command line turns an error into a printed line and an exit code.
"""

from __future__ import annotations

from collections.abc import Iterable


class HalfcircleError(Exception):
    """Base class of every error halfcircle raises on purpose."""

    exit_code: int = 1


class InputError(HalfcircleError):
    """A file or argument given by the user cannot be used."""

    exit_code = 2


class OutputFolderError(InputError):
    """The output folder given cannot be used (a file, or not writable)."""


class VideoSourceError(InputError):
    """A video file, camera or stream cannot be opened or read."""


class CameraLostError(VideoSourceError):
    """A camera or stream that was working stopped delivering frames."""

    exit_code = 3


class ModelError(HalfcircleError):
    """A pose model bundle is missing, damaged or cannot be loaded."""

    exit_code = 4


class ValidationError(HalfcircleError, ValueError):
    """Arrays handed to a halfcircle function have the wrong shape or values."""


def error_reason(err: BaseException) -> str:
    """Why ``err`` happened, in words, without a final stop.

    An OS error's own text when it has one (``"No space left on device"``),
    else the error's message.
    """
    text = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
    return text.rstrip(".")


def sign_problems(
    obj: object, *, positive: Iterable[str] = (), non_negative: Iterable[str] = ()
) -> list[str]:
    """Phrases naming the attributes of ``obj`` whose sign is wrong.

    One for each name in ``positive`` that is not > 0 and in ``non_negative``
    that is not >= 0 (NaN fails both), for a :class:`ValidationError` that names
    every problem of a configuration at once.
    """
    out = [
        f"{name} must be positive, got {getattr(obj, name)}"
        for name in positive
        if not getattr(obj, name) > 0
    ]
    return out + [
        f"{name} must be >= 0, got {getattr(obj, name)}"
        for name in non_negative
        if not getattr(obj, name) >= 0
    ]
