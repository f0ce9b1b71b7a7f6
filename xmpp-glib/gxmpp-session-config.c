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
 * the stream settings, the default IQ timeout, and how stanza ids are made.
 */

struct _GXmppSessionConfig
{
  GObject parent_instance;

  GXmppStreamConfig *stream_config;
  guint iq_timeout;
  GXmppStanzaIdFunc id_func;
  gpointer id_data;
  GDestroyNotify id_destroy;
};

G_DEFINE_FINAL_TYPE (GXmppSessionConfig, gxmpp_session_config, G_TYPE_OBJECT)

#define DEFAULT_IQ_TIMEOUT 30000

enum {
  PROP_0,
  PROP_STREAM_CONFIG,
  PROP_IQ_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
gxmpp_session_config_finalize (GObject *object)
{
  GXmppSessionConfig *self = GXMPP_SESSION_CONFIG (object);

  g_clear_object (&self->stream_config);
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

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gxmpp_session_config_init (GXmppSessionConfig *self)
{
  self->stream_config = gxmpp_stream_config_new ();
  self->iq_timeout = DEFAULT_IQ_TIMEOUT;
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
