"""The pain-monitoring model: each row gives the ratings, the decision and its sentence."""

from __future__ import annotations

import pytest

from halfcircle.coaching.painmodel import (
    CARRY_ON,
    EASE_OFF,
    SEE_CLINICIAN,
    PainRating,
    PainRules,
    pain_decision,
)

R = PainRating


@pytest.mark.parametrize(
    ("sessions", "action", "rise", "words"),
    [
        # within one session (asked before and after)
        ([R(3, 3)], CARRY_ON, 0, "Your pain stayed settled. Carry on at this pace."),
        ([R(3, 4)], CARRY_ON, 1, "a small change like this is normal"),
        ([R(3, 5)], EASE_OFF, 2, "Your pain rose by 2 points (3 -> 5 of 10). Hurt is not harm"),
        ([R(2, 2)], CARRY_ON, 0, "settled"),
        ([R(5, 6)], EASE_OFF, 1, "Your pain is 6 of 10, above the 5 that is fine"),
        ([R(4, 2)], CARRY_ON, -2, "settled"),
        # one reading a session: the rise is against the session before
        ([R(None, 3), R(None, 4)], CARRY_ON, 1, "rose by 1 point (3 -> 4 of 10)"),
        ([R(None, 3), R(None, 5)], EASE_OFF, 2, "next time we will ease off"),
        ([R(None, 4)], CARRY_ON, None, "settled"),
        # higher at the start of three sessions in a row
        ([R(2, 2), R(3, 3), R(4, 4)], SEE_CLINICIAN, 1,
         "higher at the start of each of your last 3 sessions (2 -> 3 -> 4 of 10)"),
        ([R(None, 2), R(None, 3), R(None, 4)], SEE_CLINICIAN, 1, "checking with a clinician"),
        # two rises in a row are not yet several; a dip breaks the run
        ([R(2, 2), R(3, 3)], CARRY_ON, 0, "settled"),
        ([R(2, 2), R(4, 4), R(3, 3), R(4, 4)], CARRY_ON, 0, "settled"),
    ],
)  # fmt: skip
def test_the_pain_model_decides_and_says_why(
    sessions: list[PainRating], action: str, rise: int | None, words: str
) -> None:
    decision = pain_decision(sessions)
    assert decision is not None
    assert (decision.action, decision.rise) == (action, rise)
    assert words in decision.sentence


def test_a_rise_of_one_never_sends_anyone_to_a_clinician() -> None:
    # the old rule ("pain rose by 1: stop and see a clinician") is gone
    for before in range(0, 5):
        decision = pain_decision([R(None, before), R(None, before + 1)])
        assert decision is not None and decision.action == CARRY_ON
        assert "clinician" not in decision.sentence and "stop" not in decision.sentence.lower()


def test_no_pain_given_gives_no_decision() -> None:
    assert pain_decision([]) is None
    assert pain_decision([R(3, 3), R(None, None)]) is None


def test_the_rules_are_settings() -> None:
    strict = PainRules(meaningful_rise=1, acceptable_max=4, rising_starts=2)
    rose, rising = pain_decision([R(3, 4)], strict), pain_decision([R(2, 2), R(3, 3)], strict)
    assert rose is not None and rose.action == EASE_OFF
    assert rising is not None and rising.action == SEE_CLINICIAN


@pytest.mark.parametrize("sessions", [[R(3, 7)], [R(1, 4)], [R(2, 2), R(3, 3), R(5, 5)]])
def test_every_sentence_is_calm(sessions: list[PainRating]) -> None:
    decision = pain_decision(sessions)
    assert decision is not None
    for alarming in ("danger", "damage", "injur", "warning", "!", "must", "immediately"):
        assert alarming not in decision.sentence.lower()
