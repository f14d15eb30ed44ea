"""`halfcircle models`: the pose models shipped, and building them."""

from __future__ import annotations

import argparse
from pathlib import Path

from halfcircle.cli.options import Subparsers
from halfcircle.models import list_models


def _cmd_models(args: argparse.Namespace) -> int:

    if args.action == "build":
        # lazy: loads PIL, cv2, matplotlib, mediapipe, sounddevice
        from halfcircle.models.build import build_bundle

        for variant in args.variants:
            path = build_bundle(variant, tarball=args.tarball, out_dir=args.out)
            print(f"Built {variant}: {path}")
        return 0
    for info in list_models():
        state = (
            "ok"
            if info.installed and info.sha256_ok
            else ("damaged" if info.installed else "not installed")
        )
        size = f"{info.size / 1e6:.1f} MB" if info.size is not None else "-"
        print(f"{info.name:6s} {state:14s} {size:>8s}  {info.path}")
    return 0


def add_models_parser(sub: Subparsers) -> None:
    """The ``models`` subcommand and its options."""
    m = sub.add_parser("models", help="list the installed pose models, or build them")
    m.add_argument(
        "action",
        nargs="?",
        choices=("list", "build"),
        default="list",
        help="what to do",
    )
    m.add_argument(
        "variants", nargs="*", default=["heavy"], help="variants to build: lite, full, heavy"
    )
    m.add_argument(
        "--tarball", type=Path, default=None, help="@mediapipe/pose npm tarball (default: npm pack)"
    )
    m.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder for built bundles (default: $HALFCIRCLE_MODELS_DIR, else the package's)",
    )
    m.set_defaults(func=_cmd_models)
