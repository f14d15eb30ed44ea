"""Per-rep metrics and the 0-100 score, on synthetic reps with known answers."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace

import numpy as np
import pytest

from halfcircle.coaching.scoring import (
    MetricConfig,
    PersonalBest,
    ScoreConfig,
    compare_with_best,
    compute_rep_metrics,
    half_circle_path,
    infer_direction,
    points,
    score_rep,
)
from halfcircle.errors import ValidationError
from tests.conftest import typical_rep_metrics

FPS = 30.0


def min_jerk(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return 10 * x**3 - 15 * x**4 + 6 * x**5


def knots(points: list[tuple[float, float]], tau: np.ndarray) -> np.ndarray:
    out = np.zeros_like(tau)
    for (a, p0), (b, p1) in itertools.pairwise(points):
        out = np.where(tau >= a, p0 + (p1 - p0) * min_jerk((tau - a) / (b - a)), out)
    return out


STOP_AND_GO = [(0, 0), (0.25, 0.5), (0.35, 0.42), (0.45, 0.42), (0.6, 0.7), (0.7, 0.7), (1, 1)]


def rep(
    *,
    duration: float = 6.0,
    lateral: float = 30.0,
    forward: float = 50.0,
    direction: str = "right_first",
    profile: list[tuple[float, float]] | None = None,
    noise: float = 0.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frames of one rep from upright to upright along the ideal path."""
    t = np.arange(0.0, duration + 1e-9, 1.0 / FPS)
    tau = t / duration
    s = min_jerk(tau) if profile is None else knots(profile, tau)
    lat, fwd = half_circle_path(s, lateral, forward, direction=direction)  # type: ignore[arg-type]
    rng = np.random.default_rng(seed)
    return t, lat + noise * rng.standard_normal(t.size), fwd + noise * rng.standard_normal(t.size)


# ----------------------------------------------------------------- the path
def test_half_circle_path_shape() -> None:
    lat, fwd = half_circle_path(np.linspace(0, 1, 2001), 30.0, 50.0)
    assert (lat[0], fwd[0]) == (0.0, 0.0) and abs(lat[-1]) < 1e-9 and abs(fwd[-1]) < 1e-9
    assert lat.max() == pytest.approx(30.0) and lat.min() == pytest.approx(-30.0)
    assert fwd.max() == pytest.approx(50.0, abs=0.01)
    assert np.argmax(lat) < np.argmax(fwd) < np.argmin(lat)  # right, front, left
    lat_l, fwd_l = half_circle_path(np.linspace(0, 1, 2001), 30.0, 50.0, direction="left_first")
    assert np.allclose(lat_l, -lat) and np.allclose(fwd_l, fwd)
    arc_lat, arc_fwd = half_circle_path(0.0, 30.0, 50.0, from_upright=False)
    assert (float(arc_lat), float(arc_fwd)) == (30.0, 0.0)


# -------------------------------------------------------------- range metrics
@pytest.mark.parametrize("direction", ["right_first", "left_first"])
@pytest.mark.parametrize(("lateral", "forward"), [(30.0, 50.0), (15.0, 25.0), (25.0, 70.0)])
def test_peaks_and_coverage_of_a_smooth_rep(direction, lateral, forward) -> None:
    t, lat, fwd = rep(lateral=lateral, forward=forward, direction=direction)
    m = compute_rep_metrics(t, lat, fwd)
    assert m.direction == direction and m.outcome == "complete"
    assert m.peak_lateral_right_deg == pytest.approx(lateral, abs=0.2)
    assert m.peak_lateral_left_deg == pytest.approx(lateral, abs=0.2)
    assert m.peak_forward_deg == pytest.approx(forward, abs=0.2)
    assert m.arc_coverage_deg == pytest.approx(180.0, abs=1.0)
    assert m.symmetry == pytest.approx(1.0, abs=0.01)
    assert m.reversals == 0
    assert m.start_s == 0.0 and m.duration_s == pytest.approx(6.0)
    assert m.sparc > -2.0
    assert m.compensations == () and m.pelvis_shift_max_cm is None and m.knees_locked is None


def test_noisy_peaks_within_a_degree() -> None:
    t, lat, fwd = rep(noise=0.3, seed=2)
    m = compute_rep_metrics(t, lat, fwd)
    assert m.peak_lateral_right_deg == pytest.approx(30.0, abs=1.0)
    assert m.peak_lateral_left_deg == pytest.approx(30.0, abs=1.0)
    assert m.peak_forward_deg == pytest.approx(50.0, abs=1.0)
    assert m.reversals == 0 and m.sparc > -2.2


def test_circle_has_constant_inclination_and_ellipse_does_not() -> None:
    circle = compute_rep_metrics(*rep(lateral=30.0, forward=30.0))
    # A circle in the (lateral, forward) plane is nearly, not exactly, a cone of
    # constant inclination: 29.5 deg between the planes, 30 in them.
    assert circle.mean_inclination_deg == pytest.approx(30.0, abs=1.0)
    assert circle.circularity_cv < 0.03
    ellipse = compute_rep_metrics(*rep(lateral=20.0, forward=50.0))
    assert ellipse.circularity_cv > 0.2
    assert 20.0 < ellipse.mean_inclination_deg < 50.0


def test_partial_arc_coverage_and_asymmetry() -> None:
    # Goes right, round the front and only a little way up the left side.
    t, lat, fwd = rep()
    lat = np.where(lat < 0, lat / 3.0, lat)  # left side reaches 10 deg instead of 30
    m = compute_rep_metrics(t, lat, fwd)
    assert m.peak_lateral_left_deg == pytest.approx(10.0, abs=0.2)
    assert m.symmetry == pytest.approx(1 / 3, abs=0.01)
    assert m.lateral_asymmetry_deg == pytest.approx(20.0, abs=0.3)
    assert 150.0 < m.arc_coverage_deg < 180.0
    half = knots([(0, 0), (0.5, 0.5), (1, 0)], np.linspace(0, 1, 181))
    lat_h, fwd_h = half_circle_path(half, 30.0, 50.0)
    mh = compute_rep_metrics(np.arange(181) / FPS, lat_h, fwd_h, outcome="aborted")
    assert mh.arc_coverage_deg == pytest.approx(90.0, abs=3.0)
    assert mh.peak_lateral_left_deg == 0.0 and mh.symmetry == 0.0


# ----------------------------------------------------------------- smoothness
def test_stop_and_go_with_reversal_is_less_smooth_with_the_same_peaks() -> None:
    smooth = compute_rep_metrics(*rep())
    jerky = compute_rep_metrics(*rep(profile=STOP_AND_GO))
    for name in ("peak_lateral_right_deg", "peak_lateral_left_deg", "peak_forward_deg"):
        assert getattr(jerky, name) == pytest.approx(getattr(smooth, name), abs=1.0)
    assert jerky.reversals == 1 and smooth.reversals == 0
    assert jerky.sparc < smooth.sparc - 1.0
    assert jerky.ldlj < smooth.ldlj
    assert jerky.peak_speed_deg_s > 1.5 * smooth.peak_speed_deg_s
    s_smooth, s_jerky = score_rep(smooth), score_rep(jerky)
    assert s_jerky.smoothness < s_smooth.smoothness - 0.5
    assert s_jerky.total < s_smooth.total - 20
    assert s_smooth.total > 90


def test_stop_and_go_still_less_smooth_with_noise() -> None:
    for seed in range(5):
        smooth = compute_rep_metrics(*rep(noise=0.3, seed=seed))
        jerky = compute_rep_metrics(*rep(profile=STOP_AND_GO, noise=0.3, seed=seed))
        assert jerky.sparc < smooth.sparc - 0.8
        assert score_rep(jerky).total < score_rep(smooth).total - 15


def test_jittered_timestamps_give_the_same_smoothness() -> None:
    t, lat, fwd = rep()
    rng = np.random.default_rng(5)
    t_jit = t + rng.uniform(-0.004, 0.004, t.size)
    t_jit[0] = 0.0
    a, b = compute_rep_metrics(t, lat, fwd), compute_rep_metrics(t_jit, lat, fwd)
    assert b.sparc == pytest.approx(a.sparc, abs=0.15)
    assert b.peak_forward_deg == pytest.approx(a.peak_forward_deg)


def test_invalid_frames_are_bridged_and_left_out_of_peaks() -> None:
    t, lat, fwd = rep()
    valid = np.ones(t.size, bool)
    valid[80:90] = False
    lat_bad = lat.copy()
    lat_bad[80:90] = 99.0  # garbage where invalid must not count
    m = compute_rep_metrics(t, lat_bad, fwd, valid=valid)
    assert m.peak_lateral_right_deg == pytest.approx(30.0, abs=0.2)
    assert m.valid_fraction == pytest.approx(1 - 10 / t.size)


# --------------------------------------------------------------- compensations
def test_compensations_from_optional_inputs() -> None:
    t, lat, fwd = rep()
    shift = np.where((t > 2) & (t < 3), -4.5, 0.5)
    tilt = np.full(t.size, 2.0)
    knee = np.where(t > 4, 2.0, 12.0)
    m = compute_rep_metrics(
        t, lat, fwd, pelvis_shift_cm=shift, pelvis_tilt_deg=tilt, knee_flexion_deg=knee
    )
    assert m.pelvis_shift_max_cm == pytest.approx(4.5)
    assert m.pelvis_tilt_max_deg == pytest.approx(2.0)
    assert m.knee_flexion_min_deg == pytest.approx(2.0) and m.knees_locked is True
    assert m.compensations == ("pelvis_shift", "knees_locked")
    base = score_rep(compute_rep_metrics(t, lat, fwd))
    assert score_rep(m).total == pytest.approx(base.total - 10.0)
    all_nan = compute_rep_metrics(t, lat, fwd, pelvis_shift_cm=np.full(t.size, np.nan))
    assert all_nan.pelvis_shift_max_cm is None


def test_metric_config_limits_are_used() -> None:
    t, lat, fwd = rep()
    shift = np.full(t.size, 2.0)
    assert compute_rep_metrics(t, lat, fwd, pelvis_shift_cm=shift).compensations == ()
    strict = MetricConfig(pelvis_shift_limit_cm=1.0)
    m = compute_rep_metrics(t, lat, fwd, pelvis_shift_cm=shift, config=strict)
    assert m.compensations == ("pelvis_shift",)


# ------------------------------------------------------------ direction, input
@pytest.mark.parametrize(
    ("lat", "expected"),
    [
        ([0, 10, 30, 10, -30, 0], "right_first"),
        ([0, -10, -30, 0, 30, 0], "left_first"),
        ([0, 2, -20, -30, 25, 0], "left_first"),  # a small wobble right first
        ([0, 0, 0], "right_first"),
        ([np.nan, np.nan], "right_first"),
    ],
)
def test_infer_direction(lat, expected) -> None:
    assert infer_direction(np.array(lat, float), np.zeros(len(lat))) == expected


@pytest.mark.parametrize(
    ("t", "lat", "valid", "message"),
    [
        (np.arange(5.0), np.zeros(4), None, "lateral_deg has shape"),
        (np.array([0.0, 1.0, 1.0]), np.zeros(3), None, "strictly increasing"),
        (np.arange(3.0), np.zeros(3), np.array([True, False, False]), "at least 2 valid"),
        (np.arange(1.0), np.zeros(1), None, "at least 2 frames"),
    ],
)
def test_compute_rep_metrics_validates(t, lat, valid, message) -> None:
    with pytest.raises(ValidationError, match=message):
        compute_rep_metrics(t, lat, np.zeros(t.size), valid=valid)


def test_metrics_as_dict_is_json_ready() -> None:
    t, lat, fwd = rep()
    m = compute_rep_metrics(t, np.abs(lat), fwd, outcome="aborted")  # never left: NaN-free
    d = m.as_dict()
    json.dumps(d, allow_nan=False)
    assert d["direction"] == "right_first" and d["compensations"] == []
    flat = compute_rep_metrics(np.arange(3.0), np.zeros(3), np.zeros(3))
    assert flat.as_dict()["mean_inclination_deg"] is None
    json.dumps(flat.as_dict(), allow_nan=False)


# ------------------------------------------------------------------ the score
BASE = typical_rep_metrics(circularity_cv=0.0)


@pytest.mark.parametrize(
    ("changes", "total", "part", "value"),
    [
        ({}, 100.0, "smoothness", 1.0),
        ({"sparc": -1.2}, 100.0, "smoothness", 1.0),
        ({"sparc": -2.9}, 80.0, "smoothness", 0.5),
        ({"sparc": -4.5}, 60.0, "smoothness", 0.0),
        ({"sparc": float("nan")}, 60.0, "smoothness", 0.0),
        ({"reversals": 2}, 80.0, "smoothness", 0.5),
        ({"reversals": 5}, 60.0, "smoothness", 0.0),
        ({"arc_coverage_deg": 90.0}, 87.5, "fullness", 0.5),
        ({"symmetry": 0.5}, 92.5, "symmetry", 0.5),
        ({"duration_s": 3.0}, 90.0, "control", 0.5),
        ({"duration_s": 1.0}, 80.0, "control", 0.0),
        ({"duration_s": 30.0}, 90.0, "control", 0.5),
        ({"circularity_cv": 0.6}, 92.0, "control", 0.6),
        ({"circularity_cv": 0.3}, 96.0, "control", 0.8),
        ({"compensations": ("pelvis_shift", "knees_locked")}, 90.0, "compensation_points", 10.0),
    ],
)
def test_score_formula(changes, total, part, value) -> None:
    s = score_rep(replace(BASE, **changes))
    assert s.total == pytest.approx(total)
    assert getattr(s, part) == pytest.approx(value)


def test_score_stays_within_0_100() -> None:
    worst = replace(
        BASE,
        sparc=-9.0,
        arc_coverage_deg=0.0,
        symmetry=0.0,
        duration_s=0.5,
        compensations=("pelvis_shift", "pelvis_tilt", "knees_locked"),
    )
    assert score_rep(worst).total == 0.0
    assert set(score_rep(BASE).as_dict()) == {
        "total",
        "smoothness",
        "fullness",
        "symmetry",
        "control",
        "compensation_points",
    }


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"w_smooth": 0.5}, "sum to 1"),
        ({"sparc_poor": -1.0}, "sparc_poor"),
        ({"pace_min_s": 30.0}, "pace_min_s"),
    ],
)
def test_score_config_validates(kwargs, message) -> None:
    with pytest.raises(ValidationError, match=message):
        ScoreConfig(**kwargs)


def test_custom_score_weights() -> None:
    cfg = ScoreConfig(w_smooth=1.0, w_full=0.0, w_sym=0.0, w_control=0.0)
    assert score_rep(replace(BASE, sparc=-2.9, symmetry=0.0), cfg).total == pytest.approx(50.0)


# ---------------------------------------------------------- personal best
def test_compare_with_best() -> None:
    assert compare_with_best(BASE, 80.0, None) is None
    best = PersonalBest(
        score=85.0,
        peak_lateral_right_deg=24.0,
        peak_lateral_left_deg=28.0,
        peak_forward_deg=48.0,
        sparc=-1.9,
    )
    cmp = compare_with_best(BASE, 90.0, best)
    assert cmp is not None
    assert cmp.score_delta == pytest.approx(5.0) and cmp.new_best_score
    assert cmp.range_delta_deg == pytest.approx(
        {"peak_lateral_right_deg": 6.0, "peak_lateral_left_deg": 2.0, "peak_forward_deg": 2.0}
    )
    assert cmp.real_range_changes == ("peak_lateral_right_deg",)  # beyond the 5 deg MDC
    assert cmp.sparc_delta == pytest.approx(0.1)
    assert compare_with_best(BASE, 70.0, best, mdc_deg=1.5).real_range_changes == (  # type: ignore[union-attr]
        "peak_lateral_right_deg",
        "peak_lateral_left_deg",
        "peak_forward_deg",
    )


def test_personal_best_update_takes_each_best() -> None:
    best = PersonalBest.from_rep(BASE, 70.0)
    better_left = replace(BASE, peak_lateral_left_deg=35.0, sparc=-2.5)
    new = best.updated(better_left, 60.0)
    assert new.score == 70.0 and new.peak_lateral_left_deg == 35.0 and new.sparc == -1.8


def test_scores_are_shown_in_whole_points_with_halves_rounded_up() -> None:
    # one rounding everywhere: a rep of 88.51 and a best stored as 88.5 both read 89
    assert [points(x) for x in (88.51, 88.5, 88.49, 0.5, 0.0, 100.0)] == [
        "89", "89", "88", "1", "0", "100",
    ]  # fmt: skip
