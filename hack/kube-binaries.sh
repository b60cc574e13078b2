#!/usr/bin/env bash
# Builds the etcd and kube-apiserver binaries the live-cluster integration
# tests run (sources/cluster, TestLiveCluster*) from the Go module proxy: no
# release download is needed, only Go. The binaries are cached in
# build/kube-bin/ (git-ignored) and rebuilt only when a version changes.
#
#   hack/kube-binaries.sh            build what is missing, print the folder
#   hack/kube-binaries.sh --check    exit 0 when both binaries are present
#
# etcd: a wrapper module requiring go.etcd.io/etcd/server/v3 and its sibling
# modules (go install pkg@version refuses modules with replace directives).
# kube-apiserver: a wrapper module requiring k8s.io/kubernetes, whose go.mod
# lists its staging modules (k8s.io/api, k8s.io/apiserver, ...) at v0.0.0 and
# replaces them with ./staging paths; the wrapper replaces each with its
# published version instead. Cold on 2 cores: about 6 minutes and 2 GB for
# kube-apiserver, 2-4 minutes for etcd.
set -euo pipefail
cd "$(dirname "$0")/.."

ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
KUBE_VERSION="${KUBE_VERSION:-v1.36.3}"
STAGING_VERSION="v0.${KUBE_VERSION#v1.}"
GO="${GO:-go}"

out="$PWD/build/kube-bin"
src="$PWD/build/kube-src"
stamp="$out/versions"
want="etcd=$ETCD_VERSION kube-apiserver=$KUBE_VERSION"

present() {
  [ -x "$out/etcd" ] && [ -x "$out/kube-apiserver" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]
}

if [ "${1:-}" = "--check" ]; then
  present
  exit $?
fi
if present; then
  echo "$out"
  exit 0
fi
mkdir -p "$out" "$src"
rm -f "$stamp"

build_etcd() {
  local dir="$src/etcd-$ETCD_VERSION"
  rm -rf "$dir" && mkdir -p "$dir"
  (
    cd "$dir"
    "$GO" mod init shadowroute.local/etcd-wrapper >/dev/null 2>&1
    for m in api/v3 client/pkg/v3 client/v3 pkg/v3 server/v3; do
      "$GO" mod edit -require="go.etcd.io/etcd/$m@$ETCD_VERSION"
    done
    # go mod download of the named package's dependencies fills go.sum.
    "$GO" get "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
    "$GO" build -trimpath -ldflags '-s -w' -o "$out/etcd" go.etcd.io/etcd/server/v3
  )
}

build_apiserver() {
  local dir="$src/kubernetes-$KUBE_VERSION"
  rm -rf "$dir" && mkdir -p "$dir"
  local kmod
  kmod="$("$GO" mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  (
    cd "$dir"
    "$GO" mod init shadowroute.local/kube-apiserver-wrapper >/dev/null 2>&1
    "$GO" mod edit -require="k8s.io/kubernetes@$KUBE_VERSION"
    # Every staging module k8s.io/kubernetes lists at v0.0.0 → its release.
    grep -E '^[[:space:]]*k8s\.io/[^ ]+ v0\.0\.0$' "$kmod" | awk '{print $1}' | sort -u | while read -r m; do
      "$GO" mod edit -replace="$m=$m@$STAGING_VERSION"
    done
    "$GO" get "k8s.io/kubernetes/cmd/kube-apiserver@$KUBE_VERSION"
    # Without these the server reports v0.0.0-master.
    local pkg=k8s.io/component-base/version minor="${KUBE_VERSION#v1.}"
    minor="${minor%%.*}"
    local ld="-s -w -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
    "$GO" build -trimpath -ldflags "$ld" -o "$out/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
  )
}

echo "hack/kube-binaries.sh: building etcd $ETCD_VERSION and kube-apiserver $KUBE_VERSION into $out" >&2
[ -x "$out/etcd" ] && "$out/etcd" --version 2>/dev/null | grep -q "${ETCD_VERSION#v}" || build_etcd
build_apiserver
echo "$want" >"$stamp"
echo "$out"
