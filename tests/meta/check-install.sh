#!/bin/sh
# 'meson install' into a DESTDIR puts every file where an application, a
# binding or a packager expects it, and installs no private header.
#
# Usage: check-install.sh, with the environment set by tests/meta/meson.build:
#   MESON BUILD_ROOT PREFIX LIBDIR INCLUDEDIR DATADIR (absolute paths)
#   INTROSPECTION VAPI DOCS (true or false)
set -eu

destdir="$BUILD_ROOT/meta-install-destdir"
rm -rf "$destdir"
trap 'rm -rf "$destdir"' EXIT

$MESON install -C "$BUILD_ROOT" --no-rebuild --quiet --destdir "$destdir" > /dev/null

root="$destdir"
status=0

expect () {
  if [ -e "$root$1" ]; then
    echo "ok: $1"
  else
    echo "FAIL: $1 was not installed"
    status=1
  fi
}

incdir="$INCLUDEDIR/xmpp-glib-1.0/xmpp-glib"

expect "$LIBDIR/libxmpp-glib-1.0.so"
expect "$LIBDIR/libxmpp-glib-1.0.so.0"
expect "$LIBDIR/pkgconfig/xmpp-glib-1.0.pc"
expect "$incdir/xmpp-glib.h"
expect "$incdir/gxmpp-version.h"
expect "$incdir/gxmpp-version-macros.h"
expect "$incdir/gxmpp-enum-types.h"
# Every header the umbrella includes is there.
for header in $(sed -n 's/^#include "\(.*\)"/\1/p' "$root$incdir/xmpp-glib.h" 2>/dev/null); do
  expect "$incdir/$header"
done

if [ "$INTROSPECTION" = true ]; then
  expect "$DATADIR/gir-1.0/GXmpp-1.0.gir"
  expect "$LIBDIR/girepository-1.0/GXmpp-1.0.typelib"
fi
if [ "$VAPI" = true ]; then
  expect "$DATADIR/vala/vapi/xmpp-glib-1.0.vapi"
  expect "$DATADIR/vala/vapi/xmpp-glib-1.0.deps"
fi
if [ "$DOCS" = true ]; then
  expect "$DATADIR/doc/xmpp-glib-1.0/index.html"
  expect "$DATADIR/doc/xmpp-glib-1.0/overview.html"
  expect "$DATADIR/doc/xmpp-glib-1.0/xmpp-glib-1.0.devhelp2"
fi

private=$(find "$destdir" -name '*-private.h')
if [ -n "$private" ]; then
  echo "FAIL: private headers were installed:"
  echo "$private" | sed 's/^/  /'
  status=1
fi

pc="$root$LIBDIR/pkgconfig/xmpp-glib-1.0.pc"
if [ -f "$pc" ]; then
  for line in '^Libs: .*-lxmpp-glib-1.0' '^Cflags: .*/xmpp-glib-1.0' '^Requires: .*gio-2.0'; do
    if ! grep -q -- "$line" "$pc"; then
      echo "FAIL: xmpp-glib-1.0.pc has no line matching '$line'"
      status=1
    fi
  done
fi

exit $status
