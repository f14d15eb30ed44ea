"""Small pieces of wording shared by the sentences every layer says to a person."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["join_and"]


def join_and(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
