"""The report of a long session takes the memory of a short one.

A report drew every rep's trace in one figure: for the 109 reps of a 10-minute
recording, the phone's drawing was a 90,000-pixel-tall image, and analyze's peak
memory grew by about 6.5 MB a rep. Now each figure holds at most
:data:`~halfcircle.present.report.REPS_PER_FIGURE` reps, and each is freed once drawn.
``python bench/analyze_memory.py`` prints the peak memory for 30 s, 2 min and 10 min.
"""

from __future__ import annotations

import base64
import gc
import re

import numpy as np
import pytest
from matplotlib.figure import Figure

import halfcircle.present.report as report
from halfcircle.analyze.video import Analysis, analyze_poses
from halfcircle.present.report import render_report
from halfcircle.synthetic import half_circle, synthetic_clip

#: Reps in one figure (8; read from the module when it names it).
REPS_PER_FIGURE = getattr(report, "REPS_PER_FIGURE", 8)

_PNG = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=]+)")


def _reps(n: int) -> Analysis:
    """``n`` half circles in a row, right and left first in turn."""
    parts = [half_circle(n_rest=45, n_rep=120, right_first=k % 2 == 0) for k in range(n)]
    lat = np.concatenate([p[0] for p in parts])
    fwd = np.concatenate([p[1] for p in parts])
    analysis = analyze_poses(synthetic_clip(lat, fwd).seq)
    assert len(analysis.reps) == n
    return analysis


def _png_heights(page: str) -> list[int]:
    return [int.from_bytes(base64.b64decode(m[:40])[20:24], "big") for m in _PNG.findall(page)]


@pytest.fixture(scope="module")
def long_session() -> Analysis:
    return _reps(2 * REPS_PER_FIGURE + 3)


@pytest.fixture(scope="module")
def long_render(long_session: Analysis) -> tuple[str, int, int]:
    """The long session's report drawn once: the page, and the figures alive before
    and just after drawing it, with Python's collector held off (nothing freed by chance).
    """
    gc.collect()
    before = sum(isinstance(o, Figure) for o in gc.get_objects())
    gc.disable()
    try:
        page = render_report(long_session)
        alive = sum(isinstance(o, Figure) for o in gc.get_objects())
    finally:
        gc.enable()
    return page, before, alive


@pytest.mark.video
def test_a_long_session_draws_its_rep_traces_in_figures_no_taller_than_a_short_one(
    long_render: tuple[str, int, int],
) -> None:
    short_page = render_report(_reps(REPS_PER_FIGURE))
    long_page, _, _ = long_render
    # angles over time, then the traces: 1 picture of 8 reps, 3 pictures of 19
    assert short_page.count("<picture>") == 2
    assert long_page.count("<picture>") == 4
    assert max(_png_heights(long_page)) <= max(_png_heights(short_page))
    assert long_page.count("each half circle&#x27;s path") == 3  # one alt text per figure


@pytest.mark.video
def test_each_figure_is_freed_as_soon_as_it_is_drawn(long_render: tuple[str, int, int]) -> None:
    _, before, alive = long_render  # drawn as if Python's collector had not run yet
    assert alive == before
