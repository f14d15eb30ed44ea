"""halfcircle: coach and measure the wall-supported lumbar half circle.

Importing the package defines things and does nothing else: no model is loaded,
no directory is created, no logging is configured. The Python API
(:mod:`halfcircle.api`: :func:`analyze_video`, :func:`add_to_history`,
:func:`load_output`, :func:`load_batch`, :func:`load_history`) and the settings
(:mod:`halfcircle.config`: :class:`Settings`, :func:`load_settings`) are
imported on first use, so ``import halfcircle`` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from halfcircle.errors import HalfcircleError
from halfcircle.landmarks import PoseFrame, PoseSequence

if TYPE_CHECKING:
    from halfcircle.api import (
        BatchOutput,
        HistoryTables,
        Rep,
        VideoResult,
        add_to_history,
        analyze_video,
        load_batch,
        load_history,
        load_output,
    )
    from halfcircle.config import Settings, load_settings

__all__ = [
    "BatchOutput",
    "HalfcircleError",
    "HistoryTables",
    "PoseFrame",
    "PoseSequence",
    "Rep",
    "Settings",
    "VideoResult",
    "add_to_history",
    "analyze_video",
    "load_batch",
    "load_history",
    "load_output",
    "load_settings",
]
#: Names of :mod:`halfcircle.api` served by the package (imported on first use).
_CONFIG = frozenset({"Settings", "load_settings"})
_API = frozenset(__all__) - {"HalfcircleError", "PoseFrame", "PoseSequence"} - _CONFIG
#: The package version (pyproject.toml reads it). Raise it when measured numbers or
#: output files change: a batch re-run redoes the videos another version analysed.
__version__ = "0.2.0"


def __getattr__(name: str) -> Any:
    """The API's names, imported from :mod:`halfcircle.api` on first use."""
    if name in _API:
        from halfcircle import api

        value = getattr(api, name)
        globals()[name] = value
        return value
    if name in _CONFIG:
        from halfcircle import config

        value = getattr(config, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'halfcircle' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names and the API's (so that ``dir`` and tab completion list them)."""
    return sorted(set(globals()) | set(__all__))
