"""Plots of the progress history: each baseline measure over the sessions, with the ratings.

:func:`plot_history` writes ``history.png`` (one panel per measure, markers
coloured by how the session felt, pain written next to each point) and
``history.html`` (the picture, the trend table and the ratings) into a folder.
Drawing only: the numbers come from :class:`~halfcircle.history.History`.

The x axis is the order of the sessions, one step each, labelled with the
session's number and, where it changes, its local date: two sessions minutes
apart stand side by side instead of on top of each other. Pain labels are
placed by :func:`place_labels` so that none covers another or a marker.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

from halfcircle.history import (
    History,
    format_trend,
    local_datetime,
    local_time,
    plain_label,
    unit_of,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Annotation

#: One panel's points ``(x, value)`` and pain labels ``(label, x, value)``, in data units.
_Panel = tuple["Axes", list[tuple[float, float]], list[tuple["Annotation", float, float]]]

__all__ = ["FEEL_COLOURS", "history_figure", "place_labels", "plot_history", "session_ticks"]

#: Marker colour per answer to "how does it feel compared with last time?".
FEEL_COLOURS: Final = {"better": "#2e7d32", "same": "#546e7a", "worse": "#c62828", None: "#1565c0"}

#: Marker radius (points) and the clear space kept around labels (points).
MARKER_RADIUS_PT: Final = 3.0
LABEL_GAP_PT: Final = 2.0

#: At most this many session ticks on the x axis (more sessions: every k-th).
MAX_TICKS: Final = 12

#: A rectangle on the page: ``(x0, y0, x1, y1)`` in points, x right, y up.
Box = tuple[float, float, float, float]


def session_ticks(
    started: Sequence[datetime], numbers: Sequence[int], max_ticks: int = MAX_TICKS
) -> list[tuple[int, str]]:
    """Tick positions and labels for sessions drawn in order, one x step each.

    Args:
        started: Each session's local start time, in drawing order.
        numbers: Each session's number (its id in the history).
        max_ticks: At most this many ticks; with more sessions every k-th has one.

    Returns:
        ``(position, label)``: the session number, and on a second line the
        date (``25 Nov``, with the year on the first tick and where it changes)
        only where it differs from the tick before, so no date is repeated.
    """
    step = max(1, math.ceil(len(started) / max_ticks))
    ticks = []
    last: datetime | None = None
    for i in range(0, len(started), step):
        t = started[i]
        label = str(numbers[i])
        if last is None or t.date() != last.date():
            year = last is None or t.year != last.year
            label += f"\n{t.day} {t:%b}" + (f" {t.year}" if year else "")
        ticks.append((i, label))
        last = t
    return ticks


def _overlap(a: Box, b: Box, pad: float) -> bool:
    """Whether two boxes come closer than ``pad`` (points) to each other."""
    return a[0] < b[2] + pad and b[0] < a[2] + pad and a[1] < b[3] + pad and b[1] < a[3] + pad


def place_labels(
    anchors: Sequence[tuple[float, float]],
    sizes: Sequence[tuple[float, float]],
    obstacles: Sequence[Box],
    bounds: Box,
    gap: float = LABEL_GAP_PT,
) -> list[tuple[float, float] | None]:
    """Where to put each point's label so that none covers another label or a marker.

    Each label is tried above its point, below, right, left, then further above
    and below; the first place that keeps ``gap`` clear of the labels placed
    before it and of every obstacle, inside ``bounds``, wins. Labels are placed
    in the order given. All lengths are points on the page, x right, y up.

    Args:
        anchors: Each label's point ``(x, y)``.
        sizes: Each label's ``(width, height)``.
        obstacles: Boxes no label may cover (the markers).
        bounds: The box every label must stay inside (the panel).
        gap: Clear space kept around every label.

    Returns:
        Each label's lower-left corner as an offset from its point, or None
        where no place is free (that label is left out).
    """
    r = MARKER_RADIUS_PT + gap
    placed: list[Box] = []
    out: list[tuple[float, float] | None] = []
    for (x, y), (w, h) in zip(anchors, sizes, strict=True):
        candidates = [
            (-w / 2, r),
            (-w / 2, -r - h),
            (r, -h / 2),
            (-r - w, -h / 2),
            (-w / 2, r + h + gap),
            (-w / 2, -r - 2 * h - gap),
            (r, r),
            (-r - w, r),
            (r, -r - h),
            (-r - w, -r - h),
        ]
        choice = None
        for dx, dy in candidates:
            box = (x + dx, y + dy, x + dx + w, y + dy + h)
            inside = (
                box[0] >= bounds[0] + gap
                and box[1] >= bounds[1] + gap
                and box[2] <= bounds[2] - gap
                and box[3] <= bounds[3] - gap
            )
            if inside and not any(_overlap(box, o, gap) for o in [*placed, *obstacles]):
                choice = (dx, dy)
                placed.append(box)
                break
        out.append(choice)
    return out


def history_figure(history: History) -> Figure:
    """The progress picture: one panel per measure over the sessions in order.

    Markers are coloured by how the session (or the test) felt; each rated
    point carries its pain (0-10), placed by :func:`place_labels`. A label that
    finds no free place is left out, and a note then points to the ratings
    table of ``history.html``. A plain Agg figure, outside pyplot: nothing to close.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    series = history.series()
    ratings: dict[tuple[int, str | None], tuple[str | None, int | None]] = {
        (r["session_id"], r["test"]): (r["feels"], r["pain"]) for r in history.ratings()
    }
    started = {sid: t for points in series.values() for t, _, sid in points}
    order = sorted(started, key=lambda sid: (started[sid], sid))
    position = {sid: i for i, sid in enumerate(order)}

    n = max(1, len(series))
    fig = Figure(figsize=(8, 2.2 * n + 0.8))
    FigureCanvasAgg(fig)  # draws off screen; no pyplot state
    axes = fig.subplots(n, 1, squeeze=False, sharex=True)[:, 0]
    panels: list[_Panel] = []
    for ax, (key, points) in zip(axes, series.items(), strict=False):
        xs = [position[sid] for _, _, sid in points]
        values = [v for _, v, _ in points]
        test = key.split(".")[0]
        ax.plot(xs, values, "-", color="#90a4ae", lw=1.2, zorder=1)
        texts = []
        for x, v, (_, _, sid) in zip(xs, values, points, strict=True):
            feels, pain = ratings.get((sid, test)) or ratings.get((sid, None)) or (None, None)
            ax.scatter([x], [v], color=FEEL_COLOURS.get(feels, "#1565c0"), s=36, zorder=2)
            if pain is not None:
                text = ax.annotate(
                    f"pain {pain}",
                    (x, v),
                    textcoords="offset points",
                    xytext=(0, 0),
                    ha="left",
                    va="bottom",
                    fontsize=7,
                    color="#c62828" if pain >= 5 else "#37474f",
                )
                texts.append((text, float(x), float(v)))
        panels.append((ax, [(float(x), v) for x, v in zip(xs, values, strict=True)], texts))
        ax.margins(y=0.35)
        ax.set_ylabel(unit_of(key))
        ax.set_title(plain_label(key), fontsize=9, loc="left")
        ax.grid(alpha=0.3)
    if order:
        when = [local_datetime(started[sid]) for sid in order]
        ticks = session_ticks(when, order)
        axes[-1].set_xticks([i for i, _ in ticks], [label for _, label in ticks], fontsize=8)
        axes[-1].set_xlim(-0.5, len(order) - 0.5)
        axes[-1].set_xlabel("session (number, and local date where it changes)", fontsize=8)
    else:
        axes[0].text(0.5, 0.5, "no baseline results yet", ha="center", va="center")
        axes[0].set_xticks([])
    handles = [
        Line2D([], [], marker="o", ls="", color=c, label=f"feels {k}" if k else "not rated")
        for k, c in FEEL_COLOURS.items()
    ]
    fig.legend(handles=handles, loc="upper right", fontsize=7, ncol=4)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    if _place_pain_labels(fig, panels):
        fig.text(
            0.01,
            0.995,
            "Some pain ratings did not fit: history.html lists them all.",
            fontsize=7,
            va="top",
        )
    return fig


def _place_pain_labels(fig: Figure, panels: Sequence[_Panel]) -> bool:
    """Move each panel's pain labels to free places (:func:`place_labels`); True if any left out."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    to_pt = 72.0 / fig.dpi
    left_out = False
    for ax, points, texts in panels:
        frame = ax.get_window_extent(renderer)
        bounds = (frame.x0 * to_pt, frame.y0 * to_pt, frame.x1 * to_pt, frame.y1 * to_pt)
        m = MARKER_RADIUS_PT
        obstacles = [(x - m, y - m, x + m, y + m) for x, y in _on_page(ax, points, to_pt)]
        anchors = _on_page(ax, [(x, v) for _, x, v in texts], to_pt)
        sizes = []
        for text, _, _ in texts:
            extent = text.get_window_extent(renderer)
            sizes.append((extent.width * to_pt, extent.height * to_pt))
        for (text, _, _), offset in zip(
            texts, place_labels(anchors, sizes, obstacles, bounds), strict=True
        ):
            if offset is None:
                text.remove()
                left_out = True
            else:
                text.xyann = offset
    return left_out


def _on_page(
    ax: Axes, points: Sequence[tuple[float, float]], to_pt: float
) -> list[tuple[float, float]]:
    """Data points of a panel as page positions in points (x right, y up)."""
    return (
        [(float(px) * to_pt, float(py) * to_pt) for px, py in ax.transData.transform(points)]
        if points
        else []
    )


def plot_history(history: History, out_dir: Path) -> tuple[Path, Path]:
    """Write ``history.png`` and ``history.html`` into ``out_dir``; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    fig = history_figure(history)
    png = out_dir / "history.png"
    fig.savefig(png, dpi=110)

    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(x))}</td>"
            for x in (
                r["session_id"],
                local_time(r["started_at"]),
                r["test"].replace("_", " ") if r["test"] else "whole session",
                r["feels"] or "",
                "" if r["pain"] is None else r["pain"],
            )
        )
        + "</tr>"
        for r in history.ratings()
    )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>halfcircle: progress</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}
td,th{{padding:.2em .8em;text-align:left}}</style></head><body>
<h1>Your progress</h1>
<p>Compare yourself with your own earlier sessions. A change counts as real only beyond
the minimal detectable change (5 deg, 4.5 cm).</p>
<img src="history.png" alt="each measure over the sessions, coloured by how it felt"
style="max-width:100%">
<h2>Trend</h2><pre>{html.escape(format_trend(history.trend()))}</pre>
<h2>Ratings</h2><table><tr><th>session</th><th>time (local)</th><th>test</th><th>feels</th>
<th>pain (0-10)</th></tr>{rows}</table>
</body></html>
"""
    page_path = out_dir / "history.html"
    page_path.write_text(page)
    return png, page_path
