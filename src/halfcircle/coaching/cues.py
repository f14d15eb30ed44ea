"""Coaching cues: rules as data, and a selector that shows one cue at a time.

A :class:`CueRule` is a cue sentence plus conditions on named values: after a rep
the fields of :class:`~halfcircle.coaching.scoring.RepMetrics` and ``score`` (see
:func:`rep_context`); during a rep the fields of
:class:`~halfcircle.coaching.reps.LiveSnapshot`. All conditions of a rule must hold; a
value that is None or NaN (not measured) never satisfies one, so missing inputs
never trigger a cue.

Tone: short, specific, encouraging sentences that invite movement; nothing
alarming. Left and right are the person's own.

:class:`CueSelector` shows at most one cue at a time: a cue stays up for
``display_s``, then no new cue comes for ``cooldown_s`` (but a state-bound one, below),
and the same cue is not repeated within ``repeat_cooldown_s``. Among candidates the
highest priority wins.
A cue tied to a state (``state_bound``: hold still while calibrating, step back
into view while away) is taken down as soon as its rule stops holding, so it
never outlives the state it speaks of. A correction during the movement names the
rep states it speaks of (``during``: "slow down through the front" the front, the
hips and knees the rep): it keeps its display time to be read, but comes down on
the first frame in another state (past the front, back upright, out of view).
These timings, and how long a rep's feedback waits for a free slot, are a
:class:`CueConfig` (the ``[cues]`` table of a settings file, :mod:`halfcircle.config`).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Final, Literal

from halfcircle.coaching.reps import LiveSnapshot, RepRecord
from halfcircle.coaching.scoring import MetricConfig, RepMetrics
from halfcircle.errors import ValidationError, sign_problems

__all__ = [
    "LIVE_CUE_RULES",
    "PRAISE_MAX_PRIORITY",
    "PRAISE_MIN_SCORE",
    "REP_CUE_RULES",
    "Condition",
    "Cue",
    "CueConfig",
    "CueRule",
    "CueSelector",
    "live_context",
    "live_cue_rules",
    "live_cues",
    "matching_cues",
    "record_cues",
    "rep_context",
    "rep_cues",
]

Op = Literal["<", "<=", ">", ">=", "==", "!=", "in", "has", "abs>"]

_OPS: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "in": lambda a, b: a in b,
    "has": lambda a, b: b in a,
    "abs>": lambda a, b: abs(a) > b,
}


@dataclass(frozen=True)
class Condition:
    """``context[field] <op> value``.

    ``abs>`` compares the absolute value; ``has`` holds when the field (a
    collection) holds the value.
    """

    field: str
    op: Op
    value: Any

    def holds(self, context: Mapping[str, Any]) -> bool:
        """True when the field is present, measured (not None/NaN) and satisfies the test."""
        x = context.get(self.field)
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return False
        return bool(_OPS[self.op](x, self.value))


@dataclass(frozen=True)
class CueRule:
    """One cue and when to give it.

    Attributes:
        id: Stable identifier (for cooldowns, tests and reports).
        text: The sentence shown or spoken.
        when: Conditions that must all hold.
        priority: Larger wins when several rules match.
        state_bound: The cue speaks of a state ("hold still", "step back into
            view"): it is withdrawn as soon as ``when`` stops holding, instead of
            staying up for the full display time.
        during: Rep states (``RepState`` values) the cue speaks of; empty for any.
            It is withdrawn on the first frame in another state.
    """

    id: str
    text: str
    when: tuple[Condition, ...]
    priority: int = 0
    state_bound: bool = False
    during: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cue:
    """A cue chosen for display: its rule's id, text, priority, ``state_bound`` and ``during``."""

    id: str
    text: str
    priority: int = 0
    state_bound: bool = False
    during: tuple[str, ...] = ()


def _c(field: str, op: Op, value: Any) -> Condition:
    return Condition(field, op, value)


#: Lowest score (0-100) a rep is praised at: below it a large part of the score
#: was lost (e.g. half the smoothness, 40 of the weights), even where no single
#: correction rule names why, and "good one" would not be true.
PRAISE_MIN_SCORE: Final = 60.0

#: Feedback after a rep; conditions on :func:`rep_context` keys.
REP_CUE_RULES: Final[tuple[CueRule, ...]] = (
    CueRule(
        "aborted",
        "Nice start. Next time keep rolling through the front to the other side.",
        (_c("outcome", "==", "aborted"),),
        100,
    ),
    CueRule(
        "incomplete",
        "I lost sight of you for a moment. Stay in view and go again.",
        (
            _c("outcome", "==", "incomplete"),
            _c("lost_sight", "==", True),
            _c("cut_short", "==", False),
        ),
        95,
    ),
    CueRule(
        "incomplete_seen",
        "I couldn't follow that one all the way. Go again when you're ready.",
        (
            _c("outcome", "==", "incomplete"),
            _c("lost_sight", "==", False),
            _c("cut_short", "==", False),
        ),
        95,
    ),
    # The compensations as the rep's metrics found them, with MetricConfig's limits.
    CueRule(
        "hips_wall",
        "Keep your hips against the wall.",
        (_c("compensations", "has", "pelvis_shift"),),
        90,
    ),
    CueRule(
        "pelvis_level",
        "Let your pelvis stay level against the wall.",
        (_c("compensations", "has", "pelvis_tilt"),),
        85,
    ),
    CueRule(
        "soft_knees",
        "Keep a soft bend in your knees.",
        (_c("compensations", "has", "knees_locked"),),
        80,
    ),
    CueRule(
        "one_direction",
        "Keep rolling one way round, no need to go back.",
        (_c("outcome", "==", "complete"), _c("reversals", ">=", 1)),
        70,
    ),
    CueRule(
        "slow_front",
        "Slow down through the front.",
        (_c("outcome", "==", "complete"), _c("front_speed_deg_s", ">", 75.0)),
        65,
    ),
    CueRule(
        "more_time",
        "Take a little more time for each half circle.",
        (_c("outcome", "==", "complete"), _c("duration_s", "<", 4.0)),
        60,
    ),
    CueRule(
        "further_left",
        "Go a little further to the left, if it feels fine.",
        (_c("outcome", "==", "complete"), _c("lateral_asymmetry_deg", ">", 6.0)),
        55,
    ),
    CueRule(
        "further_right",
        "Go a little further to the right, if it feels fine.",
        (_c("outcome", "==", "complete"), _c("lateral_asymmetry_deg", "<", -6.0)),
        55,
    ),
    CueRule(
        "full_sweep",
        "Sweep a little further from one side to the other, if it feels fine.",
        (_c("outcome", "==", "complete"), _c("arc_coverage_deg", "<", 150.0)),
        50,
    ),
    CueRule(
        "flow",
        "Try one steady, flowing movement.",
        (_c("outcome", "==", "complete"), _c("sparc", "<", -3.0)),
        45,
    ),
    # Praise (priority <= PRAISE_MAX_PRIORITY): one at most, only for a rep that
    # needs no correction (``corrections``: see rep_context) and scored at least
    # PRAISE_MIN_SCORE; "smooth" only from 85.
    CueRule(
        "lovely",
        "Lovely, smooth half circle.",
        (_c("outcome", "==", "complete"), _c("score", ">=", 85.0), _c("corrections", "==", 0)),
        10,
    ),
    CueRule(
        "good",
        "Good one. Keep it easy and steady.",
        (
            _c("outcome", "==", "complete"),
            _c("score", ">=", PRAISE_MIN_SCORE),
            _c("corrections", "==", 0),
        ),
        5,
    ),
)

#: Rules of this priority or lower praise a rep; the others correct it.
PRAISE_MAX_PRIORITY: Final = 10

_REP_STATES: Final = ("side_a", "front", "side_b", "returning")


def live_cue_rules(metrics: MetricConfig | None = None) -> tuple[CueRule, ...]:
    """Cues during the movement; conditions on :func:`live_context` keys.

    The hips and knees cues use the compensation limits of ``metrics``
    (default :class:`~halfcircle.coaching.scoring.MetricConfig`), so that a cue during a
    rep and the compensation counted after it agree.
    """
    m = metrics if metrics is not None else MetricConfig()
    return (
        CueRule(
            "step_into_view",
            "Step back into view when you're ready.",
            (_c("state", "==", "paused"), _c("state_elapsed_s", ">=", 1.0)),
            100,
            state_bound=True,
        ),
        CueRule(
            "hold_still",
            "Stand tall against the wall and hold still for a moment.",
            (_c("state", "==", "calibrating"),),
            90,
            state_bound=True,
        ),
        CueRule(
            "hips_wall",
            "Keep your hips against the wall.",
            (
                _c("state", "in", _REP_STATES),
                _c("pelvis_shift_cm", "abs>", m.pelvis_shift_limit_cm),
            ),
            80,
            during=_REP_STATES,
        ),
        CueRule(
            "soft_knees",
            "Keep a soft bend in your knees.",
            (_c("state", "in", _REP_STATES), _c("knee_flexion_deg", "<", m.knee_locked_deg)),
            70,
            during=_REP_STATES,
        ),
        CueRule(
            "slow_front",
            "Slow down through the front.",
            (_c("state", "==", "front"), _c("speed_deg_s", ">", 90.0)),
            60,
            during=("front",),
        ),
        CueRule(
            "easy_pace",
            "Nice and easy, no need to hurry.",
            (_c("state", "in", ("side_a", "side_b")), _c("speed_deg_s", ">", 120.0)),
            50,
            during=_REP_STATES,
        ),
        CueRule(
            "start_gently",
            "When you're ready, bend gently to one side.",
            (_c("state", "==", "ready"), _c("state_elapsed_s", ">=", 8.0)),
            10,
            state_bound=True,
        ),
    )


#: The live cues with the default compensation limits.
LIVE_CUE_RULES: Final[tuple[CueRule, ...]] = live_cue_rules()


def rep_context(
    metrics: RepMetrics,
    score: float | None = None,
    rules: Sequence[CueRule] = REP_CUE_RULES,
    *,
    lost_sight: bool = True,
    cut_short: bool = False,
) -> dict[str, Any]:
    """Values the per-rep rules read.

    Every :class:`RepMetrics` field, ``score``, ``lost_sight`` (the person left the
    view during the rep; False when they stayed in view and only the pose was
    unreadable, as at deep flexion; True when not known), ``cut_short`` (the
    session ended during the rep: :attr:`~halfcircle.coaching.reps.RepRecord.cut_short`;
    nothing to say of how it was done), and ``corrections``: how
    many of ``rules`` that correct the rep (priority above
    :data:`PRAISE_MAX_PRIORITY`) hold, so that praise can keep from calling a rep
    smooth next to "slow down through the front".
    """
    ctx = asdict(metrics)
    ctx["score"] = score
    ctx["lost_sight"] = lost_sight
    ctx["cut_short"] = cut_short
    correcting = [r for r in rules if r.priority > PRAISE_MAX_PRIORITY]
    ctx["corrections"] = len(matching_cues(ctx, correcting))
    return ctx


def live_context(snapshot: LiveSnapshot) -> dict[str, Any]:
    """Values the live rules read: every :class:`LiveSnapshot` field (a shallow copy)."""
    return dict(vars(snapshot))


def matching_cues(context: Mapping[str, Any], rules: Iterable[CueRule]) -> list[Cue]:
    """Cues of all rules whose conditions hold, highest priority first (stable)."""
    hits = [
        Cue(r.id, r.text, r.priority, r.state_bound, r.during)
        for r in rules
        if all(c.holds(context) for c in r.when)
    ]
    return sorted(hits, key=lambda c: -c.priority)


def rep_cues(
    metrics: RepMetrics,
    score: float | None = None,
    rules: Sequence[CueRule] = REP_CUE_RULES,
    *,
    limit: int | None = 2,
    lost_sight: bool = True,
    cut_short: bool = False,
) -> list[Cue]:
    """Feedback cues for a finished rep, best first (at most ``limit``; None for all).

    Corrections first, then at most one praise (the highest). ``lost_sight`` and
    ``cut_short``: see :func:`rep_context`.
    """
    context = rep_context(metrics, score, rules, lost_sight=lost_sight, cut_short=cut_short)
    hits = matching_cues(context, rules)
    praise = [c for c in hits if c.priority <= PRAISE_MAX_PRIORITY][:1]
    hits = [c for c in hits if c.priority > PRAISE_MAX_PRIORITY] + praise
    return hits if limit is None else hits[:limit]


def record_cues(
    record: RepRecord,
    rules: Sequence[CueRule] = REP_CUE_RULES,
    *,
    limit: int | None = 2,
    lost_sight: bool = True,
) -> list[Cue]:
    """Feedback cues for a finished :class:`~halfcircle.coaching.reps.RepRecord`.

    From its metrics and score; ``lost_sight``: see :func:`rep_context`. A rep cut
    short by the end of the input (:attr:`~halfcircle.coaching.reps.RepRecord.cut_short`)
    gets no cue for being incomplete.
    """
    score = None if record.score is None else record.score.total
    return rep_cues(
        record.metrics,
        score,
        rules,
        limit=limit,
        lost_sight=lost_sight,
        cut_short=record.cut_short,
    )


def live_cues(snapshot: LiveSnapshot, rules: Sequence[CueRule] = LIVE_CUE_RULES) -> list[Cue]:
    """Cues that apply right now, best first."""
    return matching_cues(live_context(snapshot), rules)


@dataclass(frozen=True)
class CueConfig:
    """How cues are paced (seconds).

    Attributes:
        display_s: How long a cue stays up (s).
        cooldown_s: Quiet time after a cue before the next (s).
        repeat_cooldown_s: Shortest time before the same cue is shown again (s).
        feedback_ttl_s: How long a finished rep's feedback cues wait for a free
            slot before they are dropped (s).
    """

    display_s: float = 3.0
    cooldown_s: float = 2.0
    repeat_cooldown_s: float = 15.0
    feedback_ttl_s: float = 5.0

    def __post_init__(self) -> None:
        problems = sign_problems(
            self, non_negative=("display_s", "cooldown_s", "repeat_cooldown_s", "feedback_ttl_s")
        )
        if problems:
            raise ValidationError("Invalid cue config: " + "; ".join(problems) + ".")


class CueSelector:
    """Choose at most one cue at a time, with a cooldown.

    Args:
        display_s: How long a cue stays up (s).
        cooldown_s: Quiet time after a cue before the next (s).
        repeat_cooldown_s: Shortest time before the same cue is shown again (s).

    (:meth:`from_config` takes them from a :class:`CueConfig`.) Feed it the live
    candidates of each frame with :meth:`update`; :meth:`post` a finished rep's
    feedback cues once, and they wait (up to ``ttl_s``) for a free slot. Example::

        for event in events:
            if event.record is not None:
                selector.post(t, record_cues(event.record))
        cue = selector.update(t, live_cues(counter.snapshot()))
    """

    def __init__(
        self, display_s: float = 3.0, cooldown_s: float = 2.0, repeat_cooldown_s: float = 15.0
    ) -> None:
        CueConfig(display_s, cooldown_s, repeat_cooldown_s)  # validates them
        self.display_s = display_s
        self.cooldown_s = cooldown_s
        self.repeat_cooldown_s = repeat_cooldown_s
        self._current: Cue | None = None
        self._shown_at = -math.inf
        self._shown_for = display_s  # shorter once a state-bound cue is withdrawn
        self._last_shown: dict[str, float] = {}
        self._queue: list[tuple[float, Cue]] = []
        self._current_posted = False  # the cue on display came from post()

    @classmethod
    def from_config(cls, config: CueConfig) -> CueSelector:
        """A selector with the timings of ``config``."""
        return cls(config.display_s, config.cooldown_s, config.repeat_cooldown_s)

    def post(self, time_s: float, cues: Iterable[Cue], ttl_s: float = 5.0) -> None:
        """Queue cues (e.g. a rep's feedback) until ``time_s + ttl_s`` (s).

        Queued cues compete with the live candidates of each :meth:`update` by
        priority; one that is shown leaves the queue.
        """
        self._queue += [(time_s + ttl_s, c) for c in cues]

    def drop_feedback(self, time_s: float) -> None:
        """Forget the posted cues at ``time_s`` (s), and take down one on display.

        For a new rep: the last one's feedback no longer speaks to what the
        person is doing. The cooldown then runs as after any cue.
        """
        self._queue = []
        if self._current_posted and self.current(time_s) is not None:
            self._shown_for = time_s - self._shown_at

    def current(self, time_s: float) -> Cue | None:
        """The cue on display at ``time_s``, if any."""
        if self._current is not None and time_s - self._shown_at < self._shown_for:
            return self._current
        return None

    def update(
        self, time_s: float, candidates: Iterable[Cue], state: str | None = None
    ) -> Cue | None:
        """Offer candidate cues at ``time_s`` (s); return the one to show now, or None.

        A cue on display stays until its time is up, or, if it is ``state_bound``,
        until it is no longer among the candidates (its state has ended), or, if it
        names the states it speaks of (``during``), until ``state`` (the rep state
        now; None when unknown) is another; then the cooldown runs; after that the
        highest-priority candidate not shown within ``repeat_cooldown_s`` is shown.
        A ``state_bound`` candidate (step back into view, hold still) does not wait
        for the cooldown: it says what to do now.
        """
        candidates = list(candidates)
        self._queue = [(until, c) for until, c in self._queue if time_s <= until]
        shown = self.current(time_s)
        if shown is not None and (
            (shown.state_bound and shown.id not in {c.id for c in candidates})
            or (shown.during and state is not None and state not in shown.during)
        ):
            self._shown_for = time_s - self._shown_at  # withdrawn: its state is over
            shown = None
        if shown is not None:
            return shown
        cooling = time_s - self._shown_at < self._shown_for + self.cooldown_s
        ready = [
            c
            for c in [*candidates, *(c for _, c in self._queue)]
            if time_s - self._last_shown.get(c.id, -math.inf) >= self.repeat_cooldown_s
            and (not cooling or c.state_bound)  # what the person must do now waits for none
        ]
        if not ready:
            return None
        best = max(ready, key=lambda c: c.priority)  # first of equal priority wins
        self._current_posted = best not in candidates
        self._current = best
        self._shown_at = time_s
        self._shown_for = self.display_s
        self._last_shown[best.id] = time_s
        self._queue = [(until, c) for until, c in self._queue if c.id != best.id]
        return best
