/* gxmpp-stanza-error.h: stanza errors (RFC 6120 section 8.3)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GXMPP_INSIDE) && !defined(GXMPP_COMPILATION)
#error "Only <xmpp-glib/xmpp-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "gxmpp-version-macros.h"
#include "gxmpp-error.h"
#include "gxmpp-jid.h"
#include "gxmpp-node.h"

G_BEGIN_DECLS

/**
 * GXMPP_STANZA_ERROR:
 *
 * Error domain for stanza errors: an error reply to a stanza the
 * application sent. Codes are [error@GXmpp.StanzaError]; the
 * whole error (type, text, application element, `by`) is available from
 * such a #GError with [func@GXmpp.StanzaErrorDetails.from_gerror].
 */
#define GXMPP_STANZA_ERROR (gxmpp_stanza_error_quark ())

GXMPP_AVAILABLE_IN_ALL
GQuark gxmpp_stanza_error_quark (void);

#define GXMPP_TYPE_STANZA_ERROR_DETAILS (gxmpp_stanza_error_details_get_type ())

typedef struct _GXmppStanzaErrorDetails GXmppStanzaErrorDetails;

GXMPP_AVAILABLE_IN_ALL
GType gxmpp_stanza_error_details_get_type (void) G_GNUC_CONST;

GXMPP_AVAILABLE_IN_ALL
GXmppStanzaErrorDetails *gxmpp_stanza_error_details_new (GXmppStanzaError condition);
GXMPP_AVAILABLE_IN_ALL
GXmppStanzaErrorDetails *gxmpp_stanza_error_details_new_from_node (GXmppNode *node);
GXMPP_AVAILABLE_IN_ALL
GXmppStanzaErrorDetails *gxmpp_stanza_error_details_copy (const GXmppStanzaErrorDetails *error);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stanza_error_details_free (GXmppStanzaErrorDetails *error);

GXMPP_AVAILABLE_IN_ALL
GXmppStanzaError gxmpp_stanza_error_details_get_condition (const GXmppStanzaErrorDetails *error);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stanza_error_details_set_condition (GXmppStanzaErrorDetails          *error,
                                       GXmppStanzaError  condition);
GXMPP_AVAILABLE_IN_ALL
GXmppStanzaErrorType gxmpp_stanza_error_details_get_error_type (const GXmppStanzaErrorDetails *error);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stanza_error_details_set_error_type (GXmppStanzaErrorDetails     *error,
                                        GXmppStanzaErrorType  type);
GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_stanza_error_details_get_text (const GXmppStanzaErrorDetails *error);
GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_stanza_error_details_get_text_lang (const GXmppStanzaErrorDetails *error);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stanza_error_details_set_text (GXmppStanzaErrorDetails *error,
                                  const char       *text,
                                  const char       *lang);
GXMPP_AVAILABLE_IN_ALL
GXmppJid *gxmpp_stanza_error_details_get_by (const GXmppStanzaErrorDetails *error);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stanza_error_details_set_by (GXmppStanzaErrorDetails *error,
                                GXmppJid         *by);
GXMPP_AVAILABLE_IN_ALL
GXmppNode *gxmpp_stanza_error_details_get_application_element (const GXmppStanzaErrorDetails *error);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stanza_error_details_set_application_element (GXmppStanzaErrorDetails *error,
                                                 GXmppNode        *element);
GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_stanza_error_details_get_alternate_address (const GXmppStanzaErrorDetails *error);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stanza_error_details_set_alternate_address (GXmppStanzaErrorDetails *error,
                                               const char       *address);

GXMPP_AVAILABLE_IN_ALL
GXmppNode *gxmpp_stanza_error_details_to_node (const GXmppStanzaErrorDetails *error);
GXMPP_AVAILABLE_IN_ALL
GError *gxmpp_stanza_error_details_to_gerror (const GXmppStanzaErrorDetails *error);
GXMPP_AVAILABLE_IN_ALL
GXmppStanzaErrorDetails *gxmpp_stanza_error_details_from_gerror (const GError *error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GXmppStanzaErrorDetails, gxmpp_stanza_error_details_free)

G_END_DECLS
