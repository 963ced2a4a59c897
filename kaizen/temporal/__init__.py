"""Temporal client, data converter and search attributes."""
