#!/bin/sh
# Start Asterisk in the background, then the bridge in the foreground (it reconnects on its own).
set -eu
[ -f "$VOCO_CONFIG" ] || voco init --data-dir /var/lib/voco
asterisk -f &
exec voco bridge run
