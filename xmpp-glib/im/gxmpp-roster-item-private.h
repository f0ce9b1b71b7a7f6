/* gxmpp-roster-item-private.h: roster items as the roster and the stores
 * make and change them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gxmpp-node.h"
#include "gxmpp-roster-item.h"

G_BEGIN_DECLS

#define GXMPP_ROSTER_NS "jabber:iq:roster"

/* "none", "to", ... for a subscription; NULL for an invalid value. */
const char *gxmpp_subscription_to_nick (GXmppSubscription subscription);
/* The subscription named @nick; FALSE if @nick names none. */
gboolean gxmpp_subscription_from_nick (const char        *nick,
                                       GXmppSubscription *subscription);

/* Groups as items keep them: sorted (byte order), without duplicates or
 * empty names. Never NULL. */
char **gxmpp_roster_groups_normalize (const char * const *groups);

/* An <item xmlns='jabber:iq:roster'/> as received: a valid 'jid', a known
 * 'subscription' (absent: none; "remove" allowed), 'ask', 'name', <group/>
 * children. Anything else is GXMPP_ERROR_INVALID_STANZA. */
GXmppRosterItem *gxmpp_roster_item_new_from_node (GXmppNode  *node,
                                                  GError    **error);

/* The <item/> of a roster set: 'jid', 'name' and groups only (RFC 6121
 * 2.3.2: a client does not set 'subscription' other than "remove", nor
 * 'ask'). With @remove, only 'jid' and subscription='remove'. */
GXmppNode *gxmpp_roster_item_to_set_node (GXmppJid           *jid,
                                          const char         *name,
                                          const char * const *groups,
                                          gboolean            remove);

/* Makes @item say what @from says (the JIDs are equal); notifies each
 * property that changes. TRUE if anything changed. */
gboolean gxmpp_roster_item_update (GXmppRosterItem *item,
                                   GXmppRosterItem *from);

/* A new item with the same values. */
GXmppRosterItem *gxmpp_roster_item_copy (GXmppRosterItem *item);

/* The order of a roster: by the JIDs' canonical strings, in byte order. */
int gxmpp_roster_item_compare (GXmppRosterItem *a,
                               GXmppRosterItem *b);
const char *gxmpp_roster_item_get_key (GXmppRosterItem *item);

G_END_DECLS
