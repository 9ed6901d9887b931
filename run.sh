#!/usr/bin/env bash
# Runs Anchor on its embedded default configuration. Extra arguments go to the host (e.g. --config office.json).
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
exec dotnet run --project src/Anchor -c Release -- "$@"
