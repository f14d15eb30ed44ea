"""How well the camera's pitch is told from the picture, on the rendered fixtures.

    python bench/camera_pitch.py [--fov 60] [--true-focal] [CLIP ...]

For every fixture clip with a person: the stance ``analyze`` calibrates on
(:func:`halfcircle.kinematics.calibration.calibrate_recording`, MediaPipe poses cached as in
``bench/accuracy.py``), five of its frames, and
:func:`halfcircle.analyze.camerapitch.estimate_pitch` on them. Prints per clip the true
pitch (the scene's camera height above the point it looks at, over the
distance; deg, positive down), the estimate, its stated uncertainty (one sigma,
deg), the error (estimate - truth) and whether the calibration would use it
(uncertainty <= 3 deg), then the mean |error| of the used estimates and how many
errors exceed their stated uncertainty and twice it.

``--true-focal`` gives the estimator the scene's true focal length instead of
the assumed field of view (an oracle, to separate the focal length's share of
the error). ``--body`` adds the standing body's perspective, tried and not used
(see :mod:`halfcircle.analyze.camerapitch`): a pinhole fit of the stance's image
landmarks to MediaPipe's world skeleton, its depth left out.

Held out: ``pitch_front_plain_5down`` and ``pitch_oblique_door_10down`` were
rendered before the method was chosen and not run until it was fixed. The three
``pitch_corner_*`` clips (plain rooms seen from 35 to 45 deg, whose one vertical line
is the wall's corner) were rendered after the single-line rule
(:data:`halfcircle.analyze.camerapitch.MIN_SINGLE_LINE_FRACTION`) was chosen on the
others, and read within 0.5 deg of their true pitch the first time they were run.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
from pathlib import Path
from typing import Any

import numpy as np

from halfcircle.analyze.camerapitch import (
    ASSUMED_FOV_DEG,
    estimate_pitch,
    stance_indices,
)
from halfcircle.kinematics.calibration import calibrate_recording
from halfcircle.kinematics.measure import KinematicsConfig

_spec = importlib.util.spec_from_file_location(
    "bench_accuracy", Path(__file__).resolve().parent / "accuracy.py"
)
assert _spec is not None and _spec.loader is not None
accuracy = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(accuracy)

HELD_OUT = ("pitch_front_plain_5down", "pitch_oblique_door_10down")
#: Held out from the choice of the single-line rule (rendered after it).
HELD_OUT_SINGLE_LINE = (
    "pitch_corner_oblique_8down",
    "pitch_corner_toe_touch_4down",
    "pitch_corner_oblique_up2",
)
BODY_POINTS = [0, 7, 8, 11, 12, 23, 24, 25, 26, 27, 28, 29, 30]


def true_pitch_deg(scene: dict[str, Any]) -> float:
    """The scene camera's pitch (deg, positive down)."""
    cam = scene["camera"]
    drop = float(cam["height_m"]) - float(cam["target_height_m"])
    return math.degrees(math.atan2(drop, float(cam["distance_m"])))


def true_focal_px(scene: dict[str, Any]) -> float:
    """The scene camera's focal length (px)."""
    _, h = scene["resolution"]
    return (h / 2.0) / math.tan(math.radians(float(scene["camera"]["vfov_deg"]) / 2.0))


def read_frames(name: str, indices: list[int]) -> list[np.ndarray]:
    """Frames ``indices`` of a fixture video (BGR)."""
    import cv2

    cap = cv2.VideoCapture(str(accuracy.FIXTURES / f"{name}.mp4"))
    out, k = [], 0
    try:
        while k <= max(indices):
            ok, img = cap.read()
            if not ok:
                break
            if k in indices:
                out.append(img)
            k += 1
    finally:
        cap.release()
    return out


def body_pitch_deg(px: np.ndarray, world: np.ndarray, size: tuple[int, int], f: float) -> float:
    """The body cue that was tried: pinhole fit of (pitch, distance, height, shift), depth 0."""
    from scipy.optimize import least_squares

    w, h = size
    x, up = world[:, 0], -world[:, 1]

    def res(p: np.ndarray) -> np.ndarray:
        th, dist, b, tx = p
        zc = dist * math.cos(th) - (b + up) * math.sin(th)
        yc = -(b + up) * math.cos(th) - dist * math.sin(th)
        return np.r_[w / 2 + f * (x + tx) / zc - px[:, 0], h / 2 + f * yc / zc - px[:, 1]]

    d0 = f * float(np.ptp(up)) / float(np.ptp(px[:, 1]))
    return math.degrees(float(least_squares(res, [0.0, d0, 0.0, 0.0]).x[0]))


def evaluate(name: str, fov: float, true_focal: bool, body: bool) -> dict[str, Any] | None:
    """True and estimated pitch of one clip; None without a stance."""
    scene = accuracy.load_scene(name)
    seq = accuracy.poses(name)
    cfg = KinematicsConfig.for_setup(0.0)
    _, stance = calibrate_recording(seq, cfg.calibration, cfg.min_visibility)
    if stance is None:
        return None
    idx = stance_indices(stance.start, stance.stop)
    frames = read_frames(name, idx)
    px = seq.image_px[idx]
    if true_focal:
        f = true_focal_px(scene)
        fov_used = math.degrees(2 * math.atan(0.5 * max(seq.image_size) / f))
        est = estimate_pitch(frames, px, fov_used, fov_spread=0.0)
    else:
        est = estimate_pitch(frames, px, fov)
    out = {
        "clip": name,
        "azimuth": float(scene["camera"]["azimuth_deg"]),
        "true": true_pitch_deg(scene),
        "est": est,
    }
    if body:
        sl = slice(stance.start, stance.stop)
        p = np.nanmedian(seq.image_px[sl], axis=0)[BODY_POINTS]
        wd = np.nanmedian(seq.world[sl], axis=0)[BODY_POINTS]
        out["body"] = body_pitch_deg(p, wd, seq.image_size, true_focal_px(scene))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clips", nargs="*", help="clip names (default: every fixture with a person)")
    ap.add_argument(
        "--fov",
        type=float,
        default=ASSUMED_FOV_DEG,
        help=f"assumed FOV of the long side, deg (default {ASSUMED_FOV_DEG:g})",
    )
    ap.add_argument("--true-focal", action="store_true", help="use the scene's focal length")
    ap.add_argument("--body", action="store_true", help="add the body cue that was tried")
    ap.add_argument("--held-out", action="store_true", help="include the held-out clips")
    args = ap.parse_args(argv)
    names = args.clips or [
        n for n in accuracy.fixture_clips() if args.held_out or n not in HELD_OUT
    ]
    head = f"{'clip':<28}{'az':>5}{'true':>7}{'est':>7}{'+-':>6}{'error':>7}  used  lines v/d"
    if args.body:
        head += "  body fit"
    print(head)
    used_err, within1, within2, n_used = [], 0, 0, 0
    for name in names:
        r = evaluate(name, args.fov, args.true_focal, args.body)
        if r is None:
            print(f"{name:<28} no stance")
            continue
        e = r["est"]
        err = e.pitch_deg - r["true"]
        line = (
            f"{name:<28}{r['azimuth']:5.0f}{r['true']:7.1f}"
            + (
                f"{e.pitch_deg:7.1f}{e.uncertainty_deg:6.1f}{err:+7.1f}"
                if e.source != "none"
                else f"{'-':>7}{'-':>6}{'-':>7}"
            )
            + f"  {'yes ' if e.usable else 'no  '}  {e.n_vertical}/{e.n_depth}"
        )
        if args.body:
            line += f"  {r['body']:6.1f}"
        if name in HELD_OUT:
            line += "  (held out)"
        elif name in HELD_OUT_SINGLE_LINE:
            line += "  (held out from the single-line rule)"
        print(line)
        if e.source != "none":
            within1 += abs(err) <= e.uncertainty_deg
            within2 += abs(err) <= 2 * e.uncertainty_deg
        if e.usable:
            n_used += 1
            used_err.append(abs(err))
    n_est = sum(1 for _ in names)
    print(
        f"\nused (+- <= 3 deg): {n_used} of {n_est}; mean |error| of those "
        f"{np.mean(used_err) if used_err else float('nan'):.2f} deg, max "
        f"{max(used_err) if used_err else float('nan'):.2f}; errors within 1x / 2x the stated "
        f"uncertainty: {within1} / {within2}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
