/* gxmpp-inbox-private.h: between a session and its inboxes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gxmpp-session.h"

G_BEGIN_DECLS

typedef struct _GXmppInbox GXmppInbox;

/* Session side (gxmpp-session.c): the session does not reference its
 * inboxes; an inbox references its session. */
void gxmpp_session_add_inbox (GXmppSession *session,
                              GXmppInbox   *inbox);
void gxmpp_session_remove_inbox (GXmppSession *session,
                                 GXmppInbox   *inbox);
gboolean gxmpp_session_is_closed (GXmppSession *session);

/* Inbox side (gxmpp-inbox.c) */
void gxmpp_inbox_push (GXmppInbox  *inbox,
                       GXmppStanza *stanza);
void gxmpp_inbox_session_closed (GXmppInbox   *inbox,
                                 const GError *reason);
void gxmpp_inbox_session_gone (GXmppInbox *inbox);

G_END_DECLS
