"""Unit tests of trunk geometry and smoothness metrics, with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from halfcircle.errors import ValidationError
from halfcircle.kinematics.angles import inclination_deg, phase_angle_deg, trunk_direction
from halfcircle.kinematics.smoothness import (
    angular_speed_deg_s,
    count_reversals,
    count_speed_peaks,
    ldlj,
    lowpass,
    resample_uniform,
    sparc,
)

FS = 100.0


def gaussian_bell() -> np.ndarray:
    """exp(-5 t^2), t in [-1, 1) at 100 Hz: the literature's reference profile."""
    t = np.arange(-1.0, 1.0, 1.0 / FS)
    return np.exp(-5.0 * t**2)


def two_bells() -> np.ndarray:
    t = np.arange(-1.0, 1.0, 1.0 / FS)
    return np.exp(-40.0 * (t + 0.45) ** 2) + np.exp(-40.0 * (t - 0.45) ** 2)


# ---------------------------------------------------------------- known values
def test_sparc_of_gaussian_bell_matches_literature() -> None:
    assert sparc(gaussian_bell(), FS) == pytest.approx(-1.41403, abs=1e-5)


def test_ldlj_of_gaussian_bell_matches_literature() -> None:
    assert ldlj(gaussian_bell(), FS) == pytest.approx(-5.81636, abs=1e-5)


@pytest.mark.parametrize("metric", [sparc, ldlj])
def test_metrics_do_not_depend_on_amplitude(metric) -> None:
    v = gaussian_bell()
    assert metric(37.5 * v, FS) == pytest.approx(metric(v, FS), abs=1e-9)


@pytest.mark.parametrize("metric", [sparc, ldlj])
def test_two_submovements_are_less_smooth_than_one(metric) -> None:
    assert metric(two_bells(), FS) < metric(gaussian_bell(), FS) - 0.5


@pytest.mark.parametrize("metric", [sparc, ldlj])
@pytest.mark.parametrize("bad", [np.zeros(50), np.array([1.0]), np.array([1.0, np.nan, 2.0])])
def test_metrics_are_nan_without_a_usable_profile(metric, bad) -> None:
    assert np.isnan(metric(bad, FS))


def test_sparc_parameters_are_used() -> None:
    v = two_bells()
    assert sparc(v, FS, cutoff_hz=2.0) != pytest.approx(sparc(v, FS))


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        (gaussian_bell(), 1),
        (two_bells(), 2),
        (gaussian_bell() + 0.01 * np.sin(np.arange(200) * 1.3), 1),  # ripples ignored
        (np.zeros(10), 0),
    ],
)
def test_count_speed_peaks(profile, expected) -> None:
    assert count_speed_peaks(profile) == expected


# -------------------------------------------------------------------- reversals
@pytest.mark.parametrize(
    ("phi", "direction", "expected"),
    [
        (np.linspace(0, 180, 50), 1, 0),
        (np.linspace(180, 0, 50), -1, 0),
        (np.r_[np.linspace(0, 100, 20), np.linspace(100, 80, 5), np.linspace(80, 180, 20)], 1, 1),
        (np.r_[np.linspace(0, 100, 20), np.linspace(100, 95, 5), np.linspace(95, 180, 20)], 1, 0),
        (
            np.r_[
                np.linspace(0, 60, 9),
                np.linspace(60, 40, 5),
                np.linspace(40, 120, 9),
                np.linspace(120, 100, 5),
                np.linspace(100, 180, 9),
            ],
            1,
            2,
        ),
        (np.linspace(0, 180, 50), -1, 1),  # the whole rep "backwards" is one reversal
        (np.array([10.0, np.nan, 20.0, 5.0, 30.0]), 1, 1),
    ],
)
def test_count_reversals(phi, direction, expected) -> None:
    assert count_reversals(phi, direction=direction) == expected


def test_count_reversals_rejects_bad_direction() -> None:
    with pytest.raises(ValidationError, match="direction"):
        count_reversals(np.zeros(3), direction=0)


# --------------------------------------------------------------------- geometry
@pytest.mark.parametrize(
    ("lateral", "forward", "incl", "phi"),
    [
        (0.0, 0.0, 0.0, 0.0),
        (30.0, 0.0, 30.0, 0.0),  # person's right
        (0.0, 40.0, 40.0, 90.0),  # front
        (-25.0, 0.0, 25.0, 180.0),  # person's left
        (0.0, 90.0, 90.0, 90.0),  # horizontal, still defined
        (-10.0, -1.0, 10.05, 185.71),  # left and slightly extended: stays near 180
        (10.0, -1.0, 10.05, -5.71),
    ],
)
def test_inclination_and_phase_angle(lateral, forward, incl, phi) -> None:
    assert float(inclination_deg(lateral, forward)) == pytest.approx(incl, abs=0.01)
    assert float(phase_angle_deg(lateral, forward)) == pytest.approx(phi, abs=0.01)


def test_inclination_is_close_to_hypot_for_small_angles() -> None:
    lat, fwd = np.meshgrid(np.linspace(-15, 15, 7), np.linspace(-5, 15, 5))
    assert np.allclose(inclination_deg(lat, fwd), np.hypot(lat, fwd), atol=0.5)


def test_trunk_direction_is_unit_and_keeps_plane_angles() -> None:
    lat = np.array([0.0, 20.0, -35.0, 10.0])
    fwd = np.array([0.0, 30.0, 60.0, -10.0])
    u = trunk_direction(lat, fwd)
    assert u.shape == (4, 3)
    assert np.allclose(np.linalg.norm(u, axis=1), 1.0)
    assert np.allclose(np.degrees(np.arctan2(u[:, 0], u[:, 2])), lat)
    assert np.allclose(np.degrees(np.arctan2(u[:, 1], u[:, 2])), fwd)


def test_trunk_direction_nan_in_nan_out() -> None:
    assert np.isnan(trunk_direction(np.nan, 10.0)).all()


@pytest.mark.parametrize(("lat_rate", "fwd_rate"), [(10.0, 0.0), (0.0, 25.0)])
def test_angular_speed_of_a_single_plane_movement(lat_rate, fwd_rate) -> None:
    t = np.arange(0, 2, 1 / 30)
    speed = angular_speed_deg_s(t, lat_rate * t, fwd_rate * t)
    assert np.allclose(speed, lat_rate + fwd_rate, rtol=1e-3)


def test_angular_speed_along_a_circle_of_constant_inclination() -> None:
    # Trunk at 20 deg from vertical turning round at 30 deg/s of azimuth.
    t = np.arange(0, 3, 1 / 30)
    az = np.radians(30.0 * t)
    incl = np.radians(20.0)
    x, y, z = np.sin(incl) * np.cos(az), np.sin(incl) * np.sin(az), np.cos(incl)
    lat, fwd = np.degrees(np.arctan2(x, z)), np.degrees(np.arctan2(y, z))
    speed = angular_speed_deg_s(t, lat, fwd)
    assert np.allclose(speed[1:-1], 30.0 * np.sin(incl), rtol=2e-3)


# ------------------------------------------------------------------- resampling
def test_resample_uniform_bridges_nan_and_jitter() -> None:
    rng = np.random.default_rng(1)
    t = np.cumsum(np.full(60, 1 / 30) + rng.uniform(-0.004, 0.004, 60))
    x = 2.0 * t
    x[20:23] = np.nan
    grid, (y,) = resample_uniform(t, x)
    assert np.allclose(np.diff(grid), np.median(np.diff(t)))
    assert np.allclose(y, 2.0 * grid)


@pytest.mark.parametrize(
    ("t", "x", "message"),
    [
        (np.array([0.0, 0.1, 0.1]), np.zeros(3), "strictly increasing"),
        (np.array([0.0, 0.1]), np.zeros(3), "expected"),
        (np.array([0.0]), np.zeros(1), "at least 2"),
    ],
)
def test_resample_uniform_validates(t, x, message) -> None:
    with pytest.raises(ValidationError, match=message):
        resample_uniform(t, x)


def test_lowpass_keeps_slow_and_removes_fast() -> None:
    t = np.arange(0, 4, 1 / 30)
    slow, fast = np.sin(2 * np.pi * 0.5 * t), 0.5 * np.sin(2 * np.pi * 12 * t)
    y = lowpass(slow + fast, 30.0, 4.0)
    assert np.max(np.abs(y - slow)[10:-10]) < 0.05
    assert np.array_equal(lowpass(np.ones(4), 30.0, 4.0), np.ones(4))  # too short: unchanged


def test_phi_wandering_near_upright_is_not_a_reversal() -> None:
    # out to the right with a little flexion, round the front, up from the left:
    # phi runs back at both ends while the trunk is close to upright
    lat = np.r_[
        np.linspace(2, 30, 20), 30 * np.cos(np.linspace(0, np.pi, 60)), np.linspace(-30, -2, 20)
    ]
    fwd = np.r_[np.full(20, 4.0), 55 * np.sin(np.linspace(0, np.pi, 60)), np.full(20, 4.0)]
    phi = np.degrees(np.arctan2(fwd, lat))
    incl = np.hypot(lat, fwd)
    assert count_reversals(phi, direction=1) >= 1  # without inclination: fooled
    assert count_reversals(phi, direction=1, inclination_deg=incl) == 0


def test_going_back_on_the_arc_is_still_a_reversal_with_inclination() -> None:
    phase = np.r_[np.linspace(0, 0.6, 30), np.linspace(0.6, 0.4, 10), np.linspace(0.4, 1, 30)]
    lat, fwd = 30 * np.cos(np.pi * phase), 55 * np.sin(np.pi * phase)
    phi = np.degrees(np.arctan2(fwd, lat))
    assert count_reversals(phi, direction=1, inclination_deg=np.hypot(lat, fwd)) == 1
