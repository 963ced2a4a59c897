"""Deterministic orchestration: one module per run kind plus the shared gates."""
