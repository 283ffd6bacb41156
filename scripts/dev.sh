#!/usr/bin/env bash
# The two commands of the README.
#   scripts/dev.sh run    install the Debian packages, build, run the gateway on its embedded default
#   scripts/dev.sh test   install the packages (test peers too), build, run every test; then build
#                         with AddressSanitizer + UndefinedBehaviorSanitizer and run them again
# Environment: BULWARK_JOBS (parallel jobs, default: cores), BULWARK_SKIP_SANITIZE=1 (test only
# the normal build), BULWARK_SHARED_DATA (the shared test data, default ../shared/data).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs="${BULWARK_JOBS:-$(nproc)}"
# ccache keys on paths relative to the checkout, so that another clone of the same sources (a CI
# run, say) reuses what an earlier build compiled.
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1

configure_and_build() {
  local dir="$1"
  shift
  cmake -S "$root" -B "$dir" -G Ninja "$@" >/dev/null
  ninja -C "$dir" -j "$jobs"
}

run_tests() {
  local dir="$1"
  (cd "$dir" && ctest --output-on-failure --timeout 900 -j 1)
}

case "${1:-}" in
  run)
    "$root/scripts/install-deps.sh"
    configure_and_build "$root/build-release" -DCMAKE_BUILD_TYPE=Release -DBULWARK_BUILD_TESTS=OFF
    shift
    exec "$root/build-release/bulwark" run "$@"
    ;;
  test)
    "$root/scripts/install-deps.sh" --test
    configure_and_build "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBULWARK_BUILD_BENCH=ON
    run_tests "$root/build"
    if [[ "${BULWARK_SKIP_SANITIZE:-0}" != "1" ]]; then
      configure_and_build "$root/build-asan" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" \
        -DBULWARK_SANITIZE=ON
      ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
        run_tests "$root/build-asan"
    fi
    ;;
  *)
    echo "usage: scripts/dev.sh run [bulwark run options] | scripts/dev.sh test" >&2
    exit 2
    ;;
esac
