"""Batch analysis of record files: the local resumable engine and the Ray Data engine.

`run_batch` (local, this process) and `affectkit.batch.ray_engine.run_batch_ray` (Ray Data) write
the same output for the same job, so a run can move between them.
"""

from affectkit.batch.local import BatchJob, BatchSummary, analyze_records, count_rows, run_batch

__all__ = ["BatchJob", "BatchSummary", "analyze_records", "count_rows", "run_batch"]
