/* gxmpp-reconnect-policy-private.h: the back-off schedule, testable
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gxmpp-reconnect-policy.h"

G_BEGIN_DECLS

/* The delay before attempt @attempt (from 1), with @random in [0, 1]
 * standing for the random draw: gxmpp_reconnect_policy_get_delay() with
 * the randomness taken out. */
guint gxmpp_reconnect_policy_compute_delay (GXmppReconnectPolicy *policy,
                                            guint                 attempt,
                                            double                random);

G_END_DECLS
