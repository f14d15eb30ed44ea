"""Plots of the progress history: each baseline measure over the sessions, with the ratings.

:func:`plot_history` writes ``history.png`` (one panel per measure, markers
coloured by how the session felt, pain written next to each point) and
``history.html`` (the advice when the pain rose, the picture, the trend table
with its verdicts and the ratings) into a folder. The page is styled like the
analysis report (:data:`halfcircle.present.report.PAGE_CSS`) and reads on a phone: the
picture is one narrow column whose text stays legible at a phone's width, and
the tables scroll sideways inside their own frame. Drawing only: the numbers
come from :class:`~halfcircle.history.store.History`.

Each panel's axis spans at least four changes big enough to be real (the axis
ranges of :data:`halfcircle.present.cohort.AXIS_RANGES`,
:func:`halfcircle.present.cohort.axis_limits`),
so a change within the measuring noise stays a small step, and a shaded band
around the first session's value shows where a change is not yet real
(:func:`halfcircle.history.progress.change_margin`).

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

from halfcircle.coaching.painmodel import pain_guide
from halfcircle.history.guided import session_pains
from halfcircle.history.pain import latest_pain_advice
from halfcircle.history.progress import (
    TrendRow,
    change_margin,
    local_datetime,
    local_time,
    plain_label,
    real_change_words,
    unit_of,
)
from halfcircle.history.store import History
from halfcircle.history.trend import measure_series, trend_rows
from halfcircle.present.cohort import AXIS_RANGES, AxisRange, axis_limits
from halfcircle.present.glance import glance_lines
from halfcircle.present.page import PAGE_CSS

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Annotation

#: One panel's points ``(x, value)`` and pain labels ``(label, x, value)``, in data units.
_Panel = tuple["Axes", list[tuple[float, float]], list[tuple["Annotation", float, float]]]

__all__ = [
    "FEEL_COLOURS",
    "UNIT_AXES",
    "history_figure",
    "place_labels",
    "plot_history",
    "session_ticks",
    "trend_table",
]

#: Marker colour per answer to "how does it feel compared with last time?".
FEEL_COLOURS: Final = {"better": "#2e7d32", "same": "#546e7a", "worse": "#c62828", None: "#1565c0"}

#: Marker radius (points) and the clear space kept around labels (points).
MARKER_RADIUS_PT: Final = 3.0
LABEL_GAP_PT: Final = 2.0

#: At most this many session ticks on the x axis (more sessions: every k-th).
MAX_TICKS: Final = 12

#: A rectangle on the page: ``(x0, y0, x1, y1)`` in points, x right, y up.
Box = tuple[float, float, float, float]

#: How each unit's panels are scaled: the cohort plots' axis ranges (at least four
#: changes big enough to be real: 20 deg, 18 cm, 20 points, 1 of SPARC).
UNIT_AXES: Final[dict[str, AxisRange]] = {
    "deg": AXIS_RANGES["toe_touch_peak_deg"],
    "cm": AXIS_RANGES["toe_touch_fingertip_floor_cm"],
    "pts": AXIS_RANGES["mean_score"],
    "sparc": AXIS_RANGES["mean_sparc"],
}

#: Figure width (inches) and text sizes (points): drawn as one narrow column, so
#: that shown 350 px wide on a phone the smallest text is still about 8 px high.
FIG_WIDTH_IN: Final = 4.6
TITLE_PT: Final = 10.5
TEXT_PT: Final = 9.0

#: Room kept above and below the data for the pain labels (a share of its span).
LABEL_ROOM: Final = 0.3

#: The plain y label of a unit.
_Y_LABELS: Final = {"sparc": "\u2191 smoother", "pts": "points"}

#: Colour of the band where a change from the first session is not yet real.
_BAND_COLOUR: Final = "#1f7a6d"


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
    from matplotlib.patches import Patch

    series = measure_series(history)
    ratings: dict[tuple[int, str | None], tuple[str | None, int | None]] = {
        (r["session_id"], r["test"]): (r["feels"], r["pain"]) for r in history.ratings()
    }
    started = {sid: t for points in series.values() for t, _, sid in points}
    order = sorted(started, key=lambda sid: (started[sid], sid))
    position = {sid: i for i, sid in enumerate(order)}

    n = max(1, len(series))
    fig = Figure(figsize=(FIG_WIDTH_IN, 2.0 * n + 1.2))
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
                    fontsize=TEXT_PT - 0.5,
                    color="#c62828" if pain >= 5 else "#37474f",
                )
                texts.append((text, float(x), float(v)))
        panels.append((ax, [(float(x), v) for x, v in zip(xs, values, strict=True)], texts))
        _scale_panel(ax, unit_of(key), values, change_margin(key))
        ax.set_ylabel(_Y_LABELS.get(unit_of(key), unit_of(key)), fontsize=TEXT_PT)
        ax.set_title(plain_label(key), fontsize=TITLE_PT, loc="left")
        ax.tick_params(labelsize=TEXT_PT, labelbottom=True)
        ax.grid(alpha=0.3)
    if order:
        when = [local_datetime(started[sid]) for sid in order]
        # numbered by date, as `halfcircle history` lists them (ids follow the saving order)
        number = {sess["id"]: n for n, sess in enumerate(history.sessions(), 1)}
        ticks = session_ticks(when, [number[sid] for sid in order])
        axes[-1].set_xticks([i for i, _ in ticks], [label for _, label in ticks])
        axes[-1].set_xlim(-0.5, len(order) - 0.5)
        axes[-1].set_xlabel("session (number, and date where it changes)", fontsize=TEXT_PT)
    else:
        axes[0].text(0.5, 0.5, "no baseline results yet", ha="center", va="center")
        axes[0].set_xticks([])
    handles: list[Artist] = [
        Line2D([], [], marker="o", ls="", color=c, label=f"feels {k}" if k else "not rated")
        for k, c in FEEL_COLOURS.items()
    ]
    handles.append(
        Patch(color=_BAND_COLOUR, alpha=0.12, label="no real change from your first session")
    )
    legend_in = 0.75  # inches at the top for the legend (three rows)
    top = 1 - legend_in / fig.get_figheight()
    fig.legend(handles=handles, loc="upper center", fontsize=TEXT_PT - 0.5, ncol=2,
               frameon=False, bbox_to_anchor=(0.5, 1.0))  # fmt: skip
    fig.tight_layout(rect=(0, 0, 1, top))
    if _place_pain_labels(fig, panels):
        fig.text(
            0.01,
            top,
            "Some pain ratings did not fit: history.html lists them all.",
            fontsize=TEXT_PT - 1,
            va="top",
        )
    return fig


def _scale_panel(ax: Axes, unit: str, values: Sequence[float], margin: float | None) -> None:
    """Y limits of one measure's panel, and the band of no real change around its first value.

    ``margin`` is the measure's real-change margin
    (:func:`halfcircle.history.progress.change_margin`).

    The limits are :func:`halfcircle.present.cohort.axis_limits` of the values with
    :data:`LABEL_ROOM` above and below them (for the pain labels), at least the
    unit's :data:`UNIT_AXES` span; a unit without one keeps matplotlib's own.
    """
    from matplotlib.ticker import MaxNLocator

    lo, hi = min(values), max(values)
    room = LABEL_ROOM * (hi - lo)
    scale = UNIT_AXES.get(unit)
    limits = axis_limits([lo - room, hi + room], scale) if scale is not None else None
    if limits is not None:
        ax.set_ylim(*limits)
    else:
        ax.margins(y=0.35)
    if margin is not None and values:
        ax.axhspan(values[0] - margin, values[0] + margin, color=_BAND_COLOUR, alpha=0.12,
                   lw=0, zorder=0)  # fmt: skip
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    ax.ticklabel_format(axis="y", style="plain", useOffset=False)


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


#: The page's own styles, after the report's (:data:`halfcircle.present.report.PAGE_CSS`).
_HISTORY_CSS: Final = """.glance{font-size:20px;line-height:1.45;margin:10px 0}
.advice{background:#eef5f3;border-left:6px solid #1f7a6d;
border-radius:12px;padding:14px 18px;font-size:18px;line-height:1.4;margin:16px 0}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;border-radius:12px}
td,th{white-space:nowrap}td.measure{white-space:normal;min-width:8em}
.better{color:#2e7d32;font-weight:600}
table.trend td:nth-child(4),table.trend th:nth-child(4){text-align:left}
.picture img{display:block;width:100%;max-width:560px;margin:0 auto}
@media (max-width:600px){main{padding:16px 12px}h1{font-size:26px}th,td{padding:6px}
td.verdict,td.better{white-space:normal;min-width:6em}}
"""


def trend_table(rows: Sequence[TrendRow]) -> str:
    """The trend as an HTML table: one row per measure, its change and the verdict.

    The verdict (better, about the same, less) is :attr:`TrendRow.verdict`;
    "better" is marked in green, the others are plain text. The columns a
    person reads first (latest, change, verdict) come right after the measure,
    so that they fit a phone's width; the earlier values, the number of
    sessions and the latest rating of the measure's test follow. The table sits
    in a frame that scrolls sideways where the screen is narrower than it.
    """
    head = ("measure", "latest", "change", "verdict", "before", "first", "sessions", "how it felt")
    body = []
    for r in rows:
        felt = []
        if r.latest_feels:
            felt.append(f"feels {r.latest_feels}")
        if r.latest_pain is not None:
            felt.append(f"pain {r.latest_pain}/10")
        digits = 2 if r.unit == "sparc" else 1
        cells = [
            f"<td class='measure'>{html.escape(plain_label(r.key))}</td>",
            f"<td>{r.latest:.{digits}f}</td>",
            f"<td>{'-' if r.change is None else f'{r.change:+.{digits}f}'}</td>",
            f"<td class='{'better' if r.verdict == 'better' else 'verdict'}'>"
            f"{html.escape(r.verdict or '-')}</td>",
            f"<td>{'-' if r.previous is None else f'{r.previous:.{digits}f}'}</td>",
            f"<td>{r.first:.{digits}f}</td>",
            f"<td>{r.n}</td>",
            f"<td>{html.escape(', '.join(felt))}</td>",
        ]
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        "<div class='scroll'><table class='trend'><tr>"
        + "".join(f"<th>{h}</th>" for h in head)
        + "</tr>"
        + "".join(body)
        + "</table></div>"
    )


def plot_history(history: History, out_dir: Path) -> tuple[Path, Path]:
    """Write ``history.png`` and ``history.html`` into ``out_dir``; returns their paths.

    The page opens with the glance sentences (:func:`halfcircle.present.glance.glance_lines`,
    with the pain trend), then what the latest pain means when there is something to say
    (:meth:`History.latest_pain_advice`, the pain-monitoring model), in a calm box.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    fig = history_figure(history)
    png = out_dir / "history.png"
    fig.savefig(png, dpi=160)

    sessions = history.sessions()
    number = {sess["id"]: n for n, sess in enumerate(sessions, 1)}  # numbered by date
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(x))}</td>"
            for x in (
                number.get(r["session_id"], r["session_id"]),
                local_time(r["started_at"]),
                r["test"].replace("_", " ") if r["test"] else "whole session",
                r["feels"] or "",
                "" if r["pain"] is None else r["pain"],
            )
        )
        + "</tr>"
        for r in sorted(history.ratings(), key=lambda r: number.get(r["session_id"], 0))
    )
    # pain as a trend (the glance), and what the latest pain means, calmly: no alarm banner
    advice = latest_pain_advice(history)
    warning = f"<p class='advice'>{html.escape(advice)}</p>" if advice else ""
    trend = trend_rows(history)
    said = glance_lines(measure_series(history), sessions, pains=session_pains(history))
    glance = "".join(f"<p class='glance'>{html.escape(line)}</p>" for line in said)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>halfcircle: progress</title>
<style>{PAGE_CSS}{_HISTORY_CSS}</style></head><body><main>
<h1>Your progress</h1>
{glance}
{warning}
<h2>Trend</h2>
{trend_table(trend) if trend else "<p>No results yet.</p>"}
<p class="sub">The verdict compares the latest session with the one before. A change
counts only when it is {html.escape(real_change_words())}: smaller changes are within
what the camera can tell apart, so they read "about the same". The charts shade that
margin around your first session. Smoothness is the spectral arc length (SPARC) of the
movement's speed: closer to 0 is smoother.</p>
<div class="picture"><img src="history.png"
alt="each measure over the sessions, coloured by how it felt, with the pain rating"></div>
<h2>Ratings</h2><div class="scroll"><table><tr><th>session (by date)</th><th>time (local)</th>
<th>test</th><th>feels</th><th>pain (0-10)</th></tr>{rows}</table></div>
<footer>halfcircle is a coaching tool, not a diagnosis. {html.escape(pain_guide())}</footer>
</main></body></html>
"""
    page_path = out_dir / "history.html"
    page_path.write_text(page)
    return png, page_path
