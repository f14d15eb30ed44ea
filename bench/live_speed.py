"""Live loop speed: a video played at its frame rate through ``halfcircle live``, headless.

The clip stands in for a camera: it is decoded at its own frame rate (30 fps for
the fixtures), through the LIVE_STREAM pose stage, the streaming kinematics, the
rep counter, the session record on disk and the overlay, exactly as
``halfcircle live --headless --source VIDEO`` runs it. For each pose stage
compared it prints, as recorded in ``session.json``'s ``stats``:

* sustained FPS: frames shown (overlay drawn) per second of wall time;
* frames dropped by our own loop (it fell more than 1.5 frames behind the clip's
  clock) and by the pose model (LIVE_STREAM drops frames while it is busy);
* latency from capture to the pose back (the model's part, queueing included)
  and from capture to the overlay drawn (median, p95);
* our own time per frame (angles, reps, cues, the record on disk, drawing).

The pose stages compared, in alternating rounds of one invocation (a busy
moment of a shared machine hits all alike):

* ``1 slot x W``: W landmarkers asking for one pose each (the default,
  ``pose.track_one``), plus the people check every 0.5 s; W > 1 takes turns
  (:class:`~halfcircle.pose.LivePosePool`), whereas ``halfcircle live`` runs one;
* ``2 slots x W`` (``--two-pose``): the same asking for two poses (the detector
  on every frame), as ``--set pose.track_one=false`` runs it;
* ``bare 1 pose``: the anchor, a single LIVE_STREAM landmarker with one pose
  slot and nothing else, fed the same frames at the same pace;
* ``cli`` and ``cli (before)`` (``--before PATH``): ``halfcircle live`` as a
  whole process with this checkout's and another checkout's code, with peak
  memory, for before/after figures.

    python bench/live_speed.py [VIDEO] [--model full] [--loop 3] [--repeat 2]
        [--workers 1 2] [--two-pose] [--before /path/to/other/checkout] [--json]

To see a 2-core machine on a bigger one: ``taskset -c 0,1 python bench/live_speed.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from halfcircle.config import Settings
from halfcircle.io.capture import open_source
from halfcircle.live.options import LiveOptions
from halfcircle.live.run import run_live
from halfcircle.pose import LivePosePool, PoseEstimator
from halfcircle.poseconfig import PoseConfig

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO / "fixtures" / "hc_two_reps.mp4"


def looped(video: Path, times: int, folder: Path) -> Path:
    """The clip ``times`` times in a row, joined by ffmpeg's concat demuxer (no re-encoding)."""
    import imageio_ffmpeg

    listing = folder / "list.txt"
    listing.write_text(f"file '{video.resolve()}'\n" * times)
    out = folder / f"{video.stem}_x{times}{video.suffix}"
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "concat",
           "-safe", "0", "-i", str(listing), "-c", "copy", str(out)]  # fmt: skip
    subprocess.run(cmd, check=True)
    return out


def pose_stage(model: str, slots: int, workers: int) -> Any:
    """The live pose stage: ``workers`` landmarkers of ``slots`` pose slots each."""
    if workers > 1:
        return LivePosePool(model, workers, max_people=slots)
    return PoseEstimator(model, "live", max_people=slots)


def in_process(video: Path, model: str, slots: int, workers: int) -> dict[str, Any]:
    """``run_live`` headless on ``video`` with the given pose stage; its stats."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(pose=PoseConfig(track_one=slots == 1))
        opts = LiveOptions(
            str(video),
            Path(tmp) / "session",
            model=model,
            headless=True,
            annotate=False,
            settings=settings,
        )
        result = run_live(opts, estimator_factory=lambda m, _mode: pose_stage(m, slots, workers))
    return {
        **result.stats.as_dict(),
        "reps_counted_live": sum(r.complete for r in result.live_reps),
    }


def whole_process(video: Path, model: str, src: Path, folder: Path) -> dict[str, Any]:
    """``halfcircle live --headless`` as its own process with ``src`` first on the path."""
    out = folder / f"cli-{time.monotonic_ns()}"
    cmd = [sys.executable, "-m", "halfcircle", "live", "--headless", "--source", str(video),
           "--out", str(out), "--model", model, "--no-video", "--no-history"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(src)}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {err[-2000:]}")
    session = json.loads((out / "session.json").read_text())
    stats = session["stats"]
    return {**stats, "process_wall_s": round(wall, 2), "peak_mib": round(usage.ru_maxrss / 1024)}


def bare_model(video: Path, model: str, n: int = 300) -> dict[str, Any]:
    """A single 1-slot LIVE_STREAM landmarker alone, fed the frames at the clip's pace."""
    with open_source(video) as source:
        fps = source.fps
        frames = [f.image for _, f in zip(range(n), source, strict=False)]
    submitted: dict[int, float] = {}
    returned: dict[int, float] = {}
    with PoseEstimator(model, "live", max_people=1, others_check_s=0) as est:
        t0 = time.perf_counter()
        for i, image in enumerate(frames + [frames[-1]] * 15):  # 0.5 s more to drain
            due = t0 + i / fps
            while (now := time.perf_counter()) < due:
                for pose in est.poll():
                    returned.setdefault(round(pose.time_s * 1000), now)
                time.sleep(0.0005)
            if i < len(frames):
                ts = round(i * 1000 / fps) + 1
                submitted[ts] = time.perf_counter()
                est.submit(image, ts / 1000)
    lat = [(returned[k] - submitted[k]) * 1000 for k in returned if k in submitted]
    return {
        "frames_captured": len(frames),
        "frames_posed": len(lat),
        "dropped_by_model": len(frames) - len(lat),
        "dropped_by_us": 0,
        "model_ms_median": round(float(np.median(lat)), 2) if lat else None,
        "model_ms_p95": round(float(np.percentile(lat, 95)), 2) if lat else None,
    }


def main() -> None:
    """Run the rounds and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", type=Path, default=DEFAULT, help="clip to play")
    parser.add_argument("--model", type=str, default="full", help="lite, full or heavy")
    parser.add_argument("--loop", type=int, default=3, help="times the clip is played in a row")
    parser.add_argument("--repeat", type=int, default=2, help="alternating rounds")
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="landmarker counts to compare"
    )
    parser.add_argument("--two-pose", action="store_true", help="also two pose slots each")
    parser.add_argument("--before", type=Path, default=None, help="another checkout to compare")
    parser.add_argument("--json", action="store_true", default=False, help="print JSON")
    args = parser.parse_args()
    keep = tempfile.TemporaryDirectory()
    tmp = Path(keep.name)
    video = looped(args.video, args.loop, tmp) if args.loop > 1 else args.video

    runs: dict[str, Any] = {}
    for slots in [1, 2] if args.two_pose else [1]:
        for w in args.workers:
            runs[f"{slots} slot{'s' if slots > 1 else ''} x {w}"] = lambda s=slots, w=w: in_process(
                video, args.model, s, w
            )
    runs["bare 1 pose"] = lambda: bare_model(video, args.model, 10**6)
    runs["cli"] = lambda: whole_process(video, args.model, REPO / "src", tmp)
    if args.before is not None:
        before = args.before.resolve() / "src"
        runs["cli (before)"] = lambda: whole_process(video, args.model, before, tmp)
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in runs}
    for r in range(args.repeat):
        for name in list(runs) if r % 2 == 0 else list(reversed(runs)):
            results[name].append(runs[name]())
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if args.json:
        print(json.dumps({"cpus": cpus, "load": load, "runs": results}, indent=2))
        return
    print(
        f"{args.video.name} x{args.loop}, model {args.model}, {cpus} CPUs, load average "
        f"{load:.1f} at the end; medians of {args.repeat} alternating rounds"
    )
    head = ("", "fps", "dropped", "pose ms med", "p95", "overlay ms med", "p95", "own ms", "MiB")
    print("{:18s} {:>6s} {:>9s} {:>12s} {:>6s} {:>15s} {:>6s} {:>7s} {:>5s}".format(*head))
    for name, rows in results.items():

        def med(key: str, rows: list[dict[str, Any]] = rows) -> float:
            vals = [row[key] for row in rows if row.get(key) is not None]
            return float(np.median(vals)) if vals else float("nan")

        dropped = med("dropped_by_model") + med("dropped_by_us")
        pct = 100.0 * dropped / max(1.0, med("frames_captured"))
        print(
            f"{name:18s} {med('fps'):6.1f} {pct:8.1f}% {med('model_ms_median'):12.1f} "
            f"{med('model_ms_p95'):6.1f} {med('latency_ms_median'):15.1f} "
            f"{med('latency_ms_p95'):6.1f} {med('own_ms_median'):7.1f} {med('peak_mib'):5.0f}"
        )
    print("pose ms: capture to the pose back; overlay ms: capture to the overlay drawn;")
    print("dropped: frames not posed (by the model or our loop), of those read.")


if __name__ == "__main__":
    main()
