"""Progress at a glance: "did I get better?" in one to three sentences.

Pure functions over what the history returns (:meth:`History.series` and
:meth:`History.sessions`), so that the terminal, the page and a voice can say the same.
Each measure is compared by the one rule of the history
(:func:`halfcircle.history.progress.verdict`: a change counts only beyond its margin,
the minimal detectable change for degrees and centimetres), since the first session and
since the one before the latest; every change said names which way it went in plain
words ("6 deg further", "4 cm closer to the floor"), so a reader never has to know
whether a plus is good.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from halfcircle.coaching.painmodel import PainRating
from halfcircle.history.progress import local_datetime, verdict
from halfcircle.history.trend import measure_group
from halfcircle.words import join_and

__all__ = ["MeasureChange", "change_words", "changes_between", "glance_lines", "short_date"]

#: How a measure reads in a sentence, by ``TEST.MEASURE`` part; the test's name
#: (``side_bend_left`` -> "left side bend") comes from :func:`_test_words`.
_MEASURE_WORDS: Final = {
    "peak_deg": "",
    "fingertip_floor_cm": " fingertip-to-floor",
    "fingertip_travel_cm": " fingertip reach",
    "best_score_pts": " best score",
    "peak_lateral_right_deg": " bend to the right",
    "peak_lateral_left_deg": " bend to the left",
    "peak_forward_deg": " forward bend",
    "smoothness_sparc": " smoothness",
}
_TEST_WORDS: Final = {
    "toe_touch": "toe touch",
    "side_bend_left": "left side bend",
    "side_bend_right": "right side bend",
    "rotation_left": "turn to the left",
    "rotation_right": "turn to the right",
    "practice": "half circle",
    "side_bend_practice": "side-bend drill",
    "roll_down_practice": "roll-down drill",
}

#: How each group of measures (:func:`halfcircle.history.trend.measure_group`) is named
#: at the start of its sentence, in the order said.
_GROUP_WORDS: Final = {
    "assessment": "assessment",
    "half_circle": "practice",
    "side_bend": "side-bend practice",
    "roll_down": "roll-down practice",
}


@dataclass(frozen=True)
class MeasureChange:
    """One measure between two sessions: values, change (later minus earlier), verdict."""

    key: str
    before: float
    after: float
    change: float
    verdict: str


def _test_words(key: str) -> str:
    test, _, measure = key.partition(".")
    return _TEST_WORDS.get(test, test.replace("_", " ")) + _MEASURE_WORDS.get(
        measure, " " + measure.replace("_", " ")
    )


def change_words(c: MeasureChange) -> str:
    """A change in words that say its direction: ``"left side bend is 6 deg further"``."""
    measure = c.key.partition(".")[2]
    size = abs(c.change)
    if measure.endswith("_sparc"):
        how = "smoother" if c.change > 0 else "less smooth"
        return f"{_test_words(c.key).replace(' smoothness', '')}s are {how}"
    if measure.endswith("_pts"):
        how = f"{size:.0f} points {'higher' if c.change > 0 else 'lower'}"
    elif measure == "fingertip_floor_cm":
        how = f"{size:.0f} cm {'closer to' if c.change < 0 else 'further from'} the floor"
    else:
        unit = measure.rpartition("_")[2]
        how = f"{size:.0f} {unit} {'further' if c.change > 0 else 'less far'}"
    return f"{_test_words(c.key)} is {how}"


def changes_between(
    series: Mapping[str, Sequence[tuple[str, float, int]]], since_session: int, until_session: int
) -> list[MeasureChange]:
    """Each measure present in both sessions, compared by the history's rule."""
    out = []
    for key, points in series.items():
        by_session = {sid: value for _, value, sid in points}
        if since_session in by_session and until_session in by_session:
            before, after = by_session[since_session], by_session[until_session]
            change = after - before
            out.append(MeasureChange(key, before, after, change, verdict(key, change)))
    return out


def _said(changes: Sequence[MeasureChange]) -> str:
    better = [change_words(c) for c in changes if c.verdict == "better"]
    less = [change_words(c) for c in changes if c.verdict == "less"]
    parts = ["your " + join_and(group) for group in (better, less) if group]
    if not parts:
        return "everything about the same"
    rest = len(changes) - len(better) - len(less)
    if rest:
        parts.append("everything else about the same")
    return "; ".join(parts)


def _comparable(
    series: Mapping[str, Sequence[tuple[str, float, int]]], sessions: Sequence[Mapping[str, Any]]
) -> dict[str, list[int]]:
    """Per group of measures (:data:`_GROUP_WORDS`), the ids of the sessions with one, by date."""
    has: dict[str, set[int]] = {}
    for key, points in series.items():
        has.setdefault(measure_group(key), set()).update(sid for _, _, sid in points)
    out: dict[str, list[int]] = {}
    for group in _GROUP_WORDS:
        ids = [s["id"] for s in sessions if s["id"] in has.get(group, ())]  # oldest first
        if ids:
            out[group] = ids
    return out


def glance_lines(
    series: Mapping[str, Sequence[tuple[str, float, int]]],
    sessions: Sequence[Mapping[str, Any]],
    date_words: Any = None,
    pains: Mapping[int, PainRating] | None = None,
) -> list[str]:
    """One to three sentences that answer "did I get better?".

    ``series`` and ``sessions`` as :meth:`History.series` and :meth:`History.sessions`
    return them (sessions oldest first); ``date_words`` turns a stored ``started_at``
    into a short date (``"13 Nov"``; :func:`short_date` when None); ``pains`` each
    session's pain readings (:func:`halfcircle.history.guided.session_pains`), whose
    latest the pain trend follows (None: each session's overall pain). Like compares with
    like (:func:`halfcircle.history.trend.measure_group`), whatever kind of session it
    was measured in: assessment tests with the first and the previous assessment
    (baseline or guided session), half circles with half circles, side-bend drills
    with side-bend drills, roll-downs with roll-downs.
    """
    words = date_words or short_date
    started = {s["id"]: s["started_at"] for s in sessions}
    lines = []
    for group, every in _comparable(series, sessions).items():
        label = _GROUP_WORDS[group]
        mine = {k: v for k, v in series.items() if measure_group(k) == group}
        ids = _sharing(mine, every)
        if len(ids) == 1 and len(every) > 1:  # other tests before: nothing to compare with
            lines.append(
                f"{label[0].upper()}{label[1:]} on {words(started[ids[0]])}: the first with "
                "these tests, so the next one will show the change."
            )
            continue
        if len(ids) == 1:
            lines.append(
                f"One {label} so far ({words(started[ids[0]])}): the next one will show the change."
            )
            continue
        first = changes_between(mine, ids[0], ids[-1])
        label = _with_tests(label, mine, first) if group == "assessment" else label
        line = f"{label[0].upper()}{label[1:]} since {words(started[ids[0]])}: {_said(first)}."
        if len(ids) > 2:
            last = changes_between(mine, ids[-2], ids[-1])
            line += f" Since the one before ({words(started[ids[-2]])}): {_said(last)}."
        lines.append(line)
    feeling = _feeling(sessions, pains)
    if feeling:
        lines.append(feeling)
    return lines


#: The assessment each baseline test belongs to, as a sentence names it.
_ASSESSMENT_WORDS: Final = {
    "toe_touch": "toe touch",
    "side_bend_left": "side bends",
    "side_bend_right": "side bends",
    "rotation_left": "rotations",
    "rotation_right": "rotations",
}


def _with_tests(
    label: str, series: Mapping[str, Sequence[object]], compared: Sequence[MeasureChange]
) -> str:
    """``label`` naming the tests compared when the history holds others too.

    "assessment (side bends)": the latest assessment of side bends compares with the
    first that had them, and a toe touch measured in between is not in the sentence.
    """

    def tests(keys: Iterable[str]) -> list[str]:
        names = (_ASSESSMENT_WORDS.get(k.partition(".")[0]) for k in keys)
        return list(dict.fromkeys(n for n in names if n))

    said, held = tests(c.key for c in compared), tests(series)
    return f"{label} ({join_and(said)})" if said and set(said) != set(held) else label


def _sharing(series: Mapping[str, Sequence[tuple[str, float, int]]], ids: list[int]) -> list[int]:
    """Of ``ids`` (by date), those with a measure the latest of them has too.

    A guided session that assesses side bends after one that assessed the toe touch has
    nothing to compare with it; the toe touch of a week before has.
    """
    has = {key: {sid for _, _, sid in points} for key, points in series.items()}
    latest = [key for key, sids in has.items() if ids[-1] in sids]
    return [sid for sid in ids if any(sid in has[key] for key in latest)]


def _feeling(
    sessions: Sequence[Mapping[str, Any]], readings: Mapping[int, PainRating] | None
) -> str:
    rated = [s for s in sessions if s.get("feels")]
    latest = [readings[s["id"]].latest if readings else s.get("pain") for s in sessions]
    pains = [p for p in latest if p is not None]
    parts = []
    if rated:  # the feeling most said, better first ("better in 0 of 1" says nothing)
        counts = {f: sum(s["feels"] == f for s in rated) for f in ("better", "same", "worse")}
        feels = next(f for f in counts if counts[f])
        words = "the same" if feels == "same" else feels
        parts.append(f"You felt {words} in {counts[feels]} of {len(rated)} rated sessions")
    if len(pains) > 1:
        parts.append(f"pain {pains[0]} -> {pains[-1]} of 10")
    elif pains:
        parts.append(f"pain {pains[0]} of 10")
    if not parts:
        return ""
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def short_date(started_at: str) -> str:
    """A stored session time as a short local date: ``13 Nov``."""
    t = local_datetime(started_at)
    return f"{t.day} {t:%b}"
