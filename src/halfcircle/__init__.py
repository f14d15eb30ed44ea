"""halfcircle: coach and measure the wall-supported lumbar half circle.

Importing the package defines things and does nothing else: no model is loaded,
no directory is created, no logging is configured.
"""

from halfcircle.errors import HalfcircleError
from halfcircle.landmarks import PoseFrame, PoseSequence

__all__ = ["HalfcircleError", "PoseFrame", "PoseSequence"]
__version__ = "0.1.0"
