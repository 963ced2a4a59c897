"""A published policy directory (a tar.gz), read safely and checked before anything builds.

What a version is made of: its ``.rego`` files (tests included), its ``data.json``
files and the ``.manifest`` that declares its roots. Anything else in the archive is
left out. Every refusal names the field (``body``) and says which file and why, so a
publish from CI fails with something to act on: not a tar.gz, a path that escapes the
directory, a package or data path outside the roots.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import tarfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Final

from kaizen.catalog.playbooks import ParameterError

MAX_FILES: Final = 2000
MAX_UNPACKED_BYTES: Final = 64 * 1024 * 1024
MANIFEST: Final = ".manifest"
DATA_FILE: Final = "data.json"
ROOT_PATTERN: Final = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")
_PACKAGE: Final = re.compile(
    r"^\s*package\s+([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\"[^\"]+\"\])*)",
    re.MULTILINE,
)  # noqa: E501
_COMMENT: Final = re.compile(r"#[^\n]*")


@dataclass(frozen=True)
class PolicySource:
    """The files of one policy directory, by slash-separated path."""

    files: dict[str, bytes]
    roots: list[str]
    manifest: dict[str, Any]

    @property
    def content_files(self) -> dict[str, bytes]:
        return {name: data for name, data in self.files.items() if name != MANIFEST}

    def content_sha256(self, bundle: str) -> str:
        """The identity of what nodes would run: bundle name, roots, every file's bytes."""
        digest = hashlib.sha256()
        digest.update(json.dumps({"bundle": bundle, "roots": self.roots}).encode())
        for name in sorted(self.content_files):
            digest.update(b"\0" + name.encode() + b"\0")
            digest.update(hashlib.sha256(self.files[name]).digest())
        return digest.hexdigest()

    def describe_files(self) -> list[dict[str, Any]]:
        return [
            {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for name, data in sorted(self.files.items())
        ]

    def write(self, directory: Path) -> None:
        for name, data in self.files.items():
            path = directory / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

    def archive(self) -> bytes:
        """The source as a normalised tar.gz (sorted, no owners or times): stored with the
        version, so validation sees exactly what was published."""
        buffer = io.BytesIO()
        with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as zipped:
            with tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as tar:
                for name in sorted(self.files):
                    info = tarfile.TarInfo(name)
                    info.size = len(self.files[name])
                    info.mode = 0o644
                    tar.addfile(info, io.BytesIO(self.files[name]))
        return buffer.getvalue()


def read_source(
    archive: bytes, *, roots: list[str] | None = None, field: str = "body"
) -> PolicySource:
    """Read and check a published tar.gz; ParameterError (a 422 naming the field) if bad.
    The roots come from its ``.manifest``, or from ``roots`` (the ``roots`` field) when it
    has none; Kaizen then writes the ``.manifest``."""
    files = _unpack(archive, field)
    if MANIFEST not in files and roots:
        files[MANIFEST] = json.dumps({"roots": roots}).encode()
        field_of_roots = "roots"
    else:
        field_of_roots = field
        if roots and MANIFEST in files:
            declared = _manifest(files, field).get("roots")
            if sorted(str(r).strip("/") for r in declared or []) != sorted(roots):
                raise ParameterError(
                    "roots", f"the archive's .manifest declares roots {declared}; leave roots "
                    "out or make them the same",
                )  # fmt: skip
    manifest = _manifest(files, field)
    roots = _roots(manifest, field_of_roots)
    policy = [n for n in files if n.endswith(".rego") and not n.endswith("_test.rego")]
    if not policy:
        raise ParameterError(field, "the archive holds no .rego policy file")
    for name in sorted(policy):
        package = package_path(files[name].decode(errors="replace"))
        if package is None:
            raise ParameterError(field, f"{name} has no package declaration")
        if not within_roots(package, roots):
            raise ParameterError(
                field,
                f"{name}: package {package.replace('/', '.')} is outside the bundle's roots "
                f"{roots} (.manifest); a node would refuse the whole bundle",
            )
    for name in sorted(n for n in files if PurePosixPath(n).name == DATA_FILE):
        try:
            document = json.loads(files[name])
        except ValueError as error:
            raise ParameterError(field, f"{name} is not valid JSON: {error}") from None
        base = str(PurePosixPath(name).parent).strip(".").strip("/")
        outside = data_outside_roots(base, document, roots)
        if outside is not None:
            raise ParameterError(
                field,
                f"{name}: data at {outside or '/'} is outside the bundle's roots {roots} "
                "(.manifest); a node would refuse the whole bundle",
            )
    return PolicySource(files=files, roots=roots, manifest=manifest)


def _unpack(archive: bytes, field: str) -> dict[str, bytes]:
    if not archive.startswith(b"\x1f\x8b"):
        raise ParameterError(field, "not a tar.gz: send the policy directory as a gzipped tar")
    files: dict[str, bytes] = {}
    unpacked = 0
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            for member in tar:
                name = _clean(member.name, field)
                if member.isdir() or name is None:
                    continue
                if member.issym() or member.islnk():
                    raise ParameterError(field, f"{member.name} is a link; send plain files")
                if not member.isfile():
                    continue
                if not _wanted(name):
                    continue
                unpacked += member.size
                if len(files) >= MAX_FILES or unpacked > MAX_UNPACKED_BYTES:
                    raise ParameterError(
                        field, f"the archive is larger than {MAX_FILES} files or "
                        f"{MAX_UNPACKED_BYTES // (1024 * 1024)} MiB unpacked",
                    )  # fmt: skip
                extracted = tar.extractfile(member)
                files[name] = extracted.read() if extracted is not None else b""
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        raise ParameterError(field, f"not a tar.gz: {error}") from None
    return files


def _clean(raw: str, field: str) -> str | None:
    path = PurePosixPath(raw)
    if ".." in path.parts:
        raise ParameterError(field, f"{raw} points outside the policy directory")
    parts = [p for p in path.parts if p not in ("/", ".")]
    return "/".join(parts) or None


def _wanted(name: str) -> bool:
    base = PurePosixPath(name).name
    return name == MANIFEST or base == DATA_FILE or (base.endswith(".rego"))


def _manifest(files: Mapping[str, bytes], field: str) -> dict[str, Any]:
    if MANIFEST not in files:
        raise ParameterError(
            "roots",
            "the bundle's roots are not declared: give them (roots=kaizen/authz) or put a "
            '.manifest in the archive, e.g. {"roots": ["kaizen/authz"]}',
        )
    try:
        manifest = json.loads(files[MANIFEST])
    except ValueError as error:
        raise ParameterError(field, f".manifest is not valid JSON: {error}") from None
    if not isinstance(manifest, dict):
        raise ParameterError(field, ".manifest must be a JSON object")
    return manifest


def _roots(manifest: Mapping[str, Any], field: str) -> list[str]:
    roots = manifest.get("roots")
    if not isinstance(roots, list) or not roots:
        raise ParameterError(
            field, ".manifest must declare the bundle's roots explicitly, e.g. "
            '"roots": ["kaizen/authz"]',
        )  # fmt: skip
    cleaned: list[str] = []
    for root in roots:
        text = str(root).strip("/")
        if not isinstance(root, str) or not ROOT_PATTERN.match(text):
            raise ParameterError(
                field, f".manifest root {root!r} is not a slash-separated data path"
            )
        cleaned.append(text)
    for a in cleaned:
        for b in cleaned:
            if a != b and within_roots(a, [b]):
                raise ParameterError(field, f".manifest roots {a!r} and {b!r} overlap")
    return sorted(set(cleaned))


def package_path(text: str) -> str | None:
    """``package kaizen.authz`` as ``kaizen/authz``; None without a package."""
    found = _PACKAGE.search(_COMMENT.sub("", text))
    if found is None:
        return None
    names = re.findall(r'\["([^"]+)"\]|([A-Za-z_][A-Za-z0-9_]*)', found.group(1))
    return "/".join(quoted or plain for quoted, plain in names)


def within_roots(path: str, roots: list[str]) -> bool:
    segments = [s for s in path.split("/") if s]
    for root in roots:
        root_segments = [s for s in root.split("/") if s]
        if segments[: len(root_segments)] == root_segments:
            return True
    return False


def data_outside_roots(base: str, document: Any, roots: list[str]) -> str | None:
    """The first data path of ``document`` (placed at ``base``) outside every root, if any."""
    if within_roots(base, roots):
        return None
    covers_a_root = any(within_roots(root, [base]) for root in roots) if base else True
    if not covers_a_root or not isinstance(document, dict):
        return base
    for key, value in document.items():
        below = f"{base}/{key}" if base else str(key)
        outside = data_outside_roots(below, value, roots)
        if outside is not None:
            return outside
    return None
