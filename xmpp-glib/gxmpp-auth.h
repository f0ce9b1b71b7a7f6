/* gxmpp-auth.h: how a session authenticates
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GXMPP_INSIDE) && !defined(GXMPP_COMPILATION)
#error "Only <xmpp-glib/xmpp-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "gxmpp-version-macros.h"
#include "gxmpp-sasl-context.h"
#include "gxmpp-sasl-mechanism.h"

G_BEGIN_DECLS

#define GXMPP_TYPE_AUTH (gxmpp_auth_get_type ())

GXMPP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GXmppAuth, gxmpp_auth, GXMPP, AUTH, GObject)

GXMPP_AVAILABLE_IN_ALL
GXmppAuth *gxmpp_auth_new_password (const char *username,
                                    const char *password);
GXMPP_AVAILABLE_IN_ALL
GXmppAuth *gxmpp_auth_new_anonymous (void);
GXMPP_AVAILABLE_IN_ALL
GXmppAuth *gxmpp_auth_new_external (const char *authzid);

GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_auth_get_username (GXmppAuth *auth);
GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_auth_get_authzid (GXmppAuth *auth);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_auth_set_authzid (GXmppAuth  *auth,
                             const char *authzid);
GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_auth_get_resource (GXmppAuth *auth);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_auth_set_resource (GXmppAuth  *auth,
                              const char *resource);

GXMPP_AVAILABLE_IN_ALL
GPtrArray *gxmpp_auth_get_mechanisms (GXmppAuth *auth);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_auth_set_mechanism_names (GXmppAuth           *auth,
                                         const char * const  *names,
                                         GError             **error);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_auth_add_mechanism (GXmppAuth          *auth,
                               GXmppSaslMechanism *mechanism);

GXMPP_AVAILABLE_IN_ALL
GXmppSaslContext *gxmpp_auth_create_context (GXmppAuth  *auth,
                                             const char *hostname);
GXMPP_AVAILABLE_IN_ALL
GXmppSaslMechanism *gxmpp_auth_select_mechanism (GXmppAuth         *auth,
                                                 GXmppSaslContext  *context,
                                                 GError           **error);

G_END_DECLS
