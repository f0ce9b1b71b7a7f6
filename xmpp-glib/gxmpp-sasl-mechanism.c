/* gxmpp-sasl-mechanism.c: SASL mechanisms
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "gxmpp-error.h"
#include "gxmpp-i18n-private.h"
#include "gxmpp-sasl-mechanism.h"
#include "sasl/gxmpp-sasl-gsasl-private.h"

/**
 * GXmppSaslMechanism:
 *
 * One SASL mechanism (RFC 4422): the client side of an authentication
 * exchange.
 *
 * The library's own mechanisms are made by name with
 * [ctor@GXmpp.SaslMechanism.new]; [func@GXmpp.SaslMechanism.list_builtin]
 * lists them. They are driven by GNU SASL (libgsasl):
 *
 * - `SCRAM-SHA-256-PLUS`, `SCRAM-SHA-1-PLUS`: SCRAM bound to the TLS
 *   channel (`tls-exporter` on TLS 1.3, `tls-unique` on TLS 1.2), so that a
 *   man in the middle who terminates TLS with a certificate the client
 *   trusts still cannot authenticate; acceptable only with channel binding
 *   data in the context.
 * - `SCRAM-SHA-256`, `SCRAM-SHA-1` (RFC 7677, RFC 5802): the password
 *   never leaves the client, and the server proves that it knows it.
 * - `DIGEST-MD5` (RFC 2831, obsolete): used only when asked for by name.
 * - `PLAIN` (RFC 4616): the password is sent to the server; acceptable only
 *   on a secure (TLS) stream.
 * - `ANONYMOUS` (RFC 4505) and `EXTERNAL` (RFC 4422 appendix A, with a TLS
 *   client certificate; acceptable only on a secure stream).
 *
 * ## How a session drives a mechanism
 *
 * 1. [method@GXmpp.SaslMechanism.start] begins the exchange and gives the
 *    initial response that goes into `<auth/>`: %NULL for none (no
 *    character data), an empty #GBytes for an empty one (sent as `=`).
 * 2. Each `<challenge/>` is passed to
 *    [method@GXmpp.SaslMechanism.step_async]; the response goes into
 *    `<response/>` (an empty #GBytes is an empty element). A step may take
 *    time (a SCRAM key derivation runs in a worker thread) and never blocks
 *    the main context; it can be cancelled, which ends the exchange.
 * 3. On `<success/>`, [method@GXmpp.SaslMechanism.complete] checks its
 *    additional data (%NULL if there was none). Authentication has
 *    succeeded only if this returns %TRUE: the SCRAM mechanisms verify the
 *    server signature here (or in the last challenge, if the server sent
 *    it there), DIGEST-MD5 the `rspauth` value.
 *
 * On `<failure/>` the exchange is simply dropped; the condition maps to a
 * [error@GXmpp.AuthError] with [func@GXmpp.AuthError.from_string]. A failed
 * or cancelled step also ends the exchange. `start()` begins a new one at
 * any time, abandoning the previous one.
 *
 * ## Writing a mechanism
 *
 * Applications can add mechanisms of their own: derive from
 * #GXmppSaslMechanism, give instances their name through the `name`
 * construct property, implement the virtual functions, and add an instance
 * to a [class@GXmpp.Auth] with [method@GXmpp.Auth.add_mechanism]. It is then
 * selected and driven exactly like a built-in one.
 *
 * ```c
 * struct _MyToken {
 *   GXmppSaslMechanism parent_instance;
 *   char *token;
 * };
 *
 * G_DEFINE_FINAL_TYPE (MyToken, my_token, GXMPP_TYPE_SASL_MECHANISM)
 *
 * static gboolean
 * my_token_is_acceptable (GXmppSaslMechanism *mechanism, GXmppSaslContext *context,
 *                         GError **error)
 * {
 *   // the token is a bearer secret: never on an unencrypted stream
 *   if (!gxmpp_sasl_context_is_secure (context))
 *     {
 *       g_set_error_literal (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_ENCRYPTION_REQUIRED,
 *                            "X-MY-TOKEN is not used on an unencrypted connection");
 *       return FALSE;
 *     }
 *   return TRUE;
 * }
 *
 * static gboolean
 * my_token_start (GXmppSaslMechanism *mechanism, GXmppSaslContext *context,
 *                 GBytes **initial_response, GError **error)
 * {
 *   MyToken *self = MY_TOKEN (mechanism);
 *
 *   *initial_response = g_bytes_new (self->token, strlen (self->token));
 *   return TRUE;
 * }
 *
 * static void
 * my_token_class_init (MyTokenClass *klass)
 * {
 *   GXmppSaslMechanismClass *mechanism_class = GXMPP_SASL_MECHANISM_CLASS (klass);
 *
 *   mechanism_class->is_acceptable = my_token_is_acceptable;
 *   mechanism_class->start = my_token_start;
 *   // no challenges, nothing to check in <success/>: the defaults do
 * }
 *
 * GXmppSaslMechanism *
 * my_token_new (const char *token)
 * {
 *   MyToken *self = g_object_new (MY_TYPE_TOKEN, "name", "X-MY-TOKEN", NULL);
 *
 *   self->token = g_strdup (token);
 *   return GXMPP_SASL_MECHANISM (self);
 * }
 * ```
 *
 * The virtual functions, and what the defaults do:
 *
 * - `is_acceptable()` says whether the mechanism may be used in a context,
 *   and if not sets an error in %GXMPP_AUTH_ERROR whose message says why
 *   (it becomes part of the message of
 *   %GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM). The default accepts.
 * - `start()` must be implemented. It reads what it needs from the
 *   context (which belongs to the session and may be changed after
 *   `start()` returns, so copy it), resets any earlier exchange, and gives
 *   the initial response.
 * - `step_async()` answers a challenge; anything slow (key derivation,
 *   asking the user) must run in a thread or asynchronously. The default
 *   fails with %GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE, for mechanisms
 *   that expect no challenge. The default `step_finish()` returns the
 *   pointer result of a #GTask (`g_task_return_pointer (task, response,
 *   (GDestroyNotify) g_bytes_unref)`), so a `step_async()` that uses a
 *   #GTask with the mechanism as source object needs no `step_finish()`.
 * - `complete()` checks the additional data of `<success/>`, and must
 *   fail (%GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH) if the mechanism
 *   authenticates the server and the server has not proved itself. The
 *   default accepts.
 *
 * A virtual function that fails without setting an error (in a language
 * binding that is easy to do: `return False` in Python) is given one:
 * %GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH for `complete()`,
 * %GXMPP_AUTH_ERROR_ABORTED for the others.
 *
 * The methods are called from one thread, the one whose thread-default
 * main context the session runs in.
 */

typedef struct {
  char *name;
} GXmppSaslMechanismPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (GXmppSaslMechanism, gxmpp_sasl_mechanism, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* RFC 4422 section 3.1: 1 to 20 characters of A-Z, 0-9, "-" and "_". */
static gboolean
is_valid_name (const char *name)
{
  gsize len = 0;
  const char *p;

  if (name == NULL)
    return FALSE;
  for (p = name; *p != '\0'; p++, len++)
    if (!g_ascii_isupper (*p) && !g_ascii_isdigit (*p) && *p != '-' && *p != '_')
      return FALSE;
  return len >= 1 && len <= 20;
}

static void
gxmpp_sasl_mechanism_finalize (GObject *object)
{
  GXmppSaslMechanism *self = GXMPP_SASL_MECHANISM (object);
  GXmppSaslMechanismPrivate *priv = gxmpp_sasl_mechanism_get_instance_private (self);

  g_free (priv->name);

  G_OBJECT_CLASS (gxmpp_sasl_mechanism_parent_class)->finalize (object);
}

static void
gxmpp_sasl_mechanism_constructed (GObject *object)
{
  GXmppSaslMechanism *self = GXMPP_SASL_MECHANISM (object);
  GXmppSaslMechanismPrivate *priv = gxmpp_sasl_mechanism_get_instance_private (self);

  G_OBJECT_CLASS (gxmpp_sasl_mechanism_parent_class)->constructed (object);

  if (!is_valid_name (priv->name))
    g_critical ("A %s was made without a valid SASL mechanism name (“%s”); "
                "set the “name” construct property",
                G_OBJECT_TYPE_NAME (self), priv->name ? priv->name : "(null)");
}

static void
gxmpp_sasl_mechanism_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  GXmppSaslMechanism *self = GXMPP_SASL_MECHANISM (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, gxmpp_sasl_mechanism_get_name (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_sasl_mechanism_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  GXmppSaslMechanism *self = GXMPP_SASL_MECHANISM (object);
  GXmppSaslMechanismPrivate *priv = gxmpp_sasl_mechanism_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_NAME:
      g_assert (priv->name == NULL);
      priv->name = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* A subclass that fails must say why, but one written in a language
 * binding easily does not: `return False` in Python fails with no GError.
 * The session needs an error to report (g_task_return_error() refuses
 * NULL, and the negotiation would never end), so the wrappers below give
 * such a failure one. */
static void
propagate_failure (GXmppSaslMechanism  *self,
                   const char          *vfunc,
                   GXmppAuthError       code,
                   GError              *failure,
                   GError             **error)
{
  if (failure == NULL)
    failure = g_error_new (GXMPP_AUTH_ERROR, code,
                           _("The %s mechanism failed in %s() without saying why"),
                           gxmpp_sasl_mechanism_get_name (self), vfunc);
  g_propagate_error (error, failure);
}

static gboolean
gxmpp_sasl_mechanism_real_is_acceptable (GXmppSaslMechanism  *self,
                                         GXmppSaslContext    *context,
                                         GError             **error)
{
  return TRUE;
}

static gboolean
gxmpp_sasl_mechanism_real_start (GXmppSaslMechanism  *self,
                                 GXmppSaslContext    *context,
                                 GBytes             **initial_response,
                                 GError             **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
               "%s does not implement GXmppSaslMechanism.start()", G_OBJECT_TYPE_NAME (self));
  return FALSE;
}

static void
gxmpp_sasl_mechanism_real_step_async (GXmppSaslMechanism  *self,
                                      GBytes              *challenge,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_task_report_new_error (self, callback, user_data, gxmpp_sasl_mechanism_step_async,
                           GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE,
                           _("The server sent a challenge, which the %s mechanism does not expect"),
                           gxmpp_sasl_mechanism_get_name (self));
}

static GBytes *
gxmpp_sasl_mechanism_real_step_finish (GXmppSaslMechanism  *self,
                                       GAsyncResult        *result,
                                       GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
gxmpp_sasl_mechanism_real_complete (GXmppSaslMechanism  *self,
                                    GBytes              *additional_data,
                                    GError             **error)
{
  return TRUE;
}

static void
gxmpp_sasl_mechanism_class_init (GXmppSaslMechanismClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = gxmpp_sasl_mechanism_constructed;
  object_class->finalize = gxmpp_sasl_mechanism_finalize;
  object_class->get_property = gxmpp_sasl_mechanism_get_property;
  object_class->set_property = gxmpp_sasl_mechanism_set_property;

  klass->is_acceptable = gxmpp_sasl_mechanism_real_is_acceptable;
  klass->start = gxmpp_sasl_mechanism_real_start;
  klass->step_async = gxmpp_sasl_mechanism_real_step_async;
  klass->step_finish = gxmpp_sasl_mechanism_real_step_finish;
  klass->complete = gxmpp_sasl_mechanism_real_complete;

  /**
   * GXmppSaslMechanism:name:
   *
   * The mechanism's SASL name, such as `SCRAM-SHA-256`: 1 to 20 upper-case
   * letters, digits, `-` and `_` (RFC 4422 section 3.1). Set once, when
   * the mechanism is made.
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gxmpp_sasl_mechanism_init (GXmppSaslMechanism *self)
{
}

/**
 * gxmpp_sasl_mechanism_new:
 * @name: the name of a built-in mechanism, such as `SCRAM-SHA-256`; case
 *   does not matter
 * @error: return location for a #GError
 *
 * Makes one of the library's own mechanisms (see
 * [func@GXmpp.SaslMechanism.list_builtin]).
 *
 * Returns: (transfer full): the mechanism, or %NULL with
 *   %GXMPP_AUTH_ERROR_INVALID_MECHANISM if the library has none of that
 *   name
 */
GXmppSaslMechanism *
gxmpp_sasl_mechanism_new (const char  *name,
                          GError     **error)
{
  GXmppSaslMechanism *mechanism;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  mechanism = gxmpp_sasl_gsasl_new (name);
  if (mechanism == NULL)
    {
      g_autofree char *shown = g_utf8_make_valid (name, -1);

      g_set_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_INVALID_MECHANISM,
                   _("The library has no SASL mechanism called “%s”"), shown);
    }
  return mechanism;
}

/**
 * gxmpp_sasl_mechanism_list_builtin:
 *
 * Lists the names of the library's own mechanisms, most secure first.
 *
 * Returns: (transfer none) (array zero-terminated=1): the names
 */
const char * const *
gxmpp_sasl_mechanism_list_builtin (void)
{
  return gxmpp_sasl_gsasl_list ();
}

/**
 * gxmpp_sasl_mechanism_get_name:
 * @self: a mechanism
 *
 * Gets the mechanism's SASL name, which goes into the `mechanism`
 * attribute of `<auth/>`.
 *
 * Returns: the name
 */
const char *
gxmpp_sasl_mechanism_get_name (GXmppSaslMechanism *self)
{
  GXmppSaslMechanismPrivate *priv;

  g_return_val_if_fail (GXMPP_IS_SASL_MECHANISM (self), NULL);

  priv = gxmpp_sasl_mechanism_get_instance_private (self);
  return priv->name;
}

/**
 * gxmpp_sasl_mechanism_is_acceptable:
 * @self: a mechanism
 * @context: the authentication's context
 * @error: return location for a #GError
 *
 * Checks whether the mechanism may be used in @context under the library's
 * security policy: for example PLAIN only on a secure stream, a `-PLUS`
 * mechanism only with channel binding data, a password mechanism only with
 * credentials.
 *
 * Returns: %TRUE if the mechanism is acceptable; otherwise %FALSE with an
 *   error in %GXMPP_AUTH_ERROR whose message says why
 */
gboolean
gxmpp_sasl_mechanism_is_acceptable (GXmppSaslMechanism  *self,
                                    GXmppSaslContext    *context,
                                    GError             **error)
{
  GError *failure = NULL;

  g_return_val_if_fail (GXMPP_IS_SASL_MECHANISM (self), FALSE);
  g_return_val_if_fail (GXMPP_IS_SASL_CONTEXT (context), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (GXMPP_SASL_MECHANISM_GET_CLASS (self)->is_acceptable (self, context, &failure))
    return TRUE;
  propagate_failure (self, "is_acceptable", GXMPP_AUTH_ERROR_ABORTED, failure, error);
  return FALSE;
}

/**
 * gxmpp_sasl_mechanism_start:
 * @self: a mechanism
 * @context: the authentication's context
 * @initial_response: (out) (optional) (nullable) (transfer full): return
 *   location for the initial response: %NULL if the mechanism sends none
 *   (`<auth/>` without character data), an empty #GBytes for an empty one
 *   (`=` on the wire)
 * @error: return location for a #GError
 *
 * Begins an exchange in @context, abandoning any earlier one (a step of it
 * that is still running completes with %GXMPP_AUTH_ERROR_ABORTED). Errors
 * are in %GXMPP_AUTH_ERROR, such as %GXMPP_AUTH_ERROR_SASLPREP_FAILED when
 * the credentials cannot be prepared.
 *
 * Returns: %TRUE if the exchange started
 */
gboolean
gxmpp_sasl_mechanism_start (GXmppSaslMechanism  *self,
                            GXmppSaslContext    *context,
                            GBytes             **initial_response,
                            GError             **error)
{
  GBytes *response = NULL;
  GError *failure = NULL;
  gboolean ok;

  g_return_val_if_fail (GXMPP_IS_SASL_MECHANISM (self), FALSE);
  g_return_val_if_fail (GXMPP_IS_SASL_CONTEXT (context), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  ok = GXMPP_SASL_MECHANISM_GET_CLASS (self)->start (self, context, &response, &failure);
  if (!ok)
    {
      g_clear_pointer (&response, g_bytes_unref);
      propagate_failure (self, "start", GXMPP_AUTH_ERROR_ABORTED, failure, error);
    }

  if (initial_response != NULL)
    *initial_response = response;
  else if (response != NULL)
    g_bytes_unref (response);
  return ok;
}

/**
 * gxmpp_sasl_mechanism_step_async:
 * @self: a mechanism
 * @challenge: the data of a `<challenge/>`, decoded (empty for an empty
 *   challenge)
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the response is ready
 * @user_data: data for @callback
 *
 * Answers a server challenge. The work that takes time, such as deriving
 * SCRAM keys from the password, runs in a worker thread. A challenge the
 * mechanism does not accept fails with
 * %GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE before any such work starts;
 * cancellation gives %G_IO_ERROR_CANCELLED at once, and the result of work
 * still running is discarded. A failed or cancelled step ends the
 * exchange.
 */
void
gxmpp_sasl_mechanism_step_async (GXmppSaslMechanism  *self,
                                 GBytes              *challenge,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (GXMPP_IS_SASL_MECHANISM (self));
  g_return_if_fail (challenge != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  GXMPP_SASL_MECHANISM_GET_CLASS (self)->step_async (self, challenge, cancellable, callback, user_data);
}

/**
 * gxmpp_sasl_mechanism_step_finish:
 * @self: a mechanism
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Completes [method@GXmpp.SaslMechanism.step_async].
 *
 * Returns: (transfer full): the response to send in `<response/>` (empty
 *   for an empty response), or %NULL on error
 */
GBytes *
gxmpp_sasl_mechanism_step_finish (GXmppSaslMechanism  *self,
                                  GAsyncResult        *result,
                                  GError             **error)
{
  GError *failure = NULL;
  GBytes *response;

  g_return_val_if_fail (GXMPP_IS_SASL_MECHANISM (self), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  response = GXMPP_SASL_MECHANISM_GET_CLASS (self)->step_finish (self, result, &failure);
  if (response == NULL)
    propagate_failure (self, "step_finish", GXMPP_AUTH_ERROR_ABORTED, failure, error);
  return response;
}

/**
 * gxmpp_sasl_mechanism_complete:
 * @self: a mechanism
 * @additional_data: (nullable): the data of `<success/>`, decoded; %NULL
 *   (or empty) if there was none
 * @error: return location for a #GError
 *
 * Checks the server's outcome of a successful exchange. Authentication has
 * succeeded only if this returns %TRUE. The SCRAM mechanisms fail with
 * %GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH unless the server sent a
 * correct signature (`v=`), here or in the last challenge; a SCRAM server
 * error (`e=`) becomes the matching error.
 *
 * Returns: %TRUE if the server is authenticated as far as the mechanism
 *   can tell
 */
gboolean
gxmpp_sasl_mechanism_complete (GXmppSaslMechanism  *self,
                               GBytes              *additional_data,
                               GError             **error)
{
  GError *failure = NULL;

  g_return_val_if_fail (GXMPP_IS_SASL_MECHANISM (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (GXMPP_SASL_MECHANISM_GET_CLASS (self)->complete (self, additional_data, &failure))
    return TRUE;
  propagate_failure (self, "complete", GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH, failure, error);
  return FALSE;
}
