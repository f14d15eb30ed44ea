"""Per-rep metrics of a half circle and its 0-100 score.

Pure functions over the frames of one rep (whole arrays, no state). Angles are
calibrated (0 = neutral upright) and filtered before they get here; the sign
conventions are those of :mod:`halfcircle.kinematics.smoothness`: ``lateral_deg`` positive
to the person's right, ``forward_deg`` positive in flexion, ``phi_deg`` 0 at the
right side, 90 at the front, 180 at the left.

Score formula (:func:`score_rep`, weights and limits in :class:`ScoreConfig`)::

    smoothness = clip((sparc - sparc_poor) / (sparc_good - sparc_poor), 0, 1)
                 * max(0, 1 - reversal_penalty * reversals)
    fullness   = arc_coverage_deg / 180
    symmetry   = min(right, left) / max(right, left)       (peak lateral flexion)
    control    = pace * (1 - circularity_weight * clip(circularity_cv / circularity_cv_poor, 0, 1))
                 pace = 1 inside [pace_min_s, pace_max_s], falling linearly to 0 at
                 half pace_min_s and at twice pace_max_s
    score      = 100 * (w_smooth * smoothness + w_full * fullness
                        + w_sym * symmetry + w_control * control)
                 - compensation_points * (number of compensations seen), clipped to [0, 100]

It rewards a smooth (one flowing movement, no going back), full (side to side),
symmetric and controlled (unhurried, even-radius) half circle. The range itself is
not scored against population norms: range is compared with the person's own
earlier best (:func:`compare_with_best`), where a change counts as real only
beyond the minimal detectable change.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Final, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from halfcircle.errors import ValidationError, sign_problems
from halfcircle.kinematics.angles import inclination_deg, phase_angle_deg
from halfcircle.kinematics.smoothness import (
    angular_speed_deg_s,
    count_reversals,
    count_speed_peaks,
    ldlj,
    lowpass,
    resample_uniform,
    sparc,
)

Direction = Literal["right_first", "left_first"]
Outcome = Literal["complete", "aborted", "incomplete"]

__all__ = [
    "BestComparison",
    "Direction",
    "MetricConfig",
    "Outcome",
    "PersonalBest",
    "RepMetrics",
    "ScoreBreakdown",
    "ScoreConfig",
    "compare_with_best",
    "compute_rep_metrics",
    "half_circle_path",
    "infer_direction",
    "points",
    "score_rep",
]

#: Highest SPARC zero-padding level: each level doubles the spectrum's length,
#: and beyond 8 (256 times a rep's samples) it adds memory, not precision.
MAX_SPARC_PAD_LEVEL: Final = 8


@dataclass(frozen=True)
class MetricConfig:
    """Parameters of :func:`compute_rep_metrics`.

    Attributes:
        arc_min_inclination_deg: Frames count as "on the arc" (phi defined) from
            this trunk inclination on (deg).
        arc_bin_deg: Width of the phi bins for mean inclination and circularity (deg).
        front_half_width_deg: Frames with ``|phi - 90|`` below this are "the front" (deg).
        reversal_threshold_deg: Hysteresis for counting phi reversals (deg).
        speed_cutoff_hz: Zero-phase low-pass on the angular speed before the
            smoothness metrics (Hz); None leaves it as is.
        sparc_cutoff_hz: SPARC frequency cut-off (Hz), literature value 10.
        sparc_amplitude_threshold: SPARC amplitude threshold, literature value 0.05.
        sparc_pad_level: SPARC zero-padding level 0-8, literature value 4.
        peak_prominence: Minimum prominence of a speed peak, fraction of the peak speed.
        pelvis_shift_limit_cm: Pelvis shift beyond this counts as a compensation (cm);
            the live hips cue uses it too (:func:`halfcircle.coaching.cues.live_cue_rules`).
        pelvis_tilt_limit_deg: Pelvis tilt beyond this counts as a compensation (deg).
        knee_locked_deg: Knee flexion below this counts as locked knees (deg); the
            live knees cue uses it too.
    """

    arc_min_inclination_deg: float = 10.0
    arc_bin_deg: float = 10.0
    front_half_width_deg: float = 30.0
    reversal_threshold_deg: float = 10.0
    speed_cutoff_hz: float | None = 6.0
    sparc_cutoff_hz: float = 10.0
    sparc_amplitude_threshold: float = 0.05
    sparc_pad_level: int = 4
    peak_prominence: float = 0.1
    pelvis_shift_limit_cm: float = 3.0
    # MediaPipe's hip points follow the trunk: on the rendered reps, whose pelvis is
    # held still, the hip line read up to ~20 deg of tilt at full flexion.
    pelvis_tilt_limit_deg: float = 25.0
    knee_locked_deg: float = 5.0

    def __post_init__(self) -> None:
        problems = []
        if not 0 < self.arc_bin_deg <= 180:
            problems.append(f"arc_bin_deg must be in (0, 180], got {self.arc_bin_deg}")
        if not 0 < self.front_half_width_deg <= 90:
            problems.append(
                f"front_half_width_deg must be in (0, 90], got {self.front_half_width_deg}"
            )
        if not 0 < self.sparc_amplitude_threshold < 1:
            problems.append(
                f"sparc_amplitude_threshold must be in (0, 1), got {self.sparc_amplitude_threshold}"
            )
        if not 0 <= self.peak_prominence < 1:
            problems.append(f"peak_prominence must be in [0, 1), got {self.peak_prominence}")
        if not 0 <= self.sparc_pad_level <= MAX_SPARC_PAD_LEVEL:
            problems.append(
                f"sparc_pad_level must be in [0, {MAX_SPARC_PAD_LEVEL}], got {self.sparc_pad_level}"
            )
        if self.speed_cutoff_hz is not None and not self.speed_cutoff_hz > 0:
            problems.append(
                f"speed_cutoff_hz must be positive (or None), got {self.speed_cutoff_hz}"
            )
        problems += sign_problems(
            self,
            positive=("sparc_cutoff_hz", "pelvis_shift_limit_cm", "pelvis_tilt_limit_deg"),
            non_negative=("arc_min_inclination_deg", "reversal_threshold_deg", "knee_locked_deg"),
        )
        if problems:
            raise ValidationError("Invalid metric config: " + "; ".join(problems) + ".")


@dataclass(frozen=True)
class RepMetrics:
    """What one half circle (or attempt) measured.

    Attributes:
        direction: ``"right_first"`` (phi 0 -> 180) or ``"left_first"`` (180 -> 0).
        outcome: ``"complete"``, ``"aborted"`` (back to upright without crossing
            the front) or ``"incomplete"`` (person lost, or the recording ended).
        start_s: Start of the movement (s).
        end_s: End of the movement (s).
        duration_s: ``end_s - start_s`` (s); also the pace, seconds per rep.
        peak_lateral_right_deg: Largest lateral flexion to the person's right (deg, >= 0).
        peak_lateral_left_deg: Largest lateral flexion to the person's left, as a
            positive magnitude (deg, >= 0).
        peak_forward_deg: Largest forward flexion (deg, >= 0).
        peak_inclination_deg: Largest trunk inclination (deg).
        arc_coverage_deg: How much of phi's 0-180 the rep swept while on the arc (deg).
        mean_inclination_deg: Mean radius of the arc: the largest inclination in
            each ``arc_bin_deg`` bin of phi (how far the trunk went in that
            direction), averaged over the bins reached, so neither slow passages
            nor the way in and out from upright weigh in (deg); NaN when never on
            the arc.
        circularity_cv: Coefficient of variation of those per-bin inclinations;
            0 is a perfect circle (an ellipse that goes deeper at the front than
            at the sides gives more).
        symmetry: ``min(right, left) / max(right, left)`` of the lateral peaks, 0-1.
        lateral_asymmetry_deg: ``right - left`` lateral peak (deg); positive when
            the rep went further to the person's right.
        sparc: Spectral arc length of the trunk's angular speed (closer to 0 is smoother).
        ldlj: Log dimensionless jerk of the same speed (closer to 0 is smoother).
        speed_peaks: Number of peaks of the angular speed (1 is one flowing movement).
        reversals: Times phi went back by more than the reversal threshold.
        mean_speed_deg_s: Mean angular speed of the trunk direction (deg/s).
        peak_speed_deg_s: Peak angular speed (deg/s).
        front_speed_deg_s: Mean angular speed through the front (deg/s); NaN if
            the rep never reached the front.
        pelvis_shift_max_cm: Largest pelvis shift from neutral (cm), None if not measured.
        pelvis_tilt_max_deg: Largest pelvis tilt from neutral (deg), None if not measured.
        knee_flexion_min_deg: Smallest knee flexion (deg, 0 = straight), None if not measured.
        knees_locked: Knee flexion fell below the locked limit; None if not measured.
        compensations: Names of the compensations seen: ``"pelvis_shift"``,
            ``"pelvis_tilt"``, ``"knees_locked"``.
        n_frames: Frames in the rep.
        valid_fraction: Fraction of those frames with a valid measurement.
    """

    direction: Direction
    outcome: Outcome
    start_s: float
    end_s: float
    duration_s: float
    peak_lateral_right_deg: float
    peak_lateral_left_deg: float
    peak_forward_deg: float
    peak_inclination_deg: float
    arc_coverage_deg: float
    mean_inclination_deg: float
    circularity_cv: float
    symmetry: float
    lateral_asymmetry_deg: float
    sparc: float
    ldlj: float
    speed_peaks: int
    reversals: int
    mean_speed_deg_s: float
    peak_speed_deg_s: float
    front_speed_deg_s: float
    pelvis_shift_max_cm: float | None = None
    pelvis_tilt_max_deg: float | None = None
    knee_flexion_min_deg: float | None = None
    knees_locked: bool | None = None
    compensations: tuple[str, ...] = field(default_factory=tuple)
    n_frames: int = 0
    valid_fraction: float = 1.0

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (NaN becomes None, tuples become lists)."""
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if isinstance(value, float) and not np.isfinite(value):
                value = None
            elif isinstance(value, tuple):
                value = list(value)
            out[key] = value
        return out


def infer_direction(lateral_deg: ArrayLike, forward_deg: ArrayLike) -> Direction:
    """Guess the direction of a rep from which side its trunk reached first.

    The first frame whose lateral flexion reaches half of the larger side peak
    decides: to the person's right gives ``"right_first"``.
    """
    lat = np.asarray(lateral_deg, dtype=np.float64)
    ok = np.isfinite(lat)
    if not ok.any():
        return "right_first"
    right, left = max(0.0, float(np.max(lat[ok]))), max(0.0, float(-np.min(lat[ok])))
    level = 0.5 * max(right, left)
    if level <= 0:
        return "right_first"
    first = int(np.argmax(ok & (np.abs(np.nan_to_num(lat)) >= level)))
    return "right_first" if lat[first] > 0 else "left_first"


def _optional_max_abs(x: ArrayLike | None) -> float | None:
    if x is None:
        return None
    a = np.abs(np.asarray(x, dtype=np.float64))
    return float(np.nanmax(a)) if np.isfinite(a).any() else None


def _optional_min(x: ArrayLike | None) -> float | None:
    if x is None:
        return None
    a = np.asarray(x, dtype=np.float64)
    return float(np.nanmin(a)) if np.isfinite(a).any() else None


def _rep_arrays(
    time_s: ArrayLike, lateral_deg: ArrayLike, forward_deg: ArrayLike, valid: ArrayLike | None
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """A rep's times and angles checked, with NaN where a frame is not valid (a copy)."""
    t = np.asarray(time_s, dtype=np.float64)
    lat = np.array(lateral_deg, dtype=np.float64)
    fwd = np.array(forward_deg, dtype=np.float64)
    ok = np.ones(t.shape, bool) if valid is None else np.asarray(valid, dtype=bool).copy()
    problems = []
    for name, arr in (("lateral_deg", lat), ("forward_deg", fwd), ("valid", ok)):
        if arr.shape != t.shape:
            problems.append(f"{name} has shape {arr.shape}, expected {t.shape}")
    if t.ndim != 1 or t.size < 2:
        problems.append(f"time_s must be 1-D with at least 2 frames, got shape {t.shape}")
    elif not np.all(np.diff(t) > 0):
        problems.append("time_s must be strictly increasing")
    if not problems:
        ok &= np.isfinite(lat) & np.isfinite(fwd)
        if ok.sum() < 2:
            problems.append(f"at least 2 valid frames are needed, got {int(ok.sum())}")
    if problems:
        raise ValidationError("Cannot measure this rep: " + "; ".join(problems) + ".")
    lat[~ok] = np.nan
    fwd[~ok] = np.nan
    return t, lat, fwd, ok


def _arc_metrics(
    phi_u: NDArray[np.float64],
    incl_u: NDArray[np.float64],
    speed: NDArray[np.float64],
    sign: int,
    cfg: MetricConfig,
) -> tuple[float, float, float, int, float]:
    """The arc of a rep on its uniform grid (phase and inclination in deg, speed in deg/s).

    Returns coverage (deg of phi swept), the mean of each ``arc_bin_deg`` bin's peak
    inclination (deg), their coefficient of variation (circularity), the phi reversals
    against the rep's direction (``sign`` +1 right first), and the mean speed through
    the front (deg/s); NaN and zeros when the trunk never left upright enough.
    """
    on_arc = incl_u >= cfg.arc_min_inclination_deg
    if not on_arc.any():
        return 0.0, float("nan"), float("nan"), 0, float("nan")
    phi_arc = np.clip(phi_u[on_arc], 0.0, 180.0)
    coverage = float(np.max(phi_arc) - np.min(phi_arc))
    edges = np.arange(0.0, 180.0 + cfg.arc_bin_deg, cfg.arc_bin_deg)
    idx = np.clip(np.digitize(phi_arc, edges) - 1, 0, edges.size - 2)
    per_bin = np.array([np.max(incl_u[on_arc][idx == k]) for k in np.unique(idx)])
    mean_incl = float(np.mean(per_bin))
    circ = float(np.std(per_bin) / mean_incl) if mean_incl > 0 else float("nan")
    reversals = count_reversals(
        phi_u[on_arc],
        direction=sign,
        threshold_deg=cfg.reversal_threshold_deg,
        inclination_deg=incl_u[on_arc],
    )
    front = on_arc & (np.abs(phi_u - 90.0) <= cfg.front_half_width_deg)
    front_speed = float(np.mean(speed[front])) if front.any() else float("nan")
    return coverage, mean_incl, circ, reversals, front_speed


def compute_rep_metrics(
    time_s: ArrayLike,
    lateral_deg: ArrayLike,
    forward_deg: ArrayLike,
    *,
    direction: Direction | None = None,
    outcome: Outcome = "complete",
    valid: ArrayLike | None = None,
    pelvis_shift_cm: ArrayLike | None = None,
    pelvis_tilt_deg: ArrayLike | None = None,
    knee_flexion_deg: ArrayLike | None = None,
    config: MetricConfig | None = None,
) -> RepMetrics:
    """Measure one rep from its frames.

    Args:
        time_s: ``(n,)`` strictly increasing frame times (s), n >= 2.
        lateral_deg: ``(n,)`` lateral flexion (deg, positive to the person's right).
        forward_deg: ``(n,)`` forward flexion (deg, positive in flexion).
        direction: The rep's direction; inferred with :func:`infer_direction` if None.
        outcome: How the rep ended (see :class:`RepMetrics`).
        valid: ``(n,)`` bool, False where the person was not measured; NaN angles
            also count as invalid. Invalid samples are bridged linearly for the
            speed-based metrics and left out of the peaks.
        pelvis_shift_cm: ``(n,)`` pelvis shift from neutral (cm, either sign), optional.
        pelvis_tilt_deg: ``(n,)`` pelvis tilt from neutral (deg, either sign), optional.
        knee_flexion_deg: ``(n,)`` knee flexion (deg, 0 = straight), optional.
        config: Metric parameters; defaults to :class:`MetricConfig`.

    Returns:
        The rep's :class:`RepMetrics`.

    Raises:
        ValidationError: If shapes differ, times are not increasing, or fewer than
            two valid frames are given.
    """
    cfg = config or MetricConfig()
    t, lat, fwd, ok = _rep_arrays(time_s, lateral_deg, forward_deg, valid)
    if direction is None:
        direction = infer_direction(lat, fwd)
    sign = 1 if direction == "right_first" else -1

    # Uniform grid for the speed-based metrics, at the median frame step: live frame
    # times jitter and a busy machine skips frames. (The angles come here already
    # filtered on a uniform clock: halfcircle.kinematics.filters.lowpass_zero_phase. A finer
    # fixed clock was tried: jittered times then read up to 0.25 smoother in SPARC.)
    grid, (lat_u, fwd_u) = resample_uniform(t, lat, fwd)
    fs = float(1.0 / np.median(np.diff(t)))
    speed = angular_speed_deg_s(grid, lat_u, fwd_u)
    if cfg.speed_cutoff_hz is not None:
        speed = np.clip(lowpass(speed, fs, cfg.speed_cutoff_hz), 0.0, None)
    incl_u = inclination_deg(lat_u, fwd_u)
    phi_u = phase_angle_deg(lat_u, fwd_u)
    coverage, mean_incl, circ, reversals, front_speed = _arc_metrics(
        phi_u, incl_u, speed, sign, cfg
    )

    right = max(0.0, float(np.nanmax(lat)))
    left = max(0.0, float(-np.nanmin(lat)))
    forward = max(0.0, float(np.nanmax(fwd)))
    symmetry = min(right, left) / max(right, left) if max(right, left) > 0 else 0.0

    shift = _optional_max_abs(pelvis_shift_cm)
    tilt = _optional_max_abs(pelvis_tilt_deg)
    knee = _optional_min(knee_flexion_deg)
    locked = None if knee is None else knee < cfg.knee_locked_deg
    comps = [
        name
        for name, seen in (
            ("pelvis_shift", shift is not None and shift > cfg.pelvis_shift_limit_cm),
            ("pelvis_tilt", tilt is not None and tilt > cfg.pelvis_tilt_limit_deg),
            ("knees_locked", bool(locked)),
        )
        if seen
    ]

    return RepMetrics(
        direction=direction,
        outcome=outcome,
        start_s=float(t[0]),
        end_s=float(t[-1]),
        duration_s=float(t[-1] - t[0]),
        peak_lateral_right_deg=right,
        peak_lateral_left_deg=left,
        peak_forward_deg=forward,
        peak_inclination_deg=float(np.nanmax(inclination_deg(lat, fwd))),
        arc_coverage_deg=coverage,
        mean_inclination_deg=mean_incl,
        circularity_cv=circ,
        symmetry=float(symmetry),
        lateral_asymmetry_deg=right - left,
        sparc=sparc(
            speed,
            fs,
            cutoff_hz=cfg.sparc_cutoff_hz,
            amplitude_threshold=cfg.sparc_amplitude_threshold,
            pad_level=cfg.sparc_pad_level,
        ),
        ldlj=ldlj(speed, fs),
        speed_peaks=count_speed_peaks(speed, min_prominence=cfg.peak_prominence),
        reversals=reversals,
        mean_speed_deg_s=float(np.mean(speed)),
        peak_speed_deg_s=float(np.max(speed)),
        front_speed_deg_s=front_speed,
        pelvis_shift_max_cm=shift,
        pelvis_tilt_max_deg=tilt,
        knee_flexion_min_deg=knee,
        knees_locked=locked,
        compensations=tuple(comps),
        n_frames=int(t.size),
        valid_fraction=float(np.mean(ok)),
    )


@dataclass(frozen=True)
class ScoreConfig:
    """Weights and limits of the 0-100 score (see the module docstring for the formula).

    Attributes:
        sparc_good: SPARC at or above which smoothness is full (a smooth half circle
            measures about -1.6 to -1.8).
        sparc_poor: SPARC at or below which smoothness is zero.
        reversal_penalty: Fraction of smoothness lost per phi reversal.
        pace_min_s: Shortest unhurried rep (s).
        pace_max_s: Longest rep still counted as one flowing movement (s).
        circularity_cv_poor: Circularity CV at which the circularity part is all lost.
        circularity_weight: Share of ``control`` that depends on circularity, 0-1.
        w_smooth: Weight of smoothness.
        w_full: Weight of fullness (arc coverage).
        w_sym: Weight of left/right symmetry.
        w_control: Weight of control (pace and circularity).
        compensation_points: Points taken off per compensation seen.
    """

    sparc_good: float = -1.8
    sparc_poor: float = -4.0
    reversal_penalty: float = 0.25
    pace_min_s: float = 4.0
    pace_max_s: float = 20.0
    circularity_cv_poor: float = 0.6
    circularity_weight: float = 0.4
    w_smooth: float = 0.40
    w_full: float = 0.25
    w_sym: float = 0.15
    w_control: float = 0.20
    compensation_points: float = 5.0

    def __post_init__(self) -> None:
        problems = []
        if not self.sparc_poor < self.sparc_good:
            problems.append(f"sparc_poor ({self.sparc_poor}) must be below sparc_good")
        if not 0 < self.pace_min_s < self.pace_max_s:
            problems.append("need 0 < pace_min_s < pace_max_s")
        weights = (self.w_smooth, self.w_full, self.w_sym, self.w_control)
        if min(weights) < 0 or abs(sum(weights) - 1.0) > 1e-9:
            problems.append(f"weights must be >= 0 and sum to 1, got {weights}")
        if problems:
            raise ValidationError("Invalid score configuration: " + "; ".join(problems) + ".")


@dataclass(frozen=True)
class ScoreBreakdown:
    """A rep's score and its parts.

    Attributes:
        total: Score 0-100.
        smoothness: 0-1, from SPARC and reversals.
        fullness: 0-1, arc coverage / 180.
        symmetry: 0-1, lateral peaks' ratio.
        control: 0-1, pace and circularity.
        compensation_points: Points taken off for compensations.
    """

    total: float
    smoothness: float
    fullness: float
    symmetry: float
    control: float
    compensation_points: float

    def as_dict(self) -> dict[str, float]:
        """Plain JSON-ready dict."""
        return {f.name: float(getattr(self, f.name)) for f in fields(self)}


def points(score: float) -> str:
    """A 0-100 score in whole points as shown to a person, halves rounded up.

    Every output that shows a score goes through this one rounding, so that a rep
    of 88.51 and a best of 88.5 both read 89 (Python's own formatting rounds an
    exact half to even: 88.5 would read 88).
    """
    return str(math.floor(score + 0.5))


def _clip01(x: float) -> float:
    return float(min(1.0, max(0.0, x))) if np.isfinite(x) else 0.0


def _pace_part(duration_s: float, cfg: ScoreConfig) -> float:
    if duration_s < cfg.pace_min_s:
        return _clip01((duration_s - cfg.pace_min_s / 2) / (cfg.pace_min_s / 2))
    if duration_s > cfg.pace_max_s:
        return _clip01(1.0 - (duration_s - cfg.pace_max_s) / cfg.pace_max_s)
    return 1.0


def score_rep(metrics: RepMetrics, config: ScoreConfig | None = None) -> ScoreBreakdown:
    """Score one rep 0-100 by the formula in the module docstring.

    Aborted and incomplete attempts are scored by the same formula; callers
    usually show scores of complete reps only.
    """
    cfg = config or ScoreConfig()
    smooth = _clip01((metrics.sparc - cfg.sparc_poor) / (cfg.sparc_good - cfg.sparc_poor))
    smooth *= max(0.0, 1.0 - cfg.reversal_penalty * metrics.reversals)
    full = _clip01(metrics.arc_coverage_deg / 180.0)
    sym = _clip01(metrics.symmetry)
    circ = _clip01(metrics.circularity_cv / cfg.circularity_cv_poor)
    control = _pace_part(metrics.duration_s, cfg) * (1.0 - cfg.circularity_weight * circ)
    points = cfg.compensation_points * len(metrics.compensations)
    raw = 100.0 * (
        cfg.w_smooth * smooth + cfg.w_full * full + cfg.w_sym * sym + cfg.w_control * control
    )
    return ScoreBreakdown(
        total=float(min(100.0, max(0.0, raw - points))),
        smoothness=smooth,
        fullness=full,
        symmetry=sym,
        control=control,
        compensation_points=points,
    )


@dataclass(frozen=True)
class PersonalBest:
    """The person's best so far, each field its own best (from history).

    Attributes:
        score: Best score 0-100.
        peak_lateral_right_deg: Best lateral flexion to the right (deg).
        peak_lateral_left_deg: Best lateral flexion to the left (deg, positive).
        peak_forward_deg: Best forward flexion (deg).
        sparc: Best (highest) SPARC.
    """

    score: float
    peak_lateral_right_deg: float
    peak_lateral_left_deg: float
    peak_forward_deg: float
    sparc: float

    @classmethod
    def from_rep(cls, metrics: RepMetrics, score: float) -> PersonalBest:
        """The best made of a single rep."""
        return cls(
            score=score,
            peak_lateral_right_deg=metrics.peak_lateral_right_deg,
            peak_lateral_left_deg=metrics.peak_lateral_left_deg,
            peak_forward_deg=metrics.peak_forward_deg,
            sparc=metrics.sparc,
        )

    def updated(self, metrics: RepMetrics, score: float) -> PersonalBest:
        """A new best: each field the better of this best and the rep."""
        return self.merged(PersonalBest.from_rep(metrics, score))

    def merged(self, other: PersonalBest) -> PersonalBest:
        """Each field the better of the two (NaN counts as unknown, not as worse)."""
        return PersonalBest(
            **{
                f.name: float(np.fmax(getattr(self, f.name), getattr(other, f.name)))
                for f in fields(self)
            }
        )


@dataclass(frozen=True)
class BestComparison:
    """A rep compared with the person's earlier best.

    Attributes:
        score_delta: Score minus the best score (points).
        new_best_score: The rep beat the best score.
        range_delta_deg: Per range field (``peak_lateral_right_deg``,
            ``peak_lateral_left_deg``, ``peak_forward_deg``): rep minus best (deg).
        real_range_changes: The range fields whose change exceeds the minimal
            detectable change (either way).
        sparc_delta: SPARC minus the best SPARC (positive is smoother).
    """

    score_delta: float
    new_best_score: bool
    range_delta_deg: dict[str, float]
    real_range_changes: tuple[str, ...]
    sparc_delta: float


_RANGE_FIELDS = ("peak_lateral_right_deg", "peak_lateral_left_deg", "peak_forward_deg")


def compare_with_best(
    metrics: RepMetrics, score: float, best: PersonalBest | None, *, mdc_deg: float = 5.0
) -> BestComparison | None:
    """Compare a rep with the person's earlier best; None without history.

    ``mdc_deg`` is the minimal detectable change of instrumented trunk range
    (5-15 deg in the literature): smaller range changes are not called real.
    """
    if best is None:
        return None
    deltas = {name: getattr(metrics, name) - getattr(best, name) for name in _RANGE_FIELDS}
    return BestComparison(
        score_delta=score - best.score,
        new_best_score=score > best.score,
        range_delta_deg=deltas,
        real_range_changes=tuple(n for n, d in deltas.items() if abs(d) > mdc_deg),
        sparc_delta=metrics.sparc - best.sparc,
    )


def half_circle_path(
    s: ArrayLike,
    lateral_peak_deg: float,
    forward_peak_deg: float,
    *,
    direction: Direction = "right_first",
    from_upright: bool = True,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The ideal half circle, as lateral and forward flexion along the path.

    With ``from_upright`` the path runs upright -> first side (straight) -> the
    elliptical arc ``(L cos phi, F sin phi)`` through the front -> other side ->
    upright; otherwise the arc only. ``s`` is the fraction of the path's length
    (in degree units) covered, in [0, 1], so a smooth ``s(t)`` gives a smooth
    movement. Used for the guide drawn behind traces and for synthetic tests.

    Args:
        s: Path fraction(s), clipped to [0, 1].
        lateral_peak_deg: Lateral flexion at each side, ``L`` (deg, > 0).
        forward_peak_deg: Forward flexion at the front, ``F`` (deg, > 0).
        direction: ``"right_first"`` starts at the person's right (positive lateral).
        from_upright: Include the segments from and back to upright.

    Returns:
        ``(lateral_deg, forward_deg)`` arrays shaped like ``s``.
    """
    n = 721
    phi = np.radians(np.linspace(0.0, 180.0, n))
    arc = np.stack([lateral_peak_deg * np.cos(phi), forward_peak_deg * np.sin(phi)], axis=1)
    if from_upright:
        a = np.linspace(0.0, 1.0, n)[:, None]
        start = a * arc[0]
        end = (1.0 - a) * arc[-1]
        pts = np.concatenate([start, arc[1:], end[1:]])
    else:
        pts = arc
    seg = np.hypot(*np.diff(pts, axis=0).T)
    length = np.concatenate([[0.0], np.cumsum(seg)])
    frac = length / length[-1]
    u = np.clip(np.asarray(s, dtype=np.float64), 0.0, 1.0)
    lat = np.interp(u, frac, pts[:, 0])
    fwd = np.interp(u, frac, pts[:, 1])
    if direction == "left_first":
        lat = -lat
    return lat, fwd
