/* gxmpp-roster-item.h: one contact on a roster (RFC 6121 section 2.1.2)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GXMPP_INSIDE) && !defined(GXMPP_COMPILATION)
#error "Only <xmpp-glib/xmpp-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "gxmpp-version-macros.h"
#include "gxmpp-jid.h"

G_BEGIN_DECLS

/**
 * GXmppSubscription:
 * @GXMPP_SUBSCRIPTION_NONE: neither the user nor the contact receives the
 *   other's presence
 * @GXMPP_SUBSCRIPTION_TO: the user receives the contact's presence
 * @GXMPP_SUBSCRIPTION_FROM: the contact receives the user's presence
 * @GXMPP_SUBSCRIPTION_BOTH: each receives the other's presence
 * @GXMPP_SUBSCRIPTION_REMOVE: not a state but an action: in a roster push,
 *   the item was removed from the roster. No item on a
 *   [class@GXmpp.Roster] has it.
 *
 * The `subscription` attribute of a roster item (RFC 6121 section
 * 2.1.2.5): the state of the presence subscriptions between the user and
 * the contact.
 */
typedef enum {
  GXMPP_SUBSCRIPTION_NONE,
  GXMPP_SUBSCRIPTION_TO,
  GXMPP_SUBSCRIPTION_FROM,
  GXMPP_SUBSCRIPTION_BOTH,
  GXMPP_SUBSCRIPTION_REMOVE,
} GXmppSubscription;

#define GXMPP_TYPE_ROSTER_ITEM (gxmpp_roster_item_get_type ())

GXMPP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GXmppRosterItem, gxmpp_roster_item, GXMPP, ROSTER_ITEM, GObject)

GXMPP_AVAILABLE_IN_ALL
GXmppRosterItem *gxmpp_roster_item_new (GXmppJid           *jid,
                                        const char         *name,
                                        GXmppSubscription   subscription,
                                        gboolean            ask,
                                        const char * const *groups);

GXMPP_AVAILABLE_IN_ALL
GXmppJid *gxmpp_roster_item_get_jid (GXmppRosterItem *item);
GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_roster_item_get_name (GXmppRosterItem *item);
GXMPP_AVAILABLE_IN_ALL
GXmppSubscription gxmpp_roster_item_get_subscription (GXmppRosterItem *item);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_roster_item_get_ask (GXmppRosterItem *item);
GXMPP_AVAILABLE_IN_ALL
const char * const *gxmpp_roster_item_get_groups (GXmppRosterItem *item);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_roster_item_has_group (GXmppRosterItem *item,
                                      const char      *group);

G_END_DECLS
