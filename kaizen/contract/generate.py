"""Regenerate (or check) the Python code generated from proto/.

``python -m kaizen.contract.generate`` rewrites kaizen/v1/*_pb2.py(i);
``--check`` exits 1 and names the stale files instead.
"""

from __future__ import annotations

import argparse
import filecmp
import sys
import tempfile
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parents[2]
PROTO_DIR = ROOT / "proto"
GENERATED_DIR = ROOT / "kaizen" / "v1"


def generate(out_dir: Path) -> list[Path]:
    sources = sorted(str(p.relative_to(PROTO_DIR)) for p in PROTO_DIR.glob("kaizen/v1/*.proto"))
    include = Path(protoc.__file__).parent / "_proto"
    code = protoc.main(
        [
            "protoc",
            f"-I{PROTO_DIR}",
            f"-I{include}",
            f"--python_out={out_dir}",
            f"--pyi_out={out_dir}",
            *sources,
        ]
    )
    if code != 0:
        raise SystemExit(f"protoc failed with exit code {code}")
    return sorted((out_dir / "kaizen" / "v1").glob("*_pb2.py*"))


def stale_files() -> list[str]:
    """Generated files that differ from what proto/ produces now (missing or extra count too)."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = {p.name: p for p in generate(Path(tmp))}
        committed = {p.name: p for p in GENERATED_DIR.glob("*_pb2.py*")}
        names = sorted(set(fresh) | set(committed))
        return [
            name
            for name in names
            if name not in fresh
            or name not in committed
            or not filecmp.cmp(fresh[name], committed[name], shallow=False)
        ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if generated code is stale")
    args = parser.parse_args()
    if args.check:
        stale = stale_files()
        if stale:
            sys.stderr.write(f"stale generated code: {', '.join(stale)}; run `make proto`\n")
            raise SystemExit(1)
        return
    with tempfile.TemporaryDirectory() as tmp:
        for path in generate(Path(tmp)):
            (GENERATED_DIR / path.name).write_bytes(path.read_bytes())


if __name__ == "__main__":
    main()
