"""A whole guided session measured from a recording: assessment, practice, re-assessment.

The recording use case of :mod:`halfcircle.coaching.guided`: the poses of one recording
(the assessment movement, a set of practice, the assessment again) are measured twice
over, as ``baseline`` measures its tests (:func:`halfcircle.coaching.baseline.baseline_from_poses`)
and as ``analyze`` measures half circles (:func:`halfcircle.analyze.video.analyze_poses`),
and the drills of stages 1 and 2 are found on the same angles
(:func:`halfcircle.coaching.drills.segment_drills`). The assessment before and after and
the practice between are then told apart by :func:`halfcircle.coaching.guided.split_assessment`.

``session.json`` (:func:`session_dict`, schema version :data:`SCHEMA_VERSION`) holds
``assessment.before`` and ``assessment.after`` (results with the fields of ``baseline
--json``'s ``results``), ``assessment.comparison`` and ``assessment.verdict`` (None
without a re-assessment), ``practice.stage`` and ``practice.reps`` (as ``reps.json``
lists reps, each with its ``movement``: ``half_circle``, ``side_bend`` or ``roll_down``),
the ratings and what they mean, and the sentences said.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from halfcircle.analyze.video import Analysis, analyze_poses, movement_dicts, picture_tilt
from halfcircle.coaching.baseline import (
    BaselineResult,
    BaselineRun,
    baseline_from_poses,
    half_circles_note,
)
from halfcircle.coaching.guided import (
    ASSESSMENTS,
    AssessmentSplit,
    Comparison,
    compare_assessments,
    result_sentences,
    session_verdict,
    split_assessment,
)
from halfcircle.coaching.painmodel import PainDecision, PainRating, pain_decision
from halfcircle.coaching.routine import (
    StepCount,
    best_routine,
    routine_done,
    routine_progress,
    routine_steps,
)
from halfcircle.coaching.stages import STAGES
from halfcircle.errors import InputError
from halfcircle.files import json_safe, replace_text
from halfcircle.landmarks import PoseSequence

if TYPE_CHECKING:
    from halfcircle.config import Settings

__all__ = [
    "SCHEMA_VERSION",
    "SESSION_FILE",
    "GuidedSession",
    "measure_guided_session",
    "session_dict",
    "write_session_json",
]

#: Schema version of ``session.json``.
SCHEMA_VERSION: Final = 1
#: The file the session's result is written to, beside the usual report files.
SESSION_FILE: Final = "session.json"

#: A stage's practice reps in words, one and many.
_PRACTICE_WORDS: Final = {
    "side_bends": ("side bend along the wall", "side bends along the wall"),
    "roll_downs": ("roll-down along the wall", "roll-downs along the wall"),
    "half_circle": ("half circle", "half circles"),
    "routine": ("rep of the routine", "reps of the routine"),
}

#: The stage each practice movement belongs to.
_STAGE_OF: Final = {
    "side_bend": "side_bends",
    "roll_down": "roll_downs",
    "half_circle": "half_circle",
}


@dataclass(frozen=True, eq=False)
class GuidedSession:
    """A guided session measured from one recording.

    Attributes:
        test: The assessment chosen (a key of :data:`halfcircle.coaching.guided.ASSESSMENTS`).
        split: Where the assessment before, the practice and the re-assessment lie.
        comparisons: Each test before against after (empty without a re-assessment).
        verdict: ``better``, ``about the same`` or ``less``; None without a comparison.
        stage: The stage practised (:data:`halfcircle.coaching.stages.STAGES`), None when
            no practice rep was found.
        reps: The practice reps, as ``reps.json`` lists them, with their ``movement``.
        analysis: The recording analysed for half circles (the usual report's data).
        baseline: The recording's baseline movements.
        feels: How it felt after practice compared with before, if given.
        pain: Pain 0-10 before and after, if given.
        interrupted: The recording was not read to its end (Ctrl-C).
        notes: Plain sentences about what could not be measured.
        routine: At the routine stage, which routine (``warm_up`` or ``cool_down``).
    """

    test: str
    split: AssessmentSplit
    comparisons: tuple[Comparison, ...]
    verdict: str | None
    stage: str | None
    reps: tuple[dict[str, Any], ...]
    analysis: Analysis
    baseline: BaselineRun
    feels: str | None = None
    pain: PainRating = field(default_factory=PainRating)
    interrupted: bool = False
    notes: tuple[str, ...] = ()
    routine: str | None = None

    @property
    def routine_counts(self) -> list[StepCount]:
        """At the routine stage, each step and the reps counted towards it; else []."""
        return routine_progress(self.routine, self.reps) if self.routine else []

    @property
    def reassessed(self) -> bool:
        """Whether the re-assessment was found."""
        return bool(self.split.after)

    @property
    def pain_decision(self) -> PainDecision | None:
        """What this session's pain means on its own (before against after).

        None without the closing pain: whether the pain stayed settled is not known.
        """
        return pain_decision([self.pain]) if self.pain.after is not None else None

    def sentences(self) -> list[str]:
        """The result as said to the person (and the pain's meaning when worth saying)."""
        lines = result_sentences(
            self.comparisons,
            self.verdict,
            self.feels,
            (self.pain.before, self.pain.after),
            reassessed=self.reassessed,
            assessed=bool(self.split.before),
        )
        decision = self.pain_decision
        if decision is not None and decision.worth_saying:
            lines.append(decision.sentence)
        return lines

    @property
    def practice_sentence(self) -> str | None:
        """The practice in one sentence ("Practice: 2 half circles."); None without."""
        if self.stage is None:
            return None
        n = len(self.reps)
        one, many = _PRACTICE_WORDS[self.stage]
        return f"Practice: {n} {one if n == 1 else many}."


def measure_guided_session(
    poses: PoseSequence,
    test: str,
    *,
    model: str = "full",
    interrupted: bool = False,
    stage: str | None = None,
    target_deg: float | None = None,
    feels: str | None = None,
    pain: PainRating | None = None,
    routine: str | None = None,
    height_cm: float | None = None,
    camera_tilt_deg: float | None = 0.0,
    settings: Settings | None = None,
    camera_pitch: dict[str, Any] | None = None,
    video: str | Path | None = None,
    reassessment_from_s: float | None = None,
    practice_from_s: float = -math.inf,
) -> GuidedSession:
    """Measure a recorded guided session.

    Args:
        poses: The recording's poses (what was read of it, when ``interrupted``).
        test: The assessment, a key of :data:`~halfcircle.coaching.guided.ASSESSMENTS`.
        model: The pose model's name (for the report).
        interrupted: The recording was stopped before its end.
        stage: The stage practised; None to take it from the practice movements found
            (the one most of them belong to).
        target_deg: The practice set's target range (deg), if it had one: kept with each
            practice rep (``target_deg``), for the next session's target.
        feels: How it felt after practice compared with before (better, same, worse).
        pain: Pain before and after (0-10).
        height_cm: Body height, sharpens the fingertip measures.
        camera_tilt_deg: How far the camera looked down (deg, 0 level); None: not
            given, told from ``video``'s picture where it can be
            (:func:`halfcircle.analyze.video.picture_tilt`), else taken as level.
        settings: Every stage's settings (the defaults when None).
        routine: At the routine stage, the routine chosen
            (:data:`halfcircle.coaching.routine.ROUTINES`); None: the one the practice
            follows best. A practice of two kinds of movement or more, two reps each or
            more, is taken for the routine when no stage is given.
        camera_pitch: How the tilt was obtained, when the caller knows
            (:attr:`halfcircle.analyze.video.Analysis.camera_pitch`; a live
            session's picture): its tilt is used.
        video: The recording, for the picture's pitch.
        reassessment_from_s: When the re-assessment began (s; inf: it never did), as a
            live session knows it; None: the re-assessment is the recording's last
            movements, unless it was ``interrupted`` (then its end was never seen, and
            its last movements are practice).
        practice_from_s: When the practice set began (s; inf: it never did), as a live
            session knows it: a movement mostly before it is no practice.

    Raises:
        InputError: ``test`` or ``stage`` is not one of the known names.
    """
    if test not in ASSESSMENTS:
        raise InputError(f"The assessment is one of {', '.join(ASSESSMENTS)}, not {test!r}.")
    if stage is not None and stage not in STAGES:
        raise InputError(f"The stage is one of {', '.join(STAGES)}, not {stage!r}.")
    tilt, camera_pitch, pitch_note = _pitch_of(
        poses, camera_tilt_deg, camera_pitch, video, settings
    )
    analysis = analyze_poses(poses, model, interrupted, tilt, settings)
    analysis = replace(analysis, camera_pitch=camera_pitch)
    run = baseline_from_poses(poses, height_cm, settings, camera_tilt_deg=tilt)
    # only a whole half circle is surely not an assessment: a toe touch can read as an
    # attempt that went back without crossing the front, or as an incomplete rep
    circles = [(r.start_s, r.end_s) for r in analysis.complete_reps]
    if reassessment_from_s is None:
        reassessment_from_s = math.inf if interrupted else -math.inf
    split = split_assessment(run.results, test, circles, reassessment_from_s)
    analysis = _without_assessment(analysis, (*split.before, *split.after))
    candidates = movement_dicts(analysis)  # half circles and drills, as reps.json lists them
    practice = [
        d
        for d in candidates
        if split.in_practice(d["start_s"], d["end_s"])
        and (d["start_s"] + d["end_s"]) / 2 >= practice_from_s  # mostly after the set began
    ]
    kinds = Counter(d["movement"] for d in practice)
    if stage is None and sum(1 for n in kinds.values() if n >= 2) >= 2:
        stage = "routine"
    if stage is None and practice:
        stage = _STAGE_OF[kinds.most_common(1)[0][0]]
    if stage is not None and stage != "routine":
        practice = [d for d in practice if _STAGE_OF[d["movement"]] == stage]
    if stage == "routine":
        if routine is not None:
            routine_steps(routine)  # an unknown name is refused
        routine = routine or best_routine(practice)
        practice = [{**d, "routine": routine} for d in practice]
    else:
        routine = None
    practice.sort(key=lambda d: d["start_s"])
    if target_deg is not None:
        practice = [{**d, "target_deg": round(target_deg, 1)} for d in practice]
    comparisons = tuple(compare_assessments(split.before, split.after))
    # the half circles are the practice here, not tests left out of a baseline
    notes = [n for n in run.notes if n != half_circles_note(run.half_circles)]
    notes += [pitch_note] if pitch_note else []
    if not split.before and run.calibrated:
        notes.append(_no_assessment_note(test, run, circles))
    elif split.before and not split.after:
        notes.append(
            "The re-assessment was not found after the practice, so there is no verdict this time."
        )
    return GuidedSession(
        test=test,
        split=split,
        comparisons=comparisons,
        verdict=session_verdict(comparisons),
        stage=stage,
        reps=tuple(practice),
        routine=routine,
        analysis=analysis,
        baseline=run,
        feels=feels,
        pain=pain or PainRating(),
        interrupted=interrupted,
        notes=tuple(notes),
    )


def _without_assessment(analysis: Analysis, tests: Sequence[BaselineResult]) -> Analysis:
    """``analysis`` without the drills and attempts that were the assessment's tests.

    A toe touch reads as a roll-down, a side bend as a side-bend drill: in a session they
    were the assessment, and the report, ``reps.json`` and ``summary.json`` count only
    the practice (and any half circle).
    """
    spans = [(r.start_s, r.end_s) for r in tests]

    def in_a_test(start_s: float, end_s: float) -> bool:
        return any(start_s < b and a < end_s for a, b in spans)

    return replace(
        analysis,
        drills=[d for d in analysis.drills if not in_a_test(d.metrics.start_s, d.metrics.end_s)],
        aborted=[r for r in analysis.aborted if not in_a_test(r.start_s, r.end_s)],
    )


def _no_assessment_note(
    test: str, run: BaselineRun, half_circles: list[tuple[float, float]]
) -> str:
    """Why the session could not be told apart, and the assessment it starts with if any."""
    said = (
        f"The recording does not start with the {test.replace('_', ' ')} assessment, so "
        "the session could not be told apart: start with the assessment movement"
    )
    for other in ASSESSMENTS:
        if other != test and split_assessment(run.results, other, half_circles).before:
            return (
                f"{said}. It starts with the {other.replace('_', ' ')} assessment instead: "
                f"measure it as that (--assess {other} for a recording)."
            )
    return f"{said}."


def _pitch_of(
    poses: PoseSequence,
    camera_tilt_deg: float | None,
    camera_pitch: dict[str, Any] | None,
    video: str | Path | None,
    settings: Settings | None,
) -> tuple[float, dict[str, Any], str | None]:
    """The tilt to measure with, how it was obtained, and a note (see measure_guided_session)."""
    if camera_pitch is not None:
        return float(camera_pitch.get("camera_tilt_deg") or 0.0), camera_pitch, None
    if camera_tilt_deg is not None:
        return camera_tilt_deg, {"how": "given", "camera_tilt_deg": camera_tilt_deg}, None
    if video is not None:
        return picture_tilt(poses, video, settings)
    return 0.0, {"how": "assumed level", "camera_tilt_deg": 0.0}, None


def session_dict(session: GuidedSession) -> dict[str, Any]:
    """The facts of ``session.json`` (see the module docstring)."""
    decision = session.pain_decision
    return json_safe(
        {
            "schema_version": SCHEMA_VERSION,
            "source": session.analysis.source,
            "view": session.baseline.view,
            "camera_pitch": getattr(session.analysis, "camera_pitch", None),
            "assessment": {
                "test": session.test,
                "before": [r.to_dict() for r in session.split.before],
                "after": [r.to_dict() for r in session.split.after],
                "comparison": [c.to_dict() for c in session.comparisons],
                "verdict": session.verdict,
                "reassessed": session.reassessed,
            },
            "practice": {
                "stage": session.stage,
                "reps": list(session.reps),
                "routine": None
                if session.routine is None
                else {
                    "name": session.routine,
                    "steps": [{**asdict(c.step), "done": c.done} for c in session.routine_counts],
                    "done": routine_done(session.routine_counts),
                },
            },
            "feels": session.feels,
            "pain": {"before": session.pain.before, "after": session.pain.after},
            "pain_decision": None
            if decision is None
            else {"action": decision.action, "rise": decision.rise, "sentence": decision.sentence},
            "interrupted": session.interrupted,
            "sentences": session.sentences(),
            "notes": list(session.notes),
        }
    )


def write_session_json(session: GuidedSession, out_dir: Path) -> Path:
    """Write ``session.json`` into ``out_dir`` (atomically); its path."""
    import json

    path = out_dir / SESSION_FILE
    replace_text(path, json.dumps(session_dict(session), indent=2) + "\n")
    return path
