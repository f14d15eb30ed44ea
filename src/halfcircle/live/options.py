"""What a live session is asked to do (LiveOptions), its stages, keys and timings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

from halfcircle.config import Settings

Stage = Literal["position", "calibrate", "practice"]


StopReason = Literal[
    "end", "quit", "window_closed", "camera_lost", "write_failed", "interrupted", "crashed"
]

#: What ended a session, by :data:`StopReason`, in the words of the report's note on
#: a rep it cut short ("Rep 2 was cut short by Ctrl-C"): the session's end, not the
#: pose model, cut it.
STOP_WORDS: Final[dict[str, str]] = {
    "end": "the end of the video",
    "quit": "the end of the session (q)",
    "window_closed": "closing the window",
    "camera_lost": "the camera being lost",
    "write_failed": "the session stopping (its record could not be written)",
    "interrupted": "Ctrl-C",
    "crashed": "the session stopping on an error",
}


#: Keys shown on screen (window mode).
HELP_TEXT: Final = (
    "c recalibrate   p pause   r reset   o overlay   m mute   f full screen   d details   q quit"
)


#: The key that toggles full screen in every window (handled by :class:`WindowUI`).
FULL_SCREEN_KEY: Final = ord("f")


#: The window's size before it reports its own, and out of full screen without a size.
DEFAULT_WINDOW_SIZE: Final = (1280, 720)


#: Seconds the countdown runs once the person is in position.
COUNTDOWN_S: Final = 3.0


#: Seconds "calibrated" is shown before the cues take over.
CALIBRATED_SHOW_S: Final = 2.0


#: Frames waiting for the model longer than this (s) are given up as dropped.
MAX_PENDING_S: Final = 2.0


#: Longest wait for the pose model's last results when the stream ends (s).
DRAIN_S: Final = 1.0


FEELINGS: Final = {ord("b"): "better", ord("s"): "same", ord("w"): "worse"}


# ------------------------------------------------------------------------- options
@dataclass(frozen=True)
class LiveOptions:
    """How one live session runs.

    Attributes:
        source: Camera index, stream URL or video file path.
        out_dir: The session folder (created).
        model: ``"lite"``, ``"full"``, ``"heavy"`` or a ``.task`` path.
        mirror: Show the picture mirrored (measurements are never mirrored).
        record: Keep the captured frames of a camera or stream (``raw.mkv``).
        headless: No window: no keys, no questions at the end.
        fast: A file source processed as fast as possible, every frame, with the
            synchronous pose stage (otherwise files play at their own frame rate
            through the live pose stage, like a camera).
        annotate: Write the annotated video at the end (when a video to draw on exists).
        history_db: The progress history the session is added to as it runs
            (:class:`~halfcircle.history.practice.PracticeLog`); None leaves it out.
        camera_tilt_deg: How far the camera looks down (deg, 0 level), if measured.
        settings: The thresholds of every stage (:mod:`halfcircle.config`); those
            that differ from the defaults are kept in ``session.json``, and the
            report is built with them.
        rating: How the back felt and the pain, given beforehand for a run with no
            window to ask in (``--feels``/``--pain``); None asks (in a window) or
            leaves it unrated.
        voice: Speak the cues, counts and guidance, with earcons
            (:mod:`halfcircle.coaching.voice`; rate, voice and volume from ``settings.voice``).
        audio_out: Write what is spoken or played into this WAV file on the stream's
            clock instead of the speakers (implies ``voice``).
        mirrored: The source's picture is mirrored (a selfie video played as
            ``--source``): every frame is flipped back, so that left and right
            stay the person's (``raw.mkv`` keeps the flipped-back frames).
        window_size: ``(width, height)`` of the window; None opens it full screen.
        tilt_how: How ``camera_tilt_deg`` was obtained: ``"given"``,
            ``"remembered"`` (from the last session), or ``"picture"``: none was,
            and the picture tells it at the calibration stance
            (:class:`halfcircle.live.coach.PicturePitch`).
    """

    source: str | int
    out_dir: Path
    model: str = "full"
    mirror: bool = True
    record: bool = False
    headless: bool = False
    fast: bool = False
    annotate: bool = True
    history_db: Path | None = None
    camera_tilt_deg: float = 0.0
    settings: Settings = field(default_factory=Settings)
    rating: Rating | None = None
    voice: bool = False
    audio_out: Path | None = None
    mirrored: bool = False
    window_size: tuple[int, int] | None = None
    tilt_how: Literal["given", "remembered", "picture"] = "given"


@dataclass(frozen=True)
class Rating:
    """How the back felt after the set: ``better``/``same``/``worse``, pain 0-10 or None."""

    feeling: str | None
    pain: int | None
