"""The embedded stack: pinned servers, installed and started by Kaizen itself."""
