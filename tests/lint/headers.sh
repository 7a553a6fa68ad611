#!/usr/bin/env bash
# Every public header compiles on its own as C99 and as C++, pedantic and
# warning-free (as libgit2's headertest).
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for h in include/strata/*.h; do
  echo "#include \"strata/$(basename "$h")\"" > "$tmp/t.c"
  echo "int main(void) { return 0; }" >> "$tmp/t.c"
  cc -std=c99 -Wall -Wextra -pedantic -Werror -Iinclude -c "$tmp/t.c" -o "$tmp/t.o"
  cp "$tmp/t.c" "$tmp/t.cpp"
  c++ -std=c++11 -Wall -Wextra -pedantic -Werror -Iinclude -c "$tmp/t.cpp" -o "$tmp/t.o"
done
echo "public headers: ok ($(ls include/strata/*.h | wc -l) as C99 and C++11)"
