"""What the cohort says: a baseline clip's row and rep files, and how its plots are scaled.

No video is read: a baseline clip's outputs come from synthetic poses (two side
bends, which the rep counter takes for two half circles brought back before the
front), and the page is rendered from rows built by hand. A baseline clip's tests
must not be reported as half-circle attempts; the plots must draw equal values
level and keep their tick labels plain and apart.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure

import halfcircle.present.page
from halfcircle.analyze.video import analyze_poses, movement_dicts, rep_dicts
from halfcircle.batch.cohort import cohort_rows
from halfcircle.batch.plan import BatchPlan, VideoEntry
from halfcircle.batch.run import write_video_outputs
from halfcircle.coaching.cues import REP_CUE_RULES
from halfcircle.landmarks import PoseSequence
from halfcircle.present.cohort import (
    AXIS_RANGES,
    COHORT_COLUMNS,
    HALF_CIRCLE_COLUMNS,
    AxisRange,
    axis_limits,
    render_cohort,
)
from halfcircle.synthetic import synthetic_clip

ABORTED_CUE = next(r.text for r in REP_CUE_RULES if r.id == "aborted")
BASELINE_ID = "anna/base_side_bends.mp4"
PRACTICE_ID = "anna/side_bends.mp4"


def _bump(n: int, peak: float) -> np.ndarray:
    """A minimum-jerk rise to ``peak`` (deg) and back over ``n`` frames."""
    s = np.linspace(0.0, 1.0, n // 2)
    up = peak * (10 * s**3 - 15 * s**4 + 6 * s**5)
    return np.concatenate([up, np.full(n - 2 * len(up), peak), up[::-1]])


def _side_bends() -> PoseSequence:
    """Two seconds of quiet stance, a side bend right (28 deg), then left (26 deg)."""
    z, rest = np.zeros, np.zeros(30)
    lat = np.concatenate([z(60), _bump(90, 28.0), rest, _bump(90, -26.0), rest])
    return synthetic_clip(lat, z(len(lat)), noise_px=0.3, noise_depth_m=0.002).seq


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory: pytest.TempPathFactory) -> BatchPlan:
    """The same side bends written as a baseline clip and as a half-circle recording."""
    root = tmp_path_factory.mktemp("cohort")
    analysis = analyze_poses(_side_bends())
    # what analyze makes of them: two side bends, not half circles brought back early
    assert not analysis.reps and not analysis.aborted and len(analysis.drills) == 2
    entries = [
        VideoEntry(root / "in" / vid, vid, "anna", vid == BASELINE_ID)
        for vid in (BASELINE_ID, PRACTICE_ID)
    ]
    plan = BatchPlan(
        out_dir=root / "out",
        entries=entries,
        done=frozenset(e.video_id for e in entries),
        model="full",
        model_sha256="0" * 64,
        annotate=False,
    )
    for e in entries:
        write_video_outputs(plan.job(e), analysis, {"size": 1, "mtime_ns": 1})
    return plan


def _rows(plan: BatchPlan) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in cohort_rows(plan, {})}


def _files(plan: BatchPlan, vid: str) -> tuple[dict[str, Any], dict[str, Any]]:
    folder = plan.out_dir / "videos" / Path(*vid.split("/"))
    reps = json.loads((folder / "reps.json").read_text(encoding="utf-8"))
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    return reps, summary


# ----------------------------------------------------------------------------- baseline clips
@pytest.mark.video
def test_a_baseline_clips_row_leaves_the_half_circle_columns_empty(batch_out: BatchPlan) -> None:
    row = _rows(batch_out)[BASELINE_ID]
    assert row["kind"] == "baseline" and row["status"] == "ok"
    assert {col: row[col] for col in HALF_CIRCLE_COLUMNS} == dict.fromkeys(HALF_CIRCLE_COLUMNS)
    assert (row["side_bends"], row["roll_downs"]) == (None, None)  # tests, not drills
    # its tests are reported as tests
    assert row["side_bend_right_peak_deg"] == pytest.approx(28.0, abs=1.5)
    assert row["side_bend_left_peak_deg"] == pytest.approx(26.0, abs=1.5)
    assert row["view"] == "front" and row["frames"] == 300


@pytest.mark.video
def test_a_half_circle_recordings_row_counts_what_the_rep_counter_saw(
    batch_out: BatchPlan,
) -> None:
    row = _rows(batch_out)[PRACTICE_ID]
    assert row["kind"] == "half_circle"
    # the two side bends are side bends, not half circles begun (#21)
    assert (row["reps"], row["incomplete_reps"], row["aborted"]) == (0, 0, 0)
    assert (row["side_bends"], row["roll_downs"]) == (2, 0)
    assert row["side_bend_right_peak_deg"] is None


def test_the_half_circle_columns_are_every_per_rep_column() -> None:
    assert set(HALF_CIRCLE_COLUMNS) <= set(COHORT_COLUMNS)
    per_rep = {c for c in COHORT_COLUMNS if c.startswith(("mean_", "best_"))}
    assert per_rep | {"reps", "incomplete_reps", "aborted"} == set(HALF_CIRCLE_COLUMNS)


@pytest.mark.video
def test_a_baseline_clips_rep_files_do_not_coach_its_tests_as_half_circles(
    batch_out: BatchPlan,
) -> None:
    reps, summary = _files(batch_out, BASELINE_ID)
    assert reps == {"schema_version": 2, "reps": [], "aborted": []}  # the schema kept
    assert summary["counts"]["aborted"] == 0 and summary["counts"]["complete_reps"] == 0
    text = json.dumps([reps, summary])
    assert ABORTED_CUE not in text


@pytest.mark.video
def test_a_half_circle_recordings_rep_files_are_those_of_analyze(batch_out: BatchPlan) -> None:
    reps, summary = _files(batch_out, PRACTICE_ID)
    analysis = analyze_poses(_side_bends())
    aborted = rep_dicts(analysis)[1]
    done = json.loads(json.dumps(movement_dicts(analysis)))  # the side bends, as drills
    assert reps["aborted"] == json.loads(json.dumps(aborted)) and reps["reps"] == done
    # the side bends are listed as drills only, not also as half circles begun (#21)
    assert reps["aborted"] == [] and [r["movement"] for r in done] == ["side_bend"] * 2
    assert summary["counts"]["aborted"] == 0 and summary["drills"]["side_bend"]["reps"] == 2


# ----------------------------------------------------------------------------- axis scaling
@pytest.mark.parametrize(
    ("values", "scale", "expected"),
    [
        # nearly equal: widened about their middle to the minimum span
        ([60.994, 61.0, 61.005], AxisRange(20.0), (50.9995, 70.9995)),
        ([30.0], AxisRange(20.0), (20.0, 40.0)),
        # far apart: the data and an 8 % margin, not widened
        ([20.0, 70.0], AxisRange(20.0), (16.0, 74.0)),
        # widened inside what the measure can take (and a point's width), as the data allows
        ([99.0, 100.0], AxisRange(20.0, 0.0, 100.0), (80.8, 100.8)),
        ([2.0], AxisRange(20.0, 0.0, 100.0), (-0.8, 19.2)),
        ([-2.087, -2.084], AxisRange(1.0, None, 0.0), (-2.5855, -1.5855)),
        ([-0.1], AxisRange(1.0, None, 0.0), (-0.96, 0.04)),
        ([math.nan, 10.0], AxisRange(20.0), (0.0, 20.0)),
        ([math.nan], AxisRange(20.0), None),
    ],
)
def test_axis_limits(
    values: list[float], scale: AxisRange, expected: tuple[float, float] | None
) -> None:
    got = axis_limits(values, scale)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected)


def test_degree_axes_span_at_least_four_minimal_detectable_changes() -> None:
    from halfcircle.coaching.baseline import MDC

    for col, scale in AXIS_RANGES.items():
        unit = "cm" if col.endswith("_cm") else "deg" if col.endswith("_deg") else None
        if unit is not None:
            assert scale.min_span >= 4 * MDC[unit], col


START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def _row(person: str, days: int, kind: str = "half_circle", **cols: float) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(COHORT_COLUMNS)
    row.update(
        id=f"{person}/{kind}-{days}.mp4",
        person=person,
        recorded_at=(START + timedelta(days=days)).isoformat(timespec="seconds"),
        kind=kind,
        status="ok",
        output=f"videos/{person}/{kind}-{days}.mp4",
        **cols,
    )
    return row


#: Three sessions of one person that measured (nearly) the same, and a baseline clip.
NEARLY_EQUAL = [
    _row("anna", 0, mean_peak_forward_deg=60.994, mean_sparc=-2.087, mean_score=88.0,
         mean_peak_lateral_right_deg=29.627, mean_peak_lateral_left_deg=27.644,
         mean_arc_coverage_deg=180.0),
    _row("anna", 0, mean_peak_forward_deg=61.000, mean_sparc=-2.084, mean_score=88.5,
         mean_peak_lateral_right_deg=29.952, mean_peak_lateral_left_deg=28.401,
         mean_arc_coverage_deg=179.97),
    _row("anna", 7, mean_peak_forward_deg=61.005, mean_sparc=-2.085, mean_score=88.2,
         mean_peak_lateral_right_deg=29.8, mean_peak_lateral_left_deg=28.0,
         mean_arc_coverage_deg=179.99),
    _row("anna", 1, "baseline", toe_touch_peak_deg=70.02, side_bend_right_peak_deg=29.2,
         side_bend_left_peak_deg=29.23, toe_touch_fingertip_floor_cm=3.01),
]  # fmt: skip


@dataclass(frozen=True)
class Plot:
    """One plot of the cohort page, drawn."""

    ax: Axes
    renderer: RendererAgg


def _plots(rows: list[dict[str, Any]]) -> dict[str, list[Plot]]:
    """The plots of the page of ``rows``, as it embeds them, by title."""
    drawn: list[Figure] = []
    real = halfcircle.present.page.figure_png

    def keep(fig: Any) -> bytes:
        drawn.append(fig)
        return real(fig)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(halfcircle.present.page, "figure_png", keep)
        render_cohort(rows)
    plots: dict[str, list[Plot]] = {}
    for fig in drawn:
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        for ax in fig.axes:
            plots.setdefault(ax.get_title(), []).append(Plot(ax, canvas.get_renderer()))
    return plots


@pytest.fixture(scope="module")
def nearly_equal() -> dict[str, list[Plot]]:
    return _plots(NEARLY_EQUAL)


def _tick_labels(plot: Plot, which: str) -> list[tuple[str, tuple[float, float]]]:
    """The tick labels drawn on an axis: text and extent along the axis (pixels)."""
    ax, renderer = plot.ax, plot.renderer
    box = ax.get_window_extent(renderer)
    out = []
    for label in ax.get_xticklabels() if which == "x" else ax.get_yticklabels():
        if not label.get_visible() or not label.get_text():
            continue
        ext = label.get_window_extent(renderer)
        lo, hi = (ext.x0, ext.x1) if which == "x" else (ext.y0, ext.y1)
        a, b = (box.x0, box.x1) if which == "x" else (box.y0, box.y1)
        if a - 1 <= 0.5 * (lo + hi) <= b + 1:
            out.append((label.get_text(), (lo, hi)))
    return out


def _assert_plain_and_apart(plot: Plot, which: str) -> None:
    """At least two tick labels, plain numbers (no offset, at most 2 decimals), not overlapping."""
    ax = plot.ax
    labels = _tick_labels(plot, which)
    assert len(labels) >= 2, (ax.get_title(), labels)
    offset = (ax.xaxis if which == "x" else ax.yaxis).get_offset_text().get_text()
    assert offset == "", (ax.get_title(), offset)
    for text, _ in labels:
        assert math.isfinite(float(text.replace("\u2212", "-"))), text  # matplotlib's minus
        assert "." not in text or len(text.split(".")[1]) <= 2, (ax.get_title(), text)
    spans = sorted(extent for _, extent in labels)
    for (_, hi), (lo, _) in itertools.pairwise(spans):
        assert hi <= lo, (ax.get_title(), [t for t, _ in labels])


def _span(ax: Axes, which: str) -> float:
    lo, hi = ax.get_xlim() if which == "x" else ax.get_ylim()
    return abs(hi - lo)


@pytest.mark.video
def test_range_and_smoothness_draws_nearly_equal_videos_close_with_plain_labels(
    nearly_equal: dict[str, list[Plot]],
) -> None:
    (plot,) = nearly_equal["range and smoothness"]
    assert _span(plot.ax, "x") >= AXIS_RANGES["mean_peak_forward_deg"].min_span
    assert _span(plot.ax, "y") >= AXIS_RANGES["mean_sparc"].min_span
    for which in ("x", "y"):
        _assert_plain_and_apart(plot, which)


@pytest.mark.video
def test_symmetry_plot_has_one_scale_on_both_axes(nearly_equal: dict[str, list[Plot]]) -> None:
    (plot,) = nearly_equal["symmetry (on the line: even)"]
    lo, hi = plot.ax.get_xlim()
    assert plot.ax.get_ylim() == pytest.approx((lo, hi))
    assert lo <= 0 < 30 <= hi
    for which in ("x", "y"):
        _assert_plain_and_apart(plot, which)


@pytest.mark.parametrize(
    ("title", "col"),
    [
        ("forward flexion (deg)", "mean_peak_forward_deg"),
        ("side bend right (deg)", "mean_peak_lateral_right_deg"),
        ("side bend left (deg)", "mean_peak_lateral_left_deg"),
        ("smoothness, SPARC (closer to 0 is smoother)", "mean_sparc"),
        ("score (0-100)", "mean_score"),
        ("arc covered (deg)", "mean_arc_coverage_deg"),
        ("toe touch, forward flexion (deg)", "toe_touch_peak_deg"),
        ("fingertips above the floor (cm)", "toe_touch_fingertip_floor_cm"),
    ],
)
def test_plots_over_time_draw_nearly_equal_sessions_level(
    nearly_equal: dict[str, list[Plot]], title: str, col: str
) -> None:
    plots = nearly_equal[title]  # side bends: one half-circle plot, one baseline plot
    for plot in plots:
        lo, hi = plot.ax.get_ylim()
        assert hi - lo >= AXIS_RANGES[col].min_span - 1e-9, (title, lo, hi)
        values = [r[col] for r in NEARLY_EQUAL if r[col] is not None]
        assert lo <= min(values) and max(values) <= hi
        _assert_plain_and_apart(plot, "y")


@pytest.mark.video
def test_real_differences_still_fill_the_plot() -> None:
    rows = [
        _row("anna", 0, mean_peak_forward_deg=35.0, mean_sparc=-4.0),
        _row("anna", 14, mean_peak_forward_deg=70.0, mean_sparc=-1.8),
    ]
    plots = _plots(rows)
    for lo, hi in (
        plots["range and smoothness"][0].ax.get_xlim(),
        plots["forward flexion (deg)"][0].ax.get_ylim(),
    ):
        assert lo <= 35.0 and 70.0 <= hi and hi - lo < 1.3 * (70.0 - 35.0)


@pytest.mark.video
def test_links_to_reports_work_for_names_holding_a_hash_or_a_question_mark(
    tmp_path: Path,
) -> None:
    import re
    from urllib.parse import unquote

    row = _row("anna", 0)
    row.update(id="anna/week #1?.mp4", output="videos/anna/week #1? 100%.mp4")
    report = tmp_path / "videos" / "anna" / "week #1? 100%.mp4" / "report.html"
    report.parent.mkdir(parents=True)
    report.write_text("the report")
    page = render_cohort([row])
    (href,) = re.findall(r"<a href='([^']*)'>anna/week #1\?\.mp4</a>", page)
    assert "#" not in href and "?" not in href and " " not in href  # a path, whole
    assert (tmp_path / unquote(href)).read_text() == "the report"


# ----------------------------------------------------------------------------- honest status
def _late_rep() -> PoseSequence:
    """0.3 s of standing, a half circle, then 1.5 s of quiet standing (the only quiet second)."""
    from halfcircle.synthetic import half_circle

    lat, fwd = half_circle(n_rest=0, n_rep=150)
    rest, after = np.zeros(9), np.zeros(45)
    return synthetic_clip(
        np.concatenate([rest, lat, after]), np.concatenate([rest, fwd, after]), noise_px=0.3
    ).seq


def _nobody(n: int = 40) -> PoseSequence:
    seq = synthetic_clip(np.zeros(n), np.zeros(n)).seq
    nan = np.full_like(seq.image, np.nan)
    return PoseSequence(
        seq.time_s, nan, np.full_like(seq.world, np.nan),
        np.full_like(seq.visibility, np.nan), np.full_like(seq.presence, np.nan),
        np.zeros(n, dtype=seq.n_people.dtype), seq.image_size, seq.fps,
    )  # fmt: skip


@pytest.mark.video
def test_late_calibrated_and_nothing_measured_videos_are_never_plain_ok(
    tmp_path: Path,
) -> None:
    late, nobody, clean = "bo/late.mp4", "bo/nobody.mp4", "bo/clean.mp4"
    analyses = {
        late: analyze_poses(_late_rep()),
        nobody: analyze_poses(_nobody()),
        clean: analyze_poses(_side_bends()),
    }
    entries = [VideoEntry(tmp_path / "in" / vid, vid, "bo", False) for vid in analyses]
    plan = BatchPlan(
        out_dir=tmp_path / "out",
        entries=entries,
        done=frozenset(analyses),
        model="full",
        model_sha256="0" * 64,
        annotate=False,
    )
    for e in entries:
        write_video_outputs(plan.job(e), analyses[e.video_id], {"size": 1, "mtime_ns": 1})
    rows = _rows(plan)
    # summary.json carries the status as data
    _, summary = _files(plan, late)
    assert summary["status"] == "warning"
    assert [w["code"] for w in summary["warnings"]] == ["late_calibration"]
    assert summary["calibration_choice"]["rule"] == "first_quiet_second"
    assert _files(plan, nobody)[1]["status"] == "not measured"
    assert _files(plan, clean)[1]["status"] == "ok"
    # and the Python API reads it back
    from halfcircle.api import load_output

    folder = plan.out_dir / "videos" / "bo" / "late.mp4"
    assert load_output(folder).status == ("warning", ["late_calibration"])
    # cohort.csv says it in words
    assert rows[late]["status"] == "warning"
    assert rows[late]["warnings"] == "zeroed on a stance after movements"
    assert rows[late]["reps"] == 1  # the rep before the stance is counted
    assert rows[nobody]["status"] == "not measured" and rows[nobody]["warnings"] is None
    assert rows[clean]["status"] == "ok" and rows[clean]["warnings"] is None
    # and so does the page's table
    page = render_cohort(list(rows.values()))
    assert "<td class='warn'>warning: zeroed on a stance after movements</td>" in page
    assert "<td class='warn'>not measured</td>" in page
    assert page.count("<td>ok</td>") == 1
    # a drills-only video shows its drill reps, not just "0" reps
    assert "<th>reps</th><th>side bends</th><th>roll-downs</th>" in page
    assert rows[clean]["side_bends"] >= 2
    assert f"<td>0</td><td>{rows[clean]['side_bends']}</td><td>0</td>" in page
