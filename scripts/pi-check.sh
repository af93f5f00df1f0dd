#!/usr/bin/env bash
# `make pi-check`: the host tools an emulated arm64 Pi needs, then the check
# itself (scripts/piCheck.ts). Not part of `make test`: the first run builds
# a root file system (minutes); later runs reuse it from .state/pi/.
set -euo pipefail
cd "$(dirname "$0")/.."

# qemu-user-static and binfmt-support: arm64 programs run here through the
# kernel's binfmt_misc; debootstrap: the root file system; openssh-client:
# `make deploy` reaches the emulated Pi over ssh like a real one.
packages=(qemu-user-static binfmt-support debootstrap openssh-client)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "pi-check: missing ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2; exit 1; }
  echo "pi-check: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ "$(id -u)" -eq 0 ] || { echo "pi-check: needs root (chroot, mounts, binfmt_misc)" >&2; exit 1; }

# binfmt_misc: mounted by systemd on most hosts; mount it where PID 1 is not systemd.
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || {
    echo "pi-check: cannot mount binfmt_misc here (a container without it?): arm64 programs cannot run" >&2
    exit 1
  }
fi
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || update-binfmts --import qemu-aarch64 >/dev/null 2>&1 || true
fi
# F (fix binary): the kernel opens qemu now, so it need not exist inside the chroot.
grep -q '^flags: .*F' /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null || {
  echo "pi-check: qemu-aarch64 is not registered with binfmt_misc with the F flag (update-binfmts --display qemu-aarch64)" >&2
  exit 1
}
exec node --import tsx scripts/piCheck.ts "$@"
