"""Movement smoothness metrics over trunk angles.

Pure whole-array functions, no state; angles as in :mod:`halfcircle.kinematics.angles`.

Smoothness follows Balasubramanian et al. (2012, 2015): SPARC, the spectral arc
length of the speed profile, and LDLJ, the log dimensionless jerk. Both expect a
speed profile sampled uniformly; :func:`resample_uniform` provides one.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.signal import butter, filtfilt, find_peaks

from halfcircle.errors import ValidationError
from halfcircle.kinematics.angles import trunk_direction

FloatArray = NDArray[np.float64]

__all__ = [
    "angular_speed_deg_s",
    "count_reversals",
    "count_speed_peaks",
    "ldlj",
    "lowpass",
    "resample_uniform",
    "sparc",
]


def resample_uniform(
    time_s: ArrayLike, *values: ArrayLike, fs_hz: float | None = None
) -> tuple[FloatArray, list[FloatArray]]:
    """Resample series onto a uniform time grid, bridging NaN samples linearly.

    Args:
        time_s: ``(n,)`` strictly increasing times (s).
        *values: ``(n,)`` series to resample; NaN samples are left out and bridged.
        fs_hz: Sampling rate of the grid (Hz); default ``1 / median(diff(time_s))``.

    Returns:
        The grid ``(m,)`` from ``time_s[0]`` on, and each series on that grid (all
        NaN when a series has fewer than two finite samples).

    Raises:
        ValidationError: If the times are not strictly increasing or shapes differ.
    """
    t = np.asarray(time_s, dtype=np.float64)
    series = [np.asarray(v, dtype=np.float64) for v in values]
    problems = []
    if t.ndim != 1 or t.size < 2:
        problems.append(f"time_s must be 1-D with at least 2 samples, got shape {t.shape}")
    elif not np.all(np.diff(t) > 0):
        problems.append("time_s must be strictly increasing")
    problems += [
        f"series {i} has shape {v.shape}, expected {t.shape}"
        for i, v in enumerate(series)
        if v.shape != t.shape
    ]
    if problems:
        raise ValidationError("Cannot resample: " + "; ".join(problems) + ".")
    rate = float(1.0 / np.median(np.diff(t))) if fs_hz is None else float(fs_hz)
    n = int(np.floor((t[-1] - t[0]) * rate + 1e-9)) + 1
    grid = t[0] + np.arange(n) / rate
    out = []
    for v in series:
        ok = np.isfinite(v)
        out.append(np.interp(grid, t[ok], v[ok]) if ok.sum() >= 2 else np.full(n, np.nan))
    return grid, out


def lowpass(x: ArrayLike, fs_hz: float, cutoff_hz: float, order: int = 2) -> FloatArray:
    """Zero-phase Butterworth low-pass (``filtfilt``) of a uniformly sampled series.

    ``order`` is the design order; ``filtfilt`` doubles the effective order. Series
    too short for the filter's padding are returned unchanged.
    """
    y = np.asarray(x, dtype=np.float64)
    if cutoff_hz >= fs_hz / 2:
        return y.copy()
    b, a = butter(order, cutoff_hz / (fs_hz / 2))
    if y.size <= 3 * max(len(a), len(b)):
        return y.copy()
    return np.asarray(filtfilt(b, a, y), dtype=np.float64)


def angular_speed_deg_s(
    time_s: ArrayLike, lateral_deg: ArrayLike, forward_deg: ArrayLike
) -> FloatArray:
    """Angular speed of the trunk direction (deg/s, >= 0).

    The speed of the unit trunk vector of :func:`trunk_direction`, by central
    differences (``numpy.gradient`` over ``time_s``): how fast the trunk's
    direction turns, whatever the mix of lateral and forward motion.
    """
    t = np.asarray(time_s, dtype=np.float64)
    u = trunk_direction(lateral_deg, forward_deg)
    if t.size < 2:
        return np.zeros(t.shape)
    du = np.gradient(u, t, axis=0)
    return np.asarray(np.degrees(np.linalg.norm(du, axis=-1)), dtype=np.float64)


def sparc(
    speed: ArrayLike,
    fs_hz: float,
    *,
    cutoff_hz: float = 10.0,
    amplitude_threshold: float = 0.05,
    pad_level: int = 4,
) -> float:
    """Spectral arc length (SPARC) of a speed profile (Balasubramanian et al., 2015).

    The magnitude spectrum of the speed (zero-padded to ``2**(ceil(log2 n) +
    pad_level)`` points, normalised to its DC peak) is cut at the last frequency
    below ``cutoff_hz`` where it still exceeds ``amplitude_threshold``; SPARC is
    minus the arc length of that curve with frequency normalised to [0, 1].

    Args:
        speed: ``(n,)`` uniformly sampled speed (any unit; SPARC is dimensionless).
        fs_hz: Sampling rate (Hz).
        cutoff_hz: Highest frequency considered (Hz); the literature uses 10.
        amplitude_threshold: Spectrum level that ends the arc; the literature uses 0.05.
        pad_level: Extra powers of two of zero padding; the literature uses 4.

    Returns:
        SPARC, negative; closer to 0 is smoother (a Gaussian bell gives about
        -1.41). NaN for fewer than 2 finite samples or an all-zero profile.
    """
    v = np.asarray(speed, dtype=np.float64)
    if v.size < 2 or not np.all(np.isfinite(v)) or np.max(np.abs(v)) <= 0:
        return float("nan")
    nfft = int(2 ** (np.ceil(np.log2(v.size)) + pad_level))
    freq = np.arange(nfft) * (fs_hz / nfft)
    mag = np.abs(np.fft.fft(v, nfft))
    mag = mag / np.max(mag)
    keep = freq <= cutoff_hz
    f_sel, m_sel = freq[keep], mag[keep]
    above = np.nonzero(m_sel >= amplitude_threshold)[0]
    f_sel = f_sel[above[0] : above[-1] + 1]
    m_sel = m_sel[above[0] : above[-1] + 1]
    if f_sel.size < 2:
        return 0.0
    df = np.diff(f_sel) / (f_sel[-1] - f_sel[0])
    return float(-np.sum(np.sqrt(df**2 + np.diff(m_sel) ** 2)))


def ldlj(speed: ArrayLike, fs_hz: float) -> float:
    """Log dimensionless jerk (LDLJ) of a speed profile.

    ``LDLJ = -ln( (N dt)**3 / v_peak**2 * sum(j**2) dt )`` with ``j`` the second
    difference of the speed divided by ``dt**2``, ``N`` the number of samples and
    ``dt = 1 / fs_hz``: the speed-based form of Balasubramanian et al. (2015) as in
    their reference code (``dimensionless_jerk2``), with the movement duration taken
    as ``N dt``. A Gaussian bell ``exp(-5 t**2)``, t in [-1, 1) at 100 Hz, gives -5.81636.

    Returns:
        LDLJ, negative; closer to 0 is smoother. NaN for fewer than 3 finite
        samples or an all-zero profile.
    """
    v = np.asarray(speed, dtype=np.float64)
    if v.size < 3 or not np.all(np.isfinite(v)):
        return float("nan")
    peak = float(np.max(np.abs(v)))
    if peak <= 0:
        return float("nan")
    dt = 1.0 / fs_hz
    jerk = np.diff(v, 2) / dt**2
    dimless = (v.size * dt) ** 3 / peak**2 * float(np.sum(jerk**2)) * dt
    if dimless <= 0:
        return 0.0
    return float(-np.log(dimless))


def count_speed_peaks(speed: ArrayLike, *, min_prominence: float = 0.1) -> int:
    """Number of peaks of a speed profile, ignoring ripples.

    A peak counts when its prominence is at least ``min_prominence`` times the
    profile's maximum. One smooth movement has 1; stop-and-go movements have more.
    """
    v = np.asarray(speed, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0 or np.max(v) <= 0:
        return 0
    padded = np.concatenate([[0.0], v, [0.0]])
    peaks, _ = find_peaks(padded, prominence=min_prominence * float(np.max(v)))
    return int(peaks.size)


def count_reversals(
    phi_deg: ArrayLike,
    *,
    direction: int,
    threshold_deg: float = 10.0,
    inclination_deg: ArrayLike | None = None,
    keep_fraction: float = 0.5,
    stay_fraction: float = 0.8,
) -> int:
    """Count the times ``phi`` went backwards by more than ``threshold_deg``.

    A zig-zag with hysteresis: a reversal is counted when ``phi`` falls back
    ``threshold_deg`` from its furthest point in the rep's direction; the next one
    needs ``phi`` to advance ``threshold_deg`` past the turning point first, so
    noise below the threshold never counts.

    Args:
        phi_deg: ``(n,)`` phase angle (deg); NaN samples are skipped.
        direction: +1 when ``phi`` should increase (right side first), -1 when it
            should decrease (left side first).
        threshold_deg: Hysteresis (deg).
        inclination_deg: ``(n,)`` trunk inclination (deg), optional. When given, a
            going-back counts only if it turned on the arc (inclination at the
            turning point at least ``keep_fraction`` of the rep's peak) and the
            trunk stayed there (at least ``stay_fraction`` of the turning point's
            inclination when the going-back is seen). Leaning out to the first
            side and straightening up from the far side (phi wanders while the
            trunk is near upright with a little flexion) are not reversals.
        keep_fraction: See ``inclination_deg``.
        stay_fraction: See ``inclination_deg``.
    """
    if direction not in (1, -1):
        raise ValidationError(f"direction must be +1 or -1, got {direction!r}.")
    p = np.asarray(phi_deg, dtype=np.float64)
    incl = (
        np.full(p.shape, np.inf)
        if inclination_deg is None
        else np.asarray(inclination_deg, dtype=np.float64)
    )
    keep = np.isfinite(p)
    p, incl = direction * p[keep], incl[keep]
    if p.size == 0:
        return 0
    peak = float(np.max(incl))
    count = 0
    forward = True
    extreme, extreme_incl = p[0], incl[0]
    for x, inc in zip(p[1:], incl[1:], strict=True):
        if forward:
            if x > extreme:
                extreme, extreme_incl = x, inc
            elif extreme - x > threshold_deg:
                on_arc = extreme_incl >= keep_fraction * peak
                if on_arc and inc >= stay_fraction * extreme_incl:
                    count += 1
                forward = False
                extreme = x
        else:
            if x < extreme:
                extreme = x
            elif x - extreme > threshold_deg:
                forward = True
                extreme = x
    return count
