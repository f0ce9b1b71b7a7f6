/* gxmpp-iq-request.h: an IQ request to answer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GXMPP_INSIDE) && !defined(GXMPP_COMPILATION)
#error "Only <xmpp-glib/xmpp-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "gxmpp-version-macros.h"
#include "gxmpp-iq.h"
#include "gxmpp-node.h"
#include "gxmpp-stanza-error.h"

G_BEGIN_DECLS

#define GXMPP_TYPE_IQ_REQUEST (gxmpp_iq_request_get_type ())

GXMPP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GXmppIqRequest, gxmpp_iq_request, GXMPP, IQ_REQUEST, GObject)

GXMPP_AVAILABLE_IN_ALL
GXmppIq *gxmpp_iq_request_get_iq (GXmppIqRequest *request);
GXMPP_AVAILABLE_IN_ALL
GXmppNode *gxmpp_iq_request_get_payload (GXmppIqRequest *request);
GXMPP_AVAILABLE_IN_ALL
GXmppJid *gxmpp_iq_request_get_from (GXmppIqRequest *request);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_iq_request_is_answered (GXmppIqRequest *request);

GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_iq_request_reply_result (GXmppIqRequest  *request,
                                        GXmppNode       *payload,
                                        GError         **error);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_iq_request_reply_error (GXmppIqRequest          *request,
                                       GXmppStanzaErrorDetails *details,
                                       GError                 **error);

G_END_DECLS
