#!/usr/bin/env bash
# Browser tests drive Debian's chromium (Playwright's own browser download cannot work
# offline). Installs it with apt when missing; prints its path.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "ensure-chromium: install Debian's package first: sudo apt-get install chromium" >&2
        exit 1
    fi
    echo "ensure-chromium: installing Debian's chromium with apt-get" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
fi
command -v chromium
