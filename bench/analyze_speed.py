"""Analysis throughput against a bare decode + MediaPipe loop, on the same video.

Prints, for one video: frames per second and multiple of real time of
(a) the bare loop (decode, BGR->RGB, PoseLandmarker VIDEO mode, nothing else) and
(b) the full ``analyze`` (pose pass, kinematics, reps, annotated H.264 video,
report), their ratio, and our own work per frame split by stage.

    python bench/analyze_speed.py [VIDEO] [--model full] [--loop N] [--repeat 3]

``--loop N`` analyses the clip played N times in a row (joined without
re-encoding), so that fixed costs (model load, report) weigh as little as in a
recording of a whole practice session.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from halfcircle.analyze import analyze_poses, extract_poses, write_annotated_video, write_outputs
from halfcircle.capture import open_source
from halfcircle.pose import PoseEstimator

DEFAULT = Path(__file__).resolve().parents[1] / "fixtures" / "hc_front_right.mp4"


def bare_loop(video: Path, model: str) -> tuple[int, float]:
    t0 = time.perf_counter()
    n = 0
    with open_source(video) as source, PoseEstimator(model, "video") as est:
        for frame in source:
            est.process(frame.image, frame.time_s)
            n += 1
    return n, time.perf_counter() - t0


def looped(video: Path, times: int, folder: Path) -> Path:
    """The clip ``times`` times in a row, joined by ffmpeg's concat demuxer (no re-encoding)."""
    import subprocess

    import imageio_ffmpeg

    listing = folder / "list.txt"
    listing.write_text(f"file '{video.resolve()}'\n" * times)
    out = folder / f"{video.stem}_x{times}{video.suffix}"
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "concat",
           "-safe", "0", "-i", str(listing), "-c", "copy", str(out)]  # fmt: skip
    subprocess.run(cmd, check=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", type=Path, default=DEFAULT, help="video to analyse")
    parser.add_argument("--model", default="full", help="pose model")
    parser.add_argument("--loop", type=int, default=1, help="play the clip N times in a row")
    parser.add_argument("--repeat", type=int, default=3, help="alternating runs of each")
    args = parser.parse_args()
    keep = tempfile.TemporaryDirectory()
    if args.loop > 1:
        args.video = looped(args.video, args.loop, Path(keep.name))
    with open_source(args.video) as source:
        fps = source.fps
    bare_loop(args.video, args.model)  # warm caches once
    runs = []
    for _ in range(args.repeat):  # alternate, so that a busy moment hits both alike
        n, bare_s = bare_loop(args.video, args.model)
        runs.append((bare_s, *timed_analysis(args.video, args.model)))
    medians = (float(np.median(c)) for c in zip(*runs, strict=True))
    bare_s, t_pose, t_kin, t_files, t_video = medians
    ratios = sorted(r[0] / sum(r[1:]) for r in runs)
    total = t_pose + t_kin + t_files + t_video
    video_s = n / fps
    print(f"video: {args.video} ({n} frames, {video_s:.1f} s at {fps:.0f} fps), model {args.model}")
    print(f"medians of {args.repeat} alternating runs")
    print(
        f"bare decode + MediaPipe : {n / bare_s:7.1f} frames/s  {video_s / bare_s:5.2f}x real time"
    )
    print(f"analyze with video : {n / total:7.1f} frames/s  {video_s / total:5.2f}x real time")
    print(
        f"analyze / bare     : {float(np.median(ratios)):7.2f}  "
        f"(runs: {', '.join(f'{r:.2f}' for r in ratios)})"
    )
    print("our own work per frame (ms):")
    print(f"  pose pass beyond bare  : {(t_pose - bare_s) / n * 1e3:7.3f}")
    print(f"  kinematics+reps+cues   : {t_kin / n * 1e3:7.3f}")
    print(f"  csv/json/report        : {t_files / n * 1e3:7.3f}")
    print(f"  decode+draw+encode pass: {t_video / n * 1e3:7.3f}")


def timed_analysis(video: Path, model: str) -> tuple[float, float, float, float]:
    """Seconds of the pose pass, kinematics+reps, files+report, annotated video."""
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        poses, _ = extract_poses(video, model)
        t1 = time.perf_counter()
        analysis = analyze_poses(poses, model)
        t2 = time.perf_counter()
        write_outputs(analysis, Path(tmp) / "a", annotate=False)
        t3 = time.perf_counter()
        write_annotated_video(analysis, Path(tmp) / "annotated.mp4")
        t4 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2, t4 - t3


if __name__ == "__main__":
    main()
