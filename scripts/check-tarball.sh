#!/usr/bin/env bash
# The npm package as users get it: `npm pack` (its prepack builds dist/), a global install of the
# tarball into a scratch prefix, then the installed command run from another folder — --help,
# --version and the report of the bundled sample capture. Run by .ci/run after npm test.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/trace-analyze-tarball-XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

cd "$repo"
npm pack --pack-destination "$scratch" --silent >/dev/null
tarballs=("$scratch"/trace-analyze-*.tgz)
tarball="${tarballs[0]}"
echo "$(basename "$tarball"): $(tar -tzf "$tarball" | wc -l) files, $(du -k "$tarball" | cut -f1) KiB"
if tar -tzf "$tarball" | grep -E '^package/(test|bench|docs)/|\.test\.|\.map$'; then
  echo "check-tarball: the files above do not belong in the package" >&2
  exit 1
fi

# DuckDB's JavaScript API travels bundled into one file, with V8's code cache of it (package.json's
# bundle-duckdb script).
for f in duckdb-node-api.cjs duckdb-node-api.v8-cache; do
  if ! tar -tzf "$tarball" | grep -x "package/dist/vendor/$f" >/dev/null; then
    echo "check-tarball: dist/vendor/$f is missing from the package" >&2
    exit 1
  fi
done

# --prefer-offline: the dependencies come from npm's cache, filled by npm ci.
npm install -g --prefix "$scratch/prefix" --prefer-offline --no-audit --no-fund "$tarball" >/dev/null
bin="$scratch/prefix/bin/trace-analyze"
mkdir "$scratch/elsewhere"
cd "$scratch/elsewhere"
"$bin" --help >/dev/null
"$bin" --version
"$bin" report "$repo/samples/real-capture-1" -o "$scratch/elsewhere/r.html"
grep -q '<html' "$scratch/elsewhere/r.html"
echo "check-tarball: installed from the tarball, the CLI ran and wrote the sample report"
