"""Many recordings at once, on this machine or a Dask cluster, resumable."""

from halfcircle.batch.plan import BatchError, BatchPlan, VideoOutcome, is_done, plan_batch
from halfcircle.batch.run import BatchResult, batch, run_batch

__all__ = [
    "BatchError",
    "BatchPlan",
    "BatchResult",
    "VideoOutcome",
    "batch",
    "is_done",
    "plan_batch",
    "run_batch",
]
