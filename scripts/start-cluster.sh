#!/usr/bin/env bash
# Starts a standalone session cluster on this machine: a JobManager and the TaskManagers that
# conf/spindle-conf.yaml asks for (standalone.number-of-taskmanagers). Extra arguments (-Dkey=value)
# are passed on. Logs and pid files go to log/ (env.log.dir).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
exec node "$here/packages/cli/bin/spindle.js" cluster start "$@"
