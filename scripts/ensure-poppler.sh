#!/usr/bin/env bash
# The documents' tests render a PDF page to PNG with pdftoppm (Debian's poppler-utils), and
# WeasyPrint needs Pango and the DejaVu fonts. Installs what is missing with apt; prints
# pdftoppm's path.
set -euo pipefail
missing=()
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "ensure-poppler: install Debian's packages first: sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
    echo "ensure-poppler: installing ${missing[*]} with apt-get" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
command -v pdftoppm
