"""Policy versions: published, signed, immutable, diffed; bad archives are 422s naming the field."""

from __future__ import annotations

import gzip
import io
import json
import stat
import tarfile

import httpx

from kaizen.settings import Settings
from tests.conftest import Keys
from tests.policy_rollout.policies import archive, shop_policy


async def publish(api: httpx.AsyncClient, keys: Keys, body: bytes, **params: str) -> httpx.Response:
    return await api.post(
        "/v1/policy-bundles", content=body, params={"bundle": "shop", **params},
        headers={**Keys.header(keys.operator), "Content-Type": "application/gzip"},
    )  # fmt: skip


def problem(reply: httpx.Response) -> tuple[str, str]:
    assert reply.status_code == 422, reply.text
    found = reply.json()["problems"][0]
    return found["field"], found["message"]


def bundle_files(artifact: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(artifact), mode="r:gz") as tar:
        return {
            m.name.lstrip("/"): tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar
            if m.isfile()
        }


async def test_a_version_is_built_signed_and_kept_immutably(
    api: httpx.AsyncClient, keys: Keys, settings: Settings
) -> None:
    first = await publish(api, keys, archive(shop_policy(100)), description="limit 100")
    assert first.status_code == 201, first.text
    version = first.json()
    assert version["id"].startswith("pv-") and version["revision"] == version["id"]
    assert version["roots"] == ["shop/authz"] and version["seq"] == 1
    assert version["signing_key_id"].startswith("kaizen-")
    assert {f["name"] for f in version["files"]} == {
        ".manifest", "shop/authz/policy.rego", "shop/authz/policy_test.rego",
        "shop/authz/data.json",
    }  # fmt: skip

    again = await publish(api, keys, archive(shop_policy(100)))
    assert again.status_code == 200 and again.json()["id"] == version["id"]

    second = await publish(api, keys, archive(shop_policy(50)))
    assert second.status_code == 201 and second.json()["seq"] == 2

    # The private key is the user's alone; the bundle is signed by it, revision included.
    private = settings.home / "policy-signing" / f"{version['signing_key_id']}.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    download = await api.get(
        f"/v1/policy-bundles/{version['id']}/bundle.tar.gz", headers=Keys.header(keys.viewer)
    )
    assert download.status_code == 200
    assert download.headers["etag"] == f'"{version["id"]}"'
    files = bundle_files(download.content)
    assert json.loads(files[".manifest"])["revision"] == version["id"]
    assert "shop/authz/policy_test.rego" not in files  # tests stay out of what nodes run
    signature = json.loads(files[".signatures.json"])["signatures"][0]
    assert json.loads(_b64(signature.split(".")[0]))["alg"] == "ES256"
    assert json.loads(_b64(signature.split(".")[1]))["keyid"] == version["signing_key_id"]

    listed = await api.get("/v1/policy-bundles", headers=Keys.header(keys.viewer))
    assert [v["seq"] for v in listed.json()] == [2, 1]

    diff = await api.get(
        f"/v1/policy-bundles/{second.json()['id']}/diff",
        params={"against": version["id"]}, headers=Keys.header(keys.viewer),
    )  # fmt: skip
    assert diff.status_code == 200, diff.text
    changes = diff.json()
    assert [f["name"] for f in changes["files"]] == ["shop/authz/data.json"]
    assert '-{"limit": 100}' in changes["files"][0]["diff"]
    assert changes["data"] == [
        {"path": "shop/authz/limit", "change": "changed", "before": 100, "after": 50}
    ]


def _b64(text: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def test_bad_archives_are_refused_naming_the_field(
    api: httpx.AsyncClient, keys: Keys
) -> None:
    field, message = problem(await publish(api, keys, b"just some text"))
    assert field == "body" and "not a tar.gz" in message

    truncated = archive(shop_policy())[:40]
    assert problem(await publish(api, keys, truncated))[0] == "body"

    outside = shop_policy(extra={"./other/policy.rego": "package other\n\nx := 1\n"})
    field, message = problem(await publish(api, keys, archive(outside)))
    assert field == "body"
    assert "other/policy.rego: package other is outside the bundle's roots" in message

    data_outside = shop_policy(extra={"./other/data.json": '{"x": 1}'})
    field, message = problem(await publish(api, keys, archive(data_outside)))
    assert "other/data.json: data at other is outside the bundle's roots" in message

    escaping = shop_policy(extra={"../evil.rego": "package shop.authz\n"})
    assert (
        "points outside the policy directory"
        in problem(await publish(api, keys, archive(escaping)))[1]
    )

    no_manifest = {k: v for k, v in shop_policy().items() if not k.endswith(".manifest")}
    field, message = problem(await publish(api, keys, archive(no_manifest)))
    assert field == "roots" and "roots are not declared" in message
    other = await publish(api, keys, archive(shop_policy()), roots="other/place")
    assert problem(other)[0] == "roots", other.text

    broken = shop_policy(extra={"./shop/authz/broken.rego": "package shop.authz\n\nallow if {\n"})
    field, message = problem(await publish(api, keys, archive(broken)))
    assert field == "body" and "rego_parse_error" in message and "broken.rego" in message

    assert problem(await publish(api, keys, archive(shop_policy()), bundle="Not A Name"))[0] == (
        "bundle"
    )
    listed = await api.get("/v1/policy-bundles", headers=Keys.header(keys.viewer))
    assert listed.json() == []


async def test_roots_may_be_given_instead_of_a_manifest(api: httpx.AsyncClient, keys: Keys) -> None:
    no_manifest = {k: v for k, v in shop_policy().items() if not k.endswith(".manifest")}
    reply = await publish(api, keys, archive(no_manifest), roots="shop/authz")
    assert reply.status_code == 201, reply.text
    assert reply.json()["roots"] == ["shop/authz"]
    assert ".manifest" in {f["name"] for f in reply.json()["files"]}


async def test_gzip_that_is_not_a_tar_is_refused(api: httpx.AsyncClient, keys: Keys) -> None:
    field, message = problem(await publish(api, keys, gzip.compress(b"not a tar")))
    assert field == "body" and "not a tar.gz" in message
