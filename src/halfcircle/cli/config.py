"""`halfcircle config`: the settings in effect, or the defaults as a file."""

from __future__ import annotations

import argparse

from halfcircle.cli.options import Subparsers, _add_settings_options
from halfcircle.errors import InputError


def _cmd_config(args: argparse.Namespace) -> int:
    # lazy: loads scipy
    from halfcircle.config import CONFIG_ENV, resolve_settings, settings_toml

    if args.print_defaults:
        if args.config is not None or args.set:
            raise InputError("--print-defaults prints the defaults: leave out --config and --set.")
        print(settings_toml(), end="")
        return 0
    settings, file = resolve_settings(args.config, args.set or ())
    layers = ["the defaults"]
    if file is not None:
        named = "" if args.config is not None else f" (named by {CONFIG_ENV})"
        layers.append(f"{file}{named}")
    if args.set:
        layers.append("--set " + " ".join(args.set))
    print(f"# The settings in effect: {', then '.join(layers)}.")
    print(settings_toml(settings), end="")
    return 0


def add_config_parser(sub: Subparsers) -> None:
    """The ``config`` subcommand and its options."""
    c = sub.add_parser(
        "config", help="check a settings file and print the settings in effect, or the defaults"
    )
    c.add_argument(
        "--print-defaults",
        action="store_true",
        default=False,
        help="print every setting with its default, commented, as a file to start from",
    )
    _add_settings_options(c)
    c.set_defaults(func=_cmd_config)
