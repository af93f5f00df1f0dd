#!/usr/bin/env bash
# Cross-compiles @kmamal/sdl's native addon for a Pi on the console host:
#   deploy/build-sdl-cross.sh SDL_PACKAGE_DIR arm64|armhf
# or another node-gyp addon against SDL2, named by its target (our own
# viewer/native, for the GPU crossfade), into DIR/dist/NAME.node:
#   deploy/build-sdl-cross.sh ADDON_DIR arm64|armhf sdl_layers
# with Debian's cross compiler and the Pi architecture's libsdl2-dev through
# multiarch, installed here when missing. Measured against building it on the
# Pi (docs/raspberry-pi.md): a Pi then needs no compiler, no SDL headers, no
# python3 and no node-gyp. The addon uses Node-API, so one build runs on any
# Node 20; it links libSDL2-2.0.so.0, whose ABI SDL 2.x keeps.
set -euo pipefail
checkout=$(cd "$(dirname "$0")/.." && pwd)
pkg=$(cd "$1" && pwd)
arch=$2
name=${3:-sdl}
case "$arch" in
  arm64) triplet=aarch64-linux-gnu gyp_arch=arm64 ;;
  armhf) triplet=arm-linux-gnueabihf gyp_arch=arm ;;
  *) echo "build-sdl-cross: unknown architecture $arch" >&2; exit 2 ;;
esac

need=()
command -v "$triplet-g++" >/dev/null || need+=("g++-$triplet")
[ -e "/usr/lib/$triplet/libSDL2-2.0.so" ] || need+=("libsdl2-dev:$arch")
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "build-sdl-cross: missing ${need[*]}; as root: dpkg --add-architecture $arch && apt-get update && apt-get install ${need[*]}" >&2
    exit 1
  fi
  echo "build-sdl-cross: installing ${need[*]} (once)"
  dpkg --print-foreign-architectures | grep -qx "$arch" || dpkg --add-architecture "$arch"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# Node's own headers (arch-independent), so node-gyp downloads nothing.
node_prefix=$(dirname "$(dirname "$(node -p process.execPath)")")
[ -f "$node_prefix/include/node/node.h" ] || { echo "build-sdl-cross: no Node headers under $node_prefix/include/node" >&2; exit 1; }

export CC="$triplet-gcc" CXX="$triplet-g++" AR="$triplet-ar" LINK="$triplet-g++"
export SDL_INC=/usr/include/SDL2 SDL_LIB=/usr/lib/$triplet
cd "$pkg"
"$checkout/node_modules/.bin/node-gyp" rebuild -j max --arch="$gyp_arch" --nodedir="$node_prefix" >build.log 2>&1 || {
  echo "build-sdl-cross: node-gyp failed; see $pkg/build.log" >&2
  tail -20 build.log >&2
  exit 1
}
mkdir -p dist
cp "build/Release/$name.node" "dist/$name.node"
# Symbols are for a debugger, not for a Pi (384 KB -> 332 KB).
"$triplet-strip" --strip-unneeded "dist/$name.node"
rm -rf build build.log
"$triplet-readelf" -h "dist/$name.node" | grep -q "Machine:.*$( [ "$arch" = arm64 ] && echo AArch64 || echo ARM)" || { echo "build-sdl-cross: dist/$name.node is not $arch" >&2; exit 1; }
echo "build-sdl-cross: built $pkg/dist/$name.node for $arch"
