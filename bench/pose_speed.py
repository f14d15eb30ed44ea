"""Pose stage speed: model time per frame and our own overhead around it.

Runs the VIDEO-mode pose stage over a video for lite and full, timing separately
(a) MediaPipe's own ``detect_for_video`` call, (b) building MediaPipe's input
``mp.Image`` (a copy MediaPipe makes of the pixels, needed by any caller) and
(c) what our pose stage adds (BGR->RGB, timestamping, converting the result into
our arrays, choosing the primary person). Prints median and p95 in milliseconds
per frame. The stage's code path is the same as ``PoseEstimator.process``.
Each model is timed with two pose slots (the default: the person detector on
every frame) and with one (``pose.track_one``: the person followed from frame to
frame), and the people check's look (the lite model, two slots, IMAGE mode) once.

    python bench/pose_speed.py [VIDEO] [--models lite full] [--slots 2 1]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import numpy as np
from mediapipe.tasks.python.vision.core import image as mp_image

from halfcircle.io.capture import open_source
from halfcircle.pose import PeopleCheck, PoseEstimator

DEFAULT = Path(__file__).resolve().parents[1] / "tests" / "data" / "person.mp4"


def measure(
    video: Path, model: str, repeats: int, slots: int = 2
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    with open_source(video) as source:
        frames = [f for f in source]
    model_ms, ours_ms, input_ms = [], [], []
    detected = 0
    with PoseEstimator(model, "video", max_people=slots, others_check_s=0) as est:
        landmarker = est._require()
        est.process(frames[0].image, -1.0)  # warm-up, outside the timings
        t_offset = 0.0
        for _ in range(repeats):
            for f in frames:
                t = f.time_s + t_offset
                t0 = time.perf_counter()
                rgb = cv2.cvtColor(f.image, cv2.COLOR_BGR2RGB)
                ts = est._timestamp_ms(t)
                ta = time.perf_counter()
                image = mp_image.Image(image_format=mp_image.ImageFormat.SRGB, data=rgb)
                t1 = time.perf_counter()
                result = landmarker.detect_for_video(image, ts)
                t2 = time.perf_counter()
                pose = est._convert(result, t)
                t3 = time.perf_counter()
                model_ms.append((t2 - t1) * 1e3)
                ours_ms.append(((ta - t0) + (t3 - t2)) * 1e3)
                input_ms.append((t1 - ta) * 1e3)
                detected += pose.detected
            t_offset += frames[-1].time_s + 1.0
    return np.array(model_ms), np.array(input_ms), np.array(ours_ms), detected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", type=Path, default=DEFAULT, help="video to run on")
    parser.add_argument("--models", nargs="+", default=["lite", "full"], help="models to time")
    parser.add_argument("--repeats", type=int, default=3, help="passes over the video")
    parser.add_argument("--slots", type=int, nargs="+", default=[2, 1], help="pose slots")
    args = parser.parse_args()
    print(f"video: {args.video}")
    print(f"{'model':6s} {'slots':>5s} {'frames':>6s} {'found':>6s} {'model ms med':>13s} "
          f"{'p95':>7s} {'mp.Image ms':>11s} {'ours ms med':>12s} {'p95':>7s} "
          f"{'ours/model':>10s}")  # fmt: skip
    for model in args.models:
        for slots in args.slots:
            m, i, o, found = measure(args.video, model, args.repeats, slots)
            print(f"{model:6s} {slots:5d} {len(m):6d} {found:6d} {np.median(m):13.2f} "
                  f"{np.percentile(m, 95):7.2f} {np.median(i):11.3f} {np.median(o):12.3f} "
                  f"{np.percentile(o, 95):7.3f} {np.median(o) / np.median(m):10.1%}")  # fmt: skip
    looks = check_look_ms(args.video)
    print(f"people check, one look (lite, 2 slots, IMAGE mode): median {np.median(looks):.2f} ms, "
          f"p95 {np.percentile(looks, 95):.2f} ms, every 0.5 s on the other core")  # fmt: skip


def check_look_ms(video: Path, n: int = 30) -> np.ndarray:
    """Milliseconds of one look of a :class:`~halfcircle.pose.PeopleCheck`, on ``n`` frames."""
    with open_source(video) as source:
        frames = [f.image for _, f in zip(range(n + 1), source, strict=False)]
    check = PeopleCheck(1.0)
    try:
        check._look(frames[0])  # warm-up
        out = []
        for image in frames[1:]:
            t0 = time.perf_counter()
            check._look(image)
            out.append((time.perf_counter() - t0) * 1e3)
    finally:
        check.close()
    return np.array(out)


if __name__ == "__main__":
    main()
