"""Draw the guided session's window as it looks mid-set, to ``docs/session_window.png``.

The rendered whole-session clip ``fixtures/session_side_bends_front.mp4`` is played
through :func:`halfcircle.live.guided_session.run_guided_session` (the real camera loop
and drawing) with a stand-in window that answers the prompts as a person would: side
bends to assess, pain 2, the side-bend stage with its demonstration on (``d``), then
the re-assessment. The frame shown when the third practice rep reaches its target
(18 deg) is saved. Run from the repository root:

    python docs/session_screenshot.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

from halfcircle.live.guided_session import GuidedSessionFlow, run_guided_session

REPO = Path(__file__).resolve().parents[1]
CLIP = REPO / "fixtures" / "session_side_bends_front.mp4"
OUT = REPO / "docs" / "session_window.png"


class _Person:
    """Answers the prompts; keeps the frame shown mid-rep in the practice."""

    closed = False

    def __init__(self, flow: GuidedSessionFlow) -> None:
        self.flow = flow
        self.shot: np.ndarray | None = None
        self._demo = False

    def show(self, image: np.ndarray, wait_ms: int = 1) -> int:
        f = self.flow
        if f.state == "practising":
            if not self._demo:
                self._demo = True
                return ord("d")
            if self.shot is None and f.reps == 2 and f.at_target:
                self.shot = image.copy()
            return ord(" ") if f.reps >= 4 else -1
        answer = {"instruct": " ", "practice_intro": " ", "rate_feels": "b", "rate_pain": "2"}
        return ord(answer[f.state]) if f.state in answer else -1

    def ask(self, image: np.ndarray, lines: list[str], keys: set[int]) -> int | None:
        return None

    def canvas_size(self) -> tuple[int, int]:
        return (1280, 720)  # a laptop's screen, full

    def close(self) -> None:
        self.closed = True


def main() -> int:
    """Play the clip, save the screenshot; 1 when the moment was not reached."""
    flow = GuidedSessionFlow("side_bends", "side_bends", targets={"side_bends": 18.0})
    person = _Person(flow)
    run_guided_session(str(CLIP), "full", flow, mirror=True, ui=person)
    if person.shot is None:
        print("The practice's third rep was not reached; no screenshot.", file=sys.stderr)
        return 1
    cv2.imwrite(str(OUT), person.shot)
    print(f"wrote {OUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
