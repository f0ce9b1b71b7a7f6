/* gxmpp-sasl-mechanism.h: SASL mechanisms
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

G_BEGIN_DECLS

/**
 * GXMPP_SCRAM_MIN_ITERATIONS:
 *
 * The smallest SCRAM iteration count the library accepts from a server
 * (RFC 7677 section 4: at least 4096). A smaller one makes a captured
 * exchange cheap to crack offline, so it is refused before any key is
 * derived.
 */
#define GXMPP_SCRAM_MIN_ITERATIONS 4096

/**
 * GXMPP_SCRAM_MAX_ITERATIONS:
 *
 * The largest SCRAM iteration count the library accepts from a server. A
 * hostile server could otherwise make the client spend minutes of CPU time
 * (RFC 5802 section 9); a million iterations of SHA-256 take well under a
 * second. Larger counts are refused before any key is derived.
 */
#define GXMPP_SCRAM_MAX_ITERATIONS 1000000

#define GXMPP_TYPE_SASL_MECHANISM (gxmpp_sasl_mechanism_get_type ())

GXMPP_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (GXmppSaslMechanism, gxmpp_sasl_mechanism, GXMPP, SASL_MECHANISM, GObject)

/**
 * GXmppSaslMechanismClass:
 * @parent_class: the parent class
 * @is_acceptable: checks whether the mechanism may be used in @context
 *   (for example PLAIN only on a secured stream, `-PLUS` only with channel
 *   binding data); sets an error in %GXMPP_AUTH_ERROR saying why not
 * @start: begins an exchange, discarding any earlier one, and gives the
 *   initial response (%NULL for none; an empty #GBytes for an empty one)
 * @step_async: answers a server challenge; may take time (key derivation)
 *   and must not block the main context
 * @step_finish: completes @step_async, giving the response
 * @complete: checks the server's final message (the additional data of
 *   `<success/>`, or %NULL if there was none), such as a SCRAM server
 *   signature; authentication fails unless this returns %TRUE
 *
 * The class structure of [class@GXmpp.SaslMechanism]. Subclasses give
 * their instances the mechanism's name with the `name` construct property
 * and implement the virtual functions; see [class@GXmpp.SaslMechanism] for
 * what each must do and what the defaults do.
 */
struct _GXmppSaslMechanismClass
{
  GObjectClass parent_class;

  gboolean (* is_acceptable) (GXmppSaslMechanism  *self,
                              GXmppSaslContext    *context,
                              GError             **error);
  gboolean (* start)         (GXmppSaslMechanism  *self,
                              GXmppSaslContext    *context,
                              GBytes             **initial_response,
                              GError             **error);
  void     (* step_async)    (GXmppSaslMechanism  *self,
                              GBytes              *challenge,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data);
  GBytes * (* step_finish)   (GXmppSaslMechanism  *self,
                              GAsyncResult        *result,
                              GError             **error);
  gboolean (* complete)      (GXmppSaslMechanism  *self,
                              GBytes              *additional_data,
                              GError             **error);

  /*< private >*/
  gpointer padding[8];
};

GXMPP_AVAILABLE_IN_ALL
GXmppSaslMechanism *gxmpp_sasl_mechanism_new (const char  *name,
                                              GError     **error);

GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_sasl_mechanism_get_name (GXmppSaslMechanism *self);

GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_sasl_mechanism_is_acceptable (GXmppSaslMechanism  *self,
                                             GXmppSaslContext    *context,
                                             GError             **error);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_sasl_mechanism_start (GXmppSaslMechanism  *self,
                                     GXmppSaslContext    *context,
                                     GBytes             **initial_response,
                                     GError             **error);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_sasl_mechanism_step_async (GXmppSaslMechanism  *self,
                                      GBytes              *challenge,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
GXMPP_AVAILABLE_IN_ALL
GBytes *gxmpp_sasl_mechanism_step_finish (GXmppSaslMechanism  *self,
                                          GAsyncResult        *result,
                                          GError             **error);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_sasl_mechanism_complete (GXmppSaslMechanism  *self,
                                        GBytes              *additional_data,
                                        GError             **error);

GXMPP_AVAILABLE_IN_ALL
const char * const *gxmpp_sasl_mechanism_list_builtin (void);

G_END_DECLS
