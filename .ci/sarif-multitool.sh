#!/usr/bin/env bash
# Validate shadowroute's SARIF with Microsoft's SARIF Multitool (the
# validator GitHub recommends for code-scanning uploads), installed from
# the npm registry into build/. The Go tests already validate every
# scenario against the SARIF 2.1.0 JSON schema; this adds the Multitool's
# spec rules. It fails on any "error SARIF" result (the Multitool exits 0
# even then); warnings are printed, not fatal.
set -euo pipefail
cd "$(dirname "$0")/.."
version=5.7.0
prefix=build/sarif-multitool
if ! command -v npm >/dev/null 2>&1; then
  echo "ci: WARNING: npm not found; SARIF Multitool validation skipped" >&2
  exit 0
fi
if [ ! -x "$prefix/node_modules/.bin/sarif-multitool" ]; then
  npm install --silent --no-audit --no-fund --prefix "$prefix" "@microsoft/sarif-multitool@$version" >/dev/null
fi
tool="$prefix/node_modules/.bin/sarif-multitool"
bin=build/shadowroute-sarif-check
go build -o "$bin" ./cmd/shadowroute
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$bin" analyze testdata/demo --format sarif -o "$out/demo.sarif"
"$bin" analyze testdata/ambient/ambient-waypoint-ingress-bypass --format sarif -o "$out/ambient.sarif"
"$bin" analyze testdata/suppression/target-with-reason --format sarif -o "$out/suppressed.sarif"
"$bin" diff testdata/diff/base testdata/diff/head-ingress-to-db --format sarif -o "$out/diff.sarif"
status=0
for f in "$out"/*.sarif; do
  report=$("$tool" validate "$f" 2>&1 || true)
  if grep -q ": error SARIF" <<<"$report"; then
    grep ": error SARIF" <<<"$report" >&2
    status=1
  fi
  echo "ci: sarif-multitool $version: $(basename "$f"): $(grep -c ': error SARIF' <<<"$report" || true) error(s), $(grep -c ': warning SARIF' <<<"$report" || true) warning(s)"
done
exit "$status"
