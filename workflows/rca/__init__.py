"""The RCA run: collect evidence, analyze, draft, hold for review, final exactly once."""
