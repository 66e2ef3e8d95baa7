#!/usr/bin/env bash
# Build the one-folder bundle dist/longform/ from packaging/longform.spec, in the virtualenv that README's
# install command made (activated). Prints how long it took and how large the bundle is.
set -euo pipefail
cd "$(dirname "$0")/.."

PYINSTALLER=6.22.3  # the version this spec was checked with (packaging/README.md)
if [ "$(pyinstaller --version 2>/dev/null)" != "$PYINSTALLER" ]; then
    pip install "pyinstaller==$PYINSTALLER"
fi

start=$(date +%s)
pyinstaller --noconfirm --log-level WARN packaging/longform.spec
echo "build.sh: dist/longform built in $(( $(date +%s) - start )) s; $(du -sh dist/longform | cut -f1)"
