"""`halfcircle batch`: many videos on a Dask cluster."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from halfcircle.cli.options import (
    EXIT_INTERRUPTED,
    Subparsers,
    _add_camera_tilt_option,
    _add_mirrored_option,
    _add_settings_options,
    _settings_of,
)


def _cmd_batch(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    # lazy: loads dask, distributed, scipy
    from halfcircle.batch.plan import VideoOutcome, plan_batch

    # lazy: loads dask, distributed, scipy
    from halfcircle.batch.run import check_cluster, run_batch
    from halfcircle.nativelog import TerminalStream

    check_cluster(args.workers, args.scheduler)  # before the plan is announced
    plan = plan_batch(
        args.inputs,
        args.out,
        model=args.model,
        annotate=not args.no_video,
        camera_tilt_deg=args.camera_tilt,
        settings=_settings_of(args),
        mirrored=args.mirrored,
    )
    n, done = len(plan.entries), len(plan.done)
    if not args.quiet:
        print(
            f"{n} video{'s' if n != 1 else ''} found, {done} already done"
            + (f"; analysing {n - done}." if n > done else ".")
        )
    with tqdm(
        total=n,
        initial=done,
        unit="video",
        desc="videos",
        disable=args.quiet or None,
        file=TerminalStream(),
    ) as bar:

        def on_result(outcome: VideoOutcome) -> None:
            if outcome.status == "failed":
                bar.write(f"{outcome.video_id}: {outcome.error}", file=sys.stderr)
            bar.update(1)

        result = run_batch(
            plan, workers=args.workers, scheduler=args.scheduler, on_result=on_result
        )
    failed = sum(r["status"] == "failed" for r in result.rows)
    # lazy: loads scipy
    from halfcircle.present.cohort import READ

    finished = sum(r["status"] in READ for r in result.rows)
    if not args.quiet:
        print(f"Analysed {finished - done}, skipped {done} already done, {failed} failed.")
        print(f"Cohort in {result.cohort_csv} and {result.cohort_html}.")
    if result.interrupted:
        print(
            f"halfcircle: stopped with Ctrl-C after {finished} of {n} videos; the cohort "
            "covers those, and the same command finishes the rest.",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    return 1 if failed else 0


def add_batch_parser(sub: Subparsers) -> None:
    """The ``batch`` subcommand and its options."""
    bt = sub.add_parser("batch", help="analyse many videos on a Dask cluster into one cohort table")
    bt.add_argument("inputs", nargs="+", type=str, help="video files or folders of videos")
    bt.add_argument(
        "--out", type=Path, required=True, help="output folder: cohort.csv, cohort.html, videos/"
    )
    bt.add_argument("--model", type=str, default="full", help="lite, full, heavy or a .task file")
    bt.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes of the local cluster (default: one per core)",
    )
    bt.add_argument(
        "--scheduler",
        type=str,
        default=None,
        metavar="ADDRESS",
        help="use an existing Dask scheduler (tcp://host:8786) instead of a local cluster",
    )
    bt.add_argument(
        "--no-video", action="store_true", default=False, help="skip the annotated videos"
    )
    _add_camera_tilt_option(bt)
    _add_mirrored_option(bt, "every video")
    _add_settings_options(bt)
    bt.add_argument(
        "--quiet", action="store_true", default=False, help="no progress bar or summary"
    )
    bt.set_defaults(func=_cmd_batch)
