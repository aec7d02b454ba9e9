#!/usr/bin/env bash
# Re-vendor SIP.js (npm, BSD-3-Clause/MIT) into the WebRTC test page's assets. Run by hand when
# upgrading; the tests load only the vendored copy, nothing from the network.
#   scripts/vendor-sipjs.sh 0.21.2
set -euo pipefail
version="${1:?usage: $0 VERSION}"
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm install --no-audit --no-fund --ignore-scripts "sip.js@$version" >/dev/null)
dest="$here/tests/assets/webrtc/sip.js"
rm -rf "$dest"
mkdir -p "$dest"
(cd "$work/node_modules/sip.js" && find lib -name '*.js' -exec install -D -m 0644 {} "$dest/{}" \;)
install -m 0644 "$work/node_modules/sip.js/LICENSE.md" "$dest/LICENSE.md"
echo "$version" > "$dest/VERSION"
