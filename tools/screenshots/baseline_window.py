"""Screenshot of the guided baseline's window, for the README (docs/baseline.png).

A rendered baseline clip plays as the camera, at its frame rate, through the real
guided flow and window; a scripted person answers the prompts (space, better,
pain 2). When the right side bend passes 26 deg, the X screen is grabbed with
ImageMagick's ``import``. Run under a virtual screen the size of the clip:

    xvfb-run -s "-screen 0 480x640x24" python tools/screenshots/baseline_window.py docs/baseline.png
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import cv2

from halfcircle.live.guided_baseline import GuidedBaseline, run_guided_baseline
from halfcircle.live.ui import WindowUI

CLIP = Path(__file__).resolve().parents[2] / "fixtures" / "base_side_bends.mp4"


class PacedClip:
    """The clip as a camera: frames delivered at 30 fps."""

    def __init__(self, path: Path) -> None:
        self._cap = cv2.VideoCapture(str(path))
        self._next = time.perf_counter()

    def isOpened(self) -> bool:
        return bool(self._cap.isOpened())

    def read(self) -> tuple[bool, Any]:
        time.sleep(max(0.0, self._next - time.perf_counter()))
        self._next = max(self._next, time.perf_counter()) + 1 / 30.0
        return self._cap.read()

    def get(self, prop: int) -> float:
        return float(self._cap.get(prop))

    def release(self) -> None:
        self._cap.release()


def main(out: Path) -> None:
    flow = GuidedBaseline(tests=("side_bend_right", "side_bend_left"))
    window = WindowUI("halfcircle baseline")
    answers = {"instruct": " ", "rate_feels": "b", "rate_pain": "2", "done": "q"}

    class Person:
        closed = False

        def show(self, image: Any, wait_ms: int = 1) -> int:
            key = window.show(image, wait_ms)
            if flow.state == "measuring" and flow.peak_deg > 26 and not out.exists():
                cv2.waitKey(50)
                subprocess.run(["import", "-window", "root", str(out)], check=True)
            answer = answers.get(flow.state)
            return ord(answer) if answer else key

        def ask(self, image: Any, lines: list[str], keys: set[int]) -> int | None:
            return None

        def close(self) -> None:
            window.close()

    camera = PacedClip(CLIP)
    result = run_guided_baseline(
        0, "full", None, ui=Person(), capture_factory=lambda _: camera, flow=flow
    )
    print(result.stop, [(r.test, round(r.peak_deg, 1)) for r in result.run.results])


if __name__ == "__main__":
    main(Path(sys.argv[1]))
