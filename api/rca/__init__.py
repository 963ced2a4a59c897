"""RCA-specific API logic: starting an incident's RCA, review bodies, Markdown."""
