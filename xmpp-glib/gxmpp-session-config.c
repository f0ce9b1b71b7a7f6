/* gxmpp-session-config.c: settings of a session
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "gxmpp-session-config.h"

/**
 * GXmppSessionConfig:
 *
 * Settings for a [class@GXmpp.Session] (the seed's `SessionConfiguration`):
 * the stream settings, the default IQ timeout, how stanza ids are made,
 * stream management, reconnection and keep-alive.
 */

struct _GXmppSessionConfig
{
  GObject parent_instance;

  GXmppStreamConfig *stream_config;
  guint iq_timeout;
  GXmppStanzaIdFunc id_func;
  gpointer id_data;
  GDestroyNotify id_destroy;
  gboolean stream_management;
  guint max_unacked_stanzas;
  guint max_unacked_bytes;
  guint keepalive_interval;
  guint ping_interval;
  guint ping_timeout;
  GXmppReconnectPolicy *reconnect;
  GNetworkMonitor *network_monitor;
};

G_DEFINE_FINAL_TYPE (GXmppSessionConfig, gxmpp_session_config, G_TYPE_OBJECT)

#define DEFAULT_IQ_TIMEOUT 30000

enum {
  PROP_0,
  PROP_STREAM_CONFIG,
  PROP_IQ_TIMEOUT,
  PROP_STREAM_MANAGEMENT,
  PROP_MAX_UNACKED_STANZAS,
  PROP_MAX_UNACKED_BYTES,
  PROP_KEEPALIVE_INTERVAL,
  PROP_PING_INTERVAL,
  PROP_PING_TIMEOUT,
  PROP_RECONNECT,
  PROP_NETWORK_MONITOR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
gxmpp_session_config_finalize (GObject *object)
{
  GXmppSessionConfig *self = GXMPP_SESSION_CONFIG (object);

  g_clear_object (&self->stream_config);
  g_clear_object (&self->reconnect);
  g_clear_object (&self->network_monitor);
  if (self->id_destroy != NULL)
    self->id_destroy (self->id_data);

  G_OBJECT_CLASS (gxmpp_session_config_parent_class)->finalize (object);
}

static void
gxmpp_session_config_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  GXmppSessionConfig *self = GXMPP_SESSION_CONFIG (object);

  switch (prop_id)
    {
    case PROP_STREAM_CONFIG:
      g_value_set_object (value, self->stream_config);
      break;
    case PROP_IQ_TIMEOUT:
      g_value_set_uint (value, self->iq_timeout);
      break;
    case PROP_STREAM_MANAGEMENT:
      g_value_set_boolean (value, self->stream_management);
      break;
    case PROP_MAX_UNACKED_STANZAS:
      g_value_set_uint (value, self->max_unacked_stanzas);
      break;
    case PROP_MAX_UNACKED_BYTES:
      g_value_set_uint (value, self->max_unacked_bytes);
      break;
    case PROP_KEEPALIVE_INTERVAL:
      g_value_set_uint (value, self->keepalive_interval);
      break;
    case PROP_PING_INTERVAL:
      g_value_set_uint (value, self->ping_interval);
      break;
    case PROP_PING_TIMEOUT:
      g_value_set_uint (value, self->ping_timeout);
      break;
    case PROP_RECONNECT:
      g_value_set_object (value, self->reconnect);
      break;
    case PROP_NETWORK_MONITOR:
      g_value_set_object (value, self->network_monitor);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_session_config_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  GXmppSessionConfig *self = GXMPP_SESSION_CONFIG (object);

  switch (prop_id)
    {
    case PROP_STREAM_CONFIG:
      gxmpp_session_config_set_stream_config (self, g_value_get_object (value));
      break;
    case PROP_IQ_TIMEOUT:
      gxmpp_session_config_set_iq_timeout (self, g_value_get_uint (value));
      break;
    case PROP_STREAM_MANAGEMENT:
      gxmpp_session_config_set_stream_management (self, g_value_get_boolean (value));
      break;
    case PROP_MAX_UNACKED_STANZAS:
      gxmpp_session_config_set_max_unacked_stanzas (self, g_value_get_uint (value));
      break;
    case PROP_MAX_UNACKED_BYTES:
      gxmpp_session_config_set_max_unacked_bytes (self, g_value_get_uint (value));
      break;
    case PROP_KEEPALIVE_INTERVAL:
      gxmpp_session_config_set_keepalive_interval (self, g_value_get_uint (value));
      break;
    case PROP_PING_INTERVAL:
      gxmpp_session_config_set_ping_interval (self, g_value_get_uint (value));
      break;
    case PROP_PING_TIMEOUT:
      gxmpp_session_config_set_ping_timeout (self, g_value_get_uint (value));
      break;
    case PROP_RECONNECT:
      gxmpp_session_config_set_reconnect (self, g_value_get_object (value));
      break;
    case PROP_NETWORK_MONITOR:
      gxmpp_session_config_set_network_monitor (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_session_config_class_init (GXmppSessionConfigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = gxmpp_session_config_finalize;
  object_class->get_property = gxmpp_session_config_get_property;
  object_class->set_property = gxmpp_session_config_set_property;

  /**
   * GXmppSessionConfig:stream-config:
   *
   * The settings of the session's XML stream. Never %NULL: setting %NULL
   * restores the defaults.
   */
  properties[PROP_STREAM_CONFIG] =
    g_param_spec_object ("stream-config", NULL, NULL, GXMPP_TYPE_STREAM_CONFIG,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppSessionConfig:iq-timeout:
   *
   * How long, in milliseconds, [method@GXmpp.Session.send_iq_async] waits
   * for a reply unless it is given another timeout; 0 for no limit.
   */
  properties[PROP_IQ_TIMEOUT] =
    g_param_spec_uint ("iq-timeout", NULL, NULL, 0, G_MAXUINT, DEFAULT_IQ_TIMEOUT,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppSessionConfig:stream-management:
   *
   * Whether to use stream management (XEP-0198) when the server offers it:
   * stanzas are acknowledged, [method@GXmpp.Session.send_async] completes
   * when the server has confirmed the stanza, and a lost connection is
   * resumed without losing or repeating anything.
   */
  properties[PROP_STREAM_MANAGEMENT] =
    g_param_spec_boolean ("stream-management", NULL, NULL, TRUE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppSessionConfig:max-unacked-stanzas:
   *
   * How many stanzas may wait for the server's confirmation (sent and not
   * acknowledged yet, or queued while the session reconnects). Sending
   * more fails with %GXMPP_ERROR_QUEUE_FULL; nothing is dropped.
   */
  properties[PROP_MAX_UNACKED_STANZAS] =
    g_param_spec_uint ("max-unacked-stanzas", NULL, NULL, 1, G_MAXUINT, 1000,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppSessionConfig:max-unacked-bytes:
   *
   * How many bytes of stanzas may wait for the server's confirmation, as
   * [property@GXmpp.SessionConfig:max-unacked-stanzas] counts stanzas.
   */
  properties[PROP_MAX_UNACKED_BYTES] =
    g_param_spec_uint ("max-unacked-bytes", NULL, NULL, 1, G_MAXUINT, 8 * 1024 * 1024,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppSessionConfig:keepalive-interval:
   *
   * After this many milliseconds without writing anything, the session
   * writes a single space (a whitespace keep-alive), so that NAT devices and
   * firewalls keep the connection open; 0 for never.
   */
  properties[PROP_KEEPALIVE_INTERVAL] =
    g_param_spec_uint ("keepalive-interval", NULL, NULL, 0, G_MAXINT, 30000,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppSessionConfig:ping-interval:
   *
   * After this many milliseconds without hearing from the server, the
   * session checks that the connection is still alive: with stream
   * management by asking for an acknowledgement, otherwise with an XEP-0199
   * ping; 0 for never. Together with
   * [property@GXmpp.SessionConfig:ping-timeout], this bounds how long a dead
   * connection goes unnoticed.
   */
  properties[PROP_PING_INTERVAL] =
    g_param_spec_uint ("ping-interval", NULL, NULL, 0, G_MAXINT, 60000,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppSessionConfig:ping-timeout:
   *
   * How many milliseconds the server has to answer such a check (or a
   * request for an acknowledgement) before the connection counts as dead and
   * the session reconnects.
   */
  properties[PROP_PING_TIMEOUT] =
    g_param_spec_uint ("ping-timeout", NULL, NULL, 1, G_MAXINT, 20000,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppSessionConfig:reconnect:
   *
   * How the session reconnects when it loses its connection, or %NULL not
   * to: then the session waits, disconnected, for
   * [method@GXmpp.Session.reconnect_async] or
   * [method@GXmpp.Session.close_async]. By default a
   * [class@GXmpp.ReconnectPolicy] with its default settings.
   */
  properties[PROP_RECONNECT] =
    g_param_spec_object ("reconnect", NULL, NULL, GXMPP_TYPE_RECONNECT_POLICY,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppSessionConfig:network-monitor:
   *
   * The network monitor whose changes make a waiting session try to
   * reconnect at once (and a ready one check its connection), or %NULL for
   * g_network_monitor_get_default().
   */
  properties[PROP_NETWORK_MONITOR] =
    g_param_spec_object ("network-monitor", NULL, NULL, G_TYPE_NETWORK_MONITOR,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gxmpp_session_config_init (GXmppSessionConfig *self)
{
  self->stream_config = gxmpp_stream_config_new ();
  self->iq_timeout = DEFAULT_IQ_TIMEOUT;
  self->stream_management = TRUE;
  self->max_unacked_stanzas = 1000;
  self->max_unacked_bytes = 8 * 1024 * 1024;
  self->keepalive_interval = 30000;
  self->ping_interval = 60000;
  self->ping_timeout = 20000;
  self->reconnect = gxmpp_reconnect_policy_new ();
}

/**
 * gxmpp_session_config_new:
 *
 * Creates a session configuration with the default settings.
 *
 * Returns: (transfer full): a new configuration
 */
GXmppSessionConfig *
gxmpp_session_config_new (void)
{
  return g_object_new (GXMPP_TYPE_SESSION_CONFIG, NULL);
}

/**
 * gxmpp_session_config_get_stream_config:
 * @config: a session configuration
 *
 * Gets [property@GXmpp.SessionConfig:stream-config], to change it in place.
 *
 * Returns: (transfer none): the stream configuration
 */
GXmppStreamConfig *
gxmpp_session_config_get_stream_config (GXmppSessionConfig *config)
{
  g_return_val_if_fail (GXMPP_IS_SESSION_CONFIG (config), NULL);
  return config->stream_config;
}

/**
 * gxmpp_session_config_set_stream_config:
 * @config: a session configuration
 * @stream_config: (nullable): the stream settings, or %NULL for the defaults
 *
 * Sets [property@GXmpp.SessionConfig:stream-config].
 */
void
gxmpp_session_config_set_stream_config (GXmppSessionConfig *config,
                                        GXmppStreamConfig  *stream_config)
{
  g_autoptr(GXmppStreamConfig) value = NULL;

  g_return_if_fail (GXMPP_IS_SESSION_CONFIG (config));
  g_return_if_fail (stream_config == NULL || GXMPP_IS_STREAM_CONFIG (stream_config));

  value = stream_config != NULL ? g_object_ref (stream_config) : gxmpp_stream_config_new ();
  if (g_set_object (&config->stream_config, value))
    g_object_notify_by_pspec (G_OBJECT (config), properties[PROP_STREAM_CONFIG]);
}

/**
 * gxmpp_session_config_get_iq_timeout:
 * @config: a session configuration
 *
 * Gets [property@GXmpp.SessionConfig:iq-timeout].
 *
 * Returns: the timeout in milliseconds, 0 for none
 */
guint
gxmpp_session_config_get_iq_timeout (GXmppSessionConfig *config)
{
  g_return_val_if_fail (GXMPP_IS_SESSION_CONFIG (config), DEFAULT_IQ_TIMEOUT);
  return config->iq_timeout;
}

/**
 * gxmpp_session_config_set_iq_timeout:
 * @config: a session configuration
 * @timeout_ms: the timeout in milliseconds, 0 for none
 *
 * Sets [property@GXmpp.SessionConfig:iq-timeout].
 */
void
gxmpp_session_config_set_iq_timeout (GXmppSessionConfig *config,
                                     guint               timeout_ms)
{
  g_return_if_fail (GXMPP_IS_SESSION_CONFIG (config));

  if (config->iq_timeout == timeout_ms)
    return;
  config->iq_timeout = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (config), properties[PROP_IQ_TIMEOUT]);
}

/**
 * gxmpp_session_config_get_stream_management:
 * @config: a session configuration
 *
 * Gets [property@GXmpp.SessionConfig:stream-management].
 *
 * Returns: %TRUE to use stream management
 */
gboolean
gxmpp_session_config_get_stream_management (GXmppSessionConfig *config)
{
  g_return_val_if_fail (GXMPP_IS_SESSION_CONFIG (config), 0);
  return config->stream_management;
}

/**
 * gxmpp_session_config_set_stream_management:
 * @config: a session configuration
 * @enabled: %TRUE to use stream management
 *
 * Sets [property@GXmpp.SessionConfig:stream-management].
 */
void
gxmpp_session_config_set_stream_management (GXmppSessionConfig *config,
                                           gboolean           enabled)
{
  g_return_if_fail (GXMPP_IS_SESSION_CONFIG (config));

  enabled = !!enabled;
  if (config->stream_management == enabled)
    return;
  config->stream_management = enabled;
  g_object_notify_by_pspec (G_OBJECT (config), properties[PROP_STREAM_MANAGEMENT]);
}

/**
 * gxmpp_session_config_get_max_unacked_stanzas:
 * @config: a session configuration
 *
 * Gets [property@GXmpp.SessionConfig:max-unacked-stanzas].
 *
 * Returns: the number of stanzas
 */
guint
gxmpp_session_config_get_max_unacked_stanzas (GXmppSessionConfig *config)
{
  g_return_val_if_fail (GXMPP_IS_SESSION_CONFIG (config), 0);
  return config->max_unacked_stanzas;
}

/**
 * gxmpp_session_config_set_max_unacked_stanzas:
 * @config: a session configuration
 * @value: the number of stanzas
 *
 * Sets [property@GXmpp.SessionConfig:max-unacked-stanzas].
 */
void
gxmpp_session_config_set_max_unacked_stanzas (GXmppSessionConfig *config,
                                             guint              value)
{
  g_return_if_fail (GXMPP_IS_SESSION_CONFIG (config));
  g_return_if_fail (value > 0);

  if (config->max_unacked_stanzas == value)
    return;
  config->max_unacked_stanzas = value;
  g_object_notify_by_pspec (G_OBJECT (config), properties[PROP_MAX_UNACKED_STANZAS]);
}

/**
 * gxmpp_session_config_get_max_unacked_bytes:
 * @config: a session configuration
 *
 * Gets [property@GXmpp.SessionConfig:max-unacked-bytes].
 *
 * Returns: the number of bytes
 */
guint
gxmpp_session_config_get_max_unacked_bytes (GXmppSessionConfig *config)
{
  g_return_val_if_fail (GXMPP_IS_SESSION_CONFIG (config), 0);
  return config->max_unacked_bytes;
}

/**
 * gxmpp_session_config_set_max_unacked_bytes:
 * @config: a session configuration
 * @value: the number of bytes
 *
 * Sets [property@GXmpp.SessionConfig:max-unacked-bytes].
 */
void
gxmpp_session_config_set_max_unacked_bytes (GXmppSessionConfig *config,
                                           guint              value)
{
  g_return_if_fail (GXMPP_IS_SESSION_CONFIG (config));
  g_return_if_fail (value > 0);

  if (config->max_unacked_bytes == value)
    return;
  config->max_unacked_bytes = value;
  g_object_notify_by_pspec (G_OBJECT (config), properties[PROP_MAX_UNACKED_BYTES]);
}

/**
 * gxmpp_session_config_get_keepalive_interval:
 * @config: a session configuration
 *
 * Gets [property@GXmpp.SessionConfig:keepalive-interval].
 *
 * Returns: the interval in milliseconds
 */
guint
gxmpp_session_config_get_keepalive_interval (GXmppSessionConfig *config)
{
  g_return_val_if_fail (GXMPP_IS_SESSION_CONFIG (config), 0);
  return config->keepalive_interval;
}

/**
 * gxmpp_session_config_set_keepalive_interval:
 * @config: a session configuration
 * @value: the interval in milliseconds
 *
 * Sets [property@GXmpp.SessionConfig:keepalive-interval].
 */
void
gxmpp_session_config_set_keepalive_interval (GXmppSessionConfig *config,
                                            guint              value)
{
  g_return_if_fail (GXMPP_IS_SESSION_CONFIG (config));
  g_return_if_fail (value <= G_MAXINT);

  if (config->keepalive_interval == value)
    return;
  config->keepalive_interval = value;
  g_object_notify_by_pspec (G_OBJECT (config), properties[PROP_KEEPALIVE_INTERVAL]);
}

/**
 * gxmpp_session_config_get_ping_interval:
 * @config: a session configuration
 *
 * Gets [property@GXmpp.SessionConfig:ping-interval].
 *
 * Returns: the interval in milliseconds
 */
guint
gxmpp_session_config_get_ping_interval (GXmppSessionConfig *config)
{
  g_return_val_if_fail (GXMPP_IS_SESSION_CONFIG (config), 0);
  return config->ping_interval;
}

/**
 * gxmpp_session_config_set_ping_interval:
 * @config: a session configuration
 * @value: the interval in milliseconds
 *
 * Sets [property@GXmpp.SessionConfig:ping-interval].
 */
void
gxmpp_session_config_set_ping_interval (GXmppSessionConfig *config,
                                       guint              value)
{
  g_return_if_fail (GXMPP_IS_SESSION_CONFIG (config));
  g_return_if_fail (value <= G_MAXINT);

  if (config->ping_interval == value)
    return;
  config->ping_interval = value;
  g_object_notify_by_pspec (G_OBJECT (config), properties[PROP_PING_INTERVAL]);
}

/**
 * gxmpp_session_config_get_ping_timeout:
 * @config: a session configuration
 *
 * Gets [property@GXmpp.SessionConfig:ping-timeout].
 *
 * Returns: the timeout in milliseconds
 */
guint
gxmpp_session_config_get_ping_timeout (GXmppSessionConfig *config)
{
  g_return_val_if_fail (GXMPP_IS_SESSION_CONFIG (config), 0);
  return config->ping_timeout;
}

/**
 * gxmpp_session_config_set_ping_timeout:
 * @config: a session configuration
 * @value: the timeout in milliseconds
 *
 * Sets [property@GXmpp.SessionConfig:ping-timeout].
 */
void
gxmpp_session_config_set_ping_timeout (GXmppSessionConfig *config,
                                      guint              value)
{
  g_return_if_fail (GXMPP_IS_SESSION_CONFIG (config));
  g_return_if_fail (value > 0);
  g_return_if_fail (value <= G_MAXINT);

  if (config->ping_timeout == value)
    return;
  config->ping_timeout = value;
  g_object_notify_by_pspec (G_OBJECT (config), properties[PROP_PING_TIMEOUT]);
}

/**
 * gxmpp_session_config_get_reconnect:
 * @config: a session configuration
 *
 * Gets [property@GXmpp.SessionConfig:reconnect].
 *
 * Returns: (transfer none) (nullable): the policy, or %NULL when the session
 *   does not reconnect
 */
GXmppReconnectPolicy *
gxmpp_session_config_get_reconnect (GXmppSessionConfig *config)
{
  g_return_val_if_fail (GXMPP_IS_SESSION_CONFIG (config), NULL);
  return config->reconnect;
}

/**
 * gxmpp_session_config_set_reconnect:
 * @config: a session configuration
 * @policy: (nullable): the policy, or %NULL not to reconnect
 *
 * Sets [property@GXmpp.SessionConfig:reconnect].
 */
void
gxmpp_session_config_set_reconnect (GXmppSessionConfig   *config,
                                    GXmppReconnectPolicy *policy)
{
  g_return_if_fail (GXMPP_IS_SESSION_CONFIG (config));
  g_return_if_fail (policy == NULL || GXMPP_IS_RECONNECT_POLICY (policy));

  if (g_set_object (&config->reconnect, policy))
    g_object_notify_by_pspec (G_OBJECT (config), properties[PROP_RECONNECT]);
}

/**
 * gxmpp_session_config_get_network_monitor:
 * @config: a session configuration
 *
 * Gets [property@GXmpp.SessionConfig:network-monitor].
 *
 * Returns: (transfer none) (nullable): the monitor set, or %NULL for the
 *   default one
 */
GNetworkMonitor *
gxmpp_session_config_get_network_monitor (GXmppSessionConfig *config)
{
  g_return_val_if_fail (GXMPP_IS_SESSION_CONFIG (config), NULL);
  return config->network_monitor;
}

/**
 * gxmpp_session_config_set_network_monitor:
 * @config: a session configuration
 * @monitor: (nullable): a network monitor, or %NULL for the default one
 *
 * Sets [property@GXmpp.SessionConfig:network-monitor].
 */
void
gxmpp_session_config_set_network_monitor (GXmppSessionConfig *config,
                                          GNetworkMonitor    *monitor)
{
  g_return_if_fail (GXMPP_IS_SESSION_CONFIG (config));
  g_return_if_fail (monitor == NULL || G_IS_NETWORK_MONITOR (monitor));

  if (g_set_object (&config->network_monitor, monitor))
    g_object_notify_by_pspec (G_OBJECT (config), properties[PROP_NETWORK_MONITOR]);
}

/**
 * gxmpp_session_config_set_stanza_id_func:
 * @config: a session configuration
 * @func: (nullable) (scope notified) (closure user_data) (destroy destroy): the
 *   id generator, or %NULL for the built-in one
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Replaces the built-in stanza id generator, which makes 96 random bits
 * from GnuTLS's cryptographic generator, base64url-encoded.
 */
void
gxmpp_session_config_set_stanza_id_func (GXmppSessionConfig *config,
                                         GXmppStanzaIdFunc   func,
                                         gpointer            user_data,
                                         GDestroyNotify      destroy)
{
  g_return_if_fail (GXMPP_IS_SESSION_CONFIG (config));

  if (config->id_destroy != NULL)
    config->id_destroy (config->id_data);
  config->id_func = func;
  config->id_data = user_data;
  config->id_destroy = destroy;
}

/**
 * gxmpp_session_config_make_stanza_id:
 * @config: a session configuration
 *
 * Makes a stanza id with the configured generator.
 *
 * Returns: (transfer full): a new id
 */
char *
gxmpp_session_config_make_stanza_id (GXmppSessionConfig *config)
{
  guint8 random[12];
  char *id;
  gsize i;

  g_return_val_if_fail (GXMPP_IS_SESSION_CONFIG (config), NULL);

  if (config->id_func != NULL)
    return config->id_func (config->id_data);

  if (gnutls_rnd (GNUTLS_RND_RANDOM, random, sizeof random) != 0)
    g_error ("GnuTLS could not produce random bytes");

  /* base64url, no padding (12 bytes make 16 characters). */
  id = g_base64_encode (random, sizeof random);
  for (i = 0; id[i] != '\0'; i++)
    {
      if (id[i] == '+')
        id[i] = '-';
      else if (id[i] == '/')
        id[i] = '_';
    }
  return id;
}
