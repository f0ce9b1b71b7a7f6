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
 * application sent. Codes are [enum@GXmpp.StanzaErrorCondition]; the
 * whole error (type, text, application element, `by`) is available from
 * such a #GError with [func@GXmpp.StanzaError.from_gerror].
 */
#define GXMPP_STANZA_ERROR (gxmpp_stanza_error_quark ())

GXMPP_AVAILABLE_IN_ALL
GQuark gxmpp_stanza_error_quark (void);

#define GXMPP_TYPE_STANZA_ERROR (gxmpp_stanza_error_get_type ())

typedef struct _GXmppStanzaError GXmppStanzaError;

GXMPP_AVAILABLE_IN_ALL
GType gxmpp_stanza_error_get_type (void) G_GNUC_CONST;

GXMPP_AVAILABLE_IN_ALL
GXmppStanzaError *gxmpp_stanza_error_new (GXmppStanzaErrorCondition condition);
GXMPP_AVAILABLE_IN_ALL
GXmppStanzaError *gxmpp_stanza_error_new_from_node (GXmppNode *node);
GXMPP_AVAILABLE_IN_ALL
GXmppStanzaError *gxmpp_stanza_error_copy (const GXmppStanzaError *error);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stanza_error_free (GXmppStanzaError *error);

GXMPP_AVAILABLE_IN_ALL
GXmppStanzaErrorCondition gxmpp_stanza_error_get_condition (const GXmppStanzaError *error);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stanza_error_set_condition (GXmppStanzaError          *error,
                                       GXmppStanzaErrorCondition  condition);
GXMPP_AVAILABLE_IN_ALL
GXmppStanzaErrorType gxmpp_stanza_error_get_error_type (const GXmppStanzaError *error);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stanza_error_set_error_type (GXmppStanzaError     *error,
                                        GXmppStanzaErrorType  type);
GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_stanza_error_get_text (const GXmppStanzaError *error);
GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_stanza_error_get_text_lang (const GXmppStanzaError *error);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stanza_error_set_text (GXmppStanzaError *error,
                                  const char       *text,
                                  const char       *lang);
GXMPP_AVAILABLE_IN_ALL
GXmppJid *gxmpp_stanza_error_get_by (const GXmppStanzaError *error);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stanza_error_set_by (GXmppStanzaError *error,
                                GXmppJid         *by);
GXMPP_AVAILABLE_IN_ALL
GXmppNode *gxmpp_stanza_error_get_application_element (const GXmppStanzaError *error);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stanza_error_set_application_element (GXmppStanzaError *error,
                                                 GXmppNode        *element);
GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_stanza_error_get_alternate_address (const GXmppStanzaError *error);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stanza_error_set_alternate_address (GXmppStanzaError *error,
                                               const char       *address);

GXMPP_AVAILABLE_IN_ALL
GXmppNode *gxmpp_stanza_error_to_node (const GXmppStanzaError *error);
GXMPP_AVAILABLE_IN_ALL
GError *gxmpp_stanza_error_to_gerror (const GXmppStanzaError *error);
GXMPP_AVAILABLE_IN_ALL
GXmppStanzaError *gxmpp_stanza_error_from_gerror (const GError *error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GXmppStanzaError, gxmpp_stanza_error_free)

G_END_DECLS
