/* gxmpp-reconnect-policy.h: when a session reconnects after losing its connection
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

#define GXMPP_TYPE_RECONNECT_POLICY (gxmpp_reconnect_policy_get_type ())
GXMPP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GXmppReconnectPolicy, gxmpp_reconnect_policy, GXMPP, RECONNECT_POLICY, GObject)

GXMPP_AVAILABLE_IN_ALL
GXmppReconnectPolicy *gxmpp_reconnect_policy_new (void);
GXMPP_AVAILABLE_IN_ALL
GXmppReconnectPolicy *gxmpp_reconnect_policy_new_full (guint  initial_delay_ms,
                                                       guint  max_delay_ms,
                                                       double multiplier,
                                                       double jitter,
                                                       guint  max_attempts);
GXMPP_AVAILABLE_IN_ALL
guint gxmpp_reconnect_policy_get_initial_delay (GXmppReconnectPolicy *policy);
GXMPP_AVAILABLE_IN_ALL
guint gxmpp_reconnect_policy_get_max_delay (GXmppReconnectPolicy *policy);
GXMPP_AVAILABLE_IN_ALL
double gxmpp_reconnect_policy_get_multiplier (GXmppReconnectPolicy *policy);
GXMPP_AVAILABLE_IN_ALL
double gxmpp_reconnect_policy_get_jitter (GXmppReconnectPolicy *policy);
GXMPP_AVAILABLE_IN_ALL
guint gxmpp_reconnect_policy_get_max_attempts (GXmppReconnectPolicy *policy);
GXMPP_AVAILABLE_IN_ALL
guint gxmpp_reconnect_policy_get_delay (GXmppReconnectPolicy *policy,
                                        guint                 attempt);

G_END_DECLS
