"""Live coaching from a camera or a video file, with a window or headless."""

from halfcircle.live.options import LiveOptions
from halfcircle.live.rebuild import rebuild_report
from halfcircle.live.run import LiveResult, run_live
from halfcircle.live.ui import HeadlessUI, WindowUI

__all__ = [
    "HeadlessUI",
    "LiveOptions",
    "LiveResult",
    "WindowUI",
    "rebuild_report",
    "run_live",
]
