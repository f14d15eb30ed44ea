"""The fixture clips' kept poses stand for a fresh run of the pose stage.

``fixture_poses`` reads a clip's dump (``tools/pose_dumps.py``) instead of posing it
again; these tests make sure that is only ever a shortcut: every dump was made by
today's MediaPipe, model and pose settings from today's video, and a fresh run of the
pose stage gives the dump's arrays.
"""

from __future__ import annotations

import numpy as np
import pytest

from halfcircle.analyze.video import extract_poses
from tests.conftest import FIXTURES, pose_dumps

#: Short clips of each kind re-posed against their dumps: a half circle in a portrait
#: video, a toe touch, a fast rep.
FRESH_CLIPS = ("hc_late_front", "base_toe_touch", "hc_fast")


def test_every_fixture_clip_has_a_dump_made_by_todays_pose_stage() -> None:
    dumps = pose_dumps()
    stale = [
        n for n in dumps.clip_names() if dumps.read_stamp(dumps.dump_path(n)) != dumps.stamp(n)
    ]
    assert stale == [], (
        f"{len(stale)} fixture pose dumps are missing or were made by another MediaPipe, "
        "model, pose setting or video; run `python tools/pose_dumps.py` and commit "
        "tests/data/poses/: " + ", ".join(stale)
    )


def test_a_stale_dump_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    dumps = pose_dumps()
    name = FRESH_CLIPS[0]
    assert dumps.load(name) is not None
    stamp = dict(dumps.stamp(name), mediapipe="0.0.0")
    monkeypatch.setattr(dumps, "stamp", lambda *_: stamp)
    assert dumps.load(name) is None


@pytest.mark.video
@pytest.mark.parametrize("name", FRESH_CLIPS)
def test_a_dump_holds_what_the_pose_stage_gives_now(name: str) -> None:
    kept = pose_dumps().load(name)
    fresh, interrupted = extract_poses(FIXTURES / f"{name}.mp4", "full")
    assert kept is not None and not interrupted
    assert (kept.image_size, kept.fps, kept.source) == (fresh.image_size, fresh.fps, fresh.source)
    np.testing.assert_array_equal(kept.time_s, fresh.time_s)
    np.testing.assert_array_equal(kept.n_people, fresh.n_people)
    # the same frames found; the same numbers, up to another CPU's rounding in the model
    for key in ("image", "world", "visibility", "presence"):
        np.testing.assert_allclose(getattr(kept, key), getattr(fresh, key), rtol=0, atol=1e-4)
