"""Live loop speed: a video played at its frame rate through ``halfcircle live``.

The clip stands in for a camera: it is decoded at its own frame rate (30 fps for
the fixtures), through the LIVE_STREAM pose stage, the streaming kinematics, the
rep counter, the session record on disk and the overlay, headless, exactly as
``halfcircle live --headless --source VIDEO`` runs it. Prints:

* sustained FPS: frames shown (overlay drawn) per second of wall time;
* frames dropped by our own loop (it fell more than 1.5 frames behind the clip's
  clock) and by the pose model (LIVE_STREAM drops frames while it is busy);
* end-to-end latency, from the frame read to its overlay drawn (median, p95),
  and the model's part of it (capture to pose back);
* our own time per frame, excluding decoding and the model: angles, reps,
  cues, the record on disk, drawing;
* for comparison, the bare model: the same frames handed to the same pose
  stage at the same pace, with nothing else running (latency from hand-over to
  result, and how many results came back).

Each figure is taken for every ``--workers`` count, one after the other in the
same run: 1 is a single LIVE_STREAM landmarker (MediaPipe queues or drops what it
cannot keep up with), 2 is :class:`~halfcircle.pose.LivePosePool` with two
landmarkers taking turns (the live default on a machine with two cores or more).

    python bench/live_speed.py [VIDEO] [--model full] [--repeat 3] [--workers 1 2] [--json]

To see a 2-core machine on a bigger one: ``taskset -c 0,1 python bench/live_speed.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from halfcircle.capture import open_source
from halfcircle.live import LiveOptions, run_live
from halfcircle.pose import LivePosePool, PoseEstimator

DEFAULT = Path(__file__).resolve().parents[1] / "fixtures" / "hc_two_reps.mp4"


class LoopedFile:  # the cv2.VideoCapture interface: camelCase isOpened
    """A capture that plays a video file ``times`` times in a row, clock continuing."""

    def __init__(self, path: Path, times: int) -> None:
        self._cap = cv2.VideoCapture(str(path))
        self._left = times - 1
        self._offset_ms = 0.0
        self._last_ms = 0.0
        self._fps = float(self._cap.get(cv2.CAP_PROP_FPS)) or 30.0

    def isOpened(self) -> bool:
        return bool(self._cap.isOpened())

    def read(self) -> tuple[bool, Any]:
        ok, image = self._cap.read()
        if not ok and self._left > 0:
            self._left -= 1
            self._offset_ms = self._last_ms + 1000.0 / self._fps
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, image = self._cap.read()
        if ok:
            self._last_ms = self._offset_ms + float(self._cap.get(cv2.CAP_PROP_POS_MSEC))
        return ok, image

    def get(self, prop: int) -> float:
        if prop == cv2.CAP_PROP_POS_MSEC:
            return self._last_ms
        return float(self._cap.get(prop))

    def release(self) -> None:
        self._cap.release()


def pose_stage(model: str, workers: int) -> Any:
    """The live pose stage with ``workers`` landmarkers."""
    return LivePosePool(model, workers) if workers > 1 else PoseEstimator(model, "live")


def bare_model(video: Path, model: str, workers: int, n: int = 200) -> dict[str, float]:
    """Latency of the live pose stage alone, frames handed over at the clip's pace."""
    with open_source(video) as source:
        fps = source.fps
        frames = [f.image for _, f in zip(range(n), source, strict=False)]
    submitted: dict[int, float] = {}
    returned: dict[int, float] = {}
    with pose_stage(model, workers) as est:
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
        "bare_frames": len(frames),
        "bare_returned": len(lat),
        "bare_latency_ms_median": round(float(np.median(lat)), 2) if lat else float("nan"),
        "bare_latency_ms_p95": round(float(np.percentile(lat, 95)), 2) if lat else float("nan"),
    }


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", type=Path, default=DEFAULT, help="clip to play")
    parser.add_argument("--model", type=str, default="full", help="lite, full or heavy")
    parser.add_argument("--repeat", type=int, default=3, help="times the clip is played")
    parser.add_argument("--json", action="store_true", default=False, help="print JSON")
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="landmarker counts to compare"
    )
    args = parser.parse_args()
    runs = [measure(args.video, args.model, args.repeat, w) for w in args.workers]
    if args.json:
        print(json.dumps(runs, indent=2))
        return
    for s in runs:
        report(s)


def measure(video: Path, model: str, repeat: int, workers: int) -> dict[str, Any]:
    """The live loop's figures, then the bare pose stage's, with ``workers`` landmarkers."""
    with tempfile.TemporaryDirectory() as tmp:
        opts = LiveOptions(
            str(video), Path(tmp) / "session", model=model, headless=True, annotate=False
        )
        result = run_live(
            opts,
            capture_factory=lambda p: LoopedFile(Path(p), repeat),
            estimator_factory=lambda m, _mode: pose_stage(m, workers),
        )
    n_reps = sum(r.complete for r in result.live_reps)
    return {
        "video": str(video),
        "model": model,
        "workers": workers,
        "cpus": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        **result.stats.as_dict(),
        "reps_counted_live": n_reps,
        **bare_model(video, model, workers),
    }


def report(s: dict[str, Any]) -> None:
    """Print one run's figures."""
    n_reps = s["reps_counted_live"]
    print(
        f"{Path(s['video']).name}, model {s['model']}, {s['workers']} landmarker(s), "
        f"{s['cpus']} CPUs, {s['wall_s']:.1f} s"
    )
    print(f"  sustained fps        {s['fps']:.1f} (clip 30)")
    print(
        f"  frames               {s['frames_captured']} read, {s['frames_posed']} posed, "
        f"dropped by us {s['dropped_by_us']}, by the model {s['dropped_by_model']}"
    )
    print(
        f"  latency capture->overlay drawn  median {s['latency_ms_median']} ms, "
        f"p95 {s['latency_ms_p95']} ms"
    )
    print(
        f"  of which capture->pose back     median {s['model_ms_median']} ms, "
        f"p95 {s['model_ms_p95']} ms"
    )
    print(
        f"  our own time per frame (no decode, no model)  median {s['own_ms_median']} ms, "
        f"p95 {s['own_ms_p95']} ms; hand-over to the model {s['submit_ms_median']} ms"
    )
    print(f"  complete reps counted live: {n_reps}")
    print(
        f"bare model, same pace: {s['bare_returned']} of {s['bare_frames']} results, latency "
        f"median {s['bare_latency_ms_median']} ms, p95 {s['bare_latency_ms_p95']} ms"
    )


if __name__ == "__main__":
    main()
