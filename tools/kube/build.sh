#!/usr/bin/env bash
# Build the local Kubernetes control-plane binaries used by Kaizen's tests and
# local stack: kube-apiserver, kube-controller-manager, kube-scheduler, etcd
# (all from this tools module, see go.mod) and kwok (go install @version).
#
# Usage: tools/kube/build.sh [BIN_DIR]
#   BIN_DIR defaults to ${XDG_CACHE_HOME:-$HOME/.cache}/kaizen/kube/<key>/bin
#   where <key> is a hash of go.sum, go.mod and the kwok version, so the
#   binaries are rebuilt only when the pinned versions change.
# The last line of stdout is always the bin dir; everything else goes to stderr.
#
# Environment:
#   GO                       go binary (default: go on PATH, else /usr/local/go/bin/go)
#   KAIZEN_KUBE_BUILD_P      go build -p value (default 2; use 1 on small machines)
#   KAIZEN_KUBE_PREFER_PATH  1 (default) = symlink binaries already on PATH whose
#                            --version matches exactly instead of building them
#   KAIZEN_KUBE_FORCE        1 = rebuild even if the bin dir is complete
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KWOK_MODULE="sigs.k8s.io/kwok"
KWOK_VERSION="v0.7.0"
BINARIES=(kube-apiserver kube-controller-manager kube-scheduler etcd kwok)

log() { printf '[kube/build] %s\n' "$*" >&2; }

if [[ -z "${GO:-}" ]]; then
  if command -v go >/dev/null 2>&1; then GO="$(command -v go)";
  elif [[ -x /usr/local/go/bin/go ]]; then GO=/usr/local/go/bin/go;
  else log "go not found (set GO=/path/to/go)"; exit 1; fi
fi

key="$(cat "$HERE/go.sum" "$HERE/go.mod" <(printf 'kwok %s\n' "$KWOK_VERSION") | sha256sum | cut -c1-16)"
BIN="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/kaizen/kube/$key/bin}"
MARKER="$BIN/.complete"

complete() {
  [[ -f "$MARKER" ]] || return 1
  [[ "$(head -n1 "$MARKER")" == "key=$key" ]] || return 1
  local b
  for b in "${BINARIES[@]}"; do [[ -x "$BIN/$b" ]] || return 1; done
}

if [[ "${KAIZEN_KUBE_FORCE:-0}" != 1 ]] && complete; then
  echo "$BIN"
  exit 0
fi

mkdir -p "$BIN"
# Serialise concurrent builds (parallel test runs) on the same bin dir.
exec 9>"$BIN/.lock"
flock 9
if [[ "${KAIZEN_KUBE_FORCE:-0}" != 1 ]] && complete; then
  echo "$BIN"
  exit 0
fi
rm -f "$MARKER"

cd "$HERE"
k8s_version="$("$GO" list -m -f '{{.Version}}' k8s.io/kubernetes)"          # v1.36.3
etcd_version="$("$GO" list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)" # v3.7.1
IFS=. read -r k8s_major k8s_minor _ <<<"${k8s_version#v}"

# Expected `--version` output per binary (used for the PATH shortcut and as a
# post-build sanity check).
expected_version() {
  case "$1" in
    kube-*) echo "Kubernetes $k8s_version" ;;
    etcd) echo "etcd Version: ${etcd_version#v}" ;;
    kwok) echo "${KWOK_VERSION#v}" ;;
  esac
}
version_ok() { # $1 = path, $2 = name
  local out
  # The whole output, then its head: piping into `head` could end the binary with SIGPIPE
  # after head's third line, and pipefail then failed a correct build by chance.
  out="$("$1" --version 2>&1)" || return 1
  [[ "$(head -n3 <<<"$out")" == *"$(expected_version "$2")"* ]]
}

export CGO_ENABLED=0
P="${KAIZEN_KUBE_BUILD_P:-2}"
GOFLAGS_BUILD=(-p "$P" -trimpath)
stage="$(mktemp -d "$BIN/.stage.XXXXXX")"
trap 'rm -rf "$stage"' EXIT

ver_pkgs=(k8s.io/component-base/version k8s.io/client-go/pkg/version)
k8s_ldflags="-s -w"
for p in "${ver_pkgs[@]}"; do
  k8s_ldflags+=" -X $p.gitVersion=$k8s_version -X $p.gitMajor=$k8s_major -X $p.gitMinor=$k8s_minor"
  k8s_ldflags+=" -X $p.gitTreeState=clean"
done

from_path() { # symlink a matching binary from PATH; returns 1 if none
  [[ "${KAIZEN_KUBE_PREFER_PATH:-1}" == 1 ]] || return 1
  local found
  found="$(command -v "$1" 2>/dev/null)" || return 1
  found="$(readlink -f "$found")"
  [[ "$found" != "$(readlink -f "$BIN")"/* ]] || return 1
  version_ok "$found" "$1" || return 1
  ln -sf "$found" "$stage/$1"
  log "$1: using $found from PATH (version matches)"
}

build_one() { # name, package, ldflags
  local name="$1" pkg="$2" ldflags="$3" t0=$SECONDS
  from_path "$name" && return 0
  log "$name: go build $pkg (-p $P, CGO_ENABLED=0)"
  "$GO" build "${GOFLAGS_BUILD[@]}" -ldflags "$ldflags" -o "$stage/$name" "$pkg"
  log "$name: built in $((SECONDS - t0))s"
}

log "building into $BIN (kubernetes $k8s_version, etcd $etcd_version, kwok $KWOK_VERSION)"
build_one kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver "$k8s_ldflags"
build_one kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager "$k8s_ldflags"
build_one kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler "$k8s_ldflags"
build_one etcd go.etcd.io/etcd/server/v3 "-s -w"

# kwok has no replace directives, so it installs straight from its own module
# (with its own, older k8s.io dependencies) and does not disturb this module.
if ! from_path kwok; then
  t0=$SECONDS
  log "kwok: go install $KWOK_MODULE/cmd/kwok@$KWOK_VERSION"
  (cd "$stage" && GOBIN="$stage" "$GO" install "${GOFLAGS_BUILD[@]}" -ldflags "-s -w" \
    "$KWOK_MODULE/cmd/kwok@$KWOK_VERSION")
  log "kwok: built in $((SECONDS - t0))s"
fi

for b in "${BINARIES[@]}"; do
  if ! version_ok "$stage/$b" "$b"; then
    log "$b: unexpected --version output: $("$stage/$b" --version 2>&1 | head -n1)"
    exit 1
  fi
  mv -f "$stage/$b" "$BIN/$b"
done

{
  echo "key=$key"
  echo "kubernetes=$k8s_version"
  echo "etcd=$etcd_version"
  echo "kwok=$KWOK_VERSION"
  echo "go=$("$GO" env GOVERSION)"
  echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
} >"$MARKER.tmp"
mv -f "$MARKER.tmp" "$MARKER"
log "done"
echo "$BIN"
