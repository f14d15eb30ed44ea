"""`halfcircle live`: live coaching from a camera or a video file."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from halfcircle.cli.options import (
    EXIT_INTERRUPTED,
    EXIT_NOTHING_MEASURED,
    Subparsers,
    _add_camera_tilt_option,
    _add_db_option,
    _add_mirrored_option,
    _add_rating_options,
    _add_settings_options,
    _add_window_size_option,
    _camera_tilt_of,
    _history_db,
    _require_videos,
    _settings_of,
)
from halfcircle.errors import InputError
from halfcircle.files import check_output_folder

if TYPE_CHECKING:
    from halfcircle.live.run import LiveResult


def _cmd_live(args: argparse.Namespace) -> int:
    # lazy: loads PIL, cv2, matplotlib, mediapipe, scipy, sounddevice
    from halfcircle.live.options import LiveOptions, Rating

    # lazy: loads PIL, cv2, matplotlib, mediapipe, scipy, sounddevice
    from halfcircle.live.run import default_out_dir, run_live

    if args.rebuild is not None:
        return _rebuild(args)
    if args.camera is not None and args.source is not None:
        raise InputError("Give either --camera or --source, not both.")
    if args.headless and args.out is None:
        raise InputError("--headless needs --out DIR: where the session is written.")
    settings = _settings_of(args)
    if args.volume is not None:
        if not 0.0 <= args.volume <= 1.0:  # nan fails too
            raise InputError(f"--volume takes 0 (silent) to 1 (full), not {args.volume:g}.")
        settings = replace(settings, voice=replace(settings.voice, volume=args.volume))
    if args.audio_out is not None and args.audio_out.suffix.lower() != ".wav":
        raise InputError(
            f"--audio-out writes a WAV file: give a name ending in .wav, not {args.audio_out.name}."
        )
    source: str | int = args.source if args.source is not None else (args.camera or 0)
    out: Path = args.out if args.out is not None else default_out_dir()
    a_file = args.source is not None and "://" not in args.source
    _require_videos([args.source] if args.source is not None else [])
    if args.out is not None:  # said before the camera opens, not after the session
        check_output_folder(args.out)
    if args.record and a_file:
        print("--record keeps a camera's or a stream's video; a file source is kept as it is.")
    tilt, how, note = _camera_tilt_of(args, remembered=not args.no_history)
    if note and how != "picture":
        print(note)
    rating = None
    if args.feels is not None or args.pain is not None:
        if not args.headless:
            raise InputError("--feels and --pain are for --headless runs: the window asks.")
        rating = Rating(args.feels, args.pain)
    opts = LiveOptions(
        source=source,
        out_dir=out,
        model=args.model,
        mirror=args.mirror,
        record=args.record,
        headless=args.headless,
        fast=args.fast,
        annotate=not args.no_video,
        history_db=None if args.no_history else _history_db(args),
        camera_tilt_deg=tilt,
        settings=settings,
        rating=rating,
        voice=args.voice if args.voice is not None else not args.headless,
        audio_out=args.audio_out,
        mirrored=args.mirrored,
        window_size=args.window_size,
        tilt_how=how,
    )
    return _say_result(run_live(opts), out)


def _rebuild(args: argparse.Namespace) -> int:
    """``live --rebuild DIR``: the report again from a session's crash-safe record."""
    # lazy: loads PIL, cv2, matplotlib, mediapipe, scipy, sounddevice
    from halfcircle.analyze.video import text_summary

    # lazy: loads PIL, cv2, matplotlib, mediapipe, scipy, sounddevice
    from halfcircle.live.rebuild import rebuild_report

    if args.config is not None or args.set:
        raise InputError(
            "--rebuild uses the settings the session was recorded with (in its "
            "session.json): leave out --config and --set."
        )
    analysis, paths = rebuild_report(args.rebuild, annotate=not args.no_video)
    print(text_summary(analysis))
    print(f"Report rebuilt in {args.rebuild}/ (open report.html).")
    video = analysis.poses.source
    if not args.no_video and "video" not in paths:
        why = (
            f"The video {video} is not there any more"
            if video
            else "The session kept no video (a camera without --record)"
        )
        old = (args.rebuild / "annotated.mp4").exists()
        print(
            f"{why}, so the report has no annotated video"
            + ("; the annotated.mp4 beside it is the one from before." if old else ".")
        )
    return 0 if analysis.measured else EXIT_NOTHING_MEASURED


def _say_result(result: LiveResult, out: Path) -> int:
    """Print what the session measured and where it is kept; its exit code."""
    # lazy: loads PIL, cv2, matplotlib, mediapipe, scipy, sounddevice
    from halfcircle.analyze.video import text_summary

    st = result.stats
    if st.captured:
        print(st.frames_line())
    if result.analysis is not None:
        print(text_summary(result.analysis))
    for line in result.progress:
        print(line)
    if result.advice:
        print(result.advice)
    if "report" in result.paths:
        print(f"Session saved in {out}/ (open report.html).")
    else:
        print(f"Session record kept in {out}/.")
    if result.message:
        print(f"halfcircle: {result.message}", file=sys.stderr)
    if result.stop == "interrupted":
        return EXIT_INTERRUPTED
    if result.error is not None:  # camera lost, or the record or report not written
        return result.error.exit_code
    if result.analysis is not None and not result.analysis.measured:
        return EXIT_NOTHING_MEASURED
    return 0


def add_live_parser(sub: Subparsers) -> None:
    """The ``live`` subcommand and its options."""
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
