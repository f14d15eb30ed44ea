"""Analysis throughput against a bare decode + MediaPipe loop, on the same video.

Prints, for one video: frames per second and multiple of real time of
(a) the bare loop (decode, BGR->RGB, PoseLandmarker VIDEO mode, nothing else) and
(b) the full ``analyze`` (pose pass, kinematics, reps, annotated H.264 video,
report), their ratio, and our own work per frame split by stage.

    python bench/analyze_speed.py [VIDEO] [--model full] [--loop N]

``--loop N`` analyses the clip played N times in a row (joined without
re-encoding), so that fixed costs (model load, report) weigh as little as in a
recording of a whole practice session.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

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
    args = parser.parse_args()
    keep = tempfile.TemporaryDirectory()
    if args.loop > 1:
        args.video = looped(args.video, args.loop, Path(keep.name))
    with open_source(args.video) as source:
        fps = source.fps
    bare_loop(args.video, args.model)  # warm caches once
    n, bare_s = bare_loop(args.video, args.model)

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        poses, _ = extract_poses(args.video, args.model)
        t1 = time.perf_counter()
        analysis = analyze_poses(poses, args.model)
        t2 = time.perf_counter()
        write_outputs(analysis, Path(tmp) / "a", annotate=False)
        t3 = time.perf_counter()
        write_annotated_video(analysis, Path(tmp) / "annotated.mp4")
        t4 = time.perf_counter()
    total = t4 - t0
    video_s = n / fps
    print(f"video: {args.video} ({n} frames, {video_s:.1f} s at {fps:.0f} fps), model {args.model}")
    print(
        f"bare decode + MediaPipe : {n / bare_s:7.1f} frames/s  {video_s / bare_s:5.2f}x real time"
    )
    print(f"analyze with video : {n / total:7.1f} frames/s  {video_s / total:5.2f}x real time")
    print(f"analyze / bare     : {bare_s / total:7.2f}")
    print("our own work per frame (ms):")
    print(f"  pose pass beyond bare  : {((t1 - t0) - bare_s) / n * 1e3:7.3f}")
    print(f"  kinematics+reps+cues   : {(t2 - t1) / n * 1e3:7.3f}")
    print(f"  csv/json/report        : {(t3 - t2) / n * 1e3:7.3f}")
    print(f"  decode+draw+encode pass: {(t4 - t3) / n * 1e3:7.3f}")


if __name__ == "__main__":
    main()
