#!/usr/bin/env bash
# Installs the Debian packages the browser and real-VS-Code suites need, ahead of time. Optional:
# `npm test` and `npm start` install what they lack themselves (test/harness/prerequisites.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
exec node test/harness/prerequisites.mjs "$@"
