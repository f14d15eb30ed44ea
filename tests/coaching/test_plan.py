"""The routine's plan: stored in the history, written as a calendar file, kept day by day."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import icalendar
import pytest

from halfcircle.coaching.painmodel import PainRating, pain_decision
from halfcircle.coaching.plan import (
    Plan,
    current_plan,
    make_plan,
    parse_days,
    parse_time,
    plans,
    save_plan,
    today_lines,
    today_status,
    write_ics,
)
from halfcircle.errors import InputError
from halfcircle.history.store import SCHEMA_VERSION, History
from tests.conftest import DATA

DATA = DATA
#: A Friday; its week runs from Monday 30 Nov to Sunday 6 Dec 2026.
FRIDAY = date(2026, 12, 4)


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``halfcircle ARGS`` in a child process, as a shell runs it."""
    return subprocess.run(
        [sys.executable, "-m", "halfcircle", *map(str, args)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.fixture
def cli_here(capsys: pytest.CaptureFixture[str]) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``halfcircle ARGS`` called in this process: its exit code and what it printed."""
    from halfcircle.cli.app import main

    def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
        argv = list(map(str, args))
        try:
            code = main(argv)
        except SystemExit as stopped:  # the parser's own errors
            code = int(stopped.code or 0)
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(argv, code, out, err)

    return run


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mon,wed,fri", (0, 2, 4)),
        ("Fri, mon", (0, 4)),
        ("monday,tuesday", (0, 1)),
        ("daily", (0, 1, 2, 3, 4, 5, 6)),
        ("weekdays", (0, 1, 2, 3, 4)),
        ("weekends", (5, 6)),
    ],
)
def test_days_are_read_by_name(text: str, days: tuple[int, ...]) -> None:
    assert parse_days(text) == days


@pytest.mark.parametrize("text", ["", "funday", "mon,xyz", "mo", ","])
def test_a_day_that_is_not_one_is_refused_in_one_sentence(text: str) -> None:
    with pytest.raises(InputError, match="--days"):
        parse_days(text)


@pytest.mark.parametrize(("text", "at"), [("08:00", time(8)), ("7:30", time(7, 30))])
def test_times_use_the_24_hour_clock(text: str, at: time) -> None:
    assert parse_time(text) == at


@pytest.mark.parametrize("text", ["24:00", "8", "08:60", "8am", "-1:00"])
def test_a_time_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(InputError, match="--at"):
        parse_time(text)


@pytest.mark.parametrize(("use", "minutes"), [("walk", 5), ("own", 0), ("own", 121)])
def test_use_and_minutes_are_checked_at_the_door(use: str, minutes: int) -> None:
    with pytest.raises(InputError):
        make_plan("mon", "08:00", use, minutes)


def test_a_plan_round_trips_through_the_history(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    first = make_plan("mon,wed,fri", "08:00", "warm-up", 6)
    second = make_plan("daily", "19:15", "cool-down", 4)
    with History(db) as h, h.transaction() as conn:
        assert current_plan(conn) is None
        saved = save_plan(conn, first, now=datetime(2026, 11, 2, 7, tzinfo=timezone.utc))
        save_plan(conn, second, now=datetime(2026, 11, 9, 7, tzinfo=timezone.utc))
    with History(db) as h:
        stored = plans(h.conn)
        assert current_plan(h.conn) == stored[-1]
    assert [(p.days, p.at, p.use, p.minutes) for p in stored] == [
        ((0, 2, 4), time(8), "warm-up", 6),
        ((0, 1, 2, 3, 4, 5, 6), time(19, 15), "cool-down", 4),
    ]
    assert stored[0] == saved
    assert stored[0].set_at == "2026-11-02T07:00:00+00:00"


def test_a_history_of_the_previous_schema_migrates_in_place_with_nothing_lost(
    tmp_path: Path,
) -> None:
    db = tmp_path / "old.sqlite3"
    shutil.copyfile(DATA / "history_schema5.sqlite3", db)
    old = sqlite3.connect(db)
    assert old.execute("PRAGMA user_version").fetchone()[0] == 5
    before = {t: old.execute(f"SELECT * FROM {t} ORDER BY id").fetchall()
              for t in ("sessions", "measures", "practice_reps", "ratings")}  # fmt: skip
    old.close()
    with History(db) as h:
        assert h.schema_version() == SCHEMA_VERSION
        assert plans(h.conn) == []
        for table, rows in before.items():
            after = h.conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
            assert [tuple(r)[: len(rows[0])] for r in after] == rows, table
        assert [s["kind"] for s in h.sessions()] == ["baseline", "practice"]
        assert h.sessions()[1]["feels"] == "better"


def _ics(plan: Plan, tmp_path: Path, tz_name: str, now: datetime) -> icalendar.Calendar:
    path = write_ics(plan, tmp_path / "plan.ics", tz_name=tz_name, now=now)
    return icalendar.Calendar.from_ical(path.read_bytes())


def test_the_calendar_file_repeats_weekly_on_the_planned_days_in_local_time(
    tmp_path: Path,
) -> None:
    plan = make_plan("tue,thu,sat", "07:45", "warm-up", 8)
    now = datetime(2026, 12, 4, 12, tzinfo=timezone.utc)  # a Friday
    cal = _ics(plan, tmp_path, "Europe/Berlin", now)
    (event,) = cal.walk("VEVENT")
    start = event.decoded("dtstart")
    assert start.tzinfo is not None and str(start.tzinfo) == "Europe/Berlin"
    assert (start.date(), start.time()) == (date(2026, 12, 5), time(7, 45))  # next Saturday
    assert event.decoded("dtend") - start == timedelta(minutes=8)
    rule = event["rrule"]
    assert rule["FREQ"] == ["WEEKLY"] and rule["BYDAY"] == ["TU", "TH", "SA"]
    assert "UNTIL" not in rule and "COUNT" not in rule
    assert "warm-up" in str(event["summary"])
    assert "halfcircle session" in str(event["description"])  # the guided program's door
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("trigger") == timedelta(minutes=-10)
    (zone,) = cal.walk("VTIMEZONE")
    assert str(zone["tzid"]) == "Europe/Berlin"


def test_the_first_event_is_today_when_today_is_planned(tmp_path: Path) -> None:
    plan = make_plan("fri", "18:00", "own", 5)
    cal = _ics(plan, tmp_path, "America/New_York", datetime(2026, 12, 4, 15, tzinfo=timezone.utc))
    (event,) = cal.walk("VEVENT")
    assert event.decoded("dtstart").date() == FRIDAY


def _plan(days: str, set_on: date) -> Plan:
    p = make_plan(days, "08:00", "own", 5)
    set_at = datetime.combine(set_on, time(12)).astimezone(timezone.utc).isoformat()
    return Plan(p.days, p.at, p.use, p.minutes, set_at)


MWF_SINCE_NOV = [_plan("mon,wed,fri", date(2026, 11, 2))]
D = date


@pytest.mark.parametrize(
    ("sessions", "planned", "done", "streak", "missed", "week"),
    [
        # nothing done yet: today's set waits; 14 planned days since 2 Nov went by
        ([], True, False, 0, 14, (0, 3, 0)),
        # Mon and Wed kept, today not yet: the streak stands, today does not break it
        ([D(2026, 11, 30), D(2026, 12, 2)], True, False, 2, 0, (2, 3, 0)),
        # today done too: 3 in a row, week complete so far
        ([D(2026, 11, 30), D(2026, 12, 2), FRIDAY], True, True, 3, 0, (3, 3, 0)),
        # a gap: last Friday (27 Nov) missed, so the streak counts back to it only
        ([D(2026, 11, 25), D(2026, 11, 30), D(2026, 12, 2)], True, False, 2, 0, (2, 3, 0)),
        # Wednesday missed after Monday: one missed day, no streak
        ([D(2026, 11, 30)], True, False, 0, 1, (1, 3, 0)),
        # a session on an unplanned Tuesday is an extra day; it neither counts nor breaks
        ([D(2026, 11, 30), D(2026, 12, 1), D(2026, 12, 2)], True, False, 2, 0, (2, 3, 1)),
    ],
)
def test_today_streak_and_week_follow_the_plan(
    sessions: list[date],
    planned: bool,
    done: bool,
    streak: int,
    missed: int,
    week: tuple[int, int, int],
) -> None:
    status = today_status(MWF_SINCE_NOV, sessions, FRIDAY)
    assert (status.planned_today, status.done_today) == (planned, done)
    assert (status.streak, status.missed) == (streak, missed)
    assert (status.week_done, status.week_planned, status.extra_days) == week
    assert status.next_planned == D(2026, 12, 7)


def test_a_plan_changed_midweek_counts_each_day_against_the_plan_then_in_effect() -> None:
    # Mon/Wed/Fri until Wednesday 2 Dec, then Tue/Thu/Sat: this week asks Mon, Wed, Thu, Sat
    history = [_plan("mon,wed,fri", D(2026, 11, 2)), _plan("tue,thu,sat", D(2026, 12, 2))]
    status = today_status(history, [D(2026, 11, 30), D(2026, 12, 3)], FRIDAY)
    assert not status.planned_today
    assert (status.week_done, status.week_planned) == (2, 3)  # Mon, Thu of Mon, Thu, Sat
    assert status.streak == 2 and status.missed == 0
    assert status.next_planned == D(2026, 12, 5)


def test_days_before_the_first_plan_are_not_counted_as_missed() -> None:
    status = today_status([_plan("daily", FRIDAY)], [], FRIDAY)
    assert (status.missed, status.streak, status.week_planned) == (0, 0, 3)  # Fri, Sat, Sun


def test_a_missed_day_is_said_kindly() -> None:
    plan = MWF_SINCE_NOV[0]
    lines = today_lines(plan, today_status(MWF_SINCE_NOV, [D(2026, 11, 30)], FRIDAY))
    text = " ".join(lines)
    assert "Today: your practice as a routine of its own at 08:00" in text
    assert "The last planned day was missed. That happens" in text
    assert "This week: 1 of 3 planned days done." in text
    for harsh in ("fail", "broke", "lost"):
        assert harsh not in text.lower()
    many = " ".join(today_lines(plan, today_status(MWF_SINCE_NOV, [], FRIDAY)))
    assert "The last 14 planned days were missed. That happens; starting again gently" in many


@pytest.mark.parametrize(
    ("ratings", "said"),
    [
        # settled: nothing about pain
        ([(2, 2)], None),
        # a clear rise last time: go gently, the session eases the set
        ([(2, 5)], "go gently today: `halfcircle session` eases the set"),
        # higher at the start three times in a row: the clinician sentence again
        ([(2, 2), (3, 3), (4, 4)], "worth checking with a clinician"),
    ],
    ids=["settled", "ease off", "clinician"],
)
def test_today_repeats_what_the_last_sessions_pain_asks(
    ratings: list[tuple[int, int]], said: str | None
) -> None:
    plan = MWF_SINCE_NOV[0]
    status = today_status(MWF_SINCE_NOV, [D(2026, 11, 30)], FRIDAY)
    decision = pain_decision([PainRating(*r) for r in ratings])
    lines = today_lines(plan, status, decision)
    assert lines[: len(today_lines(plan, status))] == today_lines(plan, status)
    if said is None:
        assert lines == today_lines(plan, status)
    else:
        assert said in lines[-1]


@pytest.mark.video
def test_plan_and_today_on_the_command_line(
    tmp_path: Path, cli_here: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    cli = cli_here  # what the commands say and store; test_a_bad_plan runs one as a shell does
    db = tmp_path / "h.sqlite3"
    shown = cli("plan", "--db", db)
    assert shown.returncode == 0 and "No plan yet" in shown.stdout
    assert not db.exists()  # reading creates no history
    ics = tmp_path / "r.ics"
    saved = cli("plan", "--db", db, "--days", "weekdays", "--at", "7:05", "--use", "cool-down",
                "--minutes", "3", "--ics", ics)  # fmt: skip
    assert saved.returncode == 0, saved.stderr
    assert "Monday to Friday at 07:05, about 3 minutes as a cool-down" in saved.stdout
    assert icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert "Monday to Friday at 07:05" in cli("plan", "--db", db).stdout
    today = cli("today", "--db", db)
    assert today.returncode == 0 and today.stdout.strip()
    exported = tmp_path / "h.json"
    assert cli("history", "--db", db, "--export", "json", "--out", exported).returncode == 0
    data = json.loads(exported.read_text())
    assert data["plans"][0]["days"] == "mon,tue,wed,thu,fri"
    assert set(data["adherence"]) >= {"streak", "week_done", "week_planned"}
    table = tmp_path / "h.csv"
    assert cli("history", "--db", db, "--export", "csv", "--out", table).returncode == 0
    with table.open(newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["record"] in ("plan", "adherence")]
    assert {(r["record"], r["name"], r["value"]) for r in rows} >= {
        ("plan", "days", "mon,tue,wed,thu,fri"),
        ("plan", "at", "07:05"),
        ("adherence", "week_done", "0"),
    }


@pytest.mark.video
@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--days", "mon"], "--at"),
        (["--days", "someday", "--at", "08:00"], "--days"),
        (["--days", "mon", "--at", "8"], "--at"),
        (["--days", "mon", "--at", "08:00", "--minutes", "500"], "--minutes"),
        (["--minutes", "3"], "--minutes"),
    ],
)
def test_a_bad_plan_is_one_sentence_and_exit_2(
    tmp_path: Path,
    args: list[str],
    words: str,
    cli_here: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    run = cli if args == ["--days", "mon"] else cli_here  # once as a shell sees it
    done = run("plan", "--db", tmp_path / "h.sqlite3", *args)
    assert done.returncode == 2
    assert words in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
