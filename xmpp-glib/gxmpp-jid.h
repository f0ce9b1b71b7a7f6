/* gxmpp-jid.h: XMPP addresses (RFC 7622)
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

#define GXMPP_TYPE_JID (gxmpp_jid_get_type ())

typedef struct _GXmppJid GXmppJid;

GXMPP_AVAILABLE_IN_ALL
GType gxmpp_jid_get_type (void) G_GNUC_CONST;

GXMPP_AVAILABLE_IN_ALL
GXmppJid *gxmpp_jid_new (const char  *text,
                         GError     **error);
GXMPP_AVAILABLE_IN_ALL
GXmppJid *gxmpp_jid_new_from_parts (const char  *local,
                                    const char  *domain,
                                    const char  *resource,
                                    GError     **error);

GXMPP_AVAILABLE_IN_ALL
GXmppJid *gxmpp_jid_ref (GXmppJid *jid);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_jid_unref (GXmppJid *jid);

GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_jid_get_local (GXmppJid *jid);
GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_jid_get_domain (GXmppJid *jid);
GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_jid_get_resource (GXmppJid *jid);

GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_jid_is_bare (GXmppJid *jid);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_jid_is_full (GXmppJid *jid);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_jid_is_domain (GXmppJid *jid);

GXMPP_AVAILABLE_IN_ALL
GXmppJid *gxmpp_jid_to_bare (GXmppJid *jid);
GXMPP_AVAILABLE_IN_ALL
GXmppJid *gxmpp_jid_with_resource (GXmppJid    *jid,
                                   const char  *resource,
                                   GError     **error);

GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_jid_equal (GXmppJid *a,
                          GXmppJid *b);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_jid_equal_bare (GXmppJid *a,
                               GXmppJid *b);
GXMPP_AVAILABLE_IN_ALL
guint gxmpp_jid_hash (GXmppJid *jid);

GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_jid_to_string (GXmppJid *jid);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GXmppJid, gxmpp_jid_unref)

G_END_DECLS
