"""Kaizen's own database (SQLite under KAIZEN_HOME by default, PostgreSQL at scale)."""
