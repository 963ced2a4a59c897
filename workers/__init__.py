"""The worker pool: which workflows and activities run on which task queue."""
