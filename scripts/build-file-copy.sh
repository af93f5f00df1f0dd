#!/usr/bin/env bash
# Builds the import's in-kernel copy (data/photos/native, see file_copy.c).
# Optional: without it the import writes each copy from memory, correct but
# slower, so a failed build warns and setup goes on.
set -uo pipefail
cd "$(dirname "$0")/.."
dir=data/photos/native
addon=$dir/build/Release/file_copy.node
if [ -f "$addon" ] && [ "$addon" -nt "$dir/file_copy.c" ] && node -e "require('./$addon')" 2>/dev/null; then
  echo "file_copy: native addon already built"
  exit 0
fi
# The headers that ship with this Node, so node-gyp has nothing to download.
gyp_args=()
node_prefix=$(dirname "$(dirname "$(node -p process.execPath)")")
[ -f "$node_prefix/include/node/node.h" ] && gyp_args+=(--nodedir="$node_prefix")
if (cd "$dir" && ../../../node_modules/.bin/node-gyp rebuild "${gyp_args[@]}" >build.log 2>&1) && node -e "require('./$addon')"; then
  echo "file_copy: built $addon"
else
  echo "warning: cannot build $addon (see $dir/build.log); imports copy photos through memory instead" >&2
fi
