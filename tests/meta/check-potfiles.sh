#!/bin/sh
# po/POTFILES lists exactly the sources that need it: every file under
# xmpp-glib/ that marks a string for translation with _() or N_() is
# listed, and every listed file exists.
#
# Usage: check-potfiles.sh SOURCE_ROOT
set -eu

cd "$1"

status=0
listed=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' po/POTFILES)

for file in $listed; do
  if [ ! -f "$file" ]; then
    echo "FAIL: po/POTFILES lists $file, which does not exist"
    status=1
  fi
done

# A call of _ or N_: the name not preceded by another identifier character,
# outside a #define (gxmpp-i18n-private.h defines the macros).
for file in $(find xmpp-glib -name '*.[ch]' | sort); do
  if grep -E '(^|[^[:alnum:]_])N?_[[:space:]]*\(' "$file" \
     | grep -qvE '^[[:space:]]*#[[:space:]]*define'; then
    if ! printf '%s\n' $listed | grep -qxF "$file"; then
      echo "FAIL: $file has translatable strings but is not in po/POTFILES"
      status=1
    fi
  fi
done

[ $status -eq 0 ] && echo "ok: po/POTFILES lists $(echo $listed | wc -w) files, all present, none missing"
exit $status
