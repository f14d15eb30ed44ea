"""The native runtime's log muted, and a way to the terminal that stays open meanwhile.

MediaPipe's native runtime writes its log straight to file descriptor 2. The pose
stage mutes it around loading a model and each inference (:class:`_StderrMute`),
which can overlap across threads. Our own progress bars and messages written
meanwhile go through :func:`write_to_terminal` (or a :class:`TerminalStream`),
which writes to the stderr saved by the mute, so that they still reach the
terminal. No MediaPipe here: the commands' progress bars use it before (and
without) loading the model.
"""

from __future__ import annotations

import io
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

#: Mutes in force (any thread) and the real stderr they saved: the first mute
#: saves it, the last one to stop puts it back, in whatever order they stop.
_MUTE_LOCK = threading.Lock()
#: The file descriptor the native runtime writes its log to.
_STDERR_FD = 2
_mute_depth = 0
_saved_stderr: int | None = None


class _StderrMute:
    """Point file descriptor 2 at /dev/null between :meth:`start` and :meth:`stop`.

    MediaPipe's native runtime prints dozens of INFO and WARNING lines on loading
    a model and on its first inference that mean nothing to a user; our own
    errors are raised, not printed, so nothing of ours is lost meanwhile. Mutes
    may overlap (several landmarkers, the live loop's own): stderr comes back
    when the last of them stops.
    """

    def __init__(self) -> None:
        self._on = False
        self.started_at = 0.0

    @property
    def active(self) -> bool:
        return self._on

    def start(self) -> None:
        global _mute_depth, _saved_stderr
        if self._on:
            return
        with _MUTE_LOCK:
            if _mute_depth == 0:
                try:
                    sys.stderr.flush()
                    _saved_stderr = os.dup(_STDERR_FD)
                except (AttributeError, OSError, ValueError):
                    return
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, _STDERR_FD)
                os.close(devnull)
            _mute_depth += 1
        self._on = True
        self.started_at = time.monotonic()

    def stop(self) -> None:
        global _mute_depth, _saved_stderr
        if not self._on:
            return
        self._on = False
        with _MUTE_LOCK:
            if _mute_depth <= 0:  # started before this process was forked: not ours
                return
            _mute_depth -= 1
            if _mute_depth == 0 and _saved_stderr is not None:
                os.dup2(_saved_stderr, _STDERR_FD)
                os.close(_saved_stderr)
                _saved_stderr = None


@contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Hide what MediaPipe's native runtime prints to fd 2 meanwhile (see _StderrMute)."""
    mute = _StderrMute()
    mute.start()
    try:
        yield
    finally:
        mute.stop()


def _after_fork_in_child() -> None:
    """A forked child (a worker process) starts unmuted, with a lock no thread holds.

    The lock is held across the fork (:func:`os.register_at_fork`), so no other
    thread of the parent can hold it then; the parent's mutes are not the child's.
    """
    global _mute_depth, _saved_stderr
    if _saved_stderr is not None:
        os.dup2(_saved_stderr, _STDERR_FD)
        os.close(_saved_stderr)
    _mute_depth, _saved_stderr = 0, None
    _MUTE_LOCK.release()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(
        before=_MUTE_LOCK.acquire,
        after_in_parent=_MUTE_LOCK.release,
        after_in_child=_after_fork_in_child,
    )


def write_to_terminal(text: str) -> None:
    """Write ``text`` to the real stderr (any thread), even while the native log is muted."""
    data = text.encode(errors="replace")
    with _MUTE_LOCK:
        fd = _saved_stderr if _saved_stderr is not None else _STDERR_FD
        try:
            os.write(fd, data)
        except OSError:  # a closed terminal: nothing more to show
            pass


class TerminalStream(io.TextIOBase):
    """A text stream on the real stderr for progress bars (:func:`write_to_terminal`)."""

    def __init__(self) -> None:
        super().__init__()
        self._tty = sys.stderr.isatty() if hasattr(sys.stderr, "isatty") else False

    def write(self, text: str) -> int:  # noqa: D102
        sys.stderr.flush()  # what Python buffered for fd 2 comes first
        write_to_terminal(text)
        return len(text)

    def isatty(self) -> bool:  # noqa: D102
        return self._tty

    @property
    def encoding(self) -> str:  # type: ignore[override]  # noqa: D102  (read-only here)
        return getattr(sys.stderr, "encoding", None) or "utf-8"

    def writable(self) -> bool:  # noqa: D102
        return True
