#!/bin/sh
# Start Asterisk in the background, then the bridge in the foreground (it reconnects on its own).
set -eu
# Asterisk creates voicemail, recordings and CDR files as 0666 minus the umask: keep them 0640.
umask 027
[ -f "$VOCO_CONFIG" ] || voco init --data-dir /var/lib/voco
asterisk -f &
exec voco bridge run
