"""The ``kaizen`` command line."""
