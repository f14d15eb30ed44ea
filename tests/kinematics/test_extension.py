"""A lean back (extension) reads negative: real MediaPipe on rendered 40 deg and front views.

The front views are filmed 5.9 deg down; three bodies: a younger man (``lean_back_front``),
a slim woman and an older heavier woman.
"""

from __future__ import annotations

import csv
import dataclasses
import functools

import numpy as np
import pytest

from halfcircle.analyze.video import extract_poses
from halfcircle.kinematics.measure import KinematicsConfig, compute_kinematics
from tests.conftest import DATA

DATA = DATA


@pytest.mark.video
def test_a_lean_back_seen_from_40_degrees_reads_as_a_lean_back() -> None:
    with (DATA / "lean_back_oblique.truth.csv").open(newline="") as f:
        truth = np.array([float(r["forward_deg"]) for r in csv.DictReader(f)])
    seq, _ = extract_poses(DATA / "lean_back_oblique.mp4", "full")
    held = truth[: len(seq)] <= -19.9  # the 20 deg lean back, held
    assert held.sum() > 15
    k = compute_kinematics(seq)
    assert k.view.kind == "oblique"
    assert np.all(k.forward_deg[held] < -12.0)  # was 0: taken for a side bend
    assert np.all(np.abs(k.lateral_deg[held]) < 8.0)  # was 19
    # with every lean back corrected away (as before), it reads as a side bend
    old = compute_kinematics(seq, KinematicsConfig(extension_min_depth=float("inf")))
    assert np.all(np.abs(old.forward_deg[held]) < 1.0)
    assert np.all(old.lateral_deg[held] > 15.0)


@pytest.mark.video
def test_a_lean_back_seen_from_the_front_reads_as_a_lean_back() -> None:
    # MediaPipe put the shoulders of this 20 deg lean back 2 cm nearer the camera;
    # the shoulders shrinking in the picture (perspective) say they went away.
    with (DATA / "lean_back_front.truth.csv").open(newline="") as f:
        truth = np.array([float(r["forward_deg"]) for r in csv.DictReader(f)])
    seq, _ = extract_poses(DATA / "lean_back_front.mp4", "full")
    held = truth[: len(seq)] <= -19.9
    assert held.sum() > 15
    k = compute_kinematics(seq)
    assert k.view.kind == "front"
    assert np.all(k.forward_deg[held] < -12.0)  # was +3.4 (read -17.5 when written)
    assert np.all(np.abs(k.lateral_deg[held]) < 5.0)
    assert k.calibration is not None  # without the perspective cue: MediaPipe's sign
    old = dataclasses.replace(k.calibration, width_ratio_log=float("nan"))
    assert np.all(compute_kinematics(seq, calibration=old).forward_deg[held] > 0.0)


@functools.cache
def _front_lean(name: str):  # type: ignore[no-untyped-def]
    with (DATA / f"{name}.truth.csv").open(newline="") as f:
        truth = np.array([float(r["forward_deg"]) for r in csv.DictReader(f)])
    seq, _ = extract_poses(DATA / f"{name}.mp4", "full")
    return seq, truth[: len(seq)] <= -19.9


@pytest.mark.video
@pytest.mark.parametrize("tilt", [0.0, 6.0], ids=["taken as level", "true tilt given"])
@pytest.mark.parametrize("name", ["lean_back_front", "lean_back_front_slim"])
def test_a_lean_back_from_the_front_reads_as_one_whether_the_tilt_is_given_or_not(
    name: str, tilt: float
) -> None:
    # MediaPipe's depth saw 0.0 to 0.1 of these leans; with the camera's tilt given it
    # read the shoulders as coming nearer, and the lean read +2.7 (lean_back_front)
    # and -2.1 (slim). Such a depth now gives no evidence: the perspective decides.
    seq, held = _front_lean(name)
    assert held.sum() > 15
    k = compute_kinematics(seq, KinematicsConfig.for_setup(tilt))
    assert k.view.kind == "front"
    assert np.median(k.forward_deg[held]) < -8.0


@pytest.mark.video
@pytest.mark.parametrize("tilt", [0.0, 6.0], ids=["taken as level", "true tilt given"])
def test_a_lean_back_the_picture_cannot_tell_never_reads_as_a_forward_bend(tilt: float) -> None:
    # The older heavier body's shoulders barely shrink as they go back (a third of the
    # others' perspective cue): neither cue is clear, and the lean reads near upright.
    seq, held = _front_lean("lean_back_front_older")
    assert held.sum() > 15
    k = compute_kinematics(seq, KinematicsConfig.for_setup(tilt))
    assert np.all(np.abs(k.forward_deg[held]) < 8.0)
