#!/usr/bin/env bash
# Installs everything photoframe needs on a development machine or console host
# (Debian bookworm; a Pi gets only the viewer, from `make deploy`):
# Debian packages when missing, npm packages from the lockfile, and the SDL
# addon built against the system SDL2. Safe and quick to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "setup: photoframe needs Node.js 20 or newer; found $(node --version 2>/dev/null || echo none). Install Node 20 first." >&2
  exit 1
fi

# etcd-server/etcd-client: the mediator; libsdl2-dev: the viewer's window;
# libgl1-mesa-dri/libegl1: the GL drivers SDL's accelerated renderer loads at run
# time (not a dependency of libsdl2, so name them); xvfb and x11-apps (xwd): a
# virtual screen and reading it back for the demo and tests; x11-utils
# (xwininfo): tests count the viewer's windows; build-essential and python3:
# node-gyp for the SDL addon (python3 is also the tests' stand-in for systemd's
# notification socket); python3-etcd3: tests play the original Python system
# with it; systemd: systemd-notify, the viewer's watchdog pings. libheif-examples: heif-convert decodes iPhone HEIC (HEVC),
# which sharp's prebuilt libvips cannot, and heif-enc makes one for the tests;
# libvips-tools (vipsthumbnail), python3-pil and time (/usr/bin/time): the
# benchmarks' reference runs. openssh-client (ssh, ssh-keygen): the tests log
# in to the console's SSH server with the real OpenSSH client. fonts-dejavu-core:
# the font the viewer draws captions in (librsvg finds it through fontconfig).
# iptables: the cluster test cuts one etcd member off from the others (a network partition on loopback).
# xdotool: a test resizes the viewer's window as a window manager would.
packages=(etcd-server etcd-client libsdl2-dev libgl1-mesa-dri libegl1 xvfb x11-apps x11-utils build-essential python3 python3-etcd3 libheif-examples libvips-tools python3-pil time openssh-client systemd faketime fonts-dejavu-core xdotool iptables)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian's etcd-server package starts a system etcd on 2379; photoframe runs its own.
  if command -v systemctl >/dev/null && systemctl is-active --quiet etcd 2>/dev/null; then
    systemctl disable --now etcd >/dev/null 2>&1 || true
  fi
fi

# npm ci wipes node_modules, so skip it when the installed tree already matches the lockfile.
stamp=node_modules/.photoframe-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: npm ci"
  # --ignore-scripts: @kmamal/sdl's install script downloads binaries from a host we cannot reach.
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

scripts/build-sdl.sh
scripts/build-file-copy.sh
# The bundled CLI the systemd unit runs (scripts/buildDist.ts); ~0.2 s, so always fresh.
node --import tsx scripts/buildDist.ts >/dev/null
echo "setup: done"
