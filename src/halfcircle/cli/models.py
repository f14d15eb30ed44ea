"""`halfcircle models`: the pose models shipped, and building them."""

from __future__ import annotations

import argparse


def _cmd_models(args: argparse.Namespace) -> int:
    from halfcircle.models import list_models

    if args.action == "build":
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
