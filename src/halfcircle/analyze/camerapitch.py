"""The camera's pitch from the picture: how far it looks down, from the room's straight lines.

Forward flexion from a front or oblique view is read through foreshortening and
depth, which see the sum of the trunk's flexion and the camera's pitch; the
calibration can take the pitch out (:func:`halfcircle.kinematics.calibration.tilt_axes`)
when it is known. This module estimates it from the frames of the calibration
stance, so that a user need not measure it.

Conventions: image pixels ``x`` right, ``y`` down, principal point at the image
centre; **pitch in degrees, positive when the camera looks down**, 0 level. The
camera's roll is taken as zero (an upright camera); the focal length is not
known and is taken from an assumed field of view of the image's long side
(:data:`ASSUMED_FOV_DEG`), whose spread (:data:`FOV_SPREAD`) goes into the stated
uncertainty.

Evidence, from a pinhole camera pitched down by ``p`` with focal length ``f``:

* **Vertical lines** of the room (door frames, wall corners, furniture edges)
  meet at the vertical vanishing point ``(cx, cy + f / tan p)``: a line at ``dx``
  pixels from the centre column leans by about ``dx * tan(p) / f`` rad.
  :func:`pitch_from_verticals`. One long line is enough: a plain room filmed from
  an angle shows its corner, and on the rendered fixtures that corner alone told
  the pitch within 0.5 deg (three clips rendered to check the rule after it was
  chosen: ``bench/camera_pitch.py``).
* **Horizontal lines** that run into the depth of the room (floor boards, the
  wall-floor line and shelves seen obliquely) meet at vanishing points on the
  horizon, the image row ``cy - f tan p``. :func:`pitch_from_horizon`.

The person is masked out (:func:`body_box`): limbs are straight-edged but not
vertical. The standing body's own perspective was tried and is not used: a
pinhole fit of the stance's image landmarks (nose, ears, shoulders, hips, knees,
ankles, heels) to MediaPipe's metric world skeleton, for pitch, distance, height
and shift with the true focal length, read the 32 fixture clips it was tried on
with errors of standard deviation 3.9 deg and a correlation of 0.07 with the
true pitch (``bench/camera_pitch.py --body``).
"""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
from numpy.typing import NDArray

from halfcircle.io.capture import open_source

if TYPE_CHECKING:
    from halfcircle.landmarks import PoseFrame

FloatArray = NDArray[np.float64]

#: Field of view (deg) of the image's long side assumed for the focal length.
ASSUMED_FOV_DEG: Final = 60.0
#: Spread (1 sigma) of the log of the focal length around the assumed one: webcams and
#: phones film with roughly 50 to 78 deg on the long side, focal lengths 1.24 to 0.71
#: times the assumed one.
FOV_SPREAD: Final = 0.2
#: Pitch uncertainty (deg) up to which an estimate is used for the calibration.
MAX_USABLE_UNCERTAINTY_DEG: Final = 3.0
#: One-sigma offset (fraction of the image's long side) of the principal point from the
#: image centre, assumed: it shifts the horizon row, so it bounds the precision.
PRINCIPAL_POINT_SPREAD: Final = 0.01
#: Shortest line segment used (fraction of the image's long side).
MIN_SEGMENT_FRACTION: Final = 0.04
#: Least length (fraction of the image's height) of a vertical line that tells the pitch
#: alone, without a second one: a wall corner or a door's frame from floor to ceiling.
MIN_SINGLE_LINE_FRACTION: Final = 0.3
#: Largest angle (deg) from the image vertical of a candidate vertical line.
MAX_VERTICAL_LEAN_DEG: Final = 20.0
#: Angles (deg) from the image horizontal of candidate depth lines.
DEPTH_LINE_DEG: Final = (8.0, 75.0)
#: Precision (deg, 1 sigma) assumed for one segment's direction, scaled by 100 px / length.
SEGMENT_ANGLE_SIGMA_DEG: Final = 0.15
#: Precision (deg, 1 sigma) assumed for any line's direction however long: door frames
#: and boards are not exactly plumb or straight, and lenses bend lines near the edges.
LINE_ANGLE_FLOOR_DEG: Final = 0.3
#: Margin around the person's landmarks masked out (fraction of the body's image height):
#: the limbs' half width at the sides and below, and the hair above the eyes on top.
BODY_MARGIN: Final = 0.03
BODY_TOP_MARGIN: Final = 0.10
#: Pitches (deg) searched for the horizon.
PITCH_RANGE_DEG: Final = (-30.0, 40.0)

Source = Literal["room lines", "none"]


@dataclass(frozen=True)
class PitchEstimate:
    """A camera pitch estimated from the picture.

    Attributes:
        pitch_deg: Pitch (deg, positive = looking down); NaN when nothing told it.
        uncertainty_deg: One-sigma uncertainty (deg), including the unknown focal
            length; ``inf`` when nothing told it.
        source: What told it: ``"room lines"`` or ``"none"``.
        n_vertical: Distinct vertical lines used.
        n_depth: Distinct depth lines used for the horizon.
        notes: Plain sentences on what was found.
    """

    pitch_deg: float
    uncertainty_deg: float
    source: Source
    n_vertical: int = 0
    n_depth: int = 0
    notes: tuple[str, ...] = ()

    @property
    def usable(self) -> bool:
        """Sure enough to correct the calibration with (:data:`MAX_USABLE_UNCERTAINTY_DEG`)."""
        return math.isfinite(self.pitch_deg) and self.uncertainty_deg <= MAX_USABLE_UNCERTAINTY_DEG

    def to_dict(self) -> dict[str, object]:
        """JSON-ready fields (NaN and inf written as None)."""

        def num(x: float) -> float | None:
            return round(x, 2) if math.isfinite(x) else None

        return {
            "pitch_deg": num(self.pitch_deg),
            "uncertainty_deg": num(self.uncertainty_deg),
            "source": self.source,
            "n_vertical_lines": self.n_vertical,
            "n_depth_lines": self.n_depth,
        }


NO_ESTIMATE: Final = PitchEstimate(math.nan, math.inf, "none")


#: A row or column of a black bar: no pixel brighter than this (0-255).
BAR_MAX_LEVEL: Final = 24
#: Pixels left out inside a bar's edge (a compressed video blurs it).
BAR_EDGE_PX: Final = 3
#: Bars at opposite edges differ by at most this fraction of the frame's side.
BAR_SYMMETRY: Final = 0.02


def focal_from_fov(image_size: tuple[int, int], fov_deg: float = ASSUMED_FOV_DEG) -> float:
    """Focal length (px) of a pinhole camera whose long side spans ``fov_deg`` degrees."""
    return 0.5 * max(image_size) / math.tan(math.radians(fov_deg) / 2.0)


def picture_box(gray: NDArray[np.uint8]) -> tuple[int, int, int, int]:
    """``x0, y0, x1, y1`` (px, end exclusive) of the picture inside black bars.

    A video letterboxed or pillarboxed (a phone's picture in a wider frame) has black
    rows or columns (no pixel brighter than :data:`BAR_MAX_LEVEL`) of equal width at
    two opposite edges, within :data:`BAR_SYMMETRY`; the camera's picture, whose
    centre and width the pitch is measured with, is what lies between them, less
    :data:`BAR_EDGE_PX` on each side (a compressed video blurs the bar's edge, which
    must not read as a line of the room). A dark band at one edge only (a ceiling in
    shadow) is part of the picture. The whole frame when there are no bars, or when
    they would leave less than a quarter of its width or height.
    """
    h, w = gray.shape
    dark = gray <= BAR_MAX_LEVEL
    box = [0, 0, w, h]
    for axis, size in ((0, w), (1, h)):  # columns (pillarbox), then rows (letterbox)
        lit = np.flatnonzero(~dark.all(axis=axis))
        if lit.size == 0:
            continue
        first, last = int(lit[0]), size - 1 - int(lit[-1])
        if min(first, last) > 0 and abs(first - last) <= BAR_SYMMETRY * size:
            box[axis] = first + BAR_EDGE_PX
            box[axis + 2] = size - last - BAR_EDGE_PX
    x0, y0, x1, y1 = box
    if (x1 - x0) * 4 < w or (y1 - y0) * 4 < h:  # nearly all dark: a dark scene
        return 0, 0, w, h
    return x0, y0, x1, y1


def detect_segments(gray: NDArray[np.uint8]) -> FloatArray:
    """Straight segments ``(n, 4)`` as ``x1, y1, x2, y2`` (px) of a grey image (OpenCV LSD)."""
    import cv2

    lsd = cv2.createLineSegmentDetector(cv2.LSD_REFINE_STD)
    found = lsd.detect(gray)[0]
    if found is None:
        return np.zeros((0, 4))
    return np.asarray(found, dtype=np.float64).reshape(-1, 4)


def body_box(
    pixels: FloatArray, margin: float = BODY_MARGIN, top: float = BODY_TOP_MARGIN
) -> FloatArray:
    """``x0, y0, x1, y1`` (px) around the person's landmarks ``(..., 33, 2)``.

    Widened by ``margin`` at the sides and below and by ``top`` above (fractions
    of the landmarks' image extent). NaN when no landmark is known.
    """
    pts = pixels.reshape(-1, 2)
    pts = pts[np.all(np.isfinite(pts), axis=-1)]
    if pts.shape[0] == 0:
        return np.full(4, np.nan)
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    extent = max(y1 - y0, x1 - x0)
    return np.array(
        [x0 - margin * extent, y0 - top * extent, x1 + margin * extent, y1 + margin * extent]
    )


def outside_box(segments: FloatArray, box: FloatArray) -> NDArray[np.bool_]:
    """Segments with no sampled point (ends, quarters, middle) inside ``box``."""
    if not np.all(np.isfinite(box)):
        return np.ones(segments.shape[0], dtype=bool)
    inside = np.zeros(segments.shape[0], dtype=bool)
    for t in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = segments[:, 0] + t * (segments[:, 2] - segments[:, 0])
        y = segments[:, 1] + t * (segments[:, 3] - segments[:, 1])
        inside |= (x >= box[0]) & (x <= box[2]) & (y >= box[1]) & (y <= box[3])
    return ~inside


def _geometry(segments: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Midpoints ``(n, 2)``, unit directions ``(n, 2)`` pointing down the image, lengths."""
    mid = 0.5 * (segments[:, :2] + segments[:, 2:])
    d = segments[:, 2:] - segments[:, :2]
    length = np.hypot(d[:, 0], d[:, 1])
    d = d / np.maximum(length, 1e-12)[:, None]
    d = np.where((d[:, 1] < 0)[:, None], -d, d)
    return mid, d, length


def _distinct(values: FloatArray, tol: float) -> int:
    """How many groups of values lie more than ``tol`` apart."""
    if values.size == 0:
        return 0
    v = np.sort(values)
    return int(1 + np.count_nonzero(np.diff(v) > tol))


def _segment_sigma_rad(length: FloatArray) -> FloatArray:
    """Direction sigma (rad) of segments of these lengths (px)."""
    return np.radians(
        np.hypot(SEGMENT_ANGLE_SIGMA_DEG * 100.0 / np.maximum(length, 1.0), LINE_ANGLE_FLOOR_DEG)
    )


def pitch_from_verticals(
    segments: FloatArray, image_size: tuple[int, int], focal_px: float
) -> tuple[float, float, int]:
    """Pitch (deg, positive down), its sigma (deg, focal length known) and the lines used.

    Fits ``q = tan(pitch) / f`` (1/px) to the near-vertical segments: a segment
    through ``(x, y)`` with unit direction ``(dx, dy)`` points at the vertical
    vanishing point ``(cx, cy + 1/q)`` when ``q * ((cx - x) dy + (y - cy) dx) = dx``.
    Weighted least squares with each segment's direction precision, repeated
    without the segments beyond 3 robust (median-based) sigmas. Lines that lean
    against that model are not vertical in the room and are dropped. At least
    two distinct lines at least a tenth of the image width off the
    centre column are needed, or one such line at least
    :data:`MIN_SINGLE_LINE_FRACTION` of the image height long (a wall's corner seen
    from an angle, often the only vertical line of a plain room), else the pitch
    is NaN.
    """
    w, h = image_size
    cx, cy = w / 2.0, h / 2.0
    if segments.shape[0] == 0:
        return math.nan, math.inf, 0
    mid, d, length = _geometry(segments)
    lean = np.degrees(np.arctan2(np.abs(d[:, 0]), d[:, 1]))
    ok = (lean <= MAX_VERTICAL_LEAN_DEG) & (length >= MIN_SEGMENT_FRACTION * max(w, h))
    if not np.any(ok):
        return math.nan, math.inf, 0
    mid, d, length = mid[ok], d[ok], length[ok]
    a = (cx - mid[:, 0]) * d[:, 1] + (mid[:, 1] - cy) * d[:, 0]
    b = d[:, 0]
    sig = _segment_sigma_rad(length)
    # start from the weighted median of each segment's own q (robust to a few strays)
    info = a**2 / sig**2
    useful = np.abs(a) > 1e-9
    if not np.any(useful):
        return math.nan, math.inf, 0
    q_each = b[useful] / a[useful]
    order = np.argsort(q_each)
    cum = np.cumsum(info[useful][order])
    q = float(q_each[order][int(np.searchsorted(cum, 0.5 * cum[-1]))])
    keep = np.ones(a.shape[0], dtype=bool)
    chi = 1.0
    for i in range(4):
        if i:
            if not np.any(keep):
                return math.nan, math.inf, 0
            wgt = 1.0 / sig[keep] ** 2
            q = float(np.sum(wgt * a[keep] * b[keep]) / np.sum(wgt * a[keep] ** 2))
        z = (b - a * q) / sig
        # a robust scale (median), so that a few leaning lines cannot hide themselves
        robust = 1.4826 * float(np.median(np.abs(z[keep])))
        keep = np.abs(z) <= 3.0 * max(robust, 1.0)
        chi = float(np.sqrt(np.mean(z[keep] ** 2))) if np.any(keep) else math.inf
    wgt = 1.0 / sig[keep] ** 2
    # a line's x at the centre row tells distinct lines from pieces of one
    x_centre = mid[keep, 0] + (cy - mid[keep, 1]) * d[keep, 0] / np.maximum(d[keep, 1], 1e-9)
    off = np.abs(x_centre - cx) >= 0.1 * w
    n = _distinct(x_centre[off], 0.01 * w)
    long_line = n == 1 and float(np.sum(length[keep][off])) >= MIN_SINGLE_LINE_FRACTION * h
    if n < 2 and not long_line:
        return math.nan, math.inf, n
    # pieces of one line are not independent: scale the variance by pieces per line
    pieces = max(1.0, float(np.count_nonzero(keep)) / max(_distinct(x_centre, 0.01 * w), 1))
    sigma_q = math.sqrt(pieces / float(np.sum(wgt * a[keep] ** 2))) * max(chi, 1.0)
    pitch = math.degrees(math.atan(focal_px * q))
    sigma = math.degrees(focal_px * sigma_q) / (1.0 + (focal_px * q) ** 2)
    return pitch, sigma, n


def pitch_from_horizon(
    segments: FloatArray, image_size: tuple[int, int], focal_px: float
) -> tuple[float, float, int]:
    """Pitch (deg, positive down), its sigma (deg, focal length known) and the lines used.

    Segments that slant in the image (``DEPTH_LINE_DEG`` from horizontal) are
    extended to each candidate horizon row ``y = cy - f tan(pitch)``; where a
    family of parallel room lines meets at its vanishing point their crossings
    of the true horizon coincide. The row whose crossings cluster best (sum over
    pairs of distinct lines of a Gaussian of their distance, against the
    crossing's uncertainty from each segment's direction) wins, then a fit of
    the vanishing point to the lines of its cluster refines the row. At least
    three distinct lines must meet there, else the pitch is NaN.
    """
    w, h = image_size
    cy = h / 2.0
    if segments.shape[0] < 3:
        return math.nan, math.inf, 0
    mid, d, length = _geometry(segments)
    slant = np.degrees(np.arctan2(np.abs(d[:, 1]), np.abs(d[:, 0])))
    ok = (slant >= DEPTH_LINE_DEG[0]) & (slant <= DEPTH_LINE_DEG[1])
    ok &= length >= MIN_SEGMENT_FRACTION * max(w, h)
    if np.count_nonzero(ok) < 3:
        return math.nan, math.inf, 0
    mid, d, length = mid[ok], d[ok], length[ok]
    sig = _segment_sigma_rad(length)
    # lines as n . p = c, n the unit normal
    normal = np.stack([-d[:, 1], d[:, 0]], axis=1)
    c = np.sum(normal * mid, axis=1)
    ident = np.round(
        c / (0.01 * max(w, h)) + 1000 * np.round(np.degrees(np.arctan2(d[:, 1], d[:, 0])))
    ).astype(np.int64)
    same = ident[:, None] == ident[None, :]

    def crossings(row: float) -> tuple[FloatArray, FloatArray]:
        t = (row - mid[:, 1]) / d[:, 1]
        x = mid[:, 0] + t * d[:, 0]
        spread = np.maximum(np.abs(t) * sig, 2.0) / np.abs(d[:, 1])
        return x, spread

    def score(row: float) -> float:
        x, s = crossings(row)
        var = s[:, None] ** 2 + s[None, :] ** 2
        k = np.exp(-0.5 * (x[:, None] - x[None, :]) ** 2 / var)
        k[same] = 0.0
        return float(np.sum(np.triu(k, 1)))

    pitches = np.arange(PITCH_RANGE_DEG[0], PITCH_RANGE_DEG[1] + 1e-9, 0.1)
    rows = cy - focal_px * np.tan(np.radians(pitches))
    scores = np.array([score(float(r)) for r in rows])
    best_row = float(rows[int(np.argmax(scores))])
    x, s = crossings(best_row)
    # the cluster: lines whose crossing is near the densest crossing
    dens = np.sum(
        np.exp(-0.5 * (x[None, :] - x[:, None]) ** 2 / (s[None, :] ** 2 + s[:, None] ** 2)), axis=1
    )
    x0 = float(x[int(np.argmax(dens))])
    member = np.abs(x - x0) <= 3.0 * np.hypot(s, float(s[int(np.argmax(dens))]))
    n = len(set(ident[member].tolist()))
    if n < 3:
        return math.nan, math.inf, n
    # vanishing point of the cluster: least squares of n . p = c weighted by distance precision
    vp = np.array([x0, best_row])
    for _ in range(3):
        dist = np.maximum(np.hypot(*(vp[None, :] - mid[member]).T), 1.0)
        wgt = 1.0 / (dist * sig[member]) ** 2
        nm = normal[member]
        m = (nm * wgt[:, None]).T @ nm
        vp = np.linalg.solve(m, (nm * wgt[:, None]).T @ c[member])
    resid = (normal[member] @ vp - c[member]) * np.sqrt(wgt)
    chi = float(np.sqrt(np.mean(resid**2)))
    cov = np.linalg.inv(m) * max(chi, 1.0) ** 2
    row, sigma_row = float(vp[1]), math.sqrt(float(cov[1, 1]))
    t = (cy - row) / focal_px
    pitch = math.degrees(math.atan(t))
    sigma = math.degrees(sigma_row / focal_px) / (1.0 + t * t)
    return pitch, sigma, n


def estimate_pitch(
    frames: Sequence[NDArray[np.uint8]],
    pixels: FloatArray,
    fov_deg: float = ASSUMED_FOV_DEG,
    fov_spread: float = FOV_SPREAD,
) -> PitchEstimate:
    """The camera's pitch from frames of the calibration stance.

    Args:
        frames: A few frames ``(h, w)`` grey or ``(h, w, 3)`` BGR uint8 of the
            stance (their median is searched for lines).
        pixels: ``(m, 33, 2)`` or ``(33, 2)`` landmarks (px) of the person in
            those frames, masked out.
        fov_deg: Assumed field of view (deg) of the image's long side.
        fov_spread: Relative one-sigma spread of the focal length around it.

    Returns:
        The pitch (deg, positive down) with its uncertainty (deg, one sigma,
        the focal length's spread included), or :data:`NO_ESTIMATE`.
    """
    import cv2

    if not frames:
        return NO_ESTIMATE
    grey = [f if f.ndim == 2 else cv2.cvtColor(f[..., :3], cv2.COLOR_BGR2GRAY) for f in frames]
    img = np.median(np.stack(grey), axis=0).astype(np.uint8)
    x0, y0, x1, y1 = picture_box(img)  # without black bars: their edges are no room lines
    img = img[y0:y1, x0:x1]
    h, w = img.shape
    focal = focal_from_fov((w, h), fov_deg)
    seg = detect_segments(img)
    seg = seg[outside_box(seg, body_box(np.asarray(pixels) - (x0, y0)))]
    pv, sv, nv = pitch_from_verticals(seg, (w, h), focal)
    ph, sh, nh = pitch_from_horizon(seg, (w, h), focal)
    if not (math.isfinite(pv) or math.isfinite(ph)):
        said = "No straight vertical or receding lines of the room were found."
        return PitchEstimate(math.nan, math.inf, "none", nv, nh, (said,))
    # the principal point's offset from the centre shifts the horizon row
    sh = math.hypot(sh, math.degrees(PRINCIPAL_POINT_SPREAD * max(w, h) / focal))
    pitch, sigma, ratio = combine_cues(ph, sh, pv, sv, fov_spread)
    notes: tuple[str, ...] = ()
    if math.isfinite(ph) and math.isfinite(pv):
        notes = (f"Vertical and receding lines both seen: focal length about {ratio:.2f} "
                 "times the assumed one.",)  # fmt: skip
    return PitchEstimate(pitch, sigma, "room lines", nv, nh, notes)


def combine_cues(
    horizon_deg: float,
    horizon_sigma_deg: float,
    vertical_deg: float,
    vertical_sigma_deg: float,
    fov_spread: float = FOV_SPREAD,
) -> tuple[float, float, float]:
    """Pitch (deg), its sigma (deg) and focal-length ratio from the two cues.

    Both cues were computed with the assumed focal length ``f_a``; with the true
    one ``f = r f_a`` they read ``tan(horizon) = r tan(p)`` and
    ``tan(vertical) = tan(p) / r``, so together they tell ``r`` as well as
    ``p``. The posterior of ``(p, r)`` is evaluated on a grid, the prior on
    ``log r`` Gaussian with sigma ``fov_spread``; the pitch is the mode of its
    marginal, the sigma the root mean square distance from it, the ratio the
    posterior mean. NaN cues are left out (one cue alone leaves
    ``r`` to the prior). When the cues disagree beyond their sigmas
    (chi-square over 1 at the best fit) the sigma is scaled up by its root.
    """
    pitches = np.arange(PITCH_RANGE_DEG[0], PITCH_RANGE_DEG[1] + 1e-9, 0.02)
    ratios = np.exp(np.linspace(-4.0, 4.0, 161) * max(fov_spread, 1e-6))
    tp = np.tan(np.radians(pitches))[:, None]
    r = ratios[None, :]
    chi = (np.log(r) / max(fov_spread, 1e-6)) ** 2 * np.ones_like(tp)
    cues = 0
    for value, sigma, model in ((horizon_deg, horizon_sigma_deg, tp * r),
                                (vertical_deg, vertical_sigma_deg, tp / r)):  # fmt: skip
        if math.isfinite(value) and math.isfinite(sigma):
            t = math.tan(math.radians(value))
            st = math.radians(max(sigma, 1e-3)) * (1.0 + t * t)
            chi = chi + ((model - t) / st) ** 2
            cues += 1
    if cues == 0:
        return math.nan, math.inf, math.nan
    post = np.exp(-0.5 * (chi - chi.min()))
    marg = post.sum(axis=1)
    marg /= marg.sum()
    best = float(pitches[int(np.argmax(marg))])
    sigma = float(np.sqrt(np.sum(marg * (pitches - best) ** 2)))
    ratio = float(np.sum(post * r) / np.sum(post))
    excess = float(chi.min()) - 0.0
    if cues == 2 and excess > 1.0:
        sigma *= math.sqrt(excess)
    return best, max(sigma, 0.01), ratio


#: Frames of the stance searched for lines (spread evenly over it).
STANCE_FRAMES: Final = 5


def pitch_from_video(
    video: str,
    pixels: FloatArray,
    indices: Sequence[int],
    *,
    mirrored: bool = False,
    fov_deg: float = ASSUMED_FOV_DEG,
) -> PitchEstimate:
    """:func:`estimate_pitch` on frames ``indices`` of a video file (0-based, as the poses).

    ``pixels``: ``(m, 33, 2)`` landmarks (px) of the stance; ``mirrored``: the
    poses are of frames flipped back left-right (see :func:`halfcircle.io.capture.open_source`).
    """
    wanted = sorted(set(int(i) for i in indices))
    if not wanted:
        return NO_ESTIMATE
    got: list[NDArray[np.uint8]] = []
    with open_source(video, mirrored=mirrored) as source:
        for frame in source:
            if frame.index in wanted:
                got.append(frame.image)
            if frame.index >= wanted[-1]:
                break
    return estimate_pitch(got, pixels, fov_deg)


def stance_indices(start: int, stop: int, n: int = STANCE_FRAMES) -> list[int]:
    """``n`` frame indices spread evenly over ``start .. stop - 1``."""
    if stop <= start:
        return []
    return sorted(set(np.linspace(start, stop - 1, n).round().astype(int).tolist()))


def pitch_used(estimate: PitchEstimate, view_kind: str | None) -> tuple[float, dict[str, Any]]:
    """The tilt to calibrate with (deg down, 0 level) and how it was obtained, from an estimate.

    The estimate is used when it is :attr:`~PitchEstimate.usable` and the view is
    not from behind (``view_kind`` ``"back"``: there the calibration's tilt
    correction made forward bending read worse); otherwise the camera is taken as
    level. The record: ``how`` (``"from the picture"`` or ``"assumed level"``),
    ``camera_tilt_deg`` used, and the estimate's fields (:meth:`PitchEstimate.to_dict`).
    """
    use = estimate.usable and view_kind != "back"
    tilt = round(estimate.pitch_deg, 1) if use else 0.0
    how = "from the picture" if use else "assumed level"
    return tilt, {"how": how, "camera_tilt_deg": tilt, **estimate.to_dict()}


class StanceFrames:
    """A few recent frames of a live stream, to tell the pitch once the stance is found.

    A frame is kept (as grey) at most every ``every_s`` seconds, for the last
    ``keep_s`` seconds: a camera loop feeds each frame (:meth:`add`); once the
    kinematics has found the calibration stance, :meth:`pitch` estimates the
    pitch from the frames kept over it (:func:`estimate_pitch`).
    """

    def __init__(self, every_s: float = 0.2, keep_s: float = 4.0) -> None:
        self.every_s, self.keep_s = float(every_s), float(keep_s)
        self._frames: deque[tuple[float, NDArray[np.uint8]]] = deque()

    def add(self, time_s: float, image: NDArray[np.uint8]) -> None:
        """Keep ``image`` (BGR or grey, the frame the pose model was given) of ``time_s``."""
        import cv2

        t = float(time_s)
        if self._frames and t - self._frames[-1][0] < self.every_s:
            return
        grey = image if image.ndim == 2 else cv2.cvtColor(image[..., :3], cv2.COLOR_BGR2GRAY)
        self._frames.append((t, np.array(grey, dtype=np.uint8, copy=True)))
        while self._frames and t - self._frames[0][0] > self.keep_s:
            self._frames.popleft()

    def clear(self) -> None:
        """Forget the frames kept."""
        self._frames.clear()

    def images(self) -> list[NDArray[np.uint8]]:
        """The frames kept (grey), oldest first."""
        return [g for _, g in self._frames]

    def pitch(self, stance: Sequence[PoseFrame], image_size: tuple[int, int]) -> PitchEstimate:
        """The pitch from the frames kept over ``stance`` (its poses, in time order).

        The frames from the stance's first to its last time (``every_s`` either
        side); :data:`NO_ESTIMATE` when fewer than two were kept there.
        """
        if not stance:
            return NO_ESTIMATE
        t0 = float(stance[0].time_s) - self.every_s
        t1 = float(stance[-1].time_s) + self.every_s
        images = [g for t, g in self._frames if t0 <= t <= t1][-STANCE_FRAMES:]
        if len(images) < 2:
            return NO_ESTIMATE
        size = np.array(image_size, dtype=np.float64)
        pixels = np.stack([np.asarray(f.image)[:, :2] * size for f in stance])
        return estimate_pitch(images, pixels)


# ------------------------------------------------------------------ the guided fallback
#: Within this many degrees of level (and sure of it) the camera counts as level.
LEVEL_TOLERANCE_DEG: Final = 1.5

#: The phone-level step, said when the picture cannot tell the pitch well enough.
PHONE_LEVEL_STEP: Final = (
    "Hold a phone's level app against the camera and read its tilt, then start with "
    "--camera-tilt DEG (down positive): it is remembered for your next sessions."
)

#: What a voice says instead of a level message that offers the phone-level step
#: (:attr:`LevelGuide.needs_phone`): those run to 17 s of speech and name a
#: command-line option; the screen and the report hold the details.
SPOKEN_LEVEL: Final = "Level the camera if you can; the screen says how."

#: The level messages that offer the phone-level step, as :func:`level_guide` words them.
_PHONE_LEVEL_MESSAGE: Final = re.compile(
    r"(?:No straight lines of the room are in view|The camera looks roughly)[^.]*\.(?: [^.]*\.)? "
    + re.escape(PHONE_LEVEL_STEP)
)


def spoken_level(text: str) -> str:
    """``text`` as a voice should say it: a phone-level message becomes :data:`SPOKEN_LEVEL`."""
    return _PHONE_LEVEL_MESSAGE.sub(SPOKEN_LEVEL, text)


LevelState = Literal["level", "tilted", "rough", "unknown"]


@dataclass(frozen=True)
class LevelGuide:
    """What an on-screen level shows while the camera is set up (data; present/ draws it).

    Attributes:
        state: ``level`` (sure, within :data:`LEVEL_TOLERANCE_DEG`), ``tilted``
            (sure, further off), ``rough`` (a reading, but unsure beyond
            :data:`MAX_USABLE_UNCERTAINTY_DEG`) or ``unknown`` (no straight lines).
        pitch_deg: The reading (deg, positive down); None when unknown.
        uncertainty_deg: Its one-sigma uncertainty (deg); None when unknown.
        message: One calm sentence for the person.
    """

    state: LevelState
    pitch_deg: float | None
    uncertainty_deg: float | None
    message: str

    @property
    def needs_phone(self) -> bool:
        """The picture cannot tell the pitch well enough: the phone-level step is offered."""
        return self.state in ("rough", "unknown")


def level_guide(estimate: PitchEstimate) -> LevelGuide:
    """The level to show for one estimate of the camera's pitch (see :class:`LevelGuide`)."""
    if not math.isfinite(estimate.pitch_deg):
        return LevelGuide(
            "unknown",
            None,
            None,
            "No straight lines of the room are in view to tell the camera's tilt: turn it "
            "towards a door frame or a corner, or level it with a phone. " + PHONE_LEVEL_STEP,
        )
    pitch, sigma = float(estimate.pitch_deg), float(estimate.uncertainty_deg)
    way = "down" if pitch > 0 else "up"
    if not estimate.usable:
        return LevelGuide(
            "rough",
            pitch,
            sigma,
            f"The camera looks roughly {abs(pitch):.0f} deg {way} (give or take "
            f"{sigma:.0f}), too rough to correct for. " + PHONE_LEVEL_STEP,
        )
    if abs(pitch) <= LEVEL_TOLERANCE_DEG:
        return LevelGuide("level", pitch, sigma, "The camera is level. Leave it there.")
    turn = "up" if pitch > 0 else "down"
    return LevelGuide(
        "tilted",
        pitch,
        sigma,
        f"The camera looks {abs(pitch):.0f} deg {way}: that is taken into account, or tilt "
        f"it {turn} a little until it reads level.",
    )


class LevelMeter:
    """An on-screen level while the camera is set up: the pitch of recent frames, now and then.

    :meth:`update` takes every frame with the person's pose (or None) and, at most
    every ``every_s`` seconds, estimates the pitch from the last few frames kept
    (:class:`StanceFrames`, the person masked out) and returns a new
    :class:`LevelGuide`; in between it returns None (keep showing the last one).
    The room's lines are what it reads: a moving camera shows them moving, and
    the frames kept are those of the last ``keep_s`` seconds.
    """

    def __init__(self, every_s: float = 1.0, keep_s: float = 0.6) -> None:
        self.every_s = float(every_s)
        self.frames = StanceFrames(every_s=0.2, keep_s=keep_s)
        self._last: float | None = None
        self.guide: LevelGuide | None = None
        self._pixels: list[FloatArray] = []

    def update(
        self, time_s: float, image: NDArray[np.uint8], pose: PoseFrame | None
    ) -> LevelGuide | None:
        """Feed one frame; a new guide when one was measured now, else None."""
        t = float(time_s)
        self.frames.add(t, image)
        if pose is not None and pose.detected:
            h, w = image.shape[:2]
            self._pixels = [*self._pixels[-4:], np.asarray(pose.image)[:, :2] * (w, h)]
        if self._last is not None and t - self._last < self.every_s:
            return None
        self._last = t
        images = self.frames.images()
        if not images:
            return None
        pixels = np.stack(self._pixels) if self._pixels else np.full((1, 33, 2), np.nan)
        self.guide = level_guide(estimate_pitch(images, pixels))
        return self.guide
