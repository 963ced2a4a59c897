"""Analysis conditions: small expressions over a query's values, as Argo Rollouts writes them.

``result`` is the list of the query's sample values (a scalar is a list of one), so a
condition reads ``result[0] < 0.01``; ``len(result) == 0 || result[0] >= 0.95`` handles an
empty answer explicitly, and ``isNaN(result[0])`` a NaN. ``&&``, ``||`` and ``!`` are
accepted beside ``and``, ``or`` and ``not``.

Expressions are parsed once, checked against a short list of allowed forms and
interpreted here; nothing is handed to ``eval``. Indexing past the end of ``result``
(the query returned nothing) is an :class:`EvaluationError`: a measurement that errs,
never one that passes or fails.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable, Sequence
from typing import Any, Final

_COMPARE: Final[dict[type[ast.cmpop], Callable[[Any, Any], bool]]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_ARITHMETIC: Final[dict[type[ast.operator], Callable[[Any, Any], Any]]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_FUNCTIONS: Final[dict[str, Callable[[Any], Any]]] = {
    "len": len,
    "isNaN": lambda value: isinstance(value, float) and math.isnan(value),
    "isInf": lambda value: isinstance(value, float) and math.isinf(value),
    "abs": abs,
}
MAX_CONDITION_CHARS: Final = 500


class ConditionError(ValueError):
    """The condition is not one Kaizen can evaluate (caught when the environment loads)."""


class EvaluationError(ValueError):
    """The condition could not be evaluated for these values (e.g. no data returned)."""


def _to_python(text: str) -> str:
    text = text.replace("&&", " and ").replace("||", " or ")
    return re.sub(r"!(?!=)", " not ", text)


def parse_condition(text: str) -> ast.Expression:
    """The checked syntax tree of ``text``; ConditionError says what is not allowed."""
    if len(text) > MAX_CONDITION_CHARS:
        raise ConditionError(f"longer than {MAX_CONDITION_CHARS} characters")
    try:
        tree = ast.parse(_to_python(text).strip(), mode="eval")
    except SyntaxError as error:
        raise ConditionError(f"{text!r} does not parse: {error.msg}") from error
    for node in ast.walk(tree):
        _check_node(node, text)
    return tree


def _check_node(node: ast.AST, text: str) -> None:
    allowed = (
        ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub,
        ast.Compare, ast.BinOp, ast.Subscript, ast.Call, ast.Load, ast.Name, ast.Constant,
        *_COMPARE, *_ARITHMETIC,
    )  # fmt: skip
    if not isinstance(node, allowed):
        raise ConditionError(f"{text!r} uses {type(node).__name__}, which conditions do not allow")
    if isinstance(node, ast.Name) and node.id not in ("result", *_FUNCTIONS):
        raise ConditionError(f"{text!r} names {node.id!r}; only result and functions exist")
    if isinstance(node, ast.Constant) and (
        isinstance(node.value, bool) or not isinstance(node.value, int | float)
    ):
        raise ConditionError(f"{text!r} has the constant {node.value!r}; only numbers are allowed")
    if isinstance(node, ast.Call) and (
        not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS or node.keywords
    ):
        raise ConditionError(f"{text!r} calls something other than {', '.join(_FUNCTIONS)}")


def evaluate_condition(text: str, values: Sequence[float]) -> bool:
    """Whether the condition holds for ``values``; EvaluationError when it cannot say."""
    tree = parse_condition(text)
    result = _evaluate(tree.body, list(values))
    if not isinstance(result, bool):
        raise EvaluationError(f"{text!r} gives {result!r}, not true or false")
    return result


def _evaluate(node: ast.AST, values: list[float]) -> Any:
    if isinstance(node, ast.BoolOp):
        parts = (_evaluate(v, values) for v in node.values)
        return all(parts) if isinstance(node.op, ast.And) else any(parts)
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, values)
        return (not operand) if isinstance(node.op, ast.Not) else -operand
    if isinstance(node, ast.Compare):
        left = _evaluate(node.left, values)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _evaluate(right_node, values)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.BinOp):
        try:
            return _ARITHMETIC[type(node.op)](
                _evaluate(node.left, values), _evaluate(node.right, values)
            )
        except ZeroDivisionError as error:
            raise EvaluationError("division by zero") from error
    if isinstance(node, ast.Subscript):
        target = _evaluate(node.value, values)
        index = _evaluate(node.slice, values)
        if not isinstance(target, list) or not isinstance(index, int):
            raise EvaluationError("only result[<whole number>] may be indexed")
        if not -len(target) <= index < len(target):
            raise EvaluationError(
                f"no data returned: result has {len(target)} value(s), result[{index}] asked"
            )
        return target[index]
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        arguments = [_evaluate(a, values) for a in node.args]
        if len(arguments) != 1:
            raise EvaluationError(f"{node.func.id} takes one argument")
        return _FUNCTIONS[node.func.id](arguments[0])
    if isinstance(node, ast.Name):
        return values
    if isinstance(node, ast.Constant):
        return node.value
    raise EvaluationError(f"cannot evaluate {type(node).__name__}")


def classify(success: str, failure: str, values: Sequence[float]) -> str:
    """One measurement's phase from its values, as Argo Rollouts decides it.

    Neither condition: successful. Only success: failed unless it holds. Only failure:
    successful unless it holds. Both: failure wins, then success, else inconclusive.
    Raises EvaluationError when a condition cannot be evaluated (the measurement errs).
    """
    succeeded = evaluate_condition(success, values) if success else False
    failed = evaluate_condition(failure, values) if failure else False
    if not success and not failure:
        return "successful"
    if success and not failure:
        failed = not succeeded
    elif failure and not success:
        succeeded = not failed
    if failed:
        return "failed"
    if not succeeded:
        return "inconclusive"
    return "successful"
