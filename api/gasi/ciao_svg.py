"""The CIAO matrix as a heat map, SVG written directly like the progress picture.

One row per champion (the generation that crowned it, oldest at the top), one column per
generation of adversaries (oldest at the left), each cell coloured by the champion's win
rate against that generation: red lost everything, green won everything, grey never met.
A tournament that really improves shows a green lower triangle: later champions beat the
adversaries that beat their ancestors.
"""

from __future__ import annotations

from typing import Final
from xml.sax.saxutils import escape

from kaizen.v1.gasi_pb2 import GasiCiao, GasiCiaoCell

LEFT, TOP, RIGHT, BOTTOM = 72, 48, 24, 56
GRID: Final = 560
"""The matrix's side in pixels at most; cells shrink to fit a long tournament."""
NEVER_MET: Final = "#d0d7de"


def colour(cell: GasiCiaoCell) -> str:
    """Red (0) through yellow to green (1); grey when the pair never met."""
    if not cell.met:
        return NEVER_MET
    rate = min(1.0, max(0.0, cell.win_rate))
    red = round(215 * min(1.0, 2 * (1 - rate)) + 20)
    green = round(160 * min(1.0, 2 * rate) + 20)
    return f"#{red:02x}{green:02x}3c"


def render(view: GasiCiao, title: str) -> str:
    rows, columns = len(view.rows), len(view.columns)
    size = max(4, min(28, GRID // max(rows, columns, 1)))
    width = LEFT + size * columns + RIGHT
    height = TOP + size * rows + BOTTOM
    width, height = max(width, 360), max(height, 160)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{LEFT}" y="22" font-size="14" font-weight="bold">{escape(title)}</text>',
        f'<text x="{LEFT}" y="38">champion (crowned in generation) vs adversaries '
        "(forged in generation): win rate</text>",
    ]
    label_every = max(1, round(12 / size))
    for i, row in enumerate(view.rows):
        y = TOP + i * size
        if i % label_every == 0:
            out.append(
                f'<text x="{LEFT - 6}" y="{y + size / 2 + 4:.1f}" text-anchor="end">'
                f"{row.champion.generation}</text>"
            )
        for j, cell in enumerate(row.cells):
            column = view.columns[j]
            out.append(
                f'<rect class="cell" x="{LEFT + j * size}" y="{y}" width="{size}" '
                f'height="{size}" fill="{colour(cell)}"><title>champion of generation '
                f"{row.champion.generation} ({escape(row.champion.summary)}) vs generation "
                f"{column.generation}: {cell.wins} of {cell.met} won</title></rect>"
            )
    for j, column in enumerate(view.columns):
        if j % label_every == 0:
            x = LEFT + j * size + size / 2
            out.append(
                f'<text x="{x:.1f}" y="{TOP + rows * size + 14}" text-anchor="middle">'
                f"{column.generation}</text>"
            )
    out.append(
        f'<text x="{LEFT}" y="{height - 12}">red: lost every one, green: won every one, '
        "grey: never met</text>"
    )
    if not rows:
        out.append(f'<text x="{LEFT}" y="{TOP + 24}">no champion yet</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
