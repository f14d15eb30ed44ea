"""Progress at a glance: "did I get better?" in a few sentences that say which way is better."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from halfcircle.coaching.baseline import BaselineResult
from halfcircle.history.store import History
from halfcircle.present.glance import MeasureChange, change_words, glance_lines

T = "2026-11-{:02d}T08:00:00+00:00"


def _history(values: list[tuple[int, float, float]], feels: list[str | None] | None = None):
    """Baselines on these days: (day, left side bend deg, toe-touch fingertip-to-floor cm)."""
    series: dict[str, list[tuple[str, float, int]]] = {}
    sessions = []
    for sid, (day, bend, floor) in enumerate(values, 1):
        series.setdefault("side_bend_left.peak_deg", []).append((T.format(day), bend, sid))
        series.setdefault("toe_touch.fingertip_floor_cm", []).append((T.format(day), floor, sid))
        f = feels[sid - 1] if feels else None
        sessions.append({"id": sid, "kind": "baseline", "started_at": T.format(day),
                         "feels": f, "pain": None})  # fmt: skip
    return series, sessions


@pytest.mark.parametrize(
    ("values", "first_line"),
    [
        # better: 6 deg further (beyond 5), fingertips 6 cm closer to the floor (beyond 4.5)
        ([(13, 22, 20), (20, 28, 14)],
         "Assessment since 13 Nov: your left side bend is 6 deg further and toe touch "
         "fingertip-to-floor is 6 cm closer to the floor."),
        # about the same: within the margins
        ([(13, 22, 20), (20, 25, 17)], "Assessment since 13 Nov: everything about the same."),
        # less: the fingertips stop 23 cm higher, said as further from the floor
        ([(13, 22, 10), (20, 23, 33)],
         "Assessment since 13 Nov: your toe touch fingertip-to-floor is 23 cm further from "
         "the floor; everything else about the same."),
        # mixed, three sessions: since the first and since the one before
        ([(13, 22, 20), (20, 29, 20), (27, 22, 14)],
         "Assessment since 13 Nov: your toe touch fingertip-to-floor is 6 cm closer to the "
         "floor; everything else about the same. Since the one before (20 Nov): your toe "
         "touch fingertip-to-floor is 6 cm closer to the floor; your left side bend is 7 deg "
         "less far."),
        # no earlier session
        ([(13, 22, 20)], "One assessment so far (13 Nov): the next one will show the change."),
    ],
    ids=["better", "same", "less", "mixed", "first"],
)  # fmt: skip
def test_the_glance_says_what_changed_and_which_way(
    values: list[tuple[int, float, float]], first_line: str
) -> None:
    assert glance_lines(*_history(values))[0] == first_line


def test_assessments_of_other_tests_are_not_compared_with_the_latest() -> None:
    # toe touch, then side bends, then side bends again: the side bends compare with
    # each other (was: "everything about the same" against the toe touch)
    series, sessions = _history([(13, 22, 20), (20, 22, 20), (27, 30, 20)])
    del series["side_bend_left.peak_deg"][0]  # 13 Nov: the toe touch only
    del series["toe_touch.fingertip_floor_cm"][1:]  # 20 and 27 Nov: side bends only
    assert glance_lines(series, sessions)[0] == (  # the toe touch is not in it: said so
        "Assessment (side bends) since 20 Nov: your left side bend is 8 deg further."
    )
    del series["side_bend_left.peak_deg"][0]  # the side bends of 27 Nov are the first
    assert glance_lines(series, sessions)[0] == (
        "Assessment on 27 Nov: the first with these tests, so the next one will show the "
        "change."
    )


@pytest.mark.parametrize(
    ("feels", "said"),
    [
        (["same"], "You felt the same in 1 of 1 rated sessions."),  # was "better in 0 of 1"
        (["same", "worse", "same"], "You felt the same in 2 of 3 rated sessions."),
        (["worse"], "You felt worse in 1 of 1 rated sessions."),
        (["same", "better"], "You felt better in 1 of 2 rated sessions."),
    ],
)
def test_how_it_felt_names_the_feeling_said(feels: list[str], said: str) -> None:
    days = [(13 + 7 * i, 22, 20) for i in range(len(feels))]
    series, sessions = _history(days, list(feels))
    assert glance_lines(series, sessions)[-1] == said


def test_how_it_felt_and_the_pain_trend_follow() -> None:
    series, sessions = _history([(13, 22, 20), (20, 23, 19), (27, 24, 18)], ["same", "better",
                                                                            "better"])  # fmt: skip
    sessions[0]["pain"], sessions[2]["pain"] = 5, 3
    assert glance_lines(series, sessions)[-1] == (
        "You felt better in 2 of 3 rated sessions; pain 5 -> 3 of 10."
    )


@pytest.mark.parametrize(
    ("key", "change", "verdict", "words"),
    [
        ("practice.best_score_pts", 8, "better", "half circle best score is 8 points higher"),
        ("practice.smoothness_sparc", -0.4, "less", "half circles are less smooth"),
        ("rotation_left.peak_deg", -6, "less", "turn to the left is 6 deg less far"),
        ("side_bend_right.fingertip_travel_cm", 5, "better",
         "right side bend fingertip reach is 5 cm further"),
    ],
)  # fmt: skip
def test_every_change_names_its_direction(
    key: str, change: float, verdict: str, words: str
) -> None:
    assert change_words(MeasureChange(key, 0.0, change, change, verdict)) == words


@pytest.mark.video
def test_history_lists_sessions_by_date_even_when_saved_out_of_order(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    with History(db) as h:
        for day in (20, 6, 27, 13):  # saved out of order, as recordings added later are
            h.record_baseline(
                [BaselineResult("toe_touch", 1.0, 5.0, 3.0, 60.0 + day)], "same", 3,
                started_at=T.format(day),
            )  # fmt: skip
    out = subprocess.run(
        [sys.executable, "-m", "halfcircle", "history", "--db", str(db)],
        capture_output=True, text=True, timeout=60,
    ).stdout  # fmt: skip
    listed = [line.split() for line in out.splitlines() if line.endswith(")") and "(id" in line]
    assert [row[0] for row in listed] == ["1", "2", "3", "4"]
    assert [row[1] for row in listed] == ["6", "13", "20", "27"]  # the day of the month
    assert [row[-1] for row in listed] == ["2)", "4)", "1)", "3)"]  # ids kept for deleting
    assert out.startswith("Assessment since 6 Nov: your toe touch is 21 deg further")
