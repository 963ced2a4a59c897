"""Patterns for the names that end up in workflow ids, so ids stay URL-safe."""

from __future__ import annotations

from typing import Final

K8S_NAME: Final = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
"""A Kubernetes object name (an RFC 1123 label)."""
SYMPTOM: Final = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"
"""What is wrong, e.g. an alert name."""
