"""The restructuring's safety net: moving code must not change what users see.

Each check compares today's code with snapshots written by ``tools/safety_net.py``
before the first move: the public Python API's names and signatures, the ``--help``
of every subcommand, and the output files of two committed pose dumps replayed through
the analysis and the writer, byte for byte. A deliberate change regenerates them
(``python tools/safety_net.py``) in its own commit that says why.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("safety_net", REPO / "tools" / "safety_net.py")
assert _spec is not None and _spec.loader is not None
safety_net = importlib.util.module_from_spec(_spec)
sys.modules["safety_net"] = safety_net
_spec.loader.exec_module(safety_net)
NET: Path = safety_net.NET


def test_the_public_api_keeps_its_names_and_signatures() -> None:
    expected = json.loads((NET / "public_surface.json").read_text())
    assert safety_net.public_surface() == expected


def test_every_subcommand_keeps_its_help() -> None:
    expected = {p.name: p.read_text() for p in (NET / "help").glob("*.txt")}
    actual = safety_net.help_texts()
    assert sorted(actual) == sorted(expected)
    for name, text in actual.items():
        assert text == expected[name], f"{name} changed"


@pytest.mark.video
@pytest.mark.parametrize("clip", safety_net.REPLAY_CLIPS)
def test_replayed_poses_give_byte_equal_outputs(clip: str, tmp_path: Path) -> None:
    safety_net.replay(clip, tmp_path)
    for name in safety_net.REPLAY_FILES:
        expected = (NET / "replay" / clip / name).read_bytes()
        assert (tmp_path / name).read_bytes() == expected, f"{clip}/{name} changed"
