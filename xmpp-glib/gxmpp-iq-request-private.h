/* gxmpp-iq-request-private.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gxmpp-iq-request.h"
#include "gxmpp-session.h"

G_BEGIN_DECLS

GXmppIqRequest *gxmpp_iq_request_new (GXmppSession *session,
                                      GXmppIq      *iq);

G_END_DECLS
