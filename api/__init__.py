"""The HTTP API: starts work, answers at once, never does a workflow's job."""
