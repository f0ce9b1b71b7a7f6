/* gxmpp-iq.h: IQ (info/query) stanzas
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
 * GXmppIqType:
 * @GXMPP_IQ_TYPE_GET: a request for information
 * @GXMPP_IQ_TYPE_SET: a request to provide data or change something
 * @GXMPP_IQ_TYPE_RESULT: a successful response to a get or set
 * @GXMPP_IQ_TYPE_ERROR: an error response to a get or set
 *
 * The `type` of an IQ stanza (RFC 6120 section 8.2.3).
 */
typedef enum {
  GXMPP_IQ_TYPE_GET,
  GXMPP_IQ_TYPE_SET,
  GXMPP_IQ_TYPE_RESULT,
  GXMPP_IQ_TYPE_ERROR,
} GXmppIqType;

#define GXMPP_TYPE_IQ (gxmpp_iq_get_type ())

GXMPP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GXmppIq, gxmpp_iq, GXMPP, IQ, GXmppStanza)

GXMPP_AVAILABLE_IN_ALL
GXmppIq *gxmpp_iq_new (GXmppIqType  type,
                       GXmppJid    *to,
                       GXmppNode   *payload);
GXMPP_AVAILABLE_IN_ALL
GXmppIq *gxmpp_iq_new_result (GXmppIq   *request,
                              GXmppNode *payload);
GXMPP_AVAILABLE_IN_ALL
GXmppIq *gxmpp_iq_new_error (GXmppIq                *request,
                             const GXmppStanzaErrorDetails *error);

GXMPP_AVAILABLE_IN_ALL
GXmppIqType gxmpp_iq_get_iq_type (GXmppIq *iq);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_iq_is_request (GXmppIq *iq);

GXMPP_AVAILABLE_IN_ALL
GXmppNode *gxmpp_iq_get_payload (GXmppIq *iq);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_iq_set_payload (GXmppIq   *iq,
                           GXmppNode *payload);

G_END_DECLS
