"""Our own words reach the terminal while the pose model's native log is muted."""

from __future__ import annotations

import os
import tempfile

from halfcircle.nativelog import TerminalStream, _StderrMute, write_to_terminal


def test_what_we_write_reaches_the_terminal_while_the_native_log_is_muted() -> None:
    with tempfile.TemporaryFile() as terminal:
        saved = os.dup(2)
        os.dup2(terminal.fileno(), 2)  # fd 2 stands for the terminal
        try:
            mutes = [_StderrMute(), _StderrMute()]  # two landmarkers' overlapping mutes
            for mute in mutes:
                mute.start()
            os.write(2, b"native log line\n")  # what MediaPipe writes meanwhile
            write_to_terminal("pose 10/331\n")
            TerminalStream().write("pose 20/331\n")
            mutes[0].stop()
            os.write(2, b"still muted\n")
            mutes[1].stop()
            write_to_terminal("done\n")
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        terminal.seek(0)
        shown = terminal.read().decode()
    assert shown == "pose 10/331\npose 20/331\ndone\n"


def test_a_process_forked_while_another_thread_writes_to_the_terminal_can_mute() -> None:
    import threading

    from halfcircle.nativelog import _native_stderr_silenced

    busy = threading.Event()
    done = threading.Event()

    def bars() -> None:  # a progress bar's thread, writing all the time
        while not done.is_set():
            write_to_terminal("")
            busy.set()

    thread = threading.Thread(target=bars)
    thread.start()
    try:
        busy.wait()
        for _ in range(20):
            pid = os.fork()
            if pid == 0:  # the child: a worker that loads a model, muted
                with _native_stderr_silenced():
                    pass
                os._exit(0)
            assert _exited_within(pid, 10.0), "a forked child hung on an inherited lock"
    finally:
        done.set()
        thread.join()


def _exited_within(pid: int, seconds: float) -> bool:
    """Whether child ``pid`` exited cleanly within ``seconds`` (else it is killed)."""
    import signal
    import time

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return False
