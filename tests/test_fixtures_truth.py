"""The committed fixture clips: files, frame counts, truth columns and sign conventions.

Needs only OpenCV, NumPy and (for the detection test) MediaPipe through
``halfcircle.pose``: never torch, anny or OpenGL (the renderer lives in
``tools/fixtures``).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
SCENES = REPO / "tools" / "fixtures" / "scenes"
COLUMNS = [
    "frame",
    "time_s",
    "phase",
    "lateral_deg",
    "forward_deg",
    "rotation_deg",
    "inclination_deg",
    "phi_deg",
    "in_view",
    "visible_fraction",
    "segment",
    "rep",
]
#: Appended in the clips with baseline movements (toe touch, side bend, rotation).
BASELINE_COLUMNS = ["fingertip_floor_cm"]
BASELINE_TYPES = {"toe_touch", "side_bend", "rotation"}
CLIPS = sorted(p.name[: -len(".scene.json")] for p in FIXTURES.glob("*.scene.json"))
PHASES = {
    "calibrate",
    "rest",
    "hold",
    "to_side",
    "arc",
    "return",
    "side_bend",
    "toe_touch",
    "rotation",
}


def read_truth(name: str) -> dict[str, np.ndarray]:
    with open(FIXTURES / f"{name}.truth.csv", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    baseline = any(b["type"] in BASELINE_TYPES for b in scene(name)["baseline"])
    assert header == COLUMNS + (BASELINE_COLUMNS if baseline else [])
    assert header == scene(name)["csv_columns"]
    out: dict[str, np.ndarray] = {}
    for i, key in enumerate(header):
        col = [r[i] for r in rows]
        out[key] = np.array(col) if key == "phase" else np.array([float(v) for v in col])
    return out


def scene(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.scene.json").read_text())


def window(s: dict, ent: dict) -> slice:
    return slice(ent["start_frame"], ent["end_frame"] + 1)


@pytest.mark.video
def test_fixture_set_is_complete() -> None:
    assert len(CLIPS) >= 14
    for name in CLIPS:
        assert (FIXTURES / f"{name}.mp4").is_file(), name
        assert (FIXTURES / f"{name}.truth.csv").is_file(), name
        assert (SCENES / f"{name}.json").is_file(), f"no scene input for {name}"
    # a budget that keeps the clips small (about 0.2 MB each: short, 640x480 at most)
    total = sum(p.stat().st_size for p in FIXTURES.iterdir() if p.is_file())
    assert total < 10 * 1024 * 1024, f"fixtures take {total / 1e6:.1f} MB, more than 10 MiB"
    starts = [scene(n)["calibration_s"] for n in CLIPS if scene(n)["person_present"]]
    assert None in starts  # a clip that starts mid-movement
    assert any(s is not None and 0.3 <= s[1] <= 0.8 for s in starts)  # a short stance first
    kinds = {(r["direction"], r["complete"]) for n in CLIPS for r in scene(n)["reps"]}
    assert {("right_first", True), ("left_first", True), ("right_first", False)} <= kinds
    azimuths = {scene(n)["camera"]["azimuth_deg"] for n in CLIPS}
    assert {0, 45, 90} <= azimuths
    bodies = {
        json.dumps(scene(n)["body"]["phenotype"], sort_keys=True) for n in CLIPS if scene(n)["body"]
    }
    assert len(bodies) >= 2
    baseline = {b["type"] for n in CLIPS for b in scene(n)["baseline"]}
    assert baseline == {"toe_touch", "side_bend", "rotation"}


@pytest.mark.video
@pytest.mark.parametrize("name", CLIPS)
def test_video_matches_truth(name: str) -> None:
    s = scene(name)
    t = read_truth(name)
    n = len(t["frame"])
    assert n == s["n_frames"]
    np.testing.assert_array_equal(t["frame"], np.arange(n))
    np.testing.assert_allclose(t["time_s"], np.arange(n) / s["fps"], atol=1e-6)
    cap = cv2.VideoCapture(str(FIXTURES / s["video"]))
    try:
        assert cap.isOpened()
        assert cap.get(cv2.CAP_PROP_FPS) == pytest.approx(s["fps"])
        count, shape = 0, None
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            count += 1
            shape = frame.shape
    finally:
        cap.release()
    assert count == n
    assert shape == (s["resolution"][1], s["resolution"][0], 3)


@pytest.mark.video
@pytest.mark.parametrize("name", CLIPS)
def test_truth_columns_are_consistent(name: str) -> None:
    s = scene(name)
    t = read_truth(name)
    assert set(t["phase"]) <= PHASES
    assert set(np.unique(t["in_view"])) <= {0.0, 1.0}
    np.testing.assert_array_equal(t["in_view"] == 1, t["visible_fraction"] == 1.0)
    if not s["person_present"]:
        assert not np.any(t["in_view"]) and np.all(np.isnan(t["lateral_deg"]))
        return
    lat, fwd, rot = t["lateral_deg"], t["forward_deg"], t["rotation_deg"]
    inc, phi = t["inclination_deg"], t["phi_deg"]
    # the quiet upright stance at the start: as long as the scene says (1.5 s in
    # most clips; 0.3-0.8 s, or none when the clip starts mid-movement, in the
    # clips made to test calibrating anywhere)
    calib = t["phase"] == "calibrate"
    if s["calibration_s"] is None:
        assert not calib.any() and t["inclination_deg"][0] > 5.0
    else:
        end = s["calibration_s"][1] - 1 / s["fps"]  # its last frame
        assert t["time_s"][calib].max() == pytest.approx(end, abs=1e-6)
        assert np.all(lat[calib] == 0) and np.all(fwd[calib] == 0) and np.all(rot[calib] == 0)
    # inclination from the two plane projections: t ~ (tan(lat) |cos fwd|, sin fwd, cos fwd)
    a, b = np.radians(lat), np.radians(fwd)
    v = np.stack([np.tan(a) * np.abs(np.cos(b)), np.sin(b), np.cos(b)], axis=1)
    expect = np.degrees(np.arccos(v[:, 2] / np.linalg.norm(v, axis=1)))
    np.testing.assert_allclose(inc, expect, atol=2e-3)
    # phi = atan2(forward, lateral) in [-90, 270), defined from 1 deg of inclination
    big = inc >= 1.0
    assert np.all(np.isnan(phi[~big]))
    p = np.degrees(np.arctan2(fwd[big], lat[big]))
    p = np.where(p < -90, p + 360, p)
    np.testing.assert_allclose(phi[big], p, atol=2e-3)


@pytest.mark.video
@pytest.mark.parametrize("name", CLIPS)
def test_reps_follow_the_sign_conventions(name: str) -> None:
    s = scene(name)
    t = read_truth(name)
    lat, fwd, phi = t["lateral_deg"], t["forward_deg"], t["phi_deg"]
    for r in s["reps"]:
        w = window(s, r)
        if r.get("cut_at_start"):  # the clip starts mid-rep: an incomplete one
            assert r["start_s"] < 0 and r["start_frame"] == 0 and not r["complete"]
            assert lat[w][-1] == 0 and fwd[w][-1] == 0
            continue
        assert r["start_s"] == pytest.approx(r["start_frame"] / s["fps"], abs=1e-6)
        assert r["end_s"] == pytest.approx(r["end_frame"] / s["fps"], abs=1e-6)
        assert np.all(t["rep"][r["start_frame"] : r["end_frame"]] == r["rep"])
        # upright at both ends of the rep, moving in between
        assert lat[w][0] == 0 and fwd[w][0] == 0 and lat[w][-1] == 0 and fwd[w][-1] == 0
        first = lat[w][np.abs(lat[w]) > 5.0][0]
        assert (first > 0) == (r["direction"] == "right_first"), "first side has the wrong sign"
        # the scene's peaks are the truth's maxima within the rep window
        assert r["peak_lateral_right_deg"] == round(max(0.0, lat[w].max()), 4)
        assert r["peak_lateral_left_deg"] == round(max(0.0, (-lat[w]).max()), 4)
        assert r["peak_forward_deg"] == round(max(0.0, fwd[w].max()), 4)
        crossed = np.nanmax(phi[w]) > 90 and np.nanmin(phi[w]) < 90
        assert crossed == r["complete"]
        if r["complete"]:
            assert r["peak_lateral_right_deg"] > 10 and r["peak_lateral_left_deg"] > 10
            assert r["peak_forward_deg"] > 30
            # the forward peak is at the front (phi 90)
            k = int(np.argmax(fwd[w]))
            assert abs(phi[w][k] - 90.0) < 1.0
        else:
            side = (
                r["peak_lateral_right_deg"]
                if r["direction"] == "right_first"
                else (r["peak_lateral_left_deg"])
            )
            assert side > 10
    for b in s["baseline"]:
        w = window(s, b)
        if b["type"] == "side_bend":
            v = lat[w] if b["side"] == "right" else -lat[w]
            assert b["peak_lateral_deg"] == round(v.max(), 4) and b["peak_lateral_deg"] > 10
            assert np.all(np.abs(fwd[w]) < 1e-3)
        elif b["type"] == "toe_touch":
            # a toe touch goes past 60 deg; a drill's roll-down along the wall less far, and
            # the toe touch of a whole session's person with back pain past 50
            least = {"drill": 20, "session": 50}.get(s["name"].split("_")[0], 60)
            assert b["peak_forward_deg"] == round(fwd[w].max(), 4) and b["peak_forward_deg"] > least
        elif b["type"] == "rotation":
            rot = t["rotation_deg"][w]
            v = rot if b["side"] == "left" else -rot
            assert b["peak_rotation_deg"] == round(v.max(), 4) and b["peak_rotation_deg"] > 10


BASELINE_CLIPS = [
    n for n in CLIPS if any(b["type"] in BASELINE_TYPES for b in scene(n)["baseline"])
]


@pytest.mark.video
@pytest.mark.parametrize("name", BASELINE_CLIPS)
def test_fingertip_truth_follows_the_movement(name: str) -> None:
    """Fingertips hang at a constant height when upright and go down in every bend."""
    s = scene(name)
    t = read_truth(name)
    tip = t["fingertip_floor_cm"]
    height = s["standing_height_cm"]
    assert 140.0 < height < 230.0
    upright = (t["inclination_deg"] == 0) & (t["rotation_deg"] == 0)
    assert upright.sum() >= 10
    standing = tip[upright]
    assert np.ptp(standing) < 0.05
    if s["stance"].get("arms") == "crossed":  # hands on the shoulders
        assert 0.6 < standing[0] / height < 0.85
    else:  # hanging: about a third to a half of the height
        assert 0.3 < standing[0] / height < 0.5
    for b in s["baseline"]:
        w = window(s, b)
        if b["type"] == "toe_touch":
            # a toe touch reaches far down; a drill's roll-down along the wall, or a
            # guided session's toe touch against the wall (to 55-65 deg), less far
            least = 10.0 if s["name"].startswith(("drill_", "session_")) else 40.0
            assert tip[w].min() < standing[0] - least
        elif b["type"] == "side_bend":
            assert standing[0] - 15.0 < tip[w].min() < standing[0] - 5.0
        else:  # a rotation barely moves the fingertips' height
            assert np.all(np.abs(tip[w] - standing[0]) < 10.0)


@pytest.mark.video
def test_smooth_and_stop_and_go_share_their_peaks() -> None:
    a, b = scene("hc_smooth")["reps"][0], scene("hc_stopgo")["reps"][0]
    for key in ("peak_lateral_right_deg", "peak_lateral_left_deg", "peak_forward_deg"):
        assert a[key] == pytest.approx(b[key], abs=0.01)
    phi = read_truth("hc_stopgo")["phi_deg"]
    d = np.diff(phi[np.isfinite(phi)])
    assert np.any(d < -0.5), "the stop-and-go rep has no reversal of phi"


@pytest.mark.video
def test_person_leaves_the_view() -> None:
    t = read_truth("hc_leaves_view")
    gone = t["visible_fraction"] == 0
    assert gone.sum() / 30.0 >= 0.8
    assert np.all(t["in_view"][:45] == 1)


#: In-view frames where the full model finds nobody, as measured. With two pose slots
#: (the detector on every frame) it missed frame 146 of base_toe_touch_front_far, coming
#: up from an 85 deg toe touch from 3.7 m; one pose slot follows the person through it.
MISSED_FRAMES: dict[str, list[int]] = {}


@pytest.mark.video
@pytest.mark.parametrize("name", CLIPS)
def test_mediapipe_finds_the_person_exactly_when_in_view(name: str) -> None:
    """The full model (VIDEO mode) finds the person on every in-view frame (but the
    measured misses of :data:`MISSED_FRAMES`), and nobody on an empty one."""
    from tests.conftest import fixture_poses

    s = scene(name)
    t = read_truth(name)
    detected = fixture_poses(name).detected
    assert len(detected) == s["n_frames"]
    det = np.array(detected)
    in_view = t["in_view"] == 1
    absent = t["visible_fraction"] == 0
    missed = np.nonzero(in_view & ~det)[0]
    ghosts = np.nonzero(absent & det)[0]
    allowed = MISSED_FRAMES.get(name, [])
    assert missed.tolist() == allowed, (
        f"{name}: no person found on in-view frames {missed.tolist()}"
    )
    assert len(ghosts) == 0, f"{name}: a person found on empty frames {ghosts.tolist()}"
