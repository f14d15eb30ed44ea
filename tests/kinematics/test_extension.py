"""A lean back (extension) reads negative: real MediaPipe on a rendered 40 deg view."""

from __future__ import annotations

import csv

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
