"""RCA: evidence collection, the deterministic analyzer, the draft, similar incidents.

The analyzer modules (evidence, signals, rules, draft, analyzer) are pure functions: no
network, no clock. The same bundle gives a byte-identical draft, so the evaluation harness
(``python -m activities.rca.evaluate DIR``) scores exact categories, not opinions.
"""
