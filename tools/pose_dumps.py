"""MediaPipe's poses of the fixture clips, kept so the test suite poses each clip once per change.

The analysis and accuracy tests read the fixture clips' poses through
``tests/conftest.py``'s ``fixture_poses``. Posing all 44 clips (12,200 frames) with the
full model takes several minutes of the suite on a 2-core machine, and gives the same
arrays every time for the same video, model, MediaPipe and pose settings. So those
arrays are kept here, under ``tests/data/poses/NAME.MODEL.npz``, each stamped with
what made it (:func:`stamp`): the video's sha256, MediaPipe's version, the model
bundle's sha256 and the pose settings. ``fixture_poses`` uses a dump only when its
stamp is today's, and poses the clip afresh otherwise; ``tests/test_pose_dumps.py``
fails when a dump is stale or missing, and re-poses a few clips to check that a
dump holds exactly what the pose stage gives now. The pose stage's own tests
(``tests/pose/``), the live loops and the commands still run MediaPipe on frames.

Landmarks are kept as float32 where that is the precision MediaPipe gave them
(float64 otherwise), so a dump loads back to the very arrays of a fresh run.

    python tools/pose_dumps.py            # write the stale or missing dumps
    python tools/pose_dumps.py --check    # list them, write nothing (exit 1 if any)
    python tools/pose_dumps.py NAME ...   # only these clips
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
DUMPS = REPO / "tests" / "data" / "poses"
#: The model the fixture clips are posed with in the tests (``fixture_poses``' default).
MODEL = "full"
_FLOAT32 = ("image", "world", "visibility", "presence")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stamp(name: str, model: str = MODEL) -> dict[str, Any]:
    """What a dump of clip ``name`` must have been made with to stand for a fresh run."""
    import mediapipe

    from halfcircle.models import model_path
    from halfcircle.poseconfig import PoseConfig

    return {
        "video_sha256": _sha256(FIXTURES / f"{name}.mp4"),
        "mediapipe": mediapipe.__version__,
        "model_sha256": _sha256(model_path(model)),
        "pose": dataclasses.asdict(PoseConfig()),
    }


def dump_path(name: str, model: str = MODEL) -> Path:
    """Where the dump of clip ``name`` lies."""
    return DUMPS / f"{name}.{model}.npz"


def clip_names() -> list[str]:
    """Every fixture clip, sorted."""
    return sorted(p.name.removesuffix(".scene.json") for p in FIXTURES.glob("*.scene.json"))


def read_stamp(path: Path) -> dict[str, Any] | None:
    """The stamp a dump was written with; None when there is no readable dump."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return dict(json.loads(str(data["stamp"])))
    except (OSError, KeyError, ValueError):
        return None


def load(name: str, model: str = MODEL) -> Any | None:
    """The poses of clip ``name`` from its dump, or None when it is missing or stale.

    The sequence's ``source`` is the clip's path in this checkout, as a fresh run gives.
    """
    from halfcircle.landmarks import PoseSequence

    path = dump_path(name, model)
    if read_stamp(path) != stamp(name, model):
        return None
    with np.load(path, allow_pickle=False) as data:
        w, h = (int(v) for v in data["image_size"])
        return PoseSequence(
            time_s=data["time_s"],
            image=data["image"].astype(np.float64),
            world=data["world"].astype(np.float64),
            visibility=data["visibility"].astype(np.float64),
            presence=data["presence"].astype(np.float64),
            n_people=data["n_people"],
            image_size=(w, h),
            fps=float(data["fps"]),
            source=str(FIXTURES / f"{name}.mp4"),
        )


def write(name: str, model: str = MODEL) -> Path:
    """Pose clip ``name`` afresh and write its dump."""
    from halfcircle.analyze.video import extract_poses

    seq, interrupted = extract_poses(FIXTURES / f"{name}.mp4", model)
    if interrupted:
        raise KeyboardInterrupt
    arrays = {k: getattr(seq, k) for k in _FLOAT32}
    for key, values in arrays.items():
        narrowed = values.astype(np.float32)
        if np.array_equal(narrowed.astype(np.float64), values, equal_nan=True):
            arrays[key] = narrowed  # lossless: MediaPipe's own precision
    path = dump_path(name, model)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        stamp=np.str_(json.dumps(stamp(name, model), sort_keys=True)),
        time_s=seq.time_s,
        n_people=seq.n_people,
        image_size=np.array(seq.image_size, dtype=np.int64),
        fps=np.float64(seq.fps),
        **arrays,
    )
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="clips (default: every fixture clip)")
    parser.add_argument("--check", action="store_true", help="list stale dumps, write none")
    args = parser.parse_args(argv)
    names = args.names or clip_names()
    stale = [n for n in names if read_stamp(dump_path(n)) != stamp(n)]
    if args.check:
        print("\n".join(stale) if stale else "Every dump is current.")
        return 1 if stale else 0
    for n in stale:
        print(f"posing {n} ...", flush=True)
        write(n)
    print(f"{len(stale)} written, {len(names) - len(stale)} current.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
