#!/usr/bin/env bash
# Debian packages the test suites need; installs only what is missing, non-interactively.
#   chromium                     headless browser that drives the real VS Code (code-server)
#   libkrb5-dev libxkbfile-dev   headers code-server's native modules build against
#   libsecret-1-dev pkg-config
#   ripgrep                      VS Code's search uses it
set -euo pipefail
need=()
for pkg in chromium libkrb5-dev libxkbfile-dev libsecret-1-dev pkg-config ripgrep; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
echo "system packages: installing ${need[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "system packages: done"
