/* gxmpp-sasl-context.c: what a SASL mechanism needs to know
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <gnutls/gnutls.h>

#include "gxmpp-error.h"
#include "gxmpp-i18n-private.h"
#include "gxmpp-precis-private.h"
#include "gxmpp-sasl-context.h"
#include "gxmpp-sasl-private.h"

/**
 * GXmppSaslContext:
 *
 * What a [class@GXmpp.SaslMechanism] needs to know about one
 * authentication: the server's domain, the credentials, whether the stream
 * is protected by TLS, the TLS channel binding, and the mechanisms the
 * server offers.
 *
 * A session makes a context for every authentication with
 * [method@GXmpp.Auth.create_context], which fills in the credentials, and
 * then describes the stream:
 *
 * ```c
 * g_autoptr(GXmppSaslContext) context = gxmpp_auth_create_context (auth, "example.com");
 *
 * gxmpp_sasl_context_set_secure (context, TRUE);
 * if (!gxmpp_sasl_context_set_channel_binding_from_tls (context, tls_connection, &error))
 *   g_clear_error (&error);   // no channel binding: -PLUS mechanisms are not used
 * gxmpp_sasl_context_set_server_mechanisms (context, offered);
 *
 * mechanism = gxmpp_auth_select_mechanism (auth, context, &error);
 * ```
 *
 * The service name is always `xmpp` (RFC 6120 section 6.3.8) and the host
 * name is the XMPP domain, not the host the stream connects to.
 *
 * The password is kept only as long as the context lives and is
 * overwritten when it is replaced or the context is finalized. It is not a
 * property, so it never appears in property dumps or notifications.
 */

struct _GXmppSaslContext
{
  GObject parent_instance;

  char *hostname;
  char *username;
  char *password;               /* wiped when freed */
  char *authzid;
  gboolean secure;
  char *cb_type;
  GBytes *cb_data;
  GStrv server_mechanisms;
};

G_DEFINE_FINAL_TYPE (GXmppSaslContext, gxmpp_sasl_context, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_HOSTNAME,
  PROP_SERVICE,
  PROP_USERNAME,
  PROP_AUTHZID,
  PROP_SECURE,
  PROP_CHANNEL_BINDING_TYPE,
  PROP_SERVER_MECHANISMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define SERVICE "xmpp"

/* Helpers shared with the mechanisms (gxmpp-sasl-private.h). */

void
gxmpp_sasl_wipe (gpointer data,
                 gsize    len)
{
  if (data != NULL && len > 0)
    gnutls_memset (data, 0, len);
}

void
gxmpp_sasl_free_secret (char *secret)
{
  if (secret == NULL)
    return;
  gxmpp_sasl_wipe (secret, strlen (secret));
  g_free (secret);
}

typedef struct {
  gsize len;
  guchar data[];
} SecretBlock;

static void
secret_block_free (gpointer data)
{
  SecretBlock *block = data;

  gxmpp_sasl_wipe (block->data, block->len);
  g_free (block);
}

GBytes *
gxmpp_sasl_bytes_new_secret (gconstpointer data,
                             gsize         len)
{
  SecretBlock *block = g_malloc (sizeof (SecretBlock) + len + 1);

  block->len = len;
  if (len > 0)
    memcpy (block->data, data, len);
  block->data[len] = '\0';
  return g_bytes_new_with_free_func (block->data, len, secret_block_free, block);
}

gboolean
gxmpp_sasl_channel_binding_type_is_supported (const char *type)
{
  return g_strcmp0 (type, "tls-exporter") == 0 || g_strcmp0 (type, "tls-unique") == 0;
}

gboolean
gxmpp_sasl_context_server_offers_plus (GXmppSaslContext *context)
{
  const char * const *offered = gxmpp_sasl_context_get_server_mechanisms (context);

  for (; *offered != NULL; offered++)
    if (g_str_has_suffix (*offered, "-PLUS"))
      return TRUE;
  return FALSE;
}

gboolean
gxmpp_sasl_prepare_username (const char  *username,
                             char       **prepared,
                             GError     **error)
{
  GXmppPrecisStatus status;
  gunichar bad = 0;
  gsize len;

  *prepared = NULL;
  if (username == NULL || *username == '\0')
    {
      g_set_error_literal (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SASLPREP_FAILED,
                           _("The user name is empty"));
      return FALSE;
    }
  if (!g_utf8_validate (username, -1, NULL))
    {
      g_set_error_literal (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SASLPREP_FAILED,
                           _("The user name is not valid UTF-8"));
      return FALSE;
    }

  status = gxmpp_precis_enforce (GXMPP_PRECIS_USERNAME_CASE_MAPPED, username, strlen (username),
                                 prepared, &len, &bad);
  switch (status)
    {
    case GXMPP_PRECIS_OK:
      return TRUE;
    case GXMPP_PRECIS_ERROR_EMPTY:
      g_set_error_literal (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SASLPREP_FAILED,
                           _("The user name is empty once prepared"));
      break;
    case GXMPP_PRECIS_ERROR_UNASSIGNED:
      g_set_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SASLPREP_FAILED,
                   _("The user name contains U+%04X, which is not assigned in Unicode %s"),
                   bad, gxmpp_precis_get_unicode_version ());
      break;
    case GXMPP_PRECIS_ERROR_BIDI:
      g_set_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SASLPREP_FAILED,
                   _("The user name mixes writing directions in a way that is not allowed (at U+%04X)"),
                   bad);
      break;
    case GXMPP_PRECIS_ERROR_DISALLOWED:
    case GXMPP_PRECIS_ERROR_CONTEXT:
    default:
      g_set_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SASLPREP_FAILED,
                   _("The user name contains U+%04X, which is not allowed in user names"),
                   bad);
      break;
    }
  return FALSE;
}

gboolean
gxmpp_sasl_prepare_password (const char  *password,
                             char       **prepared,
                             GError     **error)
{
  GXmppPrecisStatus status;
  gunichar bad = 0;
  gsize len;

  *prepared = NULL;
  if (password == NULL || *password == '\0')
    {
      g_set_error_literal (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SASLPREP_FAILED,
                           _("The password is empty"));
      return FALSE;
    }
  if (!g_utf8_validate (password, -1, NULL))
    {
      g_set_error_literal (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SASLPREP_FAILED,
                           _("The password is not valid UTF-8"));
      return FALSE;
    }

  /* The messages never name the offending character: that would tell
   * whoever reads the log something about the password. */
  status = gxmpp_precis_enforce (GXMPP_PRECIS_OPAQUE_STRING, password, strlen (password),
                                 prepared, &len, &bad);
  switch (status)
    {
    case GXMPP_PRECIS_OK:
      return TRUE;
    case GXMPP_PRECIS_ERROR_EMPTY:
      g_set_error_literal (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SASLPREP_FAILED,
                           _("The password is empty once prepared"));
      break;
    case GXMPP_PRECIS_ERROR_UNASSIGNED:
      g_set_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SASLPREP_FAILED,
                   _("The password contains a character that is not assigned in Unicode %s"),
                   gxmpp_precis_get_unicode_version ());
      break;
    case GXMPP_PRECIS_ERROR_BIDI:
    case GXMPP_PRECIS_ERROR_DISALLOWED:
    case GXMPP_PRECIS_ERROR_CONTEXT:
    default:
      g_set_error_literal (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SASLPREP_FAILED,
                           _("The password contains a character that is not allowed in passwords, such as a control character"));
      break;
    }
  return FALSE;
}

/* The class */

static void
gxmpp_sasl_context_finalize (GObject *object)
{
  GXmppSaslContext *self = GXMPP_SASL_CONTEXT (object);

  g_free (self->hostname);
  g_free (self->username);
  gxmpp_sasl_free_secret (self->password);
  g_free (self->authzid);
  g_free (self->cb_type);
  g_clear_pointer (&self->cb_data, g_bytes_unref);
  g_strfreev (self->server_mechanisms);

  G_OBJECT_CLASS (gxmpp_sasl_context_parent_class)->finalize (object);
}

static void
gxmpp_sasl_context_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  GXmppSaslContext *self = GXMPP_SASL_CONTEXT (object);

  switch (prop_id)
    {
    case PROP_HOSTNAME:
      g_value_set_string (value, self->hostname);
      break;
    case PROP_SERVICE:
      g_value_set_string (value, SERVICE);
      break;
    case PROP_USERNAME:
      g_value_set_string (value, self->username);
      break;
    case PROP_AUTHZID:
      g_value_set_string (value, self->authzid);
      break;
    case PROP_SECURE:
      g_value_set_boolean (value, self->secure);
      break;
    case PROP_CHANNEL_BINDING_TYPE:
      g_value_set_string (value, self->cb_type);
      break;
    case PROP_SERVER_MECHANISMS:
      g_value_set_boxed (value, gxmpp_sasl_context_get_server_mechanisms (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_sasl_context_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  GXmppSaslContext *self = GXMPP_SASL_CONTEXT (object);

  switch (prop_id)
    {
    case PROP_HOSTNAME:
      g_assert (self->hostname == NULL);
      self->hostname = g_value_dup_string (value);
      break;
    case PROP_AUTHZID:
      gxmpp_sasl_context_set_authzid (self, g_value_get_string (value));
      break;
    case PROP_SECURE:
      gxmpp_sasl_context_set_secure (self, g_value_get_boolean (value));
      break;
    case PROP_SERVER_MECHANISMS:
      gxmpp_sasl_context_set_server_mechanisms (self, g_value_get_boxed (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_sasl_context_class_init (GXmppSaslContextClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = gxmpp_sasl_context_finalize;
  object_class->get_property = gxmpp_sasl_context_get_property;
  object_class->set_property = gxmpp_sasl_context_set_property;

  /**
   * GXmppSaslContext:hostname:
   *
   * The XMPP domain of the server (the domainpart of the account's JID),
   * which SASL calls the host name.
   */
  properties[PROP_HOSTNAME] =
    g_param_spec_string ("hostname", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppSaslContext:service:
   *
   * The SASL service name: always `xmpp`.
   */
  properties[PROP_SERVICE] =
    g_param_spec_string ("service", NULL, NULL, SERVICE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppSaslContext:username:
   *
   * The user name to authenticate as, as it was given (mechanisms prepare
   * it). Set with [method@GXmpp.SaslContext.set_credentials]; the password
   * is deliberately not a property.
   */
  properties[PROP_USERNAME] =
    g_param_spec_string ("username", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppSaslContext:authzid:
   *
   * The authorization identity: the JID to act as, when it is not the one
   * the credentials belong to. Usually %NULL.
   */
  properties[PROP_AUTHZID] =
    g_param_spec_string ("authzid", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppSaslContext:secure:
   *
   * Whether the stream is encrypted and the server authenticated by TLS.
   * Mechanisms that send the password in a form an eavesdropper could use,
   * such as PLAIN, are acceptable only on a secure stream.
   */
  properties[PROP_SECURE] =
    g_param_spec_boolean ("secure", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppSaslContext:channel-binding-type:
   *
   * The type of the channel binding data, such as `tls-exporter`, or %NULL
   * when there is none. See [method@GXmpp.SaslContext.set_channel_binding].
   */
  properties[PROP_CHANNEL_BINDING_TYPE] =
    g_param_spec_string ("channel-binding-type", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppSaslContext:server-mechanisms:
   *
   * The names of the mechanisms the server offers, from its
   * `<mechanisms/>` stream feature.
   */
  properties[PROP_SERVER_MECHANISMS] =
    g_param_spec_boxed ("server-mechanisms", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gxmpp_sasl_context_init (GXmppSaslContext *self)
{
}

/**
 * gxmpp_sasl_context_new:
 * @hostname: the XMPP domain of the server, such as `example.com`
 *
 * Creates a context without credentials, on an insecure stream, with no
 * channel binding and no server mechanisms. Sessions use
 * [method@GXmpp.Auth.create_context] instead, which fills in the
 * credentials.
 *
 * Returns: (transfer full): a new context
 */
GXmppSaslContext *
gxmpp_sasl_context_new (const char *hostname)
{
  g_return_val_if_fail (hostname != NULL, NULL);

  return g_object_new (GXMPP_TYPE_SASL_CONTEXT, "hostname", hostname, NULL);
}

/**
 * gxmpp_sasl_context_get_hostname:
 * @context: a context
 *
 * Gets the XMPP domain the context authenticates with.
 *
 * Returns: (nullable): the domain
 */
const char *
gxmpp_sasl_context_get_hostname (GXmppSaslContext *context)
{
  g_return_val_if_fail (GXMPP_IS_SASL_CONTEXT (context), NULL);

  return context->hostname;
}

/**
 * gxmpp_sasl_context_get_service:
 * @context: a context
 *
 * Gets the SASL service name, which for XMPP is always `xmpp`.
 *
 * Returns: `"xmpp"`
 */
const char *
gxmpp_sasl_context_get_service (GXmppSaslContext *context)
{
  g_return_val_if_fail (GXMPP_IS_SASL_CONTEXT (context), NULL);

  return SERVICE;
}

/**
 * gxmpp_sasl_context_get_username:
 * @context: a context
 *
 * Gets the user name (the authentication identity) as it was given.
 *
 * Returns: (nullable): the user name, or %NULL if there is none
 */
const char *
gxmpp_sasl_context_get_username (GXmppSaslContext *context)
{
  g_return_val_if_fail (GXMPP_IS_SASL_CONTEXT (context), NULL);

  return context->username;
}

/**
 * gxmpp_sasl_context_get_password:
 * @context: a context
 *
 * Gets the password as it was given, for mechanisms that need it. Never
 * log it or put it in an error message.
 *
 * Returns: (nullable): the password, or %NULL if there is none
 */
const char *
gxmpp_sasl_context_get_password (GXmppSaslContext *context)
{
  g_return_val_if_fail (GXMPP_IS_SASL_CONTEXT (context), NULL);

  return context->password;
}

/**
 * gxmpp_sasl_context_set_credentials:
 * @context: a context
 * @username: (nullable): the user name: for an XMPP account, the localpart
 *   of its JID
 * @password: (nullable): the password
 *
 * Sets the credentials. The context keeps a copy of the password, which it
 * overwrites when it is replaced and when the context is finalized.
 *
 * The built-in mechanisms prepare the user name with the PRECIS
 * UsernameCaseMapped profile and the password with the OpaqueString
 * profile (RFC 8265) when they start.
 */
void
gxmpp_sasl_context_set_credentials (GXmppSaslContext *context,
                                    const char       *username,
                                    const char       *password)
{
  g_return_if_fail (GXMPP_IS_SASL_CONTEXT (context));

  if (g_strcmp0 (context->username, username) != 0)
    {
      g_free (context->username);
      context->username = g_strdup (username);
      g_object_notify_by_pspec (G_OBJECT (context), properties[PROP_USERNAME]);
    }
  if (context->password != password)
    {
      gxmpp_sasl_free_secret (context->password);
      context->password = g_strdup (password);
    }
}

/**
 * gxmpp_sasl_context_get_authzid:
 * @context: a context
 *
 * Gets the authorization identity.
 *
 * Returns: (nullable): the authorization identity, or %NULL for none
 */
const char *
gxmpp_sasl_context_get_authzid (GXmppSaslContext *context)
{
  g_return_val_if_fail (GXMPP_IS_SASL_CONTEXT (context), NULL);

  return context->authzid;
}

/**
 * gxmpp_sasl_context_set_authzid:
 * @context: a context
 * @authzid: (nullable): the JID to act as, or %NULL for the one the
 *   credentials belong to
 *
 * Sets the authorization identity.
 */
void
gxmpp_sasl_context_set_authzid (GXmppSaslContext *context,
                                const char       *authzid)
{
  g_return_if_fail (GXMPP_IS_SASL_CONTEXT (context));

  if (authzid != NULL && *authzid == '\0')
    authzid = NULL;
  if (g_strcmp0 (context->authzid, authzid) == 0)
    return;
  g_free (context->authzid);
  context->authzid = g_strdup (authzid);
  g_object_notify_by_pspec (G_OBJECT (context), properties[PROP_AUTHZID]);
}

/**
 * gxmpp_sasl_context_is_secure:
 * @context: a context
 *
 * Gets whether the stream is protected by TLS.
 *
 * Returns: %TRUE if the stream is secure
 */
gboolean
gxmpp_sasl_context_is_secure (GXmppSaslContext *context)
{
  g_return_val_if_fail (GXMPP_IS_SASL_CONTEXT (context), FALSE);

  return context->secure;
}

/**
 * gxmpp_sasl_context_set_secure:
 * @context: a context
 * @secure: whether the stream is encrypted and the server's certificate
 *   was verified
 *
 * Sets whether the stream is protected by TLS. Only a secure stream
 * allows mechanisms such as PLAIN that hand the password to the server.
 */
void
gxmpp_sasl_context_set_secure (GXmppSaslContext *context,
                               gboolean          secure)
{
  g_return_if_fail (GXMPP_IS_SASL_CONTEXT (context));

  secure = !!secure;
  if (context->secure == secure)
    return;
  context->secure = secure;
  g_object_notify_by_pspec (G_OBJECT (context), properties[PROP_SECURE]);
}

/**
 * gxmpp_sasl_context_get_channel_binding:
 * @context: a context
 * @type: (out) (optional) (nullable) (transfer none): return location for
 *   the channel binding type, such as `tls-exporter`
 *
 * Gets the channel binding data of the stream's TLS connection.
 *
 * Returns: (nullable) (transfer none): the data, or %NULL if there is none
 */
GBytes *
gxmpp_sasl_context_get_channel_binding (GXmppSaslContext  *context,
                                        const char       **type)
{
  g_return_val_if_fail (GXMPP_IS_SASL_CONTEXT (context), NULL);

  if (type != NULL)
    *type = context->cb_type;
  return context->cb_data;
}

static gboolean
is_valid_cb_name (const char *type)
{
  const char *p;

  /* RFC 5056 section 7: letters, digits, "." and "-" */
  if (*type == '\0')
    return FALSE;
  for (p = type; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '-')
      return FALSE;
  return TRUE;
}

/**
 * gxmpp_sasl_context_set_channel_binding:
 * @context: a context
 * @type: (nullable): the channel binding type: `tls-exporter` (RFC 9266,
 *   for TLS 1.3) or `tls-unique` (RFC 5929, for TLS 1.2 and earlier); or
 *   %NULL to remove the channel binding
 * @data: (nullable): the channel binding data, not empty; %NULL with a
 *   %NULL @type
 *
 * Sets the channel binding data of the stream's TLS connection, which the
 * `-PLUS` SCRAM mechanisms bind the authentication to. Most callers use
 * [method@GXmpp.SaslContext.set_channel_binding_from_tls] instead.
 *
 * Without channel binding data the `-PLUS` mechanisms are not acceptable.
 * With it, when the server offers no `-PLUS` mechanism at all, the plain
 * SCRAM mechanisms tell the server that the client supports channel
 * binding (the GS2 flag `y`, RFC 5802 section 6), so that a server that
 * does support it can tell that its `-PLUS` offer was removed on the way
 * and refuse. (When the server does offer `-PLUS` and the application
 * chose not to use it, they send `n`.)
 */
void
gxmpp_sasl_context_set_channel_binding (GXmppSaslContext *context,
                                        const char       *type,
                                        GBytes           *data)
{
  g_return_if_fail (GXMPP_IS_SASL_CONTEXT (context));
  g_return_if_fail ((type == NULL) == (data == NULL));
  g_return_if_fail (type == NULL || is_valid_cb_name (type));
  g_return_if_fail (data == NULL || g_bytes_get_size (data) > 0);

  if (data != NULL)
    g_bytes_ref (data);
  g_clear_pointer (&context->cb_data, g_bytes_unref);
  context->cb_data = data;

  if (g_strcmp0 (context->cb_type, type) != 0)
    {
      g_free (context->cb_type);
      context->cb_type = g_strdup (type);
      g_object_notify_by_pspec (G_OBJECT (context), properties[PROP_CHANNEL_BINDING_TYPE]);
    }
}

/**
 * gxmpp_sasl_context_set_channel_binding_from_tls:
 * @context: a context
 * @connection: the stream's TLS connection, after its handshake
 * @error: return location for a #GError
 *
 * Reads the channel binding data from @connection with
 * g_tls_connection_get_channel_binding_data(): `tls-exporter` (RFC 9266)
 * when the connection uses TLS 1.3, `tls-unique` (RFC 5929) when it uses an
 * earlier version. `tls-unique` is never used with TLS 1.3, where it is
 * not defined.
 *
 * On failure (the TLS backend cannot provide the data, or the protocol
 * version is unknown) any earlier channel binding is removed, so the
 * `-PLUS` mechanisms are not used.
 *
 * Returns: %TRUE if the context now has channel binding data
 */
gboolean
gxmpp_sasl_context_set_channel_binding_from_tls (GXmppSaslContext  *context,
                                                 GTlsConnection    *connection,
                                                 GError           **error)
{
  GTlsChannelBindingType binding;
  const char *name;
  g_autoptr(GByteArray) data = NULL;

  g_return_val_if_fail (GXMPP_IS_SASL_CONTEXT (context), FALSE);
  g_return_val_if_fail (G_IS_TLS_CONNECTION (connection), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  gxmpp_sasl_context_set_channel_binding (context, NULL, NULL);

  switch (g_tls_connection_get_protocol_version (connection))
    {
    case G_TLS_PROTOCOL_VERSION_TLS_1_3:
      binding = G_TLS_CHANNEL_BINDING_TLS_EXPORTER;
      name = "tls-exporter";
      break;
    case G_TLS_PROTOCOL_VERSION_TLS_1_0:
    case G_TLS_PROTOCOL_VERSION_TLS_1_1:
    case G_TLS_PROTOCOL_VERSION_TLS_1_2:
      binding = G_TLS_CHANNEL_BINDING_TLS_UNIQUE;
      name = "tls-unique";
      break;
    case G_TLS_PROTOCOL_VERSION_UNKNOWN:
    case G_TLS_PROTOCOL_VERSION_SSL_3_0:
    case G_TLS_PROTOCOL_VERSION_DTLS_1_0:
    case G_TLS_PROTOCOL_VERSION_DTLS_1_2:
    default:
      g_set_error_literal (error, G_TLS_CHANNEL_BINDING_ERROR,
                           G_TLS_CHANNEL_BINDING_ERROR_NOT_SUPPORTED,
                           _("The TLS connection uses a protocol version for which no channel binding is used"));
      return FALSE;
    }

  data = g_byte_array_new ();
  if (!g_tls_connection_get_channel_binding_data (connection, binding, data, error))
    return FALSE;
  if (data->len == 0)
    {
      g_set_error_literal (error, G_TLS_CHANNEL_BINDING_ERROR,
                           G_TLS_CHANNEL_BINDING_ERROR_GENERAL_ERROR,
                           _("The TLS connection gave empty channel binding data"));
      return FALSE;
    }

  {
    g_autoptr(GBytes) bytes = g_byte_array_free_to_bytes (g_steal_pointer (&data));

    gxmpp_sasl_context_set_channel_binding (context, name, bytes);
  }
  return TRUE;
}

/**
 * gxmpp_sasl_context_get_server_mechanisms:
 * @context: a context
 *
 * Gets the names of the mechanisms the server offers.
 *
 * Returns: (transfer none) (array zero-terminated=1): the names; empty if
 *   none were set
 */
const char * const *
gxmpp_sasl_context_get_server_mechanisms (GXmppSaslContext *context)
{
  static const char * const none[] = { NULL };

  g_return_val_if_fail (GXMPP_IS_SASL_CONTEXT (context), NULL);

  return context->server_mechanisms != NULL ? (const char * const *) context->server_mechanisms : none;
}

/**
 * gxmpp_sasl_context_set_server_mechanisms:
 * @context: a context
 * @mechanisms: (nullable) (array zero-terminated=1): the names of the
 *   mechanisms in the server's `<mechanisms/>` feature
 *
 * Sets the mechanisms the server offers. Names are compared exactly: SASL
 * mechanism names are upper case (RFC 4422 section 3.1).
 */
void
gxmpp_sasl_context_set_server_mechanisms (GXmppSaslContext   *context,
                                          const char * const *mechanisms)
{
  g_return_if_fail (GXMPP_IS_SASL_CONTEXT (context));

  g_strfreev (context->server_mechanisms);
  context->server_mechanisms = g_strdupv ((char **) mechanisms);
  g_object_notify_by_pspec (G_OBJECT (context), properties[PROP_SERVER_MECHANISMS]);
}

/**
 * gxmpp_sasl_context_server_offers:
 * @context: a context
 * @mechanism: a mechanism name, such as `SCRAM-SHA-256`
 *
 * Checks whether the server offers @mechanism.
 *
 * Returns: %TRUE if @mechanism is one of the server's mechanisms
 */
gboolean
gxmpp_sasl_context_server_offers (GXmppSaslContext *context,
                                  const char       *mechanism)
{
  g_return_val_if_fail (GXMPP_IS_SASL_CONTEXT (context), FALSE);
  g_return_val_if_fail (mechanism != NULL, FALSE);

  return context->server_mechanisms != NULL &&
         g_strv_contains ((const char * const *) context->server_mechanisms, mechanism);
}
