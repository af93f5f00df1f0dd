#!/usr/bin/env bash
# Installs or updates the viewer on a Raspberry Pi (Raspberry Pi OS bookworm) over SSH:
#   deploy/deploy-pi.sh pi@kitchen-pi [display-id] [etcd-url]
# Copies this checkout to /opt/photoframe, runs `make setup` there (Debian
# packages, npm ci, the SDL addon), and installs the systemd unit.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-}
id=${2:-}
etcd=${3:-${PHOTOFRAME_ETCD:-}}
if [ -z "$target" ]; then
  echo "usage: make deploy PI=user@host [ID=display-id] [ETCD=http://console-host:2379]" >&2
  exit 2
fi
if [ -z "$etcd" ]; then
  echo "deploy: give the etcd URL the Pi should use: make deploy PI=$target ETCD=http://<console host>:2379" >&2
  exit 2
fi
case "$etcd" in http://*|https://*) ;; *) echo "deploy: ETCD \"$etcd\" must start with http:// or https://" >&2; exit 2 ;; esac
viewer_args=""
[ -n "$id" ] && viewer_args="--id $id"

echo "deploy: copying to $target:/opt/photoframe"
rsync -a --delete --rsync-path="sudo mkdir -p /opt/photoframe && sudo rsync" \
  --exclude node_modules --exclude .state --exclude .git --exclude dist ./ "$target:/opt/photoframe/"

echo "deploy: setting up and starting the viewer on $target"
ssh "$target" sudo bash -s -- "$etcd" "$viewer_args" <<'REMOTE'
set -euo pipefail
etcd=$1
viewer_args=$2
make -C /opt/photoframe setup
install -d -m 755 /etc/photoframe /var/lib/photoframe
tmp=$(mktemp)
printf 'PHOTOFRAME_ETCD=%s\nPHOTOFRAME_HOME=/var/lib/photoframe\nSDL_VIDEODRIVER=kmsdrm\nVIEWER_ARGS=%s\n' "$etcd" "$viewer_args" > "$tmp"
install -m 644 "$tmp" /etc/photoframe/viewer.env
rm -f "$tmp"
install -m 644 /opt/photoframe/deploy/photoframe-viewer.service /etc/systemd/system/photoframe-viewer.service
systemctl daemon-reload
systemctl enable photoframe-viewer >/dev/null
systemctl restart photoframe-viewer
systemctl --no-pager --lines=5 status photoframe-viewer || true
REMOTE
echo "deploy: done; the display announces itself: npx photoframe displays"
