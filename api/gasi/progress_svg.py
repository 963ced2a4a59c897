"""The score-over-time picture of a tournament, as SVG written directly.

Three lines on a fixed 0..1 axis (the champion's benchmark score, its score on the
whole hall of fame, and the mean difficulty of the adversaries forged each
generation) and a dot where a new champion was crowned. Written by hand rather than
with a plotting library: no new dependency (and no second of import time in the
API), and the same points always give the same bytes, which a test can parse.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final
from xml.sax.saxutils import escape, quoteattr

from kaizen.v1.gasi_pb2 import GasiProgressPoint

WIDTH: Final = 720
HEIGHT: Final = 400
LEFT, RIGHT, TOP, BOTTOM = 56, 24, 48, 64
SERIES: Final[tuple[tuple[str, str, str, Callable[[GasiProgressPoint], float]], ...]] = (
    ("benchmark", "champion on the fixed benchmark", "#1f6feb", lambda p: p.benchmark_score),
    ("hall-of-fame", "champion on every past adversary", "#2da44e", lambda p: p.past_score),
    ("difficulty", "difficulty of the adversaries forged", "#cf222e",
     lambda p: p.adversary_difficulty),
)  # fmt: skip


def _x(generation: int, last: int) -> float:
    return LEFT + (WIDTH - LEFT - RIGHT) * (generation / last if last else 0.5)


def _y(value: float) -> float:
    clamped = min(1.0, max(0.0, value))
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - clamped)


def render(points: Sequence[GasiProgressPoint], title: str) -> str:
    last = max((p.generation for p in points), default=0)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text x="{LEFT}" y="24" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = _y(tick)
        out.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            'stroke="#d0d7de" stroke-width="1"/>'
        )
        out.append(f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">{tick:.0%}</text>')
    step = max(1, round(last / 10)) if last else 1
    for generation in range(0, last + 1, step):
        x = _x(generation, last)
        out.append(
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle">{generation}</text>'
        )
    out.append(
        f'<text x="{(LEFT + WIDTH - RIGHT) / 2:.1f}" y="{HEIGHT - BOTTOM + 36}" '
        'text-anchor="middle">generation</text>'
    )
    ordered = sorted(points, key=lambda p: p.generation)
    for key, _label, colour, value in SERIES:
        coordinates = " ".join(f"{_x(p.generation, last):.1f},{_y(value(p)):.3f}" for p in ordered)
        if coordinates:
            out.append(
                f'<polyline id={quoteattr(key)} fill="none" stroke="{colour}" stroke-width="2" '
                f'points="{coordinates}"/>'
            )
    for p in ordered:
        if p.crowned:
            out.append(
                f'<circle class="crowned" cx="{_x(p.generation, last):.1f}" '
                f'cy="{_y(p.benchmark_score):.3f}" r="4" fill="#1f6feb">'
                f"<title>generation {p.generation}: champion {escape(p.champion_id)} crowned, "
                f"benchmark {p.benchmark_score:.0%}</title></circle>"
            )
    for index, (_key, label, colour, _value) in enumerate(SERIES):
        x = LEFT + index * 220
        y = HEIGHT - 14
        out.append(f'<rect x="{x}" y="{y - 9}" width="14" height="4" fill="{colour}"/>')
        out.append(f'<text x="{x + 20}" y="{y - 4}">{escape(label)}</text>')
    if not points:
        out.append(
            f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">no generation yet</text>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"
