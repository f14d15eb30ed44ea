"""What counts as a real change, and how it is said: margins, verdicts, labels, local times."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Final

from halfcircle.coaching.baseline import MDC, ROTATION_MARGIN_DEG

#: The smallest change between two sessions read as real, per unit of a measure.
#: Degrees and centimetres: the minimal detectable change
#: (:data:`halfcircle.coaching.baseline.MDC`). The practice score (pts, 0-100) and smoothness
#: (SPARC) have no published one; their margins are chosen here: 5 points, as a
#: score moves by up to that between two readings of the same frames (live and
#: report), and 0.25 of SPARC, a quarter of the axis span the cohort plots keep
#: for it (:data:`halfcircle.present.cohort.AXIS_RANGES`), as 5 deg is a quarter of theirs
#: for degrees.
CHANGE_MARGINS: Final[dict[str, float]] = {**MDC, "pts": 5.0, "sparc": 0.25}


#: Measures (the part after the test's name) where a lower value is better:
#: fingertips closer to the floor reach further. Everything else is better higher:
#: peaks and fingertip travel further, score higher, SPARC closer to 0 (smoother).
_LOWER_IS_BETTER: Final = frozenset({"fingertip_floor_cm"})


#: The verdict words of the trend, from a real rise of the better kind to a real fall.
VERDICTS: Final = ("better", "about the same", "less")


#: How a measure reads after its test's name in a comparison line.
_MEASURE_LABELS: Final = {
    "peak_deg": "",
    "fingertip_floor_cm": " fingertip-to-floor",
    "fingertip_travel_cm": " fingertip travel",
}


def unit_of(measure: str) -> str:
    """The unit at the end of a measure name (``peak_deg`` -> ``deg``)."""
    return measure.rsplit("_", 1)[-1]


@dataclass(frozen=True)
class TrendRow:
    """One measure over the sessions.

    Attributes:
        key: ``TEST.MEASURE`` (unit in the name).
        n: Sessions with this measure.
        first: First value.
        previous: Value of the session before the latest, None with one session.
        latest: Latest value.
        change: Latest minus previous (None with one session).
        real: True when ``|change|`` is beyond the minimal detectable change
            (False for measures without one: practice score and SPARC).
        verdict: What the change means for the person (:func:`verdict`):
            better, about the same or less; None with one session.
        latest_feels: The latest rating of this test (better|same|worse), if any.
        latest_pain: The latest pain rating of this test (0-10), if any.
    """

    key: str
    n: int
    first: float
    previous: float | None
    latest: float
    change: float | None
    real: bool
    latest_feels: str | None = None
    latest_pain: int | None = None
    verdict: str | None = None

    @property
    def unit(self) -> str:
        """The measure's unit."""
        return unit_of(self.key)


def change_margin(key: str) -> float | None:
    """The margin of a real change of a ``TEST.MEASURE`` (None: any change counts).

    Its unit's (:data:`CHANGE_MARGINS`), but a trunk rotation's peak has its own,
    its measured error (:data:`halfcircle.coaching.baseline.ROTATION_MARGIN_DEG`).
    """
    unit = unit_of(key)
    if unit == "deg" and key.startswith("rotation"):
        return ROTATION_MARGIN_DEG
    return CHANGE_MARGINS.get(unit)


def _is_real(unit: str, change: float, key: str = "") -> bool:
    """Whether a change is beyond its margin (:func:`change_margin`; any without one)."""
    margin = change_margin(key) if key else CHANGE_MARGINS.get(unit)
    return abs(change) > (margin or 0.0)


def verdict(key: str, change: float) -> str:
    """What a change of a ``TEST.MEASURE`` between two sessions means for the person.

    The rule of :meth:`History.compare`: a change within its unit's margin
    (:data:`CHANGE_MARGINS`: the minimal detectable change for degrees and
    centimetres) is "about the same"; beyond it, "better" in the measure's good
    direction (further, a higher score, smoother: SPARC closer to 0; fingertips
    closer to the floor) and "less" in the other. A measure whose unit has no
    margin counts any change.
    """
    if not _is_real(unit_of(key), change, key):
        return "about the same"
    lower_is_better = key.rpartition(".")[2].removeprefix("after_") in _LOWER_IS_BETTER
    return "better" if (change < 0) == lower_is_better else "less"


def real_change_words() -> str:
    """The margins of a real change in plain words (for the footnotes of the trend)."""
    return (
        f"at least {CHANGE_MARGINS['deg']:g} deg or "
        f"{CHANGE_MARGINS['cm']:g} cm, {CHANGE_MARGINS['pts']:g} points of score, "
        f"{CHANGE_MARGINS['sparc']:g} of smoothness; for trunk rotation "
        f"{ROTATION_MARGIN_DEG:g} deg, its error on test videos, and only between "
        "sessions filmed the same way"
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


#: How a camera view reads in a comparison line.
_VIEW_WORDS: Final = {"front": "from the front", "oblique": "at an angle", "side": "from the side"}


#: Camera tilts (deg) closer than this count as the same set-up (a level app's reading).
TILT_TOLERANCE_DEG: Final = 1.0


def _tilts_differ(a: float | None, b: float | None) -> bool:
    """Whether two sessions' camera tilts are both known and differ beyond a reading's error."""
    return a is not None and b is not None and abs(a - b) > TILT_TOLERANCE_DEG


#: Settings tables that bear on the baseline measures, and on practice reps' figures.
BASELINE_SETTING_TABLES: Final = ("baseline", "kinematics")


PRACTICE_SETTING_TABLES: Final = ("reps", "metrics", "score", "kinematics")


def _settings_differ(
    a: Mapping[str, Any] | None, b: Mapping[str, Any] | None, tables: Sequence[str]
) -> list[str]:
    """Dotted names of the settings in ``tables`` two sessions set differently.

    Empty when either session's settings are unknown.
    """
    if a is None or b is None:
        return []
    fa, fb = _flatten(a), _flatten(b)
    keys = [k for k in fa.keys() | fb.keys() if k.split(".", 1)[0] in tables]
    return sorted(k for k in keys if fa.get(k) != fb.get(k))


def _finite(value: Any) -> Any:
    """``value`` with every non-finite float (nested too) turned into None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _flatten(value: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings as one level with dotted keys (``score_parts.range``)."""
    out: dict[str, Any] = {}
    for k, v in value.items():
        if isinstance(v, Mapping):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


#: Plain words for parts of measure names, in the trend and the plots.
_PLAIN_WORDS: Final = {
    "fingertip floor": "fingertip to floor",
    "lateral": "side bend",
    "forward": "forward bend",
    "after ": "after practice: ",  # a guided session's re-assessment
}


#: Plain names of units that are not words already.
_PLAIN_UNITS: Final = {"sparc": "closer to 0 is smoother"}


def plain_label(key: str) -> str:
    """How a ``TEST.MEASURE`` key reads to a person, unit in brackets.

    ``toe_touch.peak_deg`` -> ``toe touch, peak (deg)``;
    ``practice.best_score_pts`` -> ``practice: best score (pts)``;
    ``side_bend_practice.smoothness_sparc`` -> ``side bend practice: smoothness (...)``.
    """
    test, _, measure = key.rpartition(".")
    name, _, unit = measure.rpartition("_")
    if not name:  # no unit in the name
        name, unit = unit, ""
    words = name.replace("_", " ")
    for internal, plain in _PLAIN_WORDS.items():
        words = words.replace(internal, plain)
    if unit:
        words += f" ({_PLAIN_UNITS.get(unit, unit)})"
    if not test:
        return words
    if test == "practice" or test.endswith("_practice"):  # practice.*, side_bend_practice.*
        return f"{test.replace('_', ' ')}: {words}"
    return f"{test.replace('_', ' ')}, {words}"


def local_datetime(started_at: str) -> datetime:
    """A stored session time (ISO 8601; UTC where it names no zone) in the local time zone."""
    t = datetime.fromisoformat(started_at)
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t.astimezone()


def local_time(started_at: str) -> str:
    """A stored session time as a short local one: ``25 Nov 2026 02:24``."""
    t = local_datetime(started_at)
    return f"{t.day} {t:%b %Y %H:%M}"


def format_trend(rows: Sequence[TrendRow]) -> str:
    """The trend as a plain-text table for a person.

    Each measure reads in plain words with its unit (``toe touch, peak (deg)``);
    a script reads :attr:`TrendRow.key` or the exports instead. The ``verdict``
    column says what the latest change means (:attr:`TrendRow.verdict`: better,
    about the same, less), and a footnote, only when some row has a verdict,
    says how big a change must be to count as real, in plain words.
    """
    if not rows:
        return "No results yet: run `halfcircle baseline`, or practise with `halfcircle live`."
    labels = [plain_label(r.key) for r in rows]
    width = max(len("measure"), *(len(label) for label in labels))
    said = max(len("verdict"), *(len(r.verdict or "-") for r in rows))
    columns = f"{'n':>3s} {'first':>7s} {'prev':>7s} {'latest':>7s} {'change':>7s}"
    head = f"{'measure':{width}s} {columns}  {'verdict':{said}s}"
    lines = [head.rstrip(), "-" * len(head)]
    for label, r in zip(labels, rows, strict=True):
        prev = f"{r.previous:7.1f}" if r.previous is not None else f"{'-':>7s}"
        change = f"{r.change:+7.1f}" if r.change is not None else f"{'-':>7s}"
        extra = ""
        if r.latest_feels or r.latest_pain is not None:
            parts = [f"feels {r.latest_feels}"] if r.latest_feels else []
            if r.latest_pain is not None:
                parts.append(f"pain {r.latest_pain}/10")
            extra = "  " + ", ".join(parts)
        row = (
            f"{label:{width}s} {r.n:3d} {r.first:7.1f} {prev} {r.latest:7.1f} {change}"
            f"  {r.verdict or '-':{said}s}{extra}"
        )
        lines.append(row.rstrip())
    if any(r.verdict for r in rows):
        lines += [
            "verdict: the latest session against the one before; better or less only for a",
            f"change of {real_change_words()}.",
        ]
    return "\n".join(lines)
