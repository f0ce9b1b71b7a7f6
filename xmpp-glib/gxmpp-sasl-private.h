/* gxmpp-sasl-private.h: helpers shared by the SASL classes and mechanisms
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "gxmpp-auth.h"
#include "gxmpp-sasl-context.h"

G_BEGIN_DECLS

/* Overwrites @len bytes at @data with zeros in a way the compiler may not
 * optimise away (GnuTLS's gnutls_memset). */
void gxmpp_sasl_wipe (gpointer data,
                      gsize    len);

/* Wipes and frees a NUL-terminated secret; %NULL is ignored. */
void gxmpp_sasl_free_secret (char *secret);

/* A copy of @len bytes at @data in a #GBytes that wipes the copy when it is
 * freed. Used for every response a built-in mechanism produces, since some
 * carry the password (PLAIN). */
GBytes *gxmpp_sasl_bytes_new_secret (gconstpointer data,
                                     gsize         len);

/* Prepares a SASL user name with the PRECIS UsernameCaseMapped profile
 * (RFC 8265 section 3.3: the user name is the localpart of the account's
 * JID). On failure sets GXMPP_AUTH_ERROR_SASLPREP_FAILED with a message
 * that says it is the user name. */
gboolean gxmpp_sasl_prepare_username (const char  *username,
                                      char       **prepared,
                                      GError     **error);

/* Prepares a password with the PRECIS OpaqueString profile (RFC 8265
 * section 4.2). The result must be freed with gxmpp_sasl_free_secret(). On
 * failure sets GXMPP_AUTH_ERROR_SASLPREP_FAILED with a message that says it
 * is the password and never shows any of it. */
gboolean gxmpp_sasl_prepare_password (const char  *password,
                                      char       **prepared,
                                      GError     **error);

/* Whether @type is a channel binding type the built-in mechanisms can use
 * ("tls-exporter" or "tls-unique"). */
gboolean gxmpp_sasl_channel_binding_type_is_supported (const char *type);

/* Whether the server mechanisms of @context include a -PLUS one. */
gboolean gxmpp_sasl_context_server_offers_plus (GXmppSaslContext *context);

/* Whether @auth still has the mechanisms gxmpp_auth_new_password() gave
 * it (no set_mechanism_names() or add_mechanism() since). */
gboolean gxmpp_auth_uses_default_mechanisms (GXmppAuth *auth);

G_END_DECLS
