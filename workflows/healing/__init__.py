"""Healing runs: diagnose, pick a playbook, pass governance, act, verify."""
