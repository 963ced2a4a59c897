"""GASI's API helpers: reading a tournament's hall of fame and drawing its progress."""
