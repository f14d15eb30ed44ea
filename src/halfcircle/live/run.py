"""Live coaching: camera (or a file standing in for one) to pose, angles, reps and overlay.

One capture loop serves the window and headless mode. Each captured frame goes
to the pose stage (``"live"`` mode, asynchronous, for cameras and real-time file
playback; ``"video"`` mode, synchronous, for ``fast`` file processing); each pose
that comes back goes through the same :class:`~halfcircle.kinematics.measure.StreamingKinematics`
and :class:`~halfcircle.coaching.session.SessionLoop` that ``analyze`` uses, is written to
the session folder (:mod:`halfcircle.live.record`) and is drawn with the same
overlay. The frame shown is the frame the pose was found in, so the skeleton never
lags the picture; the latency is the time from capture to that overlay drawn.

The guided flow is read off the measurements, it never gates them: a positioning
check (is the body seen from head to hips, and what to change), calibration (the
stream calibrates itself on the first quiet upright stance), then practice.
Keys (window only): ``c`` recalibrate, ``p`` pause, ``r`` reset the count,
``o`` overlay on/off, ``m`` mute, ``f`` full screen, ``d`` frame rate and latency,
``q`` or Esc quit. After a set the window asks how the back feels (better, same,
worse) and an optional pain rating 0-10 (``t`` for 10); a headless run takes them
from :attr:`LiveOptions.rating` instead. Once the report is written the window shows
the end-of-set screen (:mod:`halfcircle.present.screens`), says it, and ``v`` opens
the report.

The window is drawn at its own size, not the camera's
(:func:`~halfcircle.present.layout.window_layout`), so that it reads from 3 m.

Only :class:`WindowUI` touches OpenCV's GUI (``imshow``, ``waitKey``); the
headless path never imports or calls it.
"""

from __future__ import annotations

import math
import os
import sys
import time
import webbrowser
from collections import deque
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any, Final, Literal, Protocol

import cv2
import numpy as np
from numpy.typing import NDArray

from halfcircle.analyze.camerapitch import spoken_level
from halfcircle.analyze.video import Analysis, movement_dicts, view_status
from halfcircle.coaching.cues import record_cues
from halfcircle.coaching.drills import attempt_drill
from halfcircle.coaching.painmodel import PainRating, pain_decision
from halfcircle.coaching.reps import RepEvent, RepRecord
from halfcircle.coaching.spokencues import SpeechPlanner
from halfcircle.coaching.voice import (
    AudioOutput,
    SpeakerOutput,
    Voice,
    VoiceConfig,
    VoiceUnavailable,
    WavOutput,
    voice_unavailable,
)
from halfcircle.config import settings_diff
from halfcircle.errors import CameraLostError, HalfcircleError, InputError
from halfcircle.history.practice import PracticeLog
from halfcircle.history.rows import tilt_to_keep
from halfcircle.io.capture import CaptureFactory, Frame, FrameSource, open_source
from halfcircle.io.videowriter import VideoWriteError
from halfcircle.landmarks import PoseFrame
from halfcircle.live.coach import CoachFrame, LiveCoach
from halfcircle.live.options import (
    DRAIN_S,
    FEELINGS,
    HELP_TEXT,
    MAX_PENDING_S,
    LiveOptions,
    Rating,
    StopReason,
)
from halfcircle.live.rebuild import (
    _build_report,
    _interrupted,
    _report_write_error,
    session_analysis,
    stated_pitch,
    stop_words,
    write_session_outputs,
)
from halfcircle.live.record import (
    RAW_VIDEO_FILE,
    SESSION_FILE,
    RecordWriteError,
    SessionRecorder,
    append_event,
    previous_rating,
)
from halfcircle.live.ui import HeadlessUI, LiveUI, WindowUI, _draw_minimal, _wrap, question_screen
from halfcircle.pose import LivePosePool, PoseEstimator, _native_stderr_silenced, available_cores
from halfcircle.poseconfig import PoseConfig
from halfcircle.present.layout import window_layout
from halfcircle.present.outputs import OUTPUT_FILES
from halfcircle.present.overlay import (
    DrawnText,
    OverlayInfo,
    draw_overlay,
    draw_window,
    overlay_info,
)
from halfcircle.present.screens import OPEN_REPORT_KEY, EndOfSet, end_of_set
from halfcircle.words import join_and

#: Landmarks that must be seen before calibration: nose, shoulders, hips.


# ------------------------------------------------------------------------- results
@dataclass
class LiveStats:
    """Timings and counts of one run.

    Attributes:
        captured: Frames read from the source.
        posed: Frames the pose model returned a result for.
        dropped_ours: Frames skipped by our loop because it fell behind (file
            sources played in real time; a camera drops such frames itself).
        dropped_model: Frames handed to the model that it dropped (live mode).
        latency_ms: Per shown frame, capture to overlay drawn (ms).
        own_ms: Per shown frame, time in our code: angles, reps, recording,
            drawing, showing; not decoding and not the model (ms).
        submit_ms: Per frame handed to the model, time of the hand-over (ms);
            in ``fast`` mode the whole synchronous inference.
        model_ms: Per posed frame, from capture to the pose back in our hands (ms):
            the model's own latency, queueing included.
        wall_s: From the first frame captured to the last frame shown (s).
    """

    captured: int = 0
    posed: int = 0
    dropped_ours: int = 0
    dropped_model: int = 0
    latency_ms: list[float] = field(default_factory=list)
    own_ms: list[float] = field(default_factory=list)
    submit_ms: list[float] = field(default_factory=list)
    model_ms: list[float] = field(default_factory=list)
    wall_s: float = 0.0

    @property
    def fps(self) -> float:
        """Frames shown per second of wall time."""
        return len(self.latency_ms) / self.wall_s if self.wall_s > 0 else 0.0

    def frames_line(self) -> str:
        """The terminal's line "Live: N of M frames measured (K skipped: ...)", adding up.

        ``K = M - N``: the frames the model dropped while busy and those our loop
        skipped to catch up with a file played in real time, each said when any.
        """
        skipped = self.captured - self.posed
        why = []
        if self.dropped_model:
            why.append(f"{self.dropped_model} while the model was busy")
        if self.dropped_ours:
            why.append(f"{self.dropped_ours} to keep up with the video")
        return (
            f"Live: {self.posed} of {self.captured} frames measured"
            + (f" ({skipped} skipped: {join_and(why)})" if skipped and why else "")
            + (f" ({skipped} skipped)" if skipped and not why else "")
            + f", {self.fps:.0f} fps shown."
        )

    def as_dict(self) -> dict[str, Any]:
        """Counts and median/p95 figures, JSON-ready."""

        def pct(values: list[float], q: float) -> float | None:
            return round(float(np.percentile(values, q)), 2) if values else None

        return {
            "frames_captured": self.captured,
            "frames_posed": self.posed,
            "dropped_by_us": self.dropped_ours,
            "dropped_by_model": self.dropped_model,
            "fps": round(self.fps, 2),
            "latency_ms_median": pct(self.latency_ms, 50),
            "latency_ms_p95": pct(self.latency_ms, 95),
            "own_ms_median": pct(self.own_ms, 50),
            "own_ms_p95": pct(self.own_ms, 95),
            "submit_ms_median": pct(self.submit_ms, 50),
            "model_ms_median": pct(self.model_ms, 50),
            "model_ms_p95": pct(self.model_ms, 95),
            "wall_s": round(self.wall_s, 3),
        }


@dataclass(frozen=True, eq=False)
class LiveResult:
    """What one live session produced.

    Attributes:
        out_dir: The session folder.
        stop: Why it stopped: ``end`` (the file ended), ``quit``, ``window_closed``,
            ``camera_lost``, ``write_failed`` (the session record could not be
            written: disk full, folder gone) or ``interrupted`` (Ctrl-C).
        message: One plain sentence when it stopped on an error, or when the
            record or report could not be written, else "".
        error: The camera or write error, if any (a report that could not be
            written is one: :class:`~halfcircle.live.record.RecordWriteError`).
        analysis: The report's analysis of the recorded poses (None if it failed).
        live_reps: Reps as the live view counted them (complete and incomplete).
        live_aborted: Attempts the live view saw aborted.
        stats: Timings and counts.
        rating: The person's rating, or None (headless, skipped).
        advice: A plain warning when the pain rating rose, else None.
        paths: Files written at the end, by name.
        progress: Plain lines comparing the session with the person's earlier
            best from the history, and a sentence if the history could not be
            updated (empty without a history).
        end_of_set: What the window's end-of-set screen said (None: no window, or
            it was closed).
        text_ratios: Per text of the window (``cue``, ``side_bend``, ``forward``,
            ``reps``), its smallest cap height drawn as a fraction of the window's
            height (empty with no window).
        window_sizes: Every ``(width, height)`` the window's frames were drawn at.
    """

    out_dir: Path
    stop: StopReason
    message: str
    error: HalfcircleError | None
    analysis: Analysis | None
    live_reps: list[RepRecord]
    live_aborted: list[RepRecord]
    stats: LiveStats
    rating: Rating | None
    advice: str | None
    paths: dict[str, Path]
    progress: list[str] = field(default_factory=list)
    end_of_set: EndOfSet | None = None
    text_ratios: dict[str, float] = field(default_factory=dict)
    window_sizes: tuple[tuple[int, int], ...] = ()


class PoseStage(AbstractContextManager["PoseStage"], Protocol):
    """The part of :class:`~halfcircle.pose.PoseEstimator` the loop uses."""

    def process(self, image_bgr: NDArray[np.uint8], time_s: float) -> PoseFrame: ...  # noqa: D102
    def submit(self, image_bgr: NDArray[np.uint8], time_s: float) -> None: ...  # noqa: D102
    def poll(self) -> list[PoseFrame]: ...  # noqa: D102


EstimatorFactory = Callable[[str, Literal["video", "live"]], Any]


#: Landmarkers the live pose stage runs side by side (one core each), at most.
LIVE_POSE_WORKERS: Final = 2


def default_estimator(
    model: str, mode: Literal["video", "live"], *, pose: PoseConfig | None = None
) -> Any:
    """The real pose stage for ``mode``.

    One :class:`~halfcircle.pose.PoseEstimator`, except ``"live"`` with two pose
    slots: a :class:`~halfcircle.pose.LivePosePool` of up to
    :data:`LIVE_POSE_WORKERS` landmarkers, one per core, so that a model slower
    than the camera's frame interval still keeps its rate. ``pose``: pose slots
    and looks for other people (:class:`~halfcircle.poseconfig.PoseConfig`; the
    defaults when None). With
    ``track_one`` (the default) a single landmarker: it follows the person from
    its own last frame (two taking turns would each follow from two frames
    back), the full model keeps 30 fps with one pose slot, and the second core
    is left to the people check, decoding and drawing.
    """
    pose = pose or PoseConfig()
    slots = 1 if pose.track_one else 2
    workers = min(LIVE_POSE_WORKERS, available_cores())
    if mode == "live" and workers > 1 and not pose.track_one:
        return LivePosePool(model, workers, max_people=slots, others_check_s=pose.others_check_s)
    return PoseEstimator(model, mode, max_people=slots, others_check_s=pose.others_check_s)


def default_out_dir(base: Path = Path("halfcircle-sessions")) -> Path:
    """A new session folder name under ``base``: the local date and time."""
    return base / datetime.now().strftime("%Y%m%d-%H%M%S")


# ------------------------------------------------------------------------ the loop
@dataclass
class _Pending:
    index: int
    time_s: float
    ts_ms: int | None  # None: skipped by our loop, no pose asked for
    image: NDArray[np.uint8] | None
    captured_at: float


class _Run:
    """State of one running session (see :func:`run_live`)."""

    def __init__(
        self,
        opts: LiveOptions,
        source: FrameSource,
        estimator: Any,
        recorder: SessionRecorder,
        ui: LiveUI,
    ) -> None:
        self.opts = opts
        self.source = source
        self.estimator = estimator
        self.rec = recorder
        self.ui = ui
        self.coach = LiveCoach(
            source.size,
            opts.camera_tilt_deg,
            opts.settings,
            pitch_from_picture=opts.tilt_how == "picture",
        )
        self.stats = LiveStats()
        self.pending: deque[_Pending] = deque()
        self.last_ms = -1
        self.overlay_on = True
        self.stop: StopReason | None = None
        self.paused = False
        self.last_display: NDArray[np.uint8] | None = None
        self.fps_ema: float | None = None
        self.last_shown_at: float | None = None
        self.first_capture: float | None = None
        self.last_shown: float | None = None
        self.status = ""
        self.calibration_logged = False
        self.paused_s = 0.0
        self._quiet: ExitStack | None = None
        self.log: PracticeLog | None = None
        self.voice: Voice | None = None
        self.wav: WavOutput | None = None  # the voice's file (``--audio-out``)
        self.stream_end_s = 0.0  # the stream's clock just after its last frame (s)
        self.stream_end_wall = 0.0  # time.monotonic() then
        self.voice_kept = False  # the WAV voice stays open for the end-of-set summary
        self.speech = SpeechPlanner()
        self.details = False  # frame rate and latency on screen (``d``)
        self.text_ratios: dict[str, float] = {}  # smallest text height / window height
        self.window_sizes: set[tuple[int, int]] = set()
        self.rating: Rating | None = None
        self.advice: str | None = None

    # -- frames in --------------------------------------------------------------------
    def run(self) -> None:
        fast = self.opts.fast
        pace = not fast and not self.source.live
        interval = 1.0 / self.source.fps
        t0: float | None = None
        self.paused_s = 0.0
        for frame in self.source:
            now = time.perf_counter()
            self.stats.captured += 1
            if self.first_capture is None:
                self.first_capture = now
            self.rec.write_raw(frame.image)
            if fast:
                self._fast_frame(frame, now)
            else:
                if pace:
                    if t0 is None:
                        t0 = now - frame.time_s
                    due = t0 + self.paused_s + frame.time_s
                    if now > due + 1.5 * interval:
                        self._skip(frame, now)
                        continue
                    self._wait_until(due)
                    now = time.perf_counter()
                self._submit(frame, now)
                self._wait_until(now + 0.75 * interval)
            if self.paused:
                self._pause_screen()
            if self.stop is not None:
                break
        if self.stop is None:
            self.stop = "end"

    def _fast_frame(self, frame: Frame, captured_at: float) -> None:
        t = time.perf_counter()
        pose = self.estimator.process(frame.image, frame.time_s)
        self.stats.submit_ms.append((time.perf_counter() - t) * 1000.0)
        self.stats.posed += 1
        self._handle(_Pending(frame.index, frame.time_s, 0, frame.image, captured_at), pose)

    def _submit(self, frame: Frame, captured_at: float) -> None:
        ts = max(round(frame.time_s * 1000.0), self.last_ms + 1)
        self.last_ms = ts
        self.pending.append(_Pending(frame.index, frame.time_s, ts, frame.image, captured_at))
        while len(self.pending) > MAX_PENDING_S * self.source.fps:  # a stalled model
            self._write_missing(self.pending.popleft())
        if not self.stats.submit_ms:
            # The runtime prints a few lines on its first inference, on its own thread.

            self._quiet = ExitStack()
            self._quiet.enter_context(_native_stderr_silenced())
        t = time.perf_counter()
        self.estimator.submit(frame.image, ts / 1000.0)
        self.stats.submit_ms.append((time.perf_counter() - t) * 1000.0)

    def _skip(self, frame: Frame, captured_at: float) -> None:
        self.stats.dropped_ours += 1
        self.pending.append(_Pending(frame.index, frame.time_s, None, None, captured_at))
        self._collect()

    def _wait_until(self, deadline: float) -> None:
        """Handle poses as they come back until ``deadline`` (perf_counter seconds)."""
        while True:
            self._collect()
            if self.stop is not None:
                return
            left = deadline - time.perf_counter()
            if left <= 0:
                return
            time.sleep(min(left, 0.001))

    def drain(self) -> None:
        """Wait a little for the model's last results; what stays out counts as dropped."""
        if self.opts.fast:
            return
        end = time.perf_counter() + DRAIN_S
        while any(p.ts_ms is not None for p in self.pending) and time.perf_counter() < end:
            self._collect()
            time.sleep(0.002)
        self._collect()
        while self.pending:
            self._write_missing(self.pending.popleft())

    def _collect(self) -> None:
        if not self.opts.fast:
            poses = self.estimator.poll()
            if poses:
                self.unsilence()
            for pose in poses:
                ts = round(pose.time_s * 1000.0)
                while self.pending and (
                    self.pending[0].ts_ms is None or self.pending[0].ts_ms < ts
                ):
                    self._write_missing(self.pending.popleft())
                if self.pending and self.pending[0].ts_ms == ts:
                    self.stats.posed += 1
                    self._handle(self.pending.popleft(), pose)
        while self.pending and self.pending[0].ts_ms is None:
            self._write_missing(self.pending.popleft())

    def unsilence(self) -> None:
        """Give the terminal its error stream back (after the first inference)."""
        if self._quiet is not None:
            self._quiet.close()
            self._quiet = None

    def _write_missing(self, p: _Pending) -> None:
        """A frame without pose: counted, no row (a row would read as "nobody there")."""
        if p.ts_ms is not None:
            self.stats.dropped_model += 1

    # -- one pose ---------------------------------------------------------------------
    def _handle(self, p: _Pending, pose: PoseFrame) -> None:
        start = time.perf_counter()
        self.stats.model_ms.append((start - p.captured_at) * 1000.0)
        pose = replace(pose, time_s=p.time_s)
        self.rec.write_pose(p.index, pose)
        if self.paused:
            return
        cf = self.coach.update(pose, p.image)
        calib = self.coach.kinematics.calibration
        view = calib.view if calib is not None else None
        self.rec.write_frame(
            p.index,
            cf.sample,
            cf.state,
            n_people=pose.n_people,
            view=view.kind if view is not None else "",
            lateral_observable=view.lateral_observable if view is not None else True,
            rep=cf.rep,
        )
        self._record_events(cf.events)
        if self.voice is not None:
            self._speak(cf, p.time_s)
        if view is not None:
            self.status = view_status(
                view.kind,
                view.lateral_observable,
                self.coach.camera_tilt_deg,
                ", turn to the camera",
            )
        else:  # the phase words say where set-up stands
            self.status = ""
        assert p.image is not None
        display = self._draw(p.image, pose, cf)
        drawn = time.perf_counter()
        self.stats.latency_ms.append((drawn - p.captured_at) * 1000.0)
        key = self.ui.show(display)
        self.last_display = display
        end = time.perf_counter()
        self.stats.own_ms.append((end - start) * 1000.0)
        if self.last_shown_at is not None and end > self.last_shown_at:
            rate = 1.0 / (end - self.last_shown_at)
            self.fps_ema = rate if self.fps_ema is None else 0.9 * self.fps_ema + 0.1 * rate
        self.last_shown_at = end
        self.last_shown = end
        if self.ui.closed:
            self.stop = "window_closed"
        self._on_key(key, p.time_s)

    def _speak(self, cf: CoachFrame, t: float) -> None:
        """Hand what the coach now says to the voice (it returns at once); log what began."""
        assert self.voice is not None
        said = spoken_level(cf.message) if cf.message else cf.message  # the screen has the rest
        for u in self.speech.update(t, cf.stage, said, cf.events, cf.state.reps):
            if u.sound is not None:
                self.voice.sound(u.sound, u.time_s)
            elif u.text is not None:
                self.voice.say(u.text, u.time_s, urgent=u.urgent)
        self.log_spoken(t)

    def close_kept_voice(self) -> None:
        """Close the WAV voice kept for an end-of-set summary that will not come."""
        if self.voice is not None and self.voice_kept:
            self.voice.close()
            self.voice_kept = False

    def log_spoken(self, until_s: float = math.inf, *, final: bool = False) -> None:
        """Write each utterance begun by ``until_s`` into ``events.jsonl`` (type ``spoken``).

        One cut off by a later, urgent one has ``cut_s``: the stream time it stopped.
        """
        if self.voice is not None:
            for started, text, cut_s in self.voice.drain_said(until_s, final=final):
                cut = {} if cut_s is None else {"cut_s": round(cut_s, 3)}
                self.rec.event("spoken", round(started, 3), text=text, **cut)

    def _draw(self, image: NDArray[np.uint8], pose: PoseFrame, cf: CoachFrame) -> NDArray[np.uint8]:
        # cv2.flip is ~10x faster than copying a reversed NumPy view.
        display: NDArray[np.uint8] = np.asarray(
            cv2.flip(image, 1) if self.opts.mirror else image.copy(), dtype=np.uint8
        )
        s = cf.sample
        ok = s.valid and cf.stage == "practice"
        calib = self.coach.kinematics.calibration
        lateral_seen = calib is None or calib.view.lateral_observable
        latency = self.stats.latency_ms[-1] if self.stats.latency_ms else None
        help_text = None if self.opts.headless else HELP_TEXT
        window = self.ui.canvas_size()
        if not self.overlay_on:
            info = OverlayInfo(cue=cf.message, help_text=help_text)
        else:
            info = overlay_info(
                s.lateral_deg,
                s.forward_deg,
                measured=ok,
                lateral_observable=lateral_seen,
                phase=cf.state.phase if cf.stage == "practice" else cf.stage,
                reps=cf.state.reps + cf.state.drills,  # as the annotated video counts
                score=cf.state.score,
                cue=cf.message,
                trace=self.coach.loop.counter.current_trace,
                last_trace=self.coach.loop.counter.last_trace,
                ideal_deg=self.coach.ideal_deg(),
                status=self.status,
                fps=self.fps_ema if self.details or window is None else None,
                latency_ms=latency if self.details or window is None else None,
                help_text=help_text,
                level=cf.setup_level,
            )
        if window is not None:  # laid out for the window, whatever the camera's size
            layout = window_layout(window, (display.shape[1], display.shape[0]))
            shown, drawn = draw_window(
                display, pose, info, layout, mirrored=self.opts.mirror, overlay=self.overlay_on
            )
            self._note_text(drawn)
            return shown
        if not self.overlay_on:
            return _draw_minimal(display, info)
        return draw_overlay(display, pose, info, mirrored=self.opts.mirror)

    def _note_text(self, drawn: DrawnText) -> None:
        """Keep the smallest height of each text drawn, relative to the window's height."""
        h = drawn.window[1]
        self.window_sizes.add(drawn.window)
        for name in ("cue", "side_bend", "forward", "reps"):
            px = getattr(drawn, f"{name}_px")
            if px > 0:
                ratio = px / h
                self.text_ratios[name] = min(self.text_ratios.get(name, ratio), ratio)

    def _record_events(self, events: list[RepEvent]) -> None:

        for e in events:
            if e.record is None:
                continue
            d = e.record.as_dict()
            cues = record_cues(e.record)
            kind = "aborted" if e.record.outcome == "aborted" else "rep"
            drill = attempt_drill(e.record) if kind == "aborted" else None
            if drill is not None:  # a side bend or roll-down, as analyze reports it
                kind, d["movement"], d["side"] = "drill", drill[0], drill[1]
                cues = [c for c in cues if c.id != "aborted"]
            d["cues"] = [c.text for c in cues]
            self.rec.event(kind, e.time_s, rep=d)
            if kind == "rep" and self.log is not None:
                self.log.add_rep(d)
        calib = self.coach.kinematics.calibration
        if calib is not None and not self.calibration_logged:
            told = self.coach.picture.record if self.coach.picture is not None else None
            self.rec.event(
                "calibrated",
                self.coach.last_time_s,
                calibration=calib.to_dict(),
                **({"camera_pitch": told} if told is not None else {}),
            )
            self.calibration_logged = True

    # -- keys -------------------------------------------------------------------------
    def _on_key(self, key: int, t: float) -> None:
        if key < 0:
            return
        if key in (ord("q"), 27):
            self.stop = "quit"
        elif key == ord("c"):
            self._record_events(self.coach.recalibrate())
            self.calibration_logged = False
            self.rec.event("recalibrate", t)
        elif key == ord("r"):
            self._record_events(self.coach.reset())
            self.rec.event("reset", t)
        elif key == ord("o"):
            self.overlay_on = not self.overlay_on
        elif key == ord("d"):
            self.details = not self.details
        elif key == ord("p"):
            self.paused = True
            self.rec.event("pause", t)
        elif key == ord("m") and self.voice is not None:
            self.voice.muted = not self.voice.muted
            self.rec.event("mute" if self.voice.muted else "unmute", t)

    def _pause_screen(self) -> None:
        """Hold everything until ``p`` again (or quit); frames are not read meanwhile."""
        base = self.last_display
        if base is None:
            self.paused = False
            return
        screen = question_screen(base, ["Paused", "p to go on, q to stop"])
        since = time.perf_counter()
        while self.paused and self.stop is None:
            self._collect()
            key = self.ui.show(screen, wait_ms=50)
            if self.ui.closed:
                self.stop = "window_closed"
            elif key == ord("p"):
                self.paused = False
                self.rec.event("resume", self.coach.last_time_s)
            elif key in (ord("q"), 27):
                self.stop = "quit"
        self.paused = False
        self.paused_s += time.perf_counter() - since  # a file's clock waits too


def _ask_rating(run: _Run) -> Rating | None:
    """Ask how the back feels and the pain now (window only; else the one given)."""
    if run.opts.rating is not None or run.opts.headless or run.ui.closed:
        return run.opts.rating
    base = run.last_display
    if base is None:
        return run.opts.rating
    key = run.ui.ask(
        base,
        [
            "How does your back feel now, compared with before?",
            "b better     s same     w worse",
            "Esc to skip",
        ],
        set(FEELINGS),
    )
    feeling = FEELINGS.get(key) if key is not None else None
    digits = {ord(str(d)) for d in range(10)} | {ord("t")}
    key = run.ui.ask(
        base,
        ["Pain right now, 0 (none) to 10 (worst)?", "press 0-9, or t for 10", "Enter to skip"],
        digits,
    )
    pain = None if key is None else 10 if key == ord("t") else key - ord("0")
    return Rating(feeling, pain)


def pain_advice(rating: Rating | None, previous: dict[str, Any] | None) -> str | None:
    """What the pain rating means against the last session's (the pain-monitoring model).

    None when nothing needs saying (no pain given, or it stayed settled or fell).
    """
    if rating is None or rating.pain is None:
        return None
    before = previous.get("pain") if previous is not None else None
    earlier = [PainRating(after=before)] if isinstance(before, int) else []
    decision = pain_decision([*earlier, PainRating(after=rating.pain)])
    if decision is None or not decision.worth_saying:
        return None
    return decision.sentence


def open_voice_output(
    config: VoiceConfig, clock: Callable[[], float], audio_out: Path | None = None
) -> tuple[Voice | None, WavOutput | None, str]:
    """A coach's voice, into the WAV file ``audio_out`` or to the speakers.

    ``clock`` gives the stream time now (s), to date what the speakers play. Returns
    the voice, its file (None for the speakers), and "" or, with no voice, the one
    sentence why (no speech engine, no audio device), for the caller to say once.
    Every camera flow (live, the guided baseline and session) opens its voice here.
    """
    problem = voice_unavailable()
    if problem is None:
        try:
            wav = WavOutput(audio_out) if audio_out is not None else None
            output: AudioOutput = wav if wav is not None else SpeakerOutput(clock)
            return Voice(output, config), wav, ""
        except VoiceUnavailable as err:
            problem = str(err)
    return None, None, problem


def _open_voice(
    opts: LiveOptions, clock: Callable[[], float]
) -> tuple[Voice | None, WavOutput | None]:
    """The session's voice, to a WAV file or the speakers; None (said once) when none can speak.

    A missing voice or audio device is one sentence on stderr, and the coach goes on
    silently.
    """
    if not (opts.voice or opts.audio_out is not None):
        return None, None
    voice, wav, problem = open_voice_output(opts.settings.voice, clock, opts.audio_out)
    if problem:
        print(f"halfcircle: {problem}", file=sys.stderr)
    return voice, wav


def run_live(
    opts: LiveOptions,
    *,
    capture_factory: CaptureFactory | None = None,
    estimator_factory: EstimatorFactory | None = None,
    ui: LiveUI | None = None,
) -> LiveResult:
    """Run one live session and build its report (see the module docstring).

    Args:
        opts: What to run and how.
        capture_factory: Stand-in for ``cv2.VideoCapture`` (tests).
        estimator_factory: Builds the pose stage from ``(model, mode)`` (tests).
        ui: Where frames are shown (default: a window, or nothing when headless).

    Returns:
        The session's result. A lost camera, a failed write (disk full) or
        Ctrl-C ends the session, not the call: the record is complete up to the
        last frame written, the report is built from it where the disk allows
        (the analysis and the history are kept either way), and
        :attr:`LiveResult.stop` says why it stopped.

    Raises:
        InputError: The source cannot be opened, or ``fast`` with a camera.
        ModelError: The pose model cannot be loaded.
    """
    source = open_source(opts.source, capture_factory, mirrored=opts.mirrored)
    log: PracticeLog | None = None
    _refuse_options(opts, source.live)
    make = estimator_factory or partial(default_estimator, pose=opts.settings.pose)
    the_ui: LiveUI | None = None
    window_open = False  # kept open for the end-of-set screen
    kept: _Run | None = None
    source.open()
    try:
        size, fps = source.size, source.fps
        if size[0] <= 0 or size[1] <= 0:
            raise InputError(f"{source.description} reports no frame size.")
        raw = opts.record and source.live
        # absolute, so that `--rebuild` finds the video from any working folder
        video = os.path.abspath(str(source.target)) if not source.live else None
        if raw:
            video = str(Path(opts.out_dir) / RAW_VIDEO_FILE)
        meta = _session_meta(opts, source, video, raw)
        the_ui = (
            ui
            if ui is not None
            else (HeadlessUI() if opts.headless else WindowUI(size=opts.window_size))
        )
        assert the_ui is not None
        with make(opts.model, "video" if opts.fast else "live") as estimator:
            recorder = SessionRecorder(opts.out_dir, meta, raw_video=raw)
            with recorder:
                recorder.event("start", 0.0, source=source.description, model=opts.model)
                run = kept = _Run(opts, source, estimator, recorder, the_ui)
                run.voice, wav = _open_voice(opts, lambda: run.coach.last_time_s or 0.0)
                if opts.history_db is not None:
                    run.log = log = PracticeLog(
                        opts.history_db,
                        source.description,
                        video_path=video if raw else None,
                        camera_tilt_deg=tilt_to_keep(opts.camera_tilt_deg, opts.tilt_how),
                        settings=settings_diff(opts.settings),
                    )
                error: HalfcircleError | None = None
                crash: Exception | None = None
                message = ""
                try:
                    run.run()
                except CameraLostError as err:
                    run.stop, error = "camera_lost", err
                except RecordWriteError as err:
                    run.stop, error = "write_failed", err
                except KeyboardInterrupt:
                    run.stop = "interrupted"
                except Exception as err:  # a bug: keep the record, build the report, re-raise
                    crash = err
                    run.stop = "crashed"
                run.unsilence()
                recorder.raise_errors = False  # from here on, a failed write is only noted
                stop = _end_stream(run, wav, fps)
                # a rating given up front is kept whatever ended the session; the
                # window asks only after a set that ended in front of it
                rating = opts.rating
                if stop in ("end", "quit", "camera_lost", "write_failed"):
                    rating = _ask_rating(run)
                advice = (
                    _rating_advice(run, rating, log, show=stop != "interrupted")
                    if rating is not None
                    else None
                )
                message = _stop_message(opts, stop, error)
                recorder.event("end", run.coach.last_time_s, reason=stop, message=message)
                recorder.finish(stop=stop, message=message, stats=run.stats.as_dict())
                run.rating, run.advice = rating, advice
            if recorder.failed is not None and error is None:  # an ending write failed
                error, message = recorder.failed, str(recorder.failed)
        window_open = (
            crash is None
            and not opts.headless
            and not the_ui.closed
            and run.last_display is not None
        )
    finally:
        source.close()
        if the_ui is not None and not window_open:
            the_ui.close()
        if log is not None:
            log.close()
        if kept is not None and not window_open:
            kept.close_kept_voice()  # kept open for a window that did not come
    if window_open:
        assert the_ui is not None and run.last_display is not None
        try:
            return _finish_in_window(opts, run, the_ui, run.last_display, stop, error, message)
        finally:
            the_ui.close()
            run.close_kept_voice()  # no summary was said (no report, window closed)
    return _finish(opts, run, stop, error, message, crash)


def _refuse_options(opts: LiveOptions, live: bool) -> None:
    """Refuse ``--fast`` with a camera, and an ``--out`` folder that holds a session already."""
    if opts.fast and live:
        raise InputError(
            "--fast needs a video file as source (--source PATH): a camera runs in real time."
        )
    if (Path(opts.out_dir) / SESSION_FILE).exists():
        raise InputError(f"{opts.out_dir} already holds a session: choose a new folder for --out.")
    if any((Path(opts.out_dir) / name).exists() for name in OUTPUT_FILES.values()):
        raise InputError(
            f"{opts.out_dir} already holds an analysis: choose a new folder for --out."
        )


def _session_meta(
    opts: LiveOptions, source: FrameSource, video: str | None, raw: bool
) -> dict[str, Any]:
    """What ``session.json`` keeps of how the session ran (``--rebuild`` reads it back)."""
    return {
        "source": source.description,
        "video": video,
        "live": source.live,
        "model": opts.model,
        "image_size": list(source.size),
        "fps": source.fps,
        "mirror": opts.mirror,
        "mirrored": opts.mirrored and not raw,
        "camera_tilt_deg": opts.camera_tilt_deg,
        "tilt_how": opts.tilt_how,
        "settings": settings_diff(opts.settings),
        "fast": opts.fast,
        "headless": opts.headless,
        "record": raw,
    }


def _end_stream(run: _Run, wav: Any, fps: float) -> StopReason:
    """Close the stream: the last poses, the last rep, the voice's file; why it stopped.

    The WAV (``wav``, None without ``--audio-out``) is cut to the stream's length; with
    a window the voice stays open for the end-of-set summary.
    """
    stop: StopReason = run.stop or "end"
    try:
        run.drain()
    except KeyboardInterrupt:
        stop = "interrupted"
    run._record_events(run.coach.finish())
    last = run.coach.last_time_s
    run.stream_end_s = (last if last is not None else 0.0) + 1.0 / fps
    run.stream_end_wall = time.monotonic()
    if run.voice is not None:
        run.wav = wav
        if wav is not None:  # the file lines up with the stream
            wav.duration_s = run.stream_end_s
        if wav is not None and not run.opts.headless:
            run.voice.flush()  # kept open: the end-of-set summary follows
            run.voice_kept = True
        else:
            run.voice.close()
        run.log_spoken(run.stream_end_s if wav is not None else math.inf, final=True)
    if run.first_capture is not None and run.last_shown is not None:
        run.stats.wall_s = run.last_shown - run.first_capture
    return stop


def _rating_advice(
    run: _Run, rating: Rating, log: PracticeLog | None, *, show: bool = True
) -> str | None:
    """Keep the person's rating and show what the pain model makes of it (None: nothing).

    ``show``: the window shows the advice and waits for Enter (not after Ctrl-C:
    the result and the terminal say it).
    """
    # the history's word first; the sibling session folders otherwise
    advice = (log.rate(rating.feeling, rating.pain) if log is not None else None) or pain_advice(
        rating, previous_rating(run.opts.out_dir)
    )
    run.rec.event(
        "rating",
        run.coach.last_time_s,
        feeling=rating.feeling,
        pain=rating.pain,
        at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )
    if show and advice is not None and not run.ui.closed and run.last_display is not None:
        run.ui.ask(run.last_display, ["About your pain", *_wrap(advice), "Enter to close"], {13})
    return advice


def _stop_message(opts: LiveOptions, stop: StopReason, error: HalfcircleError | None) -> str:
    """The one sentence said when the session stopped early ("" when it ran to its end)."""
    if isinstance(error, RecordWriteError):
        return str(error)
    if error is not None:
        return f"{error} The session up to then is saved in {opts.out_dir}."
    if stop == "interrupted":
        return f"Stopped with Ctrl-C; the session up to then is saved in {opts.out_dir}."
    return ""


def _finish_in_window(
    opts: LiveOptions,
    run: _Run,
    ui: LiveUI,
    background: NDArray[np.uint8],
    stop: StopReason,
    error: HalfcircleError | None,
    message: str,
) -> LiveResult:
    """The report written while the window says so, then the end-of-set screen (said too)."""
    size = ui.canvas_size()
    ui.show(question_screen(background, ["Writing your report..."], size), wait_ms=1)
    result = _finish(opts, run, stop, error, message, None)
    if result.analysis is None or ui.closed:
        return result
    end = end_of_set(
        result.analysis,
        result.progress,
        in_history=opts.history_db is not None,
        report_ready="report" in result.paths,
    )
    voice = _end_voice(opts, run)
    if voice is not None:
        voice.say(end.spoken(), run.stream_end_s + END_SPEECH_PAUSE_S)
    keys = {ord(OPEN_REPORT_KEY)} if end.report_ready else set()
    key = ui.ask(background, end.lines(), keys)
    if key == ord(OPEN_REPORT_KEY):
        webbrowser.open(result.paths["report"].resolve().as_uri())
    if voice is not None:
        if run.wav is not None:
            run.wav.duration_s = None  # the file goes on past the clip for the summary
        voice.close(timeout_s=1.0 if run.wav is None else 30.0)
        run.voice_kept = False
        for started, text, cut_s in voice.drain_said():
            cut = {} if cut_s is None else {"cut_s": round(cut_s, 3)}
            append_event(opts.out_dir, "spoken", started, text=text, **cut)
    return replace(result, end_of_set=end)


#: Silence between the stream's last frame and the end-of-set summary in a WAV file (s).
END_SPEECH_PAUSE_S: Final = 0.5


def _end_voice(opts: LiveOptions, run: _Run) -> Voice | None:
    """The voice that says the end-of-set screen; None when the session was silent or muted.

    With ``--audio-out`` the session's own voice, kept open: the summary is written into
    the WAV file :data:`END_SPEECH_PAUSE_S` after the clip's end (the time the report
    took to write is left out). Otherwise the speakers, on the stream's clock run on
    past its end, so that ``events.jsonl`` says when it was said.
    """
    if run.voice is None or run.voice.muted:
        run.close_kept_voice()
        return None
    if run.voice_kept:
        return run.voice
    voice, _wav = _open_voice(
        opts, lambda: run.stream_end_s + time.monotonic() - run.stream_end_wall
    )
    return voice


def _pitch_record(opts: LiveOptions, run: _Run) -> dict[str, Any]:
    """How the session's camera tilt was obtained (given, remembered, or the picture's)."""
    told = stated_pitch(opts)
    if told is not None:
        return told
    picture = run.coach.picture
    if picture is not None and picture.record is not None:
        return picture.record
    return {"how": "assumed level", "camera_tilt_deg": 0.0}


def _finish(
    opts: LiveOptions,
    run: _Run,
    stop: StopReason,
    error: HalfcircleError | None,
    message: str,
    crash: Exception | None,
) -> LiveResult:
    """The report from the session's record, the history's last word, the result."""
    log, rating, advice = run.log, run.rating, run.advice
    live_reps, live_aborted = run.coach.records, run.coach.aborted
    if crash is not None:
        try:
            _build_report(opts, stop)
        except Exception:  # the record on disk is what matters now
            pass
        raise crash
    analysis, indices = session_analysis(
        opts.out_dir,
        opts.model,
        interrupted=_interrupted(stop),
        ended_by=stop_words(stop),
        camera_tilt_deg=opts.camera_tilt_deg,
        settings=opts.settings,
        camera_pitch=_pitch_record(opts, run),
    )
    try:
        paths = write_session_outputs(analysis, opts.out_dir, indices, annotate=opts.annotate)
    except (OSError, VideoWriteError) as err:  # disk full: the analysis and history stay
        report = opts.out_dir / "report.html"  # written without the video if only that failed
        paths = {"report": report} if isinstance(err, VideoWriteError) and report.exists() else {}
        if error is None:
            error = _report_write_error(opts.out_dir, err)
            message = str(error)
        elif not paths:
            message += (
                f" The report was not written either: `halfcircle live --rebuild "
                f"{opts.out_dir}` builds it once there is room."
            )
    progress: list[str] = []
    if log is not None:
        # the report's numbers (zero-phase filtered) replace the live ones; the side bends
        # and roll-downs go in too, as a guided session's do (each movement its own trend)
        progress = log.finish(
            movement_dicts(analysis),
            analysis.kinematics.view.kind,
            frames=(len(analysis.poses), analysis.frames_skipped),
            camera_pitch=analysis.camera_pitch,
        )
    return LiveResult(
        out_dir=opts.out_dir,
        stop=stop,
        message=message,
        error=error,
        analysis=analysis,
        live_reps=live_reps,
        live_aborted=live_aborted,
        stats=run.stats,
        rating=rating,
        advice=advice,
        paths=paths,
        progress=progress,
        text_ratios=dict(run.text_ratios),
        window_sizes=tuple(sorted(run.window_sizes)),
    )
