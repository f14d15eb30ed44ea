"""Nothing sent: MediaPipe's usage upload pointed at a closed port, and undone for others.

MediaPipe's PyPI builds upload usage statistics to play.googleapis.com from their native
library, through a built-in libcurl, and offer no switch to turn it off
(google-ai-edge/mediapipe#6291). :func:`keep_mediapipe_offline` closes that door for this
process; :func:`environment_before_offline` gives a program started later that needs the
network (``npm pack`` when a model bundle is built) the environment as it was.
"""

from __future__ import annotations

import os
from typing import Final

__all__ = ["OFFLINE_PROXY", "environment_before_offline", "keep_mediapipe_offline"]

#: Where MediaPipe's usage logging is sent instead: a closed port of this computer.
OFFLINE_PROXY: Final = "http://127.0.0.1:9"


def keep_mediapipe_offline() -> None:
    """Keep MediaPipe's own usage logging from reaching the network.

    MediaPipe's PyPI builds (0.10.3x) upload usage statistics to
    play.googleapis.com from their native library, through a built-in libcurl,
    and offer no switch to turn it off (google-ai-edge/mediapipe#6291). libcurl
    takes its proxy from the environment: pointing ``https_proxy`` and its kin at
    a closed port of this computer (and clearing ``no_proxy``) makes each upload
    fail at once, with no DNS lookup and no packet leaving the machine.
    halfcircle itself needs no network; Dask's connections between its own
    processes use no proxy. Called before each landmarker is created. The
    environment it replaces is kept: :func:`environment_before_offline` gives it
    back to a program started later that needs the network (``npm pack`` when a
    model bundle is built).
    """
    for name in _PROXY_VARS + _NO_PROXY_VARS:
        if name not in _SAVED_ENV and os.environ.get(name) != OFFLINE_PROXY:
            _SAVED_ENV[name] = os.environ.get(name)
    for name in _PROXY_VARS:
        os.environ[name] = OFFLINE_PROXY
    for name in _NO_PROXY_VARS:
        os.environ.pop(name, None)


_PROXY_VARS: Final = ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "all_proxy",
                      "ALL_PROXY")  # fmt: skip
_NO_PROXY_VARS: Final = ("no_proxy", "NO_PROXY")
#: The proxy variables as they were before :func:`keep_mediapipe_offline` (None: unset).
_SAVED_ENV: dict[str, str | None] = {}


def environment_before_offline() -> dict[str, str]:
    """The environment with the proxy settings it had before MediaPipe's was closed."""
    env = dict(os.environ)
    for name, value in _SAVED_ENV.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env
