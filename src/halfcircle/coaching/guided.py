"""The guided session's logic: assess, practise at a stage, re-assess, and the verdict.

One session of the program (``DOMAIN.md``, "The program"): the person's chosen
assessment test (toe touch, side bends or trunk rotation, as the baseline measures
them), a set of practice at their current stage (:mod:`halfcircle.coaching.stages`), the
same test again, and the result: before and after side by side with a verdict that
calls a change real only beyond the minimal detectable change
(:data:`halfcircle.coaching.baseline.MDC`).

Everything here is pure and returns data; the recording use case
(:mod:`halfcircle.analyze.guided_session`) and the live window
(:mod:`halfcircle.live.guided_session`) call it.

Finding the parts in a recording of a whole session: every movement is a baseline
result (:func:`halfcircle.coaching.baseline.segment_baseline`) or a half circle (the rep
counter's). The *assessment before* is the leading run of movements that belong to the
chosen test (one of each of its tests: one toe touch; a side bend each side; a turn
each side), the *assessment after* the trailing run, and the practice is what lies
between. A half circle is never an assessment (seen from the front it reads as a deep
forward bend). A recording stopped during practice has no re-assessment only when its
practice movements differ from the test's: a toe-touch assessment followed by
roll-downs cut short reads its last roll-down as the re-assessment.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from halfcircle.coaching.baseline import MDC, BaselineResult
from halfcircle.coaching.painmodel import EASE_OFF, PainRating, pain_decision
from halfcircle.coaching.stages import TargetRule, next_target
from halfcircle.words import join_and

__all__ = [
    "ASSESSMENTS",
    "TARGETED",
    "VERDICTS",
    "WELCOME",
    "AssessmentSplit",
    "Comparison",
    "compare_assessments",
    "next_session_target",
    "result_sentences",
    "session_verdict",
    "split_assessment",
    "verdict_of",
]

#: The assessment tests a person chooses from, and the baseline tests each is made of.
ASSESSMENTS: Final[dict[str, tuple[str, ...]]] = {
    "toe_touch": ("toe_touch",),
    "side_bends": ("side_bend_right", "side_bend_left"),
    "rotation": ("rotation_left", "rotation_right"),
}

#: The verdict words, the history's (:data:`halfcircle.history.progress.VERDICTS`).
VERDICTS: Final = ("better", "about the same", "less")

#: The first-run welcome: moving without fear, in four calm sentences.
WELCOME: Final = (
    "Welcome. Moving your back is safe, and gentle regular movement is one of the best "
    "things for back pain.",
    "Some discomfort while you move is normal; it does not mean you are doing damage.",
    "Stay within a range that feels fine to you: there is no need to push.",
    "We will check how a movement feels, practise a little, and check it again.",
)


@dataclass(frozen=True)
class AssessmentSplit:
    """Where the assessment before, the practice and the assessment after lie.

    Attributes:
        before: The first assessment's results, in time order.
        after: The re-assessment's results, in time order (empty when missing).
        practice_start_s: Practice starts after this (the end of the first assessment;
            -inf when none was found, and then nothing is practice).
        practice_end_s: Practice ends before this (the start of the re-assessment; inf
            when there is none).
    """

    before: tuple[BaselineResult, ...]
    after: tuple[BaselineResult, ...]
    practice_start_s: float
    practice_end_s: float

    def in_practice(self, start_s: float, end_s: float) -> bool:
        """Whether a movement from ``start_s`` to ``end_s`` lies within the practice.

        Never without a first assessment: the practice is then not told apart.
        """
        return (
            bool(self.before) and self.practice_start_s <= start_s and end_s <= self.practice_end_s
        )


def _overlaps(r: BaselineResult, spans: Sequence[tuple[float, float]]) -> bool:
    return any(r.start_s < b and a < r.end_s for a, b in spans)


def _leading(
    movements: Sequence[tuple[float, BaselineResult | None]], tests: tuple[str, ...]
) -> list[BaselineResult]:
    """The leading run of ``movements`` made of ``tests``, each test at most once."""
    taken: list[BaselineResult] = []
    for _, r in movements:
        if r is None or r.test not in tests or r.test in {t.test for t in taken}:
            break
        taken.append(r)
        if len(taken) == len(tests):
            break
    return taken


def split_assessment(
    results: Sequence[BaselineResult],
    test: str,
    half_circles: Sequence[tuple[float, float]] = (),
    after_from_s: float = -math.inf,
) -> AssessmentSplit:
    """Find the assessment before and after, and the practice between, in one recording.

    Args:
        results: Every baseline movement found in the recording, in any order.
        test: The chosen assessment, a key of :data:`ASSESSMENTS`.
        half_circles: ``(start_s, end_s)`` of the complete half circles found.
        after_from_s: The re-assessment is looked for among the movements that start
            at this time (s) or later: a live session's, when its re-assessment began
            (inf when it never did); by default, the recording's last movements.

    Returns:
        The split (see the module docstring). With nothing of the test at the start,
        ``before`` is empty; a re-assessment is only looked for after a first one.
    """
    tests = ASSESSMENTS[test]
    spans = list(half_circles)
    movements: list[tuple[float, BaselineResult | None]] = [
        (r.start_s, None if _overlaps(r, spans) else r) for r in results
    ]
    movements += [(a, None) for a, _ in spans]
    movements.sort(key=lambda m: m[0])
    before = _leading(movements, tests)
    after: list[BaselineResult] = []
    if before:
        rest = [m for m in movements if m[0] > before[-1].end_s and m[0] >= after_from_s]
        after = list(reversed(_leading(list(reversed(rest)), tests)))
    start = max((r.end_s for r in before), default=-math.inf)
    end = min((r.start_s for r in after), default=math.inf)
    return AssessmentSplit(tuple(before), tuple(after), start, end)


def verdict_of(change_deg: float) -> str:
    """A change of a test's peak (deg, after minus before) in the history's words.

    Real only beyond the minimal detectable change (:data:`MDC`, ``deg``): further is
    ``better``, less far ``less``, within it ``about the same`` (the rule of
    :func:`halfcircle.history.progress.verdict` for a peak in degrees).
    """
    if not abs(change_deg) > MDC["deg"]:
        return VERDICTS[1]
    return VERDICTS[0] if change_deg > 0 else VERDICTS[2]


@dataclass(frozen=True)
class Comparison:
    """One test before and after practice (peaks in deg, positive in its direction)."""

    test: str
    before_deg: float
    after_deg: float

    @property
    def change_deg(self) -> float:
        """After minus before (deg)."""
        return self.after_deg - self.before_deg

    @property
    def verdict(self) -> str:
        """What the change means (:func:`verdict_of`)."""
        return verdict_of(self.change_deg)

    def to_dict(self) -> dict[str, Any]:
        """The comparison as plain JSON-ready values."""
        return {
            "test": self.test,
            "before_deg": self.before_deg,
            "after_deg": self.after_deg,
            "change_deg": round(self.change_deg, 1),
            "verdict": self.verdict,
        }


def compare_assessments(
    before: Sequence[BaselineResult], after: Sequence[BaselineResult]
) -> list[Comparison]:
    """Each test measured both times, before against after, in the first assessment's order."""
    later = {r.test: r for r in after}
    return [
        Comparison(r.test, r.peak_deg, later[r.test].peak_deg) for r in before if r.test in later
    ]


def session_verdict(comparisons: Sequence[Comparison]) -> str | None:
    """The session's verdict: None without a comparison.

    ``better`` when some test changed for the better beyond the minimal detectable
    change and none for the less; ``less`` the other way round; otherwise (no real
    change, or one side better and the other less) ``about the same``.
    """
    if not comparisons:
        return None
    said = {c.verdict for c in comparisons}
    if "better" in said and "less" not in said:
        return "better"
    if "less" in said and "better" not in said:
        return "less"
    return "about the same"


def result_sentences(
    comparisons: Sequence[Comparison],
    verdict: str | None,
    feels: str | None = None,
    pain: tuple[int | None, int | None] = (None, None),
    reassessed: bool = True,
    assessed: bool = True,
) -> list[str]:
    """The result said to the person: before and after, the verdict, the feeling, the pain.

    ``pain`` is ``(before, after)`` on 0-10; ``reassessed`` False when the session ended
    before the re-assessment; ``assessed`` False when the first assessment was not found.
    """
    if not comparisons:
        if not assessed:
            return ["The assessment was not found at the start, so there is no before and "
                    "after to compare."]  # fmt: skip
        if not reassessed:
            return ["There was no re-assessment this time, so there is no before and after "
                    "to compare."]  # fmt: skip
        return ["The same test was not measured before and after, so there is no comparison "
                "this time."]  # fmt: skip
    parts = [
        f"{c.test.replace('_', ' ')} {c.before_deg:.0f} deg before, {c.after_deg:.0f} after"
        for c in comparisons
    ]
    lines = [join_and(parts)[0].upper() + join_and(parts)[1:] + "."]
    margin = f"{MDC['deg']:g} deg"
    if verdict == "better":
        lines.append(f"That is a real gain: more than the {margin} a measurement can vary by.")
    elif verdict == "less":
        lines.append(
            f"That is less than before, by more than {margin}: it happens on some days, and "
            "it is fine to keep the range that feels comfortable today."
        )
    else:
        lines.append(f"That is about the same: within the {margin} a measurement can vary by.")
    if feels is not None:
        lines.append(f"It feels {feels} than before." if feels != "same" else "It feels the same.")
    before, after = pain
    if before is not None and after is not None:
        lines.append(f"Pain {before} of 10 before, {after} after.")
    return lines


#: The stages whose sets have a target range, and the movement of their reps.
TARGETED: Final = {"side_bends": "side_bend", "roll_downs": "roll_down"}


def next_session_target(
    stage: str,
    last_reps: Sequence[Mapping[str, Any]],
    last_pain: PainRating,
    rule: TargetRule | None = None,
) -> float | None:
    """The target range (deg) of a drill stage's next set, from the last session at it.

    What the person reached comfortably is the lesser side's best controlled rep of that
    session (``peak_deg`` of the reps ``reps.json`` lists for the stage's movement); the
    target then moves by :func:`halfcircle.coaching.stages.next_target` from the target
    that session had (``target_deg`` of its reps, when it had one; else what it reached,
    so that a recorded session that asks to ease off eases too), with that session's
    pain decision (before against after). A session whose closing pain was not given
    is not known to have settled: its target does not grow. None for the half circle
    and the routine, and without a controlled rep.
    """
    movement = TARGETED.get(stage)
    if movement is None:
        return None
    best: dict[str, float] = {}
    for r in last_reps:
        if r.get("movement") == movement and r.get("controlled") and r.get("peak_deg") is not None:
            side = str(r.get("side"))
            best[side] = max(best.get(side, 0.0), float(r["peak_deg"]))
    if not best:
        return None
    reached = min(best.values())
    previous = next((float(r["target_deg"]) for r in last_reps if r.get("target_deg")), None)
    decision = pain_decision([last_pain])
    if decision is not None and decision.action == EASE_OFF:
        return next_target(reached, previous or reached, reached, decision, rule)
    if last_pain.after is None:  # not known to have settled: no growth
        decision = None
    return next_target(reached, previous, reached, decision, rule)
