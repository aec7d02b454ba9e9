#!/usr/bin/env bash
# Install the Debian packages Voco's sandbox and tests need, only those missing.
#   mmdebstrap: builds the Debian sid root holding Asterisk 22 (Debian stable has none)
#   sip-tester (sipp), baresip: real SIP clients for end-to-end calls
#   age: the standard tool that reads Voco's exported recordings; sox: audio checks
#   tshark: proves a TLS/SRTP call shows nothing in clear; chromium, chromedriver: a real
#   browser phone for the WebRTC test (headless, fake audio device) and the HTML reports' test
#   espeak-ng: speaks the default voicemail privacy notice (and the test callers' messages)
#   postgresql-client (pg_dump): the raw scan of a PostgreSQL store for personal data in clear
#   dumpcap: what 'voco capture' runs (tshark reads the captures back in the tests)
set -euo pipefail
declare -A pkg_for=([mmdebstrap]=mmdebstrap [sipp]=sip-tester [baresip]=baresip [age]=age [sox]=sox
                    [tshark]=tshark [chromium]=chromium [chromedriver]=chromium-driver
                    [espeak-ng]=espeak-ng [pg_dump]=postgresql-client [dumpcap]=wireshark-common)
missing=()
for cmd in "${!pkg_for[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${pkg_for[$cmd]}")
done
if ((${#missing[@]})); then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
