/* gxmpp-subscriptions.c: presence subscriptions (RFC 6121 section 3)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gxmpp-error.h"
#include "gxmpp-i18n-private.h"
#include "gxmpp-subscriptions.h"

/**
 * GXmppSubscriptions:
 *
 * Asks for, grants, refuses and ends presence subscriptions (RFC 6121
 * section 3), and tells what contacts do about them.
 *
 * A subscription is one-way: when Juliet is subscribed to Romeo's
 * presence, she receives it; Romeo receives hers only if he subscribes
 * too. The verbs, seen from the account:
 *
 * | call | sends | meaning |
 * |---|---|---|
 * | [method@GXmpp.Subscriptions.subscribe] | `subscribe` | ask to receive the contact's presence |
 * | [method@GXmpp.Subscriptions.unsubscribe] | `unsubscribe` | stop receiving it |
 * | [method@GXmpp.Subscriptions.approve] | `subscribed` | let a contact that asked receive ours |
 * | [method@GXmpp.Subscriptions.deny] | `unsubscribed` | refuse a contact that asked |
 * | [method@GXmpp.Subscriptions.cancel] | `unsubscribed` | stop a contact from receiving ours |
 * | [method@GXmpp.Subscriptions.preapprove] | `subscribed` | approve before the contact asks |
 *
 * Each sends to the contact's bare JID: a full JID given is reduced to
 * its bare JID, since subscriptions are between accounts (RFC 6121
 * section 3.1.1). The outcome comes back as signals:
 * [signal@GXmpp.Subscriptions::request] when a contact asks,
 * [signal@GXmpp.Subscriptions::subscribed] and
 * [signal@GXmpp.Subscriptions::unsubscribed] for the contact's answer, and
 * [signal@GXmpp.Subscriptions::unsubscribe-received] when a contact unsubscribes
 * from the account's presence. The roster (RFC 6121 section 2) records the
 * state of each subscription; the server updates it.
 *
 * The server delivers a contact's request to all of the account's
 * available resources, but the answers (`subscribed`, `unsubscribed`) and
 * `unsubscribe` only to its *interested* resources: those that asked for
 * the roster (RFC 6121 sections 2.1.6 and 3.1.6). Request the roster first
 * (GXmppRoster does) or these signals do not come.
 *
 * Nothing is approved without the application: a request stays pending
 * until it calls [method@GXmpp.Subscriptions.approve] or
 * [method@GXmpp.Subscriptions.deny], now or later. If nobody answers in
 * this session, the server delivers the request again at the next login
 * (RFC 6121 section 3.1.3).
 *
 * ## Senders
 *
 * The contact's server stamps every subscription stanza it delivers with
 * the sender's bare JID (RFC 6121 sections 3.1.3, 3.2.3, 3.3.3 and 3.4),
 * whatever the contact's client wrote. A subscription stanza from a full
 * JID therefore did not come through that processing (a broken or forged
 * route), and one without `from` came from no contact at all: the object
 * ignores both, and emits its signals only for a `from` without resource
 * (a contact's bare JID, or a domain such as a gateway's). The session's
 * [signal@GXmpp.Session::presence] signal still sees them.
 *
 * ## Pre-approval
 *
 * A server that announces the `urn:xmpp:features:pre-approval` stream
 * feature lets the account approve a subscription before the contact
 * asks (RFC 6121 section 3.4): the contact's later request is then
 * approved by the server, without a
 * [signal@GXmpp.Subscriptions::request]. Without the feature,
 * [method@GXmpp.Subscriptions.preapprove] fails with
 * %G_IO_ERROR_NOT_SUPPORTED rather than send a `subscribed` the server
 * would drop; [property@GXmpp.Subscriptions:preapproval-supported] tells
 * beforehand.
 */

#define NS_PRE_APPROVAL "urn:xmpp:features:pre-approval"

/* Runs before the application's handlers of lower priority; it never ends
 * the dispatch. */
#define HANDLER_PRIORITY 1000

struct _GXmppSubscriptions
{
  GObject parent_instance;

  GXmppSession *session;
  guint handler_id;
  gulong features_id;
  gboolean preapproval_supported;
};

G_DEFINE_FINAL_TYPE (GXmppSubscriptions, gxmpp_subscriptions, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_PREAPPROVAL_SUPPORTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_REQUEST,
  SIGNAL_SUBSCRIBED,
  SIGNAL_UNSUBSCRIBED,
  SIGNAL_UNSUBSCRIBE_RECEIVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gboolean
on_subscription (GXmppSession *session,
                 GXmppStanza  *stanza,
                 gpointer      user_data)
{
  GXmppSubscriptions *self = user_data;
  g_autoptr(GXmppSubscriptions) hold = g_object_ref (self);
  GXmppJid *from = gxmpp_stanza_get_from (stanza);
  guint signal;

  switch (gxmpp_presence_get_presence_type (GXMPP_PRESENCE (stanza)))
    {
    case GXMPP_PRESENCE_TYPE_SUBSCRIBE:
      signal = SIGNAL_REQUEST;
      break;
    case GXMPP_PRESENCE_TYPE_SUBSCRIBED:
      signal = SIGNAL_SUBSCRIBED;
      break;
    case GXMPP_PRESENCE_TYPE_UNSUBSCRIBED:
      signal = SIGNAL_UNSUBSCRIBED;
      break;
    case GXMPP_PRESENCE_TYPE_UNSUBSCRIBE:
      signal = SIGNAL_UNSUBSCRIBE_RECEIVED;
      break;
    case GXMPP_PRESENCE_TYPE_AVAILABLE:
    case GXMPP_PRESENCE_TYPE_UNAVAILABLE:
    case GXMPP_PRESENCE_TYPE_PROBE:
    case GXMPP_PRESENCE_TYPE_ERROR:
    default:
      return FALSE;
    }

  if (from == NULL || !gxmpp_jid_is_bare (from))
    {
      g_debug ("Ignoring a subscription stanza from %s: servers stamp them with a bare JID",
               from != NULL ? gxmpp_jid_to_string (from) : "nobody");
      return FALSE;
    }

  g_signal_emit (self, signals[signal], 0, from, stanza);
  return FALSE;
}

static gboolean
features_offer_preapproval (GXmppSession *session)
{
  GXmppNode *features = gxmpp_session_get_features (session);

  return features != NULL && gxmpp_node_get_child (features, "sub", NS_PRE_APPROVAL) != NULL;
}

static void
update_preapproval (GXmppSubscriptions *self)
{
  gboolean supported = features_offer_preapproval (self->session);

  if (supported == self->preapproval_supported)
    return;
  self->preapproval_supported = supported;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PREAPPROVAL_SUPPORTED]);
}

static void
on_features (GObject    *session,
             GParamSpec *pspec,
             gpointer    user_data)
{
  update_preapproval (user_data);
}

/* GObject */

static void
gxmpp_subscriptions_constructed (GObject *object)
{
  GXmppSubscriptions *self = GXMPP_SUBSCRIPTIONS (object);
  g_autoptr(GXmppStanzaMatch) match = gxmpp_stanza_match_new ();

  G_OBJECT_CLASS (gxmpp_subscriptions_parent_class)->constructed (object);

  g_return_if_fail (self->session != NULL);

  gxmpp_stanza_match_set_kind (match, GXMPP_STANZA_KIND_PRESENCE);
  self->handler_id = gxmpp_session_add_handler (self->session, match, HANDLER_PRIORITY,
                                                on_subscription, self, NULL);
  self->features_id = g_signal_connect (self->session, "notify::features",
                                        G_CALLBACK (on_features), self);
  self->preapproval_supported = features_offer_preapproval (self->session);
}

static void
gxmpp_subscriptions_dispose (GObject *object)
{
  GXmppSubscriptions *self = GXMPP_SUBSCRIPTIONS (object);

  if (self->session != NULL)
    {
      if (self->handler_id != 0)
        gxmpp_session_remove_handler (self->session, self->handler_id);
      self->handler_id = 0;
      g_clear_signal_handler (&self->features_id, self->session);
      g_clear_object (&self->session);
    }

  G_OBJECT_CLASS (gxmpp_subscriptions_parent_class)->dispose (object);
}

static void
gxmpp_subscriptions_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  GXmppSubscriptions *self = GXMPP_SUBSCRIPTIONS (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_PREAPPROVAL_SUPPORTED:
      g_value_set_boolean (value, self->preapproval_supported);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_subscriptions_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  GXmppSubscriptions *self = GXMPP_SUBSCRIPTIONS (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_subscriptions_class_init (GXmppSubscriptionsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = gxmpp_subscriptions_constructed;
  object_class->dispose = gxmpp_subscriptions_dispose;
  object_class->get_property = gxmpp_subscriptions_get_property;
  object_class->set_property = gxmpp_subscriptions_set_property;

  /**
   * GXmppSubscriptions:session:
   *
   * The session the subscriptions are handled on. The object keeps a
   * reference to it.
   */
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, GXMPP_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppSubscriptions:preapproval-supported:
   *
   * Whether the server announced subscription pre-approval (the
   * `<sub xmlns='urn:xmpp:features:pre-approval'/>` stream feature,
   * RFC 6121 section 3.4), so that
   * [method@GXmpp.Subscriptions.preapprove] can work.
   */
  properties[PROP_PREAPPROVAL_SUPPORTED] =
    g_param_spec_boolean ("preapproval-supported", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GXmppSubscriptions::request:
   * @subscriptions: the object
   * @from: the bare JID of the contact who asks
   * @presence: the `subscribe` presence, which may carry a status saying
   *   who is asking
   *
   * Emitted when a contact asks to subscribe to the account's presence
   * (RFC 6121 section 3.1.3). Answer with
   * [method@GXmpp.Subscriptions.approve] or
   * [method@GXmpp.Subscriptions.deny], now or later; nothing happens
   * otherwise.
   */
  signals[SIGNAL_REQUEST] =
    g_signal_new ("request", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL,
                  G_TYPE_NONE, 2, GXMPP_TYPE_JID, GXMPP_TYPE_PRESENCE);

  /**
   * GXmppSubscriptions::subscribed:
   * @subscriptions: the object
   * @from: the bare JID of the contact
   * @presence: the `subscribed` presence
   *
   * Emitted when a contact approved the account's subscription request:
   * the account now receives its presence (RFC 6121 section 3.1.6).
   */
  signals[SIGNAL_SUBSCRIBED] =
    g_signal_new ("subscribed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL,
                  G_TYPE_NONE, 2, GXMPP_TYPE_JID, GXMPP_TYPE_PRESENCE);

  /**
   * GXmppSubscriptions::unsubscribed:
   * @subscriptions: the object
   * @from: the bare JID of the contact
   * @presence: the `unsubscribed` presence
   *
   * Emitted when a contact denied the account's subscription request, or
   * cancelled the subscription it had granted (RFC 6121 sections 3.2 and
   * 3.1.5): the account does not receive its presence.
   */
  signals[SIGNAL_UNSUBSCRIBED] =
    g_signal_new ("unsubscribed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL,
                  G_TYPE_NONE, 2, GXMPP_TYPE_JID, GXMPP_TYPE_PRESENCE);

  /**
   * GXmppSubscriptions::unsubscribe-received:
   * @subscriptions: the object
   * @from: the bare JID of the contact
   * @presence: the `unsubscribe` presence
   *
   * Emitted when a contact unsubscribed from the account's presence
   * (RFC 6121 section 3.3.3): it no longer receives it. Nothing needs an
   * answer.
   */
  signals[SIGNAL_UNSUBSCRIBE_RECEIVED] =
    g_signal_new ("unsubscribe-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL,
                  G_TYPE_NONE, 2, GXMPP_TYPE_JID, GXMPP_TYPE_PRESENCE);
}

static void
gxmpp_subscriptions_init (GXmppSubscriptions *self)
{
}

/**
 * gxmpp_subscriptions_new:
 * @session: a session
 *
 * Makes the object that handles presence subscriptions on @session. It
 * emits its signals from now on, until it is dropped.
 *
 * Returns: (transfer full): a new object
 */
GXmppSubscriptions *
gxmpp_subscriptions_new (GXmppSession *session)
{
  g_return_val_if_fail (GXMPP_IS_SESSION (session), NULL);

  return g_object_new (GXMPP_TYPE_SUBSCRIPTIONS, "session", session, NULL);
}

/**
 * gxmpp_subscriptions_get_session:
 * @subscriptions: a #GXmppSubscriptions
 *
 * Gets [property@GXmpp.Subscriptions:session].
 *
 * Returns: (transfer none): the session
 */
GXmppSession *
gxmpp_subscriptions_get_session (GXmppSubscriptions *subscriptions)
{
  g_return_val_if_fail (GXMPP_IS_SUBSCRIPTIONS (subscriptions), NULL);
  return subscriptions->session;
}

/**
 * gxmpp_subscriptions_get_preapproval_supported:
 * @subscriptions: a #GXmppSubscriptions
 *
 * Gets [property@GXmpp.Subscriptions:preapproval-supported].
 *
 * Returns: %TRUE if the server offers subscription pre-approval
 */
gboolean
gxmpp_subscriptions_get_preapproval_supported (GXmppSubscriptions *subscriptions)
{
  g_return_val_if_fail (GXMPP_IS_SUBSCRIPTIONS (subscriptions), FALSE);
  return subscriptions->preapproval_supported;
}

/* Sends a subscription stanza of @type to the bare JID of @jid. */
static gboolean
send_subscription (GXmppSubscriptions  *self,
                   GXmppPresenceType    type,
                   GXmppJid            *jid,
                   const char          *status,
                   GError             **error)
{
  g_autoptr(GXmppJid) bare = gxmpp_jid_to_bare (jid);
  g_autoptr(GXmppPresence) presence = gxmpp_presence_new (type, bare);

  if (status != NULL)
    gxmpp_presence_set_status (presence, NULL, status);
  return gxmpp_session_send (self->session, GXMPP_STANZA (presence), error);
}

/**
 * gxmpp_subscriptions_subscribe:
 * @subscriptions: a #GXmppSubscriptions
 * @jid: the contact; a full JID stands for its bare JID
 * @status: (nullable): a few words for the contact, such as who is
 *   asking, or %NULL
 * @error: return location for a #GError
 *
 * Asks to receive the contact's presence (RFC 6121 section 3.1.1). The
 * answer comes as [signal@GXmpp.Subscriptions::subscribed] or
 * [signal@GXmpp.Subscriptions::unsubscribed], maybe much later; the server
 * also adds the contact to the roster, with the request pending.
 *
 * Fails, and sends nothing, as [method@GXmpp.Session.send] does.
 *
 * Returns: %TRUE if the request was queued for sending
 */
gboolean
gxmpp_subscriptions_subscribe (GXmppSubscriptions  *subscriptions,
                               GXmppJid            *jid,
                               const char          *status,
                               GError             **error)
{
  g_return_val_if_fail (GXMPP_IS_SUBSCRIPTIONS (subscriptions), FALSE);
  g_return_val_if_fail (jid != NULL, FALSE);
  g_return_val_if_fail (status == NULL || g_utf8_validate (status, -1, NULL), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return send_subscription (subscriptions, GXMPP_PRESENCE_TYPE_SUBSCRIBE, jid, status, error);
}

/**
 * gxmpp_subscriptions_unsubscribe:
 * @subscriptions: a #GXmppSubscriptions
 * @jid: the contact; a full JID stands for its bare JID
 * @error: return location for a #GError
 *
 * Stops receiving the contact's presence, or withdraws a request still
 * pending (RFC 6121 section 3.3.1). The contact's server should then send
 * unavailable presence from the contact's resources (RFC 6121 section 3.3);
 * Prosody 0.12 does not, so a [class@GXmpp.PresenceTracker] keeps showing
 * the contact's last presence there until the session ends.
 *
 * Fails, and sends nothing, as [method@GXmpp.Session.send] does.
 *
 * Returns: %TRUE if the stanza was queued for sending
 */
gboolean
gxmpp_subscriptions_unsubscribe (GXmppSubscriptions  *subscriptions,
                                 GXmppJid            *jid,
                                 GError             **error)
{
  g_return_val_if_fail (GXMPP_IS_SUBSCRIPTIONS (subscriptions), FALSE);
  g_return_val_if_fail (jid != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return send_subscription (subscriptions, GXMPP_PRESENCE_TYPE_UNSUBSCRIBE, jid, NULL, error);
}

/**
 * gxmpp_subscriptions_approve:
 * @subscriptions: a #GXmppSubscriptions
 * @jid: the contact who asked; a full JID stands for its bare JID
 * @error: return location for a #GError
 *
 * Approves a contact's request to subscribe to the account's presence
 * (RFC 6121 section 3.1.4), as received with
 * [signal@GXmpp.Subscriptions::request] in this session or an earlier
 * one. The server then sends the contact the account's current presence.
 * For a contact who has not asked, see
 * [method@GXmpp.Subscriptions.preapprove].
 *
 * Fails, and sends nothing, as [method@GXmpp.Session.send] does.
 *
 * Returns: %TRUE if the approval was queued for sending
 */
gboolean
gxmpp_subscriptions_approve (GXmppSubscriptions  *subscriptions,
                             GXmppJid            *jid,
                             GError             **error)
{
  g_return_val_if_fail (GXMPP_IS_SUBSCRIPTIONS (subscriptions), FALSE);
  g_return_val_if_fail (jid != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return send_subscription (subscriptions, GXMPP_PRESENCE_TYPE_SUBSCRIBED, jid, NULL, error);
}

/**
 * gxmpp_subscriptions_deny:
 * @subscriptions: a #GXmppSubscriptions
 * @jid: the contact who asked; a full JID stands for its bare JID
 * @error: return location for a #GError
 *
 * Refuses a contact's request to subscribe to the account's presence
 * (RFC 6121 section 3.2.1). The stanza is the same as
 * [method@GXmpp.Subscriptions.cancel]'s, which ends a subscription granted
 * earlier.
 *
 * Fails, and sends nothing, as [method@GXmpp.Session.send] does.
 *
 * Returns: %TRUE if the refusal was queued for sending
 */
gboolean
gxmpp_subscriptions_deny (GXmppSubscriptions  *subscriptions,
                          GXmppJid            *jid,
                          GError             **error)
{
  g_return_val_if_fail (GXMPP_IS_SUBSCRIPTIONS (subscriptions), FALSE);
  g_return_val_if_fail (jid != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return send_subscription (subscriptions, GXMPP_PRESENCE_TYPE_UNSUBSCRIBED, jid, NULL, error);
}

/**
 * gxmpp_subscriptions_cancel:
 * @subscriptions: a #GXmppSubscriptions
 * @jid: a contact subscribed to the account's presence; a full JID stands
 *   for its bare JID
 * @error: return location for a #GError
 *
 * Cancels the subscription a contact has to the account's presence
 * (RFC 6121 section 3.2.1): the server sends the contact unavailable
 * presence from the account's resources, and it receives no more. Also
 * withdraws a pre-approval.
 *
 * Fails, and sends nothing, as [method@GXmpp.Session.send] does.
 *
 * Returns: %TRUE if the cancellation was queued for sending
 */
gboolean
gxmpp_subscriptions_cancel (GXmppSubscriptions  *subscriptions,
                            GXmppJid            *jid,
                            GError             **error)
{
  g_return_val_if_fail (GXMPP_IS_SUBSCRIPTIONS (subscriptions), FALSE);
  g_return_val_if_fail (jid != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return send_subscription (subscriptions, GXMPP_PRESENCE_TYPE_UNSUBSCRIBED, jid, NULL, error);
}

/**
 * gxmpp_subscriptions_preapprove:
 * @subscriptions: a #GXmppSubscriptions
 * @jid: the contact; a full JID stands for its bare JID
 * @error: return location for a #GError
 *
 * Approves a subscription request before the contact sends it
 * (RFC 6121 section 3.4): when it comes, the server approves it at once.
 * Only servers that announce pre-approval keep such an approval
 * ([property@GXmpp.Subscriptions:preapproval-supported]); with any other,
 * this fails with %G_IO_ERROR_NOT_SUPPORTED and sends nothing.
 *
 * Fails, and sends nothing, as [method@GXmpp.Session.send] does too.
 *
 * Returns: %TRUE if the pre-approval was queued for sending
 */
gboolean
gxmpp_subscriptions_preapprove (GXmppSubscriptions  *subscriptions,
                                GXmppJid            *jid,
                                GError             **error)
{
  g_return_val_if_fail (GXMPP_IS_SUBSCRIPTIONS (subscriptions), FALSE);
  g_return_val_if_fail (jid != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!subscriptions->preapproval_supported)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("The server does not support subscription pre-approval"));
      return FALSE;
    }
  return send_subscription (subscriptions, GXMPP_PRESENCE_TYPE_SUBSCRIBED, jid, NULL, error);
}
