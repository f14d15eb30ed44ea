"""The ``halfcircle`` command line.

A thin layer: it parses options, calls the library, and turns our own errors
into one plain line on stderr and an exit code. Exit codes:

* 0: done.
* 1: halfcircle could not finish for a reason it names.
* 2: the input cannot be used (missing, not a video, damaged, unsupported codec),
  nor the output folder (`--out` is a file or cannot be written to).
* 3: the camera or stream stopped mid-session (what was measured is kept).
* 4: a pose model is missing or damaged.
* 5: the video was read but nothing could be measured (nobody in view, or no
  quiet upright stance to calibrate on); the files written say what was seen.
* 130: interrupted with Ctrl-C (what was measured is kept).

A command that needs OpenCV on a machine where it cannot load (a slim server
without ``libGL`` or ``libgthread``) says which system library is missing and
which Debian package brings it (exit 1); ``history``, ``config``, ``models``,
``plan`` and ``today`` never load OpenCV.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from halfcircle import __version__
from halfcircle.cli.analyze import _cmd_analyze, _cmd_pose
from halfcircle.cli.baseline import _cmd_baseline
from halfcircle.cli.batch import _cmd_batch
from halfcircle.cli.config import _cmd_config
from halfcircle.cli.history import _cmd_history, _cmd_plan, _cmd_today
from halfcircle.cli.live import _cmd_live
from halfcircle.cli.models import _cmd_models
from halfcircle.cli.options import (
    EXIT_INTERRUPTED,
    _add_camera_tilt_option,
    _add_db_option,
    _add_mirrored_option,
    _add_rating_options,
    _add_replace_option,
    _add_settings_options,
    _add_window_size_option,
    _height_cm,
    _jobs,
    _pain,
    _quiet_opencv,
    missing_library_message,
)
from halfcircle.cli.session import _cmd_session
from halfcircle.coaching.plan import DEFAULT_MINUTES
from halfcircle.errors import HalfcircleError, error_reason


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``halfcircle`` command."""
    parser = argparse.ArgumentParser(
        prog="halfcircle",
        description="Coach and measure the wall-supported lumbar half circle.",
    )
    parser.add_argument("--version", action="version", version=f"halfcircle {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("pose", help="write per-frame pose landmarks of a video to a file")
    p.add_argument("video", type=str, help="video file to read")
    p.add_argument("--out", type=Path, required=True, help="output file, .csv or .npz")
    p.add_argument(
        "--model",
        type=str,
        default="full",
        help="lite, full, heavy or a .task file",
    )
    p.add_argument("--quiet", action="store_true", default=False, help="no progress bar")
    p.set_defaults(func=_cmd_pose)

    a = sub.add_parser("analyze", help="analyse recorded videos: reps, scores, report")
    a.add_argument("videos", nargs="+", type=str, help="video files or folders of videos")
    a.add_argument("--out", type=Path, required=True, help="output folder (one per video inside)")
    a.add_argument("--model", type=str, default="full", help="lite, full, heavy or a .task file")
    a.add_argument("--json", action="store_true", default=False, help="print the summary as JSON")
    a.add_argument(
        "--no-video", action="store_true", default=False, help="skip the annotated video"
    )
    a.add_argument("--jobs", type=_jobs, default=2, help="videos analysed at once (default: 2)")
    a.add_argument(
        "--to-history",
        action="store_true",
        default=False,
        help="add the reps to your progress history as a practice session",
    )
    _add_camera_tilt_option(a, remembered="with --to-history")
    _add_mirrored_option(a, "each video")
    _add_rating_options(a, "stored with --to-history")
    _add_replace_option(a, "with --to-history")
    _add_settings_options(a)
    _add_db_option(a)
    a.set_defaults(func=_cmd_analyze)

    lv = sub.add_parser("live", help="coach half circles live from a camera (or a video file)")
    lv.add_argument("--camera", type=int, default=None, help="camera index (default: 0)")
    lv.add_argument(
        "--source", type=str, default=None, help="video file or stream URL instead of a camera"
    )
    lv.add_argument("--model", type=str, default="full", help="lite, full, heavy or a .task file")
    lv.add_argument(
        "--mirror",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="show the picture mirrored (default); measurements are never mirrored",
    )
    lv.add_argument(
        "--record", action="store_true", default=False, help="keep the camera's raw video"
    )
    lv.add_argument(
        "--headless", action="store_true", default=False, help="no window (needs --out)"
    )
    lv.add_argument(
        "--voice",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="speak cues, counts and guidance (default: on in a window, off with --headless)",
    )
    lv.add_argument(
        "--volume", type=float, default=None, metavar="0-1", help="loudness of the voice"
    )
    lv.add_argument(
        "--audio-out",
        type=Path,
        default=None,
        metavar="FILE.wav",
        help="write the voice into this WAV file on the video's clock instead of the speakers",
    )
    lv.add_argument(
        "--out",
        type=Path,
        default=None,
        help="session folder (default: halfcircle-sessions/DATE-TIME)",
    )
    lv.add_argument(
        "--fast",
        action="store_true",
        default=False,
        help="pose every frame of a video file, as fast as the machine allows (not paced)",
    )
    lv.add_argument(
        "--no-video", action="store_true", default=False, help="skip the annotated video"
    )
    lv.add_argument(
        "--no-history",
        action="store_true",
        default=False,
        help="leave this session out of your progress history",
    )
    _add_rating_options(lv, "with --headless; a window asks")
    _add_camera_tilt_option(lv, remembered=True)
    _add_mirrored_option(lv, "the camera's picture (or --source video)")
    _add_window_size_option(lv)
    _add_settings_options(lv)
    _add_db_option(lv)
    lv.add_argument(
        "--rebuild",
        type=Path,
        default=None,
        metavar="DIR",
        help="build the report of a recorded session folder again (after a crash)",
    )
    lv.set_defaults(func=_cmd_live)

    m = sub.add_parser("models", help="list the installed pose models, or build them")
    m.add_argument(
        "action",
        nargs="?",
        choices=("list", "build"),
        default="list",
        help="what to do",
    )
    m.add_argument(
        "variants", nargs="*", default=["heavy"], help="variants to build: lite, full, heavy"
    )
    m.add_argument(
        "--tarball", type=Path, default=None, help="@mediapipe/pose npm tarball (default: npm pack)"
    )
    m.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder for built bundles (default: $HALFCIRCLE_MODELS_DIR, else the package's)",
    )
    m.set_defaults(func=_cmd_models)

    b = sub.add_parser(
        "baseline",
        help="baseline range-of-motion tests (live, or --source VIDEO), saved to history",
    )
    b.add_argument(
        "--source",
        type=str,
        nargs="+",
        default=None,
        metavar="VIDEO",
        help="recorded assessment video(s) instead of a camera (one session)",
    )
    b.add_argument("--camera", type=int, default=None, help="camera index (default: 0)")
    b.add_argument("--model", type=str, default="full", help="lite, full, heavy or a .task file")
    b.add_argument(
        "--height-cm",
        type=_height_cm,
        default=None,
        help="your height (cm, 50-280): sharpens fingertip cm",
    )
    _add_rating_options(b, "with --source")
    _add_replace_option(b, "with --source")
    _add_camera_tilt_option(b, remembered=True)
    _add_mirrored_option(b, "each --source video")
    _add_window_size_option(b)
    _add_settings_options(b)
    _add_db_option(b)
    b.add_argument(
        "--no-save", action="store_true", default=False, help="measure only, save nothing"
    )
    b.add_argument(
        "--mirror",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="show the live picture mirrored (default)",
    )
    b.add_argument("--json", action="store_true", default=False, help="print the results as JSON")
    b.set_defaults(func=_cmd_baseline)

    se = sub.add_parser(
        "session",
        help="the guided session: assess, practise at your stage, re-assess (live, or a video)",
    )
    se.add_argument("--camera", type=int, default=None, help="camera index (default: 0)")
    se.add_argument(
        "--source", type=str, default=None, metavar="VIDEO", help="a recorded whole session"
    )
    se.add_argument(
        "--headless", action="store_true", default=False, help="no window (needs --source, --out)"
    )
    se.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="session folder (default: halfcircle-sessions/DATE-TIME)",
    )
    se.add_argument(
        "--assess",
        type=str,
        choices=("toe_touch", "side_bends", "rotation"),
        default=None,
        help="the assessment test (default: your last one, else toe_touch)",
    )
    se.add_argument(
        "--stage",
        type=str,
        choices=("side_bends", "roll_downs", "half_circle", "routine"),
        default=None,
        help="the stage to practise (default: live, the one proposed; a video, the one seen)",
    )
    se.add_argument(
        "--feels",
        type=str,
        choices=("better", "same", "worse"),
        default=None,
        help="how it felt after practice compared with before (with --headless)",
    )
    se.add_argument(
        "--pain-before", type=_pain, default=None, metavar="N", help="pain 0-10 before practice"
    )
    se.add_argument(
        "--pain-after", type=_pain, default=None, metavar="N", help="pain 0-10 after practice"
    )
    se.add_argument("--model", type=str, default="full", help="lite, full, heavy or a .task file")
    se.add_argument(
        "--no-video", action="store_true", default=False, help="skip the annotated video"
    )
    se.add_argument(
        "--no-history",
        action="store_true",
        default=False,
        help="leave this session out of your progress history",
    )
    _add_replace_option(se, "with --source")
    _add_camera_tilt_option(se, remembered=True)
    _add_mirrored_option(se, "the --source video")
    _add_settings_options(se)
    _add_db_option(se)
    se.set_defaults(func=_cmd_session)

    h = sub.add_parser("history", help="your progress: trend, plot, export, delete")
    _add_db_option(h)
    h.add_argument(
        "--plot", type=Path, default=None, metavar="DIR", help="write history.png/.html here"
    )
    h.add_argument(
        "--export", type=str, choices=("csv", "json"), default=None, help="export everything"
    )
    h.add_argument("--out", type=Path, default=None, help="file to export to")
    h.add_argument(
        "--delete-session", type=int, default=None, metavar="ID", help="delete one session (its id)"
    )
    h.add_argument("--delete-all", action="store_true", default=False, help="delete every session")
    h.add_argument("--yes", action="store_true", default=False, help="confirm --delete-all")
    h.add_argument(
        "--summary",
        type=Path,
        default=None,
        metavar="FILE.html",
        help="write one page for your physiotherapist (printable)",
    )
    h.add_argument(
        "--from", dest="start", default=None, metavar="DATE", help="first day, YYYY-MM-DD"
    )
    h.add_argument("--to", dest="end", default=None, metavar="DATE", help="last day, YYYY-MM-DD")
    h.set_defaults(func=_cmd_history)

    pl = sub.add_parser("plan", help="your routine: which days, what time, how it is used")
    _add_db_option(pl)
    pl.add_argument("--days", type=str, default=None, help="mon,wed,fri (or daily, weekdays)")
    pl.add_argument("--at", type=str, default=None, metavar="HH:MM", help="local time, 24-hour")
    pl.add_argument(
        "--use",
        type=str,
        choices=("warm-up", "cool-down", "own"),
        default=None,
        help="a warm-up, a cool-down, or a routine of its own (default: own)",
    )
    pl.add_argument(
        "--minutes",
        type=int,
        default=DEFAULT_MINUTES,
        help=f"how long a set lasts (default {DEFAULT_MINUTES})",
    )
    pl.add_argument(
        "--ics", type=Path, default=None, metavar="FILE", help="write a calendar file (reminders)"
    )
    pl.set_defaults(func=_cmd_plan)

    td = sub.add_parser("today", help="what is planned today, your streak and this week")
    _add_db_option(td)
    td.set_defaults(func=_cmd_today)

    bt = sub.add_parser("batch", help="analyse many videos on a Dask cluster into one cohort table")
    bt.add_argument("inputs", nargs="+", type=str, help="video files or folders of videos")
    bt.add_argument(
        "--out", type=Path, required=True, help="output folder: cohort.csv, cohort.html, videos/"
    )
    bt.add_argument("--model", type=str, default="full", help="lite, full, heavy or a .task file")
    bt.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes of the local cluster (default: one per core)",
    )
    bt.add_argument(
        "--scheduler",
        type=str,
        default=None,
        metavar="ADDRESS",
        help="use an existing Dask scheduler (tcp://host:8786) instead of a local cluster",
    )
    bt.add_argument(
        "--no-video", action="store_true", default=False, help="skip the annotated videos"
    )
    _add_camera_tilt_option(bt)
    _add_mirrored_option(bt, "every video")
    _add_settings_options(bt)
    bt.add_argument(
        "--quiet", action="store_true", default=False, help="no progress bar or summary"
    )
    bt.set_defaults(func=_cmd_batch)

    c = sub.add_parser(
        "config", help="check a settings file and print the settings in effect, or the defaults"
    )
    c.add_argument(
        "--print-defaults",
        action="store_true",
        default=False,
        help="print every setting with its default, commented, as a file to start from",
    )
    _add_settings_options(c)
    c.set_defaults(func=_cmd_config)
    return parser


def _has_screen() -> bool:
    """Whether a window can be shown (on Linux: a display to show it on)."""
    return not sys.platform.startswith("linux") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    With no arguments, in a terminal with a screen, it opens the guided session.
    """
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv and sys.stdin.isatty() and _has_screen():  # the home user's entry point
        argv = ["session"]
    try:
        args = parser.parse_args(argv)
    except HalfcircleError as err:  # an option refused in a sentence of its own (exit 2)
        print(f"halfcircle: {err}", file=sys.stderr)
        return err.exit_code
    try:
        if args.func not in (_cmd_history, _cmd_config, _cmd_models, _cmd_plan, _cmd_today):
            _quiet_opencv()
        return int(args.func(args))
    except HalfcircleError as err:
        print(f"halfcircle: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("halfcircle: stopped with Ctrl-C.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ImportError as err:
        message = missing_library_message(err)
        if message is None:
            raise
        print(f"halfcircle: {message}", file=sys.stderr)
        return 1
    except sqlite3.Error as err:  # a history that failed after it opened (damaged pages)
        print(f"halfcircle: the history database could not be read: {err}.", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader of our output went away (`halfcircle history | head`): stop
        # quietly, and keep Python from complaining when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as err:
        where = f" ({err.filename})" if err.filename else ""
        print(
            f"halfcircle: could not read or write a file{where}: {error_reason(err)}.",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
