"""Accuracy of the kinematics on the rendered fixtures, against their exact truth.

    python bench/accuracy.py [--model full] [--camera-tilt level|measured] [--write]
        [--two-pose] [CLIP ...]

Runs the whole pipeline on every fixture clip with a person (``fixtures/NAME.mp4``
with ``NAME.truth.csv`` and ``NAME.scene.json``): MediaPipe poses (cached under
``.cache/halfcircle-bench/``), neutral calibration on the stance ``analyze``
chooses anywhere in the clip (:func:`halfcircle.kinematics.calibration.choose_stance`), offline
kinematics (zero-phase Butterworth), the rep counter as ``analyze`` runs it (every
complete true half circle: found, direction, start and end), and, for
comparison, the streaming path
(One Euro). Prints per clip and angle the mean and max absolute error over the
frames where the person is fully in view (and, streaming, once calibrated), and
the error of each rep's and movement's peak angles. ``--write`` stores the
figures as the regression table ``bench/accuracy_table.json`` read by
``tests/test_accuracy_regression.py``.

``--two-pose`` reads the poses as ``--set pose.track_one=false`` does (two pose
slots, the person detector on every frame, instead of the default one followed
from frame to frame) and, after the table, compares it with the committed one:
the figures worse and better than it by more than the regression test's
margins, and the mean errors and peak errors over all clips.

Error conventions: error = measured - truth (deg). Angles a view cannot observe
(lateral flexion from a side view) are not scored; the table records that the
pipeline reported them as not observable. Frames where the pipeline reports no
value by design (lateral flexion of a trunk past 75 deg of inclination) are
counted as ``missing``, not scored. Peaks are compared only for reps and
movements the person did entirely in view.

Two ways of running, both kept in the table:

* ``level`` (the default, key ``clips``): no camera tilt given, as when a user
  does not measure it; the pipeline takes the camera as level.
* ``measured`` (key ``clips_camera_tilt``): the tilt a user would give with
  ``--camera-tilt``, read off a phone's level app: the scene's true camera pitch
  (its height above the point it looks at, over the distance) rounded to whole
  degrees.
* ``picture`` (key ``clips_camera_pitch_from_picture``): no tilt given, as
  ``halfcircle analyze`` now runs then: the pitch told from the stance's frames
  (:func:`halfcircle.analyze.video.analyze_poses_pitch_from_picture`), used when its
  uncertainty is at most 3 deg, else level. The estimate, its stated
  uncertainty and its true error are kept as ``camera_pitch``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import importlib.util
import io
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from halfcircle.kinematics.calibration import calibrate_recording
from halfcircle.kinematics.measure import (
    KinematicsConfig,
    KinematicsSeries,
    compute_kinematics,
    stream_kinematics,
)
from halfcircle.landmarks import PoseSequence

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
CACHE = ROOT / ".cache" / "halfcircle-bench"
TABLE = Path(__file__).resolve().parent / "accuracy_table.json"
#: The same figures as printed, for people (the README points to it).
TEXT_TABLE = TABLE.with_suffix(".txt")
TABLE_SCHEMA_VERSION = 2
#: Table keys of the two ways of running.
TABLE_KEYS = {
    "level": "clips",
    "measured": "clips_camera_tilt",
    "picture": "clips_camera_pitch_from_picture",
}
ANGLES = ("lateral_deg", "forward_deg", "inclination_deg", "rotation_deg")
#: Read the poses with two pose slots (``--two-pose``; the setting ``pose.track_one`` off).
TWO_POSE = False
#: How much worse than the table a figure may get in tests/test_accuracy_regression.py (deg).
MARGINS = {"mean": 0.25, "max": 1.0, "peak": 0.5}


# ----------------------------------------------------------------------------- inputs
def fixture_clips() -> list[str]:
    """Names of the fixture clips that show a person, sorted."""
    names = []
    for scene_path in sorted(FIXTURES.glob("*.scene.json")):
        name = scene_path.name.removesuffix(".scene.json")
        scene = json.loads(scene_path.read_text())
        if scene.get("person_present", True) and (FIXTURES / f"{name}.mp4").exists():
            names.append(name)
    return names


def load_truth(name: str) -> dict[str, np.ndarray]:
    """The truth CSV of a clip as float arrays (NaN for empty cells)."""
    with (FIXTURES / f"{name}.truth.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    out: dict[str, np.ndarray] = {}
    for key in rows[0]:
        if key in ("phase",):
            continue
        out[key] = np.array([float(r[key]) if r[key] != "" else np.nan for r in rows])
    return out


def load_scene(name: str) -> dict[str, Any]:
    """The scene JSON of a clip."""
    return dict(json.loads((FIXTURES / f"{name}.scene.json").read_text()))


def poses(name: str, model: str = "full") -> PoseSequence:
    """MediaPipe poses of a fixture clip as ``analyze`` reads them, cached by the video's hash.

    Through :func:`halfcircle.analyze.video.extract_poses`, as the regression test's fresh
    poses: on ``base_toe_touch_front_far``, where the model loses the person for a
    frame, a single-landmarker read tracked differently and moved its figures by
    up to 1 deg mean.
    """
    if not TWO_POSE:  # the kept poses of the tests, when today's pose stage made them
        kept = _pose_dumps().load(name, model)
        if kept is not None:
            return kept
    video = FIXTURES / f"{name}.mp4"
    digest = hashlib.sha256(video.read_bytes()).hexdigest()[:16]
    how = "analyze-two" if TWO_POSE else "analyze-one"
    path = CACHE / f"{name}.{model}.{how}.{digest}.npz"
    if path.exists():
        return PoseSequence.load_npz(path)
    from halfcircle.analyze.video import extract_poses
    from halfcircle.poseconfig import PoseConfig

    seq, _ = extract_poses(video, model, pose=PoseConfig(track_one=not TWO_POSE))
    CACHE.mkdir(parents=True, exist_ok=True)
    seq.save_npz(path)
    return seq


# ----------------------------------------------------------------------------- scoring
def _stats(err: np.ndarray) -> dict[str, float]:
    e = np.abs(err[np.isfinite(err)])
    if e.size == 0:
        return {"mean": float("nan"), "max": float("nan"), "n": 0}
    return {"mean": round(float(e.mean()), 3), "max": round(float(e.max()), 3), "n": int(e.size)}


def _peak(values: np.ndarray, start: int, end: int, sign: float = 1.0) -> float:
    seg = sign * values[start : end + 1]
    return float(np.nanmax(seg)) if np.isfinite(seg).any() else float("nan")


def score(name: str, k: KinematicsSeries, truth: dict[str, np.ndarray], scene: dict[str, Any]
          ) -> dict[str, Any]:  # fmt: skip
    """Errors of one clip's kinematics against its truth."""
    n = min(len(k), truth["frame"].shape[0])
    in_view = (truth["in_view"][:n] > 0) & k.calibrated[:n]
    rotation_clip = any(b["type"] == "rotation" for b in scene.get("baseline", []))
    angles: dict[str, Any] = {}
    for angle in ANGLES:
        if angle == "rotation_deg" and not rotation_clip:
            continue  # rotation is only scored where the clip exercises it
        measured = getattr(k, angle)[:n]
        t = truth[angle][:n]
        if angle == "lateral_deg" and not k.view.lateral_observable:
            angles[angle] = {"observable": False}
            continue
        if angle == "inclination_deg" and not k.view.lateral_observable:
            continue
        sel = in_view & np.isfinite(t)
        stats = _stats(measured[sel] - t[sel])
        stats["missing"] = int(np.count_nonzero(sel & ~np.isfinite(measured)))
        angles[angle] = stats
    peaks: list[dict[str, Any]] = []
    for rep in scene.get("reps", []):
        a, b = int(rep["start_frame"]), int(rep["end_frame"])
        if not np.all(truth["in_view"][a : b + 1] > 0):
            continue  # the person left the view during the rep: no peak to compare
        checks = [("peak_forward_deg", "forward_deg", 1.0)]
        if k.view.lateral_observable:
            checks += [
                ("peak_lateral_right_deg", "lateral_deg", 1.0),
                ("peak_lateral_left_deg", "lateral_deg", -1.0),
            ]
        for key, angle, sign in checks:
            true = float(rep[key])
            if true < 5.0:
                continue  # an aborted rep's far side: no peak to speak of
            got = _peak(getattr(k, angle), a, b, sign)
            peaks.append({"what": f"rep{rep['rep']}.{key}", "true": true,
                          "error": round(got - true, 3)})  # fmt: skip
    for i, mv in enumerate(scene.get("baseline", [])):
        a, b = int(mv["start_frame"]), int(mv["end_frame"])
        if not np.all(truth["in_view"][a : b + 1] > 0):
            continue
        if mv["type"] == "side_bend" and k.view.lateral_observable:
            sign = 1.0 if mv["side"] == "right" else -1.0
            key, angle, true = "peak_lateral_deg", "lateral_deg", float(mv["peak_lateral_deg"])
        elif mv["type"] == "toe_touch":
            sign, key, angle, true = 1.0, "peak_forward_deg", "forward_deg", mv["peak_forward_deg"]
        elif mv["type"] == "rotation":
            sign = 1.0 if mv["side"] == "left" else -1.0
            key, angle, true = "peak_rotation_deg", "rotation_deg", float(mv["peak_rotation_deg"])
        else:
            continue
        got = _peak(getattr(k, angle), a, b, sign)
        peaks.append({"what": f"{mv['type']}{i}.{key}", "true": float(true),
                      "error": round(got - float(true), 3)})  # fmt: skip
    calib = k.calibration
    return {
        "view": k.view.kind,
        "azimuth_true_deg": float(scene.get("camera", {}).get("azimuth_deg", 0.0)),
        "azimuth_est_deg": round(k.view.azimuth_deg, 2),
        "calibrated": calib is not None,
        "lateral_observable": k.view.lateral_observable,
        "detected_fraction": round(float(np.mean(k.valid[:n][in_view])) if in_view.any() else 0, 3),
        "angles": angles,
        "peaks": peaks,
    }


def score_reps(
    k: KinematicsSeries,
    truth: dict[str, np.ndarray],
    scene: dict[str, Any],
    *,
    count_everywhere: bool = True,
) -> list[dict[str, Any]]:
    """Is each complete true half circle found by the rep counter, as ``analyze`` runs it?

    Only reps done wholly in view, from a view that sees side bending (from the
    side no rep is counted, by design). A true rep is found when a complete
    counted rep overlaps it; then its direction and its start and end errors
    (counted - true, s) are given.
    """
    from halfcircle.coaching.session import replay

    if not k.view.lateral_observable:
        return []
    loop, _ = replay(k, count_everywhere=count_everywhere)
    counted = [r for r in loop.records if r.complete]
    out: list[dict[str, Any]] = []
    for rep in scene.get("reps", []):
        if rep["type"] != "half_circle" or not rep["complete"]:
            continue
        a, b = int(rep["start_frame"]), int(rep["end_frame"])
        if not np.all(truth["in_view"][a : b + 1] > 0):
            continue
        t0, t1 = float(rep["start_s"]), float(rep["end_s"])
        hit = [r for r in counted if r.start_s < t1 and r.end_s > t0]
        ent: dict[str, Any] = {"rep": rep["rep"], "found": bool(hit)}
        if hit:
            r = hit[0]
            ent.update(
                direction_ok=r.direction == rep["direction"],
                start_error_s=round(r.start_s - t0, 3),
                end_error_s=round(r.end_s - t1, 3),
            )
        out.append(ent)
    return out


def score_fingertips(
    seq: PoseSequence,
    kin: KinematicsSeries,
    truth: dict[str, np.ndarray],
    scene: dict[str, Any],
) -> dict[str, Any] | None:
    """Fingertip-to-floor errors (cm) of a clip with fingertip truth, None without it.

    For the height given (the scene's ``standing_height_cm``, as ``--height``)
    and not: per toe touch and side bend done in view, the error of the lowest
    reading against the lowest true height (``lowest``: measured - truth), and
    the mean and max |error| over the in-view frames, as
    :func:`halfcircle.coaching.baseline.fingertip_series` reads them.
    """
    from halfcircle.coaching.baseline import fingertip_series

    if "fingertip_floor_cm" not in truth or kin.calibration is None:
        return None
    n = min(len(kin), truth["frame"].shape[0])
    true = truth["fingertip_floor_cm"][:n]
    in_view = truth["in_view"][:n] > 0
    out: dict[str, Any] = {}
    for key, height in (("height_given", scene["standing_height_cm"]), ("no_height", None)):
        got = fingertip_series(seq, kin, height)[:n]
        sel = in_view & np.isfinite(true)
        stats: dict[str, Any] = dict(_stats(got[sel] - true[sel]))
        stats["missing"] = int(np.count_nonzero(sel & ~np.isfinite(got)))
        lowest = []
        for i, mv in enumerate(scene.get("baseline", [])):
            a, b = int(mv["start_frame"]), int(mv["end_frame"])
            if mv["type"] not in ("toe_touch", "side_bend") or not np.all(in_view[a : b + 1]):
                continue
            t_min = float(np.min(true[a : b + 1]))
            seg = got[a : b + 1]
            err = float(np.nanmin(seg)) - t_min if np.isfinite(seg).any() else float("nan")
            lowest.append({"what": f"{mv['type']}{i}.lowest_cm", "true": round(t_min, 2),
                           "error": round(err, 3)})  # fmt: skip
        stats["lowest"] = lowest
        out[key] = stats
    return out


def measured_tilt_deg(scene: dict[str, Any]) -> float:
    """The camera tilt a user would measure (deg down, whole degrees) from the scene's camera."""
    cam = scene["camera"]
    drop = float(cam["height_m"]) - float(cam["target_height_m"])
    return float(round(math.degrees(math.atan2(drop, float(cam["distance_m"])))))


def true_pitch_deg(scene: dict[str, Any]) -> float:
    """The scene camera's pitch (deg down, unrounded)."""
    cam = scene["camera"]
    drop = float(cam["height_m"]) - float(cam["target_height_m"])
    return math.degrees(math.atan2(drop, float(cam["distance_m"])))


def picture_pitch(name: str, seq: PoseSequence) -> dict[str, Any]:
    """The pitch told from the clip's stance frames, as ``analyze`` tells it with no tilt given."""
    from halfcircle.analyze.video import analyze_poses_pitch_from_picture

    # only the estimate is wanted here: the analysis it runs is the bench's own below
    pitch = analyze_poses_pitch_from_picture(seq, FIXTURES / f"{name}.mp4").camera_pitch
    assert pitch is not None
    return dict(pitch)


def evaluate(name: str, model: str = "full", camera_tilt: str = "level") -> dict[str, Any]:
    """Offline and streaming figures of one clip (``camera_tilt``: a key of :data:`TABLE_KEYS`)."""
    seq = poses(name, model)
    truth, scene = load_truth(name), load_scene(name)
    tilt = measured_tilt_deg(scene) if camera_tilt == "measured" else 0.0
    pitch = None
    if camera_tilt == "picture":
        pitch = picture_pitch(name, seq)
        tilt = float(pitch["camera_tilt_deg"])
        est = pitch["pitch_deg"]
        pitch["true_deg"] = round(true_pitch_deg(scene), 2)
        pitch["error_deg"] = round(est - pitch["true_deg"], 2) if est is not None else None
    cfg = KinematicsConfig.for_setup(tilt)
    calib, stance = calibrate_recording(seq, cfg.calibration, cfg.min_visibility)
    kin = compute_kinematics(seq, cfg, calibration=calib)
    offline = score(name, kin, truth, scene)
    offline["stance"] = stance.rule if stance is not None else None
    offline["reps"] = score_reps(kin, truth, scene, count_everywhere=stance is not None)
    tips = score_fingertips(seq, kin, truth, scene)
    if tips is not None:
        offline["fingertip_cm"] = tips
    live = score(name, stream_kinematics(seq, cfg), truth, scene)
    offline["camera_tilt_deg"] = tilt
    if pitch is not None:
        offline["camera_pitch"] = pitch
    offline["streaming"] = {
        a: v for a, v in live["angles"].items() if a in ("lateral_deg", "forward_deg")
    }
    return offline


# ----------------------------------------------------------------------------- report
def _fmt(x: float) -> str:
    return "   -" if x != x else f"{x:5.2f}"


def print_table(results: dict[str, dict[str, Any]]) -> None:
    """A plain-text table of the figures."""
    head = f"{'clip':<26}{'view':>8}{'az est':>8}{'tilt':>6}"
    for a in ("lateral", "forward", "incl", "rotation"):
        head += f"{a + ' mean/max':>18}"
    head += f"{'live lat/fwd mean':>20}"
    print(head)
    for name, r in results.items():
        line = f"{name:<26}{r['view']:>8}{r['azimuth_est_deg']:>8.1f}{r['camera_tilt_deg']:>6.1f}"
        for a in ANGLES:
            s = r["angles"].get(a)
            if s is None:
                cell = "-"
            elif not s.get("observable", True):
                cell = "not observable"
            else:
                cell = f"{_fmt(s['mean'])} /{_fmt(s['max'])}"
            line += f"{cell:>18}"
        live = r.get("streaming", {})
        lat = live.get("lateral_deg", {}).get("mean", float("nan"))
        fwd = live.get("forward_deg", {}).get("mean", float("nan"))
        line += f"{_fmt(lat) + ' /' + _fmt(fwd):>20}"
        print(line)
    if any("camera_pitch" in r for r in results.values()):
        print("\ncamera pitch from the picture (deg down; used when +- <= 3):")
        print(f"  {'clip':<28}{'true':>7}{'est':>7}{'+-':>6}{'error':>7}{'used':>7}")
        for name, r in results.items():
            p = r["camera_pitch"]
            if p["pitch_deg"] is None:
                print(f"  {name:<28}{p['true_deg']:7.1f}{'-':>7}{'-':>6}{'-':>7}{'level':>7}")
                continue
            print(f"  {name:<28}{p['true_deg']:7.1f}{p['pitch_deg']:7.1f}"
                  f"{p['uncertainty_deg']:6.1f}{p['error_deg']:+7.1f}"
                  f"{r['camera_tilt_deg']:7.1f}")  # fmt: skip
    print("\nreps (found, direction, start/end error in s; the zero's rule):")
    for name, r in results.items():
        if r.get("reps"):
            cells = ", ".join(
                f"rep{e['rep']} "
                + (
                    f"{'ok' if e['direction_ok'] else 'WRONG direction'} "
                    f"{e['start_error_s']:+.2f}/{e['end_error_s']:+.2f}"
                    if e["found"]
                    else "NOT FOUND"
                )
                for e in r["reps"]
            )
            print(f"  {name} ({r.get('stance')}): {cells}")
    if any("fingertip_cm" in r for r in results.values()):
        print(
            "\nfingertip-to-floor (cm; lowest: measured - truth at each test's lowest point;"
            " mean/max |error| over in-view frames):"
        )
        for name, r in results.items():
            for key, f in r.get("fingertip_cm", {}).items():
                cells = ", ".join(
                    f"{p['what']} {p['error']:+.1f} (of {p['true']:.1f})" for p in f["lowest"]
                )
                print(
                    f"  {name:<26} {key:<13} mean {_fmt(f['mean'])} max {_fmt(f['max'])}"
                    + (f"; {cells}" if cells else "")
                )
    print("\npeak errors (measured - truth, deg):")
    for name, r in results.items():
        if r["peaks"]:
            cells = ", ".join(
                f"{p['what']} {p['error']:+.2f} (of {p['true']:.1f})" for p in r["peaks"]
            )
            print(f"  {name}: {cells}")


def _pose_dumps() -> Any:
    """``tools/pose_dumps.py`` as a module (the kept poses of the fixture clips)."""
    spec = importlib.util.spec_from_file_location("pose_dumps", ROOT / "tools" / "pose_dumps.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def compare_with_table(tables: dict[str, dict[str, Any]]) -> None:
    """Print how ``tables`` (by table key) differ from the committed table (see ``--two-pose``)."""
    committed = json.loads(TABLE.read_text())
    for key, results in tables.items():
        worse = better = 0
        means: dict[str, list[tuple[float, float]]] = {a: [] for a in ANGLES}
        peaks: list[tuple[float, float]] = []
        for name, now in results.items():
            ref = committed.get(key, {}).get(name)
            if ref is None:
                continue
            pairs = []
            for angle, r in ref["angles"].items():
                g = now["angles"][angle]
                if r.get("observable", True) and r["n"] and g["n"]:
                    pairs += [(r[k], g[k], MARGINS[k]) for k in ("mean", "max")]
                    means[angle].append((r["mean"], g["mean"]))
            now_peaks = {q["what"]: abs(q["error"]) for q in now["peaks"]}
            for q in ref["peaks"]:
                if q["what"] in now_peaks:
                    pairs.append((abs(q["error"]), now_peaks[q["what"]], MARGINS["peak"]))
                    peaks.append((abs(q["error"]), now_peaks[q["what"]]))
            worse += sum(g > r + m for r, g, m in pairs)
            better += sum(g < r - m for r, g, m in pairs)
        print(f"\n== {key}: against the committed table ==")
        print(f"figures worse by more than the test's margins: {worse}; better by more: {better}")
        for angle, ms in means.items():
            if ms:
                a = np.array(ms)
                print(f"{angle:16s} mean of the clips' mean errors {a[:, 0].mean():5.2f} -> "
                      f"{a[:, 1].mean():5.2f}")  # fmt: skip
        if peaks:
            pk = np.array(peaks)
            med, mean = np.median(pk, axis=0), pk.mean(axis=0)
            print(f"|peak error| median {med[0]:.2f} -> {med[1]:.2f}, "
                  f"mean {mean[0]:.2f} -> {mean[1]:.2f} ({len(pk)} peaks)")  # fmt: skip


# ----------------------------------------------------------------------------- README
#: The README's "How far to trust the numbers" table lies between these lines.
README = ROOT / "README.md"
README_MARKERS = ("<!-- trust-table -->", "<!-- /trust-table -->")
#: Columns of the README table: the views each holds.
README_VIEWS = {
    "front view": ("front",),
    "30 to 45 deg view": ("oblique",),
    "side view": ("side",),
    "from behind": ("back",),
}
#: A camera at least this far down (deg, as a user would measure it) counts as pitched.
PITCHED_DEG = 3.0


def _range(values: list[float], unit: str = "") -> str:
    """``"-1.2 to +3.4"`` (or one value) of signed errors; ``""`` for none."""
    if not values:
        return ""
    lo, hi = min(values), max(values)
    if round(lo, 1) == round(hi, 1):
        return f"{lo:+.1f}{unit}"
    return f"{lo:+.1f} to {hi:+.1f}{unit}"


def _within(values: list[float], unit: str = "") -> str:
    """``"within 2.9"``: the largest |value|; ``""`` for none."""
    return f"within {max(abs(v) for v in values):.1f}{unit}" if values else ""


def _views(clips: dict[str, Any], views: tuple[str, ...]) -> dict[str, Any]:
    return {n: r for n, r in clips.items() if r["view"] in views}


def _pitched(table: dict[str, Any], name: str) -> bool:
    """The clip's camera looks down by :data:`PITCHED_DEG` or more (as a user would measure)."""
    r = table.get(TABLE_KEYS["measured"], {}).get(name)
    return r is not None and r["camera_tilt_deg"] >= PITCHED_DEG


def _peaks(clips: dict[str, Any], prefix: str, key: str = "") -> list[float]:
    return [
        p["error"]
        for r in clips.values()
        for p in r["peaks"]
        if p["what"].startswith(prefix) and key in p["what"] and p["error"] == p["error"]
    ]


def readme_rows(table: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    """The README table's rows from the regression table: what, then a cell per view column."""
    level = table[TABLE_KEYS["level"]]
    given = table[TABLE_KEYS["measured"]]
    picture = table.get(TABLE_KEYS["picture"], {})
    rows: list[tuple[str, dict[str, str]]] = []

    def row(what: str, cell: Any) -> None:
        rows.append((what, {col: cell(views) for col, views in README_VIEWS.items()}))

    def means(clips: dict[str, Any], angle: str) -> list[float]:
        return [
            r["angles"][angle]["mean"]
            for r in clips.values()
            if angle in r["angles"] and r["angles"][angle].get("observable", True)
        ]

    def mean_range(clips: dict[str, Any], angle: str) -> str:
        m = means(clips, angle)
        if not m:
            return "not seen (said so)" if clips and angle == "lateral_deg" else ""
        lo, hi = f"{min(m):.1f}", f"{max(m):.1f}"
        return lo if lo == hi else f"{lo} to {hi}"

    row(
        "side bend, mean error over a clip, camera tilt given",
        lambda v: mean_range(_views(given, v), "lateral_deg") or "not seen (said so)",
    )
    row(
        "forward bend, mean error over a clip, camera tilt given",
        lambda v: mean_range(_views(given, v), "forward_deg"),
    )
    row("peaks of a rep, camera tilt given", lambda v: _within(_peaks(_views(given, v), "rep")))
    row(
        "rep start and end (s), complete reps found with their direction",
        lambda v: _reps_cell(_views(given, v)),
    )
    pitched = {n: r for n, r in level.items() if _pitched(table, n)}
    row(
        f"forward peaks, camera {PITCHED_DEG:g} deg or more down, tilt not given, taken as level",
        lambda v: _range(_peaks(_views(pitched, v), "", "forward")),
    )
    told = {n: r for n, r in picture.items() if _pitched(table, n)}
    row(
        f"forward peaks, camera {PITCHED_DEG:g} deg or more down, camera pitch not given "
        "(told from the picture where it can be)",
        lambda v: _range(_peaks(_views(told, v), "", "forward")),
    )
    row(
        "camera pitch not given: pitch told from the picture (deg; told on / clips, error range)",
        lambda v: _pitch_cell(_views(picture, v)),
    )
    row(
        "trunk rotation peaks, tilt not given",
        lambda v: _range(_peaks(_views(level, v), "rotation")),
    )
    for key, words in (("height_given", "height given"), ("no_height", "height not given")):
        row(
            f"fingertip-to-floor at the lowest point (cm), {words}",
            lambda v, key=key: _range(_tips(_views(level, v), key)),
        )  # type: ignore[misc]
    return rows


def _reps_cell(clips: dict[str, Any]) -> str:
    reps = [e for r in clips.values() for e in r.get("reps", [])]
    if not reps:
        return ""
    found = [e for e in reps if e["found"] and e.get("direction_ok")]
    errs = [e[k] for e in found for k in ("start_error_s", "end_error_s")]
    return f"{len(found)} of {len(reps)}, " + (_within(errs) if errs else "")


def _pitch_cell(clips: dict[str, Any]) -> str:
    pitches = [r["camera_pitch"] for r in clips.values() if "camera_pitch" in r]
    if not pitches:
        return ""
    used = [p for p in pitches if p["how"] == "from the picture"]
    errors = [p["error_deg"] for p in used]
    cell = f"{len(used)} of {len(pitches)}"
    if errors:
        inside = sum(abs(p["error_deg"]) <= p["uncertainty_deg"] for p in used)
        cell += f", {_range(errors)}, {inside} within their stated +-"
    return cell


def _tips(clips: dict[str, Any], key: str) -> list[float]:
    return [
        p["error"]
        for r in clips.values()
        for p in r.get("fingertip_cm", {}).get(key, {}).get("lowest", [])
        if p["error"] == p["error"]
    ]


def readme_table(table: dict[str, Any]) -> str:
    """The README's markdown table (between :data:`README_MARKERS`), from the regression table."""
    cols = list(README_VIEWS)
    lines = ["| what | " + " | ".join(cols) + " |", "| --- " * (len(cols) + 1) + "|"]
    for what, cells in readme_rows(table):
        lines.append(f"| {what} | " + " | ".join(cells[c] for c in cols) + " |")
    return "\n".join(lines) + "\n"


def write_readme_table(table: dict[str, Any], readme: Path = README) -> bool:
    """Put :func:`readme_table` between the README's markers; whether it changed."""
    text = readme.read_text()
    start, end = README_MARKERS
    i, j = text.index(start) + len(start), text.index(end)
    new = text[:i] + "\n" + readme_table(table) + text[j:]
    if new != text:
        readme.write_text(new)
    return new != text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clips", nargs="*", help="clip names (default: every fixture clip)")
    ap.add_argument("--model", default="full", help="pose model bundle (default: full)")
    ap.add_argument(
        "--camera-tilt",
        choices=("level", "measured", "picture", "both", "all"),
        default="both",
        help="no tilt given (level), the tilt a user would measure, the pitch told from "
        "the picture, level and measured (both, the default), or all three",
    )
    ap.add_argument(
        "--write",
        action="store_true",
        help=f"write both tables to {TABLE.name} (and as printed to {TEXT_TABLE.name})",
    )
    ap.add_argument(
        "--two-pose",
        action="store_true",
        help="poses with two pose slots (pose.track_one off), compared with the committed table",
    )
    ap.add_argument(
        "--readme",
        action="store_true",
        help=f"only rewrite the README's table from the committed {TABLE.name} (no runs)",
    )
    args = ap.parse_args(argv)
    if args.readme:
        changed = write_readme_table(json.loads(TABLE.read_text()))
        print(f"{README.name}: {'rewritten' if changed else 'unchanged'}")
        return 0
    if args.two_pose and args.write:
        print("--two-pose compares with the table; it does not write it.", file=sys.stderr)
        return 2
    global TWO_POSE
    TWO_POSE = args.two_pose
    names = args.clips or fixture_clips()
    if not names:
        print("No fixture clips found in fixtures/.", file=sys.stderr)
        return 1
    if args.write or args.camera_tilt == "all":
        modes = list(TABLE_KEYS)
    elif args.camera_tilt == "both":
        modes = ["level", "measured"]
    else:
        modes = [args.camera_tilt]
    tables = {}
    text = io.StringIO()
    for i, mode in enumerate(modes):
        tables[TABLE_KEYS[mode]] = results = {n: evaluate(n, args.model, mode) for n in names}
        with contextlib.redirect_stdout(text):
            print(("\n" if i else "") + f"== camera tilt: {mode} ==")
            print_table(results)
    print(text.getvalue(), end="")
    if args.two_pose:
        compare_with_table(tables)
    if args.write:
        TEXT_TABLE.write_text(text.getvalue())
        table = {
            "schema_version": TABLE_SCHEMA_VERSION,
            "model": args.model,
            "error_convention": "measured - truth (deg; fingertip_cm in cm); mean/max of "
            "|error| over in-view frames",
            "camera_tilt": "clips: none given (level); clips_camera_tilt: the scene's pitch "
            "rounded to whole degrees, as a user would give it with --camera-tilt; "
            "clips_camera_pitch_from_picture: none given, the pitch told from the picture "
            "(used when its uncertainty is at most 3 deg, else level)",
            **tables,
        }
        TABLE.write_text(json.dumps(table, indent=1) + "\n")
        write_readme_table(table)
        print(f"\nwrote {TABLE.relative_to(ROOT)}, {TEXT_TABLE.relative_to(ROOT)} and the "
              f"table in {README.name}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
