"""`halfcircle baseline`: the baseline tests, guided live or from a recording."""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from halfcircle.errors import InputError

if TYPE_CHECKING:
    from halfcircle.coaching.baseline import BaselineRun
    from halfcircle.config import Settings
    from halfcircle.live.guided_baseline import GuidedResult, Ratings
from halfcircle.cli.options import (
    EXIT_INTERRUPTED,
    EXIT_NOTHING_MEASURED,
    Subparsers,
    _add_camera_tilt_option,
    _add_db_option,
    _add_mirrored_option,
    _add_rating_options,
    _add_replace_option,
    _add_settings_options,
    _add_window_size_option,
    _camera_tilt_of,
    _height_cm,
    _require_videos,
    _settings_of,
)
from halfcircle.files import json_safe, replace_text
from halfcircle.io.videodate import recorded_at


@dataclass
class _Measured:
    """What the baseline tests measured, and how the person rated them."""

    run: BaselineRun
    source: str
    feels: str | None
    pain: int | None
    ratings: Ratings = field(default_factory=dict)
    started_at: str | None = None  # None: now
    pitches: list[dict[str, Any]] = field(default_factory=list)
    stopped: GuidedResult | None = None
    #: What the guided baseline said into ``--audio-out``: ``{"time_s", "text"}``.
    spoken: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Saved:
    """What became of the results in the history."""

    session_id: int | None = None
    where: Path | None = None
    compared: list[str] = field(default_factory=list)
    compared_with: int | None = None
    compared_when: str = ""
    advice: str | None = None
    same: str | None = None  # the sentence when this recording is there already
    not_saved: str | None = None  # why the history could not take the results


def _tilt_used(tilt: float | None, pitches: list[dict[str, Any]]) -> float | None:
    """The camera tilt the tests were read with (deg down).

    The recordings' own when told from the picture (None when they differ: each is in
    ``camera_pitch``), else ``tilt``.
    """
    if not pitches:
        return tilt
    used = {p.get("camera_tilt_deg") for p in pitches}
    return used.pop() if len(used) == 1 else None


def _cmd_baseline(args: argparse.Namespace) -> int:
    if args.source is not None and args.camera is not None:
        raise InputError("Give either --camera or --source, not both.")
    if args.source is not None and (args.voice or args.audio_out is not None):
        raise InputError(
            "--voice and --audio-out speak the guided baseline's prompts: "
            "they go with the camera, not --source."
        )
    if args.audio_out is not None and args.audio_out.suffix.lower() != ".wav":
        raise InputError(
            f"--audio-out writes a WAV file: give a name ending in .wav, not {args.audio_out.name}."
        )
    settings = _settings_of(args)
    _require_videos(args.source or [])
    tilt, how, note = _camera_tilt_of(args, remembered=not args.no_save)
    from_picture = how == "picture"  # recordings tell it from the picture where they can
    if note and not from_picture:
        print(note, file=sys.stderr if args.json else sys.stdout)
    if args.source is None:
        measured = _measure_live(args, None if from_picture else tilt, settings)
    else:
        got = _measure_recordings(args, tilt, from_picture, settings)
        if got is None:
            print("halfcircle: stopped with Ctrl-C; nothing was saved.", file=sys.stderr)
            return EXIT_INTERRUPTED
        measured = got
    run = measured.run
    saved = _Saved()
    if run.results and not args.no_save:
        # lazy: loads scipy
        from halfcircle.history.rows import baseline_pitch, tilt_to_keep

        pitch = baseline_pitch(measured.pitches, how)
        saved = _save_baseline(args, measured, tilt_to_keep(tilt, how), pitch, settings)
    data = {
        "view": run.view,
        "azimuth_deg": round(run.azimuth_deg, 1),
        "camera_tilt_deg": _tilt_used(tilt, measured.pitches),
        **({"camera_pitch": measured.pitches} if measured.pitches else {}),
        "results": [r.to_dict() for r in run.results],
        "missing": run.missing(),
        "notes": list(run.notes),
        "session_id": saved.session_id,
        "compared": saved.compared,
        "compared_with": saved.compared_with,
        "pain_advice": saved.advice,
        **({"spoken": measured.spoken} if measured.spoken else {}),
    }
    kept: Path | None = None
    if saved.not_saved is not None:
        kept = _keep_unsaved_baseline(_unsaved(args, data, measured, saved.not_saved, settings))
        data["not_saved"] = saved.not_saved
        data["kept_in"] = str(kept)
    _say_baseline(args, data, run, saved)
    if saved.not_saved is not None:
        print(f"halfcircle: {saved.not_saved} The results are kept in {kept}.", file=sys.stderr)
    stopped = measured.stopped
    if stopped is not None and stopped.message:
        print(f"halfcircle: {stopped.message}", file=sys.stderr)
        return stopped.error.exit_code if stopped.error is not None else EXIT_INTERRUPTED
    if saved.not_saved is not None:
        return 1
    return 0 if run.results else EXIT_NOTHING_MEASURED


def _measure_live(args: argparse.Namespace, tilt: float | None, settings: Settings) -> _Measured:
    """The guided baseline in the window, with the pain of the last session to start from.

    ``tilt`` None: none was given or remembered, and the picture tells it at the
    calibration stance (said, and kept as the measure's ``camera_pitch``).
    """
    # lazy: loads scipy
    from halfcircle.history.store import History, HistoryError

    pain_before = None
    if not args.no_save and History(args.db).path.exists():
        try:
            with History(args.db) as history:
                pain_before = history.last_pain()
        except (HistoryError, sqlite3.Error):
            pain_before = None  # an unusable history is reported where it is written
    stopped, spoken = _guided_with_voice(args, tilt, settings, pain_before)
    if stopped.camera_pitch is not None:
        # lazy: loads PIL, cv2, matplotlib, mediapipe, scipy, sounddevice
        from halfcircle.analyze.video import PITCH_UNTOLD_NOTE, camera_tilt_phrase

        told = camera_tilt_phrase({"camera_pitch": stopped.camera_pitch})
        if stopped.camera_pitch["how"] == "assumed level":
            told += f". {PITCH_UNTOLD_NOTE.rstrip('.')}"
        print(f"{told[0].upper()}{told[1:]}.", file=sys.stderr if args.json else sys.stdout)
    feels, pain = stopped.ratings.get(None, (args.feels, args.pain))
    return _Measured(
        stopped.run,
        f"camera {args.camera or 0}",
        feels,
        pain,
        ratings=stopped.ratings,
        pitches=[{"video": f"camera {args.camera or 0}", **stopped.camera_pitch}]
        if stopped.camera_pitch is not None
        else [],
        stopped=stopped,
        spoken=spoken,
    )


def _measure_recordings(
    args: argparse.Namespace, tilt: float, from_picture: bool, settings: Settings
) -> _Measured | None:
    """The baseline tests in the recordings, joined; None when stopped with Ctrl-C.

    With ``from_picture`` each recording's camera pitch is told from its picture
    (:func:`halfcircle.analyze.video.picture_tilt`) and said.
    """
    from tqdm import tqdm

    # lazy: loads PIL, cv2, matplotlib, mediapipe, scipy, sounddevice
    from halfcircle.analyze.video import camera_tilt_phrase, extract_poses, picture_tilt

    # lazy: loads scipy
    from halfcircle.coaching.baseline import baseline_from_poses, merge_runs

    # lazy: loads cv2
    from halfcircle.io.capture import open_source
    from halfcircle.nativelog import TerminalStream

    runs, pitches = [], []
    for video in args.source:
        with open_source(video) as src:
            total = src.frame_count
        with tqdm(
            total=total,
            unit="frame",
            desc=f"pose {Path(video).name}",
            disable=args.json or None,
            file=TerminalStream(),
        ) as bar:
            poses, interrupted = extract_poses(
                video, args.model, bar.update, pose=settings.pose, mirrored=args.mirrored
            )
        if interrupted:
            return None
        used = tilt
        if from_picture:
            used, pitch, said = picture_tilt(poses, video, settings)
            pitches.append({"video": str(video), **pitch})
            told = camera_tilt_phrase({"camera_pitch": pitch})
            for line in (f"{Path(video).name}: {told}.", said):
                if line:
                    print(line, file=sys.stderr if args.json else sys.stdout)
        runs.append(baseline_from_poses(poses, args.height_cm, settings, camera_tilt_deg=used))
    # dated by when it was recorded, as analyze --to-history dates a practice
    started_at = min(recorded_at(Path(v))[0] for v in args.source)
    return _Measured(
        merge_runs(runs),
        ", ".join(str(v) for v in args.source),
        args.feels,
        args.pain,
        started_at=started_at.isoformat(timespec="seconds"),
        pitches=pitches,
    )


def _save_baseline(
    args: argparse.Namespace,
    measured: _Measured,
    tilt: float | None,
    camera_pitch: dict[str, Any],
    settings: Settings,
) -> _Saved:
    """Add the results to the history (once per recording) and compare them with before.

    ``tilt``: the camera tilt to keep with the session (None when it was told from the
    picture, so that a later session asks the picture again); ``camera_pitch``: how it
    was obtained (:func:`halfcircle.history.rows.baseline_pitch`).
    """
    # lazy: loads scipy
    from halfcircle.config import settings_diff

    # lazy: loads scipy
    from halfcircle.history.compare import baseline_before, compare

    # lazy: loads scipy
    from halfcircle.history.pain import pain_advice

    # lazy: loads scipy
    from halfcircle.history.progress import local_time

    # lazy: loads scipy
    from halfcircle.history.store import History, HistoryError, recording_digests, same_recording

    saved = _Saved()
    digests = None
    try:
        if args.source is not None and measured.started_at is not None:
            # each file's too: a file of a multi-file baseline given alone is in already
            digests = recording_digests(args.source)
            saved.same = same_recording(
                args.db, digests, measured.started_at, measured.source, args.replace
            )
        if saved.same is not None:
            return saved
        with History(args.db) as history:
            try:
                saved.session_id = sid = history.record_baseline(
                    measured.run.results,
                    feels=measured.feels,
                    pain=measured.pain,
                    started_at=measured.started_at,
                    source=measured.source,
                    height_cm=args.height_cm,
                    test_ratings={k: v for k, v in measured.ratings.items() if k is not None},
                    camera_tilt_deg=tilt,
                    settings=settings_diff(settings),
                    camera_pitch=camera_pitch,
                )
                if digests is not None:
                    history.note_recording(sid, digests)
                saved.compared = compare(history, sid)
                saved.compared_with = before = baseline_before(history, sid)
                if before is not None:
                    then = next(s for s in history.sessions() if s["id"] == before)
                    saved.compared_when = f"{local_time(then['started_at'])} (session {before})"
                saved.advice = pain_advice(history, sid)
                saved.where = history.path
            except sqlite3.Error as err:
                raise history.plain_error(err, "read") from err
    except HistoryError as err:
        saved.not_saved = str(err)
    except sqlite3.Error as err:  # met while looking for the same recording
        saved.not_saved = History(args.db).plain_error(err, "read").args[0]
    return saved


def _unsaved(
    args: argparse.Namespace,
    data: dict[str, Any],
    measured: _Measured,
    not_saved: str,
    settings: Settings,
) -> dict[str, Any]:
    """What is kept in a file when the history cannot take the results."""
    # lazy: loads scipy
    from halfcircle.config import settings_diff

    return {
        **data,
        "started_at": measured.started_at,
        "source": measured.source,
        "feels": measured.feels,
        "pain": measured.pain,
        "height_cm": args.height_cm,
        "ratings": {k: list(v) for k, v in measured.ratings.items() if k is not None},
        "settings": settings_diff(settings),
        "not_saved": not_saved,
    }


def _say_baseline(
    args: argparse.Namespace, data: dict[str, Any], run: BaselineRun, saved: _Saved
) -> None:
    """Print the results (as JSON with ``--json``), the comparison and the advice."""
    import json

    # lazy: loads scipy
    from halfcircle.coaching.baseline import format_result

    # lazy: loads numpy
    from halfcircle.kinematics.view import view_words

    aside = sys.stderr if args.json else sys.stdout
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        several = args.source is not None and len(args.source) > 1
        if several:
            print("Baseline:")
        else:
            # the view as analyze names it; the azimuth (where the camera stands around the
            # person) read as "camera at 3 deg" beside "camera about 6 deg down"
            print(f"Baseline ({view_words(run.view)}):")
        for r in run.results:
            print("  " + format_result(r) + (f" [{r.view} view]" if several else ""))
        if run.missing():
            print("Not found in this recording: " + ", ".join(run.missing()).replace("_", " "))
        for note in run.notes:
            print(note)
        if saved.compared:
            print(f"Compared with your baseline of {saved.compared_when}:")
            for line in saved.compared:
                print(f"  {line}")
        if saved.session_id is not None:
            print(f"Saved as session {saved.session_id} in {saved.where}.")
    if saved.advice:
        print(saved.advice, file=aside)
    if saved.same is not None:
        print(saved.same, file=aside)


def _keep_unsaved_baseline(data: dict[str, object]) -> Path:
    """Write baseline results the history could not take into a JSON file; its path.

    The file goes into the current folder (``halfcircle-baseline-<UTC time>.json``),
    or the temporary folder when that cannot be written.
    """
    import json
    import tempfile
    from datetime import datetime, timezone

    # lazy: loads scipy
    from halfcircle.history.store import HistoryError

    name = f"halfcircle-baseline-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.json"
    text = json.dumps(json_safe(data), indent=2) + "\n"
    for folder in (Path.cwd(), Path(tempfile.gettempdir())):
        path = folder / name
        try:
            replace_text(path, text)
            return path.resolve()
        except OSError:
            continue
    raise HistoryError(
        "The results could not be saved to the history, nor kept in a file in the current "
        "or the temporary folder."
    )


def _guided_with_voice(
    args: argparse.Namespace, tilt: float | None, settings: Settings, pain_before: int | None
) -> tuple[GuidedResult, list[dict[str, Any]]]:
    """The guided baseline, its prompts spoken (speakers or ``--audio-out``); what was said."""
    # lazy: loads PIL, cv2, matplotlib, mediapipe, scipy, sounddevice
    import halfcircle.live.guided_baseline as guided

    # lazy: loads PIL, cv2, matplotlib, mediapipe, scipy, sounddevice
    from halfcircle.live.run import open_voice_output

    # the screen first: without one, that is the one sentence said, not the voice's
    ui = guided.WindowUI("halfcircle baseline", no_screen=guided.NO_SCREEN, size=args.window_size)
    voice = None
    if args.voice is not False or args.audio_out is not None:
        voice, _wav, problem = open_voice_output(settings.voice, time.monotonic, args.audio_out)
        if problem:
            print(f"halfcircle: {problem}", file=sys.stderr)
    try:
        result = guided.run_guided_baseline(
            args.camera or 0,
            args.model,
            args.height_cm,
            mirror=args.mirror,
            camera_tilt_deg=tilt,
            settings=settings,
            pain_before=pain_before,
            voice=voice,
            ui=ui,
        )
    finally:
        if voice is not None:
            voice.close()
    said = voice.drain_spoken() if voice is not None and args.audio_out is not None else []
    return result, [{"time_s": round(t, 3), "text": text} for t, text in said]


def add_baseline_parser(sub: Subparsers) -> None:
    """The ``baseline`` subcommand and its options."""
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
    b.add_argument(
        "--voice",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="speak the prompts and questions of the guided baseline (default: on)",
    )
    b.add_argument(
        "--audio-out",
        type=Path,
        default=None,
        metavar="FILE.wav",
        help="write the guided baseline's voice into this WAV file instead of the speakers",
    )
    b.add_argument("--json", action="store_true", default=False, help="print the results as JSON")
    b.set_defaults(func=_cmd_baseline)
