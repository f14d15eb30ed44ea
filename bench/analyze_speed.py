"""Analysis throughput against a bare single-pose loop, as whole processes, on one video.

The anchor is the loop a user would write with the same model: decode with
OpenCV, convert to RGB, MediaPipe's PoseLandmarker in VIDEO mode asking for one
pose, nothing else. Each contender runs as its own process, in rounds that
alternate them (so that a busy moment of a shared machine hits all alike):

* ``bare 1 pose``: that loop (``--bare-poses 1``);
* ``analyze --no-video`` and ``analyze`` (with the annotated video):
  ``python -m halfcircle analyze``, start-up, model load and report included
  (one pose slot followed from frame to frame, a look for other people every
  ``pose.others_check_s``, and a video of 10 s or more read in two parts side
  by side);
* ``bare 2 poses``, ``analyze --no-video (two poses)`` and ``analyze (two
  poses)`` (``--two-pose``): the bare loop asking for two poses, and analyze with
  ``--set pose.track_one=false`` (the person detector on every frame, two
  landmarkers taking alternate frames);
* the same two with the ``src`` of another checkout (``--before PATH``, e.g.
  the main branch), for before/after figures from one invocation.

Prints per contender the median wall time, frames per second, multiple of real
time, throughput relative to the bare single-pose loop (bare time / its time;
per round, then the median), CPU seconds and peak memory (max RSS of the
process). On a machine shared with other work, wall times follow the load;
CPU seconds much less so.

    python bench/analyze_speed.py [VIDEO] [--model full] [--loop 4] [--repeat 3]
        [--two-pose] [--before /path/to/other/checkout]

``--loop N`` analyses the clip played N times in a row (joined without
re-encoding; 4 makes the 7.5 s default clip 30 s), so that fixed costs (start-up,
model load, report) weigh as in a real recording.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO / "fixtures" / "hc_front_right.mp4"


def bare_loop(video: Path, model: str, poses: int) -> int:
    """Decode + BGR->RGB + PoseLandmarker (VIDEO mode, ``poses`` slots); returns frames read."""
    import cv2
    from mediapipe.tasks.python.core.base_options import BaseOptions
    from mediapipe.tasks.python.vision.core import image as mp_image
    from mediapipe.tasks.python.vision.core.vision_task_running_mode import (
        VisionTaskRunningMode,
    )
    from mediapipe.tasks.python.vision.pose_landmarker import (
        PoseLandmarker,
        PoseLandmarkerOptions,
    )

    from halfcircle.models import model_path

    options = PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model_path(model))),
        running_mode=VisionTaskRunningMode.VIDEO,
        num_poses=poses,
    )
    cap = cv2.VideoCapture(str(video))
    n = 0
    with PoseLandmarker.create_from_options(options) as landmarker:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            ts = round(cap.get(cv2.CAP_PROP_POS_MSEC))
            rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            image = mp_image.Image(image_format=mp_image.ImageFormat.SRGB, data=rgb)
            landmarker.detect_for_video(image, max(ts, n))
            n += 1
    cap.release()
    return n


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


def run_process(cmd: list[str], src: Path) -> tuple[float, float, float]:
    """Run ``cmd`` with ``src`` first on the path; wall seconds, CPU seconds, peak MiB."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime  # its own threads and children included
    return wall, cpu, usage.ru_maxrss / 1024.0  # Linux reports KiB


def main() -> None:
    """Parse the options, run the rounds, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", type=Path, default=DEFAULT, help="video to analyse")
    parser.add_argument("--model", default="full", help="pose model")
    parser.add_argument("--loop", type=int, default=4, help="play the clip N times in a row")
    parser.add_argument("--repeat", type=int, default=3, help="alternating rounds")
    parser.add_argument(
        "--two-pose", action="store_true", help="also time the bare loop and analyze with 2 poses"
    )
    parser.add_argument("--before", type=Path, default=None, help="another checkout to compare")
    parser.add_argument("--bare-poses", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_poses:  # the child process of one bare run
        bare_loop(args.video, args.model, args.bare_poses)
        return
    keep = tempfile.TemporaryDirectory()
    tmp = Path(keep.name)
    video = looped(args.video, args.loop, tmp) if args.loop > 1 else args.video
    import cv2

    cap = cv2.VideoCapture(str(video))
    n, fps = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)), cap.get(cv2.CAP_PROP_FPS) or 30.0
    cap.release()

    here = REPO / "src"
    me = [sys.executable, str(Path(__file__).resolve()), str(video), "--model", args.model]
    contenders: dict[str, tuple[list[str], Path]] = {
        "bare 1 pose": ([*me, "--bare-poses", "1"], here)
    }
    if args.two_pose:
        contenders["bare 2 poses"] = ([*me, "--bare-poses", "2"], here)
    trees: list[tuple[str, Path, list[str]]] = [("", here, [])]
    if args.two_pose:
        trees.append((" (two poses)", here, ["--set", "pose.track_one=false"]))
    if args.before:
        trees.append((" (before)", args.before.resolve() / "src", []))
    for label, src, settings in trees:
        for extra, name in (
            (["--no-video", *settings], "analyze --no-video"),
            (settings, "analyze"),
        ):
            out = tmp / f"out{len(contenders)}"
            cmd = [sys.executable, "-m", "halfcircle", "analyze", str(video), "--out", str(out),
                   "--model", args.model, "--json", *extra]  # fmt: skip
            contenders[name + label] = (cmd, src)

    run_process(contenders["bare 1 pose"][0], here)  # warm the disk cache once
    times: dict[str, list[float]] = {k: [] for k in contenders}
    cpus_s: dict[str, list[float]] = {k: [] for k in contenders}
    peaks: dict[str, list[float]] = {k: [] for k in contenders}
    for r in range(args.repeat):  # alternate, so that a busy moment hits all alike
        order = list(contenders) if r % 2 == 0 else list(reversed(contenders))
        for name in order:
            cmd, src = contenders[name]
            wall, cpu, peak = run_process(cmd, src)
            times[name].append(wall)
            cpus_s[name].append(cpu)
            peaks[name].append(peak)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    video_s = n / fps
    print(f"video: {args.video.name} x{args.loop} ({n} frames, {video_s:.1f} s at {fps:.0f} fps), "
          f"model {args.model}, {cpus} CPUs, load average {load:.1f} at the end")  # fmt: skip
    print(f"whole processes, medians of {args.repeat} alternating rounds")
    print(f"{'':28s} {'wall s':>7s} {'frames/s':>9s} {'x real':>7s} {'vs bare 1':>10s}  "
          f"{'(rounds)':20s} {'CPU s':>6s} {'peak MiB':>8s}")  # fmt: skip
    bare = np.array(times["bare 1 pose"])
    for name in contenders:
        t = np.array(times[name])
        ratios = bare / t
        med = float(np.median(t))
        print(f"{name:28s} {med:7.1f} {n / med:9.1f} {video_s / med:7.2f} "
              f"{float(np.median(ratios)):10.2f}  "
              f"({', '.join(f'{x:.2f}' for x in ratios):18s}) "
              f"{float(np.median(cpus_s[name])):6.1f} {max(peaks[name]):8.0f}")  # fmt: skip
    print("vs bare 1: bare single-pose wall time / this wall time, per round (> 1 is faster);")
    print("CPU s: user + system seconds of the process and its children (what it costs the")
    print("machine, less sensitive to other load than wall time).")


if __name__ == "__main__":
    main()
