"""One baseline session against an earlier one, in plain lines.

What changed (beyond the minimal detectable change, else "about the same"), how each
test felt, and first what may keep the two from comparing: another camera tilt,
another view, other settings.
"""

from __future__ import annotations

from halfcircle.history.progress import (
    _MEASURE_LABELS,
    _VIEW_WORDS,
    BASELINE_SETTING_TABLES,
    _is_real,
    _settings_differ,
    _tilts_differ,
    unit_of,
    verdict,
)
from halfcircle.history.store import History

__all__ = ["baseline_before", "compare"]


def compare(history: History, session_id: int, with_id: int | None = None) -> list[str]:
    """Plain lines comparing a session with an earlier one.

    By default the earlier one is the first baseline of the same day, or the
    previous baseline when the session is the day's first. Example line:
    ``"toe touch +6 deg (better), feels better"`` (what the change means, and the
    test's own rating, said on its first line); a change within the minimal
    detectable change reads
    ``"about the same"``; the session's overall rating is the last line,
    ``"feels better overall"``. First lines say when the camera looked down
    by another angle, filmed from another view (front, at an angle, from the
    side; each test by its own recording's view) or settings that bear on the
    baseline tests were other then, as the measures may then not compare.
    """
    sessions = [s for s in history.sessions() if s["kind"] == "baseline"]
    if session_id not in [s["id"] for s in sessions]:
        return []
    if with_id is None:
        with_id = baseline_before(history, session_id)
        if with_id is None:
            return []
    now = _values(history, session_id)
    then = _values(history, with_id)
    feel = {r["test"]: r["feels"] for r in history.ratings() if r["session_id"] == session_id}
    lines = []
    tilt = {s["id"]: s["camera_tilt_deg"] for s in sessions}
    if _tilts_differ(tilt[session_id], tilt[with_id]):
        lines.append(
            f"camera tilted {tilt[session_id]:g} deg down against {tilt[with_id]:g} then "
            "(forward bending may not compare)"
        )
    view_now, view_then = _test_views(history, session_id), _test_views(history, with_id)
    for test, v in view_now.items():
        w = view_then.get(test)
        if w and v != w:
            lines.append(
                f"{test.replace('_', ' ')} filmed {_VIEW_WORDS.get(v, v)}, "
                f"{_VIEW_WORDS.get(w, w)} then (may not compare)"
            )
    settings = {s["id"]: s["settings"] for s in sessions}
    differ = _settings_differ(
        settings[session_id], settings[with_id], tables=BASELINE_SETTING_TABLES
    )
    if differ:
        lines.append(f"other settings than then: {', '.join(differ)} (may not compare)")
    said: set[str] = set()  # tests whose own feeling was said (once, on its first line)
    for key, value in now.items():
        if key not in then:
            continue
        d = value - then[key]
        unit = unit_of(key)
        test, measure = key.split(".", 1)
        label = test.replace("_", " ") + _MEASURE_LABELS.get(measure, f" {measure}")
        what = (
            f"{d:+.0f} {unit} ({verdict(key, d)})" if _is_real(unit, d, key) else "about the same"
        )
        f = feel.get(test) if test not in said else None
        said.add(test)
        lines.append(f"{label} {what}" + (f", feels {f}" if f else ""))
    if lines and feel.get(None):
        lines.append(f"feels {feel[None]} overall")
    return lines


def baseline_before(history: History, session_id: int) -> int | None:
    """The baseline a session is compared with by default (see :func:`compare`).

    The first baseline of the same day, else the previous baseline; None for
    the first one, or when ``session_id`` is not a baseline.
    """
    sessions = [s for s in history.sessions() if s["kind"] == "baseline"]
    ids = [s["id"] for s in sessions]
    if session_id not in ids:
        return None
    i = ids.index(session_id)
    day = sessions[i]["started_at"][:10]
    same_day = [s["id"] for s in sessions[:i] if s["started_at"][:10] == day]
    return same_day[0] if same_day else ids[i - 1] if i > 0 else None


def _test_views(history: History, session_id: int) -> dict[str, str]:
    """Each baseline test's camera view: its own recording's, else the session's."""
    row = history.conn.execute("SELECT view FROM sessions WHERE id = ?", (session_id,)).fetchone()
    session_view = row["view"] if row is not None else None
    rows = history.conn.execute(
        "SELECT test, view FROM measures WHERE session_id = ?", (session_id,)
    ).fetchall()
    views = {r["test"]: r["view"] or session_view for r in rows}
    return {test: v for test, v in views.items() if v}


def _values(history: History, session_id: int) -> dict[str, float]:
    rows = history.conn.execute(
        "SELECT test, measure, value FROM measures WHERE session_id = ?", (session_id,)
    ).fetchall()
    return {f"{r['test']}.{r['measure']}": r["value"] for r in rows}
