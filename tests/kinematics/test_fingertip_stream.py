"""frames.csv's and the live stream's fingertip height read the rendered truth.

Both now come from :mod:`halfcircle.kinematics.fingertip` (scaled on the stance the
recording or stream was zeroed on, no height given), as the baseline's does. Truth:
the fixture's ``fingertip_floor_cm`` column, the lowest fingertip above the floor.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

#: The clinical margin (cm): the minimal detectable change of fingertip-to-floor.
MARGIN_CM = 4.5


def _truth(name: str) -> np.ndarray:
    from tests.conftest import FIXTURES

    with (FIXTURES / f"{name}.truth.csv").open() as f:
        return np.array([float(r["fingertip_floor_cm"]) for r in csv.DictReader(f)])


@pytest.mark.video
@pytest.mark.parametrize("name", ["base_toe_touch", "base_toe_touch_oblique_far"])
def test_frames_csv_and_the_live_stream_read_the_lowest_fingertip_within_the_margin(
    name: str, tmp_path: Path
) -> None:
    from halfcircle.analyze.video import analyze_poses, write_frames_csv
    from halfcircle.kinematics.measure import stream_kinematics
    from tests.conftest import fixture_poses

    poses = fixture_poses(name)
    truth = _truth(name)
    write_frames_csv(analyze_poses(poses), tmp_path / "frames.csv")
    with (tmp_path / "frames.csv").open() as f:
        cells = [r["fingertip_height_cm"] for r in csv.DictReader(f)]
    offline = np.array([float(c) if c else np.nan for c in cells])
    live = stream_kinematics(poses).fingertip_height_cm
    assert len(offline) == len(live) == len(truth)
    lowest = float(truth.min())
    assert abs(float(np.nanmin(offline)) - lowest) <= MARGIN_CM
    assert abs(float(np.nanmin(live)) - lowest) <= MARGIN_CM
    # read on the frames where the person is, as the baseline's number is
    assert np.isfinite(offline).mean() > 0.9


@pytest.mark.video
def test_without_a_stance_the_fingertip_is_withheld_not_guessed() -> None:
    from halfcircle.kinematics.measure import stream_kinematics
    from tests.conftest import fixture_poses

    poses = fixture_poses("base_toe_touch")
    # a calibration from another session: no stance of this stream to scale on
    first = stream_kinematics(poses)
    assert first.calibration is not None
    again = stream_kinematics(poses, calibration=first.calibration)
    assert np.isnan(again.fingertip_height_cm).all()
    assert (again.fingertip_conf == 0.0).all()
