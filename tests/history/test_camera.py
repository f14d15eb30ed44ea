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


# ------------------------------------------------------------ how it came, what is kept
def test_how_a_session_takes_its_tilt_a_remembered_level_one_asks_the_picture(
    db: Path, tmp_path: Path
) -> None:
    assert camera_tilt_to_use(3.0, db).tilt_how == "given"
    assert camera_tilt_to_use(0.0, db).tilt_how == "given"  # a level camera, said so
    assert camera_tilt_to_use(None, db).tilt_how == "remembered"
    assert camera_tilt_to_use(None, db, remember=False).tilt_how == "picture"
    # a history keeps 0 for sessions that gave none: a remembered 0 asks the picture
    level = tmp_path / "level.sqlite3"
    with History(level) as h:
        h.record_practice([], camera_tilt_deg=0.0, started_at="2026-11-01T09:00:00+00:00")
    remembered = camera_tilt_to_use(None, level)
    assert remembered == CameraTilt(0.0, "remembered") and remembered.tilt_how == "picture"


@pytest.mark.parametrize(
    ("how", "kept"),
    [
        ("given", 6.0),
        ("remembered", 6.0),
        (None, 6.0),  # not known (an analysis without camera_pitch): as measured
        ("picture", None),  # as a command states it before the session
        ("from the picture", None),  # as a summary's camera_pitch says it
        ("assumed level", None),
    ],
)
def test_a_tilt_told_by_the_picture_is_kept_as_none_given(
    how: str | None, kept: float | None
) -> None:
    from halfcircle.history.rows import tilt_to_keep

    assert tilt_to_keep(6.0, how) == kept


def test_a_baseline_keeps_how_its_recordings_told_the_pitch() -> None:
    from halfcircle.history.rows import baseline_pitch

    told = {"how": "from the picture", "camera_tilt_deg": 6.0}
    assert baseline_pitch([], "picture") == {"how": "assumed level"}
    assert baseline_pitch([], "remembered") == {"how": "remembered"}
    both = [{**told, "uncertainty_deg": 1.2}, {**told, "uncertainty_deg": 2.1}]
    assert baseline_pitch(both, "picture") == {"how": "from the picture", "uncertainty_deg": 2.1}
    mixed = [{**told, "uncertainty_deg": 1.2}, {"how": "assumed level", "camera_tilt_deg": 0.0}]
    assert baseline_pitch(mixed, "picture") == {"how": "several ways"}
    assert baseline_pitch([{"how": "given", "camera_tilt_deg": 4.0}], "given") == {"how": "given"}
