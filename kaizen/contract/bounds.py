"""Limits on what a caller may put in free-form fields of the contract.

A ``google.protobuf.Struct`` (evidence, parameters) takes any JSON, and JSON as
Python parses it takes more than protobuf and Temporal can carry: NaN,
Infinity, numbers past a double (``1e400`` parses as infinity) and nesting
deeper than protobuf's own recursion limit. Each of these used to pass the API's
validation and fail later as a 500. They are refused here, with the path of the
offending value, before anything starts.
"""

from __future__ import annotations

import json
import math
from typing import Any, Final

MAX_FREE_FORM_DEPTH: Final = 16
"""Nesting levels a Struct field may have (an object or list inside another is one level)."""
MAX_FREE_FORM_BYTES: Final = 64 * 1024
"""Size of a Struct field encoded as JSON."""
MAX_STRING_CHARS: Final = 4096
"""Characters in a string field that has no tighter rule of its own."""


def check_free_form(value: dict[str, Any]) -> dict[str, Any]:
    """``value`` unchanged, or ValueError naming where it breaks a limit."""
    # Iterative, not recursive: the input chooses its depth, the stack must not care.
    pending: list[tuple[Any, str, int]] = [(value, "", 1)]
    while pending:
        item, path, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth > MAX_FREE_FORM_DEPTH:
                raise ValueError(
                    f"nested deeper than {MAX_FREE_FORM_DEPTH} levels at {path or 'the top'}"
                )
            children = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in children:
                pending.append((child, f"{path}.{key}" if path else str(key), depth + 1))
        elif isinstance(item, float) and not math.isfinite(item):
            raise ValueError(f"{item} at {path} is not a finite number")
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) > 2**53:
            # Struct numbers are doubles: a larger integer would silently lose digits.
            raise ValueError(f"{item} at {path} is too large to keep exactly (over 2^53)")
    size = len(json.dumps(value, separators=(",", ":")))
    if size > MAX_FREE_FORM_BYTES:
        raise ValueError(f"{size} bytes as JSON, over the limit of {MAX_FREE_FORM_BYTES}")
    return value
