#!/usr/bin/env bash
# The browser modeler is built with npm (bpmn-js, dmn-js, esbuild). Installs Debian's
# nodejs and npm with apt when npm is missing.
set -euo pipefail
if ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "ensure-node: install Node.js first: sudo apt-get install nodejs npm" >&2
        exit 1
    fi
    echo "ensure-node: installing Debian's nodejs and npm with apt-get" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >&2
fi
