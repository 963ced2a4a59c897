"""The GASI game loop (a GovernedRun) and its budget rules."""
