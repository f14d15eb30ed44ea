"""What forward flexion would read if the camera's pitch were known (a research bench).

    python bench/pitch_oracle.py [--pivot 0.25] [--fov 60] [CLIP ...]

Why: the front-view forward-flexion peaks of the fixtures read from -2 to +7 deg
off, and the spread follows the camera's pitch (0 deg on ``hc_fast`` and
``hc_front_left``, 8.5 deg down on ``hc_two_reps``). This bench reads the trunk
with a full pinhole model instead of the orthographic foreshortening of
:func:`halfcircle.kinematics.geometry.fuse_depth`, three times per clip: with the true pitch and
focal length from the scene JSON (an oracle the product cannot have), with the
true pitch and a typical webcam field of view (what a user could tell it, from a
phone's level app), and with a level camera and that field of view (what it
could assume).

The model: the hip midpoint sits on its image ray at depth 1 (units of its own
distance); the neutral stance, upright along the pitched vertical, fixes the
trunk length from the image; the shoulder midpoint lies on its own image ray and
on a sphere of radius ``(1 - pivot) * length`` around a lumbar pivot ``pivot *
length`` above the hips (the hip-to-shoulder chord of a spine that bends in its
lumbar part shortens; with ``pivot = 0`` the trunk is a rigid segment). Of the
two intersections, the one whose depth change from neutral has the sign of
MediaPipe's world depth change is taken (the tangent point when the ray misses
the sphere). Angles are then zero-phase filtered like the offline pipeline and
the peaks of each rep compared with the truth. Only peaks are printed: the root
choice near zero depth is crude, so mean errors here say nothing.

Nothing in ``src/`` reads a scene file; this is evidence for the issue, not a
second estimator. What the product does with a known pitch is simpler: the user
gives it (``--camera-tilt``) and the calibration turns its body axes by it
(orthographic, :func:`halfcircle.kinematics.calibration.tilt_axes`); ``bench/accuracy.py``
scores that with the pitch in whole degrees, and every front-view peak is then
within 2.8 deg without the focal length or the pivot.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
from pathlib import Path
from typing import Any

import numpy as np

from halfcircle.kinematics.filters import lowpass_zero_phase
from halfcircle.kinematics.measure import calibrate_sequence

_spec = importlib.util.spec_from_file_location(
    "bench_accuracy", Path(__file__).resolve().parent / "accuracy.py"
)
assert _spec is not None and _spec.loader is not None
accuracy = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(accuracy)


def trunk_angles(name: str, pitch_deg: float, focal_px: float, pivot: float
                 ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Filtered lateral and forward flexion (deg) of a clip under the pinhole model."""
    seq = accuracy.poses(name)
    cal = calibrate_sequence(seq)
    assert cal is not None, f"{name}: no neutral stance"
    w, h = seq.image_size
    px = seq.image[..., :2] * (w, h)
    centre = np.array([w / 2.0, h / 2.0])
    hip_px = 0.5 * (px[:, 23] + px[:, 24])
    sh_px = 0.5 * (px[:, 11] + px[:, 12])
    a0 = int(np.searchsorted(seq.time_s, cal.start_s))
    b0 = int(np.searchsorted(seq.time_s, cal.end_s)) + 1
    up2 = cal.axes[2, :2] / np.linalg.norm(cal.axes[2, :2])
    ph = math.radians(pitch_deg)
    up = np.array([up2[0] * math.cos(ph), up2[1] * math.cos(ph), -math.sin(ph)])
    right = cal.axes[0] - (cal.axes[0] @ up) * up
    right /= np.linalg.norm(right)
    fwd = np.cross(up, right)
    ray_h = np.c_[(hip_px - centre) / focal_px, np.ones(len(seq))]
    ray_s = np.c_[(sh_px - centre) / focal_px, np.ones(len(seq))]
    # trunk length (hip depths) from the neutral stance: upright along the pitched vertical
    hip0, sh0 = ray_h[a0:b0].mean(axis=0), sh_px[a0:b0].mean(axis=0)
    lengths = np.linspace(0.01, 0.6, 6000)
    tops = hip0[None] + lengths[:, None] * up[None]
    proj = tops[:, :2] / tops[:, 2:3] * focal_px + centre
    length = float(lengths[np.argmin(np.linalg.norm(proj - sh0, axis=1))])
    pivot_pt = ray_h + pivot * length * up
    radius = (1.0 - pivot) * length
    a = (ray_s * ray_s).sum(axis=1)
    b = -2.0 * (ray_s * pivot_pt).sum(axis=1)
    c = (pivot_pt * pivot_pt).sum(axis=1) - radius * radius
    disc = b * b - 4.0 * a * c
    root = np.sqrt(np.maximum(disc, 0.0))
    near = ((-b - root) / (2.0 * a))[:, None] * ray_s - ray_h
    far = ((-b + root) / (2.0 * a))[:, None] * ray_s - ray_h
    wz = 0.5 * (seq.world[:, 11, 2] + seq.world[:, 12, 2])
    wz = wz - 0.5 * (seq.world[:, 23, 2] + seq.world[:, 24, 2])
    wz = wz - wz[a0:b0].mean()
    t0z = length * up[2]
    trunk = np.where((np.sign(near[:, 2] - t0z) == np.sign(wz))[:, None], near, far)
    tangent = (-b / (2.0 * a))[:, None] * ray_s - ray_h
    trunk = np.where((disc < 0)[:, None], tangent, trunk)
    r, f, u = trunk @ right, trunk @ fwd, trunk @ up
    lateral = np.degrees(np.arctan2(r, np.abs(u)))
    forward = np.degrees(np.arctan2(f, u))
    return (
        lowpass_zero_phase(seq.time_s, lateral, 4.0, max_gap_s=0.25),
        lowpass_zero_phase(seq.time_s, forward, 4.0, max_gap_s=0.25),
    )


LATERAL_PEAKS = (("peak_lateral_right_deg", 1, "R"), ("peak_lateral_left_deg", -1, "L"))


def peak_errors(name: str, lateral: np.ndarray, forward: np.ndarray) -> list[str]:
    """``F``/``R``/``L`` peak errors (deg) of each rep done in view."""
    scene: dict[str, Any] = accuracy.load_scene(name)
    truth = accuracy.load_truth(name)
    out = []
    for rep in scene.get("reps", []):
        a, b = int(rep["start_frame"]), int(rep["end_frame"])
        if not np.all(truth["in_view"][a : b + 1] > 0):
            continue
        out.append(f"F {np.nanmax(forward[a : b + 1]) - rep['peak_forward_deg']:+5.1f}")
        for key, sign, tag in LATERAL_PEAKS:
            if rep[key] >= 5.0:
                out.append(f"{tag} {np.nanmax(sign * lateral[a : b + 1]) - rep[key]:+5.1f}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clips", nargs="*", help="clip names (default: half-circle clips, front/45)")
    ap.add_argument("--pivot", type=float, default=0.25, help="lumbar pivot, trunk fraction")
    ap.add_argument("--fov", type=float, default=60.0, help="assumed FOV of the long side (deg)")
    args = ap.parse_args(argv)
    names = args.clips or [
        n
        for n in accuracy.fixture_clips()
        if accuracy.load_scene(n).get("reps")
        and abs(accuracy.load_scene(n)["camera"]["azimuth_deg"]) <= 50
    ]
    print(f"pivot {args.pivot}; peak errors (measured - truth, deg), F forward, R/L lateral")
    for name in names:
        cam = accuracy.load_scene(name)["camera"]
        w, h = accuracy.load_scene(name)["resolution"]
        focal = (h / 2.0) / math.tan(math.radians(cam["vfov_deg"] / 2.0))
        drop = cam["height_m"] - cam["target_height_m"]
        pitch = math.degrees(math.atan2(drop, cam["distance_m"]))
        assumed = (max(w, h) / 2.0) / math.tan(math.radians(args.fov / 2.0))
        known = peak_errors(name, *trunk_angles(name, pitch, focal, args.pivot))
        told = peak_errors(name, *trunk_angles(name, pitch, assumed, args.pivot))
        level = peak_errors(name, *trunk_angles(name, 0.0, assumed, args.pivot))
        if not known:
            continue  # no rep done entirely in view
        print(f"{name:<15} pitch {pitch:4.1f}  true pitch and focal: {' '.join(known)}")
        print(f"{'':<15} {'':10}  true pitch, {args.fov:.0f} deg FOV: {' '.join(told)}")
        print(f"{'':<15} {'':10}  level, {args.fov:.0f} deg FOV:     {' '.join(level)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
