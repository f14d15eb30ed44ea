"""The history under faults: locked, damaged, another program's, an unwritable home.

Each case runs the real command on a rendered clip: what was measured is printed and
kept in a file, one plain sentence says why the history could not take it, no
traceback, and the database's bytes are unchanged. ``halfcircle history`` on a damaged
history runs in a subprocess (its whole error stream is one line); the measuring
commands are called in this process, the clip posed from its kept MediaPipe poses
(:func:`tests.conftest.kept_poses_for_commands`): what they do with a history that
cannot take their results is the point here, not the pose stage
(``tests/history/test_history_duplicates.py`` runs ``baseline`` on the same clip with
real MediaPipe in a subprocess).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from halfcircle.coaching.baseline import BaselineResult
from halfcircle.history.store import History
from tests.conftest import FIXTURES, kept_poses_for_commands

CLIP = FIXTURES / "base_toe_touch.mp4"


def _halfcircle(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "halfcircle", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def _baseline_args(db: Path | None) -> list[str]:
    where = ["--db", str(db)] if db is not None else []
    return ["baseline", "--source", str(CLIP), "--model", "lite", "--camera-tilt", "0", *where]


@pytest.fixture
def halfcircle_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``halfcircle ARGS`` called in this process, in ``tmp_path``: exit code and output.

    Fixture clips are posed from their kept MediaPipe poses.
    """
    import halfcircle.cli.app as cli

    kept_poses_for_commands(monkeypatch)
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        code = cli.main(list(args))
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(list(args), code, out, err)

    return run


def _a_history(path: Path) -> None:
    with History(path) as h:
        for i in range(40):
            h.record_baseline(
                [BaselineResult("toe_touch", 1.0, 5.0, 3.0, 70.0 + i, fingertip_floor_cm=20.0)],
                feels="same",
                pain=2,
            )


def _assert_measured_and_kept(run: subprocess.CompletedProcess[str], cwd: Path, why: str) -> None:
    """Printed, kept in a file beside the run, one sentence why not saved, exit 1."""
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout
    assert run.returncode == 1, run.stderr
    assert "toe touch:" in run.stdout  # what was measured is printed
    (line,) = [x for x in run.stderr.splitlines() if x.startswith("halfcircle:")]
    assert why in line and "The results are kept in" in line
    (kept,) = cwd.glob("halfcircle-baseline-*.json")
    assert str(kept) in line
    data = json.loads(kept.read_text())
    (toe,) = [r for r in data["results"] if r["test"] == "toe_touch"]
    assert toe["peak_deg"] > 45.0 and data["source"] == str(CLIP)
    assert why in data["not_saved"]


@pytest.fixture
def locked(tmp_path: Path) -> Iterator[Path]:
    """A history held under an exclusive lock by another process while the test runs."""
    db = tmp_path / "h.sqlite3"
    _a_history(db)
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sqlite3, sys
            conn = sqlite3.connect({str(db)!r}, isolation_level=None)
            conn.execute("BEGIN EXCLUSIVE")
            print("locked", flush=True)
            sys.stdin.read()
            conn.execute("ROLLBACK")
            """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    try:
        yield db
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)


@pytest.mark.video
def test_baseline_with_the_history_locked_by_another_program_keeps_what_it_measured(
    locked: Path,
    tmp_path: Path,
    halfcircle_here: Callable[..., subprocess.CompletedProcess[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import halfcircle.history.database as database

    monkeypatch.setattr(database, "LOCK_TIMEOUT_S", 0.5)  # not the real 10 s wait
    before = locked.read_bytes()
    run = halfcircle_here(*_baseline_args(locked))
    _assert_measured_and_kept(run, tmp_path, "another program holds it locked")
    assert locked.read_bytes() == before


def _damage(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for page in range(4096, len(data), 4096):  # every page but the first (the schema)
        data[page : page + 200] = b"\xff" * 200
    path.write_bytes(bytes(data))


@pytest.mark.video
def test_a_damaged_history_is_one_sentence_in_history_and_baseline(
    tmp_path: Path, halfcircle_here: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    db = tmp_path / "h.sqlite3"
    _a_history(db)
    _damage(db)
    before = db.read_bytes()
    run = _halfcircle("history", "--db", str(db), cwd=tmp_path)
    assert "Traceback" not in run.stderr and run.returncode == 1
    assert run.stderr.count("\n") == 1 and "it is damaged" in run.stderr
    run = halfcircle_here(*_baseline_args(db))
    _assert_measured_and_kept(run, tmp_path, "it is damaged")
    assert db.read_bytes() == before


@pytest.mark.video
def test_baseline_never_writes_another_programs_database(
    tmp_path: Path, halfcircle_here: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    db = tmp_path / "music.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE songs (title TEXT)")
    conn.execute("INSERT INTO songs VALUES ('a')")
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    run = halfcircle_here(*_baseline_args(db))
    _assert_measured_and_kept(run, tmp_path, "is not a halfcircle history")
    assert "update halfcircle" not in run.stderr
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".json") == ["music.db"]


@pytest.mark.video
def test_baseline_with_an_unwritable_halfcircle_home_prints_what_it_measured(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    halfcircle_here: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    # a home below a file cannot be created, even by root (who ignores permissions)
    monkeypatch.setenv("HALFCIRCLE_HOME", str(blocker / "home"))
    run = halfcircle_here(*_baseline_args(None))
    _assert_measured_and_kept(run, tmp_path, "Cannot open the history database")


@pytest.mark.video
def test_analyze_to_history_into_another_programs_database_keeps_the_summary(
    tmp_path: Path, halfcircle_here: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    db = tmp_path / "music.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE songs (title TEXT)")
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    run = halfcircle_here(
        "analyze", str(FIXTURES / "hc_fast.mp4"), "--out", str(tmp_path / "out"),
        "--model", "lite", "--no-video", "--to-history", "--db", str(db), "--camera-tilt", "0",
    )  # fmt: skip
    assert "Traceback" not in run.stderr
    assert "Average score" in run.stdout  # what was measured is said
    assert "Your progress history could not be updated" in run.stdout
    assert "is not a halfcircle history" in run.stdout
    assert (tmp_path / "out" / "summary.json").exists()
    assert db.read_bytes() == before
