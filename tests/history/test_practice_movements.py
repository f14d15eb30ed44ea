"""Each movement practised is its own trend: half circles, side-bend drills, roll-downs.

Found by a new-user trial: a guided session that practised side bends along the wall
(stage 1), then one that practised half circles, opened the history with "Assessment
since 4 Dec: your half circle ... forward bend is 47 deg further", the table read
"practice: peak forward bend (deg) 3.6 -> 50.9" (3.6 from the side bends), a live
session's side bends were left out where a guided session's went in, and guided
sessions were listed as ``baseline``. The rule (:mod:`halfcircle.history.trend`): a
practice rep's ``movement`` (none: a half circle) names the trend its session reads in,
whatever kind of session it was practised in; only assessment tests are "assessment".
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from halfcircle.coaching.baseline import BaselineResult
from halfcircle.history.guided import record_guided_session, session_kind
from halfcircle.history.progress import plain_label
from halfcircle.history.store import History
from halfcircle.history.trend import (
    PRACTICE_TESTS,
    measure_group,
    measure_series,
    personal_best,
    rep_movement,
)
from halfcircle.present.glance import _GROUP_WORDS, glance_lines
from halfcircle.present.summary_page import write_summary

ONE, TWO = "2026-12-04T09:00:00+00:00", "2026-12-05T09:00:00+00:00"


def _circle(score: float, forward: float, right: float = 26.0) -> dict[str, Any]:
    return {"movement": "half_circle", "complete": True, "score": score,
            "peak_forward_deg": forward, "peak_lateral_right_deg": right,
            "peak_lateral_left_deg": 29.0, "sparc": -2.1}  # fmt: skip


def _side_bend(side: str, peak: float) -> dict[str, Any]:
    return {"movement": "side_bend", "side": side, "peak_deg": peak, "controlled": True,
            "peak_lateral_right_deg": peak if side == "right" else 1.0,
            "peak_lateral_left_deg": peak if side == "left" else 1.0,
            "peak_forward_deg": 3.6, "sparc": -1.5}  # fmt: skip


def _roll_down(peak: float) -> dict[str, Any]:
    return {"movement": "roll_down", "side": "front", "peak_deg": peak, "controlled": True,
            "peak_lateral_right_deg": 2.0, "peak_lateral_left_deg": 2.0,
            "peak_forward_deg": peak, "sparc": -1.8}  # fmt: skip


def _bends(peak: float) -> list[BaselineResult]:
    return [BaselineResult("side_bend_right", 1.0, 3.0, 2.0, peak, view="front")]


def _guided(h: History, reps: list[dict[str, Any]], stage: str, started_at: str) -> int:
    return record_guided_session(
        h, "side_bends", _bends(22), _bends(23), reps, stage, started_at=started_at
    )


def _practice(h: History, reps: list[dict[str, Any]], stage: str, started_at: str) -> int:
    return h.record_practice(reps, started_at=started_at)  # as live and analyze write it


@pytest.mark.parametrize(
    ("rep", "movement", "group"),
    [
        ({"movement": "half_circle"}, "half_circle", "half_circle"),
        ({}, "half_circle", "half_circle"),  # written before reps named their movement
        ({"movement": "side_bend"}, "side_bend", "side_bend"),
        ({"movement": "roll_down"}, "roll_down", "roll_down"),
    ],
)
def test_a_rep_names_its_movement_and_its_session_reads_in_that_movements_trend(
    rep: dict[str, Any], movement: str, group: str
) -> None:
    assert rep_movement(rep) == movement
    assert measure_group(f"{PRACTICE_TESTS[movement]}.smoothness_sparc") == group
    assert set(_GROUP_WORDS) == {"assessment", *PRACTICE_TESTS}  # each group is named


@pytest.mark.parametrize(
    ("key", "group", "label"),
    [
        ("toe_touch.peak_deg", "assessment", "toe touch, peak (deg)"),
        ("toe_touch.after_peak_deg", "assessment", "toe touch, after practice: peak (deg)"),
        ("practice.peak_forward_deg", "half_circle", "practice: peak forward bend (deg)"),
        ("side_bend_practice.peak_lateral_left_deg", "side_bend",
         "side bend practice: peak side bend left (deg)"),
        ("roll_down_practice.peak_forward_deg", "roll_down",
         "roll down practice: peak forward bend (deg)"),
    ],
)  # fmt: skip
def test_each_measure_is_an_assessment_or_one_movements_practice(
    key: str, group: str, label: str
) -> None:
    assert measure_group(key) == group
    assert plain_label(key) == label


@pytest.mark.parametrize("write_drills", [_guided, _practice], ids=["guided", "live or analyze"])
def test_side_bend_drills_then_half_circles_compare_like_with_like(
    tmp_path: Path, write_drills: Callable[..., int]
) -> None:
    with History(tmp_path / "h.sqlite3") as h:
        drills = write_drills(
            h, [_side_bend("right", 22.0), _side_bend("left", 24.0)], "side_bends", ONE
        )
        circles = _guided(h, [_circle(89.7, 50.9)], "half_circle", TWO)
        series = measure_series(h)
        sessions = h.sessions()
        best = personal_best(h)
        page = write_summary(h, tmp_path / "summary.html").read_text()

    def values(key: str) -> list[tuple[float, int]]:
        return [(v, sid) for _, v, sid in series.get(key, [])]

    # the half circles' trend holds half circles only (was: 3.6 -> 50.9 forward)
    assert values("practice.peak_forward_deg") == [(50.9, circles)]
    assert values("side_bend_practice.peak_lateral_right_deg") == [(22.0, drills)]
    assert values("side_bend_practice.peak_lateral_left_deg") == [(24.0, drills)]
    assert "side_bend_practice.peak_forward_deg" not in series  # not a side bend's measure
    assert best is not None and best.peak_forward_deg == 50.9
    glance = glance_lines(series, sessions, date_words=lambda t: t[:10])
    practice = [
        "One practice so far (2026-12-05): the next one will show the change.",
        "One side-bend practice so far (2026-12-04): the next one will show the change.",
    ]
    if write_drills is _guided:  # both assessed side bends: only those are "assessment"
        assessed = "Assessment since 2026-12-04: everything about the same."
    else:
        assessed = "One assessment so far (2026-12-05): the next one will show the change."
    assert glance == [assessed, *practice]
    # the physiotherapist's page: assessments are assessments, a guided session is named so
    assessments = page[page.index("<h2>Assessments") : page.index("<h2>Practice per week")]
    assert "side bend right, peak (deg)" in assessments and "<h3>practice: " not in assessments
    assert "<td>guided</td>" in page
    kinds = [session_kind(s) for s in sessions]
    assert kinds == (["guided", "guided"] if write_drills is _guided else ["practice", "guided"])


def test_roll_downs_compare_with_roll_downs_across_sessions(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite3") as h:
        _practice(h, [_roll_down(40.0), _circle(80.0, 45.0)], "roll_downs", ONE)
        _guided(h, [_roll_down(52.0)], "roll_downs", TWO)
        glance = glance_lines(measure_series(h), h.sessions(), date_words=lambda t: t[:10])
    assert glance[-1] == (
        "Roll-down practice since 2026-12-04: your roll-down drill forward bend is 12 deg "
        "further; everything else about the same."
    )
    assert not any("half circle" in line and "further" in line for line in glance)
