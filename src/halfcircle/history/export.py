"""The whole history as one JSON document or one long CSV (units in the names)."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

from halfcircle.coaching.plan import plan_dict, plans
from halfcircle.history.database import utc_now
from halfcircle.history.guided import session_kind
from halfcircle.history.progress import _flatten
from halfcircle.history.store import History

__all__ = ["export_csv", "export_json"]


def export_json(history: History, path: Path) -> None:
    """Everything as one JSON document (schema version, units in the names)."""
    data = {
        "schema_version": history.schema_version(),
        "exported_at": utc_now(),
        "sessions": history.sessions(),
        "measures": history.measures(),
        "ratings": history.ratings(),
        "practice_reps": history.practice_reps(),
        "plans": [plan_dict(p) for p in plans(history.conn)],
        "adherence": history.adherence().to_dict(),
    }
    path.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n")


def export_csv(history: History, path: Path) -> None:
    """Everything as one long CSV: one row per measure, rating or rep metric.

    With a plan set, rows of ``record`` ``plan`` (each plan's days, time, use and
    minutes; ``started_at`` is when it was set) and ``adherence`` (today's streak and
    week, as ``halfcircle today`` says them) follow, with no session.

    ``kind`` is ``baseline``, ``practice`` or ``guided`` (a guided session,
    :func:`halfcircle.history.guided.session_kind`). Each row ends with its session's
    set-up (view, body height in cm, camera tilt in deg down, and the settings that
    differed from the defaults as JSON; empty where unknown), so rows of different
    set-ups can be told apart in a spreadsheet. A baseline measure's view is its own
    recording's, where known (a session may join recordings filmed from different views).
    """
    cols = ("session_id", "started_at", "kind", "record", "test", "name", "value")
    setup_cols = ("view", "height_cm", "camera_tilt_deg", "settings")
    sessions = {s["id"]: s for s in history.sessions()}
    for s in sessions.values():
        if s["settings"] is not None:
            s["settings"] = json.dumps(s["settings"], sort_keys=True)

    def row(sid: int, started_at: str, record: str, test: str, name: str, value: Any,
            view: str | None = None) -> tuple[Any, ...]:  # fmt: skip
        s = dict(sessions[sid]) | ({"view": view} if view else {})
        setup = tuple("" if s.get(c) is None else s[c] for c in setup_cols)
        return (sid, started_at, session_kind(s), record, test, name, value, *setup)

    rows: list[tuple[Any, ...]] = []
    for m in history.measures():
        rows.append(
            row(m["session_id"], m["started_at"], "measure", m["test"], m["measure"],
                m["value"], m["view"])
        )  # fmt: skip
    for r in history.ratings():
        for name in ("feels", "pain"):
            if r[name] is not None:
                rows.append(
                    row(
                        r["session_id"],
                        r["started_at"],
                        "rating",
                        r["test"] or "",
                        name,
                        r[name],
                    )
                )
    for p in history.practice_reps():
        for name, value in _flatten(p["metrics"]).items():
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
            if numeric and math.isfinite(value):
                rows.append(
                    row(
                        p["session_id"],
                        p["started_at"],
                        "rep",
                        f"rep {p['rep_index']}",
                        name,
                        value,
                    )
                )
    blank = ("",) * len(setup_cols)
    all_plans = plans(history.conn)
    for plan in all_plans:
        for name, value in plan_dict(plan).items():
            if name != "set_at":
                rows.append(("", plan.set_at, "", "plan", "", name, value, *blank))
    if all_plans:
        status = history.adherence()
        for name, value in status.to_dict().items():
            if name not in ("day", "next_planned"):
                rows.append(("", status.day.isoformat(), "", "adherence", "", name, value, *blank))
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols + setup_cols)
        w.writerows(rows)
