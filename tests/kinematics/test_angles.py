"""The trunk-angle convention: each scalar twin equals its whole-array function."""

from __future__ import annotations

import numpy as np
import pytest

from halfcircle.kinematics.angles import (
    inclination_deg,
    inclination_phi_one,
    phase_angle_deg,
    phase_angle_one,
    trunk_angles,
    trunk_direction,
    trunk_direction_one,
)

ANGLES = np.random.default_rng(0).uniform(-85, 85, size=(200, 2))


@pytest.mark.parametrize(("lat", "fwd"), ANGLES[:50])
def test_each_scalar_twin_equals_its_array_function(lat: float, fwd: float) -> None:
    assert trunk_direction_one(lat, fwd) == pytest.approx(tuple(trunk_direction(lat, fwd)))
    assert phase_angle_one(lat, fwd) == pytest.approx(float(phase_angle_deg(lat, fwd)))
    incl, phi = inclination_phi_one(lat, fwd)
    assert incl == pytest.approx(float(inclination_deg(lat, fwd)))
    assert phi == pytest.approx(float(phase_angle_deg(lat, fwd)))


def test_trunk_angles_invert_the_trunk_direction_when_upright_enough() -> None:
    lat, fwd = ANGLES[:, 0], ANGLES[:, 1]
    got_lat, got_fwd, got_incl, got_phi = trunk_angles(trunk_direction(lat, fwd))
    assert np.allclose(got_lat, lat) and np.allclose(got_fwd, fwd)
    assert np.allclose(got_incl, inclination_deg(lat, fwd))
    assert np.allclose(got_phi, phase_angle_deg(lat, fwd))


@pytest.mark.parametrize(
    ("lat", "fwd", "phi"),
    [(30.0, 0.0, 0.0), (0.0, 40.0, 90.0), (-30.0, 0.0, 180.0), (-30.0, -1.0, 181.9)],
)
def test_phi_is_0_at_the_right_side_90_in_front_and_180_at_the_left(
    lat: float, fwd: float, phi: float
) -> None:
    assert float(phase_angle_deg(lat, fwd)) == pytest.approx(phi, abs=0.1)


def test_a_missing_angle_gives_missing_results_in_both_twins() -> None:
    incl, phi = inclination_phi_one(float("nan"), 10.0)
    assert np.isnan(incl) and np.isnan(phi)
    assert np.isnan(inclination_deg(np.nan, 10.0)) and np.isnan(phase_angle_deg(np.nan, 10.0))
