"""The guided baseline in front of a camera: prompts, hold-to-measure, ratings by keys.

Two layers:

* :class:`GuidedBaseline`: the flow as a pure state machine, fed one
  :class:`~halfcircle.kinematics.measure.AngleSample` and any key press at a time (tested
  without a camera). For each test of :data:`halfcircle.coaching.baseline.TESTS`: an
  instruction (space to start), the movement (it ends when the person is back
  near neutral after a real excursion, or on space), then two questions: how it
  felt compared with last time (``b`` better, ``s`` same, ``w`` worse) and pain
  (``0``-``9``, ``t`` for 10).
* :func:`run_guided_baseline`: the camera loop, shown through the live view's
  window (:class:`halfcircle.live.ui.WindowUI`, the only user of ``imshow``). Every
  pose is recorded, and the results are measured at the end from the recording
  by :func:`halfcircle.coaching.baseline.baseline_from_poses`, so a live baseline and
  ``--source`` of the same frames give the same numbers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol

import numpy as np
from numpy.typing import NDArray

from halfcircle.analyze.camerapitch import spoken_level
from halfcircle.coaching.baseline import (
    TESTS,
    BaselineRun,
    baseline_from_poses,
    baseline_kinematics_config,
)
from halfcircle.coaching.painmodel import EASE_OFF, PainRating, pain_decision
from halfcircle.errors import CameraLostError, HalfcircleError
from halfcircle.io.capture import open_source
from halfcircle.kinematics.measure import AngleSample, KinematicsConfig, StreamingKinematics
from halfcircle.landmarks import PoseFrame, PoseSequence
from halfcircle.live.coach import PicturePitch, positioning_advice
from halfcircle.live.run import default_estimator
from halfcircle.live.ui import WindowUI
from halfcircle.present.layout import window_layout
from halfcircle.present.level import draw_level_on_frame
from halfcircle.present.overlay import OverlayInfo, draw_skeleton, draw_window

if TYPE_CHECKING:
    from halfcircle.analyze.camerapitch import LevelGuide
    from halfcircle.coaching.voice import Voice
    from halfcircle.config import Settings
    from halfcircle.io.capture import CaptureFactory, Frame
    from halfcircle.live.ui import LiveUI

__all__ = [
    "FEEL_KEYS",
    "FlowEnd",
    "GuidedBaseline",
    "GuidedFlow",
    "GuidedResult",
    "Ratings",
    "draw_flow_frame",
    "draw_prompt",
    "feed_frame",
    "picture_record",
    "play_flow",
    "run_guided_baseline",
    "say_new",
    "setup_level",
    "spoken_words",
]

#: What is said when there is no screen for the guided baseline's window.
NO_SCREEN: Final = (
    "The guided baseline needs a screen for its prompts; without one, record the "
    "tests and run `halfcircle baseline --source VIDEO`."
)

#: Keys shown at the bottom of the guided baseline's window.
_BASELINE_KEYS: Final = "space start or stop a test   f full screen   q finish"

#: Key -> answer to "how does it feel compared with last time?".
FEEL_KEYS: Final = {"b": "better", "s": "same", "w": "worse"}

#: Per test (None: the whole session) ``(feels, pain)``.
Ratings = dict[str | None, tuple[str | None, int | None]]

#: Channel (field of AngleSample) and sign of each test's movement.
_CHANNEL: Final = {
    "toe_touch": ("forward_deg", 1.0),
    "side_bend_right": ("lateral_deg", 1.0),
    "side_bend_left": ("lateral_deg", -1.0),
    "rotation_left": ("rotation_deg", 1.0),
    "rotation_right": ("rotation_deg", -1.0),
}
#: Excursion (deg) that counts as having moved, and back-to-neutral level, per channel.
_MOVED: Final = {"forward_deg": 15.0, "lateral_deg": 6.0, "rotation_deg": 3.0}
_BACK: Final = {"forward_deg": 5.0, "lateral_deg": 3.0, "rotation_deg": 1.5}


@dataclass
class GuidedBaseline:
    """The guided flow, one sample and key at a time.

    Attributes:
        tests: Tests to run, in order.
        state: ``calibrating``, ``instruct``, ``measuring``, ``rate_feels``,
            ``rate_pain`` or ``done``.
        index: Index of the current test.
        peak_deg: Live peak of the current test (deg, in its direction).
        ratings: Answers so far (per test).
        pain_before: The pain (0-10) of the last session, if known. The pain-monitoring
            model (:mod:`halfcircle.coaching.painmodel`) decides after each test against
            the lowest pain of this session (or the last session's): a rise of 1 is
            noise; a rise of 2 or more, or pain above 5, means easing off next time,
            said calmly before the next test (:attr:`pain_note`). The tests are never
            stopped for pain: the person may go on gently or finish with q.
        pain_note: The pain model's sentence after a rating that means easing off
            next time, else None.
        positioning: What to change so that the camera sees the person, while
            calibrating (set by the camera loop; None when fine).
    """

    tests: tuple[str, ...] = tuple(TESTS)
    state: str = "calibrating"
    index: int = 0
    peak_deg: float = 0.0
    ratings: Ratings = field(default_factory=dict)
    pain_before: int | None = None
    positioning: str | None = None
    pain_note: str | None = None
    _moved: bool = False
    _feels: str | None = None

    @property
    def test(self) -> str | None:
        """The current test, None when done."""
        return self.tests[self.index] if self.index < len(self.tests) else None

    def prompt(self) -> str:
        """What the screen says now."""
        test = self.test
        if self.state == "calibrating":
            return (
                self.positioning or "Stand still, facing the camera, arms relaxed: calibrating..."
            )
        note = f"{self.pain_note} " if self.pain_note else ""
        if self.state == "done" or test is None:
            return f"{note}Done. Press q to see your results."
        name = test.replace("_", " ")
        if self.state == "instruct":
            gently = (
                "Go gently, only as far as feels fine, or press q to finish for today. "
                if note
                else ""
            )
            return f"{note}{gently}{name}: {TESTS[test]} Press space to start."
        if self.state == "measuring":
            return f"{name}: {self.peak_deg:.0f} deg. Come back to standing, or press space."
        if self.state == "rate_feels":
            return f"{name}: compared with last time it feels b better, s same, w worse?"
        return f"{name}: pain now, 0 (none) to 10 (worst)? Press 0-9, or t for 10."

    def spoken(self) -> str | None:
        """What the voice says now (None: nothing): the prompt, as a voice reads it.

        Positioning advice, the calibration, each test's instruction, the questions
        and the end; not the live peak while measuring (a number a frame).
        """
        if self.state == "measuring":
            return None
        return spoken_words(self.prompt())

    def update(self, sample: AngleSample) -> None:
        """Feed one sample (in time order)."""
        if self.state == "calibrating" and sample.calibrated:
            self.state = "instruct"
        if self.state != "measuring" or self.test is None or not sample.valid:
            return
        name, sign = _CHANNEL[self.test]
        value = sign * float(getattr(sample, name))
        if math.isnan(value):
            return
        self.peak_deg = max(self.peak_deg, value)
        if value >= _MOVED[name]:
            self._moved = True
        elif self._moved and abs(value) < _BACK[name]:
            self.state = "rate_feels"

    def key(self, key: str) -> None:
        """Feed one key press (a one-character string)."""
        test = self.test
        if test is None:
            return
        if self.state == "instruct" and key == " ":
            self.state, self.peak_deg, self._moved = "measuring", 0.0, False
            self.pain_note = None  # said once, before this test
        elif self.state == "measuring" and key == " ":
            self.state = "rate_feels"
        elif self.state == "rate_feels" and key in FEEL_KEYS:
            self._feels, self.state = FEEL_KEYS[key], "rate_pain"
        elif self.state == "rate_pain" and (key.isdigit() or key == "t"):
            pain = 10 if key == "t" else int(key)
            before = [p for _, p in self.ratings.values() if p is not None]
            if self.pain_before is not None:
                before.append(self.pain_before)
            self.ratings[test] = (self._feels, pain)
            self.index += 1
            decision = pain_decision([PainRating(min(before, default=pain), pain)])
            if decision is not None and decision.action == EASE_OFF:
                self.pain_note = decision.sentence
            self.state = "instruct" if self.index < len(self.tests) else "done"

    def overall(self) -> tuple[str | None, int | None]:
        """The session's rating: the highest pain, and worse if any test felt worse.

        Otherwise better if any felt better, else same; None when nothing was rated.
        """
        feels = [f for f, _ in self.ratings.values() if f]
        pains = [p for _, p in self.ratings.values() if p is not None]
        overall = None
        if feels:
            overall = "worse" if "worse" in feels else ("better" if "better" in feels else "same")
        return overall, max(pains) if pains else None


@dataclass(frozen=True, eq=False)
class GuidedResult:
    """What a guided baseline produced.

    Attributes:
        run: The tests measured (from the recorded poses, up to where it stopped).
        ratings: Per test, and (key None) for the whole session, ``(feels, pain)``.
        stop: Why it stopped: ``quit`` (q or Esc), ``window_closed``, ``end`` (the
            source ended), ``camera_lost`` or ``interrupted`` (Ctrl-C).
        message: One plain sentence when it stopped on an error or Ctrl-C, else "".
        error: The camera error that stopped it, if any.
        camera_pitch: How the camera's pitch was obtained when none was given: told
            from the picture at the calibration stance, or assumed level
            (:class:`halfcircle.live.coach.PicturePitch`); None when a tilt was given.
    """

    run: BaselineRun
    ratings: Ratings
    stop: str
    message: str = ""
    error: HalfcircleError | None = None
    camera_pitch: dict[str, Any] | None = None


def run_guided_baseline(
    camera: int | str,
    model: str,
    height_cm: float | None,
    mirror: bool = True,
    *,
    ui: LiveUI | None = None,
    capture_factory: CaptureFactory | None = None,
    estimator_factory: Callable[[str, Literal["video", "live"]], Any] | None = None,
    flow: GuidedBaseline | None = None,
    camera_tilt_deg: float | None = 0.0,
    settings: Settings | None = None,
    pain_before: int | None = None,
    window_size: tuple[int, int] | None = None,
    voice: Voice | None = None,
) -> GuidedResult:
    """Run the guided baseline in a window; returns the measures and the ratings.

    ``q`` or Esc ends it (what was done is kept), closing the window too. A
    camera that stops delivering, or Ctrl-C, ends it the same way: the tests
    done until then are measured and :attr:`GuidedResult.message` says what
    happened. A file or stream source is read like a camera (a recorded guided
    session: every frame of a file goes through the model, in order).

    Args:
        camera: Camera index, stream URL or video file.
        model: Pose model name or ``.task`` path.
        height_cm: Body height, to scale the fingertip distances.
        mirror: Show the picture mirrored (measurements never are).
        ui: Where frames are shown and keys come from (default: a window).
        capture_factory: Stand-in for ``cv2.VideoCapture`` (tests).
        estimator_factory: Builds the pose stage from ``(model, mode)`` (tests).
        flow: The flow to drive (default: every test of :data:`TESTS`).
        camera_tilt_deg: How far the camera looks down (deg, 0 level), if measured;
            None: told from the picture at the calibration stance where it can be
            (:class:`halfcircle.live.coach.PicturePitch`), else taken as level.
        settings: Kinematics and baseline settings (:class:`halfcircle.config.Settings`;
            the defaults when None).
        pain_before: The last session's pain (0-10), if known (see
            :attr:`GuidedBaseline.pain_before`).
        window_size: ``(width, height)`` of the window; None opens it full screen.
        voice: Says each new prompt (:meth:`GuidedBaseline.spoken`) on the stream's
            clock; None: silent. The caller closes it.

    Raises:
        InputError: No screen for the window, or the source cannot be opened.
        ModelError: The pose model cannot be loaded.
    """
    flow = flow if flow is not None else GuidedBaseline(pain_before=pain_before)
    the_ui = (
        ui
        if ui is not None
        else WindowUI("halfcircle baseline", no_screen=NO_SCREEN, size=window_size)
    )
    picture = PicturePitch() if camera_tilt_deg is None else None

    def draw(image: NDArray[np.uint8], time_s: float, poses: list[PoseFrame]) -> NDArray[np.uint8]:
        level = setup_level(flow, picture)
        return draw_flow_frame(the_ui, image, poses, flow.prompt(), _BASELINE_KEYS, level, mirror)

    config = baseline_kinematics_config(height_cm, camera_tilt_deg or 0.0, settings)
    try:
        end = play_flow(
            camera, model, config, flow, picture, the_ui, draw,
            kept="the tests done until then are kept.", voice=voice, mirror=mirror,
            capture_factory=capture_factory, estimator_factory=estimator_factory,
        )  # fmt: skip
    finally:
        the_ui.close()
    ratings: Ratings = dict(flow.ratings)
    ratings[None] = flow.overall()
    pitch = picture_record(picture)
    tilt = float(pitch["camera_tilt_deg"]) if pitch is not None else camera_tilt_deg or 0.0
    run = baseline_from_poses(end.poses, height_cm, settings, camera_tilt_deg=tilt)
    return GuidedResult(run, ratings, end.stop, end.message, end.error, pitch)


def picture_record(picture: PicturePitch | None) -> dict[str, Any] | None:
    """How a guided flow's pitch was obtained when none was given (None when one was)."""
    if picture is None:
        return None
    return picture.record or {"how": "assumed level", "camera_tilt_deg": 0.0}


def spoken_words(text: str) -> str:
    """A prompt as a voice should read it: "deg" said in full, no phone-level step.

    The camera-level message that offers the phone-level step (with its command-line
    option) is said as one short sentence (:func:`~halfcircle.analyze.camerapitch.spoken_level`);
    the screen shows it in full.
    """
    return re.sub(r"\bdeg\b", "degrees", spoken_level(text))


def say_new(voice: Voice | None, text: str | None, said: str | None, time_s: float) -> str | None:
    """Say ``text`` at stream time ``time_s`` (s) when it differs from ``said``; returns it.

    The guided flows call it every frame with what their screen would say, so each
    prompt is said once when it appears (``voice`` None: silent).
    """
    if voice is not None and text is not None and text != said:
        voice.say(text, time_s)
    return text


class GuidedFlow(Protocol):
    """What a guided flow's camera loop feeds: its state, positioning advice, samples, keys."""

    state: str
    positioning: str | None

    def update(self, sample: AngleSample) -> None:
        """Take one frame's angles."""
        ...

    def key(self, key: str) -> None:
        """Take one key press."""
        ...

    def spoken(self) -> str | None:
        """What the voice should say now (None: nothing)."""
        ...


@dataclass
class FlowEnd:
    """How a guided flow's camera loop ended, and what it saw.

    Attributes:
        poses: Every pose read, in order (up to where it stopped).
        stop: ``end`` (the source ended), ``quit`` (q or Esc), ``window_closed``,
            ``camera_lost`` or ``interrupted`` (Ctrl-C).
        message: One sentence on a camera lost or Ctrl-C, else empty.
        error: The camera's error, when it was lost.
        image: The last frame as shown (None before the first).
    """

    poses: PoseSequence
    stop: str = "end"
    message: str = ""
    error: CameraLostError | None = None
    image: NDArray[np.uint8] | None = None


def play_flow(
    camera: int | str,
    model: str,
    config: KinematicsConfig,
    flow: GuidedFlow,
    picture: PicturePitch | None,
    ui: LiveUI,
    draw: Callable[[NDArray[np.uint8], float, list[PoseFrame]], NDArray[np.uint8]],
    *,
    kept: str,
    voice: Voice | None = None,
    mirror: bool = True,
    mirrored: bool = False,
    capture_factory: CaptureFactory | None = None,
    estimator_factory: Callable[[str, Literal["video", "live"]], Any] | None = None,
) -> FlowEnd:
    """The guided flows' camera loop: each frame posed, fed, said, drawn and shown.

    Opens ``camera`` (a mirrored recording read the person's way round when
    ``mirrored``) and the pose stage (``estimator_factory``, default
    :func:`halfcircle.live.run.default_estimator`), and streams the kinematics with
    ``config``. Every frame goes through :func:`feed_frame`; the flow's new prompt is
    said on the stream's clock; ``draw`` draws on the frame (mirrored when ``mirror``),
    given its time (s) and poses, and returns what ``ui`` shows; a key goes to the
    flow. It ends when the source does, on q or Esc, when the window is closed, when
    the camera is lost or on Ctrl-C; ``kept`` ends the sentence for the last two ("the
    tests done until then are kept."). The window is left open.

    Raises:
        InputError: The source cannot be opened.
        ModelError: The pose model cannot be loaded.
    """
    make = estimator_factory or default_estimator
    seen: list[PoseFrame] = []
    stop, message, error, image = "end", "", None, None
    source = open_source(camera, capture_factory, mirrored=mirrored)
    with source, make(model, "live" if source.live else "video") as estimator:
        size, fps = source.size, source.fps  # asked while the camera is there
        kin = StreamingKinematics(size, config)
        said: str | None = None
        try:
            for frame in source:
                poses = feed_frame(estimator, frame, source.live, kin, flow, seen, picture)
                said = say_new(voice, flow.spoken(), said, frame.time_s)
                shown = np.ascontiguousarray(frame.image[:, ::-1] if mirror else frame.image)
                image = draw(shown, frame.time_s, poses)
                key = ui.show(image)
                if ui.closed:
                    stop = "window_closed"
                    break
                if key in (27, ord("q")):
                    stop = "quit"
                    break
                if key >= 0:
                    flow.key(chr(key))
        except CameraLostError as err:
            stop, error = "camera_lost", err
            message = f"{err} {kept[:1].upper()}{kept[1:]}"
        except KeyboardInterrupt:
            stop, message = "interrupted", f"Stopped with Ctrl-C; {kept}"
        poses_seen = PoseSequence.from_frames(
            seen, size, fps, source=source.description, mirrored=mirrored
        )
    return FlowEnd(poses_seen, stop, message, error, image)


def feed_frame(
    estimator: Any,
    frame: Frame,
    live: bool,
    kin: StreamingKinematics,
    flow: GuidedFlow,
    seen: list[PoseFrame],
    picture: PicturePitch | None = None,
) -> list[PoseFrame]:
    """Pose one frame and feed its poses to the kinematics and the flow; those poses.

    A camera's frame is submitted and the poses ready are collected (none, one or
    more); a file's frame is posed at once. The poses are appended to ``seen``;
    while the flow calibrates, it gets positioning advice from the latest pose
    seen, once the model has answered. ``picture``: the camera's pitch is told
    from the frames of the calibration stance, and the kinematics recalibrated
    with it (:class:`halfcircle.live.coach.PicturePitch`); while calibrating, a
    picture that cannot tell it offers the phone-level step.
    """
    if live:
        estimator.submit(frame.image, frame.time_s)
        poses: list[PoseFrame] = estimator.poll()
    else:
        poses = [estimator.process(frame.image, frame.time_s)]
    if picture is not None:
        picture.see(frame.time_s, frame.image, seen[-1] if seen else None)
    for pose in poses:
        seen.append(pose)
        flow.update(kin.update(pose))
        if picture is not None:
            picture.after(kin)
    if flow.state == "calibrating" and seen:
        flow.positioning = positioning_advice(seen[-1])
        level = picture.level if picture is not None else None
        if flow.positioning is None and level is not None and level.needs_phone:
            # the on-screen level: the picture cannot tell the tilt, offer the phone's
            flow.positioning = f"Stand still, facing the camera, arms relaxed. {level.message}"
    return poses


def setup_level(flow: GuidedFlow, picture: PicturePitch | None) -> LevelGuide | None:
    """The camera level a guided flow draws now (None: none).

    While it calibrates with the pitch asked of the picture and not yet told from the
    stance: :attr:`halfcircle.live.coach.PicturePitch.level`.
    """
    if picture is None or picture.record is not None or flow.state != "calibrating":
        return None
    return picture.level


def draw_flow_frame(
    ui: LiveUI,
    image: NDArray[np.uint8],
    poses: list[PoseFrame],
    prompt: str,
    keys: str,
    level: LevelGuide | None,
    mirror: bool,
) -> NDArray[np.uint8]:
    """A guided flow's frame as ``ui`` shows it: the prompt in large type, the keys below.

    Laid out for the window's own size (:meth:`~halfcircle.live.ui.LiveUI.canvas_size`),
    the picture letterboxed in it as the live coach's is
    (:func:`halfcircle.present.overlay.draw_window`); with no window, the prompt on a
    band over the camera-sized frame (:func:`draw_prompt`). ``image`` is the camera
    frame (BGR, mirrored when ``mirror``), drawn on in place when there is no window.
    """
    window = ui.canvas_size()
    pose = poses[-1] if poses else None
    if window is None:
        if pose is not None:
            draw_skeleton(image, pose, mirrored=mirror)
        draw_prompt(image, prompt, level)
        return image
    h, w = image.shape[:2]
    info = OverlayInfo(cue=prompt, help_text=keys, level=level)
    layout = window_layout(window, (w, h))
    return draw_window(image, pose, info, layout, mirrored=mirror, panels=False)[0]


def draw_prompt(image: NDArray[np.uint8], text: str, level: LevelGuide | None = None) -> int:
    """Write the prompt, wrapped to the frame's width, on a dark band at its top (BGR, in place).

    ``level``: the camera level to draw under the band while setting up
    (:func:`halfcircle.present.level.draw_level_on_frame`). Returns the band's height (px).
    """
    import cv2

    h, w = image.shape[:2]
    font, scale = cv2.FONT_HERSHEY_SIMPLEX, 0.6 * max(0.75, min(w, h) / 480.0)
    thick = max(1, round(scale * 1.7))
    line_h = int(40 * scale)

    def fits(line: str) -> bool:
        return int(cv2.getTextSize(line, font, scale, thick)[0][0]) <= w - 20

    lines: list[str] = []
    for word in text.split():
        if lines and fits(f"{lines[-1]} {word}"):
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    height = min(h, line_h * len(lines) + line_h // 2)
    image[:height] = (image[:height] * 0.35).astype(np.uint8)
    for i, line in enumerate(lines):
        baseline = int(line_h * (i + 1) - line_h * 0.2)
        cv2.putText(image, line, (10, baseline), font, scale, (255, 255, 255), thick, cv2.LINE_AA)
    if level is not None:
        draw_level_on_frame(image, level, top=height)
    return height
