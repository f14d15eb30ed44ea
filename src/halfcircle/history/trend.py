"""Each measure of the history over time: the series, the trend and personal bests.

Baseline measures keep their names (``toe_touch.peak_deg``); the practice of a session
reads per movement practised (:func:`rep_movement`: half circles, side-bend drills,
roll-down drills), each under its own test name (:data:`PRACTICE_TESTS`: half circles
as ``practice.*``, :data:`PRACTICE_MEASURES`), summarised over its complete reps, so
that a trend compares like with like: half circles with half circles, whatever kind of
session (practice, guided) they were done in. :func:`measure_group` tells an
assessment measure from a practice one. A change is called real only beyond its margin
(:func:`halfcircle.history.progress.change_margin`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import fields
from typing import Any, Final

from halfcircle.coaching.baseline import MDC
from halfcircle.coaching.scoring import PersonalBest
from halfcircle.history.progress import TrendRow, _is_number, change_margin, unit_of, verdict
from halfcircle.history.store import History

__all__ = [
    "PRACTICE_MEASURES",
    "PRACTICE_MOVEMENT_MEASURES",
    "PRACTICE_TESTS",
    "counts_for_best",
    "last_practice",
    "measure_group",
    "measure_series",
    "personal_best",
    "rep_movement",
    "trend_rows",
]

#: How a practice session reads in the trend: ``measure -> (rep metric, best|mean)``
#: over its complete reps (units in the names: deg; score 0-100 in pts; SPARC is
#: dimensionless, closer to 0 is smoother).
PRACTICE_MEASURES: Final[dict[str, tuple[str, str]]] = {
    "best_score_pts": ("score", "best"),
    "peak_lateral_right_deg": ("peak_lateral_right_deg", "best"),
    "peak_lateral_left_deg": ("peak_lateral_left_deg", "best"),
    "peak_forward_deg": ("peak_forward_deg", "best"),
    "smoothness_sparc": ("sparc", "mean"),
}

#: The test name each practised movement reads as in the trend (``TEST.MEASURE``).
PRACTICE_TESTS: Final[dict[str, str]] = {
    "half_circle": "practice",
    "side_bend": "side_bend_practice",
    "roll_down": "roll_down_practice",
}

#: Per practised movement, its measures as :data:`PRACTICE_MEASURES` gives a half
#: circle's: a side bend's peaks to each side, a roll-down's forward, and smoothness
#: (a drill has no score).
PRACTICE_MOVEMENT_MEASURES: Final[dict[str, dict[str, tuple[str, str]]]] = {
    "half_circle": PRACTICE_MEASURES,
    "side_bend": {
        "peak_lateral_right_deg": ("peak_lateral_right_deg", "best"),
        "peak_lateral_left_deg": ("peak_lateral_left_deg", "best"),
        "smoothness_sparc": ("sparc", "mean"),
    },
    "roll_down": {
        "peak_forward_deg": ("peak_forward_deg", "best"),
        "smoothness_sparc": ("sparc", "mean"),
    },
}


def rep_movement(metrics: Mapping[str, Any]) -> str:
    """A practice rep's movement: its ``movement``, else ``half_circle``.

    ``half_circle``, ``side_bend`` or ``roll_down``; a rep that names none is a half
    circle (``analyze`` and ``live`` wrote them so before they named it).
    """
    movement = metrics.get("movement")
    return movement if isinstance(movement, str) and movement else "half_circle"


def measure_group(key: str) -> str:
    """What a ``TEST.MEASURE`` of the series compares with: ``assessment`` or a movement.

    A practice measure (:data:`PRACTICE_TESTS`) gives its movement (``half_circle``,
    ``side_bend``, ``roll_down``); any other is an assessment's (a baseline test, also
    the one of a guided session).
    """
    test = key.partition(".")[0]
    return next((m for m, t in PRACTICE_TESTS.items() if t == test), "assessment")


def measure_series(history: History) -> dict[str, list[tuple[str, float, int]]]:
    """Each measure over time: ``TEST.MEASURE -> [(started_at, value, session_id)]``.

    Baseline measures first, then each session's practice per movement
    (:data:`PRACTICE_TESTS`, :data:`PRACTICE_MOVEMENT_MEASURES`: ``practice.*`` for
    half circles) for sessions with a complete rep of it, of any kind of session.
    """
    out: dict[str, list[tuple[str, float, int]]] = {}
    for m in history.measures():
        out.setdefault(f"{m['test']}.{m['measure']}", []).append(
            (m["started_at"], m["value"], m["session_id"])
        )
    for started_at, sid, movement, values in _practice_summaries(history):
        for name, value in values.items():
            key = f"{PRACTICE_TESTS[movement]}.{name}"
            out.setdefault(key, []).append((started_at, value, sid))
    return out


def _practice_summaries(history: History) -> list[tuple[str, int, str, dict[str, float]]]:
    """Per session and movement practised, of its complete reps: its measures."""
    by_session: dict[tuple[int, str], tuple[str, list[dict[str, Any]]]] = {}
    for p in history.practice_reps():
        movement = rep_movement(p["metrics"])
        if p["metrics"].get("complete", True) and movement in PRACTICE_TESTS:
            entry = by_session.setdefault((p["session_id"], movement), (p["started_at"], []))
            entry[1].append(p["metrics"])
    out = []
    for (sid, movement), (started_at, reps) in by_session.items():
        values = {}
        for name, (metric, how) in PRACTICE_MOVEMENT_MEASURES[movement].items():
            vals = [float(r[metric]) for r in reps if _is_number(r.get(metric))]
            if vals:
                values[name] = max(vals) if how == "best" else sum(vals) / len(vals)
        out.append((started_at, sid, movement, values))
    return out


def personal_best(
    history: History, before_session: int | None = None, until: str | None = None
) -> PersonalBest | None:
    """The best of every complete half circle practised so far, each field its own best.

    Args:
        history: An open history.
        before_session: Leave out this session and later ones (to compare a
            session with what came before it).
        until: Leave out sessions started after this ISO 8601 time (a
            recorded video is dated by its file, which may be in the past).

    Returns:
        None when there is no complete scored rep yet.
    """
    best: PersonalBest | None = None
    for p in history.practice_reps():
        if before_session is not None and p["session_id"] >= before_session:
            continue
        if until is not None and p["started_at"] > until:
            continue
        m = p["metrics"]
        if not counts_for_best(m):
            continue
        rep = PersonalBest(
            **{
                f.name: float(m[f.name]) if _is_number(m.get(f.name)) else math.nan
                for f in fields(PersonalBest)
            }
        )
        best = rep if best is None else best.merged(rep)
    return best


def last_practice(history: History, until: str | None = None) -> dict[str, Any] | None:
    """The latest session with a rep :func:`personal_best` reads, as :meth:`History.sessions`.

    The session a new practice is compared with ("last time"): its camera view, tilt
    and settings are the ones that bear on the peaks compared, where a baseline
    session in between (which has no half circles) does not. ``until`` (ISO 8601)
    leaves out sessions started after it. None when there is none.
    """
    ids = {
        p["session_id"]
        for p in history.practice_reps()
        if (until is None or p["started_at"] <= until) and counts_for_best(p["metrics"])
    }
    known = [s for s in history.sessions() if s["id"] in ids]
    return known[-1] if known else None


def counts_for_best(metrics: Mapping[str, Any]) -> bool:
    """Whether a practice rep counts towards the personal best: a complete, scored half circle."""
    return (
        rep_movement(metrics) == "half_circle"
        and bool(metrics.get("complete", True))
        and _is_number(metrics.get("score"))
    )


def trend_rows(history: History) -> list[TrendRow]:
    """Per measure: first, previous and latest value and whether the change is real."""
    by_test: dict[tuple[int, str | None], tuple[str | None, int | None]] = {
        (r["session_id"], r["test"]): (r["feels"], r["pain"]) for r in history.ratings()
    }
    rows = []
    for key, points in measure_series(history).items():
        values = [v for _, v, _ in points]
        prev = values[-2] if len(values) > 1 else None
        change = values[-1] - prev if prev is not None else None
        mdc = MDC.get(unit_of(key))  # none known for score and SPARC
        if mdc is not None:
            mdc = change_margin(key)  # a rotation's is its measured error
        # how the latest session with this measure felt: the test's own rating, else
        # the whole session's
        latest = points[-1][2]
        feels, pain = by_test.get((latest, key.split(".")[0])) or by_test.get(
            (latest, None), (None, None)
        )
        said = verdict(key, change) if change is not None else None
        rows.append(
            TrendRow(
                key=key,
                n=len(values),
                first=values[0],
                previous=prev,
                latest=values[-1],
                change=change,
                real=change is not None and mdc is not None and abs(change) > mdc,
                latest_feels=feels,
                latest_pain=pain,
                verdict=said,
            )
        )
    return rows
