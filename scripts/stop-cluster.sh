#!/usr/bin/env bash
# Stops the processes started by start-cluster.sh (SIGTERM, then SIGKILL after 10 s).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
exec node "$here/packages/cli/bin/spindle.js" cluster stop "$@"
