"""Options, argument types, exit codes and progress bars that several subcommands share."""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from halfcircle.errors import InputError, VideoSourceError

if TYPE_CHECKING:
    from halfcircle.config import Settings
    from halfcircle.history.camera import TiltHow


EXIT_INTERRUPTED = 130


EXIT_NOTHING_MEASURED = 5


#: Shared libraries OpenCV (and MediaPipe) load, by the start of their file name,
#: with the Debian package that brings each.
SYSTEM_PACKAGES: Final = {
    "libGL.so": "libgl1",
    "libEGL.so": "libegl1",
    "libGLES": "libgles2",
    "libgthread-2.0.so": "libglib2.0-0",
    "libglib-2.0.so": "libglib2.0-0",
    "libgobject-2.0.so": "libglib2.0-0",
    "libSM.so": "libsm6",
    "libICE.so": "libice6",
    "libXext.so": "libxext6",
    "libXrender.so": "libxrender1",
}


def _quiet_opencv() -> None:
    """Keep OpenCV's and FFmpeg's own log lines out of the user's terminal.

    Loads OpenCV: called only for the commands that read video, so that a
    machine where it cannot load still runs the others.
    """
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    os.environ.setdefault("OPENCV_LOG_LEVEL", "SILENT")
    import cv2

    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)


def missing_library_message(err: ImportError) -> str | None:
    """One sentence naming the system library an import could not load, or None.

    ``ImportError("libGL.so.1: cannot open shared object file: ...")`` gives
    "OpenCV cannot load: the system library libGL.so.1 is missing (Debian
    package libgl1); install it with: sudo apt-get install libgl1 libglib2.0-0."
    None when the error is not about a shared library.
    """
    text = str(err)
    library = text.split(":", 1)[0].strip()
    if ".so" not in library:
        return None
    package = next(
        (pkg for prefix, pkg in SYSTEM_PACKAGES.items() if library.startswith(prefix)), None
    )
    packages = " ".join(dict.fromkeys([p for p in (package, "libgl1", "libglib2.0-0") if p]))
    what = "OpenCV" if err.name in (None, "cv2") else str(err.name)
    where = f" (Debian package {package})" if package else ""
    return (
        f"{what} cannot load: the system library {library} is missing{where}; "
        f"install it with: sudo apt-get install {packages}."
    )


def _require_videos(sources: Sequence[str | Path]) -> None:
    """Raise for the first video file given that does not exist (stream URLs pass).

    Called before any hint is printed, so that a mistyped name gets one sentence.
    """
    for source in sources:
        if "://" not in str(source) and not Path(source).exists():
            raise VideoSourceError(f"There is no video file at {source}.")


class _Bars:
    """The progress of one analysis on the terminal: one bar per stage, one after the other.

    Stages: the pose pass (frames), the results (files) and the annotated video
    (frames). Disabled bars (``--json``, no terminal) cost nothing.
    """

    def __init__(self, disable: bool | None) -> None:
        self.disable = disable
        self._bar: Any = None

    def stage(self, name: str, total: int | None, unit: str) -> None:
        """Close the current bar and start one for stage ``name``."""
        from tqdm import tqdm

        from halfcircle.nativelog import TerminalStream

        self.close()
        self._bar = tqdm(
            total=total, unit=unit, desc=name, disable=self.disable, file=TerminalStream()
        )

    def update(self, n: int = 1) -> None:
        """Count ``n`` more frames or files of the current stage."""
        if self._bar is not None:
            self._bar.update(n)

    def close(self) -> None:
        """Close the current bar (safe to call twice)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class _QueueBars(_Bars):
    """The progress of one analysis in a worker process, sent to the parent's bars."""

    def __init__(self, queue: Any, index: int) -> None:
        super().__init__(disable=True)
        self._queue = queue
        self._index = index

    def stage(self, name: str, total: int | None, unit: str) -> None:
        self._queue.put((self._index, "stage", (name, total, unit)))

    def update(self, n: int = 1) -> None:
        self._queue.put((self._index, "update", n))

    def close(self) -> None:
        self._queue.put((self._index, "done", None))


def _settings_of(args: argparse.Namespace) -> Settings:
    """A command's settings: defaults, ``--config`` (or ``$HALFCIRCLE_CONFIG``), ``--set``."""
    # lazy: loads scipy
    from halfcircle.config import resolve_settings

    return resolve_settings(args.config, args.set or ())[0]


def _setting(text: str) -> str:
    """A ``--set`` item: ``TABLE.KEY=VALUE`` (an argparse type; the value is read later)."""
    if "\n" in text or "\r" in text:
        raise InputError(f"--set takes one line, TABLE.KEY=VALUE, got {text!r}.")
    key, sep, _ = text.partition("=")
    if not sep or "." not in key.strip(" ."):
        raise argparse.ArgumentTypeError(
            f"give TABLE.KEY=VALUE, e.g. reps.leave_upright_deg=14, got {text!r}"
        )
    return text


def _add_settings_options(parser: argparse.ArgumentParser) -> None:
    """``--config`` and ``--set``: the settings file and overrides of it (see halfcircle.config)."""
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help="settings file (TOML) of thresholds; `halfcircle config --print-defaults` prints "
        "one to start from (default: the file named by $HALFCIRCLE_CONFIG, else the "
        "built-in defaults)",
    )
    parser.add_argument(
        "--set",
        type=_setting,
        action="append",
        default=None,
        metavar="TABLE.KEY=VALUE",
        help="override one setting of the file, e.g. --set reps.leave_upright_deg=14 "
        "(repeatable; default: none)",
    )


def _history_db(args: argparse.Namespace) -> Path:
    """The history database named by ``--db``, else the default one."""
    # lazy: loads scipy
    from halfcircle.history.store import default_db_path

    return args.db if args.db is not None else default_db_path()


def _camera_tilt(text: str) -> float:
    """``--camera-tilt`` value: degrees the camera looks down, within the supported range."""
    # lazy: loads scipy
    from halfcircle.kinematics.calibration import MAX_CAMERA_TILT_DEG

    try:
        value = float(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"the tilt is a number of degrees, got {text!r}") from err
    if not abs(value) <= MAX_CAMERA_TILT_DEG:
        raise argparse.ArgumentTypeError(
            f"a camera tilted {value:g} deg cannot be corrected; keep it within "
            f"{MAX_CAMERA_TILT_DEG:g} deg of level"
        )
    return value


def _window_size(text: str) -> tuple[int, int]:
    """``--window-size`` value: ``WIDTHxHEIGHT`` in pixels."""
    # lazy: loads cv2
    from halfcircle.present.layout import parse_window_size

    try:
        return parse_window_size(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from err


def _add_window_size_option(parser: argparse.ArgumentParser) -> None:
    """The ``--window-size`` option of the commands with a window (full screen without it)."""
    parser.add_argument(
        "--window-size",
        type=_window_size,
        default=None,
        metavar="WxH",
        help="open the window at this size, such as 1280x720 (default: full screen; "
        "f toggles full screen)",
    )


def _add_mirrored_option(parser: argparse.ArgumentParser, what: str = "the video") -> None:
    """The ``--mirrored`` option: the recording is mirrored, as phones save selfie videos."""
    parser.add_argument(
        "--mirrored",
        action="store_true",
        default=False,
        help=f"{what} is mirrored (as phones save selfie videos): it is flipped back so "
        "that left and right stay yours",
    )


def _add_camera_tilt_option(
    parser: argparse.ArgumentParser, remembered: bool | str = False
) -> None:
    """The ``--camera-tilt`` option of every command that measures angles.

    ``remembered``: the command (live, baseline; analyze with ``--to-history``,
    as the string says) reuses the tilt of the latest session in the history
    when none is given (see :func:`_camera_tilt_of`). The option is None when not
    given: the picture tells the tilt where it can
    (:mod:`halfcircle.analyze.camerapitch`), else the camera is taken as level.
    """
    default = "from the picture where it can tell, else 0"
    if remembered:
        when = f" {remembered}" if isinstance(remembered, str) else ""
        default = f"the tilt of your last session{when}, else {default}"
    parser.add_argument(
        "--camera-tilt",
        type=_camera_tilt,
        default=None,
        metavar="DEG",
        help="how far the camera looks down, in degrees (negative: up), e.g. from a phone's "
        f"level app held against it; sharpens forward flexion (default: {default}; "
        "0 is a level camera)",
    )


def _add_rating_options(parser: argparse.ArgumentParser, when: str) -> None:
    """``--feels`` and ``--pain``: the rating given on the command line (``when``: which runs)."""
    parser.add_argument(
        "--feels",
        type=str,
        choices=("better", "same", "worse"),
        default=None,
        help=f"how it felt compared with last time ({when})",
    )
    parser.add_argument("--pain", type=_pain, default=None, help=f"pain 0-10 ({when})")


#: Shown when no camera tilt is given or remembered.
LEVEL_CAMERA_HINT: Final = (
    "Forward bending is read as from a level camera: if yours looks up or down, "
    "measure its tilt (a phone's level app held against it) and give --camera-tilt DEG."
)


def _camera_tilt_of(
    args: argparse.Namespace, remembered: bool
) -> tuple[float, TiltHow, str | None]:
    """The camera tilt to use (deg down), how it came, and a line to show about it (or None).

    The rule is :func:`halfcircle.history.camera.camera_tilt_to_use` (given, else
    remembered when ``remembered``, else level), and how the session takes it
    :attr:`~halfcircle.history.camera.CameraTilt.tilt_how` (``picture``: none given, none
    or a level one remembered); the line says a remembered tilt and how to give a tilt
    when none was given or remembered.
    """
    # lazy: loads scipy
    from halfcircle.history.camera import camera_tilt_to_use

    tilt = camera_tilt_to_use(args.camera_tilt, args.db, remember=remembered)
    if tilt.how == "assumed level":
        return 0.0, tilt.tilt_how, LEVEL_CAMERA_HINT
    if tilt.how == "remembered" and tilt.deg:
        way = "down" if tilt.deg > 0 else "up"
        return (
            tilt.deg,
            tilt.tilt_how,
            (
                f"Camera tilt: {abs(tilt.deg):g} deg {way}, as in your last session "
                "(give --camera-tilt 0 if the camera is level now)."
            ),
        )
    return tilt.deg, tilt.tilt_how, None


def _add_replace_option(parser: argparse.ArgumentParser, when: str) -> None:
    """``--replace``: a recording already in the history replaces its session."""
    parser.add_argument(
        "--replace",
        action="store_true",
        default=False,
        help=f"a recording already in your history replaces its session ({when})",
    )


def _add_db_option(parser: argparse.ArgumentParser) -> None:
    """The ``--db`` option of every command that reads or writes the history."""
    parser.add_argument(
        "--db", type=Path, default=None, help="history database (default: user data folder)"
    )


def _jobs(text: str) -> int:
    """``--jobs``: videos analysed at once, 1 or more (refused in one sentence, exit 2)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise InputError(
            f"--jobs is how many videos are analysed at once: give 1 or more, got {text!r}."
        )
    return value


#: Body heights ``--height-cm`` takes (cm); the calibration's own range, in metres,
#: is (0.5, 2.8) (:class:`halfcircle.kinematics.calibration.CalibrationConfig`).
HEIGHT_RANGE_CM: Final = (50.0, 280.0)


def _height_cm(text: str) -> float:
    """``--height-cm``: a body height in cm within :data:`HEIGHT_RANGE_CM` (else exit 2)."""
    low, high = HEIGHT_RANGE_CM
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not low < value < high:
        raise InputError(
            f"--height-cm is your height in centimetres, between {low:g} and {high:g}: "
            f"got {text!r}."
        )
    return value


def _pain(text: str) -> int:
    """A pain rating 0-10 (an argparse type)."""
    try:
        value = int(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"pain is a whole number 0-10, got {text!r}") from err
    if not 0 <= value <= 10:
        raise argparse.ArgumentTypeError(f"pain is rated 0 to 10, got {value}")
    return value


def _date_option(option: str, text: str | None) -> date | None:
    """A calendar date given as ``YYYY-MM-DD`` (None when not given)."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option} takes a date like 2026-11-30, not {text!r}.") from None


#: The subcommands' parsers (what ``ArgumentParser.add_subparsers`` returns).
Subparsers = argparse._SubParsersAction
