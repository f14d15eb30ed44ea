"""Peak memory of analyze after the pose pass, for recordings of growing length.

Prints, for 30 s, 2 min and 10 min of video (the default), the peak resident
memory of one process that runs what ``analyze`` runs after the pose pass:
kinematics, reps, scores and cues (:func:`~halfcircle.analyze.video.analyze_poses`) and
every output file but the annotated video (``frames.csv``, ``reps.json``,
``summary.json``, ``report.html``: :func:`~halfcircle.present.outputs.write_outputs`).

The recordings are one clip's real MediaPipe poses played again and again: the
clip is posed once (about 11 s of ``hc_two_reps`` with the lite model), and its
pose sequence is joined to itself end to end, so each loop brings its quiet
stance and its reps. Posing a real 10-minute video costs about 10 CPU-minutes
and measures the pose pass, not the report; the pose pass keeps one
``PoseFrame`` per frame, which this benchmark leaves out.

    python bench/analyze_memory.py [--video V] [--model lite] [--seconds 30 120 600]

Each length runs in a fresh process, which prints its figures as JSON. The table
gives, in MB of resident memory: ``before`` the analysis (the looped poses
loaded), the ``highest`` seen while it runs (sampled every 20 ms), what it
``added``, and the process's ``peak`` (``ru_maxrss``, which includes loading
MediaPipe and OpenCV) with that peak's ratio to the first length's.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

DEFAULT = Path(__file__).resolve().parents[1] / "fixtures" / "hc_two_reps.mp4"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # kB on Linux


def _rss_mb() -> float:
    """The process's resident memory now (Linux: /proc/self/statm)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


class _Sampler(threading.Thread):
    """The highest resident memory seen every 20 ms while it runs (above ``ru_maxrss``'s
    floor: the peak of loading the libraries, which hides what the analysis adds)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.high = _rss_mb()
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(0.02):
            self.high = max(self.high, _rss_mb())

    def stop(self) -> float:
        self._stop_event.set()
        self.join()
        return max(self.high, _rss_mb())


def looped(npz: Path, seconds: float):  # type: ignore[no-untyped-def]
    """The pose sequence of ``npz`` joined to itself until it lasts ``seconds``."""
    from halfcircle.landmarks import PoseSequence

    seq = PoseSequence.load_npz(npz)
    step = float(seq.time_s[-1] - seq.time_s[0]) + 1.0 / seq.fps
    n = max(1, int(np.ceil(seconds / step)))
    keep = round(seconds * seq.fps)
    time_s = np.concatenate([seq.time_s - seq.time_s[0] + k * step for k in range(n)])[:keep]

    def tile(a: np.ndarray) -> np.ndarray:
        return np.concatenate([a] * n)[:keep]

    return PoseSequence(
        time_s=time_s,
        image=tile(seq.image),
        world=tile(seq.world),
        visibility=tile(seq.visibility),
        presence=tile(seq.presence),
        n_people=tile(seq.n_people),
        image_size=seq.image_size,
        fps=seq.fps,
        source=f"{seq.source} looped to {seconds:g} s",
    )


def child(npz: Path, seconds: float) -> None:
    """Analyse the looped poses and write the outputs; print the figures as JSON."""
    from halfcircle.analyze.video import analyze_poses
    from halfcircle.present.outputs import write_outputs

    seq = looped(npz, seconds)
    import matplotlib.figure  # noqa: F401  (the report's imports, loaded before measuring)

    start_mb = _rss_mb()
    sampler = _Sampler()
    sampler.start()
    t0 = time.perf_counter()
    analysis = analyze_poses(seq, "lite")
    with tempfile.TemporaryDirectory() as out:
        write_outputs(analysis, Path(out), annotate=False)
        report_kb = (Path(out) / "report.html").stat().st_size / 1024
    high_mb = sampler.stop()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "frames": len(seq),
                "reps": len(analysis.reps),
                "start_mb": round(start_mb, 1),
                "high_mb": round(high_mb, 1),
                "added_mb": round(high_mb - start_mb, 1),
                "peak_mb": round(_peak_mb(), 1),
                "wall_s": round(time.perf_counter() - t0, 1),
                "report_kb": round(report_kb),
            }
        )
    )


def main() -> None:
    """Pose the clip once, then measure each length in a fresh process."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", type=Path, default=DEFAULT)
    parser.add_argument("--model", default="lite")
    parser.add_argument("--seconds", type=float, nargs="+", default=[30.0, 120.0, 600.0])
    parser.add_argument("--child", nargs=2, metavar=("NPZ", "SECONDS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), float(args.child[1]))
        return

    from halfcircle.analyze.video import extract_poses

    with tempfile.TemporaryDirectory() as tmp:
        npz = Path(tmp) / "poses.npz"
        poses, _ = extract_poses(args.video, args.model)
        poses.save_npz(npz)
        print(f"{args.video.name}: {len(poses)} frames posed with {args.model}, looped; MB are")
        print("resident memory: before the analysis, its highest, what the analysis added, and")
        print("the process's peak (ru_maxrss, with loading the libraries), and that peak's ratio")
        head = ("video", 8), ("frames", 7), ("reps", 5), ("before", 7), ("highest", 8)
        head += ("added", 6), ("peak", 6), ("x first", 8), ("report kB", 10), ("time s", 7)
        print(" ".join(f"{name:>{width}}" for name, width in head))
        first = None
        for seconds in args.seconds:
            run = subprocess.run(
                [sys.executable, __file__, "--child", str(npz), str(seconds)],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            r = json.loads(run.stdout.strip().splitlines()[-1])
            first = first or r["peak_mb"]
            label = f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"
            ratio = r["peak_mb"] / first
            print(f"{label:>8} {r['frames']:>7} {r['reps']:>5} {r['start_mb']:>7.0f} "
                  f"{r['high_mb']:>8.0f} {r['added_mb']:>6.0f} {r['peak_mb']:>6.0f} "
                  f"{ratio:>8.2f} {r['report_kb']:>10} {r['wall_s']:>7}")  # fmt: skip


if __name__ == "__main__":
    main()
