"""The routine: which days, at what time, and how the half circle is used in the day.

The last step of the program is to make the movement part of daily life: a warm-up, a
cool-down or a routine of its own on most days (``DOMAIN.md``, "The program"). A
:class:`Plan` says which weekdays, at what local time, how the set is used and how long
it lasts. Plans are kept in the history database (table ``plans``; every change is a new
row, so that adherence is counted against the plan that was in effect on each day).

:func:`today_status` answers "what is planned today, is it done, and how have I kept it"
as data, from the plans and the local dates of the sessions; :func:`today_lines` words it
kindly: a missed day is said as a fact with an invitation, never as a failure.
:func:`write_ics` writes the plan as a recurring calendar event with a reminder, for any
calendar app to import; nothing leaves the computer.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, Final

from halfcircle.coaching.painmodel import CARRY_ON, SEE_CLINICIAN, PainDecision
from halfcircle.errors import InputError
from halfcircle.words import join_and

__all__ = [
    "DEFAULT_MINUTES",
    "MINUTES_RANGE",
    "USES",
    "WEEKDAYS",
    "Plan",
    "TodayStatus",
    "current_plan",
    "make_plan",
    "parse_days",
    "parse_time",
    "plan_dict",
    "plan_lines",
    "plans",
    "save_plan",
    "today_lines",
    "today_status",
    "write_ics",
]

#: Weekday names as the command line takes them, Monday first (``date.weekday()`` order).
WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_WORDS: Final = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)
#: Shorthands for common sets of days.
_DAY_SETS: Final = {
    "daily": tuple(range(7)),
    "weekdays": tuple(range(5)),
    "weekends": (5, 6),
}
#: How the routine is used: before other activity, after it, or on its own.
USES: Final = ("warm-up", "cool-down", "own")
_USE_WORDS: Final = {
    "warm-up": "as a warm-up",
    "cool-down": "as a cool-down",
    "own": "as a routine of its own",
}
#: A set's length in minutes: at least one, at most two hours; five when not given.
MINUTES_RANGE: Final = (1, 120)
DEFAULT_MINUTES: Final = 5
#: iCalendar's two-letter weekday codes, Monday first.
_ICAL_DAYS: Final = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
#: Minutes before the planned time at which the calendar reminds.
REMINDER_MIN: Final = 10


@dataclass(frozen=True)
class Plan:
    """A routine: weekdays (0 = Monday .. 6 = Sunday), a local time, a use, a set length.

    ``set_at`` is when the plan was set (ISO 8601 UTC); empty for a plan not yet stored.
    """

    days: tuple[int, ...]
    at: time
    use: str
    minutes: int
    set_at: str = ""

    @property
    def day_names(self) -> str:
        """The days as the command line takes them: ``"mon,wed,fri"``."""
        return ",".join(WEEKDAYS[d] for d in self.days)

    def set_on(self) -> date:
        """The local date on which the plan was set (today for an unsaved plan)."""
        if not self.set_at:
            return date.today()
        return datetime.fromisoformat(self.set_at).astimezone().date()


def parse_days(text: str) -> tuple[int, ...]:
    """Weekdays from ``"mon,wed,fri"`` (or ``daily``, ``weekdays``, ``weekends``).

    Raises:
        InputError: An unknown day name, or no day at all.
    """
    key = text.strip().lower()
    if key in _DAY_SETS:
        return _DAY_SETS[key]
    days: set[int] = set()
    for part in filter(None, (p.strip() for p in key.split(","))):
        name = part[:3]
        if name not in WEEKDAYS or not (
            part == name or _WEEKDAY_WORDS[WEEKDAYS.index(name)].lower().startswith(part)
        ):
            raise InputError(
                f"--days: {part!r} is not a day; use names like mon,wed,fri "
                "(or daily, weekdays, weekends)."
            )
        days.add(WEEKDAYS.index(name))
    if not days:
        raise InputError("--days needs at least one day, like mon,wed,fri.")
    return tuple(sorted(days))


def parse_time(text: str) -> time:
    """A local time of day from ``"08:00"`` or ``"8:00"`` (24-hour clock).

    Raises:
        InputError: Not a time of day.
    """
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", text)
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise InputError(f"--at: {text!r} is not a time of day; use the 24-hour clock, like 08:00.")
    return time(int(match[1]), int(match[2]))


def make_plan(days: str, at: str, use: str, minutes: int = DEFAULT_MINUTES) -> Plan:
    """A plan from the command line's words, checked at the door.

    Raises:
        InputError: A value out of range, said in the words the user typed.
    """
    if use not in USES:
        raise InputError(f"--use must be one of {', '.join(USES)}, not {use!r}.")
    low, high = MINUTES_RANGE
    if not low <= minutes <= high:
        raise InputError(f"--minutes must be between {low} and {high}, not {minutes}.")
    return Plan(parse_days(days), parse_time(at), use, minutes)


def save_plan(conn: sqlite3.Connection, plan: Plan, now: datetime | None = None) -> Plan:
    """Store ``plan`` in the history database as the plan from now on.

    Call it inside a transaction (``History.transaction()``); returns the plan with
    its ``set_at``.
    """
    set_at = (
        (now or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat(timespec="seconds")
    )
    conn.execute(
        "INSERT INTO plans (set_at, days, at_time, use, minutes) VALUES (?, ?, ?, ?, ?)",
        (set_at, plan.day_names, plan.at.strftime("%H:%M"), plan.use, plan.minutes),
    )
    return Plan(plan.days, plan.at, plan.use, plan.minutes, set_at)


def plans(conn: sqlite3.Connection) -> list[Plan]:
    """Every plan stored in the history database, oldest first."""
    rows = conn.execute(
        "SELECT set_at, days, at_time, use, minutes FROM plans ORDER BY set_at, id"
    ).fetchall()
    return [
        Plan(parse_days(days), parse_time(at_time), use, int(minutes), set_at)
        for set_at, days, at_time, use, minutes in rows
    ]


def current_plan(conn: sqlite3.Connection) -> Plan | None:
    """The plan in effect now, or None when none was set."""
    all_plans = plans(conn)
    return all_plans[-1] if all_plans else None


def plan_dict(plan: Plan) -> dict[str, Any]:
    """A plan as the history's export writes it."""
    return {
        "set_at": plan.set_at,
        "days": plan.day_names,
        "at": plan.at.strftime("%H:%M"),
        "use": plan.use,
        "minutes": plan.minutes,
    }


@dataclass(frozen=True)
class TodayStatus:
    """Where a person stands with their plan on ``day`` (all dates local).

    ``streak``: planned days kept in a row, counting back from the last planned day
    before today (and today, once it is done; a planned day not yet done today does not
    break it). ``week_done`` of ``week_planned``: planned days of this week (Monday to
    Sunday) with a session, over the days the plan asks for this week. ``extra_days``:
    days of this week with a session that the plan did not ask for. ``missed``: planned
    days since the last kept one (0 when the last planned day was kept).
    """

    day: date
    planned_today: bool
    done_today: bool
    streak: int
    week_done: int
    week_planned: int
    extra_days: int
    missed: int
    next_planned: date | None

    def to_dict(self) -> dict[str, Any]:
        """The status as JSON-ready data (dates as ISO 8601 strings)."""
        data = asdict(self)
        for key in ("day", "next_planned"):
            data[key] = data[key].isoformat() if data[key] is not None else None
        return data


def _plan_on(history: Sequence[Plan], day: date) -> Plan | None:
    """The plan in effect on ``day``: the last one set on or before it."""
    in_effect = None
    for p in history:
        if p.set_on() <= day:
            in_effect = p
    return in_effect


def _planned(history: Sequence[Plan], day: date) -> bool:
    plan = _plan_on(history, day)
    return plan is not None and day.weekday() in plan.days


def today_status(history: Sequence[Plan], session_days: Iterable[date], today: date) -> TodayStatus:
    """The plan's status on ``today`` from the plans (oldest first) and the session dates.

    Any session on a day counts that day as done (a practice, a baseline or a guided
    session).
    """
    done = set(session_days)
    planned_today = _planned(history, today)
    streak = 1 if planned_today and today in done else 0
    missed = 0
    first = min((p.set_on() for p in history), default=today)
    day = today - timedelta(days=1)
    while day >= first:
        if _planned(history, day):
            if day in done:
                if missed:
                    break
                streak += 1
            elif streak:
                break
            else:
                missed += 1
        day -= timedelta(days=1)
    monday = today - timedelta(days=today.weekday())
    week = [monday + timedelta(days=i) for i in range(7)]
    week_planned = [d for d in week if _planned(history, d)]
    week_done = sum(d in done for d in week_planned)
    extra = sum(d in done and d not in week_planned for d in week)
    current = _plan_on(history, today)
    next_planned = None
    if current is not None:
        for i in range(1, 8):
            if (today + timedelta(days=i)).weekday() in current.days:
                next_planned = today + timedelta(days=i)
                break
    return TodayStatus(
        day=today,
        planned_today=planned_today,
        done_today=today in done,
        streak=streak,
        week_done=week_done,
        week_planned=len(week_planned),
        extra_days=extra,
        missed=missed,
        next_planned=next_planned,
    )


def plan_lines(plan: Plan | None) -> list[str]:
    """The plan in words, for ``halfcircle plan``."""
    if plan is None:
        return [
            "No plan yet. Set one with, for example: "
            "halfcircle plan --days mon,wed,fri --at 08:00 --use warm-up"
        ]
    days = _day_list(plan.days)
    return [
        f"Your plan: {days} at {plan.at.strftime('%H:%M')}, about {plan.minutes} "
        f"minute{'s' if plan.minutes != 1 else ''} {_USE_WORDS[plan.use]}."
    ]


def _day_list(days: Sequence[int]) -> str:
    if tuple(days) == _DAY_SETS["daily"]:
        return "every day"
    if tuple(days) == _DAY_SETS["weekdays"]:
        return "Monday to Friday"
    return join_and([_WEEKDAY_WORDS[d] for d in days])


def today_lines(
    plan: Plan | None, status: TodayStatus, pain: PainDecision | None = None
) -> list[str]:
    """Today's status in a few kind sentences, for ``halfcircle today``.

    ``pain``: what the latest session's pain means
    (:func:`halfcircle.history.pain.latest_pain_decision`); after one that asks to ease
    off, or to check with a clinician, a last sentence says so again.
    """
    return _plan_lines(plan, status) + _pain_lines(pain)


def _pain_lines(pain: PainDecision | None) -> list[str]:
    if pain is None or pain.action == CARRY_ON:
        return []
    if pain.action == SEE_CLINICIAN:
        return [pain.sentence]
    return [
        "After your last session's pain, go gently today: `halfcircle session` eases the "
        "set (fewer reps, slower, a smaller range)."
    ]


def _plan_lines(plan: Plan | None, status: TodayStatus) -> list[str]:
    if plan is None:
        lines = [
            "No plan yet: `halfcircle plan --days mon,wed,fri --at 08:00 --use warm-up` "
            "sets one, and this will follow it."
        ]
        if status.done_today:
            lines.append("You practised today.")
        return lines
    at = plan.at.strftime("%H:%M")
    lines = []
    if status.planned_today and status.done_today:
        lines.append("Today's set is done. Well done.")
    elif status.planned_today:
        lines.append(
            f"Today: your practice {_USE_WORDS[plan.use]} at {at}, about "
            f"{plan.minutes} minute{'s' if plan.minutes != 1 else ''}."
        )
    else:
        nxt = ""
        if status.next_planned is not None:
            nxt = f" The next one is on {_WEEKDAY_WORDS[status.next_planned.weekday()]} at {at}."
        done = " You practised anyway: that counts too." if status.done_today else ""
        lines.append(f"Nothing is planned for today.{done}{nxt}")
    if status.streak >= 2:
        lines.append(f"{status.streak} planned days kept in a row.")
    elif status.missed == 1 and not status.done_today:
        lines.append(
            "The last planned day was missed. That happens; "
            "the next set picks it up again, with no need to make up for it."
        )
    elif status.missed and not status.done_today:
        lines.append(
            f"The last {status.missed} planned days were missed. That happens; "
            "starting again gently is fine, and a short set counts."
        )
    if status.week_planned:
        extra = ""
        if status.extra_days:
            extra = f", plus {status.extra_days} extra"
        days = "day" if status.week_planned == 1 else "days"
        lines.append(
            f"This week: {status.week_done} of {status.week_planned} planned {days} done{extra}."
        )
    return lines


def write_ics(
    plan: Plan, path: Path, *, tz_name: str | None = None, now: datetime | None = None
) -> Path:
    """Write ``plan`` as an iCalendar file: a weekly event on its days, with a reminder.

    The event starts on the first planned day from today, at the plan's local time in
    the time zone ``tz_name`` (IANA name; this computer's when None, found by
    ``tzlocal``), and repeats weekly on the plan's days with no end. A display alarm
    rings :data:`REMINDER_MIN` minutes before.
    """
    from zoneinfo import ZoneInfo

    import icalendar
    from tzlocal import get_localzone_name

    zone_name = tz_name or get_localzone_name() or "UTC"
    zone = ZoneInfo(zone_name)
    today = (now or datetime.now(zone)).astimezone(zone).date()
    first = next(
        today + timedelta(days=i)
        for i in range(7)
        if (today + timedelta(days=i)).weekday() in plan.days
    )
    start = datetime.combine(first, plan.at, tzinfo=zone)
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//halfcircle//plan//EN")
    cal.add("version", "2.0")
    event = icalendar.Event()
    event.add("uid", f"plan-{plan.day_names.replace(',', '-')}-{plan.at:%H%M}@halfcircle.local")
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=plan.minutes))
    event.add("rrule", {"freq": "weekly", "byday": [_ICAL_DAYS[d] for d in plan.days]})
    event.add("summary", f"Back practice {_USE_WORDS[plan.use]} ({plan.minutes} min)")
    event.add(
        "description",
        "Back against the wall, knees soft: slow and smooth, within a range that feels "
        "fine. Start with `halfcircle session`: it picks up at your stage.",
    )
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", "Time for your back practice")
    alarm.add("trigger", timedelta(minutes=-REMINDER_MIN))
    event.add_component(alarm)
    cal.add_component(event)
    cal.add_missing_timezones()
    path.write_bytes(cal.to_ical())
    return path
