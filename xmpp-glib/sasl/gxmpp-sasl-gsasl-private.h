/* gxmpp-sasl-gsasl-private.h: the built-in mechanisms, driven by GNU SASL
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib-object.h>

#include "gxmpp-sasl-mechanism.h"

G_BEGIN_DECLS

#define GXMPP_TYPE_SASL_GSASL (gxmpp_sasl_gsasl_get_type ())

G_DECLARE_FINAL_TYPE (GXmppSaslGsasl, gxmpp_sasl_gsasl, GXMPP, SASL_GSASL, GXmppSaslMechanism)

/* The names of the built-in mechanisms, most secure first. */
const char * const *gxmpp_sasl_gsasl_list (void);

/* A new built-in mechanism, or NULL if there is none called @name (case
 * does not matter). */
GXmppSaslMechanism *gxmpp_sasl_gsasl_new (const char *name);

/* Test hooks. The derive hook is called in the worker thread right before
 * a SCRAM key derivation starts (NULL to remove it); the count says how
 * many steps (in a worker thread or not) have not yet released their
 * data, so that a test can wait for abandoned derivations to finish. */
typedef void (* GXmppSaslDeriveHook) (gpointer user_data);

void gxmpp_sasl_gsasl_set_derive_hook (GXmppSaslDeriveHook hook,
                                       gpointer            user_data);
guint gxmpp_sasl_gsasl_get_jobs_alive (void);

G_END_DECLS
