"""``make bench``: Kaizen measured side by side with the raw Temporal SDK in one run."""
