"""Metrics read from Prometheus: instant PromQL queries for diagnosis and verification."""
