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
