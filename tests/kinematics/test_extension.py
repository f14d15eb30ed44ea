"""A lean back (extension) reads negative: real MediaPipe on rendered 40 deg and front views."""

from __future__ import annotations

import csv
import dataclasses

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
