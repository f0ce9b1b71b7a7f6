/* gxmpp-sasl-context.h: what a SASL mechanism needs to know
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GXMPP_INSIDE) && !defined(GXMPP_COMPILATION)
#error "Only <xmpp-glib/xmpp-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "gxmpp-version-macros.h"

G_BEGIN_DECLS

#define GXMPP_TYPE_SASL_CONTEXT (gxmpp_sasl_context_get_type ())

GXMPP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GXmppSaslContext, gxmpp_sasl_context, GXMPP, SASL_CONTEXT, GObject)

GXMPP_AVAILABLE_IN_ALL
GXmppSaslContext *gxmpp_sasl_context_new (const char *hostname);

GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_sasl_context_get_hostname (GXmppSaslContext *context);
GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_sasl_context_get_service (GXmppSaslContext *context);

GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_sasl_context_get_username (GXmppSaslContext *context);
GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_sasl_context_get_password (GXmppSaslContext *context);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_sasl_context_set_credentials (GXmppSaslContext *context,
                                         const char       *username,
                                         const char       *password);
GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_sasl_context_get_authzid (GXmppSaslContext *context);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_sasl_context_set_authzid (GXmppSaslContext *context,
                                     const char       *authzid);

GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_sasl_context_is_secure (GXmppSaslContext *context);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_sasl_context_set_secure (GXmppSaslContext *context,
                                    gboolean          secure);

GXMPP_AVAILABLE_IN_ALL
GBytes *gxmpp_sasl_context_get_channel_binding (GXmppSaslContext  *context,
                                                const char       **type);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_sasl_context_set_channel_binding (GXmppSaslContext *context,
                                             const char       *type,
                                             GBytes           *data);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_sasl_context_set_channel_binding_from_tls (GXmppSaslContext  *context,
                                                          GTlsConnection    *connection,
                                                          GError           **error);

GXMPP_AVAILABLE_IN_ALL
const char * const *gxmpp_sasl_context_get_server_mechanisms (GXmppSaslContext *context);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_sasl_context_set_server_mechanisms (GXmppSaslContext   *context,
                                               const char * const *mechanisms);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_sasl_context_server_offers (GXmppSaslContext *context,
                                           const char       *mechanism);

G_END_DECLS
