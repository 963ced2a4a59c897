"""Alert-specific API logic: which workload an alert is about, and the delivery record."""
