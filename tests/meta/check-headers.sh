#!/bin/sh
# Every public header refuses to be included on its own, and the umbrella
# header compiles cleanly as C11 with -Wall -Wextra -Werror.
#
# Usage: CC="cc" check-headers.sh SOURCE_ROOT BUILD_ROOT HEADER_NAME...
# where each HEADER_NAME is a header's file name inside xmpp-glib/.
set -eu

srcroot=$1
buildroot=$2
shift 2

cc=${CC:-cc}
expected='Only <xmpp-glib/xmpp-glib.h> can be included directly.'

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The include paths an application would get from pkg-config, for the
# build tree: <xmpp-glib/...> resolves to sources and generated headers.
cflags="-I$srcroot -I$buildroot -I$srcroot/xmpp-glib -I$buildroot/xmpp-glib"
cflags="$cflags $(pkg-config --cflags gobject-2.0 gio-2.0)"

status=0

for header in "$@"; do
  [ "$header" = "xmpp-glib.h" ] && continue
  printf '#include <xmpp-glib/%s>\n' "$header" > "$tmp/direct.c"
  # shellcheck disable=SC2086 # $cc and $cflags are lists
  if $cc -std=c11 $cflags -c "$tmp/direct.c" -o "$tmp/direct.o" > "$tmp/out" 2>&1; then
    echo "FAIL: <xmpp-glib/$header> can be included on its own"
    status=1
  elif ! grep -qF "$expected" "$tmp/out"; then
    echo "FAIL: <xmpp-glib/$header> fails without the expected message:"
    sed 's/^/  /' "$tmp/out"
    status=1
  else
    echo "ok: <xmpp-glib/$header> refuses direct inclusion"
  fi
done

cat > "$tmp/umbrella.c" <<'C'
#include <xmpp-glib/xmpp-glib.h>

int
main (void)
{
  g_autoptr(GXmppNode) node = gxmpp_node_new ("message", GXMPP_NS_CLIENT);

  return GXMPP_CHECK_VERSION (0, 0, 0) && node != NULL ? 0 : 1;
}
C
# shellcheck disable=SC2086 # $cc and $cflags are lists
if $cc -std=c11 -Wall -Wextra -Werror $cflags -c "$tmp/umbrella.c" -o "$tmp/umbrella.o" > "$tmp/out" 2>&1; then
  echo "ok: <xmpp-glib/xmpp-glib.h> compiles with -std=c11 -Wall -Wextra -Werror"
else
  echo "FAIL: <xmpp-glib/xmpp-glib.h> does not compile cleanly:"
  sed 's/^/  /' "$tmp/out"
  status=1
fi

exit $status
