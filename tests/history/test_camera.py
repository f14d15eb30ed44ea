"""The camera tilt a session measures with: given, remembered from the history, or level."""

from __future__ import annotations

from pathlib import Path

import pytest

from halfcircle.history.camera import CameraTilt, camera_tilt_to_use
from halfcircle.history.store import History


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A history whose last session with a tilt had the camera 7 deg down."""
    path = tmp_path / "h.sqlite3"
    with History(path) as h:
        h.record_practice([], camera_tilt_deg=7.0, started_at="2026-11-01T09:00:00+00:00")
        h.record_practice([], started_at="2026-11-02T09:00:00+00:00")  # none recorded
    return path


@pytest.mark.parametrize(
    ("given", "remember", "expected"),
    [
        (3.0, True, CameraTilt(3.0, "given")),
        (0.0, True, CameraTilt(0.0, "given")),  # a level camera, said so
        (None, True, CameraTilt(7.0, "remembered")),
        (None, False, CameraTilt(0.0, "assumed level")),
    ],
)
def test_a_given_tilt_wins_then_the_last_one_remembered_then_level(
    db: Path, given: float | None, remember: bool, expected: CameraTilt
) -> None:
    assert camera_tilt_to_use(given, db, remember=remember) == expected


def test_no_history_or_an_unreadable_one_means_level_and_nothing_is_created(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "none.sqlite3"
    assert camera_tilt_to_use(None, missing) == CameraTilt(0.0, "assumed level")
    assert not missing.exists()
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"not a database at all" * 100)
    assert camera_tilt_to_use(None, damaged) == CameraTilt(0.0, "assumed level")
    assert damaged.read_bytes() == b"not a database at all" * 100
