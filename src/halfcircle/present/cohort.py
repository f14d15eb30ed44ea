"""The cohort table's columns and cells, its CSV text and its self-contained page.

:func:`output_cells` reads one video's output folder (``summary.json``,
``reps.json``, ``baseline.json``) into a row's cells; :func:`cohort_csv` and
:func:`render_cohort` make ``cohort.csv`` and ``cohort.html`` of the rows, which
:func:`halfcircle.batch.cohort.write_cohort` writes into the batch folder.

Columns of ``cohort.csv`` (:data:`COHORT_COLUMNS`; units in the names, empty
cells where nothing was measured):

* ``id``, ``person``, ``recorded_at`` (ISO 8601, UTC), ``date_source``
  (``metadata`` or ``file time``), ``kind`` (``half_circle`` or ``baseline``),
  ``status`` (``ok``: measured with nothing to warn of; ``warning``: measured,
  but see ``warnings``; ``not measured``: read, but nobody or nothing to zero the
  angles on was found; ``failed``: see ``error``; ``not done``: the run was stopped
  first), ``warnings`` (in words, ``; ``-separated: the zero taken from a stance
  after movements, from a short stance, or from no quiet stance at all; frames
  skipped; someone else in view; stopped early; see
  :func:`halfcircle.analyze.video.analysis_status`), ``error``, ``video``, ``output``
  (folder relative to the batch folder), ``model``.
* ``view``, ``azimuth_deg``, ``duration_s``, ``frames``.
* Half-circle recordings (:data:`HALF_CIRCLE_COLUMNS`): ``reps`` (complete half
  circles), ``incomplete_reps``, ``aborted`` (half circles begun and brought back
  before the front) and, over the complete reps, ``mean_X`` and ``best_X`` for each
  of ``score``, ``peak_lateral_right_deg``, ``peak_lateral_left_deg``,
  ``peak_forward_deg``, ``arc_coverage_deg``, ``symmetry``, ``sparc`` and ``ldlj``
  (best is the largest: for SPARC and LDLJ, closer to 0 is smoother), and
  ``mean_duration_s``. Empty (not applicable) in a baseline clip's row: the rep
  counter reads a side bend or a toe touch as a half circle begun and brought back,
  but there they were tests, done as asked (their measures are the columns below).
* Drills (:data:`DRILL_COLUMNS`): ``side_bends`` and ``roll_downs`` done along the wall
  (``summary.json``'s ``drills``; a drill rep is not also counted in ``aborted``). Empty
  in a baseline clip's row, as the half-circle columns.
* Baseline clips: ``TEST_peak_deg`` for each test of
  :data:`halfcircle.coaching.baseline.TESTS`, ``toe_touch_fingertip_floor_cm`` and
  ``side_bend_{right,left}_fingertip_travel_cm``.
* ``notes``: what the analysis could not measure and why (for a baseline clip, what
  the baseline tests' analysis says).
"""

from __future__ import annotations

import csv
import html
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal
from urllib.parse import quote

from halfcircle.coaching.baseline import MDC, TESTS
from halfcircle.present import page
from halfcircle.present.page import PAGE_CSS, img_html

if TYPE_CHECKING:
    from matplotlib.axes import Axes


__all__ = [
    "AXIS_RANGES",
    "COHORT_COLUMNS",
    "DRILL_COLUMNS",
    "HALF_CIRCLE_COLUMNS",
    "REP_MEASURES",
    "AxisRange",
    "axis_limits",
    "cohort_csv",
    "output_cells",
    "render_cohort",
]

#: Per-rep measures whose mean and best over the complete reps are columns.
REP_MEASURES: Final = (
    "score",
    "peak_lateral_right_deg",
    "peak_lateral_left_deg",
    "peak_forward_deg",
    "arc_coverage_deg",
    "symmetry",
    "sparc",
    "ldlj",
)

_BASELINE_COLUMNS: Final = tuple(
    col
    for test in TESTS
    for col in (
        f"{test}_peak_deg",
        *((f"{test}_fingertip_floor_cm",) if test == "toe_touch" else ()),
        *((f"{test}_fingertip_travel_cm",) if test.startswith("side_bend") else ()),
    )
)

#: Columns about half circles: empty (not applicable) in a baseline clip's row.
HALF_CIRCLE_COLUMNS: Final[tuple[str, ...]] = (
    "reps", "incomplete_reps", "aborted",
    *(f"{agg}_{m}" for m in REP_MEASURES for agg in ("mean", "best")),
    "mean_duration_s",
)  # fmt: skip

#: Columns counting the drill reps done (:func:`halfcircle.coaching.drills.drill_tally`).
DRILL_COLUMNS: Final[tuple[str, ...]] = ("side_bends", "roll_downs")

#: Statuses of a video whose angles were measured (``warning``: see its ``warnings``).
MEASURED: Final = ("ok", "warning")
#: Statuses of a video that was read and has an output folder.
READ: Final = ("ok", "warning", "not measured")

#: Columns of ``cohort.csv``, in order.
COHORT_COLUMNS: Final[tuple[str, ...]] = (
    "id", "person", "recorded_at", "date_source", "kind", "status", "warnings", "error",
    "video", "output", "model", "view", "azimuth_deg", "duration_s", "frames",
    *HALF_CIRCLE_COLUMNS,
    *DRILL_COLUMNS,
    *_BASELINE_COLUMNS,
    "notes",
)  # fmt: skip


def output_cells(folder: Path, *, baseline: bool = False) -> dict[str, Any]:
    """The cohort cells read from one video's output folder (keys of :data:`COHORT_COLUMNS`).

    ``baseline``: a baseline clip, whose half-circle columns
    (:data:`HALF_CIRCLE_COLUMNS`) stay empty: what the rep counter saw there were
    its tests.
    """
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    counts, video = summary["counts"], summary["video"]
    if "status" in summary:  # summary.json version 3 and later
        status = summary["status"]
        warnings = "; ".join(w["text"] for w in summary["warnings"]) or None
    else:
        measured = summary["calibration"] is not None and counts["frames_with_person"] > 0
        status, warnings = ("ok" if measured else "not measured"), None
    out: dict[str, Any] = {
        "status": status,
        "warnings": warnings,
        "view": summary["view"]["kind"],
        "azimuth_deg": summary["view"]["azimuth_deg"],
        "duration_s": video["duration_s"],
        "frames": video["frames"],
        "notes": " ".join(summary["notes"]) or None,
    }
    if not baseline:
        out.update(_half_circle_measures(folder, counts))
        drills = summary.get("drills") or {}
        for col, movement in zip(DRILL_COLUMNS, ("side_bend", "roll_down"), strict=True):
            out[col] = int(drills.get(movement, {}).get("reps", 0))
    path = folder / "baseline.json"
    if path.exists():
        base = json.loads(path.read_text(encoding="utf-8"))
        # a baseline clip's notes are about its tests, not about half circles
        out["notes"] = " ".join(base["notes"]) or None
        for r in base["results"]:
            for key in ("peak_deg", "fingertip_floor_cm", "fingertip_travel_cm"):
                col = f"{r['test']}_{key}"
                if col in out or col not in COHORT_COLUMNS or r.get(key) is None:
                    continue  # a test found twice keeps its first result
                out[col] = r[key]
    return out


def _half_circle_measures(folder: Path, counts: Mapping[str, Any]) -> dict[str, Any]:
    """The half-circle cells of one video: counts, and means and bests over complete reps."""
    reps = json.loads((folder / "reps.json").read_text(encoding="utf-8"))["reps"]
    out: dict[str, Any] = {
        "reps": counts["complete_reps"],
        "incomplete_reps": counts["incomplete_reps"],
        "aborted": counts["aborted"],
    }
    complete = [r for r in reps if r.get("complete")]
    for m in (*REP_MEASURES, "duration_s"):
        values = [float(r[m]) for r in complete if _finite(r.get(m))]
        out[f"mean_{m}"] = round(sum(values) / len(values), 3) if values else None
        if m != "duration_s":
            out[f"best_{m}"] = round(max(values), 3) if values else None
    return out


def _finite(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def cohort_csv(rows: list[dict[str, Any]]) -> str:
    """``cohort.csv``'s text: a header of :data:`COHORT_COLUMNS`, empty cells for None."""
    import io

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COHORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buf.getvalue()


# ----------------------------------------------------------------------------- the page
_EXTRA_CSS: Final = """td.failed{color:#a33}td.warn{color:#8a5a00}
.wide{overflow-x:auto}table.cohort td,table.cohort th{font-size:13px;white-space:nowrap}
"""

#: Measures plotted over time per person: (column, label).
_OVER_TIME: Final = (
    ("mean_peak_forward_deg", "forward flexion (deg)"),
    ("mean_peak_lateral_right_deg", "side bend right (deg)"),
    ("mean_peak_lateral_left_deg", "side bend left (deg)"),
    ("mean_sparc", "smoothness, SPARC (closer to 0 is smoother)"),
    ("mean_score", "score (0-100)"),
    ("mean_arc_coverage_deg", "arc covered (deg)"),
)

_BASELINE_OVER_TIME: Final = (
    ("toe_touch_peak_deg", "toe touch, forward flexion (deg)"),
    ("side_bend_right_peak_deg", "side bend right (deg)"),
    ("side_bend_left_peak_deg", "side bend left (deg)"),
    ("toe_touch_fingertip_floor_cm", "fingertips above the floor (cm)"),
)


@dataclass(frozen=True)
class AxisRange:
    """How a plot axis of a measure is scaled.

    Attributes:
        min_span: The smallest span of the axis, in the measure's unit. Values
            closer than this are drawn close (equal values level), however small
            the differences are: the axis is widened about the data's middle.
        lower: The lowest value the measure can take (None: no limit); a widened
            axis is shifted so as not to reach below it.
        upper: The highest value the measure can take (None: no limit).
    """

    min_span: float
    lower: float | None = None
    upper: float | None = None


#: Axes in degrees (and centimetres) span at least four minimal detectable changes
#: (:data:`halfcircle.coaching.baseline.MDC`): a change smaller than one moves a point by
#: less than a quarter of the axis.
_SPAN_DEG: Final = AxisRange(4 * MDC["deg"])

#: The scaling of each plotted column (unit: the column's, degrees for ``_deg``).
AXIS_RANGES: Final[dict[str, AxisRange]] = {
    "mean_peak_forward_deg": _SPAN_DEG,
    "mean_peak_lateral_right_deg": _SPAN_DEG,
    "mean_peak_lateral_left_deg": _SPAN_DEG,
    "mean_arc_coverage_deg": AxisRange(4 * MDC["deg"], 0.0, 180.0),
    # SPARC of a half circle lies between about -1.5 (smooth) and -5 (jerky)
    "mean_sparc": AxisRange(1.0, None, 0.0),
    "mean_score": AxisRange(20.0, 0.0, 100.0),
    "toe_touch_peak_deg": _SPAN_DEG,
    "side_bend_right_peak_deg": _SPAN_DEG,
    "side_bend_left_peak_deg": _SPAN_DEG,
    "toe_touch_fingertip_floor_cm": AxisRange(4 * MDC["cm"]),
}


def axis_limits(values: list[float], scale: AxisRange) -> tuple[float, float] | None:
    """The limits of an axis showing ``values``: the data and a margin, at least ``min_span``.

    NaN values are left out; None when none is left. The margin is 8 % of the
    data's span; when the axis is then narrower than ``scale.min_span`` it is
    widened to it about the data's middle, and shifted to end at most 4 % of
    ``min_span`` beyond ``scale.lower`` or ``scale.upper`` (so that a point on the
    bound is drawn whole), as far as the data allows.
    """
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return None
    lo, hi = min(finite), max(finite)
    pad = 0.08 * (hi - lo)
    lo, hi = lo - pad, hi + pad
    if hi - lo >= scale.min_span:
        return lo, hi
    mid = 0.5 * (lo + hi)
    a, b = mid - 0.5 * scale.min_span, mid + 0.5 * scale.min_span
    edge = 0.04 * scale.min_span
    if scale.upper is not None and b > (top := max(scale.upper + edge, hi)):
        a, b = a - (b - top), top
    if scale.lower is not None and a < (bottom := min(scale.lower - edge, lo)):
        a, b = bottom, b + (bottom - a)
    return a, b


def _scale_axis(ax: Axes, which: Literal["x", "y"], values: list[float], col: str) -> None:
    """Limits (:func:`axis_limits`) and plain, round tick labels of one axis of a measure."""
    from matplotlib.ticker import MaxNLocator

    limits = axis_limits(values, AXIS_RANGES[col])
    axis = ax.xaxis if which == "x" else ax.yaxis
    if limits is not None:
        (ax.set_xlim if which == "x" else ax.set_ylim)(*limits)
    axis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    ax.ticklabel_format(axis=which, style="plain", useOffset=False)


def render_cohort(rows: list[dict[str, Any]], title: str = "cohort") -> str:
    """The cohort page as one self-contained HTML string (plots embedded as PNG)."""
    n = len(rows)
    by_status: dict[str, int] = {}
    for r in rows:
        by_status[r["status"]] = by_status.get(r["status"], 0) + 1
    people = sorted({r["person"] for r in rows if r["person"]})
    practice = [r for r in rows if r["kind"] == "half_circle" and r["status"] in MEASURED]
    baseline = [r for r in rows if r["kind"] == "baseline" and r["status"] in MEASURED]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>halfcircle cohort: {html.escape(title)}</title>",
        f"<style>{PAGE_CSS}{_EXTRA_CSS}</style></head><body><main>",
        "<h1>Cohort</h1>",
        f"<p class='sub'>{n} video{'s' if n != 1 else ''} &middot; {len(people)} "
        f"{'person' if len(people) == 1 else 'people'} &middot; "
        + ", ".join(f"{v} {html.escape(k)}" for k, v in sorted(by_status.items()))
        + "</p>",
    ]
    if practice:
        parts += [
            "<h2>Across videos</h2>",
            img_html(_plot_across(practice), "range and smoothness of each video"),
        ]
        parts += [
            "<h2>Half circles over time, per person</h2>",
            img_html(_plot_over_time(practice, _OVER_TIME), "half-circle measures over time"),
        ]
    if baseline:
        parts += [
            "<h2>Baseline tests over time, per person</h2>",
            img_html(_plot_over_time(baseline, _BASELINE_OVER_TIME), "baseline measures over time"),
        ]
    if not practice and not baseline:
        parts.append("<p>No video could be measured, so there is nothing to plot.</p>")
    parts += ["<h2>Every video</h2>", _table(rows)]
    parts += [
        "<footer>halfcircle is a coaching tool, not a diagnosis. Means and bests are over the "
        "complete half circles of each video; compare a person mostly with their own earlier "
        "sessions filmed the same way.</footer>",
        "</main></body></html>",
    ]
    return "\n".join(parts)


def _when(row: Mapping[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(row["recorded_at"]) if row["recorded_at"] else None
    except ValueError:
        return None


def _colours(people: list[str]) -> dict[str, Any]:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if len(people) <= 10 else "tab20"]
    return {p: cmap(i % cmap.N) for i, p in enumerate(people)}


def _plot_across(rows: list[dict[str, Any]]) -> bytes:
    from matplotlib.figure import Figure

    people = sorted({r["person"] or "(unknown)" for r in rows})
    colours = _colours(people)
    fig = Figure(figsize=(9, 3.6))
    ax1, ax2 = fig.subplots(1, 2)
    for p in people:
        mine = [r for r in rows if (r["person"] or "(unknown)") == p]
        c = colours[p]
        ax1.scatter(
            [_num(r["mean_peak_lateral_right_deg"]) for r in mine],
            [_num(r["mean_peak_lateral_left_deg"]) for r in mine],
            color=c,
            label=p,
            s=28,
        )
        ax2.scatter(
            [_num(r["mean_peak_forward_deg"]) for r in mine],
            [_num(r["mean_sparc"]) for r in mine],
            color=c,
            label=p,
            s=28,
        )
    # one scale on both axes, from 0: a point on the line is as far to each side
    sides = [_num(r[k]) for r in rows for k in ("mean_peak_lateral_right_deg",
             "mean_peak_lateral_left_deg") if _finite(r[k])]  # fmt: skip
    top = 1.08 * max([30.0, *sides])
    low = min([0.0, *sides]) - 0.02 * top
    ax1.plot([low, top], [low, top], color="#ccc", lw=1, zorder=0)
    ax1.set_xlim(low, top)
    ax1.set_ylim(low, top)
    ax1.set_aspect("equal", adjustable="box")
    ax1.ticklabel_format(style="plain", useOffset=False)
    _scale_axis(ax2, "x", [_num(r["mean_peak_forward_deg"]) for r in rows], "mean_peak_forward_deg")
    _scale_axis(ax2, "y", [_num(r["mean_sparc"]) for r in rows], "mean_sparc")
    ax1.set_xlabel("side bend right (deg)")
    ax1.set_ylabel("side bend left (deg)")
    ax1.set_title("symmetry (on the line: even)", fontsize=10)
    ax2.set_xlabel("forward flexion (deg)")
    ax2.set_ylabel("SPARC (closer to 0 is smoother)")
    ax2.set_title("range and smoothness", fontsize=10)
    for ax in (ax1, ax2):
        ax.spines[["top", "right"]].set_visible(False)
    if len(people) <= 12:
        ax2.legend(frameon=False, fontsize=8, loc="best")
    fig.tight_layout()
    return page.figure_png(fig)


def _plot_over_time(rows: list[dict[str, Any]], measures: tuple[tuple[str, str], ...]) -> bytes:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
    from matplotlib.figure import Figure

    shown = [(col, label) for col, label in measures if any(_finite(r[col]) for r in rows)]
    people = sorted({r["person"] or "(unknown)" for r in rows})
    colours = _colours(people)
    cols = 2 if len(shown) > 1 else 1
    nrows = max(1, math.ceil(len(shown) / cols))
    fig = Figure(figsize=(9, 2.6 * nrows))
    for k, (col, label) in enumerate(shown):
        ax = fig.add_subplot(nrows, cols, k + 1)
        for p in people:
            pts = sorted(
                (w, float(r[col]))
                for r in rows
                if (r["person"] or "(unknown)") == p
                and _finite(r[col])
                and (w := _when(r)) is not None
            )
            if pts:
                days = date2num([w for w, _ in pts])
                ax.plot(days, [v for _, v in pts], "o-", color=colours[p], label=p, ms=4, lw=1.4)
        when = [w for r in rows if (w := _when(r)) is not None]
        if when:  # a few days either side, so one day's videos are not lost in years
            lo, hi = date2num(min(when)), date2num(max(when))
            pad = max(2.0, 0.08 * (hi - lo))
            ax.set_xlim(lo - pad, hi + pad)
        locator = AutoDateLocator(minticks=2, maxticks=6)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        _scale_axis(ax, "y", [_num(r[col]) for r in rows], col)
        ax.set_title(label, fontsize=10)
        ax.tick_params(labelsize=8)
        ax.spines[["top", "right"]].set_visible(False)
        if k == 0 and len(people) <= 12 and ax.get_legend_handles_labels()[0]:
            ax.legend(frameon=False, fontsize=8, loc="best")
    fig.tight_layout()
    return page.figure_png(fig)


def _num(v: Any) -> float:
    return float(v) if _finite(v) else math.nan


_TABLE_COLUMNS: Final = (
    ("person", "person"),
    ("recorded_at", "recorded"),
    ("id", "video"),
    ("kind", "kind"),
    ("status", "status"),
    ("view", "view"),
    ("reps", "reps"),
    ("side_bends", "side bends"),
    ("roll_downs", "roll-downs"),
    ("mean_score", "score"),
    ("mean_peak_lateral_right_deg", "right"),
    ("mean_peak_lateral_left_deg", "left"),
    ("mean_peak_forward_deg", "forward"),
    ("mean_sparc", "SPARC"),
    ("toe_touch_peak_deg", "toe touch"),
    ("error", "error or note"),
)


def _table(rows: list[dict[str, Any]]) -> str:
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label in _TABLE_COLUMNS)
    out = [f"<div class='wide'><table class='cohort'><tr>{head}</tr>"]
    for r in sorted(rows, key=lambda r: (r["person"] or "", r["recorded_at"] or "", r["id"])):
        cells = []
        for col, _ in _TABLE_COLUMNS:
            v = r[col]
            if col == "error" and v is None and r["status"] != "ok":
                v = (r["notes"] or "").split(". ")[0] or None
            if col == "status" and r["warnings"]:
                v = f"{v}: {r['warnings']}"
            if col == "id" and r["status"] in READ:
                # a name may hold '#', '?', '%' or spaces: quoted, it stays a path
                href = html.escape(quote(f"{r['output']}/report.html"))
                text = f"<a href='{href}'>{html.escape(str(v))}</a>"
            elif isinstance(v, float):
                text = f"{v:.2f}" if col == "mean_sparc" else f"{v:.0f}"
            elif col == "recorded_at" and v:
                text = html.escape(str(v)[:10])
            else:
                text = "" if v is None else html.escape(str(v))
            cls = {
                "failed": " class='failed'",
                "not measured": " class='warn'",
                "warning": " class='warn'",
            }.get(r["status"], "")
            cells.append(f"<td{cls if col in ('status', 'error') else ''}>{text}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table></div>")
    return "".join(out)
