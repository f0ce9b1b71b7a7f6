/* gxmpp-roster.h: the user's roster as a list model (RFC 6121 section 2)
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
#include "gxmpp-roster-item.h"
#include "gxmpp-roster-store.h"
#include "gxmpp-session.h"

G_BEGIN_DECLS

/**
 * GXMPP_NS_ROSTER:
 *
 * The namespace of roster management (RFC 6121 section 2),
 * `jabber:iq:roster`.
 */
#define GXMPP_NS_ROSTER "jabber:iq:roster"

/**
 * GXMPP_NS_ROSTER_VERSIONING:
 *
 * The namespace of the stream feature by which a server announces roster
 * versioning (RFC 6121 section 2.6.1), `urn:xmpp:features:rosterver`.
 */
#define GXMPP_NS_ROSTER_VERSIONING "urn:xmpp:features:rosterver"

#define GXMPP_TYPE_ROSTER (gxmpp_roster_get_type ())

GXMPP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GXmppRoster, gxmpp_roster, GXMPP, ROSTER, GObject)

GXMPP_AVAILABLE_IN_ALL
GXmppRoster *gxmpp_roster_new (GXmppSession     *session,
                               GXmppRosterStore *store);

GXMPP_AVAILABLE_IN_ALL
GXmppSession *gxmpp_roster_get_session (GXmppRoster *roster);
GXMPP_AVAILABLE_IN_ALL
GXmppRosterStore *gxmpp_roster_get_store (GXmppRoster *roster);
GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_roster_get_version (GXmppRoster *roster);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_roster_is_loaded (GXmppRoster *roster);
GXMPP_AVAILABLE_IN_ALL
GXmppRosterItem *gxmpp_roster_lookup (GXmppRoster *roster,
                                      GXmppJid    *jid);

GXMPP_AVAILABLE_IN_ALL
void gxmpp_roster_fetch_async (GXmppRoster         *roster,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_roster_fetch_finish (GXmppRoster   *roster,
                                    GAsyncResult  *result,
                                    GError       **error);

GXMPP_AVAILABLE_IN_ALL
void gxmpp_roster_add_async (GXmppRoster         *roster,
                             GXmppJid            *jid,
                             const char          *name,
                             const char * const  *groups,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_roster_add_finish (GXmppRoster   *roster,
                                  GAsyncResult  *result,
                                  GError       **error);

GXMPP_AVAILABLE_IN_ALL
void gxmpp_roster_update_async (GXmppRoster         *roster,
                                GXmppJid            *jid,
                                const char          *name,
                                const char * const  *groups,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_roster_update_finish (GXmppRoster   *roster,
                                     GAsyncResult  *result,
                                     GError       **error);

GXMPP_AVAILABLE_IN_ALL
void gxmpp_roster_remove_async (GXmppRoster         *roster,
                                GXmppJid            *jid,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_roster_remove_finish (GXmppRoster   *roster,
                                     GAsyncResult  *result,
                                     GError       **error);

GXMPP_AVAILABLE_IN_ALL
void gxmpp_roster_save_async (GXmppRoster         *roster,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_roster_save_finish (GXmppRoster   *roster,
                                   GAsyncResult  *result,
                                   GError       **error);

G_END_DECLS
