"""Where OpenCV cannot load: one sentence from the video commands; the others still work."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLIP = REPO / "fixtures" / "hc_fast.mp4"


def _without_opencv(tmp_path: Path, library: str) -> dict[str, str]:
    """An environment whose ``import cv2`` fails as it does without ``library``."""
    fake = tmp_path / "fake" / "cv2"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        f"raise ImportError({library + ': cannot open shared object file: No such file'!r})\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(fake.parent), *filter(None, [env.get("PYTHONPATH", "")])]
    )
    env["HALFCIRCLE_HOME"] = str(tmp_path / "home")
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "halfcircle", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.video
@pytest.mark.parametrize(
    ("library", "package"), [("libGL.so.1", "libgl1"), ("libgthread-2.0.so.0", "libglib2.0-0")]
)
@pytest.mark.parametrize(
    "command",
    [
        ["analyze", str(CLIP), "--out", "OUT"],
        ["pose", str(CLIP), "--out", "OUT.npz"],
        ["baseline", "--source", str(CLIP)],
    ],
)
def test_a_video_command_names_the_missing_library_and_its_package(
    tmp_path: Path, library: str, package: str, command: list[str]
) -> None:
    env = _without_opencv(tmp_path, library)
    args = [a.replace("OUT", str(tmp_path / "out")) for a in command]
    done = _run(args, env)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr  # one sentence, no traceback
    assert library in lines[0] and f"sudo apt-get install {package}" in lines[0]
    assert "Traceback" not in done.stderr


@pytest.mark.video
@pytest.mark.parametrize(
    "command",
    [["history"], ["config", "--print-defaults"], ["models"], ["plan"], ["today"]],
)
def test_commands_without_video_work_where_opencv_cannot_load(
    tmp_path: Path, command: list[str]
) -> None:
    done = _run(command, _without_opencv(tmp_path, "libGL.so.1"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() and not done.stderr.strip()
