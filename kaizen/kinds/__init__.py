"""Run kinds: what each kind of run is, and how a trigger becomes a run of it.

``registry`` is the one place a kind is declared; the API, the worker pool, the
CLI and schedules all read it. ``join`` and ``start`` are the shared way every
kind is started or joined.
"""
