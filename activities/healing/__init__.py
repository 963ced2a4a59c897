"""Healing-specific activities."""
