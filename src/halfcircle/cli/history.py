"""`halfcircle history`, `plan` and `today`: the progress history and the routine."""

from __future__ import annotations

import argparse
import sqlite3
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from halfcircle.coaching.plan import DEFAULT_MINUTES
from halfcircle.errors import InputError

if TYPE_CHECKING:
    from halfcircle.history.store import History
from halfcircle.cli.options import Subparsers, _add_db_option, _date_option
from halfcircle.coaching.plan import (
    current_plan,
    make_plan,
    plan_lines,
    save_plan,
    today_lines,
    today_status,
    write_ics,
)


def _cmd_history(args: argparse.Namespace) -> int:
    # lazy: loads scipy
    from halfcircle.history.store import History

    path = History(args.db).path
    if not path.exists():  # reading or deleting creates no history
        if args.delete_session is not None or args.delete_all:
            raise InputError(f"There is no history at {path}.")
        print(
            f"No history yet at {path}: it starts with your first `halfcircle baseline`, "
            "`halfcircle live` or `halfcircle analyze --to-history`."
        )
        return 0
    with History(path) as history:
        try:
            return _history_command(args, history)
        except sqlite3.Error as err:  # a damaged file reads well up to its first bad page
            raise history.plain_error(err, "read") from err


def _history_command(args: argparse.Namespace, history: History) -> int:
    """``halfcircle history`` on an open history."""
    # lazy: loads scipy
    # lazy: loads scipy
    from halfcircle.coaching.painmodel import pain_words
    from halfcircle.history.export import export_csv, export_json

    # lazy: loads scipy
    # lazy: loads scipy
    from halfcircle.history.guided import session_kind, session_pains

    # lazy: loads scipy
    from halfcircle.history.pain import latest_pain_advice

    # lazy: loads scipy
    from halfcircle.history.progress import format_trend, local_time

    # lazy: loads scipy
    from halfcircle.history.trend import measure_series, trend_rows

    # lazy: loads scipy
    from halfcircle.present.glance import glance_lines

    if args.delete_all:
        if not args.yes:
            raise InputError("--delete-all removes every session: add --yes to confirm.")
        n = history.delete_all()
        print(f"Deleted all {n} sessions from {history.path}.")
        return 0
    if args.delete_session is not None:
        if not history.delete_session(args.delete_session):
            raise InputError(f"There is no session {args.delete_session} in {history.path}.")
        print(f"Deleted session {args.delete_session}.")
        return 0
    if args.summary is not None:
        # lazy: loads scipy
        from halfcircle.present.summary_page import write_summary

        start, end = _date_option("--from", args.start), _date_option("--to", args.end)
        write_summary(history, args.summary, start, end)
        print(f"Summary written to {args.summary}: open it in a browser, or print it.")
        return 0
    if args.export is not None:
        if args.out is None:
            raise InputError("--export needs --out FILE: where to write it.")
        if args.export == "csv":
            export_csv(history, args.out)
        else:
            export_json(history, args.out)
        print(f"Exported the history to {args.out}.")
        return 0
    sessions, pains = history.sessions(), session_pains(history)
    glance = glance_lines(measure_series(history), sessions, pains=pains)
    advice = latest_pain_advice(history)
    if glance or advice:  # the answer to "did I get better?" and the pain, first
        print("\n".join([*glance, *([advice] if advice else [])]) + "\n")
    print(format_trend(trend_rows(history)))
    print(f"\nSessions in {history.path} (kept on this machine only), by date:")
    for number, s in enumerate(sessions, 1):
        rated = ""
        if s["feels"] or pains[s["id"]].latest is not None:
            rated = f"  feels {s['feels'] or '-'}, pain {pain_words(pains[s['id']]) or '-'}"
        frames = ""
        if s["frames_measured"] is not None:
            measured, skipped = s["frames_measured"], s["frames_skipped"] or 0
            frames = f"  {measured} of {measured + skipped} frames measured"
        print(
            f"{number:3d}  {local_time(s['started_at'])}  {session_kind(s):8s}{rated}{frames}"
            f"  (id {s['id']})"
        )
    if args.plot is not None:
        # lazy: loads scipy
        from halfcircle.present.history_page import plot_history

        png, page = plot_history(history, args.plot)
        print(f"Plot written to {png} and {page}.")
    return 0


def _cmd_plan(args: argparse.Namespace) -> int:
    # lazy: loads scipy
    from halfcircle.history.store import History

    setting = args.days is not None or args.at is not None or args.use is not None
    if setting:
        missing = [o for o, v in (("--days", args.days), ("--at", args.at)) if v is None]
        if missing:
            raise InputError(
                f"A plan needs {' and '.join(missing)} too, like --days mon,wed,fri --at 08:00."
            )
        plan = make_plan(args.days, args.at, args.use or "own", args.minutes)
        with History(args.db) as history, history.transaction() as conn:
            plan = save_plan(conn, plan)
        print("Plan saved. " + " ".join(plan_lines(plan)))
    else:
        if args.minutes != DEFAULT_MINUTES:
            raise InputError("--minutes goes with --days and --at, which set a plan.")
        path = History(args.db).path
        plan = None
        if path.exists():  # reading creates no history
            with History(path) as history:
                plan = current_plan(history.conn)
        print(" ".join(plan_lines(plan)))
    if args.ics is not None:
        if plan is None:
            raise InputError("There is no plan to write to a calendar file yet: set one first.")
        write_ics(plan, args.ics)
        print(
            f"Calendar file written to {args.ics}: import it in your calendar app "
            "for a reminder on each planned day (nothing is sent anywhere)."
        )
    return 0


def _cmd_today(args: argparse.Namespace) -> int:

    # lazy: loads scipy
    from halfcircle.history.pain import latest_pain_decision

    # lazy: loads scipy
    from halfcircle.history.store import History

    path = History(args.db).path
    if not path.exists():  # reading creates no history
        print("\n".join(today_lines(None, today_status([], [], date.today()))))
        return 0
    with History(path) as history:
        pain = latest_pain_decision(history)
        print("\n".join(today_lines(current_plan(history.conn), history.adherence(), pain)))
    return 0


def add_history_parser(sub: Subparsers) -> None:
    """The ``history`` subcommand and its options."""
    h = sub.add_parser("history", help="your progress: trend, plot, export, delete")
    _add_db_option(h)
    h.add_argument(
        "--plot", type=Path, default=None, metavar="DIR", help="write history.png/.html here"
    )
    h.add_argument(
        "--export", type=str, choices=("csv", "json"), default=None, help="export everything"
    )
    h.add_argument("--out", type=Path, default=None, help="file to export to")
    h.add_argument(
        "--delete-session", type=int, default=None, metavar="ID", help="delete one session (its id)"
    )
    h.add_argument("--delete-all", action="store_true", default=False, help="delete every session")
    h.add_argument("--yes", action="store_true", default=False, help="confirm --delete-all")
    h.add_argument(
        "--summary",
        type=Path,
        default=None,
        metavar="FILE.html",
        help="write one page for your physiotherapist (printable)",
    )
    h.add_argument(
        "--from", dest="start", default=None, metavar="DATE", help="first day, YYYY-MM-DD"
    )
    h.add_argument("--to", dest="end", default=None, metavar="DATE", help="last day, YYYY-MM-DD")
    h.set_defaults(func=_cmd_history)


def add_plan_parser(sub: Subparsers) -> None:
    """The ``plan`` subcommand and its options."""
    pl = sub.add_parser("plan", help="your routine: which days, what time, how it is used")
    _add_db_option(pl)
    pl.add_argument(
        "--days", type=str, default=None, help="mon,wed,fri (or daily, weekdays, weekends)"
    )
    pl.add_argument("--at", type=str, default=None, metavar="HH:MM", help="local time, 24-hour")
    pl.add_argument(
        "--use",
        type=str,
        choices=("warm-up", "cool-down", "own"),
        default=None,
        help="a warm-up, a cool-down, or a routine of its own (default: own)",
    )
    pl.add_argument(
        "--minutes",
        type=int,
        default=DEFAULT_MINUTES,
        help=f"how long a set lasts (default {DEFAULT_MINUTES})",
    )
    pl.add_argument(
        "--ics", type=Path, default=None, metavar="FILE", help="write a calendar file (reminders)"
    )
    pl.set_defaults(func=_cmd_plan)


def add_today_parser(sub: Subparsers) -> None:
    """The ``today`` subcommand and its options."""
    td = sub.add_parser("today", help="what is planned today, your streak and this week")
    _add_db_option(td)
    td.set_defaults(func=_cmd_today)
