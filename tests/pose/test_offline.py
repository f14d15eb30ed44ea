"""Nothing is sent: `analyze` and `batch` run while every network system call is recorded.

The README promises that the tool needs no network and keeps everything on this
computer. MediaPipe's own usage logging looks up play.googleapis.com at run time
(:func:`halfcircle.pose.keep_mediapipe_offline` stops it), so the commands run
under ``strace -f`` (Debian's ``strace``, installed by ``.ci/run``), which records
each ``connect``/``sendto``/``sendmsg`` of the command and every process it
starts (Dask's workers too). Any address other than this computer's loopback
(127.0.0.0/8, ::1) fails the test; Unix sockets and the kernel's netlink are
local and allowed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

#: One socket address in strace's output: its family, then the rest up to the closing brace.
_ADDRESS = re.compile(r"\{sa_family=(AF_\w+)([^}]*)\}")
_IPV4 = re.compile(r'inet_addr\("([^"]+)"\)')
_IPV6 = re.compile(r'inet_pton\(AF_INET6, "([^"]+)"')


def _strace_works() -> bool:
    if shutil.which("strace") is None:
        return False
    probe = subprocess.run(["strace", "-f", "-o", "/dev/null", "true"], capture_output=True)
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(
    not _strace_works(),
    reason="strace is missing or may not trace here (.ci/run installs Debian's strace)",
)


def _is_loopback(family: str, rest: str) -> bool:
    if family in ("AF_UNIX", "AF_NETLINK"):
        return True  # on this computer by construction
    if family == "AF_INET":
        match = _IPV4.search(rest)
        return match is not None and match[1].startswith("127.")
    if family == "AF_INET6":
        match = _IPV6.search(rest)
        return match is not None and (match[1] == "::1" or match[1].startswith("::ffff:127."))
    return False


def outside_connections(trace: str) -> list[str]:
    """The lines of an strace log that address anything but this computer."""
    out = []
    for line in trace.splitlines():
        if not re.search(r"\b(connect|sendto|sendmsg|sendmmsg)\(", line):
            continue
        for family, rest in _ADDRESS.findall(line):
            if not _is_loopback(family, rest):
                out.append(line)
    return out


def test_the_checker_sees_an_outside_address_and_allows_loopback() -> None:
    trace = "\n".join([
        '7 connect(8, {sa_family=AF_INET, sin_port=htons(53), '
        'sin_addr=inet_addr("10.255.255.53")}, 16) = 0',
        '7 connect(3, {sa_family=AF_INET, sin_port=htons(4), '
        'sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
        '7 connect(3, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT',
        '7 sendto(5, "x", 1, 0, {sa_family=AF_INET6, sin6_port=htons(53), sin6_flowinfo=htonl(0), '
        'inet_pton(AF_INET6, "2001:4860:4860::8888", &sin6_addr), sin6_scope_id=0}, 28) = 1',
        '7 connect(3, {sa_family=AF_INET6, sin6_port=htons(4), sin6_flowinfo=htonl(0), '
        'inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 0',
        '7 sendto(6, "\\0", 1, 0, NULL, 0) = 1',
    ])  # fmt: skip
    bad = outside_connections(trace)
    assert len(bad) == 2 and "10.255.255.53" in bad[0] and "2001:4860" in bad[1]


def _traced(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess[str], str]:
    log = cwd / "strace.log"
    run = subprocess.run(
        ["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg,sendmmsg", "-o", str(log),
         sys.executable, "-m", "halfcircle", *args],
        capture_output=True, text=True, cwd=cwd, timeout=600,
    )  # fmt: skip
    return run, log.read_text(errors="replace")


@pytest.mark.video
def test_analyze_connects_to_nothing_outside_this_computer(
    person_video: Path, tmp_path: Path
) -> None:
    run, trace = _traced(
        ["analyze", str(person_video), "--out", str(tmp_path / "out"), "--model", "lite",
         "--no-video"],
        tmp_path,
    )  # fmt: skip
    assert run.returncode in (0, 5), run.stderr  # 5: too short a clip to measure a rep
    assert (tmp_path / "out" / "frames.csv").exists()  # the pose pass ran
    assert outside_connections(trace) == []


@pytest.mark.video
def test_batch_on_a_local_cluster_connects_to_nothing_outside_this_computer(
    person_video: Path, tmp_path: Path
) -> None:
    run, trace = _traced(
        ["batch", str(person_video), "--out", str(tmp_path / "out"), "--workers", "1",
         "--model", "lite", "--no-video"],
        tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "out" / "cohort.csv").exists()
    # the cluster's own loopback connections are recorded: the trace did see the workers
    assert re.search(r'connect\(.*inet_addr\("127\.0\.0\.1"\)', trace)
    assert outside_connections(trace) == []


def test_a_program_started_later_gets_the_network_settings_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from halfcircle import offline

    monkeypatch.setattr(offline, "_SAVED_ENV", {})
    for name in offline._PROXY_VARS + offline._NO_PROXY_VARS:  # restored after the test
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("https_proxy", "http://proxy.example:3128")
    monkeypatch.setenv("no_proxy", "localhost")
    offline.keep_mediapipe_offline()
    offline.keep_mediapipe_offline()  # twice: the first saving is kept
    assert os.environ["https_proxy"] == offline.OFFLINE_PROXY and "no_proxy" not in os.environ
    env = offline.environment_before_offline()
    assert env["https_proxy"] == "http://proxy.example:3128" and env["no_proxy"] == "localhost"
    assert "HTTP_PROXY" not in env  # unset before, unset for the later program
