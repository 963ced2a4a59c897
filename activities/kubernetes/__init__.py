"""Kubernetes actions: bounded, idempotent, dry-runnable."""
