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
# F (fix binary): the kernel opens qemu at registration, so it need not exist
# inside the chroot. C (credentials): setuid programs (sudo, which the deploy
# uses as a Pi's first user does) run with their owner's rights; Debian
# registers qemu without it, so re-register qemu-aarch64 with it here, same
# magic and interpreter.
entry=/proc/sys/fs/binfmt_misc/qemu-aarch64
[ -e "$entry" ] || { echo "pi-check: qemu-aarch64 is not registered with binfmt_misc (update-binfmts --display qemu-aarch64)" >&2; exit 1; }
if ! grep -q '^flags: .*C' "$entry" || ! grep -q '^flags: .*F' "$entry"; then
  interpreter=$(sed -n 's/^interpreter //p' "$entry")
  magic=$(sed -n 's/^magic //p' "$entry" | sed 's/../\\x&/g')
  mask=$(sed -n 's/^mask //p' "$entry" | sed 's/../\\x&/g')
  flags=$(sed -n 's/^flags: //p' "$entry")
  echo "pi-check: re-registering qemu-aarch64 with binfmt_misc flag C (had: $flags): sudo inside the emulated Pi needs it"
  echo -1 > "$entry"
  printf ':qemu-aarch64:M::%s:%s:%s:%sCF' "$magic" "$mask" "$interpreter" "$(echo "$flags" | tr -d CF)" > /proc/sys/fs/binfmt_misc/register
fi
exec node --import tsx scripts/piCheck.ts "$@"
