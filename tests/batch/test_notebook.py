"""notebooks/cohort.ipynb runs top to bottom on a batch output and a history of fixture clips.

The batch folder is written the way ``halfcircle batch`` writes it, from the poses
the test session already computed (conftest.fixture_poses); the run that follows
finds every video done and only writes the cohort, so no cluster starts.
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from halfcircle.analyze.video import analyze_poses, rep_dicts
from halfcircle.batch.plan import plan_batch
from halfcircle.batch.run import run_batch, write_video_outputs
from halfcircle.coaching.baseline import baseline_from_poses
from halfcircle.history.store import History
from tests.conftest import FIXTURES, REPO, fixture_poses

NOTEBOOK = REPO / "notebooks" / "cohort.ipynb"

#: id -> (fixture clip, recorded on)
VIDEOS = {
    "anna/hc_fast.mp4": ("hc_fast", datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)),
    "anna/hc_front_right.mp4": ("hc_front_right", datetime(2026, 3, 16, 9, 0, tzinfo=timezone.utc)),
    "ben/base_toe_touch.mp4": ("base_toe_touch", datetime(2026, 3, 3, 11, 0, tzinfo=timezone.utc)),
    "ben/hc_front_left.mp4": ("hc_front_left", datetime(2026, 3, 10, 11, 0, tzinfo=timezone.utc)),
    # a warning (started mid-movement) with a complete half circle: in the trends
    "ben/hc_bending_at_start.mp4":
        ("hc_bending_at_start", datetime(2026, 3, 17, 11, 0, tzinfo=timezone.utc)),
    # side bends only: no half circle, so in no trend
    "ben/drill_side_bends_front.mp4":
        ("drill_side_bends_front", datetime(2026, 3, 18, 11, 0, tzinfo=timezone.utc)),
}  # fmt: skip


def make_batch_output(root: Path) -> Path:
    clinic = root / "clinic"
    for vid, (name, when) in VIDEOS.items():
        dst = clinic / vid
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(FIXTURES / f"{name}.mp4", dst)
        os.utime(dst, (when.timestamp(), when.timestamp()))
    out = root / "out"
    plan = plan_batch([clinic], out, model="full", annotate=False)
    for e in plan.todo:
        name = VIDEOS[e.video_id][0]
        st = e.path.stat()
        analysis = analyze_poses(fixture_poses(name), "full")
        write_video_outputs(plan.job(e), analysis, {"size": st.st_size, "mtime_ns": st.st_mtime_ns})
    again = plan_batch([clinic], out, model="full", annotate=False)
    assert again.done == {e.video_id for e in again.entries}
    result = run_batch(again, workers=1)
    assert result.startup_s == 0.0 and not result.outcomes
    assert {r["status"] for r in result.rows} == {"ok", "warning"}
    return out


def make_history(path: Path) -> Path:
    with History(path) as h:
        run = baseline_from_poses(fixture_poses("base_toe_touch"))
        h.record_baseline(run.results, feels="same", pain=3, started_at="2026-03-03T11:00:00+00:00")
        for vid in ("anna/hc_fast.mp4", "anna/hc_front_right.mp4"):
            name, when = VIDEOS[vid]
            reps, _ = rep_dicts(analyze_poses(fixture_poses(name), "full"))
            h.record_practice(reps, started_at=when.isoformat(), view="front")
    return path


@pytest.mark.video
@pytest.mark.parametrize("with_history", [True, False], ids=["history", "no-history"])
def test_the_cohort_notebook_runs_top_to_bottom(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_history: bool
) -> None:
    import nbformat
    from nbclient import NotebookClient

    out = make_batch_output(tmp_path)
    db = tmp_path / "history.sqlite3"
    if with_history:
        make_history(db)
    monkeypatch.setenv("HALFCIRCLE_BATCH_DIR", str(out))
    monkeypatch.setenv("HALFCIRCLE_HISTORY_DB", str(db))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        "commit the notebook with its outputs stripped"
    )
    NotebookClient(
        nb, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()  # raises CellExecutionError on any error
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= (3 if with_history else 2)  # over time, traces(, history)
    text = "\n".join(
        str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for o in outputs
    )
    assert "anna" in text and "ben" in text
    assert "ok         5" in text and "warning    1" in text  # every video of the batch was read
    # ben's practice: two videos with half circles, the warning one too (it was left out,
    # and the drills-only one, with nothing to plot, was in)
    first_and_latest = nb.cells[-1].outputs[0]["data"]["text/plain"]
    ben = next(line for line in first_and_latest.splitlines() if line.startswith("ben"))
    assert ben.split()[1] == "2" and "2026-03-17" in ben and "2026-03-18" not in ben, ben
    if with_history:
        assert f"3 sessions in {db}" in text
    else:  # an analyst with no history on this computer still gets the rest
        assert f"There is no history database at {db}" in text
