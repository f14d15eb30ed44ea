"""The live session's screens: a window (the only user of OpenCV's GUI) or none (headless)."""

from __future__ import annotations

import os
import sys
import time
from typing import Final, Protocol

import cv2
import numpy as np
from numpy.typing import NDArray

from halfcircle.errors import InputError
from halfcircle.live.options import (
    DEFAULT_WINDOW_SIZE,
    FULL_SCREEN_KEY,
)
from halfcircle.present.layout import window_layout
from halfcircle.present.overlay import (
    OverlayInfo,
    draw_cue,
    draw_help,
    draw_message_screen,
)


# ------------------------------------------------------------------------------ UI
class LiveUI(Protocol):
    """Where frames are shown and keys come from."""

    closed: bool

    def show(self, image: NDArray[np.uint8], wait_ms: int = 1) -> int:
        """Show a frame; return the key pressed (-1 for none)."""
        ...

    def ask(self, image: NDArray[np.uint8], lines: list[str], keys: set[int]) -> int | None:
        """Show a question over ``image``; return one of ``keys`` or None (skipped)."""
        ...

    def canvas_size(self) -> tuple[int, int] | None:
        """``(width, height)`` in pixels to draw the window's picture at; None: no window."""
        ...

    def close(self) -> None:
        """Close the window."""
        ...


class HeadlessUI:
    """No window: frames are dropped, no key is ever pressed, no question asked."""

    closed = False

    def show(self, image: NDArray[np.uint8], wait_ms: int = 1) -> int:
        """Discard the frame."""
        return -1

    def ask(self, image: NDArray[np.uint8], lines: list[str], keys: set[int]) -> int | None:
        """Skip the question."""
        return None

    def canvas_size(self) -> tuple[int, int] | None:
        """No window: the frames are drawn at the camera's size."""
        return None

    def close(self) -> None:
        """Nothing to close."""


#: What is said when there is no screen for the live window.
NO_SCREEN: Final = (
    "There is no screen to show the live view on: run it on a desktop, or use --headless --out DIR."
)


class WindowUI:
    """An OpenCV window (the only user of ``imshow``/``waitKey``).

    It opens full screen, or at ``size``; ``f`` toggles full screen at any time
    (:data:`FULL_SCREEN_KEY`, never passed on). The picture is drawn at the window's
    own size (:meth:`canvas_size`), so that the text keeps its height on any screen.

    Args:
        title: The window's title.
        no_screen: The sentence of the error raised where there is no screen.
        size: ``(width, height)`` of the window; None opens it full screen.

    Raises:
        InputError: There is no screen to show a window on.
    """

    def __init__(
        self,
        title: str = "halfcircle live",
        no_screen: str = NO_SCREEN,
        size: tuple[int, int] | None = None,
    ) -> None:
        if sys.platform.startswith("linux") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
        ):
            raise InputError(no_screen)
        self.title = title
        self.closed = False
        self.size = size
        try:
            flags = cv2.WINDOW_NORMAL | cv2.WINDOW_FREERATIO | cv2.WINDOW_GUI_NORMAL
            cv2.namedWindow(title, flags)
            # the size asked for; else a large window, where full screen is not honoured
            # (a desktop with no window manager)
            cv2.resizeWindow(title, *(size or DEFAULT_WINDOW_SIZE))
            self.fullscreen = size is None
            if self.fullscreen:
                cv2.setWindowProperty(title, cv2.WND_PROP_FULLSCREEN, cv2.WINDOW_FULLSCREEN)
            cv2.waitKey(1)
        except cv2.error as err:
            raise InputError(f"The live window could not be opened ({err}).") from err

    def canvas_size(self) -> tuple[int, int]:
        """The window's drawing area now (it follows resizing and full screen)."""
        try:
            _x, _y, w, h = cv2.getWindowImageRect(self.title)
        except cv2.error:
            w = h = 0
        if w >= 160 and h >= 120:
            return int(w), int(h)
        return self.size or DEFAULT_WINDOW_SIZE

    def toggle_fullscreen(self) -> None:
        """Full screen on or off (off: back to the size asked for, or the default)."""
        self.fullscreen = not self.fullscreen
        mode = cv2.WINDOW_FULLSCREEN if self.fullscreen else cv2.WINDOW_NORMAL
        cv2.setWindowProperty(self.title, cv2.WND_PROP_FULLSCREEN, mode)
        if not self.fullscreen:
            cv2.resizeWindow(self.title, *(self.size or DEFAULT_WINDOW_SIZE))

    def show(self, image: NDArray[np.uint8], wait_ms: int = 1) -> int:
        """Show a frame; return the key pressed (-1 for none; ``f`` is taken here)."""
        if self.closed:
            return -1
        cv2.imshow(self.title, image)
        key = int(cv2.waitKey(max(1, wait_ms)))
        if cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1:
            self.closed = True
            return -1
        key = key & 0xFF if key >= 0 else -1
        if key == FULL_SCREEN_KEY:
            self.toggle_fullscreen()
            return -1
        return key

    def ask(
        self, image: NDArray[np.uint8], lines: list[str], keys: set[int], timeout_s: float = 120.0
    ) -> int | None:
        """Show a question; wait for one of ``keys`` (Esc, q or Enter skip)."""
        end = time.monotonic() + timeout_s
        size = None
        while not self.closed and time.monotonic() < end:
            if size != self.canvas_size():  # drawn again when the window changes size
                size = self.canvas_size()
                screen = question_screen(image, lines, size)
            key = self.show(screen, wait_ms=50)
            if key in keys:
                return key
            if key in (27, ord("q"), 13, 10):
                return None
        return None

    def close(self) -> None:
        """Close the window."""
        try:
            cv2.destroyWindow(self.title)
            cv2.waitKey(1)
        except cv2.error:
            pass
        self.closed = True


def question_screen(
    image: NDArray[np.uint8], lines: list[str], size: tuple[int, int] | None = None
) -> NDArray[np.uint8]:
    """A darkened copy of ``image`` with ``lines`` in large type, at ``size`` (its own if None).

    The first line at the cue's height for that window, the others at the readouts'
    (:func:`~halfcircle.present.layout.window_layout`).
    """
    h, w = image.shape[:2]
    size = size or (w, h)
    return draw_message_screen(image, lines, window_layout(size, size))


def _draw_minimal(image: NDArray[np.uint8], info: OverlayInfo) -> NDArray[np.uint8]:
    """The picture with only the large message and the key help (overlay off)."""
    h, w = image.shape[:2]
    scale = max(0.5, min(w, h) / 480.0)
    if info.cue:
        draw_cue(image, info.cue, scale)
    if info.help_text:
        draw_help(image, info.help_text, scale)
    return image


def _wrap(text: str, width: int = 48) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines
