"""Small pieces of wording shared by the sentences every layer says to a person."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

__all__ = ["NO_PERSON", "join_and"]

#: Said when the pose model found nobody in a whole recording (a person far away, small
#: in the picture, is not found either).
NO_PERSON: Final = (
    "No person was found in this video: stand so your whole body is in view and fills "
    "at least half of the picture's height."
)


def join_and(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
