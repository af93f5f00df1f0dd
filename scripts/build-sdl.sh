#!/usr/bin/env bash
# Builds @kmamal/sdl's native addon, and our own sdl_layers beside it, against Debian's SDL2.
# Why: the package's own install script downloads prebuilt binaries from a host
# this network cannot reach, so `npm ci` runs with --ignore-scripts and we build here.
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=node_modules/@kmamal/sdl
version=$(node -p "require('./$pkg/package.json').version")

multiarch=$(gcc -print-multiarch 2>/dev/null || dpkg-architecture -qDEB_HOST_MULTIARCH)
export SDL_INC=/usr/include/SDL2
export SDL_LIB=/usr/lib/$multiarch
if [ ! -f "$SDL_INC/SDL.h" ]; then
  echo "cannot build @kmamal/sdl: $SDL_INC/SDL.h not found; install libsdl2-dev (make setup does)" >&2
  exit 1
fi

# Use the headers that ship with this Node so node-gyp has nothing to download.
gyp_args=()
node_prefix=$(dirname "$(dirname "$(node -p process.execPath)")")
if [ -f "$node_prefix/include/node/node.h" ]; then
  gyp_args+=(--nodedir="$node_prefix")
fi

# Idempotent: a built addon that loads is left alone.
if [ -f "$pkg/dist/sdl.node" ] && node -e "require('./$pkg/dist/sdl.node')" 2>/dev/null; then
  echo "@kmamal/sdl $version: native addon already built"
else
  echo "building @kmamal/sdl $version against $SDL_LIB"
  (cd "$pkg" && ../../.bin/node-gyp rebuild -j max "${gyp_args[@]}" >build.log 2>&1) || {
    echo "cannot build @kmamal/sdl: node-gyp failed; see $pkg/build.log" >&2
    tail -20 "$pkg/build.log" >&2
    exit 1
  }
  mkdir -p "$pkg/dist"
  cp "$pkg/build/Release/sdl.node" "$pkg/dist/sdl.node"
  node -e "require('./$pkg/dist/sdl.node')"
  echo "@kmamal/sdl $version: built $pkg/dist/sdl.node"
fi

# Our own addon beside it (viewer/native): textures with alpha on the same SDL
# renderer, for the GPU crossfade. One C file, ~5 s to build; without it the
# viewer cuts instead of fading. Rebuilt when its source is newer.
layers=viewer/native
layers_node=$layers/build/Release/sdl_layers.node
if [ -f "$layers_node" ] && [ "$layers_node" -nt "$layers/sdl_layers.c" ] && node -e "require('./$layers_node')" 2>/dev/null; then
  echo "sdl_layers: native addon already built"
else
  echo "building sdl_layers against $SDL_LIB"
  (cd "$layers" && ../../node_modules/.bin/node-gyp rebuild "${gyp_args[@]}" >build.log 2>&1) || {
    echo "cannot build sdl_layers: node-gyp failed; see $layers/build.log" >&2
    tail -20 "$layers/build.log" >&2
    exit 1
  }
  node -e "require('./$layers_node')"
  echo "sdl_layers: built $layers_node"
fi
