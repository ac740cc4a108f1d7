#!/usr/bin/env bash
# Sets everything up and runs Conclave's main job: installs the Debian packages, builds, runs
# the three-member conversation through a real conclave-ds with the `conclave` CLI
# (scripts/conversation.sh) and checks the official MLS test vectors when they are present.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
echo
scripts/conversation.sh
vectors=${CONCLAVE_TEST_VECTORS:-../shared/test-vectors}
echo
if [ -d "$vectors" ]; then
  ./build/bin/conclave-vectors --skip-unimplemented "$vectors"/*.json
else
  echo "No official test vectors at $vectors: set CONCLAVE_TEST_VECTORS to the test-vectors"
  echo "folder of the MLS working group's mls-implementations repository to check them."
fi
