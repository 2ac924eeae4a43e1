#!/usr/bin/env bash
# clang-format over every C++ file of the project (.clang-format at the root).
#
#   scripts/format.sh fix     reformat in place
#   scripts/format.sh check   change nothing; list unformatted files, exit 1
#
# Files: tracked and untracked-but-not-ignored *.cc, *.h, *.cpp, *.hpp
# (generated code lives in ignored build trees and is never checked).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-check}
command -v clang-format >/dev/null 2>&1 ||
  { echo "format.sh: clang-format is missing: run scripts/install-deps.sh" >&2; exit 1; }

files=()
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  while IFS= read -r -d '' file; do
    [[ -f "$file" ]] && files+=("$file")
  done < <(git ls-files -z --cached --others --exclude-standard -- \
    '*.cc' '*.h' '*.cpp' '*.hpp')
else
  while IFS= read -r -d '' file; do files+=("$file"); done < <(
    find . \( -path './build*' -o -path ./var -o -path ./.git \
      -o -name node_modules -o -path ./.local \) -prune -o \
      -type f \( -name '*.cc' -o -name '*.h' -o -name '*.cpp' -o -name '*.hpp' \) \
      -print0)
fi

case "$mode" in
  fix)
    if ((${#files[@]} > 0)); then clang-format -i "${files[@]}"; fi
    echo "format.sh: formatted ${#files[@]} files"
    ;;
  check)
    bad=()
    for file in "${files[@]}"; do
      clang-format --dry-run -Werror "$file" >/dev/null 2>&1 || bad+=("$file")
    done
    if ((${#bad[@]} > 0)); then
      echo "format.sh: ${#bad[@]} of ${#files[@]} C++ files are not clang-formatted" \
        "(run \`make fmt\`):" >&2
      printf '  %s\n' "${bad[@]}" >&2
      exit 1
    fi
    echo "format.sh: ${#files[@]} C++ files are clang-formatted"
    ;;
  *)
    echo "usage: scripts/format.sh fix|check" >&2
    exit 2
    ;;
esac
