"""`halfcircle analyze` (one video or many, in parallel) and `halfcircle pose`."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from halfcircle.errors import HalfcircleError, InputError, error_reason

if TYPE_CHECKING:
    from halfcircle.analyze.video import Analysis, StatedHow
    from halfcircle.config import Settings
from halfcircle.api import add_to_history
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
    _Bars,
    _camera_tilt_of,
    _history_db,
    _jobs,
    _QueueBars,
    _quiet_opencv,
    _require_videos,
    _settings_of,
)
from halfcircle.files import check_output_folder
from halfcircle.io.videowriter import VideoWriteError
from halfcircle.landmarks import PoseFrame, PoseSequence
from halfcircle.words import NO_PERSON


def _cmd_pose(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    # lazy: loads PIL, cv2, matplotlib, mediapipe, scipy, sounddevice
    from halfcircle.analyze.posefile import PoseCsvWriter, iter_poses

    # lazy: loads cv2
    from halfcircle.io.capture import open_source
    from halfcircle.nativelog import TerminalStream

    # lazy: loads PIL, cv2, matplotlib, mediapipe, sounddevice
    from halfcircle.pose import video_pose_stage

    out: Path = args.out
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".npz"):
        raise InputError(f"The output file must end in .csv or .npz, got {out.name}.")
    if not out.parent.exists():
        raise InputError(f"The folder {out.parent} does not exist.")

    frames: list[PoseFrame] = []
    interrupted = False
    with ExitStack() as stack:
        source = stack.enter_context(open_source(args.video))
        estimator = video_pose_stage(args.model)
        stack.callback(estimator.close)
        writer = stack.enter_context(PoseCsvWriter(out)) if suffix == ".csv" else None
        size, fps = source.size, source.fps
        bar = stack.enter_context(
            tqdm(
                total=source.frame_count,
                unit="frame",
                desc="pose",
                disable=args.quiet or None,
                file=TerminalStream(),
            )
        )
        try:
            for frame, pose in iter_poses(source, estimator):
                frames.append(pose)
                if writer is not None:
                    writer.write(frame.index, pose)
                bar.update(1)
        except KeyboardInterrupt:
            interrupted = True
    seq = PoseSequence.from_frames(frames, size, fps, source=str(args.video))
    if suffix == ".npz":
        seq.save_npz(out)
    n_detected = int(seq.detected.sum())
    others = int((seq.n_people > 1).sum())
    print(f"{len(seq)} frames, a person found in {n_detected}; poses written to {out}.")
    if others:
        print(f"Someone else was in view in {others} frames; the tracked person was kept.")
    if n_detected == 0 and len(seq) > 0:
        print(NO_PERSON)
    if interrupted:
        print("Stopped with Ctrl-C; the frames measured so far were kept.", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_NOTHING_MEASURED if n_detected == 0 else 0


def _analyze_one(
    video: Path,
    out: Path,
    model: str,
    annotate: bool,
    as_json: bool,
    history_db: Path | None = None,
    camera_tilt_deg: float | None = 0.0,
    settings: Settings | None = None,
    bars: _Bars | None = None,
    rating: tuple[str | None, int | None] | None = None,
    replace: bool = False,
    mirrored: bool = False,
    tilt_how: StatedHow = "given",
) -> tuple[int, str]:
    """Analyse one video into ``out``; returns the exit code and the text to print.

    With ``as_json`` the text is the summary as JSON and no progress bar is shown.
    ``bars`` shows the progress of each stage (by default on the terminal; a
    worker of several videos at once sends it to the parent, :class:`_QueueBars`).
    With ``history_db`` the reps are added to that progress history as a practice
    session dated by the video's recording time (:func:`halfcircle.api.add_to_history`),
    rated with ``rating`` (feels, pain) if given. ``camera_tilt_deg`` None: none
    was given or remembered, and the picture tells it where it can
    (:func:`halfcircle.analyze.video.analyze_poses_pitch_from_picture`); a tilt was
    ``tilt_how`` (given, or remembered from the last session), as the summary says.
    """
    import json

    # lazy: loads PIL, cv2, matplotlib, mediapipe, scipy, sounddevice
    from halfcircle.analyze.video import summary_dict, text_summary

    if bars is None:
        bars = _Bars(disable=as_json or None)
    try:
        analysis, interrupted = _measure_video(
            video, model, bars, camera_tilt_deg, tilt_how, settings, mirrored
        )
        unwritten, stopped = _write_results(
            analysis, out, annotate and not interrupted, bars, video.name
        )
    finally:
        bars.close()
    if stopped is not None:  # Ctrl-C while the results were written
        text = json.dumps(summary_dict(stopped), indent=2) if as_json else text_summary(stopped)
        return EXIT_INTERRUPTED, text
    text = text_summary(analysis)
    if history_db is not None and analysis.measured:
        added = _history_lines(analysis, out, history_db, rating, replace)
        text += "".join(f"\n{line}" for line in added)
    if unwritten is None:
        text += f"\nResults in {out}/ (open report.html)."
    else:
        print(f"halfcircle: {unwritten}", file=sys.stderr)
    if interrupted:
        print(
            f"halfcircle: stopped with Ctrl-C after {len(analysis.poses)} frames; what they "
            f"measured is in {out}/, without the annotated video.",
            file=sys.stderr,
        )
    code = 0
    if interrupted:
        code = EXIT_INTERRUPTED
    elif unwritten is not None:
        code = 1
    elif not analysis.measured:
        code = EXIT_NOTHING_MEASURED
    return code, json.dumps(summary_dict(analysis), indent=2) if as_json else text


def _measure_video(
    video: Path,
    model: str,
    bars: _Bars,
    camera_tilt_deg: float | None,
    tilt_how: StatedHow,
    settings: Settings | None,
    mirrored: bool,
) -> tuple[Analysis, bool]:
    """Pose every frame and analyse them; the analysis, and whether Ctrl-C stopped it.

    ``camera_tilt_deg`` None: the picture tells the pitch where it can; a tilt was
    ``tilt_how`` (given, or remembered), as the summary says
    (:func:`halfcircle.analyze.video.analyze_poses_with_pitch`).
    """
    # lazy: loads PIL, cv2, matplotlib, mediapipe, scipy, sounddevice
    from halfcircle.analyze.video import (
        analyze_poses_with_pitch,
        extract_poses,
        frames_announced,
        note_frames_expected,
    )

    total = frames_announced(video)
    bars.stage(f"pose {video.name}", total, "frame")
    poses, interrupted = extract_poses(
        video,
        model,
        bars.update,
        pose=settings.pose if settings is not None else None,
        mirrored=mirrored,
    )
    analysis = analyze_poses_with_pitch(
        poses, video, camera_tilt_deg, model, interrupted, settings, tilt_how
    )
    return note_frames_expected(analysis, total), interrupted


def _write_results(
    analysis: Analysis, out: Path, annotate: bool, bars: _Bars, name: str
) -> tuple[str | None, Analysis | None]:
    """Write the output folder, with the annotated video when ``annotate``.

    ``name`` is the video's, for the progress bars. Returns why some results could not
    be written (one sentence, None when all were), and, when Ctrl-C stopped the writing,
    the analysis as far as it was kept (:func:`~halfcircle.present.outputs.video_stopped`
    or ``results_stopped``).
    """
    # lazy: loads PIL, cv2, matplotlib, mediapipe, scipy, sounddevice
    from halfcircle.present.outputs import (
        OUTPUT_FILES,
        OUTPUT_NAMES,
        OutputsUnwrittenError,
        results_stopped,
        video_stopped,
        write_outputs,
    )

    bars.stage(f"results {name}", len(OUTPUT_FILES), "file")
    video_started = False

    def on_frame(n: int) -> None:
        nonlocal video_started
        if not video_started:
            bars.stage(f"video {name}", len(analysis.poses), "frame")
            video_started = True
        bars.update(n)

    def on_file(file_name: str) -> None:
        if file_name != OUTPUT_NAMES["video"]:
            bars.update(1)

    try:
        # stopped with Ctrl-C: what was measured is written at once, without a video
        write_outputs(analysis, out, annotate=annotate, progress=on_frame, on_file=on_file)
    except VideoWriteError as err:  # disk full: the summary still counts
        return f"{str(err).rstrip('.')}; the other results are in {out}/.", None
    except OutputsUnwrittenError as err:
        return str(err), None
    except OSError as err:
        return f"Not every result could be written to {out} ({error_reason(err)}).", None
    except KeyboardInterrupt:  # what was written before is kept (write_outputs)
        bars.close()
        during_video = (out / OUTPUT_FILES["report"]).exists()
        print(
            "halfcircle: stopped with Ctrl-C while the annotated video was made; "
            f"the data and the report are in {out}/."
            if during_video
            else "halfcircle: stopped with Ctrl-C while the results were written; "
            f"what was written is in {out}/.",
            file=sys.stderr,
        )
        return None, (video_stopped if during_video else results_stopped)(analysis)
    return None, None


def _history_lines(
    analysis: Analysis,
    out: Path,
    history_db: Path,
    rating: tuple[str | None, int | None] | None,
    replace: bool,
) -> list[str]:
    """Add the analysis to the history; the lines to show (or why it could not be)."""
    # lazy: loads scipy
    from halfcircle.history.store import HistoryError

    feels, pain = rating or (None, None)
    try:
        return add_to_history(analysis, history_db, feels=feels, pain=pain, replace=replace)
    except (HistoryError, sqlite3.Error) as err:  # the summary and the files still count
        return [
            f"Your progress history could not be updated ({str(err).rstrip('.')}); "
            f"the results are in {out}/."
        ]


#: In a worker process of ``analyze`` with several videos: where its progress
#: goes (``progress``), the parent's Ctrl-C (``stop``), whether it is analysing a
#: video now (``busy``). Empty in any other process.
_worker: dict[str, Any] = {}


def _init_analyze_worker(progress: Any, stop: Any) -> None:
    import signal

    _worker.update(progress=progress, stop=stop, busy=False)
    # Ctrl-C reaches every process of the terminal's group: a worker between
    # videos has nothing to stop (the parent cancels what is left), one analysing
    # a video stops it as `analyze` of one video would.
    signal.signal(signal.SIGINT, _worker_sigint)
    _quiet_opencv()


def _worker_sigint(signum: int, frame: Any) -> None:
    if _worker.get("busy"):
        raise KeyboardInterrupt


def _analyze_worker(
    args: tuple[
        int, Path, Path, str, bool, bool, Path | None, float | None, Settings, bool, bool, StatedHow
    ],
) -> tuple[int, str]:
    index, video, out, model, annotate, as_json, history_db, tilt, settings = args[:9]
    replace, mirrored, how = args[9], args[10], args[11]
    progress = _worker.get("progress")
    if _worker.get("stop") is not None and _worker["stop"].is_set():
        return EXIT_INTERRUPTED, ""  # queued before the Ctrl-C: not started
    bars = _QueueBars(progress, index) if progress is not None else None
    _worker["busy"] = True
    try:
        return _analyze_one(
            video, out, model, annotate, as_json, history_db, tilt, settings, bars=bars,
            replace=replace, mirrored=mirrored, tilt_how=how,
        )  # fmt: skip
    except HalfcircleError as err:
        return err.exit_code, f"halfcircle: {err}"
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED, "halfcircle: stopped with Ctrl-C before its results were written."
    finally:
        _worker["busy"] = False
        if progress is not None:
            progress.put((index, "finished", None))


def analysis_folders(inputs: Sequence[Path], out: Path) -> list[tuple[Path, Path]]:
    """Each video of ``inputs`` (files, and folders searched recursively) with its output folder.

    The folder below ``out`` is named as ``batch`` names a video's: by its path
    below the folder it was found in (``week1/monday`` for
    ``videos/week1/monday.mp4`` found in ``videos``), or by its name when given
    directly, without the extension; two videos that would share a folder get 8
    hex digits of a hash of their full path after the name. So no video's results
    overwrite another's. Videos inside ``out`` (earlier annotated videos) are
    not taken as input. In the order given, a folder's videos sorted by path.
    """
    import hashlib

    # lazy: loads cv2
    from halfcircle.io.capture import VIDEO_SUFFIXES

    excluded = out.resolve()
    named: dict[Path, str] = {}  # resolved video -> folder name (a relative path)
    given: dict[Path, Path] = {}  # resolved video -> the path as the user wrote it
    for root in inputs:
        if not root.is_dir():
            key = root.resolve()
            named.setdefault(key, root.stem)
            given.setdefault(key, root)
            continue
        for p in sorted(root.rglob("*")):
            if not (p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES):
                continue
            key = p.resolve()
            if key.is_relative_to(excluded):
                continue
            named.setdefault(key, p.relative_to(root).with_suffix("").as_posix())
            given.setdefault(key, p)
    counts: dict[str, int] = {}
    for name in named.values():
        counts[name] = counts.get(name, 0) + 1
    found = []
    for key, name in named.items():
        if counts[name] > 1:
            name += "-" + hashlib.sha1(str(key).encode()).hexdigest()[:8]
        found.append((given[key], out / Path(*name.split("/"))))
    return found


def _refuse_overwriting_inputs(folders: Sequence[tuple[Path, Path]]) -> None:
    """Raise when a video given is one of the files its analysis writes (or clears).

    ``analyze out/annotated.mp4 --out out`` would remove the video it reads.
    """
    # lazy: loads PIL, cv2, matplotlib, mediapipe, scipy, sounddevice
    from halfcircle.present.outputs import OUTPUT_NAMES

    for video, folder in folders:
        if video.resolve() in {(folder / name).resolve() for name in OUTPUT_NAMES.values()}:
            raise InputError(
                f"{video} is where its own results would be written: choose another --out."
            )


def _show_progress(queue: Any, n_videos: int, disable: bool | None) -> None:
    """Draw the bars of several videos at once until ``queue`` yields None.

    One bar for the whole set (videos finished) and one for each video being
    analysed (its current stage), from the messages of :class:`_QueueBars`.
    """
    from tqdm import tqdm

    from halfcircle.nativelog import TerminalStream

    overall = tqdm(
        total=n_videos, unit="video", desc="videos", disable=disable, file=TerminalStream()
    )
    bars: dict[int, Any] = {}
    while (message := queue.get()) is not None:
        index, kind, value = message
        if kind == "stage":
            if index in bars:
                bars.pop(index).close()
            name, total, unit = value
            bars[index] = tqdm(
                total=total,
                unit=unit,
                desc=name,
                leave=False,
                disable=disable,
                file=TerminalStream(),
            )
        elif kind == "update" and index in bars:
            bars[index].update(value)
        elif kind == "done" and index in bars:
            bars.pop(index).close()
        elif kind == "finished":
            overall.update(1)
    for bar in bars.values():
        bar.close()
    overall.close()


def _cmd_analyze(args: argparse.Namespace) -> int:
    settings = _settings_of(args)
    inputs = [Path(p) for p in args.videos]
    _require_videos(inputs)
    folders = analysis_folders(inputs, args.out)
    if not folders:
        raise InputError("No video files were found in the given folders.")
    check_output_folder(args.out)
    _refuse_overwriting_inputs(folders if len(folders) > 1 else [(folders[0][0], args.out)])
    history_db = _history_db(args) if args.to_history else None
    if args.replace and not args.to_history:
        raise InputError("--replace replaces a session of your progress history: add --to-history.")
    rating = None
    if args.feels is not None or args.pain is not None:
        if not args.to_history:
            raise InputError(
                "--feels and --pain are kept in your progress history: add --to-history."
            )
        if len(folders) > 1:
            raise InputError("--feels and --pain rate one session: give one video.")
        rating = (args.feels, args.pain)
    tilt: float | None
    tilt, stated, note = _camera_tilt_of(args, remembered=args.to_history)
    how: StatedHow = "given" if stated == "given" else "remembered"
    if stated == "picture":  # the picture tells it where it can
        tilt, note = None, None
    if note:
        print(note, file=sys.stderr if args.json else sys.stdout)
    if len(folders) == 1:
        code, text = _analyze_one(
            folders[0][0],
            args.out,
            args.model,
            not args.no_video,
            args.json,
            history_db,
            tilt,
            settings,
            rating=rating,
            replace=args.replace,
            mirrored=args.mirrored,
            tilt_how=how,
        )
        print(text)
        return code
    return _analyze_many(args, folders, history_db, tilt, how, settings)


def _analyze_many(
    args: argparse.Namespace,
    folders: list[tuple[Path, Path]],
    history_db: Path | None,
    tilt: float | None,
    how: StatedHow,
    settings: Settings,
) -> int:
    """Several videos: one per process, both cores busy (the model uses about one each).

    Each video's summary is printed as it would be for one video, in the order given
    (a list of summaries with ``--json``); returns the worst exit code, or
    :data:`EXIT_INTERRUPTED` after Ctrl-C (each video begun keeps what was measured).
    """
    import json
    import multiprocessing
    import threading
    from concurrent.futures import CancelledError, ProcessPoolExecutor

    from tqdm import tqdm

    annotate = not args.no_video
    jobs = [
        (
            i,
            v,
            folder,
            args.model,
            annotate,
            args.json,
            history_db,
            tilt,
            settings,
            args.replace,
            bool(args.mirrored),
            how,
        )
        for i, (v, folder) in enumerate(folders)
    ]
    worst = 0
    summaries = []
    context = multiprocessing.get_context()
    queue, stop = context.Queue(), context.Event()
    drawer = threading.Thread(
        target=_show_progress,
        args=(queue, len(jobs), args.json or None),
        name="progress",
        daemon=True,
    )
    drawer.start()
    interrupted = started = 0
    try:
        with ProcessPoolExecutor(
            max_workers=args.jobs,
            mp_context=context,
            initializer=_init_analyze_worker,
            initargs=(queue, stop),
        ) as pool:
            futures = [pool.submit(_analyze_worker, job) for job in jobs]
            for (_, video, *_), future in zip(jobs, futures, strict=True):
                try:
                    code, text = _result_after_ctrl_c(future, stop, futures)
                except CancelledError:
                    continue
                except KeyboardInterrupt:
                    interrupted += 1
                    if interrupted > 1:  # a second Ctrl-C: stop waiting
                        raise
                    code, text = _result_after_ctrl_c(future, stop, futures, again=True)
                worst = max(worst, code)
                started += bool(text)
                if not text:  # not started: queued before the Ctrl-C
                    continue
                if text.startswith("halfcircle: "):
                    tqdm.write(f"{video}: {text.removeprefix('halfcircle: ')}", file=sys.stderr)
                elif args.json:
                    summaries.append(json.loads(text))
                else:  # each video's own summary, as for one video, in the order given
                    tqdm.write(text + "\n", file=sys.stdout)
                    sys.stdout.flush()
    finally:
        queue.put(None)
        drawer.join(timeout=5)
    if args.json:
        print(json.dumps(summaries, indent=2))
    if interrupted:
        print(
            f"halfcircle: stopped with Ctrl-C; {started} of {len(jobs)} videos were begun, "
            "each keeps what was measured.",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    return worst


def _result_after_ctrl_c(
    future: Any, stop: Any, futures: list[Any], again: bool = False
) -> tuple[int, str]:
    """A worker's result; on Ctrl-C the videos not begun are cancelled first.

    With ``again`` the Ctrl-C has come: tell the workers (``stop``), cancel what
    is queued, and wait for the videos begun, which stop on their own Ctrl-C.
    """
    from concurrent.futures import CancelledError

    if again:
        stop.set()
        for f in futures:
            f.cancel()
    try:
        result: tuple[int, str] = future.result()
    except CancelledError:
        return EXIT_INTERRUPTED, ""
    return result


def add_pose_parser(sub: Subparsers) -> None:
    """The ``pose`` subcommand and its options."""
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


def add_analyze_parser(sub: Subparsers) -> None:
    """The ``analyze`` subcommand and its options."""
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
