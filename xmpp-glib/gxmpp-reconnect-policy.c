/* gxmpp-reconnect-policy.c: when a session reconnects after losing its connection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gxmpp-reconnect-policy.h"
#include "gxmpp-reconnect-policy-private.h"

/**
 * GXmppReconnectPolicy:
 *
 * How a [class@GXmpp.Session] that lost its connection tries again:
 * exponential back-off with jitter, as
 * [property@GXmpp.SessionConfig:reconnect] says.
 *
 * Attempt n (counting from 1) waits a delay drawn at random between
 * `base * (1 - jitter)` and `base`, where
 * `base = min (max-delay, initial-delay * multiplier^(n - 1))`: clients
 * that lost their server together do not all come back at the same
 * moment. After [property@GXmpp.ReconnectPolicy:max-attempts] failed
 * attempts (if not 0) the session gives up and closes.
 *
 * A policy is read when a reconnection is scheduled; changing it affects
 * the next attempt.
 */

struct _GXmppReconnectPolicy
{
  GObject parent_instance;

  guint initial_delay;
  guint max_delay;
  double multiplier;
  double jitter;
  guint max_attempts;
};

G_DEFINE_FINAL_TYPE (GXmppReconnectPolicy, gxmpp_reconnect_policy, G_TYPE_OBJECT)

#define DEFAULT_INITIAL_DELAY 1000
#define DEFAULT_MAX_DELAY 60000
#define DEFAULT_MULTIPLIER 2.0
#define DEFAULT_JITTER 0.5

enum {
  PROP_0,
  PROP_INITIAL_DELAY,
  PROP_MAX_DELAY,
  PROP_MULTIPLIER,
  PROP_JITTER,
  PROP_MAX_ATTEMPTS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
gxmpp_reconnect_policy_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  GXmppReconnectPolicy *self = GXMPP_RECONNECT_POLICY (object);

  switch (prop_id)
    {
    case PROP_INITIAL_DELAY:
      g_value_set_uint (value, self->initial_delay);
      break;
    case PROP_MAX_DELAY:
      g_value_set_uint (value, self->max_delay);
      break;
    case PROP_MULTIPLIER:
      g_value_set_double (value, self->multiplier);
      break;
    case PROP_JITTER:
      g_value_set_double (value, self->jitter);
      break;
    case PROP_MAX_ATTEMPTS:
      g_value_set_uint (value, self->max_attempts);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_reconnect_policy_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  GXmppReconnectPolicy *self = GXMPP_RECONNECT_POLICY (object);

  switch (prop_id)
    {
    case PROP_INITIAL_DELAY:
      self->initial_delay = g_value_get_uint (value);
      break;
    case PROP_MAX_DELAY:
      self->max_delay = g_value_get_uint (value);
      break;
    case PROP_MULTIPLIER:
      self->multiplier = g_value_get_double (value);
      break;
    case PROP_JITTER:
      self->jitter = g_value_get_double (value);
      break;
    case PROP_MAX_ATTEMPTS:
      self->max_attempts = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_reconnect_policy_class_init (GXmppReconnectPolicyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = gxmpp_reconnect_policy_get_property;
  object_class->set_property = gxmpp_reconnect_policy_set_property;

  /**
   * GXmppReconnectPolicy:initial-delay:
   *
   * The base delay of the first attempt, in milliseconds.
   */
  properties[PROP_INITIAL_DELAY] =
    g_param_spec_uint ("initial-delay", NULL, NULL, 0, G_MAXINT, DEFAULT_INITIAL_DELAY,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppReconnectPolicy:max-delay:
   *
   * The longest base delay, in milliseconds: the back-off stops growing
   * there.
   */
  properties[PROP_MAX_DELAY] =
    g_param_spec_uint ("max-delay", NULL, NULL, 0, G_MAXINT, DEFAULT_MAX_DELAY,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppReconnectPolicy:multiplier:
   *
   * How much the base delay grows from one attempt to the next.
   */
  properties[PROP_MULTIPLIER] =
    g_param_spec_double ("multiplier", NULL, NULL, 1.0, 100.0, DEFAULT_MULTIPLIER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppReconnectPolicy:jitter:
   *
   * The fraction of the base delay that is random: 0 for none, 1 for a
   * delay anywhere between 0 and the base delay.
   */
  properties[PROP_JITTER] =
    g_param_spec_double ("jitter", NULL, NULL, 0.0, 1.0, DEFAULT_JITTER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppReconnectPolicy:max-attempts:
   *
   * How many attempts in a row may fail before the session gives up and
   * closes; 0 for no limit.
   */
  properties[PROP_MAX_ATTEMPTS] =
    g_param_spec_uint ("max-attempts", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gxmpp_reconnect_policy_init (GXmppReconnectPolicy *self)
{
}

/**
 * gxmpp_reconnect_policy_new:
 *
 * Creates the default policy: a first delay of one second, doubling up to
 * a minute, half of it random, never giving up.
 *
 * Returns: (transfer full): a new policy
 */
GXmppReconnectPolicy *
gxmpp_reconnect_policy_new (void)
{
  return g_object_new (GXMPP_TYPE_RECONNECT_POLICY, NULL);
}

/**
 * gxmpp_reconnect_policy_new_full:
 * @initial_delay_ms: [property@GXmpp.ReconnectPolicy:initial-delay]
 * @max_delay_ms: [property@GXmpp.ReconnectPolicy:max-delay]
 * @multiplier: [property@GXmpp.ReconnectPolicy:multiplier], at least 1
 * @jitter: [property@GXmpp.ReconnectPolicy:jitter], between 0 and 1
 * @max_attempts: [property@GXmpp.ReconnectPolicy:max-attempts], 0 for no limit
 *
 * Creates a policy with the given settings.
 *
 * Returns: (transfer full): a new policy
 */
GXmppReconnectPolicy *
gxmpp_reconnect_policy_new_full (guint  initial_delay_ms,
                                 guint  max_delay_ms,
                                 double multiplier,
                                 double jitter,
                                 guint  max_attempts)
{
  g_return_val_if_fail (multiplier >= 1.0 && multiplier <= 100.0, NULL);
  g_return_val_if_fail (jitter >= 0.0 && jitter <= 1.0, NULL);
  g_return_val_if_fail (initial_delay_ms <= G_MAXINT && max_delay_ms <= G_MAXINT, NULL);

  return g_object_new (GXMPP_TYPE_RECONNECT_POLICY,
                       "initial-delay", initial_delay_ms,
                       "max-delay", max_delay_ms,
                       "multiplier", multiplier,
                       "jitter", jitter,
                       "max-attempts", max_attempts,
                       NULL);
}

/**
 * gxmpp_reconnect_policy_get_initial_delay:
 * @policy: a policy
 *
 * Gets [property@GXmpp.ReconnectPolicy:initial-delay].
 *
 * Returns: the delay in milliseconds
 */
guint
gxmpp_reconnect_policy_get_initial_delay (GXmppReconnectPolicy *policy)
{
  g_return_val_if_fail (GXMPP_IS_RECONNECT_POLICY (policy), 0);
  return policy->initial_delay;
}

/**
 * gxmpp_reconnect_policy_get_max_delay:
 * @policy: a policy
 *
 * Gets [property@GXmpp.ReconnectPolicy:max-delay].
 *
 * Returns: the delay in milliseconds
 */
guint
gxmpp_reconnect_policy_get_max_delay (GXmppReconnectPolicy *policy)
{
  g_return_val_if_fail (GXMPP_IS_RECONNECT_POLICY (policy), 0);
  return policy->max_delay;
}

/**
 * gxmpp_reconnect_policy_get_multiplier:
 * @policy: a policy
 *
 * Gets [property@GXmpp.ReconnectPolicy:multiplier].
 *
 * Returns: the multiplier
 */
double
gxmpp_reconnect_policy_get_multiplier (GXmppReconnectPolicy *policy)
{
  g_return_val_if_fail (GXMPP_IS_RECONNECT_POLICY (policy), 1.0);
  return policy->multiplier;
}

/**
 * gxmpp_reconnect_policy_get_jitter:
 * @policy: a policy
 *
 * Gets [property@GXmpp.ReconnectPolicy:jitter].
 *
 * Returns: the random fraction of each delay
 */
double
gxmpp_reconnect_policy_get_jitter (GXmppReconnectPolicy *policy)
{
  g_return_val_if_fail (GXMPP_IS_RECONNECT_POLICY (policy), 0.0);
  return policy->jitter;
}

/**
 * gxmpp_reconnect_policy_get_max_attempts:
 * @policy: a policy
 *
 * Gets [property@GXmpp.ReconnectPolicy:max-attempts].
 *
 * Returns: the number of attempts, 0 for no limit
 */
guint
gxmpp_reconnect_policy_get_max_attempts (GXmppReconnectPolicy *policy)
{
  g_return_val_if_fail (GXMPP_IS_RECONNECT_POLICY (policy), 0);
  return policy->max_attempts;
}

guint
gxmpp_reconnect_policy_compute_delay (GXmppReconnectPolicy *policy,
                                      guint                 attempt,
                                      double                random)
{
  double base;

  g_return_val_if_fail (GXMPP_IS_RECONNECT_POLICY (policy), 0);
  g_return_val_if_fail (attempt >= 1, 0);
  g_return_val_if_fail (random >= 0.0 && random <= 1.0, 0);

  base = policy->initial_delay;
  for (guint i = 1; i < attempt && base < policy->max_delay && base > 0 && policy->multiplier > 1.0; i++)
    base *= policy->multiplier;
  base = MIN (base, (double) policy->max_delay);
  return (guint) (base - base * policy->jitter * random);
}

/**
 * gxmpp_reconnect_policy_get_delay:
 * @policy: a policy
 * @attempt: the number of the attempt, from 1
 *
 * Draws the delay before attempt @attempt, as the class documentation
 * says.
 *
 * Returns: the delay in milliseconds
 */
guint
gxmpp_reconnect_policy_get_delay (GXmppReconnectPolicy *policy,
                                  guint                 attempt)
{
  return gxmpp_reconnect_policy_compute_delay (policy, attempt, g_random_double ());
}
