#!/usr/bin/env bash
# Builds the filter parser fuzzer with clang-14 (libFuzzer + ASan + UBSan)
# and runs it over the committed seed corpus.
#   tests/fuzz/filter/run.sh --runs 20000   # a bounded number of inputs (CTest)
#   tests/fuzz/filter/run.sh 600            # ten minutes
# Build directory: $CRM_FUZZ_BUILD_DIR (default build-fuzz/filter under the
# repository). New corpus entries and crash reproducers stay there; add a
# reproducer to corpus/ once its bug is fixed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
build="${CRM_FUZZ_BUILD_DIR:-$root/build-fuzz/filter}"

limit=(-max_total_time=60)
case "${1:-}" in
  --runs) limit=(-runs="${2:?--runs needs a count}") ;;
  '') ;;
  *[!0-9]*) echo "usage: $0 [SECONDS | --runs COUNT]" >&2; exit 2 ;;
  *) limit=(-max_total_time="$1") ;;
esac

for tool in clang++-14 cmake ninja; do
  command -v "$tool" >/dev/null || {
    echo "$tool not found: run scripts/install-deps.sh" >&2; exit 2; }
done

if [[ ! -f "$build/build.ninja" ]]; then
  cmake -S "$here" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" -j 2 >/dev/null

mkdir -p "$build/corpus" "$build/artifacts"
# First directory: where new inputs go; the seeds are read only.
exec "$build/filter_parser_fuzzer" "$build/corpus" "$here/corpus" \
  -dict="$here/filter.dict" -max_len=4200 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$build/artifacts/" -print_final_stats=1 "${limit[@]}"
