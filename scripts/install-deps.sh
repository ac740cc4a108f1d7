#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Conclave needs to build, test and benchmark.
set -euo pipefail
packages=(
  build-essential cmake pkg-config ccache clang-format
  libssl-dev                      # OpenSSL 3: all cryptography
  libsodium-dev                   # optional: Ed25519/X25519 by crypto::sodium_provider()
  libsqlite3-dev                  # storage/: the SQLite store
  libgtest-dev libgmock-dev       # tests
  libbenchmark-dev                # bench/
  nlohmann-json3-dev              # conformance tool and tests
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc  # tools/interop
  libpq-dev postgresql            # tools/ds: the PostgreSQL backend and its test cluster
  clang libclang-rt-dev llvm      # fuzz/ (libFuzzer, sanitizers) and scripts/coverage.sh (llvm-cov)
  doxygen                         # docs/: the API reference (target docs, test docs.api)
  tmux                            # tools/cli/tests: two `conclave chat` sessions typing to each other
  python3 python3-cffi python3-pytest  # python/: the bindings over the C API and their tests
  python3-setuptools python3-pip python3-venv  # `pip install --no-build-isolation ./python`
)
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
