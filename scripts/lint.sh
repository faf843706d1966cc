#!/usr/bin/env bash
# clang-format check (or fix with --fix), then clang-tidy over the C++ sources using
# build/compile_commands.json (CMake writes it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mapfile -t sources < <(git ls-files 'src/*.cc' 'src/*.h')
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${sources[@]}"
  exit 0
fi
clang-format --dry-run "${sources[@]}"
mapfile -t units < <(git ls-files 'src/*.cc')
clang-tidy -p build --quiet "${units[@]}"
