"""The guided session in front of a camera: welcome, red flags, set-up, assess, practise, re-assess.

Two layers, as the guided baseline (:mod:`halfcircle.live.guided_baseline`):

* :class:`GuidedSessionFlow`: the flow as a pure state machine, fed one
  :class:`~halfcircle.kinematics.measure.AngleSample` and any key press at a time (tested
  without a camera). On a first run: the welcome (space goes on), then the red-flag
  questions (``y``/``n`` each; any yes ends it with the advice to see a clinician, and
  nothing is coached). Then the set-up check (calibration on a quiet stance, with
  positioning advice), the assessment (each test of the chosen one: space to start, it
  ends back at neutral or on space), pain now (``0``-``9``, ``t`` for 10), the practice
  at the stage (space to start; ``n`` picks the next stage before starting; the set
  ends after its reps or on space), the same assessment again, how it feels compared
  with before (``b``/``s``/``w``) and pain now.
* :func:`run_guided_session`: the camera loop, shown through the live window
  (:class:`halfcircle.live.ui.WindowUI`) and spoken through the live coach's voice
  (:class:`halfcircle.coaching.voice.Voice`). Every pose is recorded, and the session
  is measured at the end from the recording by
  :func:`halfcircle.analyze.guided_session.measure_guided_session`, so a live session
  and ``--source`` of the same frames give the same numbers.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
from numpy.typing import NDArray

from halfcircle.analyze.guided_session import GuidedSession, measure_guided_session
from halfcircle.coaching.baseline import TESTS, baseline_kinematics_config
from halfcircle.coaching.cues import CueConfig
from halfcircle.coaching.drillcues import DRILL_MOVEMENT, DrillCoach
from halfcircle.coaching.guided import ASSESSMENTS, WELCOME
from halfcircle.coaching.painmodel import PainRating
from halfcircle.coaching.redflags import ADVICE, QUESTIONS
from halfcircle.coaching.routine import (
    ROUTINE_WORDS,
    ROUTINES,
    live_movement,
    routine_done,
    routine_progress,
)
from halfcircle.coaching.stages import STAGE_WORDS, STAGES, SetPlan
from halfcircle.coaching.voice import Voice
from halfcircle.config import Settings
from halfcircle.errors import HalfcircleError
from halfcircle.kinematics.measure import AngleSample
from halfcircle.landmarks import PoseFrame
from halfcircle.live.coach import PicturePitch
from halfcircle.live.guided_baseline import (
    FEEL_KEYS,
    draw_flow_frame,
    picture_record,
    play_flow,
    setup_level,
    spoken_words,
)
from halfcircle.live.run import open_voice_output
from halfcircle.live.ui import WindowUI
from halfcircle.present.demo import draw_demo
from halfcircle.words import join_and

if TYPE_CHECKING:
    from halfcircle.coaching.voice import Voice
    from halfcircle.config import Settings
    from halfcircle.io.capture import CaptureFactory
    from halfcircle.live.ui import LiveUI

__all__ = [
    "KEY_POINTS",
    "NO_SCREEN",
    "SESSION_KEYS",
    "GuidedSessionFlow",
    "GuidedSessionResult",
    "open_voice",
    "run_guided_session",
]

#: Keys shown at the bottom of the guided session's window.
SESSION_KEYS: Final = "space go on   n another stage   d demonstration   q finish"

#: What is said when there is no screen for the guided session's window.
NO_SCREEN: Final = (
    "The guided session needs a screen for its prompts; without one, record a whole "
    "session and run `halfcircle session --source VIDEO --headless --out DIR`."
)

#: Characters a line of the result screen holds before it wraps (large type).
RESULT_WIDTH: Final = 48

#: The movement each stage but the routine practises (as ``reps.json`` names it).
_STAGE_MOVEMENT: Final = {**DRILL_MOVEMENT, "half_circle": "half_circle"}

#: The key points of each stage, shown and said before its set.
KEY_POINTS: Final = {
    "side_bends": "Back on the wall, knees soft. Slide to one side and back, then the other, "
    "slow and smooth.",
    "roll_downs": "Back on the wall, knees soft. Chin to chest, roll down the wall and back "
    "up, slow and smooth.",
    "half_circle": "Back on the wall, knees soft. Side, front, other side, and up, in one "
    "slow and smooth circle.",
    "routine": "Back on the wall, knees soft. Side bends, roll-downs and half circles, each "
    "slow and smooth.",
}

#: Channel (field of AngleSample) and sign of each assessment test.
_CHANNEL: Final = {
    "toe_touch": ("forward_deg", 1.0),
    "side_bend_right": ("lateral_deg", 1.0),
    "side_bend_left": ("lateral_deg", -1.0),
    "rotation_left": ("rotation_deg", 1.0),
    "rotation_right": ("rotation_deg", -1.0),
}
#: Excursion (deg) that counts as having moved, and back-to-neutral level, per channel;
#: ``inclination_deg`` counts the practice reps (any direction away from upright).
_MOVED: Final = {
    "forward_deg": 15.0,
    "lateral_deg": 6.0,
    "rotation_deg": 3.0,
    "inclination_deg": 12.0,
}
_BACK: Final = {"forward_deg": 5.0, "lateral_deg": 3.0, "rotation_deg": 1.5, "inclination_deg": 5.0}

Phase = Literal["before", "after"]


@dataclass
class GuidedSessionFlow:
    """The guided session, one sample and key at a time.

    Attributes:
        test: The assessment (a key of :data:`~halfcircle.coaching.guided.ASSESSMENTS`).
        stage: The stage to practise (:data:`~halfcircle.coaching.stages.STAGES`).
        plan: The set: how many reps, and the tempo.
        first_run: Start with the welcome and the red-flag questions.
        state: ``welcome``, ``red_flags``, ``see_clinician``, ``calibrating``,
            ``instruct``, ``measuring``, ``rate_feels``, ``rate_pain``,
            ``practice_intro``, ``practising`` or ``done``.
        phase: ``before`` (the assessment) or ``after`` (the re-assessment).
        index: The current test of the assessment, or red-flag question.
        peak_deg: Live peak of the current test (deg, in its direction) or practice rep.
        reps: Practice reps counted live (the result counts them from the recording).
        answers: The red-flag answers so far.
        pain: Pain before and after (0-10).
        feels: How it felt after practice compared with before.
        positioning: What to change so that the camera sees the person (set by the loop).
        targets: Each stage's target range from earlier sessions (deg,
            :func:`halfcircle.coaching.guided.next_session_target`).
        target_deg: The set's target range (deg), set as the practice starts: the
            stage's in ``targets``, else for side bends the lesser side of today's
            assessment; None: no target.
        assessed: The first assessment's live peaks, by test (deg).
        demo: Show the stage's demonstration during the set (``d`` toggles it); it is
            always shown before the set, with the key points.
        cue_timing: Display time and cooldowns of the drill cues (the ``[cues]`` settings).
        cue: The movement cue on display during a side-bend or roll-down set
            (:class:`halfcircle.coaching.drillcues.DrillCoach`), else None.
        routine: At the routine stage, ``warm_up`` or ``cool_down``
            (:data:`halfcircle.coaching.routine.ROUTINES`; ``c`` switches it before the set).
        routine_reps: The routine's reps counted live, each ``movement`` and ``side``
            (:func:`halfcircle.coaching.routine.live_movement`); the set ends when every
            step has its reps (the result counts them from the recording).
        after_from_s: When the re-assessment began (stream time, s); None before.
        practice_from_s: When the practice set began (stream time, s); None before.
        eased: The set is eased after the last session's pain (its ``plan`` from
            :func:`halfcircle.coaching.stages.next_set`): the intro says so.
    """

    test: str = "toe_touch"
    stage: str = STAGES[0]
    plan: SetPlan = field(default_factory=SetPlan)
    first_run: bool = False
    state: str = "calibrating"
    phase: Phase = "before"
    index: int = 0
    peak_deg: float = 0.0
    reps: int = 0
    answers: dict[str, bool] = field(default_factory=dict)
    pain: PainRating = field(default_factory=PainRating)
    feels: str | None = None
    positioning: str | None = None
    targets: dict[str, float] = field(default_factory=dict)
    target_deg: float | None = None
    assessed: dict[str, float] = field(default_factory=dict)
    demo: bool = False
    cue_timing: CueConfig = field(default_factory=CueConfig)
    cue: str | None = None
    routine: str = "warm_up"
    routine_reps: list[dict[str, Any]] = field(default_factory=list)
    after_from_s: float | None = None
    practice_from_s: float | None = None
    eased: bool = False
    _time_s: float = 0.0
    _moved: bool = False
    _drill: DrillCoach | None = None
    _path: list[tuple[float, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.first_run and self.state == "calibrating":
            self.state = "welcome"

    @property
    def tests(self) -> tuple[str, ...]:
        """The baseline tests of the assessment."""
        return ASSESSMENTS[self.test]

    @property
    def current(self) -> str | None:
        """The current test of the assessment, None outside it."""
        if self.state in ("instruct", "measuring") and self.index < len(self.tests):
            return self.tests[self.index]
        return None

    @property
    def coaching(self) -> bool:
        """Whether the session coaches (False after a red flag)."""
        return self.state != "see_clinician"

    def prompt(self) -> str:
        """What the screen says now."""
        test = self.current
        name = test.replace("_", " ") if test else ""
        again = " again" if self.phase == "after" else ""
        prompts = {
            "welcome": " ".join(WELCOME) + " Press space to go on.",
            "see_clinician": f"{ADVICE} Press q to close.",
            "calibrating": self.positioning
            or "Stand still against the wall, facing the camera, arms relaxed: calibrating...",
            "instruct": f"Assessment{again}, {name}: {TESTS[test] if test else ''} "
            "Press space to start.",
            "measuring": f"{name}: {self.peak_deg:.0f} deg. Come back to standing, or press space.",
            "rate_feels": "Compared with before the practice, it feels b better, s same, w worse?",
            "rate_pain": "Pain now, 0 (none) to 10 (worst)? Press 0-9, or t for 10.",
            "practice_intro": self._intro(),
            "practising": self._count()
            + (
                "That's your target, no need to go further."
                if self.at_target
                else f"{self.cue} Press space when the set is done."
                if self.cue
                else (
                    f"Your target is {self.target_deg:.0f} deg. "
                    if self.target_deg is not None
                    else ""
                )
                + "Stay in a range that feels fine; press space when the set is done, "
                "d to see the movement."
            ),
            "done": "Done. Press q to see your result.",
        }
        if self.state == "red_flags":
            key = list(QUESTIONS)[self.index]
            return f"Before we start: {QUESTIONS[key]} Press y for yes, n for no."
        return prompts[self.state]

    def _intro(self) -> str:
        """What the screen says before the set: the stage, its reps and key points."""
        if self.stage != "routine":
            return (
                f"Practice: {STAGE_WORDS[self.stage]}, {self.plan.reps} reps. {self._easing()}"
                f"{KEY_POINTS[self.stage]} Press space to start, or n for another stage."
            )
        other = next(r for r in ROUTINES if r != self.routine)
        steps = join_and([s.words for s in ROUTINES[self.routine]])
        return (
            f"Practice: the {ROUTINE_WORDS[self.routine]}: {steps}. {KEY_POINTS['routine']} "
            f"Press space to start, c for the {ROUTINE_WORDS[other]}, or n for another stage."
        )

    def _easing(self) -> str:
        """The sentence on an eased set ("" when it is not)."""
        if not self.eased:
            return ""
        return (
            "Easing off after last time's pain: fewer reps, and slower, about "
            f"{self.plan.tempo_s:.0f} seconds each. "
        )

    def _count(self) -> str:
        """The count during the set: the rep of the set, or the routine's step now."""
        if self.stage != "routine":
            return f"{STAGE_WORDS[self.stage]}: rep {self.reps} of {self.plan.reps}. "
        progress = routine_progress(self.routine, self.routine_reps)
        now = next((c for c in progress if not c.complete), progress[-1])
        return f"The {ROUTINE_WORDS[self.routine]}: {now.step.words}, {now.done} done. "

    def spoken(self) -> str | None:
        """What the voice says on entering the current state (None: nothing new)."""
        if self.at_target:
            return "That's your target, no need to go further."
        if self.state == "practising" and self.cue:
            return self.cue
        if self.state in ("measuring", "practising", "calibrating"):
            return None
        return spoken_words(self.prompt())

    def update(self, sample: AngleSample) -> None:
        """Feed one sample (in time order)."""
        self._time_s = sample.time_s
        if self.state == "calibrating" and sample.calibrated:
            self.state = "instruct"
        if not sample.valid:
            return
        if self.state == "measuring" and self.current is not None:
            name, sign = _CHANNEL[self.current]
            if self._back(name, sign * float(getattr(sample, name))):
                self._next_test()
        elif self.state == "practising":
            cue = self._drill.update(sample) if self._drill is not None else None
            self.cue = cue.text if cue is not None else None
            self._path.append((float(sample.lateral_deg), float(sample.forward_deg)))
            if self._back("inclination_deg", float(sample.inclination_deg)):
                self._rep_done()

    def _rep_done(self) -> None:
        """A practice rep came back to upright: count it; the set ends when it is full.

        Outside the routine only the stage's own movement counts (a side bend during the
        half-circle stage is no half circle, nor a half circle during the side bends),
        as the session's result counts the practice from the recording.
        """
        self._moved, self.peak_deg = False, 0.0
        lat, fwd = zip(*self._path, strict=True) if self._path else ((), ())
        self._path = []
        movement, side = live_movement(lat, fwd)
        if self.stage != "routine" and movement != _STAGE_MOVEMENT[self.stage]:
            return
        self.reps += 1
        if self.stage == "routine":
            self.routine_reps.append({"movement": movement, "side": side, "complete": True})
            if routine_done(routine_progress(self.routine, self.routine_reps)):
                self._start_assessment("after")
        elif self.reps >= self.plan.reps:
            self._start_assessment("after")

    def _back(self, name: str, value: float) -> bool:
        """Track one excursion (its peak); True once it moved away and came back to neutral."""
        if math.isnan(value):
            return False
        self.peak_deg = max(self.peak_deg, value)
        if value >= _MOVED[name]:
            self._moved = True
        elif self._moved and abs(value) < _BACK[name]:
            return True
        return False

    @property
    def showing_demo(self) -> bool:
        """Whether the stage's demonstration is on screen."""
        return self.state == "practice_intro" or (self.state == "practising" and self.demo)

    @property
    def at_target(self) -> bool:
        """Whether the practice rep in progress has reached the set's target."""
        return (
            self.state == "practising"
            and self.target_deg is not None
            and self.peak_deg >= self.target_deg
        )

    def _comfortable_deg(self) -> float | None:
        """The first target of a side-bend set: the lesser side of today's side bends.

        None for other stages: a toe touch bends at the hips too, so it is no measure of
        how far a roll-down along the wall goes comfortably.
        """
        sides = [self.assessed.get(t) for t in ("side_bend_right", "side_bend_left")]
        if self.stage == "side_bends" and all(p is not None for p in sides):
            return min(p for p in sides if p is not None)
        return None

    def _next_test(self) -> None:
        if self.phase == "before" and self._moved:
            self.assessed[self.tests[self.index]] = self.peak_deg
        self.index += 1
        self._moved, self.peak_deg = False, 0.0
        if self.index < len(self.tests):
            self.state = "instruct"
        else:
            self.state = "rate_pain" if self.phase == "before" else "rate_feels"

    def _start_assessment(self, phase: Phase) -> None:
        self.phase, self.index, self.state = phase, 0, "instruct"
        if phase == "after":
            self.after_from_s = self._time_s
        self.cue, self._drill = None, None
        self._moved, self.peak_deg = False, 0.0

    def key(self, key: str) -> None:
        """Feed one key press (a one-character string)."""
        if self.state == "welcome" and key == " ":
            self.state = "red_flags"
        elif self.state == "red_flags" and key in ("y", "n"):
            self.answers[list(QUESTIONS)[self.index]] = key == "y"
            self.index += 1
            if key == "y":
                self.state = "see_clinician"
            elif self.index >= len(QUESTIONS):
                self.state, self.index = "calibrating", 0
        elif self.state == "instruct" and key == " ":
            self.state, self.peak_deg, self._moved = "measuring", 0.0, False
        elif self.state == "measuring" and key == " ":
            self._next_test()
        elif self.state == "rate_feels" and key in FEEL_KEYS:
            self.feels, self.state = FEEL_KEYS[key], "rate_pain"
        elif self.state == "rate_pain" and (key.isdigit() or key == "t"):
            pain = 10 if key == "t" else int(key)
            if self.phase == "before":
                self.pain = PainRating(pain, None)
                self.state = "practice_intro"
            else:
                self.pain = PainRating(self.pain.before, pain)
                self.state = "done"
        elif self.state == "practice_intro" and key == "c" and self.stage == "routine":
            self.routine = next(r for r in ROUTINES if r != self.routine)
        elif self.state == "practice_intro" and key == "n":
            self.stage = STAGES[(STAGES.index(self.stage) + 1) % len(STAGES)]
        elif self.state == "practice_intro" and key == " ":
            self.state, self.reps, self._moved, self.peak_deg = "practising", 0, False, 0.0
            self.practice_from_s = self._time_s
            self.routine_reps, self._path = [], []
            self.target_deg = self.targets.get(self.stage, self._comfortable_deg())
            movement = DRILL_MOVEMENT.get(self.stage)
            self._drill = DrillCoach(movement, timing=self.cue_timing) if movement else None
        elif self.state == "practising" and key == " ":
            self._start_assessment("after")
        elif self.state == "practising" and key == "d":
            self.demo = not self.demo


def open_voice(settings: Settings | None, clock: Callable[[], float]) -> tuple[Voice | None, str]:
    """The live coach's voice on the speakers, or None and the one sentence why not.

    ``clock`` gives the stream time now (s), as the live coach's does
    (:func:`halfcircle.live.run.open_voice_output`).
    """
    voice, _wav, problem = open_voice_output((settings or Settings()).voice, clock)
    return voice, problem


@dataclass(frozen=True, eq=False)
class GuidedSessionResult:
    """What a guided session produced.

    Attributes:
        session: The session measured from the recorded poses (up to where it stopped);
            None when it did not coach (a red flag), or it ended before the welcome and
            the red-flag questions were through.
        flow: The flow as it ended (its answers, ratings and stage).
        stop: Why it stopped: ``quit`` (q or Esc), ``window_closed``, ``end`` (the
            source ended), ``camera_lost``, ``interrupted`` (Ctrl-C) or ``red_flag``.
        message: One plain sentence when it stopped on an error or Ctrl-C, else "".
        error: The camera error that stopped it, if any.
    """

    session: GuidedSession | None
    flow: GuidedSessionFlow
    stop: str
    message: str = ""
    error: HalfcircleError | None = None


def run_guided_session(
    camera: int | str,
    model: str,
    flow: GuidedSessionFlow,
    mirror: bool = True,
    *,
    ui: LiveUI | None = None,
    voice: Voice | None = None,
    capture_factory: CaptureFactory | None = None,
    estimator_factory: Callable[[str, Literal["video", "live"]], Any] | None = None,
    camera_tilt_deg: float | None = 0.0,
    settings: Settings | None = None,
    mirrored: bool = False,
) -> GuidedSessionResult:
    """Run the guided session in a window; returns the session measured and the flow.

    ``q`` or Esc ends it (what was done is kept), closing the window too; so do a camera
    that stops delivering and Ctrl-C, with :attr:`GuidedSessionResult.message` saying
    what happened. After a red flag the advice stays on screen until ``q``, and nothing
    is measured. At the end the result is shown and said; any key closes it.

    Args:
        camera: Camera index, stream URL or video file.
        model: Pose model name or ``.task`` path.
        flow: The flow to drive (its test, stage, set and whether this is a first run).
        mirror: Show the picture mirrored (measurements never are).
        ui: Where frames are shown and keys come from (default: a window).
        voice: Says each new prompt and the result (None: silent).
        capture_factory: Stand-in for ``cv2.VideoCapture`` (tests).
        estimator_factory: Builds the pose stage from ``(model, mode)`` (tests).
        camera_tilt_deg: How far the camera looks down (deg, 0 level), if measured;
            None: told from the picture at the calibration stance where it can be,
            else taken as level (:class:`halfcircle.live.coach.PicturePitch`).
        settings: Every stage's settings (the defaults when None).
        mirrored: The source is a mirrored recording (a selfie video): read so that
            left and right are the person's (:func:`halfcircle.io.capture.open_source`).

    Raises:
        InputError: No screen for the window, or the source cannot be opened.
        ModelError: The pose model cannot be loaded.
    """
    if settings is not None:
        flow.cue_timing = settings.cues
    the_ui = ui if ui is not None else WindowUI("halfcircle session", no_screen=NO_SCREEN)
    picture = PicturePitch() if camera_tilt_deg is None else None

    def draw(image: NDArray[np.uint8], time_s: float, poses: list[PoseFrame]) -> NDArray[np.uint8]:
        if flow.showing_demo:  # in the picture's corner, clear of the prompt
            windowed = the_ui.canvas_size() is not None  # the prompt at the bottom
            draw_demo(image, flow.stage, time_s, mirrored=mirror, at_top=windowed)
        level = setup_level(flow, picture)
        return draw_flow_frame(the_ui, image, poses, flow.prompt(), SESSION_KEYS, level, mirror)

    config = baseline_kinematics_config(None, camera_tilt_deg or 0.0, settings)
    try:
        end = play_flow(
            camera, model, config, flow, picture, the_ui, draw,
            kept="the parts of the session done until then are kept.", voice=voice,
            mirror=mirror, mirrored=mirrored, capture_factory=capture_factory,
            estimator_factory=estimator_factory,
        )  # fmt: skip
        if not flow.coaching:
            return GuidedSessionResult(None, flow, "red_flag")
        if flow.state in ("welcome", "red_flags"):  # left before the questions were answered
            return GuidedSessionResult(None, flow, end.stop, end.message, end.error)
        session = measure_guided_session(
            end.poses,
            flow.test,
            model=model,
            interrupted=end.stop == "interrupted",
            stage=flow.stage,
            target_deg=flow.target_deg,
            feels=flow.feels,
            pain=flow.pain,
            routine=flow.routine if flow.stage == "routine" else None,
            camera_tilt_deg=camera_tilt_deg,
            settings=settings,
            camera_pitch=picture_record(picture),
            reassessment_from_s=math.inf if flow.after_from_s is None else flow.after_from_s,
            practice_from_s=math.inf if flow.practice_from_s is None else flow.practice_from_s,
        )
        lines = session.sentences()
        if voice is not None:
            last_s = float(end.poses.time_s[-1]) if len(end.poses) else 0.0
            voice.say(spoken_words(" ".join(lines)), last_s)
        if not the_ui.closed and end.stop not in ("camera_lost", "interrupted"):
            wrapped = [part for line in lines for part in textwrap.wrap(line, RESULT_WIDTH)]
            image = end.image if end.image is not None else np.zeros((480, 640, 3), np.uint8)
            the_ui.ask(image, ["Your session", *wrapped], {ord(" ")})
    finally:
        the_ui.close()
    return GuidedSessionResult(session, flow, end.stop, end.message, end.error)
