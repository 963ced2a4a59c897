"""Policy versions: publish a policy directory as an immutable signed bundle; list, show, diff."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Final

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response, status
from sqlalchemy.engine import Engine

from activities.opa.bundle_build import BUNDLE_NAME, publish
from activities.opa.bundle_source import read_source
from activities.opa.signing_keys import SigningKeyUnavailable
from api.deps import EngineDep, Operator, SettingsDep, Viewer
from api.policy_rollout.deps import OpaCliDep
from api.policy_rollout.diff import diff_versions
from api.policy_rollout.metrics import VERSIONS_PUBLISHED
from api.policy_rollout.models import VersionDiffView
from kaizen.contract.json_codec import to_api
from kaizen.contract.models import response_model
from kaizen.persistence.db import session_scope
from kaizen.persistence.policy_versions import PolicyVersionRow, get_version, list_versions
from kaizen.v1.policy_rollout_pb2 import PolicyVersion

router = APIRouter(prefix="/v1/policy-bundles", tags=["policy rollouts"])

VERSION_ID: Final = r"^pv-[a-f0-9]{12}$"
VersionId = Annotated[str, Path(pattern=VERSION_ID, description="A policy version (pv-…)")]
VersionView = response_model(PolicyVersion)
BUNDLE_MEDIA_TYPE: Final = "application/vnd.openpolicyagent.bundles"


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=VersionView,
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The policy directory as a tar.gz: .rego files (tests too), "
            "data.json files and a .manifest declaring the roots",
            "content": {"application/gzip": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def publish_version(
    request: Request,
    principal: Operator,
    engine: EngineDep,
    settings: SettingsDep,
    cli: OpaCliDep,
    response: Response,
    bundle: Annotated[
        str, Query(pattern=BUNDLE_NAME.pattern, description="The bundle's name, as nodes know it")
    ] = "authz",
    description: Annotated[str, Query(max_length=500)] = "",
    roots: Annotated[
        list[str] | None,
        Query(
            max_length=32,
            description="The bundle's roots (data paths, e.g. fleet/authz), when the archive "
            "has no .manifest declaring them",
        ),
    ] = None,
) -> dict[str, Any]:
    """Build, sign and keep a version; the same content again answers 200 with it."""
    source = read_source(await request.body(), roots=[r.strip("/") for r in roots or []])
    try:
        version, created = await publish(
            engine, cli, settings.home, tenant=settings.tenant, bundle=bundle, source=source,
            description=description, by=principal.name,
        )  # fmt: skip
    except SigningKeyUnavailable as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(error)) from error
    if created:
        VERSIONS_PUBLISHED.labels(bundle).inc()
    else:
        response.status_code = status.HTTP_200_OK
    return to_api(version)


@router.get("", response_model=list[VersionView])  # type: ignore[valid-type]
async def list_policy_versions(
    _principal: Viewer,
    engine: EngineDep,
    settings: SettingsDep,
    bundle: Annotated[str | None, Query(pattern=BUNDLE_NAME.pattern)] = None,
) -> list[dict[str, Any]]:
    """Every version, newest first (of one bundle with ``?bundle=``)."""

    def read() -> list[PolicyVersion]:
        with session_scope(engine) as session:
            return list_versions(session, settings.tenant, bundle)

    return [to_api(v) for v in await asyncio.to_thread(read)]


def _row(engine: Engine, tenant: str, version_id: str) -> PolicyVersionRow:
    with session_scope(engine) as session:
        row = get_version(session, tenant, version_id)
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no policy version {version_id!r}")
        session.expunge(row)
        return row


@router.get("/{version_id}", response_model=VersionView)
async def get_policy_version(
    version_id: VersionId, _principal: Viewer, engine: EngineDep, settings: SettingsDep
) -> dict[str, Any]:
    """One version: its revision, roots, files, hashes and signing key."""
    row = await asyncio.to_thread(_row, engine, settings.tenant, version_id)
    return to_api(row.to_message())


@router.get("/{version_id}/diff", response_model=VersionDiffView)
async def diff_policy_versions(
    version_id: VersionId,
    _principal: Viewer,
    engine: EngineDep,
    settings: SettingsDep,
    against: Annotated[str, Query(pattern=VERSION_ID, description="The version to compare to")],
) -> dict[str, Any]:
    """What changes from ``against`` to this version: files (unified diffs) and data paths."""
    before = await asyncio.to_thread(_row, engine, settings.tenant, against)
    after = await asyncio.to_thread(_row, engine, settings.tenant, version_id)
    return to_api(diff_versions(before, after))


@router.get("/{version_id}/bundle.tar.gz", response_class=Response)
async def download_policy_bundle(
    version_id: VersionId, _principal: Viewer, engine: EngineDep, settings: SettingsDep
) -> Response:
    """The signed bundle as nodes are served it."""
    row = await asyncio.to_thread(_row, engine, settings.tenant, version_id)
    return Response(
        row.artifact, media_type=BUNDLE_MEDIA_TYPE, headers={"ETag": f'"{row.revision}"'}
    )
