"""A recording already in the history is not stored twice; --replace replaces its session.

``analyze --to-history`` is called in this process with the clip's kept MediaPipe poses
(:func:`tests.conftest.kept_poses_for_commands`: the history's handling is the point);
``baseline`` runs first in a subprocess, with real MediaPipe, as a shell sees it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from halfcircle.history.store import History, recording_digest, recording_digests, same_recording
from tests.conftest import kept_poses_for_commands

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.mark.video
def test_the_same_recording_is_found_by_content_or_by_time_and_source(tmp_path: Path) -> None:
    video = FIXTURES / "hc_two_reps.mp4"
    copy = shutil.copyfile(video, tmp_path / "renamed.mp4")
    digest = recording_digest([video])
    assert recording_digest([copy]) == digest
    assert recording_digest([FIXTURES / "hc_fast.mp4"]) != digest
    with History(tmp_path / "h.sqlite3") as h:
        sid = h.add_session("practice", "2026-11-20T08:00:00+00:00", source=str(video))
        h.note_recording(sid, digest)
        other = h.add_session("practice", "2026-11-21T08:00:00+00:00", source="camera 0")
        assert h.find_recording(digest, "2026-12-01T00:00:00+00:00", str(copy)) == sid
        # a re-encoded copy: other bytes, same recording time and source
        assert h.find_recording("0" * 64, "2026-11-21T08:00:00+00:00", "camera 0") == other
        assert h.find_recording("0" * 64, "2026-11-21T08:00:00+00:00", "camera 1") is None
        h.delete_session(sid)  # its digest goes with it
        assert h.find_recording(digest, "2026-12-01T00:00:00+00:00", "x") is None


def _analyze(
    video: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> subprocess.CompletedProcess[str]:
    """``halfcircle analyze VIDEO --to-history ...`` called in this process."""
    import halfcircle.cli.app as cli

    args = ["analyze", str(video), "--out", str(tmp_path / "out"), "--no-video", "--model",
            "lite", "--to-history", "--camera-tilt", "0", "--db", str(tmp_path / "h.sqlite3"),
            *extra]  # fmt: skip
    code = cli.main(args)
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out, err)


@pytest.mark.video
def test_analyze_to_history_twice_stores_one_session_and_replace_replaces_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    kept_poses_for_commands(monkeypatch)
    # a copy under the clip's name (its kept poses are found by name)
    (tmp_path / "in").mkdir()
    video = shutil.copyfile(FIXTURES / "hc_two_reps.mp4", tmp_path / "in" / "hc_two_reps.mp4")
    first = _analyze(video, tmp_path, capsys)
    assert first.returncode == 0, first.stderr
    assert "Added to your progress history" in first.stdout
    again = _analyze(video, tmp_path, capsys)
    assert again.returncode == 0, again.stderr
    assert "already in your history" in again.stdout and "--replace" in again.stdout
    assert "Added to your progress history" not in again.stdout
    with History(tmp_path / "h.sqlite3") as h:
        (kept,) = h.sessions()
        assert kept["feels"] is None
    replaced = _analyze(video, tmp_path, capsys, "--replace", "--feels", "better")
    assert replaced.returncode == 0, replaced.stderr
    assert "Added to your progress history" in replaced.stdout
    with History(tmp_path / "h.sqlite3") as h:
        (now,) = h.sessions()
        assert now["feels"] == "better" and now["started_at"] == kept["started_at"]
        assert h.conn.execute("SELECT count(*) FROM recordings").fetchone()[0] == 1
        assert {r["session_id"] for r in h.practice_reps()} == {now["id"]}


@pytest.mark.video
def test_baseline_of_a_recording_already_in_the_history_is_measured_but_not_stored_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import halfcircle.cli.app as cli

    db = tmp_path / "h.sqlite3"
    args = ["baseline", "--source", str(FIXTURES / "base_toe_touch.mp4"), "--model", "lite",
            "--camera-tilt", "0", "--db", str(db)]  # fmt: skip
    first = subprocess.run(
        [sys.executable, "-m", "halfcircle", *args], capture_output=True, text=True, timeout=600
    )
    assert first.returncode == 0, first.stderr
    assert "Saved as session" in first.stdout
    kept_poses_for_commands(monkeypatch)  # the same recording again, in this process
    code = cli.main(args)
    out, err = capsys.readouterr()
    again = subprocess.CompletedProcess(args, code, out, err)
    assert again.returncode == 0, again.stderr
    assert "toe touch" in again.stdout.lower()  # still measured and shown
    assert "Saved as session" not in again.stdout and "already in your history" in again.stdout
    with History(db) as h:
        assert len(h.sessions()) == 1


def test_a_file_of_a_multi_file_baseline_is_in_the_history_already(tmp_path: Path) -> None:
    # Found by a new-user trial: `baseline --source toe.mp4 bends.mp4 turn.mp4`, then
    # `baseline --source bends.mp4` stored the side bends again as a new session (the
    # session was known by the digest of its three files together only).
    files = []
    for name in ("toe.mp4", "bends.mp4", "turn.mp4", "new.mp4", "a.mp4", "b.mp4"):
        files.append(tmp_path / name)
        files[-1].write_bytes(name.encode() * 100)
    toe, bends, turn, new, a, b = files
    db = tmp_path / "h.sqlite3"
    assert recording_digests([bends]) == [recording_digest([bends])]  # one file, one digest
    with History(db) as h:
        sid = h.add_session("baseline", "2026-11-20T08:00:00+00:00", source=str(toe))
        h.note_recording(sid, recording_digests([toe, bends, turn]))
        # a session of two files written before each file's digest was kept
        old = h.add_session("baseline", "2026-11-21T08:00:00+00:00", source="old")
        h.note_recording(old, recording_digest([a, b]))
    elsewhere = ("2026-12-01T00:00:00+00:00", "elsewhere")
    for given, found in [
        ([bends], sid),  # alone
        ([turn, toe], sid),  # two of them
        ([toe, bends, turn], sid),  # the same three again
        ([new, bends], sid),  # with a new one: the side bends are in already
        ([a, b], old),  # the old session's two again, by their whole digest
        ([new], None),
    ]:
        with History(db) as h:
            assert h.find_recording(recording_digests(given), *elsewhere) == found, given
        said = same_recording(db, recording_digests(given), *elsewhere)
        assert (said is not None) == (found is not None), given


def test_replacing_one_file_of_a_multi_file_baseline_deletes_nothing(tmp_path: Path) -> None:
    # `baseline --source bends.mp4 --replace` after a baseline of three files deleted the
    # whole session, the toe touch and rotation with it, and kept the side bends only.
    files = []
    for name in ("toe.mp4", "bends.mp4", "turn.mp4"):
        files.append(tmp_path / name)
        files[-1].write_bytes(name.encode() * 100)
    toe, bends, turn = files
    db = tmp_path / "h.sqlite3"
    with History(db) as h:
        sid = h.add_session("baseline", "2026-11-20T08:00:00+00:00", source=str(toe))
        h.note_recording(sid, recording_digests([toe, bends, turn]))
    elsewhere = ("2026-12-01T00:00:00+00:00", "elsewhere")
    said = same_recording(db, recording_digests([bends]), *elsewhere, replace=True)
    assert said is not None and "give all of that session's videos" in said
    with History(db) as h:
        assert [s["id"] for s in h.sessions()] == [sid]
    # all three again: replaced
    assert same_recording(db, recording_digests([toe, bends, turn]), *elsewhere, True) is None
    with History(db) as h:
        assert h.sessions() == []
