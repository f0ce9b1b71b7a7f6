/* gxmpp-auth.c: how a session authenticates
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "gxmpp-auth.h"
#include "gxmpp-error.h"
#include "gxmpp-i18n-private.h"
#include "gxmpp-sasl-private.h"
#include "sasl/gxmpp-sasl-gsasl-private.h"

/**
 * GXmppAuth:
 *
 * How a session authenticates: the credentials, the SASL mechanisms to use
 * in order of preference, and the resource to bind.
 *
 * ```c
 * g_autoptr(GXmppAuth) auth = gxmpp_auth_new_password ("juliet", password);
 *
 * gxmpp_auth_set_resource (auth, "balcony");
 * ```
 *
 * [ctor@GXmpp.Auth.new_password] uses the strongest mechanism the server
 * offers, in this order: `SCRAM-SHA-256-PLUS`, `SCRAM-SHA-1-PLUS`,
 * `SCRAM-SHA-256`, `SCRAM-SHA-1`, `PLAIN`. The `-PLUS` mechanisms are used
 * only when the TLS connection provides channel binding data of a type
 * the server can check: `tls-unique` on TLS 1.2; on TLS 1.3,
 * `tls-exporter` (RFC 9266), and by default only when the server
 * announces it (XEP-0440), since servers that predate RFC 9266 offer
 * `-PLUS` over TLS 1.3 yet bind to something else (ejabberd before 24.02)
 * and would refuse every login. A server that announces its channel
 * binding types is taken at its word, also for mechanisms named with
 * [method@GXmpp.Auth.set_mechanism_names]. PLAIN is used only on a
 * stream protected by TLS. DIGEST-MD5 is obsolete (RFC 6331)
 * and used only when named with [method@GXmpp.Auth.set_mechanism_names].
 *
 * A session picks the mechanism with [method@GXmpp.Auth.select_mechanism]:
 * the first in the list of preference that the server offers and that is
 * acceptable in the authentication's [class@GXmpp.SaslContext]. If there is
 * none, the error (%GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM) says what the
 * server offered and why each was refused.
 *
 * Applications can add mechanisms of their own
 * ([method@GXmpp.Auth.add_mechanism], see [class@GXmpp.SaslMechanism]).
 *
 * The password is not a property, never appears in messages, and the
 * library's copies are overwritten when they are freed.
 */

struct _GXmppAuth
{
  GObject parent_instance;

  char *username;
  char *password;               /* wiped when freed */
  char *authzid;
  char *resource;
  GPtrArray *mechanisms;        /* of GXmppSaslMechanism */
  gboolean default_mechanisms;  /* the list new_password() made, unchanged */
};

G_DEFINE_FINAL_TYPE (GXmppAuth, gxmpp_auth, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_USERNAME,
  PROP_AUTHZID,
  PROP_RESOURCE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char * const password_mechanisms[] = {
  "SCRAM-SHA-256-PLUS",
  "SCRAM-SHA-1-PLUS",
  "SCRAM-SHA-256",
  "SCRAM-SHA-1",
  "PLAIN",
  NULL
};

static void
gxmpp_auth_finalize (GObject *object)
{
  GXmppAuth *self = GXMPP_AUTH (object);

  g_free (self->username);
  gxmpp_sasl_free_secret (self->password);
  g_free (self->authzid);
  g_free (self->resource);
  g_ptr_array_unref (self->mechanisms);

  G_OBJECT_CLASS (gxmpp_auth_parent_class)->finalize (object);
}

static void
gxmpp_auth_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  GXmppAuth *self = GXMPP_AUTH (object);

  switch (prop_id)
    {
    case PROP_USERNAME:
      g_value_set_string (value, self->username);
      break;
    case PROP_AUTHZID:
      g_value_set_string (value, self->authzid);
      break;
    case PROP_RESOURCE:
      g_value_set_string (value, self->resource);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_auth_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  GXmppAuth *self = GXMPP_AUTH (object);

  switch (prop_id)
    {
    case PROP_USERNAME:
      g_assert (self->username == NULL);
      self->username = g_value_dup_string (value);
      break;
    case PROP_AUTHZID:
      gxmpp_auth_set_authzid (self, g_value_get_string (value));
      break;
    case PROP_RESOURCE:
      gxmpp_auth_set_resource (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_auth_class_init (GXmppAuthClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = gxmpp_auth_finalize;
  object_class->get_property = gxmpp_auth_get_property;
  object_class->set_property = gxmpp_auth_set_property;

  /**
   * GXmppAuth:username:
   *
   * The user name (the localpart of the account's JID), or %NULL for
   * anonymous and external authentication.
   */
  properties[PROP_USERNAME] =
    g_param_spec_string ("username", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppAuth:authzid:
   *
   * The authorization identity: the JID to act as when it is not the one
   * the credentials belong to. Usually %NULL.
   */
  properties[PROP_AUTHZID] =
    g_param_spec_string ("authzid", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppAuth:resource:
   *
   * The resource to ask the server to bind, or %NULL to let the server
   * choose one.
   */
  properties[PROP_RESOURCE] =
    g_param_spec_string ("resource", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gxmpp_auth_init (GXmppAuth *self)
{
  self->mechanisms = g_ptr_array_new_with_free_func (g_object_unref);
}

/* Replaces the mechanisms with the built-in ones named in @names; leaves
 * them unchanged on error. */
static gboolean
set_builtin_mechanisms (GXmppAuth           *self,
                        const char * const  *names,
                        GError             **error)
{
  g_autoptr(GPtrArray) mechanisms = g_ptr_array_new_with_free_func (g_object_unref);

  for (; *names != NULL; names++)
    {
      GXmppSaslMechanism *mechanism = gxmpp_sasl_mechanism_new (*names, error);
      gboolean seen = FALSE;
      guint i;

      if (mechanism == NULL)
        return FALSE;
      for (i = 0; i < mechanisms->len && !seen; i++)
        seen = strcmp (gxmpp_sasl_mechanism_get_name (g_ptr_array_index (mechanisms, i)),
                       gxmpp_sasl_mechanism_get_name (mechanism)) == 0;
      if (seen)
        g_object_unref (mechanism);
      else
        g_ptr_array_add (mechanisms, mechanism);
    }

  g_ptr_array_unref (self->mechanisms);
  self->mechanisms = g_steal_pointer (&mechanisms);
  return TRUE;
}

/**
 * gxmpp_auth_new_password:
 * @username: the user name: the localpart of the account's JID
 * @password: the password
 *
 * Creates an authentication with a user name and password, which uses the
 * strongest mechanism the server offers (see [class@GXmpp.Auth]). The user
 * name is prepared with the PRECIS UsernameCaseMapped profile and the
 * password with the OpaqueString profile (RFC 8265) when a mechanism
 * starts; a failure is reported then, as
 * %GXMPP_AUTH_ERROR_SASLPREP_FAILED.
 *
 * Returns: (transfer full): a new authentication
 */
GXmppAuth *
gxmpp_auth_new_password (const char *username,
                         const char *password)
{
  GXmppAuth *self;

  g_return_val_if_fail (username != NULL, NULL);
  g_return_val_if_fail (password != NULL, NULL);

  self = g_object_new (GXMPP_TYPE_AUTH, "username", username, NULL);
  self->password = g_strdup (password);
  set_builtin_mechanisms (self, password_mechanisms, NULL);
  self->default_mechanisms = TRUE;
  return self;
}

/**
 * gxmpp_auth_new_anonymous:
 *
 * Creates an anonymous authentication (SASL ANONYMOUS, XEP-0175): the
 * server assigns a temporary JID.
 *
 * Returns: (transfer full): a new authentication
 */
GXmppAuth *
gxmpp_auth_new_anonymous (void)
{
  static const char * const names[] = { "ANONYMOUS", NULL };
  GXmppAuth *self = g_object_new (GXMPP_TYPE_AUTH, NULL);

  set_builtin_mechanisms (self, names, NULL);
  return self;
}

/**
 * gxmpp_auth_new_external:
 * @authzid: (nullable): the JID to authenticate as, or %NULL to let the
 *   server derive it from the credentials
 *
 * Creates an authentication with credentials the stream already carries,
 * usually a TLS client certificate (SASL EXTERNAL, XEP-0178). It is used
 * only on a stream protected by TLS.
 *
 * Returns: (transfer full): a new authentication
 */
GXmppAuth *
gxmpp_auth_new_external (const char *authzid)
{
  static const char * const names[] = { "EXTERNAL", NULL };
  GXmppAuth *self = g_object_new (GXMPP_TYPE_AUTH, "authzid", authzid, NULL);

  set_builtin_mechanisms (self, names, NULL);
  return self;
}

/**
 * gxmpp_auth_get_username:
 * @auth: an authentication
 *
 * Gets the user name as it was given.
 *
 * Returns: (nullable): the user name, or %NULL if there is none
 */
const char *
gxmpp_auth_get_username (GXmppAuth *auth)
{
  g_return_val_if_fail (GXMPP_IS_AUTH (auth), NULL);

  return auth->username;
}

/**
 * gxmpp_auth_get_authzid:
 * @auth: an authentication
 *
 * Gets the authorization identity.
 *
 * Returns: (nullable): the authorization identity, or %NULL for none
 */
const char *
gxmpp_auth_get_authzid (GXmppAuth *auth)
{
  g_return_val_if_fail (GXMPP_IS_AUTH (auth), NULL);

  return auth->authzid;
}

/**
 * gxmpp_auth_set_authzid:
 * @auth: an authentication
 * @authzid: (nullable): the JID to act as, or %NULL for the one the
 *   credentials belong to
 *
 * Sets the authorization identity, for accounts allowed to act as another
 * JID.
 */
void
gxmpp_auth_set_authzid (GXmppAuth  *auth,
                        const char *authzid)
{
  g_return_if_fail (GXMPP_IS_AUTH (auth));

  if (authzid != NULL && *authzid == '\0')
    authzid = NULL;
  if (g_strcmp0 (auth->authzid, authzid) == 0)
    return;
  g_free (auth->authzid);
  auth->authzid = g_strdup (authzid);
  g_object_notify_by_pspec (G_OBJECT (auth), properties[PROP_AUTHZID]);
}

/**
 * gxmpp_auth_get_resource:
 * @auth: an authentication
 *
 * Gets the resource the session asks the server to bind.
 *
 * Returns: (nullable): the resource, or %NULL to let the server choose
 */
const char *
gxmpp_auth_get_resource (GXmppAuth *auth)
{
  g_return_val_if_fail (GXMPP_IS_AUTH (auth), NULL);

  return auth->resource;
}

/**
 * gxmpp_auth_set_resource:
 * @auth: an authentication
 * @resource: (nullable): the resource to ask for, or %NULL to let the
 *   server choose one
 *
 * Sets the resource the session asks the server to bind. The server may
 * bind another one. If the server answers that the resource is taken
 * (`conflict`, RFC 6120 section 7.7.2.2), the session asks it to choose
 * one instead; a conflict then too fails the connection with
 * %GXMPP_STANZA_ERROR_CONFLICT.
 */
void
gxmpp_auth_set_resource (GXmppAuth  *auth,
                         const char *resource)
{
  g_return_if_fail (GXMPP_IS_AUTH (auth));

  if (resource != NULL && *resource == '\0')
    resource = NULL;
  if (g_strcmp0 (auth->resource, resource) == 0)
    return;
  g_free (auth->resource);
  auth->resource = g_strdup (resource);
  g_object_notify_by_pspec (G_OBJECT (auth), properties[PROP_RESOURCE]);
}

/**
 * gxmpp_auth_get_mechanisms:
 * @auth: an authentication
 *
 * Gets the mechanisms @auth may use, most preferred first.
 *
 * Returns: (transfer none) (element-type GXmppSaslMechanism): the
 *   mechanisms; the array belongs to @auth and is valid until its
 *   mechanisms change
 */
GPtrArray *
gxmpp_auth_get_mechanisms (GXmppAuth *auth)
{
  g_return_val_if_fail (GXMPP_IS_AUTH (auth), NULL);

  return auth->mechanisms;
}

/**
 * gxmpp_auth_set_mechanism_names:
 * @auth: an authentication
 * @names: (array zero-terminated=1): names of built-in mechanisms, most
 *   preferred first (see [func@GXmpp.SaslMechanism.list_builtin])
 * @error: return location for a #GError
 *
 * Replaces the mechanisms @auth may use with built-in ones. This is the
 * only way to use DIGEST-MD5. Names are matched without regard to case;
 * repeated names count once. An empty list removes every mechanism, for
 * example to add only mechanisms of one's own afterwards.
 *
 * The security policy still applies: PLAIN is not used on an unencrypted
 * stream, whatever the list says.
 *
 * Returns: %TRUE on success; %FALSE with %GXMPP_AUTH_ERROR_INVALID_MECHANISM
 *   if a name is not a built-in mechanism, in which case the mechanisms
 *   are unchanged
 */
gboolean
gxmpp_auth_set_mechanism_names (GXmppAuth           *auth,
                                const char * const  *names,
                                GError             **error)
{
  g_return_val_if_fail (GXMPP_IS_AUTH (auth), FALSE);
  g_return_val_if_fail (names != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!set_builtin_mechanisms (auth, names, error))
    return FALSE;
  auth->default_mechanisms = FALSE;
  return TRUE;
}

/**
 * gxmpp_auth_add_mechanism:
 * @auth: an authentication
 * @mechanism: a mechanism, such as one of the application's own
 *
 * Adds @mechanism to the mechanisms @auth may use, as the least preferred
 * one. A mechanism that is already there is not added again.
 *
 * [method@GXmpp.Auth.select_mechanism] returns a mechanism added this way
 * itself, so it serves one authentication at a time.
 */
void
gxmpp_auth_add_mechanism (GXmppAuth          *auth,
                          GXmppSaslMechanism *mechanism)
{
  g_return_if_fail (GXMPP_IS_AUTH (auth));
  g_return_if_fail (GXMPP_IS_SASL_MECHANISM (mechanism));

  if (!g_ptr_array_find (auth->mechanisms, mechanism, NULL))
    {
      g_ptr_array_add (auth->mechanisms, g_object_ref (mechanism));
      auth->default_mechanisms = FALSE;
    }
}

gboolean
gxmpp_auth_uses_default_mechanisms (GXmppAuth *auth)
{
  return auth->default_mechanisms;
}

/**
 * gxmpp_auth_create_context:
 * @auth: an authentication
 * @hostname: the XMPP domain of the server, such as `example.com`
 *
 * Creates the context of one authentication with the server of @hostname,
 * with @auth's credentials and authorization identity. The session then
 * says whether the stream is secure, sets the channel binding and the
 * mechanisms the server offers.
 *
 * Returns: (transfer full): a new context
 */
GXmppSaslContext *
gxmpp_auth_create_context (GXmppAuth  *auth,
                           const char *hostname)
{
  GXmppSaslContext *context;

  g_return_val_if_fail (GXMPP_IS_AUTH (auth), NULL);
  g_return_val_if_fail (hostname != NULL, NULL);

  context = gxmpp_sasl_context_new (hostname);
  gxmpp_sasl_context_set_credentials (context, auth->username, auth->password);
  gxmpp_sasl_context_set_authzid (context, auth->authzid);
  return context;
}

/* Server-supplied names go into a message: printable ASCII only. */
static char *
describe_offer (const char * const *offered)
{
  GString *out = g_string_new (NULL);

  for (; *offered != NULL; offered++)
    {
      const char *p;
      guint n = 0;

      if (out->len > 0)
        g_string_append (out, ", ");
      for (p = *offered; *p != '\0' && n < 32; p++, n++)
        g_string_append_c (out, g_ascii_isgraph (*p) ? *p : '?');
      if (out->len > 512)
        {
          g_string_append (out, ", ...");
          break;
        }
    }
  return g_string_free (out, FALSE);
}

/**
 * gxmpp_auth_select_mechanism:
 * @auth: an authentication
 * @context: the authentication's context, with the server's mechanisms,
 *   whether the stream is secure, and the channel binding set
 * @error: return location for a #GError
 *
 * Picks the mechanism to authenticate with: the first of @auth's
 * mechanisms, in order of preference, that the server offers and that is
 * acceptable in @context ([method@GXmpp.SaslMechanism.is_acceptable]).
 *
 * A built-in mechanism is returned as a new instance every time, so that
 * sessions sharing @auth never share an exchange.
 *
 * Returns: (transfer full): the mechanism, or %NULL with
 *   %GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM, whose message names what
 *   the server offers and why none of it is acceptable
 */
GXmppSaslMechanism *
gxmpp_auth_select_mechanism (GXmppAuth         *auth,
                             GXmppSaslContext  *context,
                             GError           **error)
{
  const char * const *offered;
  g_autoptr(GPtrArray) reasons = NULL;
  g_autofree char *offer = NULL;
  guint i, n_offered;

  g_return_val_if_fail (GXMPP_IS_AUTH (auth), NULL);
  g_return_val_if_fail (GXMPP_IS_SASL_CONTEXT (context), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  offered = gxmpp_sasl_context_get_server_mechanisms (context);
  n_offered = g_strv_length ((char **) offered);
  if (n_offered == 0)
    {
      g_set_error_literal (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM,
                           _("The server offers no authentication mechanism"));
      return NULL;
    }

  reasons = g_ptr_array_new_with_free_func (g_free);
  for (i = 0; i < auth->mechanisms->len; i++)
    {
      GXmppSaslMechanism *mechanism = g_ptr_array_index (auth->mechanisms, i);
      const char *name = gxmpp_sasl_mechanism_get_name (mechanism);
      g_autoptr(GError) refused = NULL;

      if (!gxmpp_sasl_context_server_offers (context, name))
        continue;
      if (!gxmpp_sasl_mechanism_is_acceptable (mechanism, context, &refused))
        {
          g_ptr_array_add (reasons, g_strdup (refused != NULL ? refused->message : name));
          continue;
        }

      if (GXMPP_IS_SASL_GSASL (mechanism))
        return gxmpp_sasl_gsasl_new (name);
      return g_object_ref (mechanism);
    }

  offer = describe_offer (offered);
  if (reasons->len == 0)
    {
      if (n_offered == 1)
        g_set_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM,
                     _("The server offers only %s, which is not enabled for this account"), offer);
      else
        g_set_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM,
                     _("None of the authentication mechanisms the server offers (%s) is enabled for this account"),
                     offer);
    }
  else
    {
      g_ptr_array_add (reasons, NULL);
      {
        g_autofree char *why = g_strjoinv ("; ", (char **) reasons->pdata);

        if (n_offered == 1)
          g_set_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM,
                       _("The server offers only %s: %s"), offer, why);
        else
          g_set_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM,
                       _("No authentication mechanism the server offers (%s) is acceptable: %s"),
                       offer, why);
      }
    }
  return NULL;
}
