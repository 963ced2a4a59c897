"""Mechanisms every run kind shares: approval, change window, watchdog, status."""
