"""Smoothing of angle series: One Euro (streaming) and zero-phase Butterworth (offline).

* :class:`OneEuroFilter` (Casiez et al., CHI 2012) smooths one value per frame with
  a cut-off that rises with speed: little jitter when still, little lag when
  moving. It is driven by frame timestamps only, so the same frames give the
  same output live and offline.
* :func:`lowpass_zero_phase` runs a 4th-order Butterworth forwards and backwards
  (``scipy.signal.sosfiltfilt``): no lag at all, for recorded videos. Gaps up to
  ``max_gap_s`` are first bridged by linear interpolation
  (:func:`interpolate_short_gaps`); longer gaps stay NaN and each stretch between
  them is filtered on its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.signal import butter, sosfiltfilt

from halfcircle.errors import ValidationError

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class OneEuroConfig:
    """One Euro filter parameters (for values in degrees, centimetres and the like).

    Attributes:
        min_cutoff_hz: Cut-off when still (Hz); lower means smoother at rest.
        beta: Growth of the cut-off with speed (per unit/s); higher means less lag.
        d_cutoff_hz: Cut-off of the speed estimate (Hz).
    """

    min_cutoff_hz: float = 1.0
    beta: float = 0.2
    d_cutoff_hz: float = 1.0

    def __post_init__(self) -> None:
        problems = []
        if not self.min_cutoff_hz > 0:
            problems.append(f"min_cutoff_hz must be positive, got {self.min_cutoff_hz}")
        if not self.beta >= 0:
            problems.append(f"beta must be >= 0, got {self.beta}")
        if not self.d_cutoff_hz > 0:
            problems.append(f"d_cutoff_hz must be positive, got {self.d_cutoff_hz}")
        if problems:
            raise ValidationError("Invalid One Euro config: " + "; ".join(problems) + ".")


def _alpha(cutoff_hz: float, dt: float) -> float:
    tau = 1.0 / (2.0 * math.pi * cutoff_hz)
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """A One Euro filter for one scalar stream.

    :meth:`__call__` takes a time (s) and a value and returns the filtered value.
    NaN input returns NaN and leaves the state alone; after a gap longer than
    ``reset_after_s`` the filter starts afresh from the next value.
    """

    def __init__(self, config: OneEuroConfig | None = None, reset_after_s: float = 0.5) -> None:
        self.config = config or OneEuroConfig()
        self.reset_after_s = float(reset_after_s)
        self._t = math.nan
        self._x = math.nan
        self._dx = 0.0

    def reset(self) -> None:
        """Forget the state; the next value passes through unchanged."""
        self._t = math.nan
        self._x = math.nan
        self._dx = 0.0

    def __call__(self, time_s: float, value: float) -> float:
        """Filter one value taken at ``time_s`` (s); NaN in, NaN out."""
        if value != value:  # NaN
            return math.nan
        t_prev = self._t
        if t_prev != t_prev or time_s - t_prev > self.reset_after_s or time_s <= t_prev:
            self._t, self._x, self._dx = time_s, value, 0.0
            return value
        cfg = self.config
        dt = time_s - t_prev
        dx = (value - self._x) / dt
        a_d = _alpha(cfg.d_cutoff_hz, dt)
        self._dx = a_d * dx + (1.0 - a_d) * self._dx
        cutoff = cfg.min_cutoff_hz + cfg.beta * abs(self._dx)
        a = _alpha(cutoff, dt)
        self._x = a * value + (1.0 - a) * self._x
        self._t = time_s
        return self._x


def one_euro(
    time_s: FloatArray,
    values: FloatArray,
    config: OneEuroConfig | None = None,
    reset_after_s: float = 0.5,
) -> FloatArray:
    """A whole series through :class:`OneEuroFilter`, frame by frame (``(n,)`` in and out)."""
    f = OneEuroFilter(config, reset_after_s)
    return np.array([f(float(t), float(v)) for t, v in zip(time_s, values, strict=True)])


def interpolate_short_gaps(time_s: FloatArray, values: FloatArray, max_gap_s: float) -> FloatArray:
    """Bridge NaN gaps lasting at most ``max_gap_s`` by linear interpolation in time.

    A gap's duration is the time between the valid samples on either side. Gaps at
    the start or end, and longer gaps, stay NaN.

    Args:
        time_s: ``(n,)`` increasing times (s).
        values: ``(n,)`` values with NaN where missing.
        max_gap_s: Longest gap to bridge (s).

    Returns:
        A new ``(n,)`` array.
    """
    out = np.array(values, dtype=np.float64, copy=True)
    good = np.isfinite(out)
    if good.all() or good.sum() < 2:
        return out
    idx = np.flatnonzero(good)
    gaps = np.flatnonzero(np.diff(idx) > 1)
    for g in gaps:
        a, b = idx[g], idx[g + 1]
        if time_s[b] - time_s[a] <= max_gap_s:
            out[a + 1 : b] = np.interp(time_s[a + 1 : b], [time_s[a], time_s[b]], [out[a], out[b]])
    return out


def lowpass_zero_phase(
    time_s: FloatArray,
    values: FloatArray,
    cutoff_hz: float = 4.0,
    order: int = 4,
    max_gap_s: float = 0.25,
) -> FloatArray:
    """Zero-phase Butterworth low-pass of a series with gaps.

    Short gaps are bridged first (:func:`interpolate_short_gaps`); each remaining
    finite stretch is filtered on its own with ``sosfiltfilt`` (stretches too
    short for the filter's padding are left as they are). Frames whose steps
    differ from the median step by more than a quarter of it (frames skipped by a
    busy machine, a variable frame rate) are first resampled onto a uniform
    clock at the median step (a cubic spline through the frames), filtered
    there, and read back at their own times, so that skipped frames do not
    change the filter's cut-off.

    Args:
        time_s: ``(n,)`` increasing times (s); the sampling rate is their median step.
        values: ``(n,)`` values, NaN where missing.
        cutoff_hz: Cut-off frequency (Hz); clipped below the Nyquist frequency.
        order: Butterworth order (applied twice, so the effective order doubles).
        max_gap_s: Longest gap to bridge (s), missing values and skipped frames alike.

    Returns:
        A new ``(n,)`` array, NaN where the input stays missing.
    """
    t = np.asarray(time_s, dtype=np.float64)
    x = interpolate_short_gaps(t, values, max_gap_s)
    if x.shape[0] < 2:
        return x
    dt = np.diff(t)
    step = float(np.median(dt))
    if np.all(np.abs(dt - step) <= 0.25 * step):
        return _filter_stretches(x, 1.0 / step, cutoff_hz, order)
    grid = np.arange(t[0], t[-1] + 0.5 * step, step)
    right = np.clip(np.searchsorted(t, grid, side="left"), 1, t.shape[0] - 1)
    left = right - 1
    usable = np.isfinite(x[left]) & np.isfinite(x[right]) & (t[right] - t[left] <= max_gap_s)
    usable |= np.isclose(grid, t[left]) & np.isfinite(x[left])
    usable |= np.isclose(grid, t[right]) & np.isfinite(x[right])
    finite = np.isfinite(x)
    if finite.sum() < 2:
        return x
    from scipy.interpolate import CubicSpline

    if finite.sum() >= 4:  # a skipped peak is bridged by a curve, not cut off by a chord
        bridged = CubicSpline(t[finite], x[finite])(grid)
    else:
        bridged = np.interp(grid, t[finite], x[finite])
    on_grid = np.where(usable, bridged, np.nan)
    smooth = _filter_stretches(on_grid, 1.0 / step, cutoff_hz, order)
    ok = np.isfinite(smooth)
    if ok.sum() < 2:
        return x
    return np.where(finite, np.interp(t, grid[ok], smooth[ok]), np.nan)


def _filter_stretches(x: FloatArray, fs: float, cutoff_hz: float, order: int) -> FloatArray:
    """``sosfiltfilt`` over each finite stretch of a uniformly sampled series (a copy)."""
    x = np.array(x, dtype=np.float64)
    wn = min(cutoff_hz / (fs / 2.0), 0.99)
    sos = butter(order, wn, output="sos")
    good = np.isfinite(x)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], good.astype(np.int8), [0]])))
    padlen_full = 3 * (2 * sos.shape[0] + 1)
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        seg = x[start:stop]
        if seg.shape[0] < 4:
            continue
        padlen = min(padlen_full, seg.shape[0] - 1)
        x[start:stop] = sosfiltfilt(sos, seg, padlen=padlen)
    return x
