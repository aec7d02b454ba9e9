#!/bin/sh
# Voco's container entrypoint (PID 1 runs under the compose file's `init: true`):
#   1. first start only: create the installation, or join a cluster (asterisk_bridge.deploy.container)
#   2. refuse to run unless the recording spool is RAM (a tmpfs mount)
#   3. renew the TLS certificate if due; write Voco's Asterisk configuration (voco apply --offline)
#   4. start Asterisk, wait until it is fully booted, prove the configuration live (voco apply)
#   5. supervise: restart the bridge whenever it exits; stop everything on SIGTERM; exit if
#      Asterisk dies (the container's restart policy starts it again)
set -eu
# Asterisk creates voicemail, recordings and CDR files as 0666 minus the umask: keep them 0640.
umask 027
: "${VOCO_CONFIG:=/etc/voco/voco.toml}" "${VOCO_PYTHON:=/opt/voco/bin/python}"
: "${VOCO_SPOOL:=/var/spool/asterisk/monitor}" "${VOCO_BRIDGE_RESTART_S:=2}"
export VOCO_CONFIG

log() { echo "voco-entrypoint: $*" >&2; }

"$VOCO_PYTHON" -m asterisk_bridge.deploy.container

mkdir -p "$VOCO_SPOOL"
if ! awk -v p="$VOCO_SPOOL" '$2 == p && $3 == "tmpfs" {found=1} END {exit !found}' /proc/mounts; then
  log "$VOCO_SPOOL is not a tmpfs: recordings would reach the disk in clear; mount one (compose: tmpfs)"
  exit 78
fi

voco tls renew >/dev/null || log "the TLS certificate needs the admin's attention (voco tls show)"
voco apply --offline

asterisk -f -n &
asterisk_pid=$!
bridge_pid=""

stop() {
  log "stopping"
  [ -n "$bridge_pid" ] && kill -TERM "$bridge_pid" 2>/dev/null || true
  asterisk -rx "core stop gracefully" >/dev/null 2>&1 || kill -TERM "$asterisk_pid" 2>/dev/null || true
  wait "$asterisk_pid" 2>/dev/null || true
  exit 0
}
trap stop TERM INT

until asterisk -rx "core waitfullybooted" >/dev/null 2>&1; do
  kill -0 "$asterisk_pid" 2>/dev/null || { log "Asterisk exited while booting"; exit 1; }
  sleep 0.2
done
voco apply

while :; do
  voco bridge run &
  bridge_pid=$!
  status=0
  wait "$bridge_pid" || status=$?
  kill -0 "$asterisk_pid" 2>/dev/null || { log "Asterisk exited"; exit 1; }
  log "bridge exited ($status); restarting in ${VOCO_BRIDGE_RESTART_S} s"
  sleep "$VOCO_BRIDGE_RESTART_S"
done
