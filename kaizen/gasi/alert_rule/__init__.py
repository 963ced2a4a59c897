"""The alert-rule arena: Prometheus alerting rules versus adversarial metric series."""
