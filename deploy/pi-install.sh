#!/bin/sh
# Runs on the Pi as root, from the folder deploy/deployPis.ts unpacked there:
#   pi-install.sh RELEASE_ID DEPS_HASH "PKG PKG..."
# The folder holds release.tar (dist/), deps-HASH.tar.gz (node_modules, only when
# the Pi lacks that set), the unit, the polkit rule, viewer.env and, when
# given, enrollment/. POSIX sh: a stock Raspberry Pi OS has no bash guarantees
# for root's non-interactive shell, and needs none.
#
# Layout: /opt/photoframe/releases/ID (dist/ and a node_modules link),
# /opt/photoframe/deps/HASH/node_modules, /opt/photoframe/current -> releases/ID.
# Nothing the running viewer uses changes until `current` is switched, in one
# rename; a release that fails its smoke test is removed and the old one stays.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
release=$1
deps=$2
packages=$3
root=/opt/photoframe
user=photoframe
home=/var/lib/photoframe
step() { echo "pi: $*"; }
fail() { echo "pi: $*" >&2; exit 1; }

# 1. Debian runtime packages, only those missing; the package lists are refreshed only when an install fails.
missing=""
for package in $packages; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing="$missing $package"
done
if [ -n "$missing" ]; then
  step "installing Debian packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends $missing >"$here/apt.log" 2>&1 || {
    apt-get update -q >>"$here/apt.log" 2>&1
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing >>"$here/apt.log" 2>&1 || { tail -5 "$here/apt.log" >&2; fail "cannot install$missing"; }
  }
fi

# 2. The unprivileged user: a system account with no shell, its home the cache's folder.
if ! id "$user" >/dev/null 2>&1; then
  step "creating system user $user"
  useradd --system --user-group --home-dir "$home" --no-create-home --shell /usr/sbin/nologin --comment "photoframe viewer" "$user"
fi
# video: /dev/dri/card* and /dev/cec* on Raspberry Pi OS; render: /dev/dri/renderD*; input: keyboards and remotes.
# The unit names them in SupplementaryGroups=, and systemd refuses to start a
# unit whose group does not exist; udev makes them on a stock Pi, so creating
# one here happens only on a stripped system.
for group in video render input; do
  getent group "$group" >/dev/null || groupadd --system "$group"
  usermod -a -G "$group" "$user"
done
install -d -m 750 -o "$user" -g "$user" "$home"

# 3. Dependencies: unpacked once per set, shared by the releases that use it.
install -d -m 755 "$root" "$root/releases" "$root/deps"
if [ ! -d "$root/deps/$deps" ]; then
  [ -f "$here/deps-$deps.tar.gz" ] || fail "dependency set $deps is not on the Pi and was not sent"
  step "unpacking dependency set $deps"
  rm -rf "$root/deps/$deps.new"
  mkdir "$root/deps/$deps.new"
  tar -C "$root/deps/$deps.new" -xzf "$here/deps-$deps.tar.gz"
  mv "$root/deps/$deps.new" "$root/deps/$deps"
fi

# 4. The release, beside the running one.
new="$root/releases/$release"
rm -rf "$new.new"
mkdir "$new.new"
tar -C "$new.new" -xf "$here/release.tar"
ln -s "../../deps/$deps/node_modules" "$new.new/node_modules"
echo "$deps" > "$new.new/DEPS"
rm -rf "$new"
mv "$new.new" "$new"

# 5. Smoke test as the viewer's user: Node, the bundle, sharp's and SDL's native parts all load.
step "checking release $release"
as_viewer() { setpriv --reuid="$user" --regid="$user" --init-groups --no-new-privs env -i PATH=/usr/bin:/bin HOME="$home" "$@"; }
# One Node process, the viewer's chunk with
# its static imports (etcd3, sharp and its libvips, @kmamal/sdl and libSDL2)
# through the release's node_modules link, then the CLI's entry as the unit
# starts it, asked for the viewer's usage.
smoke_started=$(date +%s)
if ! out=$(cd "$new" && as_viewer node --lite-mode --no-expose-wasm --input-type=module -e "
    const dist = '$new/dist/';
    const chunk = (await import('node:fs')).readdirSync(dist).find((f) => /^viewerCommand-.*[.]js\$/.test(f));
    if (!chunk) throw new Error('no viewer chunk in ' + dist);
    await import(dist + chunk);
    process.argv.splice(1, Infinity, dist + 'photoframe.js', 'viewer', '--help');
    await import(dist + 'photoframe.js');
  " 2>&1); then
  rm -rf "$new"
  # Node's own error line (SyntaxError: ..., Error: Cannot find module ...), not the trailing "Node.js vX" line.
  reason=$(echo "$out" | grep -m1 -E '^[A-Za-z]*Error' || echo "$out" | tail -1)
  fail "release $release does not load on this Pi; the running viewer is unchanged: $reason"
fi

step "release $release loads as $user ($(( $(date +%s) - smoke_started )) s)"

# 6. Settings and enrollment, each replaced whole.
install -d -m 755 /etc/photoframe
if [ -d "$here/enrollment" ]; then
  step "installing the enrollment bundle in /etc/photoframe/enrollment"
  rm -rf /etc/photoframe/enrollment.new
  install -d -m 700 -o "$user" -g "$user" /etc/photoframe/enrollment.new
  for file in "$here"/enrollment/*; do
    install -m 600 -o "$user" -g "$user" "$file" /etc/photoframe/enrollment.new/
  done
  rm -rf /etc/photoframe/enrollment.old
  [ -d /etc/photoframe/enrollment ] && mv /etc/photoframe/enrollment /etc/photoframe/enrollment.old
  mv /etc/photoframe/enrollment.new /etc/photoframe/enrollment
  rm -rf /etc/photoframe/enrollment.old
fi
install -m 644 "$here/viewer.env" /etc/photoframe/viewer.env.new
mv /etc/photoframe/viewer.env.new /etc/photoframe/viewer.env
install -d -m 755 /etc/polkit-1/rules.d
install -m 644 "$here/photoframe-reboot.rules" /etc/polkit-1/rules.d/50-photoframe-reboot.rules
install -m 644 "$here/photoframe-viewer.service" /etc/systemd/system/photoframe-viewer.service.new
mv /etc/systemd/system/photoframe-viewer.service.new /etc/systemd/system/photoframe-viewer.service

# 7. Switch, in one rename.
previous=$(readlink "$root/current" 2>/dev/null || true)
ln -sfn "releases/$release" "$root/current.new"
mv -T "$root/current.new" "$root/current"

# 8. Restart; a viewer that does not stay up is rolled back to the previous release.
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable photoframe-viewer >/dev/null 2>&1
  systemctl restart photoframe-viewer
  sleep 3
  if ! systemctl is-active --quiet photoframe-viewer; then
    if [ -n "$previous" ] && [ "$previous" != "releases/$release" ]; then
      ln -sfn "$previous" "$root/current.new"
      mv -T "$root/current.new" "$root/current"
      systemctl restart photoframe-viewer || true
      fail "the viewer of release $release did not stay up; back on $previous (journalctl -u photoframe-viewer)"
    fi
    fail "the viewer did not stay up (journalctl -u photoframe-viewer)"
  fi
  state="running"
else
  state="installed (systemd is not running here: not started)"
fi

# 9. Keep the previous release for a manual rollback; drop older ones and unused dependency sets.
keep_previous=${previous#releases/}
for dir in "$root"/releases/*; do
  name=$(basename "$dir")
  [ "$name" = "$release" ] || [ "$name" = "$keep_previous" ] || rm -rf "$dir"
done
for dir in "$root"/deps/*; do
  name=$(basename "$dir")
  used=no
  for link in "$root"/releases/*/DEPS; do
    [ -f "$link" ] && [ "$(cat "$link")" = "$name" ] && used=yes
  done
  [ "$used" = yes ] || rm -rf "$dir"
done
# The checkout a previous deploy-pi.sh left here (it ran `make setup` in /opt/photoframe).
for old in Makefile package.json package-lock.json node_modules dist common console data viewer bin scripts deploy test bench docs README.md tsconfig.json; do
  [ -e "$root/$old" ] && rm -rf "${root:?}/$old"
done
echo "pi: ok release=$release deps=$deps viewer=$state"
