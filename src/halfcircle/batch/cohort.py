"""The cohort table of a batch: one row per video of its plan, as CSV and as a page.

:func:`write_cohort` reads each video's output folder
(:func:`halfcircle.present.cohort.output_cells`) and writes ``cohort.csv`` and
``cohort.html`` into the batch folder, each to a temporary file renamed into place,
so a reader never sees half a table. The columns are described in
:mod:`halfcircle.present.cohort`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from halfcircle.batch.plan import BatchPlan, VideoOutcome, is_done
from halfcircle.files import replace_text
from halfcircle.io.videodate import recorded_at
from halfcircle.present.cohort import COHORT_COLUMNS, cohort_csv, output_cells, render_cohort


def cohort_rows(
    plan: BatchPlan, outcomes: Mapping[str, VideoOutcome], *, interrupted: bool = False
) -> list[dict[str, Any]]:
    """One row per video of ``plan`` (keys :data:`COHORT_COLUMNS`, None when empty).

    Args:
        plan: The batch's plan (its ``done`` videos were finished before this run).
        outcomes: Videos finished or failed in this run.
        interrupted: Whether the run was stopped (videos without outcome are
            ``not done`` rather than ``failed``).
    """
    rows = []
    for e in plan.entries:
        folder = e.out_dir(plan.out_dir)
        row: dict[str, Any] = dict.fromkeys(COHORT_COLUMNS)
        row.update(
            id=e.video_id,
            person=e.person,
            kind="baseline" if e.baseline else "half_circle",
            video=str(e.path),
            output=folder.relative_to(plan.out_dir).as_posix(),
            model=plan.model,
        )
        try:
            when, source = recorded_at(e.path)
            row["recorded_at"] = when.isoformat(timespec="seconds")
            row["date_source"] = source
        except OSError:
            pass
        outcome = outcomes.get(e.video_id)
        if outcome is not None and outcome.status == "failed":
            row.update(status="failed", error=outcome.error)
        elif (
            outcome is not None
            or e.video_id in plan.done
            # finished as the run was stopped, before its result came back
            or is_done(folder, e.path, plan.model_sha256, annotate=plan.annotate,
                       baseline=e.baseline)
        ):  # fmt: skip
            try:
                row.update(output_cells(folder, baseline=e.baseline))
            except (OSError, ValueError, KeyError, TypeError) as err:
                row.update(
                    status="failed", error=f"Its outputs in {folder} cannot be read ({err})."
                )
        else:
            row.update(
                status="not done",
                error="The run was stopped before this video." if interrupted else None,
            )
        rows.append(row)
    return rows


def write_cohort(
    plan: BatchPlan, outcomes: Mapping[str, VideoOutcome], *, interrupted: bool = False
) -> list[dict[str, Any]]:
    """Write ``cohort.csv`` and ``cohort.html`` into the batch folder; returns the rows."""
    rows = cohort_rows(plan, outcomes, interrupted=interrupted)
    out = plan.out_dir
    replace_text(out / "cohort.csv", cohort_csv(rows))
    replace_text(out / "cohort.html", render_cohort(rows, title=out.name))
    return rows
