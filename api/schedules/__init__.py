"""Schedules of runs of every kind, on Temporal's own Schedules (visible in the Web UI)."""
