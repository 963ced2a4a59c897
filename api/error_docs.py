"""The error responses every route documents in OpenAPI, in the one error shape.

Routes do not repeat them by hand: the edge (authentication, rate limits, body
cap) and the error handlers answer the same way for every route, so the
documentation is derived from what a route is (public or keyed, with a body,
with path parameters) plus the few answers particular to one route.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

from api.edge.gatekeeper import PUBLIC_PATHS, SIGNED_PREFIX


class ProblemView(BaseModel):
    field: str = Field(description="Where in the request: a dotted path such as `evidence.x`")
    message: str


class ErrorView(BaseModel):
    """Every error the API answers."""

    error: str = Field(description="What went wrong, in a sentence")
    problems: list[ProblemView] = Field(
        default_factory=list, description="For invalid input: each field and what is wrong"
    )
    reason: str | None = Field(default=None, description="A refusal's type, when it has one")


DESCRIPTIONS: Final = {
    400: "Malformed request (e.g. a body that cannot be parsed)",
    401: "Missing, unknown or revoked credentials",
    403: "The caller's role does not allow this",
    404: "No such resource",
    409: "Conflicts with the resource's state",
    413: "Request body over the size limit",
    422: "Invalid input; `problems` names each field",
    429: "Rate limited; wait for `Retry-After` seconds",
    503: "A dependency (Temporal, OPA, the database) is unavailable",
}

# Answers particular to one route, beyond what its shape implies.
ROUTE_SPECIFIC: Final[dict[tuple[str, str], tuple[int, ...]]] = {
    ("POST", "/v1/runs/{run_id}/approvals"): (409,),
    ("POST", "/v1/runs/{run_id}/cancel"): (409,),
    ("DELETE", "/v1/change-windows/{window_id}"): (409,),
    ("POST", "/v1/slack/events"): (400, 401, 404, 413, 503),
    ("POST", "/v1/slack/interactions"): (400, 401, 404, 413, 503),
    ("GET", "/readyz"): (503,),
    ("POST", "/v1/schedules"): (409,),
    ("DELETE", "/v1/freezes/{freeze_id}"): (409,),
}


def document_error_responses(app: FastAPI) -> None:
    """Make ``app.openapi()`` list each route's error answers with the ErrorView schema."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            _add_error_responses(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _add_error_responses(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorView.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(error_schema.pop("$defs", {}))
    components["ErrorView"] = error_schema
    # FastAPI's own 422 shape is never sent: every validation error is an ErrorView.
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorView"}}}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code in sorted(_error_codes(path, method.upper(), operation)):
                responses[str(code)] = {"description": DESCRIPTIONS[code], "content": reference}


def _error_codes(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    """What the edge and the handlers can answer, from the operation's own shape."""
    codes = {429}
    if path not in PUBLIC_PATHS and not path.startswith(SIGNED_PREFIX):
        codes |= {401, 403, 503}
    if "requestBody" in operation:
        codes |= {400, 413, 422}
    places = {parameter.get("in") for parameter in operation.get("parameters", [])}
    if "path" in places:
        codes |= {404, 422}
    if "query" in places:
        codes.add(422)
    return codes | set(ROUTE_SPECIFIC.get((method, path), ()))
