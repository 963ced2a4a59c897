"""Decisions asked of OPA."""
