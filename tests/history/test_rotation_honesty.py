"""Trunk rotation is called changed, or uneven, only beyond its measured error."""

from __future__ import annotations

from pathlib import Path

import pytest

from halfcircle.coaching.baseline import (
    MDC,
    ROTATION_MARGIN_DEG,
    BaselineResult,
    BaselineRun,
    baseline_from_poses,
    margin_deg,
)
from halfcircle.history.compare import compare
from halfcircle.history.progress import change_margin, real_change_words, verdict
from halfcircle.history.store import History
from halfcircle.history.trend import trend_rows
from halfcircle.present.report import baseline_feedback
from tests.conftest import bench_accuracy, fixture_poses


def test_the_rotation_margin_is_the_largest_peak_error_in_the_regression_table() -> None:
    import json

    table = json.loads((bench_accuracy().TABLE).read_text())
    errors = [
        abs(p["error"])
        for key in ("clips", "clips_camera_tilt")
        for clip in table[key].values()
        for p in clip["peaks"]
        if "rotation" in p["what"]
    ]
    assert len(errors) >= 12
    assert max(errors) <= ROTATION_MARGIN_DEG < max(errors) + 0.1
    assert ROTATION_MARGIN_DEG > MDC["deg"]


def test_margins_by_measure() -> None:
    assert margin_deg("rotation_left") == margin_deg("rotation_right") == ROTATION_MARGIN_DEG
    assert margin_deg("side_bend_left") == margin_deg("toe_touch") == MDC["deg"]
    assert change_margin("rotation_left.peak_deg") == ROTATION_MARGIN_DEG
    assert change_margin("toe_touch.peak_deg") == MDC["deg"]
    assert change_margin("toe_touch.fingertip_floor_cm") == MDC["cm"]
    assert verdict("rotation_left.peak_deg", ROTATION_MARGIN_DEG - 1.0) == "about the same"
    assert verdict("rotation_left.peak_deg", ROTATION_MARGIN_DEG + 1.0) == "better"
    assert verdict("side_bend_left.peak_deg", MDC["deg"] + 1.0) == "better"
    words = real_change_words()
    assert words.startswith("at least 5 deg or 4.5 cm")
    assert f"trunk rotation {ROTATION_MARGIN_DEG:g} deg" in words
    assert "filmed the same way" in words


def _rotations(left: float, right: float) -> list[BaselineResult]:
    return [
        BaselineResult("rotation_left", 1.0, 4.0, 2.5, left, view="front"),
        BaselineResult("rotation_right", 5.0, 8.0, 6.5, right, view="front"),
    ]


def test_the_history_never_calls_a_rotation_change_below_its_error_real(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite3") as h:
        h.record_baseline(_rotations(20.0, 20.0), started_at="2026-11-20T09:00:00+00:00")
        second = h.record_baseline(
            _rotations(40.0, 20.0 + ROTATION_MARGIN_DEG + 2.0),
            started_at="2026-11-27T09:00:00+00:00",
        )
        rows = {r.key: r for r in trend_rows(h)}
        assert rows["rotation_left.peak_deg"].change == 20.0
        assert not rows["rotation_left.peak_deg"].real  # 20 deg: within its error
        assert rows["rotation_right.peak_deg"].real
        lines = compare(h, second)
        assert any(line.startswith("rotation left about the same") for line in lines), lines
        assert any("rotation right +" in line and "(better)" in line for line in lines), lines


def test_the_report_calls_no_rotation_uneven_below_its_error() -> None:
    run = BaselineRun(results=_rotations(33.0, 17.0), view="front", azimuth_deg=0.0,
                      calibrated=True)  # fmt: skip
    text = " ".join(baseline_feedback(run))
    assert "further to the left" not in text
    assert "no difference beyond what this measure can tell" in text
    bends = BaselineRun(
        results=[
            BaselineResult("side_bend_left", 1.0, 4.0, 2.5, 33.0),
            BaselineResult("side_bend_right", 5.0, 8.0, 6.5, 17.0),
        ],
        view="front",
        azimuth_deg=0.0,
        calibrated=True,
    )
    text = " ".join(baseline_feedback(bends))
    assert "further to the left" in text and "rotation" not in text.lower()


@pytest.mark.video
def test_a_rotation_baseline_says_its_reading_is_for_the_same_set_up_only() -> None:
    """On the held-out clip whose left turn reads 17.5 of 45 deg."""
    run = baseline_from_poses(fixture_poses("base_rotation_far"))
    assert {r.test for r in run.results} == {"rotation_left", "rotation_right"}
    (note,) = [n for n in run.notes if "Trunk rotation" in n]
    assert "filmed the same way only" in note and f"{ROTATION_MARGIN_DEG:g} deg" in note
