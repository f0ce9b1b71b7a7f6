#!/bin/sh
# Every public header refuses to be included on its own, and the umbrella
# header compiles cleanly as C11 with -Wall -Wextra -Werror.
#
# Usage: CC="cc" check-headers.sh HEADER_PATH...
# where the HEADER_PATHs are every public header, from the source tree
# (also xmpp-glib/im/) and the build tree (the generated ones). They are
# linked into one directory, as `meson install` puts them, so that
# <xmpp-glib/NAME> resolves the way it does for an application.
set -eu

cc=${CC:-cc}
expected='Only <xmpp-glib/xmpp-glib.h> can be included directly.'

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/include/xmpp-glib"
for path in "$@"; do
  ln -s "$(realpath "$path")" "$tmp/include/xmpp-glib/$(basename "$path")"
done
cflags="-I$tmp/include $(pkg-config --cflags gobject-2.0 gio-2.0)"

status=0

for path in "$@"; do
  header=$(basename "$path")
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
