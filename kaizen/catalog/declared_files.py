"""Reading one declared TOML file (an environment, a fleet) into its pydantic model.

Every mistake is one line naming the file and the field, so a person fixes the repository
without reading a traceback.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)


def read_declared(path: Path, model: type[Model], error: type[ValueError]) -> Model:
    """``path`` parsed and validated as ``model``; ``error`` raised naming file and field."""
    try:
        raw: dict[str, Any] = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as problem:
        raise error(f"{path.name}: {problem}") from problem
    try:
        return model.model_validate(raw)
    except ValidationError as problem:
        raise error(field_errors(path, problem)) from problem


def field_errors(path: Path, error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        field = ".".join(str(p) for p in item["loc"]) or "(file)"
        problems.append(f"{path.name}: {field}: {item['msg']}")
    return "; ".join(problems)
