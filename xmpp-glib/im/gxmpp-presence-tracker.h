/* gxmpp-presence-tracker.h: who is available, and our own presence
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

#define GXMPP_TYPE_PRESENCE_TRACKER (gxmpp_presence_tracker_get_type ())

GXMPP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GXmppPresenceTracker, gxmpp_presence_tracker, GXMPP, PRESENCE_TRACKER, GObject)

GXMPP_AVAILABLE_IN_ALL
GXmppPresenceTracker *gxmpp_presence_tracker_new (GXmppSession *session);

GXMPP_AVAILABLE_IN_ALL
GXmppSession *gxmpp_presence_tracker_get_session (GXmppPresenceTracker *tracker);

GXMPP_AVAILABLE_IN_ALL
GPtrArray *gxmpp_presence_tracker_get_presences (GXmppPresenceTracker *tracker,
                                                 GXmppJid             *jid);
GXMPP_AVAILABLE_IN_ALL
GXmppPresence *gxmpp_presence_tracker_get_presence (GXmppPresenceTracker *tracker,
                                                    GXmppJid             *jid);
GXMPP_AVAILABLE_IN_ALL
GXmppPresence *gxmpp_presence_tracker_get_best (GXmppPresenceTracker *tracker,
                                                GXmppJid             *jid);
GXMPP_AVAILABLE_IN_ALL
GPtrArray *gxmpp_presence_tracker_get_contacts (GXmppPresenceTracker *tracker);

GXMPP_AVAILABLE_IN_ALL
GXmppPresence *gxmpp_presence_tracker_get_own_presence (GXmppPresenceTracker *tracker);

GXMPP_AVAILABLE_IN_ALL
void gxmpp_presence_tracker_set_presence_async (GXmppPresenceTracker *tracker,
                                                GXmppPresence        *presence,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_presence_tracker_set_presence_finish (GXmppPresenceTracker  *tracker,
                                                     GAsyncResult          *result,
                                                     GError               **error);

GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_presence_tracker_send_directed (GXmppPresenceTracker  *tracker,
                                               GXmppJid              *to,
                                               GXmppPresence         *presence,
                                               GError               **error);
GXMPP_AVAILABLE_IN_ALL
GPtrArray *gxmpp_presence_tracker_get_directed (GXmppPresenceTracker *tracker);

GXMPP_AVAILABLE_IN_ALL
void gxmpp_presence_tracker_go_offline_async (GXmppPresenceTracker *tracker,
                                              const char           *status,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_presence_tracker_go_offline_finish (GXmppPresenceTracker  *tracker,
                                                   GAsyncResult          *result,
                                                   GError               **error);

G_END_DECLS
