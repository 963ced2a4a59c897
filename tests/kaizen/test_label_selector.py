"""A sweep's label selector: the API server's grammar, checked and made canonical."""

from __future__ import annotations

import re

import pytest

from kaizen.kinds.label_selector import SelectorError, canonical_selector


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("", ""),
        ("   ", ""),
        ("app=web", "app=web"),
        ("app == web , tier!=db", "app=web,tier!=db"),
        ("tier!=db,app=web", "app=web,tier!=db"),
        ("env in (prod, dev),!legacy", "!legacy,env in (dev,prod)"),
        ("kaizen.dev/team notin (a)", "kaizen.dev/team notin (a)"),
        ("app", "app"),
        ("app=", "app="),
        ("replicas>3", "replicas>3"),
        ("app=web,app=web", "app=web"),
    ],
)
def test_valid_selectors_have_one_canonical_form(given: str, canonical: str) -> None:
    assert canonical_selector(given) == canonical


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("tier in (web", "never closed"),
        ("tier in", "parenthesised list"),
        ("tier ~ web", "unknown operator"),
        ("a=b c", "expected ','"),
        ("a,", "cannot end with ','"),
        ("a=-b", "not a label value"),
        ("Bad_/x", "not a label key"),
        ("a=" + "b" * 64, "not a label value"),
        ("n > many", "needs an integer"),
        ("a in (x y)", "expected ',' or ')'"),
        ("x" * 2000, "at most"),
    ],
)
def test_invalid_selectors_say_what_is_wrong(given: str, said: str) -> None:
    with pytest.raises(SelectorError, match=re.escape(said)):
        canonical_selector(given)
