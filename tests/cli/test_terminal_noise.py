"""No Python warning reaches the terminal (it would land in the middle of progress bars)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.video
def test_analyzing_a_clip_with_unmeasured_angles_prints_no_warning(tmp_path: Path) -> None:
    # Past 75 deg of a toe touch the side bend is not measured (NaN), which the
    # overlay's trace once cast to pixels with a RuntimeWarning on every frame.
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "halfcircle",
            "analyze",
            str(REPO / "fixtures" / "base_toe_touch.mp4"),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "annotated.mp4").stat().st_size > 0
    assert "Warning" not in done.stderr and "Warning" not in done.stdout, done.stderr
