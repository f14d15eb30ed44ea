"""Filters: One Euro (streaming) and zero-phase Butterworth with gap handling (offline)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from halfcircle.errors import ValidationError
from halfcircle.kinematics.filters import (
    OneEuroConfig,
    OneEuroFilter,
    interpolate_short_gaps,
    lowpass_zero_phase,
    one_euro,
)

FPS = 30.0


def _t(n: int) -> np.ndarray:
    return np.arange(n) / FPS


def test_one_euro_passes_the_first_value_and_holds_a_constant() -> None:
    f = OneEuroFilter()
    out = [f(t, 12.5) for t in _t(30)]
    assert out[0] == 12.5
    np.testing.assert_allclose(out, 12.5, rtol=0, atol=1e-12)


def test_one_euro_reduces_jitter_at_rest() -> None:
    rng = np.random.default_rng(1)
    noisy = 10.0 + rng.normal(0.0, 1.0, 300)
    out = one_euro(_t(300), noisy)
    assert np.std(out[30:]) < 0.5 * np.std(noisy[30:])


def test_one_euro_lags_less_with_a_higher_beta() -> None:
    t = _t(90)
    ramp = 60.0 * t  # 60 deg/s
    slow = one_euro(t, ramp, OneEuroConfig(beta=0.0))
    fast = one_euro(t, ramp, OneEuroConfig(beta=0.1))
    assert abs(ramp[-1] - fast[-1]) < 0.5 * abs(ramp[-1] - slow[-1])


def test_one_euro_nan_in_nan_out_and_state_kept_over_a_short_gap() -> None:
    f = OneEuroFilter(reset_after_s=0.5)
    f(0.0, 0.0)
    assert math.isnan(f(1 / FPS, math.nan))
    y = f(2 / FPS, 10.0)
    assert 0.0 < y < 10.0  # still smoothing from the earlier state


def test_one_euro_restarts_after_a_long_gap() -> None:
    f = OneEuroFilter(reset_after_s=0.5)
    f(0.0, 0.0)
    assert f(1.0, 10.0) == 10.0


def test_one_euro_is_the_same_fed_at_once_or_frame_by_frame() -> None:
    rng = np.random.default_rng(2)
    t, x = _t(100), rng.normal(0.0, 5.0, 100).cumsum()
    f = OneEuroFilter()
    live = [f(float(a), float(b)) for a, b in zip(t, x, strict=True)]
    np.testing.assert_array_equal(one_euro(t, x), live)


@pytest.mark.parametrize("kwargs", [{"min_cutoff_hz": 0.0}, {"beta": -1.0}, {"d_cutoff_hz": -2.0}])
def test_one_euro_config_rejects_bad_values(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        OneEuroConfig(**kwargs)


def test_interpolate_bridges_short_gaps_only() -> None:
    t = _t(20)
    x = np.arange(20, dtype=float)
    x[3:5] = np.nan  # 3 frames between valid samples: 0.1 s
    x[10:18] = np.nan  # 0.3 s
    out = interpolate_short_gaps(t, x, max_gap_s=0.15)
    np.testing.assert_allclose(out[3:5], [3.0, 4.0])
    assert np.all(np.isnan(out[10:18]))


def test_interpolate_leaves_leading_and_trailing_gaps() -> None:
    x = np.array([np.nan, 1.0, 2.0, np.nan])
    out = interpolate_short_gaps(_t(4), x, max_gap_s=1.0)
    assert math.isnan(out[0]) and math.isnan(out[-1])
    assert not np.shares_memory(out, x)


def test_lowpass_has_no_phase_lag_on_slow_motion() -> None:
    t = _t(300)
    x = 30.0 * np.sin(2 * np.pi * 0.5 * t)
    y = lowpass_zero_phase(t, x, cutoff_hz=4.0)
    np.testing.assert_allclose(y[30:-30], x[30:-30], atol=0.05)


def test_lowpass_removes_fast_jitter() -> None:
    t = _t(300)
    x = 10.0 + 2.0 * np.sin(2 * np.pi * 12.0 * t)
    y = lowpass_zero_phase(t, x, cutoff_hz=4.0)
    assert np.max(np.abs(y[30:-30] - 10.0)) < 0.05


def test_lowpass_keeps_long_gaps_missing_and_filters_each_side() -> None:
    t = _t(200)
    x = np.full(200, 5.0)
    x[80:120] = np.nan
    y = lowpass_zero_phase(t, x, cutoff_hz=4.0, max_gap_s=0.25)
    assert np.all(np.isnan(y[80:120]))
    np.testing.assert_allclose(y[:80], 5.0)
    np.testing.assert_allclose(y[120:], 5.0)


def test_lowpass_survives_very_short_stretches() -> None:
    x = np.array([1.0, 2.0, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, 3.0])
    y = lowpass_zero_phase(_t(10), x, max_gap_s=0.1)
    np.testing.assert_array_equal(np.isnan(y), np.isnan(x))
