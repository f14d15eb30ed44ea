"""The old rule ("pain rose by 1: stop and see a clinician") is gone from every command.

Each command's own path from a pain rating to words is fed the same table of ratings;
each must say what :func:`halfcircle.coaching.painmodel.pain_decision` says (a rise of 1 is
normal, a clear rise eases off next time, a clinician only for starts rising session
after session), and never tell anyone to stop.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from halfcircle.analyze.guided_session import GuidedSession
from halfcircle.coaching.guided import AssessmentSplit
from halfcircle.coaching.painmodel import PainRating, pain_guide
from halfcircle.history.pain import pain_advice as history_pain_advice
from halfcircle.history.store import History
from halfcircle.live.guided_baseline import GuidedBaseline
from halfcircle.live.options import Rating
from halfcircle.live.run import pain_advice
from halfcircle.present.report import _BASELINE_FOOTER, _FOOTER

#: (pains of the sessions, oldest first; what is said of the latest; words it must not use)
ROWS = [
    ([3, 4], "normal", "clinician"),  # up by 1: noise
    ([3, 5], "ease off", "clinician"),  # up by 2: ease off next time
    ([2, 6], "ease off", "clinician"),  # above 5
    ([2, 3, 4], "clinician", "stop"),  # higher at the start of three in a row
]


def _live(pains: list[int]) -> str | None:
    return pain_advice(Rating("same", pains[-1]), {"pain": pains[-2]})


def _history(pains: list[int], db: Path) -> str | None:
    with History(db) as h:
        ids = [h.add_session("practice", started_at=f"2026-01-0{i + 1}T09:00:00") for i, _ in
               enumerate(pains)]  # fmt: skip
        for sid, pain in zip(ids, pains, strict=True):
            h.add_rating(sid, "same", pain)
        return history_pain_advice(h, ids[-1])


def _guided_baseline(pains: list[int]) -> str:
    flow = GuidedBaseline(tests=("toe_touch", "side_bend_right"), pain_before=pains[-2])
    flow.state = "instruct"
    for key in (" ", " ", "s", str(pains[-1])):
        flow.key(key)
    return flow.prompt()


@pytest.mark.parametrize(("pains", "said", "never"), ROWS)
def test_every_command_says_what_the_pain_model_says(
    pains: list[int], said: str, never: str, tmp_path: Path
) -> None:
    live, history = _live(pains), _history(pains, tmp_path / "h.db")
    assert live is not None and history is not None
    if len(pains) == 2:  # one session's own rise: live, history and the guided baseline
        assert said in live and said in history
        assert never not in live.lower() and never not in history.lower()
        guided = _guided_baseline(pains)
        if said == "ease off":
            assert said in guided
        assert "clinician" not in guided and "stop" not in guided.lower()
        assert "side bend right" in guided  # the tests go on: the next one is offered
    else:  # the rising starts come from the history
        assert said in history and never not in history.lower()


@pytest.mark.parametrize(("before", "after"), [(3, 4), (3, 5), (2, 6), (0, 0)])
def test_a_guided_session_never_says_stop(before: int, after: int) -> None:
    session = GuidedSession(
        "toe_touch", AssessmentSplit((), (), 0.0, 1.0), (), None, None, (), None,  # type: ignore[arg-type]
        None, pain=PainRating(before, after),  # type: ignore[arg-type]
    )  # fmt: skip
    words = " ".join(session.sentences()).lower()
    assert "clinician" not in words and "stop" not in words
    assert ("ease off" in words) == (after - before >= 2 or after > 5)


@pytest.mark.parametrize("footer", [_FOOTER, _BASELINE_FOOTER])
def test_the_reports_say_the_pain_model_not_stop(footer: str) -> None:
    assert "stop" not in footer.lower() and "hurts more than usual" not in footer
    assert pain_guide().split(":")[0] in footer
