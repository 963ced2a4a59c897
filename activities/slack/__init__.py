"""Slack: approval requests posted, updated when decided, and closed with the run's outcome."""
