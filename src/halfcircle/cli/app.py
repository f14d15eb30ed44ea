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
import math
import os
import sqlite3
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from halfcircle import __version__
from halfcircle.coaching.plan import DEFAULT_MINUTES
from halfcircle.errors import HalfcircleError, InputError, VideoSourceError, error_reason

if TYPE_CHECKING:
    from halfcircle.analyze.guided_session import GuidedSession
    from halfcircle.analyze.video import Analysis
    from halfcircle.config import Settings
    from halfcircle.history.store import History
    from halfcircle.live.guided_baseline import GuidedResult, Ratings

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


def _cmd_pose(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from halfcircle.analyze.posefile import PoseCsvWriter, iter_poses
    from halfcircle.io.capture import open_source
    from halfcircle.landmarks import PoseFrame, PoseSequence
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
            tqdm(total=source.frame_count, unit="frame", desc="pose", disable=args.quiet or None)
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
        print("No person was found in this video: stand so your whole body is in view.")
    if interrupted:
        print("Stopped with Ctrl-C; the frames measured so far were kept.", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_NOTHING_MEASURED if n_detected == 0 else 0


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

        self.close()
        self._bar = tqdm(total=total, unit=unit, desc=name, disable=self.disable)

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
) -> tuple[int, str]:
    """Analyse one video into ``out``; returns the exit code and the text to print.

    With ``as_json`` the text is the summary as JSON and no progress bar is shown.
    ``bars`` shows the progress of each stage (by default on the terminal; a
    worker of several videos at once sends it to the parent, :class:`_QueueBars`).
    With ``history_db`` the reps are added to that progress history as a practice
    session dated by the video's recording time (:func:`halfcircle.io.videodate.recorded_at`),
    rated with ``rating`` (feels, pain) if given. ``camera_tilt_deg`` None: none
    was given or remembered, and the picture tells it where it can
    (:func:`halfcircle.analyze.video.analyze_poses_pitch_from_picture`).
    """
    import json

    from halfcircle.analyze.video import (
        analyze_poses,
        analyze_poses_pitch_from_picture,
        extract_poses,
        frames_announced,
        note_frames_expected,
        summary_dict,
        text_summary,
    )
    from halfcircle.io.videowriter import VideoWriteError
    from halfcircle.present.outputs import (
        OUTPUT_FILES,
        OUTPUT_NAMES,
        OutputsUnwrittenError,
        results_stopped,
        video_stopped,
        write_outputs,
    )

    total = frames_announced(video)
    if bars is None:
        bars = _Bars(disable=as_json or None)
    try:
        bars.stage(f"pose {video.name}", total, "frame")
        poses, interrupted = extract_poses(
            video,
            model,
            bars.update,
            pose=settings.pose if settings is not None else None,
            mirrored=mirrored,
        )
        if camera_tilt_deg is None:  # not given: from the picture where it can tell
            analysis = analyze_poses_pitch_from_picture(poses, video, model, interrupted, settings)
        else:
            analysis = analyze_poses(poses, model, interrupted, camera_tilt_deg, settings)
        analysis = note_frames_expected(analysis, total)
        bars.stage(f"results {video.name}", len(OUTPUT_FILES), "file")
        video_started = False

        def on_frame(n: int) -> None:
            nonlocal video_started
            if not video_started:
                bars.stage(f"video {video.name}", len(analysis.poses), "frame")
                video_started = True
            bars.update(n)

        def on_file(name: str) -> None:
            if name != OUTPUT_NAMES["video"]:
                bars.update(1)

        unwritten = None
        try:
            # stopped with Ctrl-C: what was measured is written at once, without a video
            write_outputs(
                analysis,
                out,
                annotate=annotate and not interrupted,
                progress=on_frame,
                on_file=on_file,
            )
        except VideoWriteError as err:  # disk full: the summary still counts
            unwritten = f"{str(err).rstrip('.')}; the other results are in {out}/."
        except OutputsUnwrittenError as err:
            unwritten = str(err)
        except OSError as err:
            unwritten = f"Not every result could be written to {out} ({error_reason(err)})."
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
            stopped = (video_stopped if during_video else results_stopped)(analysis)
            text = json.dumps(summary_dict(stopped), indent=2) if as_json else text_summary(stopped)
            return EXIT_INTERRUPTED, text
    finally:
        bars.close()
    text = text_summary(analysis)
    if history_db is not None and analysis.measured:
        from halfcircle.history.store import HistoryError

        try:
            added = _add_to_history(analysis, video, history_db, camera_tilt_deg, rating, replace)
        except (HistoryError, sqlite3.Error) as err:  # the summary and the files still count
            added = [
                f"Your progress history could not be updated ({str(err).rstrip('.')}); "
                f"the results are in {out}/."
            ]
        text += "".join(f"\n{line}" for line in added)
    if unwritten is None:
        text += f"\nResults in {out}/ (open report.html)."
    else:
        print(f"halfcircle: {unwritten}", file=sys.stderr)
    if interrupted:
        print(
            f"halfcircle: stopped with Ctrl-C after {len(poses)} frames; what they "
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


def _add_to_history(
    analysis: Analysis,
    video: Path,
    history_db: Path,
    camera_tilt_deg: float | None,
    rating: tuple[str | None, int | None] | None = None,
    replace: bool = False,
) -> list[str]:
    """Add an analysis's reps (and its rating: feels, pain) to the history.

    ``camera_tilt_deg`` is the tilt given (or remembered); None when none was and
    the picture was asked, so that a later session does not take it as given.

    A recording already in the history is not added again, unless ``replace``
    (:func:`_same_recording`). Returns the lines to show: progress, the advice to
    stop when the pain rose, or a problem.
    """
    from halfcircle.analyze.video import rep_dicts
    from halfcircle.config import settings_diff
    from halfcircle.history.store import PracticeLog, recording_digest
    from halfcircle.io.videodate import recorded_at

    when, _ = recorded_at(video)
    started_at = when.isoformat(timespec="seconds")
    digest = recording_digest([video])
    same = _same_recording(history_db, digest, started_at, str(video), replace)
    if same is not None:
        return [same]
    log = PracticeLog(
        history_db,
        str(video),
        started_at=started_at,
        camera_tilt_deg=camera_tilt_deg,
        settings=settings_diff(analysis.settings),
        recording_sha256=digest,
    )
    advice = log.rate(*rating) if rating is not None else None
    lines = log.finish(rep_dicts(analysis)[0], analysis.kinematics.view.kind)
    if advice is not None:
        lines.append(advice)
    if log.problem is None and log.session_id is not None:
        lines.append(f"Added to your progress history ({log.history.path}).")
    return lines


def _same_recording(
    history_db: Path | None,
    digest: str,
    started_at: str,
    source: str,
    replace: bool,
) -> str | None:
    """Whether the history already holds a session of this recording.

    Returns the sentence to show when it does and ``replace`` is False (nothing is
    then to be added); with ``replace`` the earlier session is deleted and None returned.
    """
    from halfcircle.history.store import History, local_time

    path = History(history_db).path
    if not path.exists():
        return None
    with History(path) as history:
        earlier = history.find_recording(digest, started_at, source)
        if earlier is None:
            return None
        when = next(s["started_at"] for s in history.sessions() if s["id"] == earlier)
        if replace:
            history.delete_session(earlier)
            return None
    return (
        f"This recording is already in your history (the session of {local_time(when)}), "
        "so it was not added again; --replace replaces that session."
    )


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
    args: tuple[int, Path, Path, str, bool, bool, Path | None, float | None, Settings, bool, bool],
) -> tuple[int, str]:
    index, video, out, model, annotate, as_json, history_db, tilt, settings = args[:9]
    replace, mirrored = args[9], args[10]
    progress = _worker.get("progress")
    if _worker.get("stop") is not None and _worker["stop"].is_set():
        return EXIT_INTERRUPTED, ""  # queued before the Ctrl-C: not started
    bars = _QueueBars(progress, index) if progress is not None else None
    _worker["busy"] = True
    try:
        return _analyze_one(
            video, out, model, annotate, as_json, history_db, tilt, settings, bars=bars,
            replace=replace, mirrored=mirrored,
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

    overall = tqdm(total=n_videos, unit="video", desc="videos", disable=disable)
    bars: dict[int, Any] = {}
    while (message := queue.get()) is not None:
        index, kind, value = message
        if kind == "stage":
            if index in bars:
                bars.pop(index).close()
            name, total, unit = value
            bars[index] = tqdm(total=total, unit=unit, desc=name, leave=False, disable=disable)
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
    import json

    from halfcircle.files import check_output_folder

    settings = _settings_of(args)
    inputs = [Path(p) for p in args.videos]
    _require_videos(inputs)
    folders = analysis_folders(inputs, args.out)
    if not folders:
        raise InputError("No video files were found in the given folders.")
    check_output_folder(args.out)
    _refuse_overwriting_inputs(folders if len(folders) > 1 else [(folders[0][0], args.out)])
    history_db = _history_db(args) if args.to_history else None
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
    tilt, note = _camera_tilt_of(args, remembered=args.to_history)
    if args.camera_tilt is None and tilt == 0.0:
        # none given, none or a level one remembered (a history keeps 0 for sessions
        # that gave none): the picture tells it where it can
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
        )
        print(text)
        return code
    # Several videos: one per process, both cores busy (the model uses about one each).
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


def _cmd_live(args: argparse.Namespace) -> int:
    from halfcircle.analyze.video import text_summary
    from halfcircle.live.run import LiveOptions, Rating, default_out_dir, rebuild_report, run_live

    if args.rebuild is not None:
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
        from halfcircle.files import check_output_folder

        check_output_folder(args.out)
    if args.record and a_file:
        print("--record keeps a camera's or a stream's video; a file source is kept as it is.")
    tilt, note = _camera_tilt_of(args, remembered=not args.no_history)
    if note:
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
    )
    result = run_live(opts)
    st = result.stats
    if st.captured:
        print(
            f"Live: {st.posed} of {st.captured} frames measured"
            + (
                f" ({st.dropped_model} skipped while the model was busy)"
                if st.dropped_model
                else ""
            )
            + f", {st.fps:.0f} fps shown."
        )
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


def _settings_of(args: argparse.Namespace) -> Settings:
    """A command's settings: defaults, ``--config`` (or ``$HALFCIRCLE_CONFIG``), ``--set``."""
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


def _cmd_config(args: argparse.Namespace) -> int:
    from halfcircle.config import CONFIG_ENV, resolve_settings, settings_toml

    if args.print_defaults:
        if args.config is not None or args.set:
            raise InputError("--print-defaults prints the defaults: leave out --config and --set.")
        print(settings_toml(), end="")
        return 0
    settings, file = resolve_settings(args.config, args.set or ())
    layers = ["the defaults"]
    if file is not None:
        named = "" if args.config is not None else f" (named by {CONFIG_ENV})"
        layers.append(f"{file}{named}")
    if args.set:
        layers.append("--set " + " ".join(args.set))
    print(f"# The settings in effect: {', then '.join(layers)}.")
    print(settings_toml(settings), end="")
    return 0


def _history_db(args: argparse.Namespace) -> Path:
    """The history database named by ``--db``, else the default one."""
    from halfcircle.history.store import default_db_path

    return args.db if args.db is not None else default_db_path()


def _camera_tilt(text: str) -> float:
    """``--camera-tilt`` value: degrees the camera looks down, within the supported range."""
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
    when none is given (see :func:`_camera_tilt_of`); the option is then None
    when not given.
    """
    default = "0"
    if remembered:
        when = f" {remembered}" if isinstance(remembered, str) else ""
        default = f"the tilt of your last session{when}, else 0"
    parser.add_argument(
        "--camera-tilt",
        type=_camera_tilt,
        default=None if remembered else 0.0,
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


def _camera_tilt_of(args: argparse.Namespace, remembered: bool) -> tuple[float, str | None]:
    """The camera tilt to use (deg down), and a line to show about it (or None).

    A tilt given on the command line wins. Otherwise, when ``remembered``, the
    latest session in the history that recorded one gives it (the same camera
    set-up is used day after day, and a forgotten option would make forward
    bending jump by several degrees in the trend), and the line says so. With
    none given or remembered the camera is taken as level and the line says how
    to give its tilt (a camera 8 deg down reads forward bending about 7 deg high).
    """
    if args.camera_tilt is not None:
        return float(args.camera_tilt), None
    last: float | None = None
    if remembered:
        from halfcircle.history.store import History

        path = _history_db(args)
        if path.is_file():
            try:
                with History(path) as history:
                    last = history.last_camera_tilt()
            except (HalfcircleError, sqlite3.Error, OSError):
                last = None  # an unreadable history is reported where it is written
    if last is None:
        return 0.0, LEVEL_CAMERA_HINT
    if last:
        way = "down" if last > 0 else "up"
        return last, (
            f"Camera tilt: {abs(last):g} deg {way}, as in your last session "
            "(give --camera-tilt 0 if the camera is level now)."
        )
    return 0.0, None


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


def _cmd_models(args: argparse.Namespace) -> int:
    from halfcircle.models import list_models

    if args.action == "build":
        from halfcircle.models.build import build_bundle

        for variant in args.variants:
            path = build_bundle(variant, tarball=args.tarball, out_dir=args.out)
            print(f"Built {variant}: {path}")
        return 0
    for info in list_models():
        state = (
            "ok"
            if info.installed and info.sha256_ok
            else ("damaged" if info.installed else "not installed")
        )
        size = f"{info.size / 1e6:.1f} MB" if info.size is not None else "-"
        print(f"{info.name:6s} {state:14s} {size:>8s}  {info.path}")
    return 0


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


def _cmd_baseline(args: argparse.Namespace) -> int:
    import json

    from halfcircle.coaching.baseline import baseline_from_poses, format_result
    from halfcircle.config import settings_diff
    from halfcircle.history.store import History, HistoryError, local_time

    if args.source is not None and args.camera is not None:
        raise InputError("Give either --camera or --source, not both.")
    settings = _settings_of(args)
    _require_videos(args.source or [])
    tilt, note = _camera_tilt_of(args, remembered=not args.no_save)
    # none given, none or a level one remembered (a history keeps 0 for sessions that
    # gave none): recordings tell it from the picture where they can
    from_picture = args.camera_tilt is None and tilt == 0.0 and args.source is not None
    if note and not from_picture:
        print(note, file=sys.stderr if args.json else sys.stdout)
    pitches: list[dict[str, Any]] = []
    stopped: GuidedResult | None = None
    ratings: Ratings = {}
    started_at = None  # now
    if args.source is None:
        from halfcircle.live.guided_baseline import run_guided_baseline

        pain_before = None
        if not args.no_save and History(args.db).path.exists():
            try:
                with History(args.db) as history:
                    pain_before = history.last_pain()
            except (HistoryError, sqlite3.Error):
                pain_before = None  # an unusable history is reported where it is written
        stopped = run_guided_baseline(
            args.camera or 0,
            args.model,
            args.height_cm,
            mirror=args.mirror,
            camera_tilt_deg=tilt,
            settings=settings,
            pain_before=pain_before,
            window_size=args.window_size,
        )
        run, ratings = stopped.run, stopped.ratings
        feels, pain = ratings.get(None, (args.feels, args.pain))
        source = f"camera {args.camera or 0}"
    else:
        from tqdm import tqdm

        from halfcircle.analyze.video import extract_poses
        from halfcircle.coaching.baseline import merge_runs
        from halfcircle.io.capture import open_source
        from halfcircle.io.videodate import recorded_at

        runs = []
        for video in args.source:
            with open_source(video) as src:
                total = src.frame_count
            with tqdm(
                total=total,
                unit="frame",
                desc=f"pose {Path(video).name}",
                disable=args.json or None,
            ) as bar:
                poses, interrupted = extract_poses(
                    video, args.model, bar.update, pose=settings.pose, mirrored=args.mirrored
                )
            if interrupted:
                print("halfcircle: stopped with Ctrl-C; nothing was saved.", file=sys.stderr)
                return EXIT_INTERRUPTED
            used = tilt
            if from_picture:
                from halfcircle.analyze.video import camera_tilt_phrase, picture_tilt

                used, pitch, said = picture_tilt(poses, video, settings)
                pitches.append({"video": str(video), **pitch})
                told = camera_tilt_phrase({"camera_pitch": pitch})
                for line in (f"{Path(video).name}: {told}.", said):
                    if line:
                        print(line, file=sys.stderr if args.json else sys.stdout)
            runs.append(baseline_from_poses(poses, args.height_cm, settings, camera_tilt_deg=used))
        run = merge_runs(runs)
        feels, pain = args.feels, args.pain
        source = ", ".join(str(v) for v in args.source)
        # dated by when it was recorded, as analyze --to-history dates a practice
        started_at = min(recorded_at(Path(v))[0] for v in args.source).isoformat(timespec="seconds")
    session_id = compared_with = None
    compared_when = ""
    lines: list[str] = []
    advice = same = digest = None
    not_saved: str | None = None  # why the history could not take the results
    if run.results and not args.no_save:
        try:
            if args.source is not None and started_at is not None:
                from halfcircle.history.store import recording_digest

                digest = recording_digest(args.source)
                same = _same_recording(args.db, digest, started_at, source, args.replace)
            if same is None:
                with History(args.db) as history:
                    try:
                        test_ratings = {k: v for k, v in ratings.items() if k is not None}
                        session_id = history.record_baseline(
                            run.results,
                            feels=feels,
                            pain=pain,
                            started_at=started_at,
                            source=source,
                            height_cm=args.height_cm,
                            test_ratings=test_ratings,
                            camera_tilt_deg=None if from_picture else tilt,
                            settings=settings_diff(settings),
                        )
                        if digest is not None:
                            history.note_recording(session_id, digest)
                        lines = history.compare(session_id)
                        compared_with = history.baseline_before(session_id)
                        if compared_with is not None:
                            then = next(s for s in history.sessions() if s["id"] == compared_with)
                            compared_when = (
                                f"{local_time(then['started_at'])} (session {compared_with})"
                            )
                        advice = history.pain_advice(session_id)
                        where = history.path
                    except sqlite3.Error as err:
                        raise history.plain_error(err, "read") from err
        except HistoryError as err:
            not_saved = str(err)
        except sqlite3.Error as err:  # met while looking for the same recording
            not_saved = History(args.db).plain_error(err, "read").args[0]
    data = {
        "view": run.view,
        "azimuth_deg": round(run.azimuth_deg, 1),
        "camera_tilt_deg": tilt,
        **({"camera_pitch": pitches} if pitches else {}),
        "results": [r.to_dict() for r in run.results],
        "missing": run.missing(),
        "notes": list(run.notes),
        "session_id": session_id,
        "compared": lines,
        "compared_with": compared_with,
        "pain_advice": advice,
    }
    kept: Path | None = None
    if not_saved is not None:
        kept = _keep_unsaved_baseline(
            {
                **data,
                "started_at": started_at,
                "source": source,
                "feels": feels,
                "pain": pain,
                "height_cm": args.height_cm,
                "ratings": {k: list(v) for k, v in ratings.items() if k is not None},
                "settings": settings_diff(settings),
                "not_saved": not_saved,
            }
        )
        data["not_saved"] = not_saved
        data["kept_in"] = str(kept)
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        several = args.source is not None and len(args.source) > 1
        if several:
            print("Baseline:")
        else:
            print(f"Baseline ({run.view} view, camera at {run.azimuth_deg:.0f} deg):")
        for r in run.results:
            print("  " + format_result(r) + (f" [{r.view} view]" if several else ""))
        if run.missing():
            print("Not found in this recording: " + ", ".join(run.missing()).replace("_", " "))
        for note in run.notes:
            print(note)
        if lines:
            print(f"Compared with your baseline of {compared_when}:")
            for line in lines:
                print(f"  {line}")
        if session_id is not None:
            print(f"Saved as session {session_id} in {where}.")
    if advice:
        print(advice, file=sys.stderr if args.json else sys.stdout)
    if same is not None:
        print(same, file=sys.stderr if args.json else sys.stdout)
    if not_saved is not None:
        print(f"halfcircle: {not_saved} The results are kept in {kept}.", file=sys.stderr)
    if stopped is not None and stopped.message:
        print(f"halfcircle: {stopped.message}", file=sys.stderr)
        return stopped.error.exit_code if stopped.error is not None else EXIT_INTERRUPTED
    if not_saved is not None:
        return 1
    return 0 if run.results else EXIT_NOTHING_MEASURED


def _cmd_session(args: argparse.Namespace) -> int:
    """The guided session: live in a window, or ``--headless`` over a recording of one."""
    from halfcircle.coaching.painmodel import PainRating
    from halfcircle.files import check_output_folder

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
    tilt, note = _camera_tilt_of(args, remembered=not args.no_history)
    if note:
        print(note)
    if not args.headless:
        return _session_in_window(args, settings, tilt)
    from tqdm import tqdm

    from halfcircle.analyze.guided_session import measure_guided_session
    from halfcircle.analyze.video import extract_poses
    from halfcircle.io.capture import open_source

    with open_source(args.source) as src:
        total = src.frame_count
    with tqdm(total=total, unit="frame", desc=f"pose {Path(args.source).name}") as bar:
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
        camera_tilt_deg=tilt,
        settings=settings,
    )
    return _finish_session(args, session, args.out, settings, tilt, stop_message="")


def _finish_session(
    args: argparse.Namespace,
    session: GuidedSession,
    out: Path,
    settings: Settings,
    tilt: float,
    stop_message: str,
    error: HalfcircleError | None = None,
) -> int:
    """Write a guided session's files, save it to the history, say the result; the exit code.

    A run stopped early (``stop_message``, or Ctrl-C while reading a recording) keeps and
    saves the parts done.
    """
    from halfcircle.analyze.guided_session import SESSION_FILE, write_session_json
    from halfcircle.present.outputs import write_outputs
    from halfcircle.config import settings_diff
    from halfcircle.history.store import History, HistoryError, recording_digest

    stopped = stop_message or (
        "Stopped with Ctrl-C; the parts of the session done until then are kept."
        if session.interrupted
        else ""
    )
    unwritten = None
    try:
        write_outputs(session.analysis, out, annotate=not args.no_video and not stopped)
    except OSError as err:  # the session's own file and the history still count
        unwritten = f"Not every report file could be written to {out} ({error_reason(err)})."
    write_session_json(session, out)
    print(f"Assessment ({session.test.replace('_', ' ')}), before and after practice:")
    for line in session.sentences():
        print(f"  {line}")
    if session.stage is not None:
        print(f"Practice: {len(session.reps)} reps of {session.stage.replace('_', ' ')}.")
    for note in session.notes:
        print(note)
    measured = bool(session.split.before or session.reps)
    if measured and not args.no_history:
        source = str(args.source) if args.source is not None else f"camera {args.camera or 0}"
        started_at = None
        digest = same = None
        if args.source is not None and "://" not in str(args.source):
            from halfcircle.io.videodate import recorded_at

            started_at = recorded_at(Path(args.source))[0].isoformat(timespec="seconds")
            digest = recording_digest([args.source])
        try:
            if digest is not None and started_at is not None:
                same = _same_recording(args.db, digest, started_at, source, args.replace)
            if same is not None:
                print(same)
            else:
                with History(_history_db(args)) as history:
                    sid = history.record_guided_session(
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
                    )
                    if digest is not None:
                        history.note_recording(sid, digest)
                    advice = history.pain_decision(sid)
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


def _session_in_window(args: argparse.Namespace, settings: Settings, tilt: float) -> int:
    """The guided session in the live window: the test and stage remembered or proposed."""
    import time

    from halfcircle.coaching.guided import TARGETED, next_session_target
    from halfcircle.coaching.stages import STAGES, proposed_stage
    from halfcircle.history.store import History, HistoryError
    from halfcircle.live.guided_session import GuidedSessionFlow, open_voice, run_guided_session
    from halfcircle.live.run import default_out_dir

    test, stage, first_run = args.assess, args.stage, True
    targets: dict[str, float] = {}
    if not args.no_history and _history_db(args).exists():
        try:
            with History(_history_db(args)) as history:
                first_run = not history.sessions()
                test = test or history.last_assessment()
                stage = stage or proposed_stage(history.guided_sessions())
                for drill in TARGETED:
                    last = history.last_guided_practice(drill)
                    target = next_session_target(drill, *last) if last is not None else None
                    if target is not None:
                        targets[drill] = target
        except (HistoryError, sqlite3.Error):
            pass  # an unusable history is reported where the session is saved
    flow = GuidedSessionFlow(
        test or "toe_touch", stage or STAGES[0], first_run=first_run, targets=targets
    )
    voice, problem = open_voice(settings, time.monotonic)
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
        )
    finally:
        if voice is not None:
            voice.close()
    if result.session is None:
        from halfcircle.coaching.redflags import ADVICE

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
    return _finish_session(args, result.session, out, settings, tilt, result.message, result.error)


def _keep_unsaved_baseline(data: dict[str, object]) -> Path:
    """Write baseline results the history could not take into a JSON file; its path.

    The file goes into the current folder (``halfcircle-baseline-<UTC time>.json``),
    or the temporary folder when that cannot be written.
    """
    import json
    import tempfile
    from datetime import datetime, timezone

    from halfcircle.files import json_safe, replace_text
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


def _date_option(option: str, text: str | None) -> date | None:
    """A calendar date given as ``YYYY-MM-DD`` (None when not given)."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option} takes a date like 2026-11-30, not {text!r}.") from None


def _cmd_history(args: argparse.Namespace) -> int:
    from halfcircle.history.store import History

    path = History(args.db).path
    if not path.exists():  # reading or deleting creates no history
        if args.delete_session is not None or args.delete_all:
            raise InputError(f"There is no history at {path}.")
        print(
            f"No history yet at {path}: it starts with your first `halfcircle baseline`, "
            "`halfcircle live` or `halfcircle analyze --to-history`."
        )
        return 0
    with History(path) as history:
        try:
            return _history_command(args, history)
        except sqlite3.Error as err:  # a damaged file reads well up to its first bad page
            raise history.plain_error(err, "read") from err


def _history_command(args: argparse.Namespace, history: History) -> int:
    """``halfcircle history`` on an open history."""
    from halfcircle.history.store import format_trend, local_time
    from halfcircle.present.glance import glance_lines

    if args.delete_all:
        if not args.yes:
            raise InputError("--delete-all removes every session: add --yes to confirm.")
        n = history.delete_all()
        print(f"Deleted all {n} sessions from {history.path}.")
        return 0
    if args.delete_session is not None:
        if not history.delete_session(args.delete_session):
            raise InputError(f"There is no session {args.delete_session} in {history.path}.")
        print(f"Deleted session {args.delete_session}.")
        return 0
    if args.summary is not None:
        from halfcircle.present.summary_page import write_summary

        start, end = _date_option("--from", args.start), _date_option("--to", args.end)
        write_summary(history, args.summary, start, end)
        print(f"Summary written to {args.summary}: open it in a browser, or print it.")
        return 0
    if args.export is not None:
        if args.out is None:
            raise InputError("--export needs --out FILE: where to write it.")
        if args.export == "csv":
            history.export_csv(args.out)
        else:
            history.export_json(args.out)
        print(f"Exported the history to {args.out}.")
        return 0
    sessions = history.sessions()
    glance = glance_lines(history.series(), sessions)
    advice = history.latest_pain_advice()
    if glance or advice:  # the answer to "did I get better?" and the pain, first
        print("\n".join([*glance, *([advice] if advice else [])]) + "\n")
    print(format_trend(history.trend()))
    print(f"\nSessions in {history.path} (kept on this machine only), by date:")
    for number, s in enumerate(sessions, 1):
        rated = ""
        if s["feels"] or s["pain"] is not None:
            pain = "-" if s["pain"] is None else s["pain"]
            rated = f"  feels {s['feels'] or '-'}, pain {pain}"
        print(f"{number:3d}  {local_time(s['started_at'])}  {s['kind']:8s}{rated}  (id {s['id']})")
    if args.plot is not None:
        from halfcircle.present.history_page import plot_history

        png, page = plot_history(history, args.plot)
        print(f"Plot written to {png} and {page}.")
    return 0


def _cmd_plan(args: argparse.Namespace) -> int:
    from halfcircle.coaching.plan import current_plan, make_plan, plan_lines, save_plan, write_ics
    from halfcircle.history.store import History

    setting = args.days is not None or args.at is not None or args.use is not None
    if setting:
        missing = [o for o, v in (("--days", args.days), ("--at", args.at)) if v is None]
        if missing:
            raise InputError(
                f"A plan needs {' and '.join(missing)} too, like --days mon,wed,fri --at 08:00."
            )
        plan = make_plan(args.days, args.at, args.use or "own", args.minutes)
        with History(args.db) as history, history.transaction() as conn:
            plan = save_plan(conn, plan)
        print("Plan saved. " + " ".join(plan_lines(plan)))
    else:
        if args.minutes != DEFAULT_MINUTES:
            raise InputError("--minutes goes with --days and --at, which set a plan.")
        path = History(args.db).path
        plan = None
        if path.exists():  # reading creates no history
            with History(path) as history:
                plan = current_plan(history.conn)
        print(" ".join(plan_lines(plan)))
    if args.ics is not None:
        if plan is None:
            raise InputError("There is no plan to write to a calendar file yet: set one first.")
        write_ics(plan, args.ics)
        print(
            f"Calendar file written to {args.ics}: import it in your calendar app "
            "for a reminder on each planned day (nothing is sent anywhere)."
        )
    return 0


def _cmd_today(args: argparse.Namespace) -> int:
    from datetime import date

    from halfcircle.coaching.plan import current_plan, today_lines, today_status
    from halfcircle.history.store import History

    path = History(args.db).path
    if not path.exists():  # reading creates no history
        print("\n".join(today_lines(None, today_status([], [], date.today()))))
        return 0
    with History(path) as history:
        print("\n".join(today_lines(current_plan(history.conn), history.adherence())))
    return 0


def _cmd_batch(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from halfcircle.batch.run import VideoOutcome, plan_batch, run_batch

    plan = plan_batch(
        args.inputs,
        args.out,
        model=args.model,
        annotate=not args.no_video,
        camera_tilt_deg=args.camera_tilt,
        settings=_settings_of(args),
        mirrored=args.mirrored,
    )
    n, done = len(plan.entries), len(plan.done)
    if not args.quiet:
        print(
            f"{n} video{'s' if n != 1 else ''} found, {done} already done"
            + (f"; analysing {n - done}." if n > done else ".")
        )
    with tqdm(
        total=n, initial=done, unit="video", desc="videos", disable=args.quiet or None
    ) as bar:

        def on_result(outcome: VideoOutcome) -> None:
            if outcome.status == "failed":
                bar.write(f"{outcome.video_id}: {outcome.error}", file=sys.stderr)
            bar.update(1)

        result = run_batch(
            plan, workers=args.workers, scheduler=args.scheduler, on_result=on_result
        )
    failed = sum(r["status"] == "failed" for r in result.rows)
    from halfcircle.present.cohort import READ

    finished = sum(r["status"] in READ for r in result.rows)
    if not args.quiet:
        print(f"Analysed {finished - done}, skipped {done} already done, {failed} failed.")
        print(f"Cohort in {result.cohort_csv} and {result.cohort_html}.")
    if result.interrupted:
        print(
            f"halfcircle: stopped with Ctrl-C after {finished} of {n} videos; the cohort "
            "covers those, and the same command finishes the rest.",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    return 1 if failed else 0


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
