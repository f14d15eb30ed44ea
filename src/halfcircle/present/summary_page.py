"""One page for the physiotherapist: the plan, every assessment, practice, ratings, set-up.

``halfcircle history --summary FILE.html [--from DATE] [--to DATE]`` writes it: a
self-contained HTML file (no external file, script or font) that prints cleanly from a
browser. It opens with the same glance sentences as ``history``
(:func:`halfcircle.present.glance.glance_lines`), over the sessions in the chosen dates, then
holds the tables a clinician reads: the plan and how it was kept, each assessment
measure over the sessions with its change from the first, practice volume per week,
how each session felt and the pain, and each session's camera set-up.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Final

from halfcircle.coaching.painmodel import CARRY_ON, PainDecision, pain_words
from halfcircle.coaching.plan import plan_lines, plans, today_lines
from halfcircle.history.guided import session_kind, session_pains
from halfcircle.history.pain import pain_decisions
from halfcircle.history.progress import (
    local_datetime,
    local_time,
    plain_label,
    real_change_words,
    verdict,
)
from halfcircle.history.store import History
from halfcircle.history.trend import measure_group, measure_series, rep_movement
from halfcircle.present.glance import glance_lines, short_date
from halfcircle.present.page import PAGE_CSS

__all__ = ["in_range", "write_summary"]

#: Print: no shadows or backgrounds, tables kept whole on a page where they fit.
_SUMMARY_CSS: Final = """.glance{font-size:19px;line-height:1.45;margin:8px 0}
td,th{white-space:nowrap}.scroll{overflow-x:auto;border-radius:12px}
.better{color:#2e7d32;font-weight:600}.less{color:#8d4b00;font-weight:600}
@media (max-width:600px){main{padding:16px 12px}h1{font-size:26px}th,td{padding:6px}}
@media print{body{background:#fff}main{max-width:none;padding:0}
.scroll{overflow:visible}table{page-break-inside:avoid}h2{page-break-after:avoid}}
"""
_VIEW_WORDS: Final = {"front": "from the front", "side": "from the side", "oblique": "at an angle"}


def in_range(started_at: str, start: date | None, end: date | None) -> bool:
    """Whether a stored session time falls on a local date within ``[start, end]``."""
    day = local_datetime(started_at).date()
    return (start is None or day >= start) and (end is None or day <= end)


def _table(head: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    cells = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    if not cells:
        return "<p class='sub'>None in these dates.</p>"
    heads = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    return f"<div class='scroll'><table><tr>{heads}</tr>{cells}</table></div>"


def _fmt(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _assessments(series: Mapping[str, Sequence[tuple[str, float, int]]]) -> str:
    parts = []
    for key, points in series.items():
        if not points or measure_group(key) != "assessment":  # a guided session's practice
            continue
        first = points[0][1]
        rows = []
        for started_at, value, _ in points:
            change = value - first
            said = verdict(key, change) if started_at != points[0][0] else ""
            rows.append((local_time(started_at), _fmt(value), f"{change:+.1f}", said))
        parts.append(f"<h3>{html.escape(plain_label(key))}</h3>")
        parts.append(_table(("date", "value", "change from first", "verdict"), rows))
    return "".join(parts) or "<p class='sub'>No assessment in these dates.</p>"


def _practice_weeks(
    reps: Sequence[Mapping[str, Any]], sessions: Sequence[Mapping[str, Any]]
) -> str:
    """The practice of each week as a table.

    Per week: the sessions with practice (of any kind: practice, guided), the complete
    half circles and the drill reps done, and the best half-circle score.
    """
    week_of = {s["id"]: local_datetime(s["started_at"]).isocalendar()[:2] for s in sessions}
    practised = {r["session_id"] for r in reps}
    weeks: dict[tuple[int, int], dict[str, Any]] = {}
    for s in sessions:
        if s["kind"] == "practice" or s["id"] in practised:
            counts = {"sessions": 0, "circles": 0, "drills": 0, "best": None}
            weeks.setdefault(week_of[s["id"]], counts)["sessions"] += 1
    for r in reps:
        key = week_of.get(r["session_id"])
        if key not in weeks or not r["metrics"].get("complete", True):
            continue
        week = weeks[key]
        if rep_movement(r["metrics"]) != "half_circle":
            week["drills"] += 1
            continue
        week["circles"] += 1
        score = r["metrics"].get("score")
        if isinstance(score, (int, float)):
            week["best"] = score if week["best"] is None else max(week["best"], score)
    rows = [
        (
            f"{date.fromisocalendar(y, w, 1):%d %b %Y}",
            v["sessions"],
            v["circles"],
            v["drills"],
            _fmt(v["best"], 0),
        )
        for (y, w), v in sorted(weeks.items())
    ]
    columns = ("week of", "sessions", "complete half circles", "drill reps", "best score")
    return _table(columns, rows)


def _decision_words(decision: PainDecision | None) -> str:
    """What a session's pain meant by the pain-monitoring model ("" when nothing)."""
    return "" if decision is None or decision.action == CARRY_ON else decision.action


def write_summary(
    history: History, path: Path, start: date | None = None, end: date | None = None
) -> Path:
    """Write the physiotherapist's summary of the sessions from ``start`` to ``end``.

    Dates are local and inclusive; None leaves that end open. Returns ``path``.
    """
    sessions = [s for s in history.sessions() if in_range(s["started_at"], start, end)]
    ids = {s["id"] for s in sessions}
    series = {
        key: [p for p in points if p[2] in ids] for key, points in measure_series(history).items()
    }
    series = {k: v for k, v in series.items() if v}
    reps = [r for r in history.practice_reps() if r["session_id"] in ids]
    number = {s["id"]: n for n, s in enumerate(sessions, 1)}
    first = short_date(sessions[0]["started_at"]) if sessions else ""
    last = short_date(sessions[-1]["started_at"]) if sessions else ""
    span = f"{first} to {last}" if sessions else "no sessions in these dates"

    pains, meant = session_pains(history), pain_decisions(history)
    said = glance_lines(series, sessions, pains=pains)
    glance = "".join(f"<p class='glance'>{html.escape(x)}</p>" for x in said)
    all_plans = plans(history.conn)
    plan_rows = [
        (local_time(p.set_at), p.day_names, p.at.strftime("%H:%M"), p.use, p.minutes)
        for p in all_plans
    ]
    kept = ""
    if all_plans and (end is None or end >= date.today()):  # how the plan stands today
        said = today_lines(all_plans[-1], history.adherence())
        kept = "".join(f"<p>{html.escape(line)}</p>" for line in said)
    ratings = [
        (number[s["id"]], local_time(s["started_at"]), session_kind(s), s["feels"] or "",
         pain_words(pains[s["id"]]), _decision_words(meant.get(s["id"])))
        for s in sessions
    ]  # fmt: skip
    setup = [
        (
            number[s["id"]],
            local_time(s["started_at"]),
            _VIEW_WORDS.get(s["view"] or "", s["view"] or ""),
            "" if s["camera_tilt_deg"] is None else f"{s['camera_tilt_deg']:g} deg down",
            _fmt(s["height_cm"], 0),
            ", ".join(sorted(s["settings"])) if s["settings"] else "",
            s["source"] or "",
        )
        for s in sessions
    ]
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>halfcircle: summary for the physiotherapist</title>
<style>{PAGE_CSS}{_SUMMARY_CSS}</style></head><body><main>
<h1>Half circle: progress summary</h1>
<p class="sub">{html.escape(span)}; {len(sessions)} sessions. Measured with a camera by
halfcircle, a coaching tool, not a diagnosis. A change counts as real only when it is
{html.escape(real_change_words())}.</p>
{glance}
<h2>Plan</h2>
<p>{html.escape(" ".join(plan_lines(all_plans[-1] if all_plans else None)))}</p>
{kept}
{_table(("set", "days", "time", "use", "minutes"), plan_rows) if plan_rows else ""}
<h2>Assessments</h2>
{_assessments(series)}
<h2>Practice per week</h2>
{_practice_weeks(reps, sessions)}
<h2>How it felt, and pain</h2>
{_table(("session", "date (local)", "kind", "feels", "pain (0-10)", "what it meant"), ratings)}
<h2>Camera set-up</h2>
{
        _table(
            (
                "session",
                "date (local)",
                "view",
                "camera tilt",
                "height (cm)",
                "settings changed",
                "source",
            ),
            setup,
        )
    }
<footer>Every number comes from the person's own camera at home: compare sessions with
each other, filmed the same way, rather than with clinical norms.</footer>
</main></body></html>
"""
    path.write_text(page)
    return path
