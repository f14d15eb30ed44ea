"""Per-frame cost of the streaming kinematics (measure + calibrated One Euro filtering).

    python bench/kinematics_speed.py [--frames 3000] [--repeats 5]

Feeds synthetic poses (a stick skeleton doing half circles, with landmark noise)
through :class:`halfcircle.kinematics.measure.StreamingKinematics` after it calibrated, and
prints the best-of-repeats cost per frame; also the whole-array offline path per
frame for comparison. Target: well under 0.2 ms per frame.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from halfcircle.kinematics.measure import StreamingKinematics, compute_kinematics, measure_one
from halfcircle.landmarks import PoseFrame
from halfcircle.synthetic import half_circle, synthetic_clip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=3000, help="frames per repeat (default 3000)")
    ap.add_argument("--repeats", type=int, default=5, help="repeats; the best is kept (default 5)")
    args = ap.parse_args()

    lat, fwd = half_circle(n_rest=45, n_rep=150)
    reps = int(np.ceil(args.frames / lat.shape[0]))
    lat, fwd = np.tile(lat, reps)[: args.frames], np.tile(fwd, reps)[: args.frames]
    clip = synthetic_clip(lat, fwd, azimuth_deg=30.0, noise_px=0.8, noise_depth_m=0.01)
    seq = clip.seq
    frames: list[PoseFrame] = [seq.frame(i) for i in range(len(seq))]

    def run_streaming() -> float:
        sk = StreamingKinematics(seq.image_size)
        for f in frames[:60]:  # calibrate on the first rest, outside the timing
            sk.update(f)
        assert sk.calibration is not None, "the synthetic rest should calibrate the stream"
        shifted = [
            PoseFrame(f.time_s + 1e3, f.image, f.world, f.visibility, f.presence, 1) for f in frames
        ]
        t0 = time.perf_counter()
        for f in shifted:
            sk.update(f)
        return (time.perf_counter() - t0) / len(shifted)

    calib = StreamingKinematics(seq.image_size)
    for f in frames[:60]:
        calib.update(f)
    assert calib.calibration is not None

    def run_measure_only() -> float:
        c = calib.calibration
        assert c is not None
        t0 = time.perf_counter()
        for f in frames:
            measure_one(f, seq.image_size, c)
        return (time.perf_counter() - t0) / len(frames)

    def run_offline() -> float:
        t0 = time.perf_counter()
        compute_kinematics(seq)
        return (time.perf_counter() - t0) / len(frames)

    rows = [
        ("streaming update (measure + 8 One Euro filters)", run_streaming),
        ("  of which measure_one", run_measure_only),
        ("offline compute_kinematics (Butterworth), per frame", run_offline),
    ]
    print(f"{len(frames)} frames, best of {args.repeats}:")
    for label, fn in rows:
        best = min(fn() for _ in range(args.repeats))
        print(f"  {label:<52} {best * 1e3:8.4f} ms/frame")
    print("target: streaming well under 0.2 ms/frame")


if __name__ == "__main__":
    main()
