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

from halfcircle import __version__
from halfcircle.cli.analyze import add_analyze_parser, add_pose_parser
from halfcircle.cli.baseline import add_baseline_parser
from halfcircle.cli.batch import add_batch_parser
from halfcircle.cli.config import _cmd_config, add_config_parser
from halfcircle.cli.history import (
    _cmd_history,
    _cmd_plan,
    _cmd_today,
    add_history_parser,
    add_plan_parser,
    add_today_parser,
)
from halfcircle.cli.live import add_live_parser
from halfcircle.cli.models import _cmd_models, add_models_parser
from halfcircle.cli.options import (
    EXIT_INTERRUPTED,
    _quiet_opencv,
    missing_library_message,
)
from halfcircle.cli.session import add_session_parser
from halfcircle.errors import HalfcircleError, error_reason


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``halfcircle`` command."""
    parser = argparse.ArgumentParser(
        prog="halfcircle",
        description="Coach and measure the wall-supported lumbar half circle.",
    )
    parser.add_argument("--version", action="version", version=f"halfcircle {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    add_pose_parser(sub)
    add_analyze_parser(sub)
    add_live_parser(sub)
    add_models_parser(sub)
    add_baseline_parser(sub)
    add_session_parser(sub)
    add_history_parser(sub)
    add_plan_parser(sub)
    add_today_parser(sub)
    add_batch_parser(sub)
    add_config_parser(sub)
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
