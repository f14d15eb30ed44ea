"""Batch throughput on Dask (1 and 2 workers) against ``analyze`` run alone, per video.

Prints, over the fixture set (every clip in ``fixtures/``, or the ones named):

* ``analyze`` alone: each video analysed in turn in this process, the model loaded
  for each one, as one ``halfcircle analyze VIDEO`` does (without its interpreter
  start-up); seconds per video and videos per minute;
* ``batch`` with 1 and with 2 workers: cluster start-up, wall time, videos per
  minute, and the wall time per video after start-up next to ``analyze`` alone;
* the scaling from 1 to 2 workers.

    python bench/batch_speed.py [CLIP ...] [--model full] [--video] [--workers 1 2]

Timings depend on the machine and on what else runs on it; the batch with N
workers can only scale up to the number of free cores (MediaPipe itself uses
more than one thread per inference).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from halfcircle.analyze.video import analyze_poses, extract_poses
from halfcircle.batch.plan import plan_batch
from halfcircle.batch.run import run_batch
from halfcircle.present.outputs import write_outputs

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def analyze_alone(videos: list[Path], model: str, annotate: bool, out: Path) -> list[float]:
    """Seconds of a whole `analyze` of each video (fresh model each time)."""
    seconds = []
    for video in videos:
        t0 = time.perf_counter()
        try:
            poses, _ = extract_poses(video, model)
            write_outputs(analyze_poses(poses, model), out / video.stem, annotate=annotate)
        except Exception as err:  # a damaged clip counts its time like batch does
            print(f"  {video.name}: {err}")
        seconds.append(time.perf_counter() - t0)
    return seconds


def batch_run(videos: list[Path], model: str, annotate: bool, workers: int, out: Path) -> dict:
    plan = plan_batch(videos, out, model=model, annotate=annotate)
    assert not plan.done, "the output folder must be fresh"
    result = run_batch(plan, workers=workers)
    assert not result.interrupted
    per_video = [o.seconds for o in result.outcomes.values()]
    return {
        "startup_s": result.startup_s,
        "wall_s": result.wall_s,
        "worker_s": sum(per_video),
        "failed": len(result.failed),
        "done": len(result.analysed),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("clips", nargs="*", help="fixture clip names (default: all)")
    ap.add_argument("--model", default="full", help="lite, full, heavy (default: full)")
    ap.add_argument("--video", action="store_true", help="also write annotated videos")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts")
    args = ap.parse_args()
    names = args.clips or sorted(p.stem for p in FIXTURES.glob("*.mp4"))
    videos = [FIXTURES / f"{n}.mp4" for n in names]
    n = len(videos)
    print(f"{n} videos, model {args.model}, annotated video {'on' if args.video else 'off'}, "
          f"{os.cpu_count()} cores")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        alone = analyze_alone(videos, args.model, args.video, Path(tmp) / "alone")
        per_alone = sum(alone) / n
        print(f"analyze alone:  {per_alone:6.2f} s/video  {60 * n / sum(alone):6.1f} videos/min "
              f"(total {sum(alone):.1f} s)")  # fmt: skip
        rates = {}
        for w in args.workers:
            r = batch_run(videos, args.model, args.video, w, Path(tmp) / f"batch{w}")
            rates[w] = 60 * n / r["wall_s"]
            work = r["wall_s"] - r["startup_s"]
            print(
                f"batch {w} worker{'s' if w > 1 else ' '}: {rates[w]:6.1f} videos/min  "
                f"wall {r['wall_s']:.1f} s = cluster start-up {r['startup_s']:.1f} s + "
                f"{work:.1f} s for the videos ({work / n:.2f} s/video; alone "
                f"{sum(alone):.1f} s, {per_alone:.2f} s/video), worker time "
                f"{r['worker_s'] / n:.2f} s/video, {r['done']} done, {r['failed']} failed"
            )
        if len(rates) > 1:
            lo, hi = min(rates), max(rates)
            print(f"scaling {lo} -> {hi} workers: x{rates[hi] / rates[lo]:.2f} videos/min")


if __name__ == "__main__":  # Dask's worker processes import this file again
    main()
