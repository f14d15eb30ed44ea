"""Output folders under faults: nothing lost, nothing stale, nothing cut short.

The command-line cases run ``halfcircle`` in a child process and hurt it for
real: a disk that fills up (``RLIMIT_FSIZE``), kill -9 and Ctrl-C (SIGINT) while
the annotated video is made, a file cut short, an ``--out`` that cannot be used.
Runs that only set the scene or compare (the whole clip next to the cut one, the
run after a kill, the other refused ``--out`` cases) call the command in this
process, the clip posed from its kept MediaPipe poses
(:func:`tests.conftest.kept_poses_for_commands`).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from halfcircle.errors import OutputFolderError
from halfcircle.files import atomic_write, check_output_folder, clear_outputs
from halfcircle.io.videowriter import H264Writer
from halfcircle.present.outputs import VIDEO_STOPPED_NOTE
from tests.conftest import DATA, FIXTURES, cli_on_a_full_disk, kept_poses_for_commands

PERSON = DATA / "person.mp4"  # 30 frames; annotated > 100 kB
#: A clip whose annotated video takes a second or two to make: time to hit it.
CLIP = FIXTURES / "hc_fast.mp4"
TEMPORARY = re.compile(r"^\..+\.\d+\.tmp$")


def _cli(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "halfcircle", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def halfcircle_here(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``halfcircle ARGS`` called in this process: its exit code and what it printed.

    Fixture clips are posed from their kept MediaPipe poses.
    """
    import halfcircle.cli.app as cli

    kept_poses_for_commands(monkeypatch)

    def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
        argv = list(map(str, args))
        code = cli.main(argv)
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(argv, code, out, err)

    return run


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ----------------------------------------------------------------------------- files
def test_a_file_written_atomically_appears_whole_or_not_at_all(tmp_path: Path) -> None:
    path = tmp_path / "frames.csv"
    path.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_write(path) as f:
        f.write("new,half")
        raise RuntimeError("the disk filled up here")
    assert path.read_text() == "old\n" and _names(tmp_path) == ["frames.csv"]
    with atomic_write(path) as f:
        f.write("new\n")
    assert path.read_text() == "new\n" and _names(tmp_path) == ["frames.csv"]


@pytest.mark.video
def test_clearing_an_earlier_run_removes_its_files_and_leftovers_and_nothing_else(
    tmp_path: Path,
) -> None:
    for name in ("report.html", "summary.json", ".annotated.mp4.4242.tmp", "poses.csv",
                 "notes.txt", ".report.html.notapid.tmp"):  # fmt: skip
        (tmp_path / name).write_text("x")
    removed = clear_outputs(tmp_path, ["summary.json", "report.html", "annotated.mp4"])
    assert removed == ["summary.json", "report.html"]
    assert _names(tmp_path) == [".report.html.notapid.tmp", "notes.txt", "poses.csv"]


@pytest.mark.video
def test_an_atomic_video_appears_only_when_complete(tmp_path: Path) -> None:
    path = tmp_path / "annotated.mp4"
    frame = np.zeros((48, 64, 3), np.uint8)
    with pytest.raises(KeyboardInterrupt), H264Writer(path, (64, 48), 30.0, atomic=True) as w:
        for _ in range(5):
            w.write(frame)
        assert TEMPORARY.match(w.target.name) and w.target.parent == tmp_path
        raise KeyboardInterrupt
    assert _names(tmp_path) == []  # neither a shortened video nor its temporary
    with H264Writer(path, (64, 48), 30.0, atomic=True) as w:
        for _ in range(5):
            w.write(frame)
    assert _names(tmp_path) == ["annotated.mp4"] and path.stat().st_size > 0


# ----------------------------------------------------------------------------- --out
@pytest.mark.video
@pytest.mark.parametrize(
    ("command", "case"),
    [("analyze", "a file"), ("analyze", "below a file"), ("live", "a file")],
)
def test_an_out_that_is_a_file_is_refused_before_the_first_frame(
    command: str,
    case: str,
    tmp_path: Path,
    halfcircle_here: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    (tmp_path / "taken").write_text("someone's notes")
    out = tmp_path / "taken" if case == "a file" else tmp_path / "taken" / "o"
    started = time.monotonic()
    given = [CLIP] if command == "analyze" else ["--source", CLIP, "--headless", "--no-history"]
    # as a shell sees it once (the whole error stream); in this process otherwise
    run = _cli if (command, case) == ("analyze", "a file") else halfcircle_here
    proc = run(command, *given, "--out", out)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""  # no frame was read: nothing measured, nothing printed
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith(f"halfcircle: --out {out} ")
    assert "not a folder" in proc.stderr
    assert (tmp_path / "taken").read_text() == "someone's notes"
    assert time.monotonic() - started < 30  # the pose pass alone takes longer


@pytest.mark.video
def test_a_video_that_its_own_results_would_replace_is_refused(
    tmp_path: Path, halfcircle_here: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    out = tmp_path / "o"
    out.mkdir()
    video = out / "annotated.mp4"  # an earlier run's annotated video, analysed again
    video.write_bytes(CLIP.read_bytes())
    proc = halfcircle_here("analyze", video, "--out", out)
    assert proc.returncode == 2 and proc.stdout == "", proc.stderr
    assert proc.stderr == (
        f"halfcircle: {video} is where its own results would be written: choose another --out.\n"
    )
    assert video.read_bytes() == CLIP.read_bytes()


def _read_only_folder(tmp_path: Path, case: str) -> Path:
    if case == "sysfs":
        if not Path("/sys/kernel").is_dir():
            pytest.skip("no sysfs here")
        return Path("/sys/halfcircle-results")  # nobody may make files there, not even root
    if os.geteuid() == 0:
        pytest.skip("root writes into a read-only folder regardless")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    return folder


@pytest.mark.video
@pytest.mark.parametrize("case", ["read-only", "sysfs"])
def test_an_out_that_cannot_be_written_is_refused_before_the_first_frame(
    case: str, tmp_path: Path, halfcircle_here: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    out = _read_only_folder(tmp_path, case)
    with pytest.raises(OutputFolderError, match="cannot be written to"):
        check_output_folder(out)
    proc = halfcircle_here("analyze", CLIP, "--out", out, "--no-video")
    assert proc.returncode == 2 and proc.stdout == "", proc.stderr
    assert re.fullmatch(r"halfcircle: --out \S+ cannot be written to.*\.\n", proc.stderr)


# ----------------------------------------------------------------------------- stopped runs
def _analyze_until_the_video_pass(out: Path) -> subprocess.Popen[str]:
    """Start ``analyze CLIP --out out`` and return once its annotated video is being made."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "halfcircle", "analyze", str(CLIP), "--out", str(out),
         "--model", "lite"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 240
    while not list(out.glob(".annotated.mp4.*.tmp")):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the annotated video was never started"
        time.sleep(0.02)
    return proc


def _an_earlier_run(out: Path) -> None:
    out.mkdir()
    (out / "report.html").write_text("<p>the report of another video</p>")
    (out / "annotated.mp4").write_bytes(b"the video of another video")
    (out / "my notes.txt").write_text("kept")


@pytest.mark.video
def test_kill_9_during_the_video_pass_leaves_no_shortened_video_and_no_stale_file(
    tmp_path: Path, halfcircle_here: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    out = tmp_path / "o"
    _an_earlier_run(out)
    proc = _analyze_until_the_video_pass(out)
    proc.kill()
    proc.communicate(timeout=60)
    time.sleep(0.5)  # the orphaned encoder notices its input is gone
    assert "annotated.mp4" not in _names(out)  # no shortened video that still plays
    assert (out / "my notes.txt").read_text() == "kept"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["video"]["path"] == str(CLIP) and summary["counts"]["complete_reps"] == 1
    report = (out / "report.html").read_text()
    assert "another video" not in report and CLIP.name in report  # the new run's report
    # the next run clears what the killed one left
    assert halfcircle_here("analyze", CLIP, "--out", out, "--model", "lite").returncode == 0
    assert _names(out) == ["annotated.mp4", "frames.csv", "my notes.txt", "report.html",
                           "reps.json", "summary.json"]  # fmt: skip


@pytest.mark.video
def test_ctrl_c_during_the_video_pass_keeps_data_and_report_and_says_interrupted(
    tmp_path: Path,
) -> None:
    out = tmp_path / "o"
    _an_earlier_run(out)
    proc = _analyze_until_the_video_pass(out)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert stderr == (
        "halfcircle: stopped with Ctrl-C while the annotated video was made; "
        f"the data and the report are in {out}/.\n"
    )
    assert "Half circles: 1 complete" in stdout and f"Note: {VIDEO_STOPPED_NOTE}" in stdout
    assert _names(out) == ["frames.csv", "my notes.txt", "report.html", "reps.json",
                           "summary.json"]  # fmt: skip
    summary = json.loads((out / "summary.json").read_text())
    assert summary["interrupted"] is True and VIDEO_STOPPED_NOTE in summary["notes"]
    assert summary["counts"]["complete_reps"] == 1
    report = (out / "report.html").read_text()
    assert "another video" not in report and "<video" not in report
    assert "the video was not kept" in report


# ----------------------------------------------------------------------------- full disk
@pytest.mark.video
def test_a_full_disk_never_cuts_frames_csv_and_keeps_what_fits(tmp_path: Path) -> None:
    out = tmp_path / "o"
    # frames.csv of this clip is about 16 kB, its report more: neither fits in 10 kB
    proc = cli_on_a_full_disk("analyze", CLIP, "--out", out, "--model", "lite", "--no-video",
                              max_bytes=10_000)  # fmt: skip
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr == (
        f"halfcircle: frames.csv and report.html could not be written to {out} "
        "(File too large); summary.json and reps.json are there.\n"
    )
    assert "Half circles: 1 complete" in proc.stdout
    assert _names(out) == ["reps.json", "summary.json"]  # no torn frames.csv, no temporaries
    assert json.loads((out / "summary.json").read_text())["counts"]["complete_reps"] == 1


@pytest.mark.video
def test_a_disk_with_room_for_the_video_but_not_for_it_embedded_keeps_the_report(
    tmp_path: Path,
) -> None:
    # files may grow to halfway between the annotated video and the page that embeds it
    # (120 and 166 kB in session 10, as the overlay draws it)
    whole = tmp_path / "whole"
    assert _cli("analyze", PERSON, "--out", whole, "--model", "lite").returncode == 5
    video, page = ((whole / name).stat().st_size for name in ("annotated.mp4", "report.html"))
    assert page > video + 20_000
    out = tmp_path / "o"
    proc = cli_on_a_full_disk("analyze", PERSON, "--out", out, "--model", "lite",
                              max_bytes=(video + page) // 2)  # fmt: skip
    assert "Traceback" not in proc.stderr and proc.stderr == "", proc.stderr
    assert proc.returncode == 5  # a photo of a person: nothing to measure, but every file
    assert _names(out) == ["annotated.mp4", "frames.csv", "report.html", "reps.json",
                           "summary.json"]  # fmt: skip
    assert (
        "<video controls muted playsinline src='annotated.mp4'>"
        in (out / "report.html").read_text()
    )  # linked beside it instead of embedded


# ----------------------------------------------------------------------------- truncated
@pytest.mark.video
def test_a_file_cut_short_is_analysed_with_a_note_that_it_ends_early(
    tmp_path: Path, halfcircle_here: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    data = CLIP.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    out = tmp_path / "o"
    proc = _cli("analyze", cut, "--out", out, "--model", "lite", "--no-video")
    assert "Traceback" not in proc.stderr and proc.stderr == "", proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    video = summary["video"]
    assert video["ends_early"] is True and video["frames_expected"] == 151
    assert 0 < video["frames"] < 151 * 0.8
    # never "ok" without it: a researcher's cohort read this cut file as a whole one
    assert summary["status"] == "warning"
    assert {"code": "ends_early", "text": "file ends early"} in summary["warnings"]
    lines = [line for line in proc.stdout.splitlines() if "ends early" in line]
    assert lines == [
        f"Note: The file ends early: {video['frames']} of the 151 frames its header "
        "announces could be read (it may be cut short or damaged); the results cover "
        f"its first {video['frames'] / 30:.1f} s."
    ]
    whole = json.loads(halfcircle_here("analyze", CLIP, "--out", tmp_path / "w", "--model",
                                       "lite", "--no-video", "--json").stdout)  # fmt: skip
    assert whole["video"]["ends_early"] is False and whole["video"]["frames"] == 151
    # from Python too
    import halfcircle

    result = halfcircle.analyze_video(cut, model="lite")
    assert result.summary["video"]["ends_early"] is True
    assert any(n.startswith("The file ends early: ") for n in result.notes)


# ----------------------------------------------------------------------------- progress
def _on_a_terminal(*args: str | Path, interrupt_when: str | None = None) -> tuple[int, str]:
    """Run ``halfcircle ARGS`` with stderr on a pseudo-terminal; its exit code and stderr.

    ``interrupt_when``: a pattern; once it shows on the terminal, Ctrl-C is sent
    (SIGINT to the command's process group, as a terminal sends it).
    """
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    # 40 rows of 160 columns: a terminal of no size gets bars of no width
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "halfcircle", *map(str, args)],
        stdout=subprocess.DEVNULL,
        stderr=follower,
        start_new_session=True,
    )
    os.close(follower)
    shown = ""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk.decode(errors="replace")
        if interrupt_when is not None and re.search(interrupt_when, shown):
            os.killpg(proc.pid, signal.SIGINT)
            interrupt_when = None
    os.close(leader)
    return proc.wait(timeout=300), shown


@pytest.mark.video
def test_several_videos_at_once_show_progress_per_video_and_overall(
    person_video: Path, empty_video: Path, tmp_path: Path
) -> None:
    code, shown = _on_a_terminal("analyze", person_video, empty_video, "--out", tmp_path / "o",
                                 "--model", "lite", "--no-video")  # fmt: skip
    assert code == 5, shown
    assert "videos: 100%" in shown and "2/2" in shown  # the whole set
    for video, frames in ((person_video, 15), (empty_video, 10)):  # each video, each stage
        # (a bar of one video goes when the video is done: its last state may not be drawn)
        assert f"pose {video.name}:" in shown and f"/{frames} [" in shown
        assert f"results {video.name}:" in shown and "/4 [" in shown


@pytest.mark.video
def test_one_video_shows_progress_of_its_results_and_its_video(tmp_path: Path) -> None:
    code, shown = _on_a_terminal("analyze", PERSON, "--out", tmp_path / "o", "--model", "lite")
    assert code == 5, shown
    assert "pose person.mp4: 100%" in shown
    assert "results person.mp4: 100%" in shown and "4/4" in shown
    assert "video person.mp4: 100%" in shown and "30/30" in shown


@pytest.mark.video
def test_ctrl_c_during_the_pose_pass_writes_what_was_measured_at_once(tmp_path: Path) -> None:
    out = tmp_path / "o"
    longer = FIXTURES / "hc_two_reps.mp4"  # 331 frames: the bar shows many counts before the end
    early = r"pose hc_two_reps\.mp4:.*\| (?:[2-9]\d|1\d\d|2[0-4]\d)/331 "  # 20-249 frames
    code, shown = _on_a_terminal("analyze", longer, "--out", out, "--model", "lite",
                                 interrupt_when=early)  # fmt: skip
    assert code == 130, shown
    summary = json.loads((out / "summary.json").read_text())
    # what was read from the start on is kept (the first of the two parts read side by
    # side: about half the frames the bar counted)
    assert summary["interrupted"] is True and 0 < summary["video"]["frames"] < 331
    assert summary["video"]["ends_early"] is False  # stopped, not cut short
    assert _names(out) == ["frames.csv", "report.html", "reps.json", "summary.json"]
    assert (
        f"halfcircle: stopped with Ctrl-C after {summary['video']['frames']} frames; what "
        f"they measured is in {out}/, without the annotated video."
    ) in shown
    assert "Traceback" not in shown and "video hc_two_reps.mp4" not in shown  # no video pass


@pytest.mark.video
def test_ctrl_c_with_several_videos_stops_the_set_and_keeps_what_was_measured(
    tmp_path: Path,
) -> None:
    # five videos, one worker: Ctrl-C once the first is done. The pool may already have
    # handed the worker one more than it runs, so up to three can have begun; the last
    # ones never do.
    names = ("a", "b", "c", "d", "e")
    for name in names:
        (tmp_path / "videos" / name).mkdir(parents=True)
        (tmp_path / "videos" / name / "clip.mp4").write_bytes(CLIP.read_bytes())
    out = tmp_path / "o"
    code, shown = _on_a_terminal("analyze", tmp_path / "videos", "--out", out, "--model", "lite",
                                 "--no-video", "--jobs", "1",
                                 interrupt_when=r"\| 1/5 \[")  # fmt: skip
    assert code == 130, shown
    assert "Traceback" not in shown
    said = re.search(r"halfcircle: stopped with Ctrl-C; ([1-4]) of 5 videos were begun, each "
                     r"keeps what was measured\.", shown)  # fmt: skip
    assert said, shown
    assert json.loads((out / "a" / "clip" / "summary.json").read_text())["interrupted"] is False
    begun = [n for n in names if (out / n).exists()]
    assert len(begun) <= int(said.group(1)) and not (out / "e").exists()  # not begun: cancelled
