"""How the progress history reads to a person: trend table, local times, the plot's layout."""

from __future__ import annotations

import html
import os
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from itertools import combinations
from pathlib import Path

import pytest

from halfcircle.coaching.baseline import MDC, BaselineResult
from halfcircle.history.compare import compare
from halfcircle.history.pain import latest_pain_advice
from halfcircle.history.progress import (
    CHANGE_MARGINS,
    TrendRow,
    format_trend,
    local_time,
    plain_label,
    verdict,
)
from halfcircle.history.store import History
from halfcircle.history.trend import trend_rows
from halfcircle.present.history_page import (
    UNIT_AXES,
    history_figure,
    place_labels,
    plot_history,
    session_ticks,
)


@pytest.fixture
def local_zone() -> Iterator[Callable[[str], None]]:
    """Set the process's local time zone for one test (``set("Asia/Kolkata")``)."""
    if not hasattr(time, "tzset"):
        pytest.skip("needs time.tzset")
    before = os.environ.get("TZ")

    def set_zone(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    yield set_zone
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


def _results(toe: float, bend: float) -> list[BaselineResult]:
    return [
        BaselineResult("toe_touch", 1.0, 5.0, 3.0, toe, fingertip_floor_cm=20.0, view="side"),
        BaselineResult("side_bend_left", 6.0, 9.0, 7.5, bend, fingertip_travel_cm=12.0),
    ]


def _row(key: str, change: float, real: bool) -> TrendRow:
    return TrendRow(key, 2, 10.0, 10.0, 10.0 + change, change, real, verdict=verdict(key, change))


@pytest.mark.parametrize(
    ("key", "label"),
    [
        ("toe_touch.peak_deg", "toe touch, peak (deg)"),
        ("toe_touch.fingertip_floor_cm", "toe touch, fingertip to floor (cm)"),
        ("side_bend_left.fingertip_travel_cm", "side bend left, fingertip travel (cm)"),
        ("rotation_right.peak_deg", "rotation right, peak (deg)"),
        ("practice.best_score_pts", "practice: best score (pts)"),
        ("practice.peak_lateral_right_deg", "practice: peak side bend right (deg)"),
        ("practice.peak_forward_deg", "practice: peak forward bend (deg)"),
        ("practice.smoothness_sparc", "practice: smoothness (closer to 0 is smoother)"),
    ],
)
def test_a_measure_key_reads_as_plain_words_with_its_unit(key: str, label: str) -> None:
    assert plain_label(key) == label


def test_the_trend_table_names_measures_in_plain_words_not_internal_keys(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite3") as h:
        h.record_baseline(_results(80, 25), started_at="2026-11-20T09:00:00+00:00")
        h.record_practice(
            [{"index": 1, "complete": True, "score": 70, "peak_forward_deg": 40, "sparc": -2.0}],
            started_at="2026-11-20T18:00:00+00:00",
        )
        rows = trend_rows(h)
    table = format_trend(rows)
    assert "toe touch, peak (deg)" in table
    assert "practice: best score (pts)" in table
    for row in rows:  # the keys stay on the rows, for scripts
        assert row.key not in table
    assert "_" not in table


def test_the_terminal_trend_says_a_verdict_per_change_and_explains_it_in_plain_words() -> None:
    one = TrendRow("toe_touch.peak_deg", 1, 60.0, None, 60.0, None, False)
    first = format_trend([one])
    assert "change of at least" not in first  # nothing judged: no footnote
    table = format_trend([_row("toe_touch.peak_deg", 2.0, False), _row("x.a_deg", -9.0, True)])
    lines = table.splitlines()
    assert lines[0].split()[-1] == "verdict"
    assert lines[2].endswith("+2.0  about the same") and lines[3].endswith("-9.0  less")
    assert "change of at least 5 deg or 4.5 cm" in table
    assert "minimal detectable change" not in table and "*" not in table


@pytest.mark.parametrize(
    ("key", "change", "said"),
    [
        ("toe_touch.peak_deg", +6.0, "better"),  # further than 5 deg
        ("toe_touch.peak_deg", -6.0, "less"),
        ("toe_touch.peak_deg", +4.9, "about the same"),  # within 5 deg
        ("side_bend_left.fingertip_travel_cm", +5.0, "better"),  # slid further down
        ("toe_touch.fingertip_floor_cm", -5.0, "better"),  # closer to the floor
        ("toe_touch.fingertip_floor_cm", +5.0, "less"),
        ("toe_touch.fingertip_floor_cm", -4.0, "about the same"),  # within 4.5 cm
        ("practice.best_score_pts", +6.0, "better"),
        ("practice.best_score_pts", -4.0, "about the same"),  # within 5 points
        ("practice.smoothness_sparc", +0.3, "better"),  # -2.3 -> -2.0: closer to 0, smoother
        ("practice.smoothness_sparc", -0.3, "less"),
        ("practice.smoothness_sparc", +0.2, "about the same"),  # within 0.25
    ],
)
def test_a_change_reads_better_about_the_same_or_less_by_its_measure_s_margin(
    key: str, change: float, said: str
) -> None:
    assert verdict(key, change) == said


def test_the_verdict_follows_the_rule_of_the_baseline_comparison(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite3") as h:
        h.record_baseline(_results(80, 25), started_at="2026-11-20T09:00:00+00:00")
        second = h.record_baseline(_results(86, 28), started_at="2026-11-20T10:00:00+00:00")
        lines = compare(h, second)
        rows = {r.key: r for r in trend_rows(h)}
    assert "toe touch +6 deg (better)" in lines and rows["toe_touch.peak_deg"].verdict == "better"
    assert "side bend left about the same" in lines
    assert rows["side_bend_left.peak_deg"].verdict == "about the same"  # 3 deg


@pytest.mark.parametrize(
    ("zone", "stored", "shown"),
    [
        ("UTC", "2026-11-25T01:24:00+00:00", "25 Nov 2026 01:24"),
        ("Asia/Kolkata", "2026-11-25T01:24:00+00:00", "25 Nov 2026 06:54"),
        ("America/New_York", "2026-11-25T01:24:00+00:00", "24 Nov 2026 20:24"),
        ("Asia/Kolkata", "2026-11-25T01:24:00", "25 Nov 2026 06:54"),  # no zone: UTC
    ],
)
def test_a_session_time_reads_as_a_short_local_time(
    local_zone: Callable[[str], None], zone: str, stored: str, shown: str
) -> None:
    local_zone(zone)
    assert local_time(stored) == shown


def test_session_ticks_name_each_date_once_with_the_year_first() -> None:
    days = [(20, 8), (20, 8), (21, 18), (23, 7), (23, 7), (26, 20)]
    started = [datetime(2026, 11, d, h) for d, h in days]
    ticks = session_ticks(started, [1, 2, 3, 4, 5, 6])
    assert ticks == [
        (0, "1\n20 Nov 2026"),
        (1, "2"),
        (2, "3\n21 Nov"),
        (3, "4\n23 Nov"),
        (4, "5"),
        (5, "6\n26 Nov"),
    ]


def test_session_ticks_thin_out_many_sessions_and_say_a_new_year() -> None:
    started = [datetime(2026, 12, 31)] * 20 + [datetime(2027, 1, 1)] * 20
    ticks = session_ticks(started, list(range(1, 41)), max_ticks=10)
    assert len(ticks) == 10 and [i for i, _ in ticks] == list(range(0, 40, 4))
    assert [label for _, label in ticks if "\n" in label] == ["1\n31 Dec 2026", "21\n1 Jan 2027"]


def _boxes(anchors: list, sizes: list, offsets: list) -> list[tuple[float, ...]]:
    return [
        (x + dx, y + dy, x + dx + w, y + dy + h)
        for (x, y), (w, h), (dx, dy) in zip(anchors, sizes, offsets, strict=True)
    ]


def _apart(a: tuple, b: tuple) -> bool:
    return a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1]


def test_labels_of_points_almost_on_top_of_each_other_are_placed_apart() -> None:
    anchors = [(100.0, 100.0), (101.0, 100.5), (102.0, 99.5)]
    sizes = [(25.0, 9.0)] * 3
    markers = [(x - 3, y - 3, x + 3, y + 3) for x, y in anchors]
    offsets = place_labels(anchors, sizes, markers, (0.0, 0.0, 300.0, 200.0))
    assert None not in offsets
    boxes = _boxes(anchors, sizes, offsets)
    assert all(_apart(a, b) for a, b in combinations(boxes, 2))
    assert all(_apart(box, m) for box in boxes for m in markers)
    assert all(0 < b[0] and b[2] < 300 and 0 < b[1] and b[3] < 200 for b in boxes)


def test_a_label_with_no_free_place_is_left_out_not_overprinted() -> None:
    anchors = [(50.0, 20.0)] * 12
    offsets = place_labels(anchors, [(25.0, 9.0)] * 12, [], (0.0, 0.0, 100.0, 40.0))
    assert offsets[0] is not None and None in offsets
    placed = [(a, o) for a, o in zip(anchors, offsets, strict=True) if o is not None]
    boxes = _boxes([a for a, _ in placed], [(25.0, 9.0)] * len(placed), [o for _, o in placed])
    assert all(_apart(a, b) for a, b in combinations(boxes, 2))


def test_two_sessions_seconds_apart_are_drawn_apart_with_readable_labels(
    tmp_path: Path, local_zone: Callable[[str], None]
) -> None:
    local_zone("UTC")
    with History(tmp_path / "h.sqlite3") as h:
        h.record_baseline(_results(80, 25), "same", 3, started_at="2026-11-25T01:24:00+00:00")
        h.record_baseline(_results(80, 25), "worse", 6, started_at="2026-11-25T01:24:22+00:00")
        fig = history_figure(h)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    for ax in fig.axes[:4]:
        xs = [c.get_offsets()[0][0] for c in ax.collections]
        assert xs == [0, 1]  # one step per session, not their 22 s
        labels = [t for t in ax.texts if t.get_text().startswith("pain")]
        assert sorted(t.get_text() for t in labels) == ["pain 3", "pain 6"]
        boxes = [t.get_window_extent(renderer) for t in labels]
        assert not boxes[0].overlaps(boxes[1])
    ticks = [t.get_text() for t in fig.axes[-1].get_xticklabels()]
    assert ticks == ["1\n25 Nov 2026", "2"]  # the date once


@pytest.mark.video
def test_the_page_lists_ratings_with_local_times_and_plain_measure_names(
    tmp_path: Path, local_zone: Callable[[str], None]
) -> None:
    local_zone("Asia/Kolkata")
    with History(tmp_path / "h.sqlite3") as h:
        h.record_baseline(_results(80, 25), "same", 3, started_at="2026-11-25T01:24:00+00:00")
        png, page = plot_history(h, tmp_path / "plot")
    text = page.read_text()
    assert png.stat().st_size > 0
    assert "25 Nov 2026 06:54" in text and "+00:00" not in text
    assert "toe touch, peak (deg)" in text and "toe_touch" not in text


def _rated(h: History, pains: list[int]) -> None:
    """Baselines rated with these pains, a day apart."""
    for day, pain in enumerate(pains, start=20):
        h.record_baseline(
            _results(80, 25), "same", pain, started_at=f"2026-11-{day}T09:00:00+00:00"
        )


@pytest.mark.video
def test_a_clear_rise_in_pain_is_said_calmly_after_the_glance(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite3") as h:
        _rated(h, [4, 7])
        advice = latest_pain_advice(h)
        _, page = plot_history(h, tmp_path / "plot")
    text = page.read_text()
    assert advice is not None and "ease off" in advice and "clinician" not in advice
    assert html.escape(advice) in text and "role='alert'" not in text  # no alarm banner
    assert text.index("class='glance'") < text.index(html.escape(advice)) < text.index("<h2>Trend")
    assert html.escape("pain 4 -> 7 of 10") in text  # the pain as a trend
    assert text.index("<h2>Trend") < text.index("history.png")  # verdicts before charts


@pytest.mark.video
@pytest.mark.parametrize("pains", [[7, 4], [4, 4], [4], [7, 3, 3, 3]], ids=str)
def test_a_history_whose_latest_pain_did_not_rise_gives_no_advice(
    tmp_path: Path, pains: list[int]
) -> None:
    with History(tmp_path / "h.sqlite3") as h:
        _rated(h, pains)
        assert latest_pain_advice(h) is None
        _, page = plot_history(h, tmp_path / "plot")
    assert "class='advice'" not in page.read_text()


@pytest.mark.video
def test_the_page_reads_on_a_phone_like_the_analysis_report(tmp_path: Path) -> None:
    from halfcircle.present.report import PAGE_CSS

    with History(tmp_path / "h.sqlite3") as h:
        _rated(h, [4, 3])
        _, page = plot_history(h, tmp_path / "plot")
        fig = history_figure(h)
    text = page.read_text()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text
    assert PAGE_CSS in text and "<main>" in text  # the report's look and side padding
    assert "<pre" not in text  # the trend is a table, in a frame that scrolls sideways
    assert "<div class='scroll'><table class='trend'>" in text
    # drawn narrow: on a 350 px wide phone screen, 9 pt of text is at least 8 px high
    width_in = fig.get_figwidth()
    smallest_pt = min(t.get_fontsize() for ax in fig.axes for t in ax.get_yticklabels())
    assert smallest_pt / 72 / width_in * 350 >= 8
    assert "minimal detectable change" not in text and "smoothness (SPARC)" not in text


@pytest.mark.video
def test_the_page_s_trend_table_gives_each_change_its_verdict(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite3") as h:
        h.record_baseline(_results(80, 25), started_at="2026-11-20T09:00:00+00:00")
        h.record_baseline(_results(86, 26), started_at="2026-11-21T09:00:00+00:00")
        _, page = plot_history(h, tmp_path / "plot")
    text = page.read_text()
    assert "<th>verdict</th>" in text
    toe = text.split("toe touch, peak (deg)</td>")[1].split("</tr>")[0]
    assert "+6.0" in toe and ">better</td>" in toe
    bend = text.split("side bend left, peak (deg)</td>")[1].split("</tr>")[0]
    assert ">about the same</td>" in bend
    assert "counts only when it is at least 5 deg or 4.5 cm" in text


def _panel(fig: object, title: str) -> object:
    return next(ax for ax in fig.axes if ax.get_title(loc="left") == title)  # type: ignore[attr-defined]


@pytest.mark.video
def test_a_tiny_change_is_drawn_on_an_axis_of_at_least_four_real_changes(tmp_path: Path) -> None:
    rep = {"index": 1, "complete": True, "score": 80.0, "sparc": -2.00}
    with History(tmp_path / "h.sqlite3") as h:
        h.record_practice([rep | {"peak_lateral_right_deg": 29.50}], started_at="2026-11-20T18:00")
        h.record_practice(
            [rep | {"peak_lateral_right_deg": 29.65, "score": 80.5, "sparc": -1.98}],
            started_at="2026-11-21T18:00",
        )
        fig = history_figure(h)
    for title, unit in [
        ("practice: peak side bend right (deg)", "deg"),
        ("practice: best score (pts)", "pts"),
        ("practice: smoothness (closer to 0 is smoother)", "sparc"),
    ]:
        ax = _panel(fig, title)
        lo, hi = ax.get_ylim()  # type: ignore[attr-defined]
        assert hi - lo >= UNIT_AXES[unit].min_span >= 4 * CHANGE_MARGINS[unit] - 1e-9, title
    # the band of no real change around the first value, 29.5 +- 5 deg
    ax = _panel(fig, "practice: peak side bend right (deg)")
    band = [p.get_extents() for p in ax.patches]  # type: ignore[attr-defined]
    assert len(band) == 1
    y0, y1 = ax.transData.inverted().transform(  # type: ignore[attr-defined]
        [(band[0].x0, band[0].y0), (band[0].x1, band[0].y1)]
    )[:, 1]
    assert (y0, y1) == pytest.approx((29.5 - MDC["deg"], 29.5 + MDC["deg"]), abs=0.05)
    assert _panel(fig, "practice: smoothness (closer to 0 is smoother)").get_ylabel() == (  # type: ignore[attr-defined]
        "\u2191 smoother"
    )
