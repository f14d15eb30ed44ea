"""Live coaching from a camera or a video file, with a window or headless."""

from halfcircle.live.run import (
    HeadlessUI,
    LiveOptions,
    LiveResult,
    WindowUI,
    rebuild_report,
    run_live,
)

__all__ = [
    "HeadlessUI",
    "LiveOptions",
    "LiveResult",
    "WindowUI",
    "rebuild_report",
    "run_live",
]
