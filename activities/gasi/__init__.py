"""GASI game loops: the phases of a generation and the adoption of a champion."""
