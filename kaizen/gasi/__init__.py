"""GASI arenas: what blue candidates and red adversaries are, and the engine that judges them.

An arena is a plug-in (:mod:`kaizen.gasi.arena`), registered by name; the built-in
one tunes Prometheus alerting rules against adversarial metric series, judged by
the pinned ``promtool test rules`` (:mod:`kaizen.gasi.alert_rule`).
"""
