"""Kubernetes label selectors, checked before a sweep is started or scheduled.

The grammar is the API server's (k8s.io/apimachinery labels.Parse): requirements
separated by commas, each ``key``, ``!key``, ``key=value``, ``key==value``,
``key!=value``, ``key in (v1,v2)``, ``key notin (v1,v2)``, ``key>N`` or ``key<N``.
A selector is checked here so that a typo is a 422 naming the field when the
schedule is created, not a refused list call at 3 a.m.; its canonical form (sorted,
spacing normalised) makes two spellings of one selector the same business key.
"""

from __future__ import annotations

import re
from typing import Final

MAX_SELECTOR_CHARS: Final = 1024
_NAME: Final = r"[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
_SUBDOMAIN: Final = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*"
KEY: Final = re.compile(rf"(?:(?P<prefix>{_SUBDOMAIN})/)?{_NAME}")
VALUE: Final = re.compile(rf"(?:{_NAME})?")
INTEGER: Final = re.compile(r"-?[0-9]+")
# Operators and punctuation, or a run of anything else (a key, a value, in, notin).
_TOKEN: Final = re.compile(r"\s*(==|!=|=|\(|\)|,|!|>|<|[^\s=!(),<>]+)\s*")


class SelectorError(ValueError):
    """The selector is not one the API server would accept; the message says where."""


def canonical_selector(text: str) -> str:
    """``text`` checked and in canonical form ("" selects everything)."""
    if len(text) > MAX_SELECTOR_CHARS:
        raise SelectorError(f"at most {MAX_SELECTOR_CHARS} characters")
    tokens = _tokens(text)
    if not tokens:
        return ""
    requirements: list[str] = []
    at = 0
    while True:
        requirement, at = _requirement(tokens, at)
        requirements.append(requirement)
        if at == len(tokens):
            return ",".join(sorted(set(requirements)))
        if tokens[at] != ",":
            raise SelectorError(f"expected ',' after {requirement!r}, found {tokens[at]!r}")
        at += 1
        if at == len(tokens):
            raise SelectorError("a selector cannot end with ','")


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    at = 0
    while at < len(text):
        found = _TOKEN.match(text, at)
        if found is None:  # only trailing whitespace is left
            break
        tokens.append(found.group(1))
        at = found.end()
    return tokens


def _key(tokens: list[str], at: int) -> str:
    if at >= len(tokens):
        raise SelectorError("a label key is missing at the end")
    key = tokens[at]
    found = KEY.fullmatch(key)
    if found is None or len(found.group("prefix") or "") > 253:
        raise SelectorError(
            f"{key!r} is not a label key (an optional DNS prefix and '/', then a name of at "
            "most 63 letters, digits, '-', '_' or '.', starting and ending alphanumeric)"
        )
    return key


def _value(token: str) -> str:
    if VALUE.fullmatch(token) is None:
        raise SelectorError(
            f"{token!r} is not a label value (at most 63 letters, digits, '-', '_' or '.', "
            "starting and ending alphanumeric)"
        )
    return token


def _requirement(tokens: list[str], at: int) -> tuple[str, int]:
    if tokens[at] == "!":
        return f"!{_key(tokens, at + 1)}", at + 2
    key = _key(tokens, at)
    at += 1
    if at == len(tokens) or tokens[at] == ",":
        return key, at
    operator = tokens[at]
    at += 1
    if operator in ("=", "==", "!="):
        if at == len(tokens) or tokens[at] == ",":
            value = ""  # an empty value matches the label set to ""
        else:
            value, at = _value(tokens[at]), at + 1
        return f"{key}{'!=' if operator == '!=' else '='}{value}", at
    if operator in ("in", "notin"):
        values, at = _set(tokens, at, f"{key} {operator}")
        return f"{key} {operator} ({','.join(sorted(values))})", at
    if operator in (">", "<"):
        if at == len(tokens) or INTEGER.fullmatch(tokens[at]) is None:
            raise SelectorError(f"'{key} {operator}' needs an integer")
        return f"{key}{operator}{int(tokens[at])}", at + 1
    raise SelectorError(
        f"unknown operator {operator!r} after {key!r}: use =, ==, !=, in, notin, > or <"
    )


def _set(tokens: list[str], at: int, what: str) -> tuple[set[str], int]:
    """The values of ``key in (...)``; an empty member (``()``, ``(a,)``) is the value ""."""
    if at >= len(tokens) or tokens[at] != "(":
        raise SelectorError(f"'{what}' needs a parenthesised list of values")
    at += 1
    values: set[str] = set()
    while True:
        if at < len(tokens) and tokens[at] not in (",", ")"):
            values.add(_value(tokens[at]))
            at += 1
        else:
            values.add("")
        if at >= len(tokens):
            raise SelectorError(f"'{what} (' is never closed")
        closer = tokens[at]
        at += 1
        if closer == ")":
            return values, at
        if closer != ",":
            raise SelectorError(f"expected ',' or ')' in '{what} (...)', found {closer!r}")
