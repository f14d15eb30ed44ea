"""`halfcircle session`: the guided session, in the window or over a recording."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from halfcircle.errors import HalfcircleError, InputError, error_reason

if TYPE_CHECKING:
    from halfcircle.analyze.guided_session import GuidedSession
    from halfcircle.config import Settings
from halfcircle.cli.options import (
    EXIT_INTERRUPTED,
    EXIT_NOTHING_MEASURED,
    Subparsers,
    _add_camera_tilt_option,
    _add_db_option,
    _add_mirrored_option,
    _add_replace_option,
    _add_settings_options,
    _camera_tilt_of,
    _history_db,
    _pain,
    _require_videos,
    _settings_of,
)
from halfcircle.coaching.painmodel import SEE_CLINICIAN, PainRating
from halfcircle.coaching.redflags import ADVICE
from halfcircle.coaching.stages import STAGES, SetPlan, next_set, proposed_stage
from halfcircle.files import check_output_folder, replace_text
from halfcircle.io.videodate import recorded_at


def _cmd_session(args: argparse.Namespace) -> int:
    """The guided session: live in a window, or ``--headless`` over a recording of one."""
    if args.camera is not None and args.source is not None:
        raise InputError("Give either --camera or --source, not both.")
    if args.headless and (args.source is None or args.out is None):
        raise InputError("--headless needs --source VIDEO and --out DIR: the recording and "
                         "where its results are written.")  # fmt: skip
    rated = (args.feels, args.pain_before, args.pain_after)
    if not args.headless and any(r is not None for r in rated):
        raise InputError(
            "--feels, --pain-before and --pain-after are for --headless runs: the window asks."
        )
    settings = _settings_of(args)
    _require_videos([args.source] if args.source is not None else [])
    if args.out is not None:
        check_output_folder(args.out)
    tilt, how, note = _camera_tilt_of(args, remembered=not args.no_history)
    if note and how != "picture":
        print(note)
    # lazy: loads scipy
    from halfcircle.history.rows import tilt_to_keep

    given = tilt_to_keep(tilt, how)  # None: the picture tells it, and none is kept
    if not args.headless:
        return _session_in_window(args, settings, given)
    from tqdm import tqdm

    # lazy: loads PIL, cv2, matplotlib, mediapipe, scipy, sounddevice
    from halfcircle.analyze.guided_session import measure_guided_session

    # lazy: loads PIL, cv2, matplotlib, mediapipe, scipy, sounddevice
    from halfcircle.analyze.video import extract_poses

    # lazy: loads cv2
    from halfcircle.io.capture import open_source
    from halfcircle.nativelog import TerminalStream

    with open_source(args.source) as src:
        total = src.frame_count
    with tqdm(
        total=total,
        unit="frame",
        desc=f"pose {Path(args.source).name}",
        disable=None,  # shown on a terminal only, never into a log
        file=TerminalStream(),
    ) as bar:
        poses, interrupted = extract_poses(
            args.source, args.model, bar.update, pose=settings.pose, mirrored=args.mirrored
        )
    session = measure_guided_session(
        poses,
        args.assess or "toe_touch",
        model=args.model,
        interrupted=interrupted,
        stage=args.stage,
        feels=args.feels,
        pain=PainRating(args.pain_before, args.pain_after),
        camera_tilt_deg=given,
        settings=settings,
        camera_pitch=None if given is None else {"how": how, "camera_tilt_deg": tilt},
        video=args.source,
    )
    return _finish_session(args, session, args.out, settings, given, stop_message="")


def _finish_session(
    args: argparse.Namespace,
    session: GuidedSession,
    out: Path,
    settings: Settings,
    tilt: float | None,
    stop_message: str,
    error: HalfcircleError | None = None,
) -> int:
    """Write a guided session's files, save it to the history, say the result; the exit code.

    A run stopped early (``stop_message``, or Ctrl-C while reading a recording) keeps and
    saves the parts done.
    """
    # lazy: loads PIL, cv2, matplotlib, mediapipe, scipy, sounddevice
    from halfcircle.analyze.guided_session import SESSION_FILE, write_session_json

    # lazy: loads PIL, cv2, matplotlib, mediapipe, scipy, sounddevice
    from halfcircle.analyze.video import camera_tilt_phrase, summary_dict

    # lazy: loads scipy
    from halfcircle.config import settings_diff

    # lazy: loads scipy
    from halfcircle.history.guided import record_guided_session

    # lazy: loads scipy
    from halfcircle.history.pain import session_pain_decision

    # lazy: loads scipy
    from halfcircle.history.store import History, HistoryError, recording_digest, same_recording

    # lazy: loads PIL, cv2, matplotlib, mediapipe, scipy, sounddevice
    from halfcircle.present.outputs import write_outputs

    # lazy: loads PIL, cv2, matplotlib, mediapipe, scipy, sounddevice
    from halfcircle.present.report import with_section

    stopped = stop_message or (
        "Stopped with Ctrl-C; the parts of the session done until then are kept."
        if session.interrupted
        else ""
    )
    heading = f"Assessment ({session.test.replace('_', ' ')}), before and after practice:"
    said = session.sentences() + [s for s in [session.practice_sentence] if s]
    unwritten = None
    try:
        paths = write_outputs(session.analysis, out, annotate=not args.no_video and not stopped)
        page = paths["report"].read_text(encoding="utf-8")
        replace_text(paths["report"], with_section(page, "Your session", [heading, *said]))
    except OSError as err:  # the session's own file and the history still count
        unwritten = f"Not every report file could be written to {out} ({error_reason(err)})."
    write_session_json(session, out)
    camera = camera_tilt_phrase(summary_dict(session.analysis))
    if camera:
        print(f"{camera[0].upper()}{camera[1:]}.")
    print(heading)
    for line in session.sentences():
        print(f"  {line}")
    if session.practice_sentence is not None:
        print(session.practice_sentence)
    for note in session.notes:
        print(note)
    measured = bool(session.split.before or session.reps)
    if measured and not args.no_history:
        source = str(args.source) if args.source is not None else f"camera {args.camera or 0}"
        started_at = None
        digest = same = None
        if args.source is not None and "://" not in str(args.source):
            started_at = recorded_at(Path(args.source))[0].isoformat(timespec="seconds")
            digest = recording_digest([args.source])
        try:
            if digest is not None and started_at is not None:
                same = same_recording(args.db, digest, started_at, source, args.replace)
            if same is not None:
                print(same)
            else:
                with History(_history_db(args)) as history:
                    sid = record_guided_session(
                        history,
                        session.test,
                        session.split.before,
                        session.split.after,
                        session.reps,
                        session.stage,
                        feels=session.feels,
                        pain=(session.pain.before, session.pain.after),
                        started_at=started_at,
                        source=source,
                        camera_tilt_deg=tilt,
                        settings=settings_diff(settings),
                        camera_pitch=session.analysis.camera_pitch,
                    )
                    if digest is not None:
                        history.note_recording(sid, digest)
                    advice = session_pain_decision(history, sid)
                    where = history.path
                print(f"Saved as session {sid} in {where}.")
                if advice is not None and advice.action == "see a clinician":
                    print(advice.sentence)
        except (HistoryError, sqlite3.Error) as err:
            unwritten = (f"Your progress history could not be updated ({str(err).rstrip('.')}); "
                         f"the results are in {out}/.")  # fmt: skip
    print(f"Results in {out}/ ({SESSION_FILE}; open report.html).")
    if unwritten is not None:
        print(f"halfcircle: {unwritten}", file=sys.stderr)
    if stopped:
        print(f"halfcircle: {stopped}", file=sys.stderr)
        return error.exit_code if error is not None else EXIT_INTERRUPTED
    if unwritten is not None:
        return 1
    return 0 if measured else EXIT_NOTHING_MEASURED


def _session_in_window(args: argparse.Namespace, settings: Settings, tilt: float | None) -> int:
    """The guided session in the live window: the test and stage remembered or proposed."""
    import time

    # lazy: loads scipy
    from halfcircle.coaching.guided import TARGETED, next_session_target

    # lazy: loads scipy
    from halfcircle.history.guided import guided_sessions, last_assessment, last_guided_practice

    # lazy: loads scipy
    from halfcircle.history.pain import latest_pain_decision

    # lazy: loads scipy
    from halfcircle.history.store import History, HistoryError

    # lazy: loads PIL, cv2, matplotlib, mediapipe, scipy, sounddevice
    from halfcircle.live.guided_session import GuidedSessionFlow, open_voice, run_guided_session

    # lazy: loads PIL, cv2, matplotlib, mediapipe, scipy, sounddevice
    from halfcircle.live.run import default_out_dir

    test, stage, first_run = args.assess, args.stage, True
    targets: dict[str, float] = {}
    decision = None
    if not args.no_history and _history_db(args).exists():
        try:
            with History(_history_db(args)) as history:
                first_run = not history.sessions()
                test = test or last_assessment(history)
                stage = stage or proposed_stage(guided_sessions(history))
                for drill in TARGETED:
                    last = last_guided_practice(history, drill)
                    target = next_session_target(drill, *last) if last is not None else None
                    if target is not None:
                        targets[drill] = target
                decision = latest_pain_decision(history)
        except (HistoryError, sqlite3.Error):
            pass  # an unusable history is reported where the session is saved
    # the last session's pain asked to ease off (or to see a clinician first, said
    # here again): this set has fewer, slower reps
    if decision is not None and decision.action == SEE_CLINICIAN:
        print(decision.sentence)
    plan = next_set(SetPlan(), decision)
    flow = GuidedSessionFlow(
        test or "toe_touch",
        stage or STAGES[0],
        plan=plan,
        first_run=first_run,
        targets=targets,
        eased=plan != SetPlan(),
    )
    voice, problem = open_voice(settings, time.monotonic) if args.voice else (None, "")
    if problem:
        print(f"halfcircle: {problem}", file=sys.stderr)
    try:
        result = run_guided_session(
            args.source if args.source is not None else (args.camera or 0),
            args.model,
            flow,
            voice=voice,
            camera_tilt_deg=tilt,
            settings=settings,
            mirrored=args.mirrored,
        )
    finally:
        if voice is not None:
            voice.close()
    if result.session is None:
        if result.stop == "red_flag":
            print(ADVICE)
            return 0
        print(
            "halfcircle: the session ended before the questions were through, so nothing "
            "was measured or saved.",
            file=sys.stderr,
        )
        if result.error is not None:
            return result.error.exit_code
        return EXIT_INTERRUPTED if result.stop == "interrupted" else EXIT_NOTHING_MEASURED
    out = args.out if args.out is not None else default_out_dir()
    session = result.session
    if tilt is not None and args.camera_tilt is None:  # remembered, not given: said so
        from dataclasses import replace

        pitch = {"how": "remembered", "camera_tilt_deg": tilt}
        session = replace(session, analysis=replace(session.analysis, camera_pitch=pitch))
    return _finish_session(args, session, out, settings, tilt, result.message, result.error)


def add_session_parser(sub: Subparsers) -> None:
    """The ``session`` subcommand and its options."""
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
    se.add_argument(
        "--voice",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="speak the prompts and the result in the window (default: on)",
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
