"""Every side effect, grouped by the system it talks to."""
