"""Schedules declared as TOML files, one per schedule, checked before anything is sent.

A file holds the keys of the API's create body (``POST /v1/schedules``); its stem is
the schedule's name unless it gives ``id``. Each file is validated for shape with the
API's own model, so a mistake names its file and field locally. The run kind's input
is the API's to judge (it knows the kinds and their catalogs): an input it refuses
is its error, naming the field, at apply time.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from api.schedules.models import ScheduleCreate


@dataclass(frozen=True)
class DeclaredSchedule:
    path: Path
    """The file it was read from."""
    body: ScheduleCreate
    """The file as the API's create body."""
    keys: frozenset[str]
    """Top-level keys the file gave (``paused`` and ``note`` are compared only if given)."""

    @property
    def name(self) -> str:
        return self.body.id


@dataclass(frozen=True)
class FileProblem:
    path: Path
    field: str
    """The key in the file, dotted (``spec.intervals.0.every_seconds``); empty: the file."""
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: {self.field}" if self.field else str(self.path)
        return f"{where}: {self.message}"


class ScheduleFilesInvalid(Exception):
    """One or more files are not schedules; nothing was sent."""

    def __init__(self, problems: list[FileProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in schedule files")
        self.problems = problems


def schedule_files(directory: Path) -> list[Path]:
    """The ``*.toml`` files of ``directory``, or of its ``schedules/`` when it has none."""
    found = sorted(directory.glob("*.toml"))
    nested = directory / "schedules"
    if not found and nested.is_dir():
        found = sorted(nested.glob("*.toml"))
    return found


def _field(location: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in location)


def read_schedule(path: Path) -> DeclaredSchedule:
    """One file as a schedule; ScheduleFilesInvalid names the file and each bad key."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ScheduleFilesInvalid([FileProblem(path, "", f"cannot read: {error}")]) from error
    except tomllib.TOMLDecodeError as error:
        raise ScheduleFilesInvalid([FileProblem(path, "", f"not TOML: {error}")]) from error
    keys = frozenset(raw)
    raw.setdefault("id", path.stem)
    try:
        body = ScheduleCreate.model_validate(raw)
    except ValidationError as error:
        problems = [
            FileProblem(path, _field(problem["loc"]), problem["msg"]) for problem in error.errors()
        ]
        if "id" not in keys:
            problems = [
                FileProblem(path, "id", f"{p.message} (the name is the file's stem {path.stem!r}; "
                            "rename the file or give `id`)") if p.field == "id" else p
                for p in problems
            ]  # fmt: skip
        raise ScheduleFilesInvalid(problems) from error
    return DeclaredSchedule(path=path, body=body, keys=keys)


def read_directory(directory: Path) -> list[DeclaredSchedule]:
    """Every schedule of ``directory``; all problems of all files at once, or none."""
    if not directory.is_dir():
        raise ScheduleFilesInvalid([FileProblem(directory, "", "not a directory")])
    paths = schedule_files(directory)
    if not paths:
        raise ScheduleFilesInvalid(
            [FileProblem(directory, "", "no *.toml schedule files here or in schedules/")]
        )
    declared: list[DeclaredSchedule] = []
    problems: list[FileProblem] = []
    by_name: dict[str, Path] = {}
    for path in paths:
        try:
            schedule = read_schedule(path)
        except ScheduleFilesInvalid as error:
            problems.extend(error.problems)
            continue
        if schedule.name in by_name:
            problems.append(
                FileProblem(
                    path, "id", f"{schedule.name!r} is declared in {by_name[schedule.name]} too"
                )
            )
            continue
        by_name[schedule.name] = path
        declared.append(schedule)
    if problems:
        raise ScheduleFilesInvalid(problems)
    return declared
