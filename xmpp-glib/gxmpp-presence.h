/* gxmpp-presence.h: presence stanzas
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GXMPP_INSIDE) && !defined(GXMPP_COMPILATION)
#error "Only <xmpp-glib/xmpp-glib.h> can be included directly."
#endif

#include "gxmpp-stanza.h"

G_BEGIN_DECLS

/**
 * GXmppPresenceType:
 * @GXMPP_PRESENCE_TYPE_AVAILABLE: the sender is available (no `type` attribute)
 * @GXMPP_PRESENCE_TYPE_UNAVAILABLE: the sender is no longer available
 * @GXMPP_PRESENCE_TYPE_SUBSCRIBE: the sender asks to subscribe to the
 *   recipient's presence
 * @GXMPP_PRESENCE_TYPE_SUBSCRIBED: the sender allows the recipient to
 *   receive its presence
 * @GXMPP_PRESENCE_TYPE_UNSUBSCRIBE: the sender unsubscribes from the
 *   recipient's presence
 * @GXMPP_PRESENCE_TYPE_UNSUBSCRIBED: the sender denies or cancels a
 *   subscription
 * @GXMPP_PRESENCE_TYPE_PROBE: a request for an entity's current presence
 *   (normally sent by servers only)
 * @GXMPP_PRESENCE_TYPE_ERROR: an error reply to a presence sent earlier
 *
 * The `type` of a presence stanza (RFC 6121 section 4.7.1).
 */
typedef enum {
  GXMPP_PRESENCE_TYPE_AVAILABLE,
  GXMPP_PRESENCE_TYPE_UNAVAILABLE,
  GXMPP_PRESENCE_TYPE_SUBSCRIBE,
  GXMPP_PRESENCE_TYPE_SUBSCRIBED,
  GXMPP_PRESENCE_TYPE_UNSUBSCRIBE,
  GXMPP_PRESENCE_TYPE_UNSUBSCRIBED,
  GXMPP_PRESENCE_TYPE_PROBE,
  GXMPP_PRESENCE_TYPE_ERROR,
} GXmppPresenceType;

/**
 * GXmppPresenceShow:
 * @GXMPP_PRESENCE_SHOW_NONE: no `<show/>`: simply available
 * @GXMPP_PRESENCE_SHOW_AWAY: `away`: temporarily away
 * @GXMPP_PRESENCE_SHOW_CHAT: `chat`: actively interested in chatting
 * @GXMPP_PRESENCE_SHOW_DND: `dnd`: busy, do not disturb
 * @GXMPP_PRESENCE_SHOW_XA: `xa`: away for an extended period
 *
 * The availability sub-state of available presence (RFC 6121 section
 * 4.7.2.1).
 */
typedef enum {
  GXMPP_PRESENCE_SHOW_NONE,
  GXMPP_PRESENCE_SHOW_AWAY,
  GXMPP_PRESENCE_SHOW_CHAT,
  GXMPP_PRESENCE_SHOW_DND,
  GXMPP_PRESENCE_SHOW_XA,
} GXmppPresenceShow;

#define GXMPP_TYPE_PRESENCE (gxmpp_presence_get_type ())

GXMPP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GXmppPresence, gxmpp_presence, GXMPP, PRESENCE, GXmppStanza)

GXMPP_AVAILABLE_IN_ALL
GXmppPresence *gxmpp_presence_new (GXmppPresenceType  type,
                                   GXmppJid          *to);

GXMPP_AVAILABLE_IN_ALL
GXmppPresenceType gxmpp_presence_get_presence_type (GXmppPresence *presence);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_presence_set_presence_type (GXmppPresence     *presence,
                                       GXmppPresenceType  type);

GXMPP_AVAILABLE_IN_ALL
GXmppPresenceShow gxmpp_presence_get_show (GXmppPresence *presence);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_presence_set_show (GXmppPresence     *presence,
                              GXmppPresenceShow  show);

GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_presence_get_status (GXmppPresence *presence,
                                       const char    *lang);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_presence_set_status (GXmppPresence *presence,
                                const char    *lang,
                                const char    *status);
GXMPP_AVAILABLE_IN_ALL
char **gxmpp_presence_get_status_langs (GXmppPresence *presence);

GXMPP_AVAILABLE_IN_ALL
gint gxmpp_presence_get_priority (GXmppPresence *presence);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_presence_set_priority (GXmppPresence *presence,
                                  gint           priority);

G_END_DECLS
