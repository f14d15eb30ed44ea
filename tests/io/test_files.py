"""Files are replaced whole or not at all."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from halfcircle.files import replace_text

_WRITE_TOO_MUCH = """
import resource, sys
from halfcircle.files import replace_text

resource.setrlimit(resource.RLIMIT_FSIZE, (10_000, resource.RLIM_INFINITY))  # the disk fills up
try:
    replace_text(sys.argv[1], "new " * 10_000)
except OSError as err:
    print(err.strerror)
"""


def test_a_file_is_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text("old")
    replace_text(path, "new")
    assert path.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_a_full_disk_leaves_the_old_file_and_no_temporary_one(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text("old")
    proc = subprocess.run(
        [sys.executable, "-c", _WRITE_TOO_MUCH, str(path)], capture_output=True, text=True
    )
    assert proc.stdout.strip() == "File too large", proc.stderr
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
