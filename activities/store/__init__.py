"""Writes to Kaizen's own database."""
