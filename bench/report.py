"""The lines ``make bench`` prints, and the record RESULTS.md is written from.

``RATIO <name> <value>``: Kaizen over its reference, measured side by side.
``FIGURE <name> <value> <unit>``: an absolute number behind a ratio, or CPU.
``NOTE <name> <text>``: why a figure is absent or how to read one.
Every value is the median over the repetitions of its scenario.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bench.stats import median


@dataclass(frozen=True)
class Line:
    kind: str  # RATIO, FIGURE or NOTE
    name: str
    value: float | str
    unit: str = ""

    def render(self) -> str:
        if isinstance(self.value, str):
            shown = self.value
        else:
            shown = format_number(self.value)
        return " ".join(part for part in (self.kind, self.name, shown, self.unit) if part)


def format_number(value: float) -> str:
    """Three significant figures, never scientific notation (grep- and eye-friendly)."""
    if value == 0 or not abs(value) < float("inf"):
        return f"{value:g}"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


@dataclass
class Section:
    title: str
    lines: list[Line] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Report:
    """Prints each line as soon as it is known and keeps it for RESULTS.md."""

    out: Callable[[str], None] = field(default=lambda text: print(text, flush=True))
    sections: list[Section] = field(default_factory=list)

    def section(self, title: str) -> Section:
        self.sections.append(Section(title))
        self.out(f"# {title}")
        return self.sections[-1]

    def _add(self, line: Line) -> None:
        if not self.sections:
            self.section("Results")
        self.sections[-1].lines.append(line)
        self.out(line.render())

    def ratio(self, name: str, reps: Sequence[float]) -> float:
        value = median(reps)
        self._add(Line("RATIO", name, value))
        return value

    def figure(self, name: str, reps: Sequence[float], unit: str) -> float:
        value = median(reps)
        self._add(Line("FIGURE", name, value, unit))
        return value

    def note(self, name: str, text: str) -> None:
        self._add(Line("NOTE", name, text))

    def prose(self, text: str) -> None:
        """A sentence for RESULTS.md only: how the section was measured."""
        if not self.sections:
            self.section("Results")
        self.sections[-1].notes.append(text)

    def lines(self) -> list[Line]:
        return [line for section in self.sections for line in section.lines]
