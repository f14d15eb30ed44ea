"""Where a fixture clip's forward flexion goes wrong: the trunk's cues frame by frame against truth.

    python bench/trunk_trace.py NAME [--level] [--min-forward DEG] [--every N]

For each frame whose true forward flexion is at least ``--min-forward`` (default 25
deg), prints the true and measured angles and the cues the measurement is built
from, each beside what it would be for the rig's true trunk (orthographic view of
the true trunk direction from the scene's camera azimuth and pitch):

* ``img x, y``: the trunk's image components (x right, y down) in neutral trunk
  lengths, and their length ``|img|``;
* ``z fore``: the depth foreshortening gives (``sqrt(1 - |img|^2)``, the trunk's
  length taken as its neutral one); ``z world``: MediaPipe's world depth (toward the
  camera positive here, neutral bias removed); ``chord``: MediaPipe's world trunk
  length against its neutral one;
* ``fwd@axes``: the true trunk's forward angle in the calibration's body axes
  (what a perfect trunk would read with this calibration: the azimuth's and the
  tilt's share of the error).

The "true" image components are an orthographic view of a unit trunk. Two things
that roughly cancel are left out: perspective (at 45-55 deg forward the shoulders
come 0.4 m nearer a camera 3 m away, which lengthens the image trunk by about 10 %)
and the rig's trunk curling (its hip-to-shoulder chord shortens by 5-10 % at 45-55
deg forward, 1 % in a side bend). Against the rig's joints projected exactly (the
renderer's camera), MediaPipe's image trunk matched within 0.04 trunk lengths on
the front views at the forward peaks (its shoulders 0.02-0.08 too low, its hips up to
0.10 lower too), and on the oblique views its shoulders sat 0.03-0.13 trunk
lengths too low while its hips stayed, or drifted backwards by up to 0.12.

The poses are the committed dumps of ``tests/data/poses`` where they are today's,
else ``bench/accuracy.py``'s (MediaPipe, cached). The camera tilt is the one a user
would measure unless ``--level``.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
from pathlib import Path
from typing import Any

import numpy as np

from halfcircle.kinematics.calibration import calibrate_recording
from halfcircle.kinematics.geometry import L_HIP, L_SHOULDER, R_HIP, R_SHOULDER
from halfcircle.kinematics.measure import KinematicsConfig, _trunk_cues, compute_kinematics

ROOT = Path(__file__).resolve().parents[1]


def _module(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


accuracy = _module("bench_accuracy", ROOT / "bench" / "accuracy.py")
pose_dumps = _module("pose_dumps", ROOT / "tools" / "pose_dumps.py")


def camera_rows(scene: dict[str, Any]) -> np.ndarray:
    """Rows: the camera's x (right), y (down), z (away) in the pelvis frame (R, A, U)."""
    a = math.radians(float(scene["camera"]["azimuth_deg"]))
    p = math.radians(accuracy.true_pitch_deg(scene))
    r_ax, a_ax, u_ax = np.eye(3)
    x = -math.cos(a) * r_ax + math.sin(a) * a_ax
    z = -(math.cos(a) * a_ax + math.sin(a) * r_ax)
    z = math.cos(p) * z - math.sin(p) * u_ax
    return np.stack([x, np.cross(z, x), z])


def true_direction(lateral_deg: float, forward_deg: float) -> np.ndarray:
    """Unit trunk direction (R, A, U) with these truth angles (tools/fixtures/motion.py)."""
    tu, ta = math.cos(math.radians(forward_deg)), math.sin(math.radians(forward_deg))
    tr = math.tan(math.radians(lateral_deg)) * abs(tu) if abs(tu) > 1e-9 else 0.0
    v = np.array([tr, ta, tu])
    return v / np.linalg.norm(v)


def trace(name: str, level: bool, min_forward: float, every: int) -> None:
    """Print the per-frame trace of one clip."""
    seq = pose_dumps.load(name) or accuracy.poses(name)
    truth, scene = accuracy.load_truth(name), accuracy.load_scene(name)
    tilt = 0.0 if level else accuracy.measured_tilt_deg(scene)
    cfg = KinematicsConfig.for_setup(tilt)
    calib, _ = calibrate_recording(seq, cfg.calibration, cfg.min_visibility)
    kin = compute_kinematics(seq, cfg, calibration=calib)
    inplane, depth = _trunk_cues(seq.image, seq.world, seq.image_size, calib, cfg)
    w = seq.world
    chord = np.linalg.norm(
        0.5 * (w[:, L_SHOULDER] + w[:, R_SHOULDER] - w[:, L_HIP] - w[:, R_HIP]), axis=-1
    )
    chord = chord / calib.trunk_length_m
    cam = camera_rows(scene)
    print(f"{name}: view {calib.view.kind}, azimuth {calib.view.azimuth_deg:.1f} (true "
          f"{scene['camera']['azimuth_deg']}), tilt given {tilt:.0f}, true pitch "
          f"{accuracy.true_pitch_deg(scene):.1f}")  # fmt: skip
    print("frame  true F/L  | meas F/L    | fwd@axes | img x, y (true)            |img| (true)"
          " | z fore  world (true) | chord")  # fmt: skip
    n = min(len(kin), len(truth["frame"]))
    for i in range(0, n, every):
        tf, tl = float(truth["forward_deg"][i]), float(truth["lateral_deg"][i])
        if not tf >= min_forward:
            continue
        t = cam @ true_direction(tl, tf)
        tb = calib.axes @ t
        x, y = inplane[i]
        r = math.hypot(x, y)
        print(f"{i:5d} {tf:5.1f} {tl:5.1f} | {kin.forward_deg[i]:5.1f} {kin.lateral_deg[i]:5.1f} | "
              f"{math.degrees(math.atan2(tb[1], tb[2])):6.1f}   | {x:+.3f} {y:+.3f} "
              f"({t[0]:+.3f} {t[1]:+.3f}) | {r:.3f} ({math.hypot(t[0], t[1]):.3f}) | "
              f"{math.sqrt(max(1 - r * r, 0.0)):.3f} {-depth[i]:+.3f} ({-t[2]:+.3f}) | "
              f"{chord[i]:.3f}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("name", help="fixture clip name")
    ap.add_argument("--level", action="store_true", help="no camera tilt given")
    ap.add_argument("--min-forward", type=float, default=25.0, help="deg (default 25)")
    ap.add_argument("--every", type=int, default=3, help="every Nth frame (default 3)")
    args = ap.parse_args(argv)
    trace(args.name, args.level, args.min_forward, args.every)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
