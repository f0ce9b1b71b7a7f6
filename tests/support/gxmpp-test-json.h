/* gxmpp-test-json.h: just enough JSON for the test support programs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Parses one JSON value (RFC 8259) into a GVariant: an object becomes
 * a{sv}, an array av, a string s, an integer x, another number d, true and
 * false b, and null an empty maybe (mv). Returns a floating-free reference
 * or NULL with @error set (G_VARIANT_PARSE_ERROR). */
GVariant   *gxmpp_test_json_parse        (const char  *text,
                                          gssize       length,
                                          GError     **error);

/* Appends @text as a JSON string literal, quotes included. */
void        gxmpp_test_json_append_string (GString    *out,
                                           const char *text);

/* Looks up @key in an a{sv} and returns its string, or NULL if it is
 * missing or not a string. */
const char *gxmpp_test_json_get_string   (GVariant    *object,
                                          const char  *key);

/* Looks up @key in an a{sv} and returns its integer, or @fallback. */
gint64      gxmpp_test_json_get_int      (GVariant    *object,
                                          const char  *key,
                                          gint64       fallback);

/* Looks up @key in an a{sv} and returns its boolean, or @fallback. */
gboolean    gxmpp_test_json_get_bool     (GVariant    *object,
                                          const char  *key,
                                          gboolean     fallback);

/* Looks up @key in an a{sv} and returns the value (transfer full), unboxed
 * from its variant, or NULL. */
GVariant   *gxmpp_test_json_get          (GVariant    *object,
                                          const char  *key);

G_END_DECLS
