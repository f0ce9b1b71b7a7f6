#!/bin/sh
# The shared library exports exactly the public API: every dynamic symbol
# it defines starts with gxmpp_ and is declared in a public header (so
# private gxmpp_ functions stay hidden), and every function a public header
# declares with a GXMPP_AVAILABLE_* macro is exported.
#
# Usage: check-exports.sh LIBRARY PUBLIC_HEADER...
set -eu

lib=$1
shift
nm=${NM:-nm}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$nm" -D --defined-only "$lib" | awk 'NF >= 3 { print $3 }' | sort -u > "$tmp/exported"
cat "$@" > "$tmp/headers"

# Names of the functions declared right after a GXMPP_AVAILABLE_* line;
# G_DECLARE_*_TYPE (Name, module_name, ...) and G_DECLARE_INTERFACE (Name,
# module_name, ...) declare module_name_get_type.
awk '
  /^GXMPP_AVAILABLE_/ { want = 1; next }
  want && match ($0, /G_DECLARE_([A-Z_]+_TYPE|INTERFACE)[ ]*\([ ]*[A-Za-z0-9_]+[ ]*,[ ]*gxmpp_[a-z0-9_]+/) {
    name = substr ($0, RSTART, RLENGTH)
    sub (/.*,[ ]*/, "", name)
    print name "_get_type"
    want = 0
    next
  }
  want && match ($0, /gxmpp_[a-z0-9_]+[ ]*\(/) {
    name = substr ($0, RSTART, RLENGTH)
    sub (/[ ]*\($/, "", name)
    print name
    want = 0
  }
' "$tmp/headers" | sort -u > "$tmp/declared"

status=0

if [ ! -s "$tmp/exported" ]; then
  echo "FAIL: $lib exports no symbols"
  exit 1
fi

if grep -v '^gxmpp_' "$tmp/exported" > "$tmp/foreign"; then
  echo "FAIL: exported symbols outside the gxmpp_ namespace:"
  sed 's/^/  /' "$tmp/foreign"
  status=1
fi

if comm -23 "$tmp/exported" "$tmp/declared" | grep . > "$tmp/private"; then
  echo "FAIL: exported symbols that no public header declares with GXMPP_AVAILABLE_*:"
  sed 's/^/  /' "$tmp/private"
  status=1
fi

if comm -13 "$tmp/exported" "$tmp/declared" | grep . > "$tmp/missing"; then
  echo "FAIL: public functions that the library does not export:"
  sed 's/^/  /' "$tmp/missing"
  status=1
fi

echo "$(wc -l < "$tmp/exported") symbols exported, $(wc -l < "$tmp/declared") declared public"
exit $status
