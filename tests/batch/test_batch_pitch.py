"""A batch asks each video's picture for the camera's pitch when no tilt is given.

Runs one batch job in this process (:func:`halfcircle.batch.run.analyze_job`, what a
Dask worker runs), real MediaPipe, on a rendered baseline clip filmed 10 deg down.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from halfcircle.batch.plan import DONE_NAME, VideoJob, is_done
from halfcircle.batch.run import analyze_job, close_worker_estimators
from halfcircle.models import model_path, sha256_of
from tests.conftest import FIXTURES, fixture_scene


@pytest.mark.video
def test_a_batch_job_tells_the_pitch_from_the_picture_and_measures_the_tests_with_it(
    tmp_path: Path,
) -> None:
    name = "pitch_toe_touch_30_10down"
    video = FIXTURES / f"{name}.mp4"
    sha = sha256_of(model_path("full"))
    job = VideoJob(
        video=str(video), video_id=f"{name}.mp4", out_dir=str(tmp_path / "v"),
        partial_dir=str(tmp_path / ".partial"), model="full", model_sha256=sha,
        annotate=False, baseline=True, camera_tilt_deg=None,
    )  # fmt: skip
    try:
        outcome = analyze_job(job)
    finally:
        close_worker_estimators()
    assert outcome.status == "done", outcome.error
    folder = tmp_path / "v"
    pitch = json.loads((folder / "summary.json").read_text())["camera_pitch"]
    assert pitch["how"] == "from the picture"
    assert abs(pitch["pitch_deg"] - 10.0) <= 2.0 * pitch["uncertainty_deg"]
    assert "from the picture (+-" in (folder / "report.html").read_text()
    truth = fixture_scene(name)["baseline"][0]["peak_forward_deg"]
    results = json.loads((folder / "baseline.json").read_text())["results"]
    (toe,) = [r for r in results if r["test"] == "toe_touch"]
    # read as with the camera tilt given (the accuracy table's figure; its distance from
    # the truth, -4.0 deg with one pose slot, is a known miss of the regression test)
    table = json.loads((FIXTURES.parent / "bench" / "accuracy_table.json").read_text())
    (given,) = table["clips_camera_tilt"][name]["peaks"]
    assert abs(toe["peak_deg"] - (truth + given["error"])) <= 1.0
    assert json.loads((folder / DONE_NAME).read_text())["camera_tilt_deg"] is None
    assert is_done(folder, video, sha, annotate=False, baseline=True)
    assert not is_done(folder, video, sha, annotate=False, baseline=True, camera_tilt_deg=0.0)


@pytest.mark.video
def test_the_api_asks_the_picture_unless_a_tilt_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real video through halfcircle.analyze_video: the summary says how the pitch came.

    Its frames are read for the picture; its poses are its kept MediaPipe ones.
    """
    import halfcircle
    from tests.conftest import kept_poses_for_commands

    kept_poses_for_commands(monkeypatch)
    video = FIXTURES / "pitch_front_shelf_12down.mp4"
    told = halfcircle.analyze_video(video, model="lite")
    assert told.summary["camera_pitch"]["how"] == "from the picture"
    given = halfcircle.analyze_video(video, model="lite", camera_tilt_deg=12.0)
    assert given.summary["camera_pitch"] == {"how": "given", "camera_tilt_deg": 12.0}
    assert given.summary["calibration"]["camera_tilt_deg"] == 12.0
