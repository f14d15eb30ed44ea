"""The restructuring's safety net: snapshots that a pure move must leave unchanged.

Writes, under ``tests/data/safety_net/``:

- ``public_surface.json``: the names and signatures of the public Python API
  (``halfcircle.__all__``, ``halfcircle.api``, ``halfcircle.config``,
  ``halfcircle.batch.batch``, ``halfcircle.landmarks.PoseSequence``,
  ``halfcircle.models.model_path``);
- ``help/*.txt``: ``halfcircle --help`` and ``halfcircle COMMAND --help`` of every subcommand;
- ``replay/CLIP/{frames.csv,reps.json,summary.json}``: the outputs of the committed pose
  dumps ``replay/CLIP.npz`` replayed through the analysis and the output writer.

``tests/test_safety_net.py`` compares the code with these files. Regenerate them only for
a deliberate change of the surface, the help or the numbers, and say so in the commit:

    python tools/safety_net.py            # surface, help and replayed outputs
    python tools/safety_net.py --poses    # also re-pose the clips (MediaPipe; ~1 min)
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import io
import json
import os
import shutil
import sys
import tempfile
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
NET = REPO / "tests" / "data" / "safety_net"
#: Fixture clips whose pose dumps are replayed: a front view with two reps, an oblique view.
REPLAY_CLIPS = ("hc_two_reps", "hc_45_right")
#: The files of an output folder compared byte for byte.
REPLAY_FILES = ("frames.csv", "reps.json", "summary.json")
#: Help text is wrapped to the terminal: a fixed width makes it reproducible.
HELP_COLUMNS = "100"


def _signature(obj: Any) -> str:
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        return ""


def _describe(obj: Any) -> dict[str, Any]:
    """A name's kind and signature; a class's public methods and fields too."""
    if inspect.isclass(obj):
        members = {
            name: _signature(member) if callable(member) else type(member).__name__
            for name, member in sorted(vars(obj).items())
            if not name.startswith("_")
        }
        fields = getattr(obj, "__dataclass_fields__", {})
        return {
            "kind": "class",
            "signature": _signature(obj),
            "fields": sorted(fields),
            "members": members,
        }
    if callable(obj):
        return {"kind": "function", "signature": _signature(obj)}
    return {"kind": type(obj).__name__}


def _module_surface(module_name: str, names: list[str] | None = None) -> dict[str, Any]:
    module = importlib.import_module(module_name)
    if names is None:
        names = list(getattr(module, "__all__", None) or [
            n for n, v in vars(module).items()
            if not n.startswith("_") and getattr(v, "__module__", None) == module_name
        ])
    return {name: _describe(getattr(module, name)) for name in sorted(names)}


def public_surface() -> dict[str, Any]:
    """The public API as data: module -> name -> kind and signature."""
    import halfcircle

    return {
        "halfcircle": _module_surface("halfcircle", list(halfcircle.__all__)),
        "halfcircle.api": _module_surface("halfcircle.api"),
        "halfcircle.config": _module_surface("halfcircle.config"),
        "halfcircle.batch": _module_surface("halfcircle.batch", ["batch"]),
        "halfcircle.landmarks": _module_surface("halfcircle.landmarks", ["PoseSequence"]),
        "halfcircle.models": _module_surface("halfcircle.models", ["model_path"]),
    }


def help_texts() -> dict[str, str]:
    """``--help`` of the command and of each subcommand, by file name."""
    from halfcircle.cli import build_parser

    was = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = HELP_COLUMNS
    try:
        parser = build_parser()
        texts = {"halfcircle.txt": parser.format_help()}
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        for name, subparser in sorted(sub.choices.items()):
            texts[f"halfcircle_{name}.txt"] = subparser.format_help()
            nested = [a for a in subparser._actions if isinstance(a, argparse._SubParsersAction)]
            for action in nested:
                for inner, inner_parser in sorted(action.choices.items()):
                    texts[f"halfcircle_{name}_{inner}.txt"] = inner_parser.format_help()
    finally:
        if was is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = was
    return texts


def replay(clip: str, out_dir: Path) -> None:
    """Replay ``replay/CLIP.npz`` through the analysis and the writer into ``out_dir``.

    Only the files of :data:`REPLAY_FILES` are kept (the report embeds plots whose bytes
    depend on the plotting library's version).
    """
    from halfcircle.analyze import analyze_poses
    from halfcircle.landmarks import PoseSequence
    from halfcircle.present.outputs import write_outputs

    poses = PoseSequence.load_npz(NET / "replay" / f"{clip}.npz")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, redirect_stdout(io.StringIO()):
        write_outputs(analyze_poses(poses), Path(tmp), annotate=False)
        for name in REPLAY_FILES:
            shutil.copyfile(Path(tmp) / name, out_dir / name)


def pose_clips() -> None:
    """Pose the replay clips with the full model and write their dumps (MediaPipe)."""
    from dataclasses import replace

    from halfcircle.analyze import extract_poses

    for clip in REPLAY_CLIPS:
        poses, _ = extract_poses(REPO / "fixtures" / f"{clip}.mp4")
        poses = replace(poses, source=f"fixtures/{clip}.mp4")
        poses.save_npz(NET / "replay" / f"{clip}.npz")


def main() -> None:
    """Write every snapshot of the safety net."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--poses", action="store_true", help="re-pose the replay clips first")
    args = ap.parse_args()
    (NET / "help").mkdir(parents=True, exist_ok=True)
    (NET / "replay").mkdir(parents=True, exist_ok=True)
    if args.poses:
        pose_clips()
    surface = json.dumps(public_surface(), indent=1, sort_keys=True) + "\n"
    (NET / "public_surface.json").write_text(surface)
    for old in (NET / "help").glob("*.txt"):
        old.unlink()
    for name, text in help_texts().items():
        (NET / "help" / name).write_text(text)
    for clip in REPLAY_CLIPS:
        replay(clip, NET / "replay" / clip)
    print(f"wrote {NET.relative_to(REPO)}", file=sys.stderr)


if __name__ == "__main__":
    main()
