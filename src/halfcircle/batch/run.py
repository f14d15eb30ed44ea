"""Many recordings at once: ``halfcircle batch`` on Dask distributed.

A clinic or a study collects hundreds of recorded half circles and baseline
tests. :func:`plan_batch` finds every video in the given files and folders
(recursively, by extension) and decides which are already done;
:func:`run_batch` analyses the rest on a Dask cluster and writes the cohort
table (:mod:`halfcircle.present.cohort`). :func:`batch` does both.

Layout of the output folder ``DIR``::

    DIR/cohort.csv            one row per video (see halfcircle.present.cohort.COHORT_COLUMNS)
    DIR/cohort.html           the same, with plots across videos and over time per person
    DIR/videos/<id>/          what `halfcircle analyze` writes for the video, plus
                              baseline.json (baseline clips, whose report.html presents
                              their baseline tests) and done.json (written last); a
                              baseline clip's reps.json and summary.json leave out what
                              were its tests, as its report does

Names (see :func:`find_batch_videos`):

* **id**: the video's path relative to the folder it was found in (``anna/2026-03-02.mp4``),
  or its file name when the file itself was given. Two videos that would share an
  id get ``-`` and 8 hex digits of a hash of their full path after the stem.
* **person**: the first folder below the input folder (``anna`` for
  ``clinic/anna/week1/x.mp4`` found in ``clinic``); for a video lying directly in the
  input folder, that folder's name; for a file given by name, its parent folder's name.
* **baseline clip**: a file whose name starts with ``base_``, ``base-``,
  ``baseline_`` or ``baseline-``, or that lies in a folder named ``baseline``; its
  row also carries the baseline range-of-motion measures
  (:func:`halfcircle.coaching.baseline.baseline_from_poses`).

Engine: a :class:`distributed.LocalCluster` of worker processes with one thread
each, one per core by default, or an existing cluster (``scheduler``; its workers
need halfcircle installed and must see the input and output paths). Each worker
thread loads the pose model once and reuses it for every video it is given
(:meth:`halfcircle.pose.PoseEstimator.restart` makes a reused landmarker read each
video as a fresh one would).

Robustness:

* A video that fails (unreadable, damaged, a crash of the worker) gets its error
  in its cohort row; the others go on.
* Each video's outputs are written into ``DIR/.partial/`` and renamed into place
  when complete; ``done.json`` records the input's size and modification time,
  the model and its sha256, the camera tilt, the settings that differ from the
  defaults (:mod:`halfcircle.config`), and every file written with its size. A
  video counts as done only when its marker matches the input and every file is
  there with its size, so a run that was killed resumes where it stopped and a
  changed input, model, option or setting is analysed again.
* Ctrl-C stops the run; the cohort is written for what finished.
* One batch at a time per output folder (a lock file, ``DIR/.batch.lock``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import platform
import re
import shutil
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from distributed.diagnostics.plugin import WorkerPlugin

from halfcircle.errors import HalfcircleError, InputError, error_reason
from halfcircle.files import json_safe, replace_text

if TYPE_CHECKING:
    from distributed import Client

    from halfcircle.analyze.video import Analysis
    from halfcircle.coaching.baseline import BaselineRun
    from halfcircle.config import Settings
    from halfcircle.pose import PoseEstimator
from halfcircle import __version__
from halfcircle.batch.cohort import write_cohort
from halfcircle.batch.plan import (
    DONE_NAME,
    MARKER_SCHEMA_VERSION,
    PARTIAL_DIR,
    BatchError,
    BatchPlan,
    VideoEntry,
    VideoJob,
    VideoOutcome,
    _input_stamp,
    find_batch_videos,
    is_baseline_clip,
    is_done,
    plan_batch,
)
from halfcircle.coaching.baseline import baseline_from_poses
from halfcircle.config import settings_diff
from halfcircle.poseconfig import PoseConfig
from halfcircle.present.report import outside_tests

__all__ = [
    "DONE_NAME",
    "MARKER_SCHEMA_VERSION",
    "BatchError",
    "BatchPlan",
    "BatchResult",
    "CloseEstimatorsPlugin",
    "VideoEntry",
    "VideoJob",
    "VideoOutcome",
    "analyze_job",
    "batch",
    "check_cluster",
    "close_worker_estimators",
    "find_batch_videos",
    "is_baseline_clip",
    "is_done",
    "plan_batch",
    "run_batch",
    "write_video_outputs",
]


LOCK_NAME: Final = ".batch.lock"

#: Seconds allowed to connect to an existing scheduler.
CONNECT_TIMEOUT_S: Final = 20


@dataclass
class _CachedEstimator:
    model: str
    estimator: PoseEstimator
    uses: int = 0
    busy: threading.Lock = field(default_factory=threading.Lock)


_LOCAL = threading.local()
#: Every landmarker this process opened for batch work (closed by the worker plugin).
_OPEN: list[_CachedEstimator] = []
_OPEN_LOCK = threading.Lock()


def _worker_estimator(model: str, track_one: bool = True) -> _CachedEstimator:
    """The pose landmarker of this worker thread for ``model``, loaded on first use.

    ``track_one``: one pose slot (the setting ``pose.track_one``), else two.
    """
    # lazy: loads PIL, cv2, matplotlib, mediapipe, sounddevice
    from halfcircle.pose import PoseEstimator

    slots = 1 if track_one else 2
    cached: _CachedEstimator | None = getattr(_LOCAL, "estimator", None)
    if cached is not None and (cached.model != model or cached.estimator.max_people != slots):
        _drop_worker_estimator()
        cached = None
    if cached is None:
        cached = _CachedEstimator(model, PoseEstimator(model, "video", max_people=slots))
        _LOCAL.estimator = cached
        with _OPEN_LOCK:
            _OPEN.append(cached)
    cached.uses += 1
    return cached


def _drop_worker_estimator() -> None:
    cached: _CachedEstimator | None = getattr(_LOCAL, "estimator", None)
    _LOCAL.estimator = None
    if cached is not None:
        with _OPEN_LOCK:
            if cached in _OPEN:
                _OPEN.remove(cached)
        cached.estimator.close()


def close_worker_estimators() -> None:
    """Close this process's idle batch landmarkers (a worker calls it as it closes).

    MediaPipe's own finaliser would otherwise run during interpreter shutdown and
    print a traceback. A landmarker still reading a video is left alone: its
    process is being stopped.
    """
    with _OPEN_LOCK:
        for cached in list(_OPEN):
            if cached.busy.acquire(blocking=False):
                try:
                    cached.estimator.close()
                finally:
                    cached.busy.release()
                _OPEN.remove(cached)


class CloseEstimatorsPlugin(WorkerPlugin):
    """Closes the landmarkers of a worker as it closes (:func:`close_worker_estimators`)."""

    name = "halfcircle-close-estimators"

    def teardown(self, worker: Any) -> None:
        """Close the landmarkers."""
        close_worker_estimators()


def analyze_job(job: VideoJob) -> VideoOutcome:
    """Analyse one video into its output folder (runs on a worker).

    Reads the video with this worker thread's landmarker, then
    :func:`write_video_outputs`. A video that cannot be read or written gives a
    ``"failed"`` outcome with the reason; other exceptions (bugs) propagate and
    the caller records them.
    """
    # lazy: loads PIL, cv2, matplotlib, mediapipe, sounddevice
    from halfcircle.analyze.video import (
        analyze_poses_with_pitch,
        extract_poses,
        frames_announced,
        note_frames_expected,
    )

    t0 = time.perf_counter()
    worker = f"{platform.node() or 'localhost'}:{os.getpid()}"
    video = Path(job.video)
    uses = 0
    try:
        stamp = _input_stamp(video)  # before reading: a later change gets it redone
        expected = frames_announced(video)  # a file cut short gets a note
        pose = job.settings.pose if job.settings is not None else PoseConfig()
        cached = _worker_estimator(job.model, pose.track_one)
        uses = cached.uses
        try:
            with cached.busy:
                poses, interrupted = extract_poses(
                    video,
                    job.model,
                    estimator=cached.estimator,
                    pose=job.settings.pose if job.settings is not None else None,
                    mirrored=job.mirrored,
                )
        except BaseException:
            _drop_worker_estimator()  # its stream state is unknown now
            raise
        if interrupted:  # a stray Ctrl-C reached the worker: never publish a partial result
            raise BatchError("The analysis of this video was interrupted.")
        # no tilt given: each video's picture tells it where it can
        analysis = analyze_poses_with_pitch(
            poses, video, job.camera_tilt_deg, job.model, settings=job.settings
        )
        analysis = note_frames_expected(analysis, expected)
        write_video_outputs(
            job, analysis, stamp, extra={"worker": worker, "landmarker_videos": uses}
        )
    except HalfcircleError as err:
        return VideoOutcome(
            job.video_id, "failed", _public(str(err), job), time.perf_counter() - t0, worker, uses
        )
    except OSError as err:
        where = f" ({err.filename})" if err.filename else ""
        return VideoOutcome(
            job.video_id,
            "failed",
            _public(f"Could not read or write a file{where}: {error_reason(err)}.", job),
            time.perf_counter() - t0,
            worker,
            uses,
        )
    return VideoOutcome(job.video_id, "done", None, time.perf_counter() - t0, worker, uses)


def _public(message: str, job: VideoJob) -> str:
    """``message`` naming a video's output folder instead of the hidden one it was written in.

    Outputs are written under ``.partial/`` first (:func:`write_video_outputs`);
    a person should read where they were going.
    """
    hidden = re.escape(job.partial_dir) + r"[/\\][0-9a-f]{12}-[0-9a-f]{8}"
    return re.sub(hidden, lambda _: job.out_dir, message)


def write_video_outputs(
    job: VideoJob,
    analysis: Analysis,
    stamp: Mapping[str, Any],
    *,
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Write one video's outputs atomically into ``job.out_dir``; returns that folder.

    Everything is written into a fresh folder under ``job.partial_dir``,
    ``done.json`` last, which is then renamed to ``job.out_dir`` (an older folder
    there is replaced). A crash at any point leaves either the old folder or the
    complete new one.

    Args:
        job: Where to write, and the settings recorded in ``done.json``.
        analysis: The video's analysis (its poses feed the baseline tests of a
            baseline clip, which its report then presents; its reps and attempts
            that were those tests are left out of its rep files,
            :func:`_write_baseline_reps`).
        stamp: The input's ``size`` and ``mtime_ns`` when it was read.
        extra: More facts for ``done.json`` (worker, timings).
    """
    # lazy: loads PIL, cv2, matplotlib, mediapipe, sounddevice
    from halfcircle.analyze.video import tilt_used

    # lazy: loads PIL, cv2, matplotlib, mediapipe, sounddevice
    from halfcircle.present.outputs import write_outputs

    t0 = time.perf_counter()
    token = hashlib.sha1(job.video_id.encode()).hexdigest()[:12]
    tmp = Path(job.partial_dir) / f"{token}-{uuid.uuid4().hex[:8]}"
    try:
        tmp.mkdir(parents=True)
        run = None
        if job.baseline:
            run = baseline_from_poses(
                analysis.poses, settings=job.settings, camera_tilt_deg=tilt_used(analysis)
            )
        # a baseline clip's report presents its tests, not half circles
        write_outputs(analysis, tmp, annotate=job.annotate, baseline=run)
        if run is not None:
            _write_baseline_reps(tmp, analysis, run)
            _write_json(
                tmp / "baseline.json",
                json_safe(
                    {
                        "schema_version": 1,
                        "view": run.view,
                        "azimuth_deg": round(run.azimuth_deg, 1),
                        "calibrated": run.calibrated,
                        "results": [r.to_dict() for r in run.results],
                        "missing": run.missing(),
                        "notes": list(run.notes),
                    }
                ),
            )
        files = {p.name: p.stat().st_size for p in sorted(tmp.iterdir()) if p.is_file()}
        _write_json(
            tmp / DONE_NAME,
            {
                "schema_version": MARKER_SCHEMA_VERSION,
                "video": {
                    "path": job.video,
                    "id": job.video_id,
                    "size": stamp["size"],
                    "mtime_ns": stamp["mtime_ns"],
                },
                "model": {"name": job.model, "sha256": job.model_sha256},
                "annotate": job.annotate,
                "baseline": job.baseline,
                "camera_tilt_deg": job.camera_tilt_deg,
                "mirrored": job.mirrored,
                "settings": settings_diff(job.settings) if job.settings is not None else {},
                "measured": analysis.measured,
                "halfcircle": __version__,
                "files": files,
                "write_s": round(time.perf_counter() - t0, 3),
                "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                **(extra or {}),
            },
        )
        _publish(tmp, Path(job.out_dir))
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return Path(job.out_dir)


def _write_baseline_reps(folder: Path, analysis: Analysis, run: BaselineRun) -> None:
    """Rewrite a baseline clip's ``reps.json`` and ``summary.json`` without its tests.

    The rep counter reads a side bend or a toe touch as a half circle begun and
    abandoned, or as a rep (:func:`halfcircle.present.report.outside_tests`). In a baseline
    clip they were the tests, done as asked: like its report, its rep files then
    hold only the half circles outside the tests (usually none), with their cues,
    and the notes of its report. The schemas are those of ``halfcircle analyze``.
    """
    # lazy: loads PIL, cv2, matplotlib, mediapipe, sounddevice
    from halfcircle.analyze.video import SCHEMA_VERSION, movement_dicts, rep_dicts, summary_dict

    rest = outside_tests(analysis, run)
    # the tests' side bends and toe touches are no drills here: half circles only
    reps, aborted = movement_dicts(rest, drills=False), rep_dicts(rest)[1]
    _write_json(
        folder / "reps.json", {"schema_version": SCHEMA_VERSION, "reps": reps, "aborted": aborted}
    )
    _write_json(folder / "summary.json", summary_dict(rest))


def _publish(tmp: Path, final: Path) -> None:
    """Move a finished output folder into place, replacing an old one (renames only)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if final.exists():
        old = tmp.with_name(tmp.name + "-old")
        os.replace(final, old)
    os.replace(tmp, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _write_json(path: Path, data: Any) -> None:
    replace_text(path, json.dumps(data, indent=2, allow_nan=False) + "\n")


# ----------------------------------------------------------------------------- the run
@dataclass(frozen=True)
class BatchResult:
    """What a batch run did.

    Attributes:
        plan: The plan it ran.
        outcomes: Videos analysed in this run (done or failed), by id.
        interrupted: Whether it was stopped with Ctrl-C before the end.
        cohort_csv: The cohort table written.
        cohort_html: The cohort page written.
        startup_s: Time to start or reach the cluster (s); 0 when nothing was to do.
        wall_s: Time of the whole run (s).
    """

    plan: BatchPlan
    outcomes: dict[str, VideoOutcome]
    interrupted: bool
    cohort_csv: Path
    cohort_html: Path
    startup_s: float = 0.0
    wall_s: float = 0.0
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def skipped(self) -> list[str]:
        """Ids of the videos already done before this run."""
        return sorted(self.plan.done)

    @property
    def failed(self) -> dict[str, str]:
        """Ids of the videos that failed in this run, with the reason."""
        return {k: o.error or "" for k, o in self.outcomes.items() if o.status == "failed"}

    @property
    def analysed(self) -> list[str]:
        """Ids of the videos analysed in this run."""
        return sorted(k for k, o in self.outcomes.items() if o.status == "done")

    @property
    def not_done(self) -> list[str]:
        """Ids of the videos neither done before nor finished in this run (interrupted)."""
        return [e.video_id for e in self.plan.todo if e.video_id not in self.outcomes]


def check_cluster(workers: int | None, scheduler: str | None) -> None:
    """Refuse a cluster that cannot be: workers with a scheduler, or fewer than one.

    Raises:
        InputError: ``workers`` and ``scheduler`` were both given, or ``workers < 1``.
    """
    if scheduler is not None and workers is not None:
        raise InputError("--workers sets up a local cluster: leave it out with --scheduler.")
    if workers is not None and workers < 1:
        raise InputError(f"--workers must be at least 1, got {workers}.")


def run_batch(
    plan: BatchPlan,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    on_result: Callable[[VideoOutcome], None] | None = None,
) -> BatchResult:
    """Analyse the videos of ``plan`` still to do, then write the cohort files.

    Args:
        plan: From :func:`plan_batch`.
        workers: Worker processes of the local cluster (default: one per core).
        scheduler: Address of an existing Dask scheduler (``tcp://host:8786``)
            instead of a local cluster.
        on_result: Called in this process as each video finishes or fails.

    Returns:
        What happened; ``interrupted`` is True after Ctrl-C (the cohort then covers
        what finished).

    Raises:
        BatchError: The cluster cannot be started or reached, or another batch
            is writing to the same folder.
        InputError: ``workers`` and ``scheduler`` were both given, or ``workers < 1``.
    """
    check_cluster(workers, scheduler)
    t0 = time.perf_counter()
    out = plan.out_dir
    out.mkdir(parents=True, exist_ok=True)
    outcomes: dict[str, VideoOutcome] = {}
    interrupted = False
    startup_s = 0.0
    with _locked(out):
        partial = out / PARTIAL_DIR
        shutil.rmtree(partial, ignore_errors=True)  # leftovers of a killed run
        todo = plan.todo
        try:
            if todo:
                partial.mkdir(parents=True, exist_ok=True)
                with _client(scheduler, workers or _cores()) as client:
                    startup_s = time.perf_counter() - t0
                    _run_on(client, plan, todo, outcomes, on_result)
        except KeyboardInterrupt:
            interrupted = True
        rows = write_cohort(plan, outcomes, interrupted=interrupted)
        shutil.rmtree(partial, ignore_errors=True)
    return BatchResult(
        plan=plan,
        outcomes=outcomes,
        interrupted=interrupted,
        cohort_csv=out / "cohort.csv",
        cohort_html=out / "cohort.html",
        startup_s=startup_s,
        wall_s=time.perf_counter() - t0,
        rows=rows,
    )


def _cores() -> int:
    """Cores this process may use (CPU affinity and container limits included)."""
    from dask.system import CPU_COUNT

    return max(1, int(CPU_COUNT))


def batch(
    inputs: Sequence[str | Path],
    out_dir: str | Path,
    *,
    model: str = "full",
    annotate: bool = True,
    workers: int | None = None,
    scheduler: str | None = None,
    camera_tilt_deg: float | None = None,
    settings: Settings | None = None,
    mirrored: bool = False,
) -> BatchResult:
    """Plan and run a batch (see :func:`plan_batch` and :func:`run_batch`)."""
    plan = plan_batch(
        inputs,
        Path(out_dir),
        model=model,
        annotate=annotate,
        camera_tilt_deg=camera_tilt_deg,
        settings=settings,
        mirrored=mirrored,
    )
    return run_batch(plan, workers=workers, scheduler=scheduler)


def _run_on(
    client: Client,
    plan: BatchPlan,
    todo: list[VideoEntry],
    outcomes: dict[str, VideoOutcome],
    on_result: Callable[[VideoOutcome], None] | None,
) -> None:
    from distributed import as_completed

    futures = {}
    try:
        with _sigint_flag() as stop:
            for e in todo:
                futures[client.submit(analyze_job, plan.job(e), pure=False)] = e.video_id
            finished = as_completed(list(futures))
            while not finished.is_empty():
                if stop.is_set():
                    raise KeyboardInterrupt
                if not finished.has_ready():
                    stop.wait(POLL_S)
                    continue
                for fut in finished.next_batch(block=False):
                    vid = futures[fut]
                    try:
                        outcome = fut.result()
                    except Exception as err:  # a bug or a crashed worker: recorded, go on
                        outcome = VideoOutcome(vid, "failed", _describe(err))
                    outcomes[vid] = outcome
                    if on_result is not None:
                        on_result(outcome)
    except BaseException:
        with contextlib.suppress(Exception):
            client.cancel([f for f in futures if not f.done()])
        raise


def _describe(err: BaseException) -> str:
    name = type(err).__name__
    if name == "KilledWorker":
        return "The worker analysing this video crashed each time it tried: it may be damaged."
    text = str(err).strip().rstrip(".") or "no details"
    return f"The analysis failed unexpectedly ({name}: {text})."


@contextlib.contextmanager
def _client(scheduler: str | None, workers: int) -> Iterator[Client]:
    """A Dask client of an existing scheduler, or of a new local cluster that it closes."""
    import dask
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as err:
            raise BatchError(f"Could not reach the Dask scheduler at {scheduler} ({err}).") from err
        try:
            client.register_plugin(CloseEstimatorsPlugin())
            yield client
        finally:
            client.close()
        return
    # Dask's default environment of worker processes, less its malloc trim threshold:
    # trimming on every free costs MediaPipe's per-frame buffers about a tenth of
    # the speed, and a worker holds one video's poses at a time.
    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", default={}) or {})
    environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    settings = {
        # a video that crashes its worker is tried once more, not three times
        "distributed.scheduler.allowed-failures": 1,
        "distributed.nanny.pre-spawn-environ": environ,
    }
    with dask.config.set(settings):
        # Ctrl-C is the driver's to handle: worker processes are started ignoring
        # SIGINT (a terminal sends it to the whole process group) and are closed
        # by the cluster.
        with _sigint_handled(signal.SIG_IGN):
            try:
                cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.CRITICAL,
                )
            except (OSError, TimeoutError, RuntimeError) as err:
                raise BatchError(f"Could not start a local Dask cluster ({err}).") from err
        try:
            with Client(cluster) as client:
                client.register_plugin(CloseEstimatorsPlugin())
                yield client
        except BaseException:
            _stop_workers_now(cluster)  # Ctrl-C: do not wait for the videos in progress
            raise
        finally:
            with _quiet_logs():
                cluster.close()


def _stop_workers_now(cluster: Any) -> None:
    """End a local cluster's worker processes at once (their unfinished work is lost).

    A graceful close waits for each worker's video in progress; after Ctrl-C the
    user should not. Outputs are written atomically, so nothing half-written remains.
    """
    with _quiet_logs(), contextlib.suppress(Exception):
        pids = [
            n.process.pid
            for n in cluster.workers.values()
            if getattr(n, "process", None) is not None and n.process.pid
        ]
        cluster.scale(0)  # the nannies must not restart them
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)


#: How often the driver looks for finished videos and for Ctrl-C (s).
POLL_S: Final = 0.1


@contextlib.contextmanager
def _sigint_handled(handler: Any) -> Iterator[None]:
    """SIGINT goes to ``handler`` (a callable or ``signal.SIG_IGN``) while inside.

    Signal handlers belong to the main thread: elsewhere nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def _sigint_flag() -> Iterator[threading.Event]:
    """Ctrl-C (SIGINT) sets the event, for the caller to stop at a point of its choosing.

    A KeyboardInterrupt raised wherever the signal lands could be caught inside
    Dask's client code; a flag checked by our own loop cannot be lost.
    """
    stop = threading.Event()
    with _sigint_handled(lambda _signum, _frame: stop.set()):
        yield stop


@contextlib.contextmanager
def _quiet_logs() -> Iterator[None]:
    """Silence distributed's loggers while a cluster shuts down (workers may be busy)."""
    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    """Hold ``out/.batch.lock`` for the run; refuse a second batch on the same folder."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; one batch per folder is on the user
        yield
        return
    with (out / LOCK_NAME).open("a") as f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            raise BatchError(
                f"Another halfcircle batch is writing to {out}: wait for it to finish."
            ) from err
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)
