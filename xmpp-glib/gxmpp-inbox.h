/* gxmpp-inbox.h: pulling received stanzas
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GXMPP_INSIDE) && !defined(GXMPP_COMPILATION)
#error "Only <xmpp-glib/xmpp-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "gxmpp-version-macros.h"
#include "gxmpp-message.h"
#include "gxmpp-presence.h"
#include "gxmpp-session.h"

G_BEGIN_DECLS

#define GXMPP_TYPE_INBOX (gxmpp_inbox_get_type ())

GXMPP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GXmppInbox, gxmpp_inbox, GXMPP, INBOX, GObject)

/**
 * GXmppStanzaFilter:
 * @stanza: a stanza taken from the inbox
 * @user_data: the data given with the filter
 *
 * Decides whether a stanza is the one waited for.
 *
 * Returns: %TRUE to take @stanza
 */
typedef gboolean (* GXmppStanzaFilter) (GXmppStanza *stanza,
                                        gpointer     user_data);

GXMPP_AVAILABLE_IN_ALL
GXmppInbox *gxmpp_session_open_inbox (GXmppSession *session);

GXMPP_AVAILABLE_IN_ALL
guint gxmpp_inbox_get_length (GXmppInbox *inbox);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_inbox_close (GXmppInbox *inbox);

GXMPP_AVAILABLE_IN_ALL
void gxmpp_inbox_pull_async (GXmppInbox          *inbox,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data);
GXMPP_AVAILABLE_IN_ALL
GXmppStanza *gxmpp_inbox_pull_finish (GXmppInbox    *inbox,
                                      GAsyncResult  *result,
                                      GError       **error);

GXMPP_AVAILABLE_IN_ALL
void gxmpp_inbox_wait_message_async (GXmppInbox          *inbox,
                                     GXmppStanzaFilter    filter,
                                     gpointer             filter_data,
                                     GDestroyNotify       filter_destroy,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
GXMPP_AVAILABLE_IN_ALL
GXmppMessage *gxmpp_inbox_wait_message_finish (GXmppInbox    *inbox,
                                               GAsyncResult  *result,
                                               GError       **error);

GXMPP_AVAILABLE_IN_ALL
void gxmpp_inbox_wait_presence_async (GXmppInbox          *inbox,
                                      GXmppStanzaFilter    filter,
                                      gpointer             filter_data,
                                      GDestroyNotify       filter_destroy,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
GXMPP_AVAILABLE_IN_ALL
GXmppPresence *gxmpp_inbox_wait_presence_finish (GXmppInbox    *inbox,
                                                 GAsyncResult  *result,
                                                 GError       **error);

G_END_DECLS
