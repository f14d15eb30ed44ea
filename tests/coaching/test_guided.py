"""The guided session's logic: where the assessments lie in a recording, and the verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from halfcircle.coaching.baseline import MDC, BaselineResult
from halfcircle.coaching.guided import (
    WELCOME,
    Comparison,
    compare_assessments,
    next_session_target,
    result_sentences,
    session_verdict,
    split_assessment,
    verdict_of,
)
from halfcircle.coaching.painmodel import PainRating
from halfcircle.history.guided import last_guided_practice, record_guided_session
from halfcircle.history.progress import verdict as history_verdict
from halfcircle.history.store import History


def _r(test: str, start_s: float, peak: float = 60.0) -> BaselineResult:
    return BaselineResult(test, start_s, start_s + 3.0, start_s + 1.5, peak)


# movements of a recording: (test, start_s); "hc" is a complete half circle
SESSIONS = [
    # assessment, two half circles (read as deep forward bends), re-assessment
    (
        "toe_touch",
        [("toe_touch", 1), ("hc", 7), ("toe_touch", 7.5), ("hc", 13), ("toe_touch", 19)],
        [1],
        [19],
    ),
    # side bends assessed, side bends practised: the first pair and the last pair
    (
        "side_bends",
        [("side_bend_right", 1), ("side_bend_left", 5)]
        + [("side_bend_right", 10 + 4 * i) for i in range(3)]
        + [("side_bend_right", 30), ("side_bend_left", 34)],
        [1, 5],
        [30, 34],
    ),
    # roll-downs practised after the toe touch, no re-assessment after the half circle
    ("toe_touch", [("toe_touch", 1), ("hc", 7)], [1], []),
    # stopped during the first assessment of two sides: the side done is the "before"
    ("side_bends", [("side_bend_right", 1)], [1], []),
    # the recording starts with practice: no assessment is told apart
    ("toe_touch", [("hc", 1), ("toe_touch", 7)], [], []),
    # rotation assessment, nothing else
    ("rotation", [("rotation_left", 1), ("rotation_right", 5)], [1, 5], []),
]


@pytest.mark.parametrize(("test", "movements", "before", "after"), SESSIONS)
def test_the_assessments_are_the_leading_and_trailing_runs_of_the_chosen_test(
    test: str, movements: list[tuple[str, float]], before: list[float], after: list[float]
) -> None:
    results = [_r(name, t) for name, t in movements if name != "hc"]
    circles = [(t, t + 5.0) for name, t in movements if name == "hc"]
    split = split_assessment(results, test, circles)
    assert [r.start_s for r in split.before] == before
    assert [r.start_s for r in split.after] == after
    if before:
        assert split.practice_start_s == max(r.end_s for r in split.before)
    if after:
        assert split.practice_end_s == min(r.start_s for r in split.after)
    for start, end in circles:  # every half circle between the assessments is practice
        assert split.in_practice(start, end) == bool(before and (after or start > before[0]))


def test_a_reassessment_is_looked_for_only_from_when_it_began() -> None:
    # side bends assessed, then practised; the session ended during the practice (a live
    # session whose re-assessment never began): its last side bends are practice
    results = [_r("side_bend_right", 1), _r("side_bend_left", 5)] + [
        _r(side, 10 + 4 * i) for i, side in enumerate(("side_bend_right", "side_bend_left") * 2)
    ]
    assert [r.start_s for r in split_assessment(results, "side_bends").after] == [18, 22]
    never = split_assessment(results, "side_bends", after_from_s=float("inf"))
    assert never.after == () and never.practice_end_s == float("inf")
    began = split_assessment(results, "side_bends", after_from_s=21.0)
    assert [r.start_s for r in began.after] == [22]


VERDICTS = [
    # change (deg), verdict: real only beyond the minimal detectable change (5 deg)
    (10.0, "better"),
    (5.1, "better"),
    (5.0, "about the same"),
    (0.0, "about the same"),
    (-5.0, "about the same"),
    (-5.1, "less"),
]


@pytest.mark.parametrize(("change", "expected"), VERDICTS)
def test_a_change_is_real_only_beyond_the_minimal_detectable_change(
    change: float, expected: str
) -> None:
    assert MDC["deg"] == 5.0
    assert verdict_of(change) == expected
    # the history's words and rule, for a peak in degrees
    assert history_verdict("toe_touch.peak_deg", change) == expected


SESSION_VERDICTS = [
    ([(60, 70)], "better"),
    ([(60, 63)], "about the same"),
    ([(60, 50)], "less"),
    ([(25, 32), (24, 26)], "better"),  # one side gained, the other held
    ([(25, 32), (24, 17)], "about the same"),  # one side gained, the other lost
    ([], None),  # no re-assessment: no verdict
]


@pytest.mark.parametrize(("pairs", "expected"), SESSION_VERDICTS)
def test_the_session_verdict(pairs: list[tuple[float, float]], expected: str | None) -> None:
    comparisons = [Comparison(f"t{i}", a, b) for i, (a, b) in enumerate(pairs)]
    assert session_verdict(comparisons) == expected


def test_before_and_after_are_compared_test_by_test() -> None:
    before = [_r("side_bend_right", 1, 25.0), _r("side_bend_left", 5, 24.0)]
    after = [_r("side_bend_left", 30, 31.0)]
    (only,) = compare_assessments(before, after)
    assert (only.test, only.change_deg, only.verdict) == ("side_bend_left", 7.0, "better")
    assert only.to_dict()["change_deg"] == 7.0


def test_the_result_says_before_after_verdict_feeling_and_pain() -> None:
    lines = result_sentences([Comparison("toe_touch", 68.0, 78.0)], "better", "better", pain=(3, 3))
    assert lines == [
        "Toe touch 68 deg before, 78 after.",
        "That is a real gain: more than the 5 deg a measurement can vary by.",
        "It feels better than before.",
        "Pain 3 of 10 before, 3 after.",
    ]


def test_a_missing_reassessment_is_said_plainly() -> None:
    (line,) = result_sentences([], None, reassessed=False)
    assert line.startswith("There was no re-assessment this time, so there is no before and after")


def test_the_welcome_is_three_to_five_calm_sentences() -> None:
    assert 3 <= len(WELCOME) <= 5
    text = " ".join(WELCOME).lower()
    assert "safe" in text and "not mean you are doing damage" in text
    for alarming in ("stop", "danger", "warning", "must", "!"):
        assert alarming not in text


def _drill(side: str, peak: float, controlled: bool = True, **extra: float) -> dict:  # type: ignore[type-arg]
    return {"movement": "side_bend", "side": side, "peak_deg": peak, "controlled": controlled,
            **extra}  # fmt: skip


TARGETS = [
    # (last session's reps, its pain before/after, the next target), stage side_bends
    # first target: what was reached comfortably, the lesser side's best controlled rep
    ([_drill("right", 22), _drill("left", 19), _drill("left", 20)], (2, 2), 20.0),
    # a rep that was not controlled does not count as comfortable
    ([_drill("right", 22), _drill("left", 20), _drill("left", 26, False)], (2, 2), 20.0),
    # target 20 reached with pain settled: one small step
    ([_drill("right", 22, target_deg=20), _drill("left", 21, target_deg=20)], (2, 2), 23.0),
    # ... a rise of 1 is noise (DOMAIN.md): pain stayed settled, one small step too
    ([_drill("right", 22, target_deg=20), _drill("left", 21, target_deg=20)], (2, 3), 23.0),
    # ... pain above 5, even without a rise: ease off by a step
    ([_drill("right", 22, target_deg=20), _drill("left", 21, target_deg=20)], (6, 6), 17.0),
    # ... a rise of 2: ease off by a step
    ([_drill("right", 22, target_deg=20), _drill("left", 21, target_deg=20)], (2, 4), 17.0),
    # target not reached on one side: it stays
    ([_drill("right", 22, target_deg=20), _drill("left", 18, target_deg=20)], (2, 2), 20.0),
    # never more than a step beyond what was reached
    ([_drill("right", 30, target_deg=20), _drill("left", 20.5, target_deg=20)], (1, 1), 23.0),
    # no controlled rep: no target
    ([_drill("right", 22, False)], (2, 2), None),
    # a recorded session (no target) that asks to ease off: a step below its reach
    ([_drill("right", 22), _drill("left", 20)], (5, 6), 17.0),
    ([_drill("right", 22), _drill("left", 20)], (2, 4), 17.0),
    # the closing pain was not given: not known to have settled, the target stays
    ([_drill("right", 22, target_deg=20), _drill("left", 21, target_deg=20)], (3, None), 20.0),
]


@pytest.mark.parametrize(("reps", "pain", "expected"), TARGETS)
def test_a_drill_target_grows_by_a_small_step_only_after_a_settled_session(
    reps: list[dict],
    pain: tuple[int, int | None],
    expected: float | None,  # type: ignore[type-arg]
) -> None:
    assert next_session_target("side_bends", reps, PainRating(*pain)) == expected


def test_the_half_circle_has_no_target_range() -> None:
    assert next_session_target("half_circle", [_drill("right", 22)], PainRating(2, 2)) is None


def test_the_history_gives_back_the_last_practice_at_a_stage_for_its_target(
    tmp_path: Path,
) -> None:
    reps = [_drill("right", 22, target_deg=20), _drill("left", 21, target_deg=20)]
    with History(tmp_path / "h.sqlite3") as history:
        record_guided_session(
            history,
            "side_bends",
            [_r("side_bend_right", 1, 20)],
            [],
            reps,
            "side_bends",
            pain=(2, 2),
        )
        record_guided_session(history, "toe_touch", [_r("toe_touch", 1)], [], [], None)
        assert last_guided_practice(history, "roll_downs") is None
        found = last_guided_practice(history, "side_bends")
    assert found is not None
    last_reps, pain = found
    assert last_reps == reps and (pain.before, pain.after) == (2, 2)
    assert next_session_target("side_bends", *found) == 23.0
