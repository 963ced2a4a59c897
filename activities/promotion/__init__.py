"""Promotion side effects that are Kaizen's own: the gate's facts and decision, releases."""
