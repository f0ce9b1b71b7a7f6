/* gxmpp-subscriptions.h: presence subscriptions (RFC 6121 section 3)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GXMPP_INSIDE) && !defined(GXMPP_COMPILATION)
#error "Only <xmpp-glib/xmpp-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "gxmpp-version-macros.h"
#include "gxmpp-jid.h"
#include "gxmpp-presence.h"
#include "gxmpp-session.h"

G_BEGIN_DECLS

#define GXMPP_TYPE_SUBSCRIPTIONS (gxmpp_subscriptions_get_type ())

GXMPP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GXmppSubscriptions, gxmpp_subscriptions, GXMPP, SUBSCRIPTIONS, GObject)

GXMPP_AVAILABLE_IN_ALL
GXmppSubscriptions *gxmpp_subscriptions_new (GXmppSession *session);

GXMPP_AVAILABLE_IN_ALL
GXmppSession *gxmpp_subscriptions_get_session (GXmppSubscriptions *subscriptions);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_subscriptions_get_preapproval_supported (GXmppSubscriptions *subscriptions);

GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_subscriptions_subscribe (GXmppSubscriptions  *subscriptions,
                                        GXmppJid            *jid,
                                        const char          *status,
                                        GError             **error);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_subscriptions_unsubscribe (GXmppSubscriptions  *subscriptions,
                                          GXmppJid            *jid,
                                          GError             **error);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_subscriptions_approve (GXmppSubscriptions  *subscriptions,
                                      GXmppJid            *jid,
                                      GError             **error);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_subscriptions_deny (GXmppSubscriptions  *subscriptions,
                                   GXmppJid            *jid,
                                   GError             **error);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_subscriptions_cancel (GXmppSubscriptions  *subscriptions,
                                     GXmppJid            *jid,
                                     GError             **error);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_subscriptions_preapprove (GXmppSubscriptions  *subscriptions,
                                         GXmppJid            *jid,
                                         GError             **error);

G_END_DECLS
