/* gxmpp-stream-config.c: how to reach and secure the server
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gxmpp-enum-types.h"
#include "gxmpp-stream-config.h"
#include "gxmpp-xml-reader-private.h"

/**
 * GXmppStreamConfig:
 *
 * Settings for the XML stream of a session: where the server is, how TLS
 * is used and verified, and the limits on what the server may send (the
 * seed's `StreamConfiguration`).
 *
 * The defaults are the secure ones: TLS is required, the certificate is
 * verified against the JID's domain with the system's trust store, and the
 * server is found through DNS SRV records.
 *
 * ```c
 * g_autoptr(GXmppStreamConfig) config = gxmpp_stream_config_new ();
 * g_autoptr(GSocketConnectable) address = g_network_address_new ("127.0.0.1", 5222);
 * g_autoptr(GTlsDatabase) ca = g_tls_file_database_new ("ca.pem", &error);
 *
 * gxmpp_stream_config_set_server_address (config, address);  // no SRV lookup
 * gxmpp_stream_config_set_tls_database (config, ca);         // trust a private CA
 * ```
 */

struct _GXmppStreamConfig
{
  GObject parent_instance;

  GXmppTlsPolicy tls_policy;
  GSocketConnectable *server_address;
  char *preferred_lang;
  GXmppJid *to_jid;
  gboolean establish_session;
  GTlsDatabase *tls_database;
  GTlsInteraction *tls_interaction;
  GTlsCertificate *tls_certificate;
  guint connect_timeout;
  gsize max_stanza_size;
  GResolver *resolver;
};

G_DEFINE_FINAL_TYPE (GXmppStreamConfig, gxmpp_stream_config, G_TYPE_OBJECT)

#define DEFAULT_CONNECT_TIMEOUT 30000

enum {
  PROP_0,
  PROP_TLS_POLICY,
  PROP_SERVER_ADDRESS,
  PROP_PREFERRED_LANG,
  PROP_TO_JID,
  PROP_ESTABLISH_SESSION,
  PROP_TLS_DATABASE,
  PROP_TLS_INTERACTION,
  PROP_TLS_CERTIFICATE,
  PROP_CONNECT_TIMEOUT,
  PROP_MAX_STANZA_SIZE,
  PROP_RESOLVER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
gxmpp_stream_config_finalize (GObject *object)
{
  GXmppStreamConfig *self = GXMPP_STREAM_CONFIG (object);

  g_clear_object (&self->server_address);
  g_free (self->preferred_lang);
  g_clear_pointer (&self->to_jid, gxmpp_jid_unref);
  g_clear_object (&self->tls_database);
  g_clear_object (&self->tls_interaction);
  g_clear_object (&self->tls_certificate);
  g_clear_object (&self->resolver);

  G_OBJECT_CLASS (gxmpp_stream_config_parent_class)->finalize (object);
}

static void
gxmpp_stream_config_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  GXmppStreamConfig *self = GXMPP_STREAM_CONFIG (object);

  switch (prop_id)
    {
    case PROP_TLS_POLICY:
      g_value_set_enum (value, self->tls_policy);
      break;
    case PROP_SERVER_ADDRESS:
      g_value_set_object (value, self->server_address);
      break;
    case PROP_PREFERRED_LANG:
      g_value_set_string (value, self->preferred_lang);
      break;
    case PROP_TO_JID:
      g_value_set_boxed (value, self->to_jid);
      break;
    case PROP_ESTABLISH_SESSION:
      g_value_set_boolean (value, self->establish_session);
      break;
    case PROP_TLS_DATABASE:
      g_value_set_object (value, self->tls_database);
      break;
    case PROP_TLS_INTERACTION:
      g_value_set_object (value, self->tls_interaction);
      break;
    case PROP_TLS_CERTIFICATE:
      g_value_set_object (value, self->tls_certificate);
      break;
    case PROP_CONNECT_TIMEOUT:
      g_value_set_uint (value, self->connect_timeout);
      break;
    case PROP_MAX_STANZA_SIZE:
      g_value_set_uint64 (value, self->max_stanza_size);
      break;
    case PROP_RESOLVER:
      g_value_set_object (value, self->resolver);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_stream_config_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  GXmppStreamConfig *self = GXMPP_STREAM_CONFIG (object);

  switch (prop_id)
    {
    case PROP_TLS_POLICY:
      gxmpp_stream_config_set_tls_policy (self, g_value_get_enum (value));
      break;
    case PROP_SERVER_ADDRESS:
      gxmpp_stream_config_set_server_address (self, g_value_get_object (value));
      break;
    case PROP_PREFERRED_LANG:
      gxmpp_stream_config_set_preferred_lang (self, g_value_get_string (value));
      break;
    case PROP_TO_JID:
      gxmpp_stream_config_set_to_jid (self, g_value_get_boxed (value));
      break;
    case PROP_ESTABLISH_SESSION:
      gxmpp_stream_config_set_establish_session (self, g_value_get_boolean (value));
      break;
    case PROP_TLS_DATABASE:
      gxmpp_stream_config_set_tls_database (self, g_value_get_object (value));
      break;
    case PROP_TLS_INTERACTION:
      gxmpp_stream_config_set_tls_interaction (self, g_value_get_object (value));
      break;
    case PROP_TLS_CERTIFICATE:
      gxmpp_stream_config_set_tls_certificate (self, g_value_get_object (value));
      break;
    case PROP_CONNECT_TIMEOUT:
      gxmpp_stream_config_set_connect_timeout (self, g_value_get_uint (value));
      break;
    case PROP_MAX_STANZA_SIZE:
      gxmpp_stream_config_set_max_stanza_size (self, g_value_get_uint64 (value));
      break;
    case PROP_RESOLVER:
      gxmpp_stream_config_set_resolver (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_stream_config_class_init (GXmppStreamConfigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = gxmpp_stream_config_finalize;
  object_class->get_property = gxmpp_stream_config_get_property;
  object_class->set_property = gxmpp_stream_config_set_property;

  /**
   * GXmppStreamConfig:tls-policy:
   *
   * What the session does about TLS.
   */
  properties[PROP_TLS_POLICY] =
    g_param_spec_enum ("tls-policy", NULL, NULL,
                       GXMPP_TYPE_TLS_POLICY, GXMPP_TLS_POLICY_REQUIRE, flags);

  /**
   * GXmppStreamConfig:server-address:
   *
   * Where to connect, instead of looking the domain's SRV records up (the
   * seed's `socketDetails`): for example a #GNetworkAddress for a host
   * and port. The server's certificate is still checked against the JID's
   * domain, never against this address.
   */
  properties[PROP_SERVER_ADDRESS] =
    g_param_spec_object ("server-address", NULL, NULL,
                         G_TYPE_SOCKET_CONNECTABLE, flags);

  /**
   * GXmppStreamConfig:preferred-lang:
   *
   * The language tag sent as the stream's `xml:lang`: the language the
   * user prefers for human-readable text from the server.
   */
  properties[PROP_PREFERRED_LANG] =
    g_param_spec_string ("preferred-lang", NULL, NULL, NULL, flags);

  /**
   * GXmppStreamConfig:to-jid:
   *
   * The address in the stream header's `to`, if it is not the session's
   * domain (for a server that serves several domains on one name, say).
   */
  properties[PROP_TO_JID] =
    g_param_spec_boxed ("to-jid", NULL, NULL, GXMPP_TYPE_JID, flags);

  /**
   * GXmppStreamConfig:establish-session:
   *
   * Whether to establish the legacy session of RFC 3921 whenever the
   * server offers it. Without this, it is established only when the
   * server requires it (offers it without `<optional/>`).
   */
  properties[PROP_ESTABLISH_SESSION] =
    g_param_spec_boolean ("establish-session", NULL, NULL, FALSE, flags);

  /**
   * GXmppStreamConfig:tls-database:
   *
   * The trust store for the server's certificate, such as a
   * #GTlsFileDatabase holding a private CA; %NULL for the system's.
   */
  properties[PROP_TLS_DATABASE] =
    g_param_spec_object ("tls-database", NULL, NULL, G_TYPE_TLS_DATABASE, flags);

  /**
   * GXmppStreamConfig:tls-interaction:
   *
   * Interaction for TLS, such as asking for a certificate's PIN.
   */
  properties[PROP_TLS_INTERACTION] =
    g_param_spec_object ("tls-interaction", NULL, NULL, G_TYPE_TLS_INTERACTION, flags);

  /**
   * GXmppStreamConfig:tls-certificate:
   *
   * A client certificate to present, for SASL EXTERNAL.
   */
  properties[PROP_TLS_CERTIFICATE] =
    g_param_spec_object ("tls-certificate", NULL, NULL, G_TYPE_TLS_CERTIFICATE, flags);

  /**
   * GXmppStreamConfig:connect-timeout:
   *
   * How long connecting may take, in milliseconds, from the DNS lookup to
   * a ready session; 0 for no limit.
   */
  properties[PROP_CONNECT_TIMEOUT] =
    g_param_spec_uint ("connect-timeout", NULL, NULL, 0, G_MAXUINT, DEFAULT_CONNECT_TIMEOUT, flags);

  /**
   * GXmppStreamConfig:max-stanza-size:
   *
   * The largest element, in bytes, the server may send; a larger one is a
   * `policy-violation` stream error.
   */
  properties[PROP_MAX_STANZA_SIZE] =
    g_param_spec_uint64 ("max-stanza-size", NULL, NULL, 1024, G_MAXSIZE,
                         GXMPP_XML_DEFAULT_MAX_STANZA_SIZE, flags);

  /**
   * GXmppStreamConfig:resolver:
   *
   * The resolver for SRV and address lookups; %NULL for the default one.
   */
  properties[PROP_RESOLVER] =
    g_param_spec_object ("resolver", NULL, NULL, G_TYPE_RESOLVER, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gxmpp_stream_config_init (GXmppStreamConfig *self)
{
  self->tls_policy = GXMPP_TLS_POLICY_REQUIRE;
  self->connect_timeout = DEFAULT_CONNECT_TIMEOUT;
  self->max_stanza_size = GXMPP_XML_DEFAULT_MAX_STANZA_SIZE;
}

/**
 * gxmpp_stream_config_new:
 *
 * Creates a stream configuration with the default, secure settings.
 *
 * Returns: (transfer full): a new configuration
 */
GXmppStreamConfig *
gxmpp_stream_config_new (void)
{
  return g_object_new (GXMPP_TYPE_STREAM_CONFIG, NULL);
}

#define SET_OBJECT(field, value, prop)                             \
  G_STMT_START {                                                   \
    if (g_set_object (&self->field, value))                        \
      g_object_notify_by_pspec (G_OBJECT (self), properties[prop]); \
  } G_STMT_END

#define SET_SCALAR(field, value, prop)                             \
  G_STMT_START {                                                   \
    if (self->field != (value))                                    \
      {                                                            \
        self->field = (value);                                     \
        g_object_notify_by_pspec (G_OBJECT (self), properties[prop]); \
      }                                                            \
  } G_STMT_END

/**
 * gxmpp_stream_config_get_tls_policy:
 * @config: a stream configuration
 *
 * Gets [property@GXmpp.StreamConfig:tls-policy].
 *
 * Returns: the TLS policy
 */
GXmppTlsPolicy
gxmpp_stream_config_get_tls_policy (GXmppStreamConfig *config)
{
  g_return_val_if_fail (GXMPP_IS_STREAM_CONFIG (config), GXMPP_TLS_POLICY_REQUIRE);
  return config->tls_policy;
}

/**
 * gxmpp_stream_config_set_tls_policy:
 * @config: a stream configuration
 * @policy: the TLS policy
 *
 * Sets [property@GXmpp.StreamConfig:tls-policy].
 */
void
gxmpp_stream_config_set_tls_policy (GXmppStreamConfig *config,
                                    GXmppTlsPolicy     policy)
{
  GXmppStreamConfig *self = config;

  g_return_if_fail (GXMPP_IS_STREAM_CONFIG (config));
  g_return_if_fail (policy <= GXMPP_TLS_POLICY_REFUSE);
  SET_SCALAR (tls_policy, policy, PROP_TLS_POLICY);
}

/**
 * gxmpp_stream_config_get_server_address:
 * @config: a stream configuration
 *
 * Gets [property@GXmpp.StreamConfig:server-address].
 *
 * Returns: (transfer none) (nullable): the address, or %NULL to use SRV
 */
GSocketConnectable *
gxmpp_stream_config_get_server_address (GXmppStreamConfig *config)
{
  g_return_val_if_fail (GXMPP_IS_STREAM_CONFIG (config), NULL);
  return config->server_address;
}

/**
 * gxmpp_stream_config_set_server_address:
 * @config: a stream configuration
 * @address: (nullable): where to connect, or %NULL to use SRV
 *
 * Sets [property@GXmpp.StreamConfig:server-address].
 */
void
gxmpp_stream_config_set_server_address (GXmppStreamConfig  *config,
                                        GSocketConnectable *address)
{
  GXmppStreamConfig *self = config;

  g_return_if_fail (GXMPP_IS_STREAM_CONFIG (config));
  g_return_if_fail (address == NULL || G_IS_SOCKET_CONNECTABLE (address));
  SET_OBJECT (server_address, address, PROP_SERVER_ADDRESS);
}

/**
 * gxmpp_stream_config_get_preferred_lang:
 * @config: a stream configuration
 *
 * Gets [property@GXmpp.StreamConfig:preferred-lang].
 *
 * Returns: (nullable): the language tag
 */
const char *
gxmpp_stream_config_get_preferred_lang (GXmppStreamConfig *config)
{
  g_return_val_if_fail (GXMPP_IS_STREAM_CONFIG (config), NULL);
  return config->preferred_lang;
}

/**
 * gxmpp_stream_config_set_preferred_lang:
 * @config: a stream configuration
 * @lang: (nullable): a language tag (RFC 5646), or %NULL
 *
 * Sets [property@GXmpp.StreamConfig:preferred-lang].
 */
void
gxmpp_stream_config_set_preferred_lang (GXmppStreamConfig *config,
                                        const char        *lang)
{
  g_return_if_fail (GXMPP_IS_STREAM_CONFIG (config));

  if (g_strcmp0 (config->preferred_lang, lang) == 0)
    return;
  g_free (config->preferred_lang);
  config->preferred_lang = g_strdup (lang);
  g_object_notify_by_pspec (G_OBJECT (config), properties[PROP_PREFERRED_LANG]);
}

/**
 * gxmpp_stream_config_get_to_jid:
 * @config: a stream configuration
 *
 * Gets [property@GXmpp.StreamConfig:to-jid].
 *
 * Returns: (transfer none) (nullable): the address, or %NULL
 */
GXmppJid *
gxmpp_stream_config_get_to_jid (GXmppStreamConfig *config)
{
  g_return_val_if_fail (GXMPP_IS_STREAM_CONFIG (config), NULL);
  return config->to_jid;
}

/**
 * gxmpp_stream_config_set_to_jid:
 * @config: a stream configuration
 * @jid: (nullable): the stream header's `to`, or %NULL for the domain
 *
 * Sets [property@GXmpp.StreamConfig:to-jid].
 */
void
gxmpp_stream_config_set_to_jid (GXmppStreamConfig *config,
                                GXmppJid          *jid)
{
  g_return_if_fail (GXMPP_IS_STREAM_CONFIG (config));

  if (jid == config->to_jid)
    return;
  if (jid != NULL)
    gxmpp_jid_ref (jid);
  g_clear_pointer (&config->to_jid, gxmpp_jid_unref);
  config->to_jid = jid;
  g_object_notify_by_pspec (G_OBJECT (config), properties[PROP_TO_JID]);
}

/**
 * gxmpp_stream_config_get_establish_session:
 * @config: a stream configuration
 *
 * Gets [property@GXmpp.StreamConfig:establish-session].
 *
 * Returns: whether to always establish the legacy session
 */
gboolean
gxmpp_stream_config_get_establish_session (GXmppStreamConfig *config)
{
  g_return_val_if_fail (GXMPP_IS_STREAM_CONFIG (config), FALSE);
  return config->establish_session;
}

/**
 * gxmpp_stream_config_set_establish_session:
 * @config: a stream configuration
 * @establish: whether to establish the legacy session whenever offered
 *
 * Sets [property@GXmpp.StreamConfig:establish-session].
 */
void
gxmpp_stream_config_set_establish_session (GXmppStreamConfig *config,
                                           gboolean           establish)
{
  GXmppStreamConfig *self = config;

  g_return_if_fail (GXMPP_IS_STREAM_CONFIG (config));
  SET_SCALAR (establish_session, !!establish, PROP_ESTABLISH_SESSION);
}

/**
 * gxmpp_stream_config_get_tls_database:
 * @config: a stream configuration
 *
 * Gets [property@GXmpp.StreamConfig:tls-database].
 *
 * Returns: (transfer none) (nullable): the trust store, or %NULL
 */
GTlsDatabase *
gxmpp_stream_config_get_tls_database (GXmppStreamConfig *config)
{
  g_return_val_if_fail (GXMPP_IS_STREAM_CONFIG (config), NULL);
  return config->tls_database;
}

/**
 * gxmpp_stream_config_set_tls_database:
 * @config: a stream configuration
 * @database: (nullable): a trust store, or %NULL for the system's
 *
 * Sets [property@GXmpp.StreamConfig:tls-database].
 */
void
gxmpp_stream_config_set_tls_database (GXmppStreamConfig *config,
                                      GTlsDatabase      *database)
{
  GXmppStreamConfig *self = config;

  g_return_if_fail (GXMPP_IS_STREAM_CONFIG (config));
  g_return_if_fail (database == NULL || G_IS_TLS_DATABASE (database));
  SET_OBJECT (tls_database, database, PROP_TLS_DATABASE);
}

/**
 * gxmpp_stream_config_get_tls_interaction:
 * @config: a stream configuration
 *
 * Gets [property@GXmpp.StreamConfig:tls-interaction].
 *
 * Returns: (transfer none) (nullable): the interaction, or %NULL
 */
GTlsInteraction *
gxmpp_stream_config_get_tls_interaction (GXmppStreamConfig *config)
{
  g_return_val_if_fail (GXMPP_IS_STREAM_CONFIG (config), NULL);
  return config->tls_interaction;
}

/**
 * gxmpp_stream_config_set_tls_interaction:
 * @config: a stream configuration
 * @interaction: (nullable): an interaction, or %NULL
 *
 * Sets [property@GXmpp.StreamConfig:tls-interaction].
 */
void
gxmpp_stream_config_set_tls_interaction (GXmppStreamConfig *config,
                                         GTlsInteraction   *interaction)
{
  GXmppStreamConfig *self = config;

  g_return_if_fail (GXMPP_IS_STREAM_CONFIG (config));
  g_return_if_fail (interaction == NULL || G_IS_TLS_INTERACTION (interaction));
  SET_OBJECT (tls_interaction, interaction, PROP_TLS_INTERACTION);
}

/**
 * gxmpp_stream_config_get_tls_certificate:
 * @config: a stream configuration
 *
 * Gets [property@GXmpp.StreamConfig:tls-certificate].
 *
 * Returns: (transfer none) (nullable): the client certificate, or %NULL
 */
GTlsCertificate *
gxmpp_stream_config_get_tls_certificate (GXmppStreamConfig *config)
{
  g_return_val_if_fail (GXMPP_IS_STREAM_CONFIG (config), NULL);
  return config->tls_certificate;
}

/**
 * gxmpp_stream_config_set_tls_certificate:
 * @config: a stream configuration
 * @certificate: (nullable): a client certificate with its private key, or %NULL
 *
 * Sets [property@GXmpp.StreamConfig:tls-certificate].
 */
void
gxmpp_stream_config_set_tls_certificate (GXmppStreamConfig *config,
                                         GTlsCertificate   *certificate)
{
  GXmppStreamConfig *self = config;

  g_return_if_fail (GXMPP_IS_STREAM_CONFIG (config));
  g_return_if_fail (certificate == NULL || G_IS_TLS_CERTIFICATE (certificate));
  SET_OBJECT (tls_certificate, certificate, PROP_TLS_CERTIFICATE);
}

/**
 * gxmpp_stream_config_get_connect_timeout:
 * @config: a stream configuration
 *
 * Gets [property@GXmpp.StreamConfig:connect-timeout].
 *
 * Returns: the timeout in milliseconds, 0 for none
 */
guint
gxmpp_stream_config_get_connect_timeout (GXmppStreamConfig *config)
{
  g_return_val_if_fail (GXMPP_IS_STREAM_CONFIG (config), 0);
  return config->connect_timeout;
}

/**
 * gxmpp_stream_config_set_connect_timeout:
 * @config: a stream configuration
 * @timeout_ms: the timeout in milliseconds, 0 for none
 *
 * Sets [property@GXmpp.StreamConfig:connect-timeout].
 */
void
gxmpp_stream_config_set_connect_timeout (GXmppStreamConfig *config,
                                         guint              timeout_ms)
{
  GXmppStreamConfig *self = config;

  g_return_if_fail (GXMPP_IS_STREAM_CONFIG (config));
  SET_SCALAR (connect_timeout, timeout_ms, PROP_CONNECT_TIMEOUT);
}

/**
 * gxmpp_stream_config_get_max_stanza_size:
 * @config: a stream configuration
 *
 * Gets [property@GXmpp.StreamConfig:max-stanza-size].
 *
 * Returns: the limit in bytes
 */
gsize
gxmpp_stream_config_get_max_stanza_size (GXmppStreamConfig *config)
{
  g_return_val_if_fail (GXMPP_IS_STREAM_CONFIG (config), GXMPP_XML_DEFAULT_MAX_STANZA_SIZE);
  return config->max_stanza_size;
}

/**
 * gxmpp_stream_config_set_max_stanza_size:
 * @config: a stream configuration
 * @max_size: the limit in bytes, at least 1024
 *
 * Sets [property@GXmpp.StreamConfig:max-stanza-size].
 */
void
gxmpp_stream_config_set_max_stanza_size (GXmppStreamConfig *config,
                                         gsize              max_size)
{
  GXmppStreamConfig *self = config;

  g_return_if_fail (GXMPP_IS_STREAM_CONFIG (config));
  g_return_if_fail (max_size >= 1024);
  SET_SCALAR (max_stanza_size, max_size, PROP_MAX_STANZA_SIZE);
}

/**
 * gxmpp_stream_config_get_resolver:
 * @config: a stream configuration
 *
 * Gets [property@GXmpp.StreamConfig:resolver].
 *
 * Returns: (transfer none) (nullable): the resolver, or %NULL for the default
 */
GResolver *
gxmpp_stream_config_get_resolver (GXmppStreamConfig *config)
{
  g_return_val_if_fail (GXMPP_IS_STREAM_CONFIG (config), NULL);
  return config->resolver;
}

/**
 * gxmpp_stream_config_set_resolver:
 * @config: a stream configuration
 * @resolver: (nullable): a resolver, or %NULL for the default
 *
 * Sets [property@GXmpp.StreamConfig:resolver].
 */
void
gxmpp_stream_config_set_resolver (GXmppStreamConfig *config,
                                  GResolver         *resolver)
{
  GXmppStreamConfig *self = config;

  g_return_if_fail (GXMPP_IS_STREAM_CONFIG (config));
  g_return_if_fail (resolver == NULL || G_IS_RESOLVER (resolver));
  SET_OBJECT (resolver, resolver, PROP_RESOLVER);
}
