/* gxmpp-lang-tag.h: language tags (RFC 5646)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GXMPP_INSIDE) && !defined(GXMPP_COMPILATION)
#error "Only <xmpp-glib/xmpp-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "gxmpp-version-macros.h"

G_BEGIN_DECLS

#define GXMPP_TYPE_LANG_TAG (gxmpp_lang_tag_get_type ())

typedef struct _GXmppLangTag GXmppLangTag;

GXMPP_AVAILABLE_IN_ALL
GType gxmpp_lang_tag_get_type (void) G_GNUC_CONST;

GXMPP_AVAILABLE_IN_ALL
GXmppLangTag *gxmpp_lang_tag_new (const char  *text,
                                  GError     **error);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_lang_tag_is_valid (const char *text);

GXMPP_AVAILABLE_IN_ALL
GXmppLangTag *gxmpp_lang_tag_ref (GXmppLangTag *tag);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_lang_tag_unref (GXmppLangTag *tag);

GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_lang_tag_get_primary (GXmppLangTag *tag);
GXMPP_AVAILABLE_IN_ALL
const char * const *gxmpp_lang_tag_get_subtags (GXmppLangTag *tag);
GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_lang_tag_to_string (GXmppLangTag *tag);

GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_lang_tag_equal (GXmppLangTag *a,
                               GXmppLangTag *b);
GXMPP_AVAILABLE_IN_ALL
guint gxmpp_lang_tag_hash (GXmppLangTag *tag);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_lang_tag_matches (GXmppLangTag *tag,
                                 const char   *range);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GXmppLangTag, gxmpp_lang_tag_unref)

G_END_DECLS
