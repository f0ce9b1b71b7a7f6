/* gxmpp-session.c: an XMPP client session
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "gxmpp-enum-types.h"
#include "gxmpp-error.h"
#include "gxmpp-i18n-private.h"
#include "gxmpp-inbox-private.h"
#include "gxmpp-iq-request-private.h"
#include "gxmpp-negotiation-private.h"
#include "gxmpp-ns.h"
#include "gxmpp-session.h"
#include "gxmpp-sm-private.h"
#include "gxmpp-stanza-private.h"
#include "gxmpp-stream-private.h"
#include "gxmpp-xml-writer-private.h"

/**
 * GXmppSession:
 *
 * An XMPP client session: a connection to the account's server,
 * negotiated, authenticated and bound to a resource (the seed's
 * `Session`).
 *
 * A session is made with [func@GXmpp.Session.new_async] (or
 * [ctor@GXmpp.Session.new_sync] in scripts), which finds the server,
 * secures the connection with TLS, authenticates with the strongest SASL
 * mechanism both sides support, and binds a resource. Once it returns, the
 * session is [enum@GXmpp.SessionState.READY].
 *
 * ```c
 * static void
 * on_session (GObject *source, GAsyncResult *result, gpointer user_data)
 * {
 *   g_autoptr(GError) error = NULL;
 *   GXmppSession *session = gxmpp_session_new_finish (result, &error);
 *
 *   if (session == NULL)
 *     {
 *       g_printerr ("Could not connect: %s\n", error->message);
 *       return;
 *     }
 *   g_signal_connect (session, "message", G_CALLBACK (on_message), NULL);
 * }
 *
 * g_autoptr(GXmppAuth) auth = gxmpp_auth_new_password ("juliet", password);
 * gxmpp_session_new_async ("example.com", NULL, auth, NULL, on_session, NULL);
 * ```
 *
 * ## Receiving
 *
 * Each stanza received goes, in this order, to:
 *
 * 1. the inboxes opened with [method@GXmpp.Session.open_inbox] (each sees
 *    every stanza), which serve the pull style of the seed
 *    (`pullMessage`, `waitForMessage`);
 * 2. the [signal@GXmpp.Session::stanza] signal: a handler returning %TRUE
 *    ends the dispatch;
 * 3. for an IQ request (get or set), the IQ handler registered for its
 *    type and payload namespace ([method@GXmpp.Session.add_iq_handler]);
 * 4. the handlers added with [method@GXmpp.Session.add_handler] whose
 *    [struct@GXmpp.StanzaMatch] matches, highest priority first, until one
 *    returns %TRUE;
 * 5. the [signal@GXmpp.Session::message] or [signal@GXmpp.Session::presence]
 *    signal.
 *
 * An IQ request nobody handled is answered with `service-unavailable`
 * (RFC 6120 section 8.4), except a ping (XEP-0199) from the account's
 * server, which is answered with an empty result: servers ping to check
 * that the client is still there. (An application that wants to answer
 * pings from anybody adds an IQ handler for `get` and %GXMPP_NS_PING.) Replies to IQs sent with
 * [method@GXmpp.Session.send_iq_async] go to that call only: a reply is
 * matched on its `id` and on coming from the entity that was asked, so a
 * forged reply from anybody else is not taken for one (it goes through the
 * dispatch above like any stanza).
 *
 * Receiving starts from the main context once the session has been
 * handed over (by [ctor@GXmpp.Session.new_finish], in the callback, or by
 * [ctor@GXmpp.Session.new_sync]): handlers connected right then see even
 * what the server sent together with the last reply of the negotiation.
 *
 * Handlers and signal handlers may send, close the session, or drop the
 * last reference to it.
 *
 * ## Closing
 *
 * [method@GXmpp.Session.close_async] sends the closing tag and waits (for a
 * bounded time) for the server's. However the session ends, the
 * [signal@GXmpp.Session::closed] signal says why, once; IQs still waiting
 * for replies fail with %GXMPP_ERROR_CLOSED. The one exception: a ready
 * session whose last reference is dropped closes its stream in the
 * background and, with nobody left to tell, does not emit it.
 *
 * ## Logging
 *
 * `G_MESSAGES_DEBUG=GXmpp` prints the traffic. SASL payloads are shown as
 * `[redacted]`; passwords never appear.
 */

#define CLOSE_TIMEOUT_MS 5000

typedef struct {
  gatomicrefcount ref_count;
  guint id;
  int priority;
  GXmppStanzaMatch *match;
  GXmppStanzaHandler func;
  gpointer data;
  GDestroyNotify destroy;
  gboolean removed;
} Handler;

typedef struct {
  guint id;
  GXmppIqType type;
  char *ns;
  GXmppIqHandler func;
  gpointer data;
  GDestroyNotify destroy;
} IqHandler;

typedef struct {
  GXmppSession *session;      /* not a reference: removed before it goes */
  char *id;
  GXmppJid *to;
  GTask *task;
  GSource *timeout;
  GSource *cancel;
} PendingIq;

struct _GXmppSession
{
  GObject parent_instance;

  char *domain;
  GXmppSessionConfig *config;
  GXmppAuth *auth;
  GXmppSessionState state;
  GXmppNegotiation negotiation;
  gboolean closed_emitted;
  gboolean closing_by_us;

  GHashTable *pending_iqs;        /* id -> PendingIq */
  GPtrArray *handlers;            /* Handler, by priority */
  GPtrArray *iq_handlers;         /* IqHandler */
  guint next_handler_id;
  GPtrArray *inboxes;             /* GXmppInbox, not referenced */

  GCancellable *cancellable;      /* for negotiation and closing */
  GTask *close_task;
  GSource *receive_source;        /* starts receiving, once the application has the session */

  /* Stream management (XEP-0198) */
  GXmppSm sm;
  gboolean sm_enabled;            /* on the current stream */
  char *sm_id;                    /* the stream's id, if it can be resumed */
  GSource *ack_request;           /* idle: asks for an ack after a batch */
  guint since_request;            /* stanzas written since the last <r/> */

  /* Liveness */
  guint generation;               /* counts the streams the session has had */
  GSource *whitespace_timer;
  GSource *ping_timer;
  GSource *answer_due;            /* an ack or a pong is due by then */
  guint64 queued_at_tick;         /* the stream's byte counters at the last tick */
  guint64 received_at_tick;

  /* Reconnection */
  gboolean was_ready;             /* ready once: reconnecting, not connecting */
  GXmppJid *bound_jid;            /* the JID of the last ready stream */
  guint attempt;                  /* attempts since the connection was lost */
  GSource *reconnect_timer;       /* waiting for the next attempt */
  GCancellable *attempt_cancellable;  /* the attempt under way */
  GSource *attempt_timeout;
  gboolean attempt_timed_out;
  GPtrArray *reconnect_tasks;     /* reconnect_async() callers waiting */
  GXmppNode *last_presence;       /* the last broadcast presence sent */
  GNetworkMonitor *monitor;
  gulong monitor_handler;

  /* Duplicate suppression: digests of (sender, id) of the last messages
   * received, in a ring that grows up to SEEN_WINDOW, and the same
   * digests in an open-addressing set twice the ring's size. */
  guint64 *seen_ring;
  guint seen_size;                /* allocated */
  guint seen_len;                 /* used */
  guint seen_next;                /* the slot the next digest takes */
  guint64 *seen_set;              /* 2 * seen_size slots; 0 is empty */
  guint seen_shift;               /* 64 - log2 (2 * seen_size) */
};

static void gxmpp_session_async_initable_iface_init (GAsyncInitableIface *iface);
static void gxmpp_session_initable_iface_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GXmppSession, gxmpp_session, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      gxmpp_session_initable_iface_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_INITABLE,
                                                      gxmpp_session_async_initable_iface_init))

enum {
  PROP_0,
  PROP_DOMAIN,
  PROP_CONFIG,
  PROP_AUTH,
  PROP_STATE,
  PROP_JID,
  PROP_FEATURES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_STANZA,
  SIGNAL_MESSAGE,
  SIGNAL_PRESENCE,
  SIGNAL_CLOSED,
  SIGNAL_ACCEPT_CERTIFICATE,
  SIGNAL_DISCONNECTED,
  SIGNAL_RECONNECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void fail_pending_iqs (GXmppSession *self, const GError *reason);
static void stop_liveness (GXmppSession *self);
static void stop_reconnecting (GXmppSession *self);
static void fail_queued (GXmppSession *self, const GError *reason);
static void complete_reconnect_tasks (GXmppSession *self, const GError *error);

/* Handlers */

static Handler *
handler_ref (Handler *handler)
{
  g_atomic_ref_count_inc (&handler->ref_count);
  return handler;
}

static void
handler_unref (Handler *handler)
{
  if (!g_atomic_ref_count_dec (&handler->ref_count))
    return;
  if (handler->destroy != NULL)
    handler->destroy (handler->data);
  gxmpp_stanza_match_unref (handler->match);
  g_free (handler);
}

static void
iq_handler_free (IqHandler *handler)
{
  if (handler->destroy != NULL)
    handler->destroy (handler->data);
  g_free (handler->ns);
  g_free (handler);
}

/* State */

static void
set_state (GXmppSession      *self,
           GXmppSessionState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* The end of the session, whatever ended it: once. */
static void
session_closed (GXmppSession *self,
                const GError *reason)
{
  g_autoptr(GXmppSession) hold = g_object_ref (self);
  g_autoptr(GError) closed_error = NULL;

  if (self->closed_emitted)
    return;
  self->closed_emitted = TRUE;

  if (self->negotiation.stream != NULL)
    gxmpp_stream_stop_receiving (self->negotiation.stream);
  stop_liveness (self);
  stop_reconnecting (self);

  closed_error = reason != NULL ? g_error_copy (reason)
                                : g_error_new_literal (GXMPP_ERROR, GXMPP_ERROR_CLOSED,
                                                       _("The session was closed"));
  fail_pending_iqs (self, closed_error);
  fail_queued (self, closed_error);
  complete_reconnect_tasks (self, closed_error);
  for (guint i = 0; i < self->inboxes->len; i++)
    gxmpp_inbox_session_closed (self->inboxes->pdata[i], closed_error);

  set_state (self, GXMPP_SESSION_STATE_CLOSED);
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0, reason);
}

/* GObject */

static void
gxmpp_session_dispose (GObject *object)
{
  GXmppSession *self = GXMPP_SESSION (object);

  g_cancellable_cancel (self->cancellable);
  if (self->receive_source != NULL)
    {
      g_source_destroy (self->receive_source);
      g_clear_pointer (&self->receive_source, g_source_unref);
    }
  stop_liveness (self);
  stop_reconnecting (self);
  if (self->negotiation.stream != NULL)
    {
      gxmpp_stream_stop_receiving (self->negotiation.stream);
      /* Dropped without closing: say goodbye anyway, in the background. */
      if (self->state == GXMPP_SESSION_STATE_READY)
        gxmpp_stream_close_async (self->negotiation.stream, 1000, NULL, NULL, NULL);
    }
  if (self->pending_iqs != NULL)
    {
      g_autoptr(GError) error = g_error_new_literal (GXMPP_ERROR, GXMPP_ERROR_CLOSED,
                                                     _("The session was destroyed"));
      fail_pending_iqs (self, error);
      fail_queued (self, error);
      complete_reconnect_tasks (self, error);
    }
  for (guint i = 0; i < self->inboxes->len; i++)
    gxmpp_inbox_session_gone (self->inboxes->pdata[i]);
  g_ptr_array_set_size (self->inboxes, 0);

  G_OBJECT_CLASS (gxmpp_session_parent_class)->dispose (object);
}

static void
gxmpp_session_finalize (GObject *object)
{
  GXmppSession *self = GXMPP_SESSION (object);

  g_free (self->domain);
  g_clear_object (&self->config);
  g_clear_object (&self->auth);
  gxmpp_negotiation_clear (&self->negotiation);
  g_hash_table_unref (self->pending_iqs);
  g_ptr_array_unref (self->handlers);
  g_ptr_array_unref (self->iq_handlers);
  g_ptr_array_unref (self->inboxes);
  g_clear_object (&self->cancellable);
  gxmpp_sm_clear (&self->sm);
  g_free (self->sm_id);
  g_ptr_array_unref (self->reconnect_tasks);
  g_clear_pointer (&self->last_presence, gxmpp_node_unref);
  g_clear_pointer (&self->bound_jid, gxmpp_jid_unref);
  g_free (self->seen_set);
  g_free (self->seen_ring);

  G_OBJECT_CLASS (gxmpp_session_parent_class)->finalize (object);
}

static void
gxmpp_session_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  GXmppSession *self = GXMPP_SESSION (object);

  switch (prop_id)
    {
    case PROP_DOMAIN:
      g_value_set_string (value, self->domain);
      break;
    case PROP_CONFIG:
      g_value_set_object (value, self->config);
      break;
    case PROP_AUTH:
      g_value_set_object (value, self->auth);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_JID:
      g_value_set_boxed (value, gxmpp_session_get_jid (self));
      break;
    case PROP_FEATURES:
      g_value_set_boxed (value, self->negotiation.features);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_session_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  GXmppSession *self = GXMPP_SESSION (object);

  switch (prop_id)
    {
    case PROP_DOMAIN:
      self->domain = g_value_dup_string (value);
      break;
    case PROP_CONFIG:
      self->config = g_value_dup_object (value);
      break;
    case PROP_AUTH:
      self->auth = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_session_constructed (GObject *object)
{
  GXmppSession *self = GXMPP_SESSION (object);

  G_OBJECT_CLASS (gxmpp_session_parent_class)->constructed (object);

  if (self->config == NULL)
    self->config = gxmpp_session_config_new ();
  gxmpp_sm_init (&self->sm, gxmpp_session_config_get_max_unacked_stanzas (self->config),
                 gxmpp_session_config_get_max_unacked_bytes (self->config));
}

static void
gxmpp_session_class_init (GXmppSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gxmpp_session_dispose;
  object_class->finalize = gxmpp_session_finalize;
  object_class->get_property = gxmpp_session_get_property;
  object_class->set_property = gxmpp_session_set_property;
  object_class->constructed = gxmpp_session_constructed;

  /**
   * GXmppSession:domain:
   *
   * The XMPP domain of the account: the domainpart of its JID, which the
   * server's certificate must be valid for.
   */
  properties[PROP_DOMAIN] =
    g_param_spec_string ("domain", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppSession:config:
   *
   * The session's settings.
   */
  properties[PROP_CONFIG] =
    g_param_spec_object ("config", NULL, NULL, GXMPP_TYPE_SESSION_CONFIG,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppSession:auth:
   *
   * How the session authenticates; %NULL for an unauthenticated stream.
   */
  properties[PROP_AUTH] =
    g_param_spec_object ("auth", NULL, NULL, GXMPP_TYPE_AUTH,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppSession:state:
   *
   * Where the session is in its life.
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, GXMPP_TYPE_SESSION_STATE,
                       GXMPP_SESSION_STATE_DISCONNECTED,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppSession:jid:
   *
   * The full JID the server bound the session to.
   */
  properties[PROP_JID] =
    g_param_spec_boxed ("jid", NULL, NULL, GXMPP_TYPE_JID,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppSession:features:
   *
   * The stream features the server offered last (after authentication,
   * these say what the account's server supports, such as stream
   * management).
   */
  properties[PROP_FEATURES] =
    g_param_spec_boxed ("features", NULL, NULL, GXMPP_TYPE_NODE,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GXmppSession::stanza:
   * @session: the session
   * @stanza: the stanza received
   *
   * Emitted first for every stanza received, apart from replies to
   * [method@GXmpp.Session.send_iq_async].
   *
   * The signal is only emitted while a handler is connected to it (it is
   * on the path of every stanza): an emission hook alone does not see it.
   *
   * Returns: %TRUE to stop the dispatch of @stanza
   */
  signals[SIGNAL_STANZA] =
    g_signal_new ("stanza", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  g_signal_accumulator_true_handled, NULL, NULL,
                  G_TYPE_BOOLEAN, 1, GXMPP_TYPE_STANZA);

  /**
   * GXmppSession::message:
   * @session: the session
   * @message: the message received
   *
   * Emitted for a message no handler took.
   *
   * Returns: %TRUE to stop other handlers of this signal
   */
  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  g_signal_accumulator_true_handled, NULL, NULL,
                  G_TYPE_BOOLEAN, 1, GXMPP_TYPE_MESSAGE);

  /**
   * GXmppSession::presence:
   * @session: the session
   * @presence: the presence received
   *
   * Emitted for a presence no handler took.
   *
   * Returns: %TRUE to stop other handlers of this signal
   */
  signals[SIGNAL_PRESENCE] =
    g_signal_new ("presence", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  g_signal_accumulator_true_handled, NULL, NULL,
                  G_TYPE_BOOLEAN, 1, GXMPP_TYPE_PRESENCE);

  /**
   * GXmppSession::closed:
   * @session: the session
   * @reason: (nullable): why the session ended: %NULL when the application
   *   closed it; otherwise a stream error (%GXMPP_STREAM_ERROR, with the
   *   server's text), %GXMPP_ERROR_CLOSED when the server closed the stream,
   *   or the connection's or TLS's error
   *
   * Emitted once when the session ends (the seed's
   * `sessionClosedHandler`).
   */
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);

  /**
   * GXmppSession::accept-certificate:
   * @session: the session
   * @certificate: the server's certificate
   * @errors: what is wrong with it
   *
   * Emitted while connecting when the server's certificate fails
   * validation against the session's domain. Handlers can let the user
   * decide, or compare the certificate with one pinned earlier. Unless a
   * handler returns %TRUE, the certificate is refused and the session fails
   * with %GXMPP_ERROR_BAD_CERTIFICATE.
   *
   * Returns: %TRUE to accept the certificate
   */
  signals[SIGNAL_ACCEPT_CERTIFICATE] =
    g_signal_new ("accept-certificate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  g_signal_accumulator_true_handled, NULL, NULL,
                  G_TYPE_BOOLEAN, 2, G_TYPE_TLS_CERTIFICATE, G_TYPE_TLS_CERTIFICATE_FLAGS);

  /**
   * GXmppSession::disconnected:
   * @session: the session
   * @reason: why the connection was lost
   *
   * Emitted when a ready session loses its connection and is not over:
   * [property@GXmpp.Session:state] is then
   * %GXMPP_SESSION_STATE_DISCONNECTED, and the session reconnects as
   * [property@GXmpp.SessionConfig:reconnect] says, or, without a policy,
   * waits for [method@GXmpp.Session.reconnect_async] or
   * [method@GXmpp.Session.close_async]. Stanzas sent meanwhile are queued.
   */
  signals[SIGNAL_DISCONNECTED] =
    g_signal_new ("disconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);

  /**
   * GXmppSession::reconnected:
   * @session: the session
   * @resumed: %TRUE if the server resumed the stream (XEP-0198): nothing
   *   was lost and nothing needs doing; %FALSE for a fresh stream, on which
   *   the server has forgotten the session's state
   *
   * Emitted when a session that lost its connection is ready again. On a
   * fresh stream the session has already sent the last presence the
   * application broadcast, and the stanzas the server had not confirmed
   * (see the class documentation); the application fetches again what it
   * keeps of the server's state (the roster does so itself).
   */
  signals[SIGNAL_RECONNECTED] =
    g_signal_new ("reconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
}

static void
pending_iq_free (PendingIq *pending)
{
  if (pending->timeout != NULL)
    {
      g_source_destroy (pending->timeout);
      g_source_unref (pending->timeout);
    }
  if (pending->cancel != NULL)
    {
      g_source_destroy (pending->cancel);
      g_source_unref (pending->cancel);
    }
  g_clear_pointer (&pending->to, gxmpp_jid_unref);
  g_clear_object (&pending->task);
  g_free (pending->id);
  g_free (pending);
}

static void
gxmpp_session_init (GXmppSession *self)
{
  self->pending_iqs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                             (GDestroyNotify) pending_iq_free);
  self->handlers = g_ptr_array_new_with_free_func ((GDestroyNotify) handler_unref);
  self->iq_handlers = g_ptr_array_new_with_free_func ((GDestroyNotify) iq_handler_free);
  self->inboxes = g_ptr_array_new ();
  self->cancellable = g_cancellable_new ();
  self->next_handler_id = 1;
  self->reconnect_tasks = g_ptr_array_new_with_free_func (g_object_unref);
}

/* Connecting */

static gboolean
on_accept_certificate (GTlsConnection       *connection,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  GXmppSession *self = user_data;
  gboolean accept = FALSE;

  g_signal_emit (self, signals[SIGNAL_ACCEPT_CERTIFICATE], 0, certificate, errors, &accept);
  return accept;
}

static void on_element (GXmppStream *stream, GXmppNode *element, gpointer user_data);

static void on_stream_end (GXmppStream *stream, const GError *error, gpointer user_data);
static void stream_ready (GXmppSession *self);
static void answer_came (GXmppSession *self);
static void handle_sm_element (GXmppSession *self, GXmppNode *element);
static gboolean is_transient (const GError *error);
static void connection_lost (GXmppSession *self, const GError *reason);
static gboolean seen_before (GXmppSession *self, GXmppStanza *stanza);

static void receive_stanza (GXmppSession *self, GXmppNode *element);

/* Stanzas that came during the last steps of negotiation come first; they
 * preceded <enabled/>, so they do not count as handled (XEP-0198). */
static void
start_receiving (GXmppSession *self)
{
  g_autoptr(GXmppSession) hold = g_object_ref (self);
  GXmppNode *early;

  while (self->state == GXMPP_SESSION_STATE_READY &&
         (early = g_queue_pop_head (&self->negotiation.early)) != NULL)
    {
      g_autoptr(GXmppNode) element = early;

      receive_stanza (self, element);
    }
  if (self->state == GXMPP_SESSION_STATE_READY)
    gxmpp_stream_start_receiving (self->negotiation.stream, on_element, on_stream_end, self);
}

static gboolean
on_start_receiving (gpointer user_data)
{
  GXmppSession *self = user_data;

  g_clear_pointer (&self->receive_source, g_source_unref);
  /* Closed or closing meanwhile: closing reads what is left. */
  if (self->state == GXMPP_SESSION_STATE_READY)
    start_receiving (self);
  return G_SOURCE_REMOVE;
}

/* What arrived together with the last negotiation reply (a message, a
 * stream error) is for the application, which has no handlers connected
 * before it has the session: receiving starts from the main context of
 * the thread that connected, after new_finish() or new_sync() has handed
 * the session over. */
static void
start_receiving_soon (GXmppSession *self)
{
  g_return_if_fail (self->receive_source == NULL);

  self->receive_source = g_idle_source_new ();
  g_source_set_priority (self->receive_source, G_PRIORITY_DEFAULT);
  g_source_set_callback (self->receive_source, on_start_receiving, self, NULL);
  g_source_set_name (self->receive_source, "[gxmpp] start receiving");
  g_source_attach (self->receive_source, g_main_context_get_thread_default ());
}

typedef struct {
  GSource *timeout;
  gulong cancelled_id;
  GCancellable *outer;
  gboolean timed_out;
  gboolean sync;
} InitData;

static void
init_data_free (InitData *data)
{
  if (data->timeout != NULL)
    {
      g_source_destroy (data->timeout);
      g_source_unref (data->timeout);
    }
  if (data->outer != NULL)
    {
      g_cancellable_disconnect (data->outer, data->cancelled_id);
      g_object_unref (data->outer);
    }
  g_free (data);
}

static void
on_negotiated (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GXmppSession *self = g_task_get_source_object (task);
  InitData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!gxmpp_negotiate_finish (result, &error))
    {
      if (data->timed_out)
        {
          guint timeout = gxmpp_stream_config_get_connect_timeout (self->negotiation.stream_config);

          g_clear_error (&error);
          error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                               _("Connecting to %s took longer than %u ms"), self->domain, timeout);
        }
      set_state (self, GXMPP_SESSION_STATE_DISCONNECTED);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  stream_ready (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_JID]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FEATURES]);
  set_state (self, GXMPP_SESSION_STATE_READY);

  g_task_return_boolean (task, TRUE);
  /* After the application's callback; a synchronous init ran in a private
   * main context, and receiving starts in the caller's, once back there. */
  if (!data->sync)
    start_receiving_soon (self);
}

static gboolean
on_connect_timeout (gpointer user_data)
{
  GTask *task = user_data;
  InitData *data = g_task_get_task_data (task);
  GXmppSession *self = g_task_get_source_object (task);

  data->timed_out = TRUE;
  g_clear_pointer (&data->timeout, g_source_unref);
  g_cancellable_cancel (self->cancellable);
  return G_SOURCE_REMOVE;
}

static void
on_outer_cancelled (GCancellable *outer,
                    gpointer      user_data)
{
  g_cancellable_cancel (user_data);
}

static void
init_start (GXmppSession *self,
            GTask        *task)
{
  InitData *data = g_task_get_task_data (task);
  GCancellable *outer = g_task_get_cancellable (task);
  GXmppStreamConfig *stream_config = gxmpp_session_config_get_stream_config (self->config);
  guint timeout = gxmpp_stream_config_get_connect_timeout (stream_config);
  g_autoptr(GXmppJid) domain_jid = NULL;
  g_autoptr(GError) error = NULL;

  if (self->state != GXMPP_SESSION_STATE_DISCONNECTED)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _("The session is already connecting or connected"));
      g_object_unref (task);
      return;
    }

  /* The domain must be a valid domainpart: it is what the certificate is
   * checked against. */
  domain_jid = self->domain != NULL ? gxmpp_jid_new (self->domain, &error) : NULL;
  if (domain_jid == NULL || !gxmpp_jid_is_domain (domain_jid))
    {
      g_task_return_new_error (task, GXMPP_ERROR, GXMPP_ERROR_INVALID_ADDRESS,
                               _("“%s” is not a valid XMPP domain"), self->domain ? self->domain : "");
      g_object_unref (task);
      return;
    }

  self->negotiation.config = g_object_ref (self->config);
  self->negotiation.stream_config = g_object_ref (stream_config);
  self->negotiation.auth = self->auth != NULL ? g_object_ref (self->auth) : NULL;
  self->negotiation.domain = g_strdup (gxmpp_jid_get_domain (domain_jid));
  self->negotiation.accept_certificate = on_accept_certificate;
  self->negotiation.accept_data = self;
  self->negotiation.sm_wanted = gxmpp_session_config_get_stream_management (self->config);

  if (outer != NULL)
    {
      data->outer = g_object_ref (outer);
      data->cancelled_id = g_cancellable_connect (outer, G_CALLBACK (on_outer_cancelled),
                                                  self->cancellable, NULL);
    }

  if (timeout > 0)
    {
      data->timeout = g_timeout_source_new (timeout);
      g_source_set_callback (data->timeout, on_connect_timeout, task, NULL);
      g_source_set_name (data->timeout, "[gxmpp] connect timeout");
      g_source_attach (data->timeout, g_main_context_get_thread_default ());
    }

  set_state (self, GXMPP_SESSION_STATE_CONNECTING);
  gxmpp_negotiate_async (&self->negotiation, self->cancellable, on_negotiated, task);
}

static void
gxmpp_session_init_async (GAsyncInitable      *initable,
                          int                  io_priority,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GXmppSession *self = GXMPP_SESSION (initable);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, gxmpp_session_init_async);
  g_task_set_name (task, "[gxmpp] connect session");
  g_task_set_task_data (task, g_new0 (InitData, 1), (GDestroyNotify) init_data_free);
  init_start (self, task);
}

static gboolean
gxmpp_session_init_finish (GAsyncInitable  *initable,
                           GAsyncResult    *result,
                           GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, initable), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
gxmpp_session_async_initable_iface_init (GAsyncInitableIface *iface)
{
  iface->init_async = gxmpp_session_init_async;
  iface->init_finish = gxmpp_session_init_finish;
}

static void
on_sync_init_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* The synchronous init runs the asynchronous one in a private main
 * context: nothing else of the caller's runs meanwhile. */
static gboolean
gxmpp_session_initable_init (GInitable     *initable,
                             GCancellable  *cancellable,
                             GError       **error)
{
  GXmppSession *self = GXMPP_SESSION (initable);
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GAsyncResult) result = NULL;
  GTask *task;
  InitData *data;
  gboolean ok;

  g_main_context_push_thread_default (context);

  task = g_task_new (self, cancellable, on_sync_init_done, &result);
  g_task_set_source_tag (task, gxmpp_session_init_async);
  g_task_set_name (task, "[gxmpp] connect session (sync)");
  data = g_new0 (InitData, 1);
  data->sync = TRUE;
  g_task_set_task_data (task, data, (GDestroyNotify) init_data_free);
  init_start (self, task);

  while (result == NULL)
    g_main_context_iteration (context, TRUE);

  g_main_context_pop_thread_default (context);

  ok = g_task_propagate_boolean (G_TASK (result), error);
  if (ok)
    start_receiving_soon (self);
  return ok;
}

static void
gxmpp_session_initable_iface_init (GInitableIface *iface)
{
  iface->init = gxmpp_session_initable_init;
}

/**
 * gxmpp_session_new_async:
 * @domain: the XMPP domain of the account, such as `example.com`
 * @config: (nullable): settings, or %NULL for the defaults
 * @auth: (nullable): how to authenticate, or %NULL for an
 *   unauthenticated stream (for in-band registration, say)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the session is ready or has failed
 * @user_data: data for @callback
 *
 * Connects a session: finds the server (SRV records, or
 * [property@GXmpp.StreamConfig:server-address]), secures the stream with
 * TLS as the TLS policy says, verifying the certificate against @domain,
 * authenticates, binds a resource, and establishes the legacy session if
 * the server requires it (the seed's `session`).
 *
 * Failures are reported each with their own error: %GXMPP_ERROR_CONNECTION_FAILED,
 * %GXMPP_ERROR_NO_SERVICE, %GXMPP_ERROR_TLS_NOT_OFFERED, %GXMPP_ERROR_TLS_FAILED,
 * %GXMPP_ERROR_BAD_CERTIFICATE, an error in %GXMPP_AUTH_ERROR (wrong
 * credentials are %GXMPP_AUTH_ERROR_NOT_AUTHORIZED), %GXMPP_STREAM_ERROR
 * (%GXMPP_STREAM_ERROR_BAD_FORMAT also when the server binds the session
 * to an address that is not the account's),
 * %G_IO_ERROR_TIMED_OUT after [property@GXmpp.StreamConfig:connect-timeout],
 * %G_IO_ERROR_CANCELLED.
 */
void
gxmpp_session_new_async (const char          *domain,
                         GXmppSessionConfig  *config,
                         GXmppAuth           *auth,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (domain != NULL);
  g_return_if_fail (config == NULL || GXMPP_IS_SESSION_CONFIG (config));
  g_return_if_fail (auth == NULL || GXMPP_IS_AUTH (auth));

  g_async_initable_new_async (GXMPP_TYPE_SESSION, G_PRIORITY_DEFAULT, cancellable, callback, user_data,
                              "domain", domain, "config", config, "auth", auth, NULL);
}

/**
 * gxmpp_session_new_finish:
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [func@GXmpp.Session.new_async].
 *
 * Returns: (transfer full) (nullable): the ready session, or %NULL on error
 */
GXmppSession *
gxmpp_session_new_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_autoptr(GObject) source = g_async_result_get_source_object (result);
  GObject *object;

  object = g_async_initable_new_finish (G_ASYNC_INITABLE (source), result, error);
  return object != NULL ? GXMPP_SESSION (object) : NULL;
}

/**
 * gxmpp_session_new_sync:
 * @domain: the XMPP domain of the account
 * @config: (nullable): settings, or %NULL for the defaults
 * @auth: (nullable): how to authenticate, or %NULL
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Connects a session and waits until it is ready, as
 * [func@GXmpp.Session.new_async] does. For scripts and tests: it blocks
 * the calling thread, and nothing else of the thread's main context runs
 * meanwhile. The session then works in the calling thread's main context.
 *
 * Returns: (transfer full) (nullable): the ready session, or %NULL on error
 */
GXmppSession *
gxmpp_session_new_sync (const char          *domain,
                        GXmppSessionConfig  *config,
                        GXmppAuth           *auth,
                        GCancellable        *cancellable,
                        GError             **error)
{
  g_return_val_if_fail (domain != NULL, NULL);
  g_return_val_if_fail (config == NULL || GXMPP_IS_SESSION_CONFIG (config), NULL);
  g_return_val_if_fail (auth == NULL || GXMPP_IS_AUTH (auth), NULL);

  return g_initable_new (GXMPP_TYPE_SESSION, cancellable, error,
                         "domain", domain, "config", config, "auth", auth, NULL);
}

/* Accessors */

/**
 * gxmpp_session_get_domain:
 * @session: a session
 *
 * Gets [property@GXmpp.Session:domain].
 *
 * Returns: the domain
 */
const char *
gxmpp_session_get_domain (GXmppSession *session)
{
  g_return_val_if_fail (GXMPP_IS_SESSION (session), NULL);
  return session->domain;
}

/**
 * gxmpp_session_get_config:
 * @session: a session
 *
 * Gets [property@GXmpp.Session:config].
 *
 * Returns: (transfer none): the settings
 */
GXmppSessionConfig *
gxmpp_session_get_config (GXmppSession *session)
{
  g_return_val_if_fail (GXMPP_IS_SESSION (session), NULL);
  return session->config;
}

/**
 * gxmpp_session_get_state:
 * @session: a session
 *
 * Gets [property@GXmpp.Session:state].
 *
 * Returns: the state
 */
GXmppSessionState
gxmpp_session_get_state (GXmppSession *session)
{
  g_return_val_if_fail (GXMPP_IS_SESSION (session), GXMPP_SESSION_STATE_CLOSED);
  return session->state;
}

/**
 * gxmpp_session_get_jid:
 * @session: a session
 *
 * Gets the full JID the session is bound to.
 *
 * Returns: (transfer none) (nullable): the JID, or %NULL before binding or
 *   for an unauthenticated stream
 */
GXmppJid *
gxmpp_session_get_jid (GXmppSession *session)
{
  g_return_val_if_fail (GXMPP_IS_SESSION (session), NULL);
  /* While reconnecting, the JID the session had (and asks for again). */
  return session->negotiation.jid != NULL ? session->negotiation.jid : session->bound_jid;
}

/**
 * gxmpp_session_get_features:
 * @session: a session
 *
 * Gets [property@GXmpp.Session:features].
 *
 * Returns: (transfer none) (nullable): the `<stream:features/>` element
 */
GXmppNode *
gxmpp_session_get_features (GXmppSession *session)
{
  g_return_val_if_fail (GXMPP_IS_SESSION (session), NULL);
  return session->negotiation.features;
}

/**
 * gxmpp_session_is_secure:
 * @session: a session
 *
 * Checks whether the session's stream runs over TLS.
 *
 * Returns: %TRUE over TLS
 */
gboolean
gxmpp_session_is_secure (GXmppSession *session)
{
  g_return_val_if_fail (GXMPP_IS_SESSION (session), FALSE);
  return session->negotiation.stream != NULL && gxmpp_stream_is_secure (session->negotiation.stream);
}

/**
 * gxmpp_session_get_tls_connection:
 * @session: a session
 *
 * Gets the TLS connection of the session's stream, to look at the
 * server's certificate or the protocol version.
 *
 * Returns: (transfer none) (nullable): the TLS connection, or %NULL
 */
GTlsConnection *
gxmpp_session_get_tls_connection (GXmppSession *session)
{
  GIOStream *base;

  g_return_val_if_fail (GXMPP_IS_SESSION (session), NULL);

  if (session->negotiation.stream == NULL)
    return NULL;
  base = gxmpp_stream_get_base_stream (session->negotiation.stream);
  return G_IS_TLS_CONNECTION (base) ? G_TLS_CONNECTION (base) : NULL;
}

/**
 * gxmpp_session_get_mechanism:
 * @session: a session
 *
 * Gets the name of the SASL mechanism the session authenticated with.
 *
 * Returns: (nullable): the mechanism, such as `SCRAM-SHA-256-PLUS`, or %NULL
 */
const char *
gxmpp_session_get_mechanism (GXmppSession *session)
{
  g_return_val_if_fail (GXMPP_IS_SESSION (session), NULL);
  return session->negotiation.mechanism;
}

/* Sending */

static gboolean
check_ready (GXmppSession  *self,
             GError       **error)
{
  if (self->state == GXMPP_SESSION_STATE_READY)
    return TRUE;

  if (self->state == GXMPP_SESSION_STATE_CLOSED || self->state == GXMPP_SESSION_STATE_CLOSING)
    g_set_error_literal (error, GXMPP_ERROR, GXMPP_ERROR_CLOSED, _("The session is closed"));
  else
    g_set_error_literal (error, GXMPP_ERROR, GXMPP_ERROR_NOT_READY, _("The session is not connected yet"));
  return FALSE;
}

/* Between a lost connection and the next ready stream, stanzas wait in the
 * queue. */
static gboolean
is_reconnecting (GXmppSession *self)
{
  return self->was_ready && !self->closed_emitted && !self->closing_by_us &&
         self->state != GXMPP_SESSION_STATE_READY;
}

static void
ensure_id (GXmppSession *self,
           GXmppStanza  *stanza)
{
  if (gxmpp_stanza_get_id (stanza) == NULL)
    {
      g_autofree char *id = gxmpp_session_config_make_stanza_id (self->config);

      gxmpp_stanza_set_id (stanza, id);
    }
}

static void request_ack_soon (GXmppSession *self);

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (gxmpp_stream_write_finish (GXMPP_STREAM (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* The broadcast presence (no 'to', available or unavailable) is what a
 * fresh stream needs again. */
static gboolean
is_broadcast_presence (GXmppNode *node)
{
  const char *type = gxmpp_node_get_attribute (node, "type");

  return gxmpp_node_is (node, "presence", NULL) && gxmpp_node_get_attribute (node, "to") == NULL &&
         (type == NULL || g_strcmp0 (type, "unavailable") == 0);
}

/* Every stanza leaves through here, so that stream management counts each
 * one: written at once on a ready stream (and queued until acknowledged
 * with stream management), or queued while the session reconnects. @task
 * (taken, may be NULL) completes when the server has confirmed the stanza,
 * or, without stream management, when it has been written. */
static gboolean
send_node (GXmppSession  *self,
           GXmppNode     *node,
           GTask         *task,
           GError       **error)
{
  g_autoptr(GTask) owned = task;
  g_autoptr(GError) write_error = NULL;
  gsize bytes = 0;

  if (is_broadcast_presence (node))
    {
      g_clear_pointer (&self->last_presence, gxmpp_node_unref);
      self->last_presence = gxmpp_node_copy (node);
    }

  if (self->state == GXMPP_SESSION_STATE_READY && !self->closing_by_us)
    {
      if (!self->sm_enabled)
        {
          if (owned == NULL)
            {
              if (gxmpp_stream_write (self->negotiation.stream, node, &write_error))
                return TRUE;
            }
          else if (gxmpp_stream_write (self->negotiation.stream, node, &write_error))
            {
              GCancellable *cancellable = g_task_get_cancellable (owned);

              gxmpp_stream_wait_written_async (self->negotiation.stream, cancellable, on_sent,
                                               g_steal_pointer (&owned));
              return TRUE;
            }
        }
      else if (gxmpp_sm_next_unwritten (&self->sm) == NULL)
        {
          if (!gxmpp_sm_check_room (&self->sm, 0, error))
            return FALSE;
          /* Serialised once, straight into the stream; a stanza bigger than
           * the room left in the queue is taken back unwritten. */
          if (gxmpp_stream_write_within (self->negotiation.stream, node,
                                         self->sm.max_bytes - self->sm.bytes, &bytes, &write_error))
            {
              gxmpp_sm_push (&self->sm, node, bytes, g_steal_pointer (&owned), TRUE);
              request_ack_soon (self);
              return TRUE;
            }
          if (write_error == NULL && !gxmpp_sm_check_room (&self->sm, bytes, error))
            return FALSE;
        }

      /* A stanza XML cannot carry is the caller's mistake; anything else
       * means the connection is failing, which reading will find out:
       * the stanza waits for the next stream. */
      if (write_error != NULL &&
          (g_error_matches (write_error, GXMPP_ERROR, GXMPP_ERROR_INVALID_CHARACTER) ||
           gxmpp_session_config_get_reconnect (self->config) == NULL))
        {
          g_propagate_error (error, g_steal_pointer (&write_error));
          return FALSE;
        }
    }
  else if (!is_reconnecting (self))
    return check_ready (self, error);

  /* Queued for the next stream; its size is what the limit counts. */
  {
    g_autoptr(GString) text = g_string_new (NULL);

    if (!gxmpp_xml_write_stream_element (text, node, GXMPP_NS_CLIENT, error))
      return FALSE;
    if (!gxmpp_sm_check_room (&self->sm, text->len, error))
      return FALSE;
    gxmpp_sm_push (&self->sm, node, text->len, g_steal_pointer (&owned), FALSE);
  }
  return TRUE;
}

/**
 * gxmpp_session_send:
 * @session: a ready session
 * @stanza: the stanza to send
 * @error: return location for a #GError
 *
 * Queues a stanza for sending (the seed's `sendMessage`, `sendPresence`).
 * A stanza without an `id` gets one first. While the session reconnects
 * after a lost connection, the stanza waits in the queue and goes out,
 * in order, once the session is ready again.
 *
 * Fails, and sends nothing, with %GXMPP_ERROR_INVALID_CHARACTER if some
 * text holds a character XML cannot carry; with %GXMPP_ERROR_QUEUE_FULL
 * if too many stanzas wait for the server's confirmation; with
 * %GXMPP_ERROR_NOT_READY or %GXMPP_ERROR_CLOSED if the session is not
 * connected yet, or closed.
 *
 * Returns: %TRUE if the stanza was queued
 */
gboolean
gxmpp_session_send (GXmppSession  *session,
                    GXmppStanza   *stanza,
                    GError       **error)
{
  g_return_val_if_fail (GXMPP_IS_SESSION (session), FALSE);
  g_return_val_if_fail (GXMPP_IS_STANZA (stanza), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  ensure_id (session, stanza);
  return send_node (session, gxmpp_stanza_get_node (stanza), NULL, error);
}

/**
 * gxmpp_session_send_async:
 * @session: a ready session
 * @stanza: the stanza to send
 * @cancellable: (nullable): a #GCancellable; cancelling stops the wait, not
 *   the sending
 * @callback: called when the server has confirmed the stanza
 * @user_data: data for @callback
 *
 * Sends a stanza as [method@GXmpp.Session.send] does and tells when the
 * server has confirmed it: with stream management (XEP-0198), when the
 * server has acknowledged it, also across a resumed connection; without,
 * when it has been written to the connection.
 *
 * Fails as [method@GXmpp.Session.send] does, with %GXMPP_ERROR_CLOSED if
 * the session closes before the confirmation, and with
 * %GXMPP_ERROR_CONNECTION_LOST for an IQ request that was lost with the
 * connection (see the class documentation).
 */
void
gxmpp_session_send_async (GXmppSession        *session,
                          GXmppStanza         *stanza,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (GXMPP_IS_SESSION (session));
  g_return_if_fail (GXMPP_IS_STANZA (stanza));

  task = g_task_new (session, cancellable, callback, user_data);
  g_task_set_source_tag (task, gxmpp_session_send_async);
  g_task_set_name (task, "[gxmpp] send");
  g_task_set_check_cancellable (task, TRUE);

  ensure_id (session, stanza);
  if (!send_node (session, gxmpp_stanza_get_node (stanza), g_object_ref (task), &error))
    g_task_return_error (task, error);
}

/**
 * gxmpp_session_send_finish:
 * @session: a session
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@GXmpp.Session.send_async].
 *
 * Returns: %TRUE if the server confirmed the stanza
 */
gboolean
gxmpp_session_send_finish (GXmppSession  *session,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, session), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gxmpp_session_send_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* IQ requests and their replies */

static void
complete_pending (PendingIq *pending,
                  GXmppIq   *reply,
                  GError    *error)
{
  GXmppSession *self = pending->session;
  g_autoptr(GTask) task = g_steal_pointer (&pending->task);

  /* Out of the table first: completing may run code that sends again. */
  g_hash_table_remove (self->pending_iqs, pending->id);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_object_ref (reply), g_object_unref);
}

static gboolean
on_iq_timeout (gpointer user_data)
{
  PendingIq *pending = user_data;

  g_clear_pointer (&pending->timeout, g_source_unref);
  complete_pending (pending, NULL,
                    g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                         _("No reply came in time")));
  return G_SOURCE_REMOVE;
}

static gboolean
on_iq_cancelled (GCancellable *cancellable,
                 gpointer      user_data)
{
  PendingIq *pending = user_data;

  g_clear_pointer (&pending->cancel, g_source_unref);
  complete_pending (pending, NULL,
                    g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                         _("Operation was cancelled")));
  return G_SOURCE_REMOVE;
}

static void
fail_pending_iqs (GXmppSession *self,
                  const GError *reason)
{
  GHashTableIter iter;
  PendingIq *pending;
  GPtrArray *all = g_ptr_array_new ();

  g_hash_table_iter_init (&iter, self->pending_iqs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &pending))
    g_ptr_array_add (all, pending);

  for (guint i = 0; i < all->len; i++)
    {
      pending = all->pdata[i];
      if (g_error_matches (reason, GXMPP_ERROR, GXMPP_ERROR_CONNECTION_LOST))
        complete_pending (pending, NULL, g_error_copy (reason));
      else
        complete_pending (pending, NULL, g_error_new (GXMPP_ERROR, GXMPP_ERROR_CLOSED,
                                                      _("The session closed before the reply came: %s"),
                                                      reason->message));
    }
  g_ptr_array_unref (all);
}

/**
 * gxmpp_session_send_iq_async:
 * @session: a ready session
 * @iq: a get or set request
 * @timeout_ms: how long to wait for the reply, in milliseconds; 0 for the
 *   session's [property@GXmpp.SessionConfig:iq-timeout]
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the reply
 * @user_data: data for @callback
 *
 * Sends an IQ request and waits for its reply (the seed's `sendIQ'`). The
 * request gets an unguessable `id` unless it has one. Only a reply with
 * that id from the entity asked counts: for a request without `to`, the
 * account's server or account; otherwise exactly the `to` address.
 */
void
gxmpp_session_send_iq_async (GXmppSession        *session,
                             GXmppIq             *iq,
                             guint                timeout_ms,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  PendingIq *pending;
  GXmppJid *to;

  g_return_if_fail (GXMPP_IS_SESSION (session));
  g_return_if_fail (GXMPP_IS_IQ (iq));

  task = g_task_new (session, cancellable, callback, user_data);
  g_task_set_source_tag (task, gxmpp_session_send_iq_async);
  g_task_set_name (task, "[gxmpp] send IQ");

  if (!gxmpp_iq_is_request (iq))
    {
      g_task_return_new_error (task, GXMPP_ERROR, GXMPP_ERROR_INVALID_STANZA,
                               _("Only IQ requests (get and set) have replies"));
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  if (!is_reconnecting (session) && !check_ready (session, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  ensure_id (session, GXMPP_STANZA (iq));
  if (g_hash_table_contains (session->pending_iqs, gxmpp_stanza_get_id (GXMPP_STANZA (iq))))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_EXISTS,
                               _("An IQ with this id is already waiting for its reply"));
      return;
    }
  if (!send_node (session, gxmpp_stanza_get_node (GXMPP_STANZA (iq)), NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  pending = g_new0 (PendingIq, 1);
  pending->session = session;
  pending->id = g_strdup (gxmpp_stanza_get_id (GXMPP_STANZA (iq)));
  to = gxmpp_stanza_get_to (GXMPP_STANZA (iq));
  pending->to = to != NULL ? gxmpp_jid_ref (to) : NULL;
  pending->task = g_steal_pointer (&task);

  if (timeout_ms == 0)
    timeout_ms = gxmpp_session_config_get_iq_timeout (session->config);
  if (timeout_ms > 0)
    {
      pending->timeout = g_timeout_source_new (timeout_ms);
      g_source_set_callback (pending->timeout, on_iq_timeout, pending, NULL);
      g_source_set_name (pending->timeout, "[gxmpp] IQ timeout");
      g_source_attach (pending->timeout, g_task_get_context (pending->task));
    }
  if (cancellable != NULL)
    {
      pending->cancel = g_cancellable_source_new (cancellable);
      g_source_set_callback (pending->cancel, G_SOURCE_FUNC (on_iq_cancelled), pending, NULL);
      g_source_attach (pending->cancel, g_task_get_context (pending->task));
    }

  g_hash_table_insert (session->pending_iqs, pending->id, pending);
}

/**
 * gxmpp_session_send_iq_finish_reply:
 * @session: a session
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@GXmpp.Session.send_iq_async], giving the reply whatever
 * its type: a `result`, or an `error` whose details
 * [method@GXmpp.Stanza.get_error] reads. Fails only when no reply came
 * (%G_IO_ERROR_TIMED_OUT, %G_IO_ERROR_CANCELLED, %GXMPP_ERROR_CLOSED).
 * Language bindings, which lose the details a stanza error #GError carries
 * in C, use this one.
 *
 * Returns: (transfer full) (nullable): the reply, or %NULL
 */
GXmppIq *
gxmpp_session_send_iq_finish_reply (GXmppSession  *session,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, session), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gxmpp_session_send_iq_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * gxmpp_session_send_iq_finish:
 * @session: a session
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@GXmpp.Session.send_iq_async]. An `error` reply becomes
 * a #GError in %GXMPP_STANZA_ERROR whose code is the condition;
 * [func@GXmpp.StanzaErrorDetails.from_gerror] gives the rest of it.
 *
 * Returns: (transfer full) (nullable): the `result` reply, or %NULL on error
 */
GXmppIq *
gxmpp_session_send_iq_finish (GXmppSession  *session,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_autoptr(GXmppIq) reply = NULL;
  g_autoptr(GXmppStanzaErrorDetails) details = NULL;

  reply = gxmpp_session_send_iq_finish_reply (session, result, error);
  if (reply == NULL)
    return NULL;

  details = gxmpp_stanza_get_error (GXMPP_STANZA (reply));
  if (details != NULL)
    {
      g_propagate_error (error, gxmpp_stanza_error_details_to_gerror (details));
      return NULL;
    }
  return g_steal_pointer (&reply);
}

/* Whether @from may answer a request sent to @to: wocky's check_spoofing,
 * made a little stricter. A request without 'to' goes to the account's
 * server on the account's behalf: the reply comes with no 'from', or from
 * the domain, the bare JID or the full JID. A request to the account's
 * own bare JID is answered by the server for it. Anything else must come
 * back from exactly where it went. */
static gboolean
reply_sender_ok (GXmppSession *self,
                 GXmppJid     *to,
                 GXmppJid     *from)
{
  GXmppJid *full = self->negotiation.jid;
  g_autoptr(GXmppJid) bare = full != NULL ? gxmpp_jid_to_bare (full) : NULL;
  g_autoptr(GXmppJid) domain = gxmpp_jid_new (self->negotiation.domain, NULL);

  if (to == NULL)
    return from == NULL ||
           (domain != NULL && gxmpp_jid_equal (from, domain)) ||
           (bare != NULL && gxmpp_jid_equal (from, bare)) ||
           (full != NULL && gxmpp_jid_equal (from, full));

  if (from == NULL)
    return (bare != NULL && gxmpp_jid_equal (to, bare)) ||
           (domain != NULL && gxmpp_jid_equal (to, domain));

  return gxmpp_jid_equal (from, to);
}

/* A reply to one of our requests: consumed here. */
static gboolean
take_reply (GXmppSession *self,
            GXmppIq      *iq)
{
  PendingIq *pending;
  const char *id = gxmpp_stanza_get_id (GXMPP_STANZA (iq));

  if (id == NULL)
    return FALSE;
  pending = g_hash_table_lookup (self->pending_iqs, id);
  if (pending == NULL)
    return FALSE;

  if (!reply_sender_ok (self, pending->to, gxmpp_stanza_get_from (GXMPP_STANZA (iq))))
    {
      g_debug ("An IQ %s with the id of a pending request came from the wrong sender; not a reply",
               gxmpp_iq_get_iq_type (iq) == GXMPP_IQ_TYPE_ERROR ? "error" : "result");
      return FALSE;
    }

  complete_pending (pending, iq, NULL);
  return TRUE;
}

/* Receiving */

static void
reply_error (GXmppSession              *self,
             GXmppIq                   *request,
             GXmppStanzaError           condition)
{
  g_autoptr(GXmppStanzaErrorDetails) details = gxmpp_stanza_error_details_new (condition);
  g_autoptr(GXmppIq) reply = gxmpp_iq_new_error (request, details);

  gxmpp_session_send (self, GXMPP_STANZA (reply), NULL);
}

static IqHandler *
find_iq_handler (GXmppSession *self,
                 GXmppIqType   type,
                 const char   *ns)
{
  for (guint i = 0; i < self->iq_handlers->len; i++)
    {
      IqHandler *handler = self->iq_handlers->pdata[i];

      if (handler->type == type && g_strcmp0 (handler->ns, ns) == 0)
        return handler;
    }
  return NULL;
}

static gboolean
dispatch_iq_request (GXmppSession *self,
                     GXmppIq      *iq)
{
  GXmppNode *payload = gxmpp_iq_get_payload (iq);
  IqHandler *handler = find_iq_handler (self, gxmpp_iq_get_iq_type (iq),
                                        payload != NULL ? gxmpp_node_get_namespace (payload) : NULL);
  g_autoptr(GXmppIqRequest) request = NULL;

  if (handler == NULL)
    return FALSE;

  request = gxmpp_iq_request_new (self, iq);
  handler->func (self, request, handler->data);
  return TRUE;
}

static gboolean
dispatch_handlers (GXmppSession *self,
                   GXmppStanza  *stanza)
{
  /* A handler may add or remove handlers: run over a snapshot, skipping
   * the ones removed meanwhile. The snapshot lives on the stack unless
   * there are many handlers: this runs for every stanza. */
  Handler *stack[16];
  Handler **snapshot;
  guint n = self->handlers->len;
  gboolean handled = FALSE;

  if (n == 0)
    return FALSE;
  snapshot = n <= G_N_ELEMENTS (stack) ? stack : g_new (Handler *, n);
  for (guint i = 0; i < n; i++)
    snapshot[i] = handler_ref (self->handlers->pdata[i]);

  for (guint i = 0; i < n && !handled; i++)
    {
      Handler *handler = snapshot[i];

      if (handler->removed ||
          !gxmpp_stanza_match_matches (handler->match, stanza, self->negotiation.jid))
        continue;
      handled = handler->func (self, stanza, handler->data);
    }

  for (guint i = 0; i < n; i++)
    handler_unref (snapshot[i]);
  if (snapshot != stack)
    g_free (snapshot);
  return handled;
}

/* A XEP-0199 ping from the account's server (no 'from', the domain, or
 * the account's own JID). */
static gboolean
is_server_ping (GXmppSession *self,
                GXmppStanza  *stanza)
{
  g_autoptr(GXmppStanzaMatch) match = gxmpp_stanza_match_new ();

  gxmpp_stanza_match_set_kind (match, GXMPP_STANZA_KIND_IQ);
  gxmpp_stanza_match_set_type (match, "get");
  gxmpp_stanza_match_set_sender (match, GXMPP_SENDER_SERVER, NULL);
  gxmpp_stanza_match_set_child (match, "ping", GXMPP_NS_PING);
  return gxmpp_stanza_match_matches (match, stanza, self->negotiation.jid);
}

static void
dispatch (GXmppSession *self,
          GXmppStanza  *stanza)
{
  gboolean handled = FALSE;

  if (GXMPP_IS_MESSAGE (stanza) && seen_before (self, stanza))
    {
      g_debug ("Dropping a message received before (same sender and id)");
      return;
    }

  for (guint i = 0; i < self->inboxes->len; i++)
    gxmpp_inbox_push (self->inboxes->pdata[i], stanza);

  /* "stanza" has no class handler: with no handler connected, emitting
   * it would do nothing but cost more than the rest of the dispatch. */
  if (g_signal_has_handler_pending (self, signals[SIGNAL_STANZA], 0, FALSE))
    g_signal_emit (self, signals[SIGNAL_STANZA], 0, stanza, &handled);
  if (handled || self->state != GXMPP_SESSION_STATE_READY)
    return;

  if (GXMPP_IS_IQ (stanza) && gxmpp_iq_is_request (GXMPP_IQ (stanza)))
    {
      if (dispatch_iq_request (self, GXMPP_IQ (stanza)) || dispatch_handlers (self, stanza))
        return;
      if (self->state != GXMPP_SESSION_STATE_READY)
        return;
      if (is_server_ping (self, stanza))
        {
          g_autoptr(GXmppIq) pong = gxmpp_iq_new_result (GXMPP_IQ (stanza), NULL);

          gxmpp_session_send (self, GXMPP_STANZA (pong), NULL);
        }
      else
        /* RFC 6120 8.4: a request nobody understands gets an answer anyway. */
        reply_error (self, GXMPP_IQ (stanza), GXMPP_STANZA_ERROR_SERVICE_UNAVAILABLE);
      return;
    }

  if (dispatch_handlers (self, stanza) || self->state != GXMPP_SESSION_STATE_READY)
    return;

  if (GXMPP_IS_MESSAGE (stanza))
    g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, stanza, &handled);
  else if (GXMPP_IS_PRESENCE (stanza))
    g_signal_emit (self, signals[SIGNAL_PRESENCE], 0, stanza, &handled);
}

static void
on_element (GXmppStream *stream,
            GXmppNode   *element,
            gpointer     user_data)
{
  GXmppSession *self = user_data;
  g_autoptr(GXmppSession) hold = g_object_ref (self);

  /* Anything from the server proves the connection alive. */
  answer_came (self);

  if (g_strcmp0 (gxmpp_node_get_namespace (element), GXMPP_NS_SM) == 0)
    {
      if (self->sm_enabled)
        handle_sm_element (self, element);
      return;
    }
  /* XEP-0198: every stanza counts as handled once it is processed
   * (nonzas never do), also one dropped as invalid or as a duplicate. */
  if (self->sm_enabled && gxmpp_node_is_stanza (element))
    self->sm.handled++;

  receive_stanza (self, element);
}

/* A stanza (or what claims to be one) from the server. */
static void
receive_stanza (GXmppSession *self,
                GXmppNode    *element)
{
  g_autoptr(GXmppStanza) stanza = NULL;
  g_autoptr(GError) error = NULL;

  stanza = gxmpp_stanza_new_from_node (element, &error);
  if (stanza == NULL)
    {
      const char *type = gxmpp_node_get_attribute (element, "type");

      g_debug ("Dropping an invalid stanza: %s", error->message);
      /* A broken request still deserves an answer (RFC 6120 8.3.1). */
      if (gxmpp_node_is (element, "iq", NULL) && gxmpp_node_get_attribute (element, "id") != NULL &&
          (g_strcmp0 (type, "get") == 0 || g_strcmp0 (type, "set") == 0))
        {
          g_autoptr(GXmppNode) reply = gxmpp_node_new ("iq", GXMPP_NS_CLIENT);
          g_autoptr(GXmppStanzaErrorDetails) details =
            gxmpp_stanza_error_details_new (GXMPP_STANZA_ERROR_BAD_REQUEST);
          g_autoptr(GXmppNode) error_node = gxmpp_stanza_error_details_to_node (details);

          gxmpp_node_set_attribute (reply, "type", "error");
          gxmpp_node_set_attribute (reply, "id", gxmpp_node_get_attribute (element, "id"));
          if (gxmpp_node_get_attribute (element, "from") != NULL)
            {
              g_autoptr(GXmppJid) from = gxmpp_jid_new (gxmpp_node_get_attribute (element, "from"), NULL);

              if (from != NULL)
                gxmpp_node_set_attribute (reply, "to", gxmpp_jid_to_string (from));
            }
          gxmpp_node_append (reply, error_node);
          send_node (self, reply, NULL, NULL);
        }
      return;
    }

  if (GXMPP_IS_IQ (stanza) && !gxmpp_iq_is_request (GXMPP_IQ (stanza)) &&
      take_reply (self, GXMPP_IQ (stanza)))
    return;

  dispatch (self, stanza);
}

/* Prosody 0.12 parses a resumed stream with the XML parser of the
 * connection it replaces: mod_smacks hands the new connection to the old
 * session, whose data callback still feeds the old parser. When the old
 * connection was cut in the middle of a stanza, the first bytes of the new
 * one continue that stanza, and the server answers not-well-formed (and
 * revokes the stream). What the session writes is serialised from trees,
 * so on a resumed stream that error is the server's confusion, not ours:
 * the connection counts as lost, and the next attempt starts a fresh
 * stream that resends what the server did not confirm. */
static gboolean
is_confused_resumption (GXmppSession *self,
                        const GError *error)
{
  return self->negotiation.sm_resumed &&
         g_error_matches (error, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_NOT_WELL_FORMED);
}

static void
on_stream_end (GXmppStream  *stream,
               const GError *error,
               gpointer      user_data)
{
  GXmppSession *self = user_data;
  g_autoptr(GXmppSession) hold = g_object_ref (self);

  /* Our own close gets its answer: closing finishes it. */
  if (self->closing_by_us)
    return;

  g_debug ("The stream ended: %s", error->message);
  if (is_transient (error) || is_confused_resumption (self, error))
    {
      connection_lost (self, error);
      return;
    }
  /* Answer the peer's closing tag with ours, and let go of the connection. */
  gxmpp_stream_close_async (stream, 1000, NULL, NULL, NULL);
  session_closed (self, error);
}

/* Handlers */

/**
 * gxmpp_session_add_handler:
 * @session: a session
 * @match: which stanzas the handler wants
 * @priority: handlers with a higher priority run first; handlers of equal
 *   priority run in the order they were added
 * @handler: (scope notified) (closure user_data) (destroy destroy): the handler
 * @user_data: data for @handler
 * @destroy: (nullable): frees @user_data when the handler is removed
 *
 * Adds a handler for received stanzas that @match matches. Handlers run
 * until one returns %TRUE (wocky's porter, made bindable); see the class
 * documentation for where they come in the dispatch.
 *
 * Returns: the handler's id, for [method@GXmpp.Session.remove_handler]
 */
guint
gxmpp_session_add_handler (GXmppSession       *session,
                           GXmppStanzaMatch   *match,
                           int                 priority,
                           GXmppStanzaHandler  handler,
                           gpointer            user_data,
                           GDestroyNotify      destroy)
{
  Handler *entry;
  guint i;

  g_return_val_if_fail (GXMPP_IS_SESSION (session), 0);
  g_return_val_if_fail (match != NULL, 0);
  g_return_val_if_fail (handler != NULL, 0);

  entry = g_new0 (Handler, 1);
  g_atomic_ref_count_init (&entry->ref_count);
  entry->id = session->next_handler_id++;
  entry->priority = priority;
  entry->match = gxmpp_stanza_match_ref (match);
  entry->func = handler;
  entry->data = user_data;
  entry->destroy = destroy;

  for (i = 0; i < session->handlers->len; i++)
    if (((Handler *) session->handlers->pdata[i])->priority < priority)
      break;
  g_ptr_array_insert (session->handlers, i, entry);
  return entry->id;
}

/**
 * gxmpp_session_remove_handler:
 * @session: a session
 * @handler_id: an id from [method@GXmpp.Session.add_handler]
 *
 * Removes a handler. It is not called again, also when removed from inside
 * a dispatch.
 */
void
gxmpp_session_remove_handler (GXmppSession *session,
                              guint         handler_id)
{
  g_return_if_fail (GXMPP_IS_SESSION (session));

  for (guint i = 0; i < session->handlers->len; i++)
    {
      Handler *handler = session->handlers->pdata[i];

      if (handler->id == handler_id)
        {
          handler->removed = TRUE;
          g_ptr_array_remove_index (session->handlers, i);
          return;
        }
    }
  g_critical ("%s: no handler with id %u", G_STRFUNC, handler_id);
}

/**
 * gxmpp_session_add_iq_handler:
 * @session: a session
 * @type: %GXMPP_IQ_TYPE_GET or %GXMPP_IQ_TYPE_SET
 * @ns: the namespace of the requests' payload element
 * @handler: (scope notified) (closure user_data) (destroy destroy): the handler
 * @user_data: data for @handler
 * @destroy: (nullable): frees @user_data when the handler is removed
 * @error: return location for a #GError
 *
 * Handles IQ requests of @type whose payload is in @ns (the seed's
 * `listenIQ`). There is at most one handler per type and namespace: a
 * second one fails with %GXMPP_ERROR_ALREADY_HANDLED. The handler gets a
 * [class@GXmpp.IqRequest] to answer exactly once.
 *
 * Returns: the handler's id, or 0 on error
 */
guint
gxmpp_session_add_iq_handler (GXmppSession    *session,
                              GXmppIqType      type,
                              const char      *ns,
                              GXmppIqHandler   handler,
                              gpointer         user_data,
                              GDestroyNotify   destroy,
                              GError         **error)
{
  IqHandler *entry;

  g_return_val_if_fail (GXMPP_IS_SESSION (session), 0);
  g_return_val_if_fail (type == GXMPP_IQ_TYPE_GET || type == GXMPP_IQ_TYPE_SET, 0);
  g_return_val_if_fail (ns != NULL, 0);
  g_return_val_if_fail (handler != NULL, 0);

  if (find_iq_handler (session, type, ns) != NULL)
    {
      g_set_error (error, GXMPP_ERROR, GXMPP_ERROR_ALREADY_HANDLED,
                   _("IQ %s requests in %s are already handled"),
                   type == GXMPP_IQ_TYPE_GET ? "get" : "set", ns);
      if (destroy != NULL)
        destroy (user_data);
      return 0;
    }

  entry = g_new0 (IqHandler, 1);
  entry->id = session->next_handler_id++;
  entry->type = type;
  entry->ns = g_strdup (ns);
  entry->func = handler;
  entry->data = user_data;
  entry->destroy = destroy;
  g_ptr_array_add (session->iq_handlers, entry);
  return entry->id;
}

/**
 * gxmpp_session_remove_iq_handler:
 * @session: a session
 * @handler_id: an id from [method@GXmpp.Session.add_iq_handler]
 *
 * Removes an IQ handler; its requests are answered `service-unavailable`
 * again.
 */
void
gxmpp_session_remove_iq_handler (GXmppSession *session,
                                 guint         handler_id)
{
  g_return_if_fail (GXMPP_IS_SESSION (session));

  for (guint i = 0; i < session->iq_handlers->len; i++)
    if (((IqHandler *) session->iq_handlers->pdata[i])->id == handler_id)
      {
        g_ptr_array_remove_index (session->iq_handlers, i);
        return;
      }
  g_critical ("%s: no IQ handler with id %u", G_STRFUNC, handler_id);
}

/* Inboxes (gxmpp-inbox.c) */

void
gxmpp_session_add_inbox (GXmppSession *session,
                         GXmppInbox   *inbox)
{
  g_ptr_array_add (session->inboxes, inbox);
}

void
gxmpp_session_remove_inbox (GXmppSession *session,
                            GXmppInbox   *inbox)
{
  g_ptr_array_remove (session->inboxes, inbox);
}

gboolean
gxmpp_session_is_closed (GXmppSession *session)
{
  return session->closed_emitted;
}

/* Duplicates */

#define SEEN_WINDOW 8192

/* 64-bit FNV-1a of the sender and the id: two different pairs share a
 * digest with a probability of about 2^-64, far below anything else that
 * can go wrong; 8 bytes a message instead of their strings. */
static guint64
message_digest (const char *from,
                const char *id)
{
  guint64 hash = G_GUINT64_CONSTANT (14695981039346656037);
  const char *parts[] = { from, id };

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      for (const guchar *p = (const guchar *) parts[i]; *p != '\0'; p++)
        {
          hash ^= *p;
          hash *= G_GUINT64_CONSTANT (1099511628211);
        }
      /* A separator no JID or id contains. */
      hash ^= 0x1f;
      hash *= G_GUINT64_CONSTANT (1099511628211);
    }
  return hash;
}

/* The set of digests: open addressing with linear probing, at most half
 * full, deletion by backward shift (no tombstones, so lookups stay short
 * however long the session runs). Far cheaper per message than a
 * GHashTable of pointers into the ring, and smaller. A digest of 0, which
 * marks an empty slot, is stored as 1: that only merges two digests out of
 * 2^64. */
static inline guint64
seen_key (guint64 digest)
{
  return digest != 0 ? digest : 1;
}

static inline guint
seen_home (GXmppSession *self,
           guint64       key)
{
  /* Fibonacci hashing: the top bits of the product mix all of the key
   * (FNV-1a's own low bits are weak). */
  return (guint) ((key * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15)) >> self->seen_shift);
}

static gboolean
seen_set_contains (GXmppSession *self,
                   guint64       key)
{
  guint mask = 2 * self->seen_size - 1;

  for (guint i = seen_home (self, key); self->seen_set[i] != 0; i = (i + 1) & mask)
    if (self->seen_set[i] == key)
      return TRUE;
  return FALSE;
}

static void
seen_set_add (GXmppSession *self,
              guint64       key)
{
  guint mask = 2 * self->seen_size - 1;
  guint i = seen_home (self, key);

  while (self->seen_set[i] != 0)
    i = (i + 1) & mask;
  self->seen_set[i] = key;
}

static void
seen_set_remove (GXmppSession *self,
                 guint64       key)
{
  guint mask = 2 * self->seen_size - 1;
  guint i = seen_home (self, key);

  while (self->seen_set[i] != key)
    {
      if (self->seen_set[i] == 0)
        return;
      i = (i + 1) & mask;
    }

  /* Move back every later entry of the run that may sit in the hole:
   * one whose home is not cyclically within (i, j]. */
  for (guint j = (i + 1) & mask; self->seen_set[j] != 0; j = (j + 1) & mask)
    {
      guint home = seen_home (self, self->seen_set[j]);

      if (((j - home) & mask) >= ((j - i) & mask))
        {
          self->seen_set[i] = self->seen_set[j];
          i = j;
        }
    }
  self->seen_set[i] = 0;
}

/* A server may deliver a message again after a failed resumption (it
 * had it in flight, or the session had handled it but not acknowledged
 * it yet: ejabberd and Prosody then store again, for the next session,
 * everything not acknowledged), and the sender may resend one after its
 * own failed resumption: a message whose sender and id were seen among
 * the last SEEN_WINDOW is not dispatched again. Messages without an id
 * are always dispatched. */
static gboolean
seen_before (GXmppSession *self,
             GXmppStanza  *stanza)
{
  const char *id = gxmpp_stanza_get_id (stanza);
  GXmppJid *from;
  guint64 key;
  guint64 *slot;

  if (id == NULL)
    return FALSE;
  from = gxmpp_stanza_get_from (stanza);
  key = seen_key (message_digest (from != NULL ? gxmpp_jid_to_string (from) : "", id));
  if (self->seen_size > 0 && seen_set_contains (self, key))
    return TRUE;

  /* The ring grows as messages come, so that a quiet session stays small;
   * once full, the oldest digest makes room. */
  if (self->seen_len == self->seen_size && self->seen_size < SEEN_WINDOW)
    {
      guint size = MIN (SEEN_WINDOW, MAX (64, self->seen_size * 2));
      guint64 *ring = g_new (guint64, size);

      /* Oldest first in the new ring; the set is rebuilt at its new size. */
      g_free (self->seen_set);
      self->seen_set = g_new0 (guint64, 2 * size);
      self->seen_shift = 64 - g_bit_storage (2 * size - 1);
      self->seen_size = size;
      for (guint i = 0; i < self->seen_len; i++)
        {
          ring[i] = self->seen_ring[(self->seen_next + i) % self->seen_len];
          seen_set_add (self, ring[i]);
        }
      g_free (self->seen_ring);
      self->seen_ring = ring;
      self->seen_next = self->seen_len;
    }
  slot = &self->seen_ring[self->seen_next];
  if (self->seen_len == self->seen_size)
    seen_set_remove (self, *slot);
  else
    self->seen_len++;
  *slot = key;
  seen_set_add (self, key);
  self->seen_next = (self->seen_next + 1) % self->seen_size;
  return FALSE;
}

/* Acknowledgements */

static void
complete_acked (GQueue *acked)
{
  GXmppSmEntry *entry;

  while ((entry = g_queue_pop_head (acked)) != NULL)
    {
      if (entry->task != NULL)
        {
          g_task_return_boolean (entry->task, TRUE);
          g_clear_object (&entry->task);
        }
      gxmpp_sm_entry_free (entry);
    }
}

static void
fail_entry (GXmppSmEntry *entry,
            GError       *error)
{
  if (entry->task != NULL)
    {
      g_task_return_error (entry->task, error);
      g_clear_object (&entry->task);
    }
  else
    g_error_free (error);
  gxmpp_sm_entry_free (entry);
}

/* The session is over: what the server did not confirm never will be. */
static void
fail_queued (GXmppSession *self,
             const GError *reason)
{
  GQueue entries = G_QUEUE_INIT;
  GXmppSmEntry *entry;

  gxmpp_sm_take_all (&self->sm, &entries);
  while ((entry = g_queue_pop_head (&entries)) != NULL)
    fail_entry (entry, g_error_new (GXMPP_ERROR, GXMPP_ERROR_CLOSED,
                                    _("The session closed before the server confirmed the stanza: %s"),
                                    reason->message));
}

static void on_answer_due (GXmppSession *self);

static gboolean
on_answer_due_timeout (gpointer user_data)
{
  GXmppSession *self = user_data;

  g_clear_pointer (&self->answer_due, g_source_unref);
  on_answer_due (self);
  return G_SOURCE_REMOVE;
}

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static GSource *
add_timeout (guint        ms,
             GSourceFunc  func,
             gpointer     data,
             const char  *name)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, NULL);
  g_source_set_name (source, name);
  g_source_attach (source, g_main_context_get_thread_default ());
  return source;
}

/* The server owes an answer (an ack, a pong): if nothing at all comes
 * within ping-timeout, the connection is dead. */
static void
expect_answer (GXmppSession *self)
{
  if (self->answer_due == NULL)
    self->answer_due = add_timeout (gxmpp_session_config_get_ping_timeout (self->config),
                                    on_answer_due_timeout, self, "[gxmpp] answer due");
}

static void
answer_came (GXmppSession *self)
{
  clear_source (&self->answer_due);
}

static void
write_ack_request (GXmppSession *self)
{
  g_autoptr(GXmppNode) r = gxmpp_node_new ("r", GXMPP_NS_SM);

  self->since_request = 0;
  if (gxmpp_stream_write (self->negotiation.stream, r, NULL))
    expect_answer (self);
}

static gboolean
on_ack_request (gpointer user_data)
{
  GXmppSession *self = user_data;

  g_clear_pointer (&self->ack_request, g_source_unref);
  if (self->state == GXMPP_SESSION_STATE_READY && self->sm_enabled && self->since_request > 0)
    write_ack_request (self);
  return G_SOURCE_REMOVE;
}

#define ACK_BATCH 32

/* After a batch of stanzas (all those sent in one turn of the main loop,
 * or ACK_BATCH of them), one <r/>. */
static void
request_ack_soon (GXmppSession *self)
{
  if (++self->since_request >= ACK_BATCH)
    {
      write_ack_request (self);
      return;
    }
  if (self->ack_request != NULL)
    return;
  self->ack_request = g_idle_source_new ();
  g_source_set_priority (self->ack_request, G_PRIORITY_DEFAULT_IDLE);
  g_source_set_callback (self->ack_request, on_ack_request, self, NULL);
  g_source_set_name (self->ack_request, "[gxmpp] request ack");
  g_source_attach (self->ack_request, g_main_context_get_thread_default ());
}

static void
write_ack (GXmppSession *self)
{
  g_autoptr(GXmppNode) a = gxmpp_node_new ("a", GXMPP_NS_SM);
  char h[16];

  g_snprintf (h, sizeof h, "%u", (guint) self->sm.handled);
  gxmpp_node_set_attribute (a, "h", h);
  gxmpp_stream_write (self->negotiation.stream, a, NULL);
}

/* An acknowledgement that claims more than was sent: the stream cannot go
 * on (XEP-0198 section 4), and reconnecting would meet the same server. */
static void
ack_too_high (GXmppSession *self,
              guint32       h,
              GError       *error)
{
  g_autoptr(GXmppNode) element = gxmpp_sm_make_too_high_error (&self->sm, h);
  g_autoptr(GError) owned = error;

  g_debug ("%s", error->message);
  gxmpp_stream_send_error_element (self->negotiation.stream, element);
  gxmpp_stream_close_async (self->negotiation.stream, 1000, NULL, NULL, NULL);
  session_closed (self, owned);
}

static void
handle_sm_element (GXmppSession *self,
                   GXmppNode    *element)
{
  if (gxmpp_node_is (element, "r", NULL))
    write_ack (self);
  else if (gxmpp_node_is (element, "a", NULL))
    {
      GQueue acked = G_QUEUE_INIT;
      GError *error = NULL;
      guint32 h;

      if (!gxmpp_sm_parse_h (gxmpp_node_get_attribute (element, "h"), &h))
        {
          g_debug ("Ignoring an <a/> without a valid 'h'");
          return;
        }
      if (!gxmpp_sm_ack (&self->sm, h, &acked, &error))
        {
          ack_too_high (self, h, error);
          return;
        }
      complete_acked (&acked);
    }
}

/* Liveness */

static void
stop_liveness (GXmppSession *self)
{
  clear_source (&self->ack_request);
  clear_source (&self->whitespace_timer);
  clear_source (&self->ping_timer);
  clear_source (&self->answer_due);
}

static void
on_ping_reply (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GXmppIq) reply = NULL;

  /* Any reply, even an error, shows the connection is alive; answer_came()
   * has seen it. The reply is not for anybody else. */
  reply = gxmpp_session_send_iq_finish_reply (GXMPP_SESSION (source), result, NULL);
}

/* Asks the server for a sign of life: an ack with stream management, a
 * ping otherwise. */
static void
probe (GXmppSession *self)
{
  if (self->state != GXMPP_SESSION_STATE_READY)
    return;
  if (self->sm_enabled)
    write_ack_request (self);
  else
    {
      g_autoptr(GXmppNode) payload = gxmpp_node_new ("ping", GXMPP_NS_PING);
      g_autoptr(GXmppJid) server = gxmpp_jid_new (self->negotiation.domain, NULL);
      g_autoptr(GXmppIq) ping = gxmpp_iq_new (GXMPP_IQ_TYPE_GET, server, payload);

      gxmpp_session_send_iq_async (self, ping, 0, NULL, on_ping_reply, NULL);
      expect_answer (self);
    }
}

static gboolean
on_whitespace_timer (gpointer user_data)
{
  GXmppSession *self = user_data;
  guint64 queued = gxmpp_stream_get_bytes_queued (self->negotiation.stream);

  /* Nothing written for a whole interval: a space keeps the path open. */
  if (queued == self->queued_at_tick)
    {
      gxmpp_stream_write_whitespace (self->negotiation.stream);
      queued++;
    }
  self->queued_at_tick = queued;
  return G_SOURCE_CONTINUE;
}

static gboolean
on_ping_timer (gpointer user_data)
{
  GXmppSession *self = user_data;
  guint64 received = gxmpp_stream_get_bytes_received (self->negotiation.stream);

  /* Nothing heard for a whole interval: is anybody there? */
  if (received == self->received_at_tick && self->answer_due == NULL)
    probe (self);
  self->received_at_tick = received;
  return G_SOURCE_CONTINUE;
}

static void
start_liveness (GXmppSession *self)
{
  guint whitespace = gxmpp_session_config_get_keepalive_interval (self->config);
  guint ping = gxmpp_session_config_get_ping_interval (self->config);

  stop_liveness (self);
  self->queued_at_tick = gxmpp_stream_get_bytes_queued (self->negotiation.stream);
  self->received_at_tick = gxmpp_stream_get_bytes_received (self->negotiation.stream);
  if (whitespace > 0)
    self->whitespace_timer = add_timeout (whitespace, on_whitespace_timer, self, "[gxmpp] keep-alive");
  if (ping > 0)
    self->ping_timer = add_timeout (ping, on_ping_timer, self, "[gxmpp] ping");
}

static void
on_answer_due (GXmppSession *self)
{
  g_autoptr(GXmppSession) hold = g_object_ref (self);
  g_autoptr(GError) error = NULL;

  error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       _("The server did not answer for %u ms: the connection is dead"),
                       gxmpp_session_config_get_ping_timeout (self->config));
  connection_lost (self, error);
}

/* Reconnection */

/* Whether losing the stream for @error is worth reconnecting: the
 * connection failed, or the server went away for a while. A server that
 * closed the stream on purpose, refused the account, or broke the
 * protocol would do the same again. */
static gboolean
is_transient (const GError *error)
{
  if (error->domain == G_IO_ERROR)
    return error->code != G_IO_ERROR_CANCELLED;
  if (error->domain == G_TLS_ERROR || error->domain == G_RESOLVER_ERROR)
    return TRUE;
  if (error->domain == GXMPP_ERROR)
    return error->code == GXMPP_ERROR_CONNECTION_FAILED || error->code == GXMPP_ERROR_NO_SERVICE ||
           error->code == GXMPP_ERROR_TLS_FAILED;
  if (error->domain == GXMPP_STREAM_ERROR)
    switch (error->code)
      {
      case GXMPP_STREAM_ERROR_SYSTEM_SHUTDOWN:
      case GXMPP_STREAM_ERROR_CONNECTION_TIMEOUT:
      case GXMPP_STREAM_ERROR_RESET:
      case GXMPP_STREAM_ERROR_INTERNAL_SERVER_ERROR:
      case GXMPP_STREAM_ERROR_REMOTE_CONNECTION_FAILED:
      case GXMPP_STREAM_ERROR_RESOURCE_CONSTRAINT:
        return TRUE;
      default:
        return FALSE;
      }
  return FALSE;
}

static void
complete_reconnect_tasks (GXmppSession *self,
                          const GError *error)
{
  g_autoptr(GPtrArray) tasks = g_steal_pointer (&self->reconnect_tasks);

  self->reconnect_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < tasks->len; i++)
    {
      if (error != NULL)
        g_task_return_error (tasks->pdata[i], g_error_copy (error));
      else
        g_task_return_boolean (tasks->pdata[i], TRUE);
    }
}

static void
stop_reconnecting (GXmppSession *self)
{
  clear_source (&self->reconnect_timer);
  clear_source (&self->attempt_timeout);
  if (self->attempt_cancellable != NULL)
    g_cancellable_cancel (self->attempt_cancellable);
  if (self->monitor != NULL)
    {
      g_signal_handler_disconnect (self->monitor, self->monitor_handler);
      self->monitor_handler = 0;
      g_clear_object (&self->monitor);
    }
}

static void start_attempt (GXmppSession *self);

static gboolean
on_reconnect_timer (gpointer user_data)
{
  GXmppSession *self = user_data;

  g_clear_pointer (&self->reconnect_timer, g_source_unref);
  start_attempt (self);
  return G_SOURCE_REMOVE;
}

/* The next attempt, after the policy's delay; the last failure says why
 * the session gives up if the policy does. */
static void
schedule_attempt (GXmppSession *self,
                  const GError *last_error)
{
  GXmppReconnectPolicy *policy = gxmpp_session_config_get_reconnect (self->config);
  guint max_attempts;
  guint delay;

  if (policy == NULL)
    return;
  max_attempts = gxmpp_reconnect_policy_get_max_attempts (policy);
  if (max_attempts > 0 && self->attempt >= max_attempts)
    {
      g_autoptr(GError) error = g_error_new (GXMPP_ERROR, GXMPP_ERROR_CONNECTION_FAILED,
                                             _("Could not reconnect after %u attempts: %s"),
                                             self->attempt, last_error->message);

      session_closed (self, error);
      return;
    }

  delay = gxmpp_reconnect_policy_get_delay (policy, self->attempt + 1);
  g_debug ("Reconnecting in %u ms", delay);
  self->reconnect_timer = add_timeout (delay, on_reconnect_timer, self, "[gxmpp] reconnect");
}

static void
on_network_changed (GNetworkMonitor *monitor,
                    gboolean         available,
                    gpointer         user_data)
{
  GXmppSession *self = user_data;

  if (!available)
    return;
  /* A new network: waiting is pointless, and the old path may be dead. */
  if (self->reconnect_timer != NULL)
    {
      g_debug ("The network changed: reconnecting now");
      clear_source (&self->reconnect_timer);
      start_attempt (self);
    }
  else if (self->state == GXMPP_SESSION_STATE_READY && self->answer_due == NULL)
    probe (self);
}

static void
watch_network (GXmppSession *self)
{
  GNetworkMonitor *monitor = gxmpp_session_config_get_network_monitor (self->config);

  if (self->monitor != NULL)
    return;
  self->monitor = g_object_ref (monitor != NULL ? monitor : g_network_monitor_get_default ());
  self->monitor_handler = g_signal_connect (self->monitor, "network-changed",
                                            G_CALLBACK (on_network_changed), self);
}

/* The connection is gone but the session is not over. */
static void
connection_lost (GXmppSession *self,
                 const GError *reason)
{
  g_autoptr(GXmppSession) hold = g_object_ref (self);

  if (self->state != GXMPP_SESSION_STATE_READY)
    return;

  g_debug ("Lost the connection: %s", reason->message);
  stop_liveness (self);
  gxmpp_stream_stop_receiving (self->negotiation.stream);
  gxmpp_stream_close_async (self->negotiation.stream, 0, NULL, NULL, NULL);

  self->attempt = 0;
  set_state (self, GXMPP_SESSION_STATE_DISCONNECTED);
  g_signal_emit (self, signals[SIGNAL_DISCONNECTED], 0, reason);
  if (self->state == GXMPP_SESSION_STATE_DISCONNECTED && self->reconnect_timer == NULL &&
      self->attempt_cancellable == NULL)
    schedule_attempt (self, reason);
}

static gboolean
on_attempt_timeout (gpointer user_data)
{
  GXmppSession *self = user_data;

  g_clear_pointer (&self->attempt_timeout, g_source_unref);
  self->attempt_timed_out = TRUE;
  g_cancellable_cancel (self->attempt_cancellable);
  return G_SOURCE_REMOVE;
}

/* XEP-0203: when a stanza is sent late, it says when it was meant to go. */
static void
add_delay (GXmppNode *node,
           gint64     when)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (when / G_USEC_PER_SEC);
  g_autofree char *date = NULL;
  g_autofree char *stamp = NULL;
  GXmppNode *delay;

  if (time == NULL || gxmpp_node_get_child (node, "delay", GXMPP_NS_DELAY) != NULL)
    return;
  date = g_date_time_format (time, "%Y-%m-%dT%H:%M:%S");
  stamp = g_strdup_printf ("%s.%03dZ", date, (int) ((when % G_USEC_PER_SEC) / 1000));
  delay = gxmpp_node_add_child (node, "delay", GXMPP_NS_DELAY);
  gxmpp_node_set_attribute (delay, "stamp", stamp);
}

/* A fresh stream after a lost one that could not be resumed. The server
 * confirmed what its <failed h='...'/> says; of the rest:
 * - IQ requests are not sent again (a set may not be safe to repeat):
 *   their send_iq_async() and send_async() fail with
 *   GXMPP_ERROR_CONNECTION_LOST, and so do all IQs waiting for replies;
 * - the broadcast presence gives way to the last one, sent first;
 * - everything else goes again, in order, with its id, messages with a
 *   <delay/> saying when they were sent first; the receiving side drops
 *   the ones it did get (see seen_before()). */
static void
resend_unconfirmed (GXmppSession *self,
                    gboolean      have_h,
                    guint32       h)
{
  GQueue entries = G_QUEUE_INIT;
  GQueue acked = G_QUEUE_INIT;
  GQueue requests = G_QUEUE_INIT;
  GXmppSmEntry *entry;
  g_autoptr(GError) lost = g_error_new_literal (GXMPP_ERROR, GXMPP_ERROR_CONNECTION_LOST,
                                                _("The connection was lost, and with it the stream: "
                                                  "the request may or may not have arrived"));

  /* First the counters of the new stream, and everything written, before
   * any of the application's callbacks runs: what those send goes after,
   * counted on the new stream. */
  if (have_h && !gxmpp_sm_ack (&self->sm, h, &acked, NULL))
    g_debug ("Ignoring the 'h' of <failed/>: more than was sent");
  gxmpp_sm_take_all (&self->sm, &entries);

  if (self->last_presence != NULL && gxmpp_node_get_attribute (self->last_presence, "type") == NULL)
    {
      g_autoptr(GXmppNode) presence = gxmpp_node_ref (self->last_presence);

      send_node (self, presence, NULL, NULL);
    }

  while ((entry = g_queue_pop_head (&entries)) != NULL)
    {
      const char *type = gxmpp_node_get_attribute (entry->node, "type");

      if (gxmpp_node_is (entry->node, "iq", NULL) &&
          (g_strcmp0 (type, "get") == 0 || g_strcmp0 (type, "set") == 0))
        g_queue_push_tail (&requests, entry);
      else if (is_broadcast_presence (entry->node))
        /* Superseded by the last presence, sent above. */
        g_queue_push_tail (&acked, entry);
      else
        {
          g_autoptr(GError) error = NULL;

          if (entry->written && gxmpp_node_is (entry->node, "message", NULL))
            add_delay (entry->node, entry->queued_at);
          if (!send_node (self, entry->node, g_steal_pointer (&entry->task), &error))
            g_debug ("Could not send a stanza again: %s", error->message);
          gxmpp_sm_entry_free (entry);
        }
    }

  complete_acked (&acked);
  while ((entry = g_queue_pop_head (&requests)) != NULL)
    fail_entry (entry, g_error_copy (lost));
  fail_pending_iqs (self, lost);
}

/* Writes what waits in the queue, in order, before anything new. */
static void
flush_unwritten (GXmppSession *self)
{
  GXmppSmEntry *entry;

  while ((entry = gxmpp_sm_next_unwritten (&self->sm)) != NULL)
    {
      if (!gxmpp_stream_write (self->negotiation.stream, entry->node, NULL))
        return;
      gxmpp_sm_wrote (&self->sm, entry);
    }
  if (self->sm.sent != self->sm.acked)
    write_ack_request (self);
}

/* A stream is ready (the first, or after reconnecting): take over what
 * the negotiation found out. */
static void
stream_ready (GXmppSession *self)
{
  self->generation++;
  self->was_ready = TRUE;
  if (self->negotiation.jid != NULL)
    {
      g_clear_pointer (&self->bound_jid, gxmpp_jid_unref);
      self->bound_jid = gxmpp_jid_ref (self->negotiation.jid);
    }
  self->sm_enabled = self->negotiation.sm_enabled;
  g_clear_pointer (&self->sm_id, g_free);
  self->sm_id = g_strdup (self->negotiation.sm_id);
  self->since_request = 0;
  start_liveness (self);
  watch_network (self);
}

static void
on_reconnected (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GXmppSession) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean resumed;

  clear_source (&self->attempt_timeout);
  g_clear_object (&self->attempt_cancellable);

  if (!gxmpp_negotiate_finish (result, &error))
    {
      if (self->closed_emitted || self->closing_by_us)
        return;
      if (self->attempt_timed_out)
        {
          g_clear_error (&error);
          error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                               _("Connecting to %s took longer than %u ms"), self->domain,
                               gxmpp_stream_config_get_connect_timeout (self->negotiation.stream_config));
        }
      g_debug ("Reconnecting failed: %s", error->message);
      /* A server closing the stream while the session negotiates is going
       * away (shutting down), not refusing the account. */
      if (!is_transient (error) && !g_error_matches (error, GXMPP_ERROR, GXMPP_ERROR_CLOSED))
        {
          session_closed (self, error);
          return;
        }
      set_state (self, GXMPP_SESSION_STATE_DISCONNECTED);
      complete_reconnect_tasks (self, error);
      schedule_attempt (self, error);
      return;
    }

  if (self->closed_emitted || self->closing_by_us)
    {
      gxmpp_stream_close_async (self->negotiation.stream, 1000, NULL, NULL, NULL);
      return;
    }

  resumed = self->negotiation.sm_resumed;
  self->attempt = 0;
  if (resumed)
    {
      GQueue acked = G_QUEUE_INIT;

      if (!gxmpp_sm_resumed (&self->sm, self->negotiation.sm_h, &acked, &error))
        {
          ack_too_high (self, self->negotiation.sm_h, g_steal_pointer (&error));
          return;
        }
      stream_ready (self);
      complete_acked (&acked);
      set_state (self, GXMPP_SESSION_STATE_READY);
      flush_unwritten (self);
    }
  else
    {
      gboolean had_h = self->negotiation.sm_have_h;
      guint32 h = self->negotiation.sm_h;

      stream_ready (self);
      /* Handlers of notify::state run once everything is resent. */
      g_object_freeze_notify (G_OBJECT (self));
      set_state (self, GXMPP_SESSION_STATE_READY);
      resend_unconfirmed (self, had_h, h);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_JID]);
      g_object_thaw_notify (G_OBJECT (self));
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FEATURES]);

  if (self->state != GXMPP_SESSION_STATE_READY)
    return;
  g_debug ("Reconnected (%s)", resumed ? "resumed" : "a fresh stream");
  /* Before anything received on the new stream: a fresh one starts with
   * the application forgetting what the old one told it (presence). */
  g_signal_emit (self, signals[SIGNAL_RECONNECTED], 0, resumed);
  if (self->state != GXMPP_SESSION_STATE_READY)
    return;
  complete_reconnect_tasks (self, NULL);
  if (self->state == GXMPP_SESSION_STATE_READY)
    start_receiving (self);
}

static void
start_attempt (GXmppSession *self)
{
  guint timeout;

  g_return_if_fail (self->attempt_cancellable == NULL);

  self->attempt++;
  gxmpp_negotiation_reset (&self->negotiation, self->bound_jid, self->sm_id, self->sm.handled);
  self->negotiation.sm_wanted = gxmpp_session_config_get_stream_management (self->config);
  /* The queue keeps its counts until the server says what it has
   * (gxmpp_sm_resumed(), or resend_unconfirmed() on a fresh stream). */
  self->sm_enabled = FALSE;

  self->attempt_cancellable = g_cancellable_new ();
  self->attempt_timed_out = FALSE;
  timeout = gxmpp_stream_config_get_connect_timeout (self->negotiation.stream_config);
  if (timeout > 0)
    self->attempt_timeout = add_timeout (timeout, on_attempt_timeout, self, "[gxmpp] reconnect timeout");

  g_debug ("Reconnecting (attempt %u%s)", self->attempt, self->sm_id != NULL ? ", resuming" : "");
  set_state (self, self->sm_id != NULL ? GXMPP_SESSION_STATE_RESUMING : GXMPP_SESSION_STATE_CONNECTING);
  gxmpp_negotiate_async (&self->negotiation, self->attempt_cancellable, on_reconnected,
                         g_object_ref (self));
}

/**
 * gxmpp_session_reconnect_async:
 * @session: a session
 * @cancellable: (nullable): a #GCancellable; cancelling stops the wait,
 *   not the attempt
 * @callback: called when the session is ready again, or the attempt failed
 * @user_data: data for @callback
 *
 * Tries to reconnect a session that lost its connection now, without
 * waiting for the next attempt its [property@GXmpp.SessionConfig:reconnect]
 * policy would make (a "Retry now" button), or at all when the session has
 * no policy. Completes when the session is ready again (at once if it is
 * ready), or with the error of the attempt, after which the policy goes
 * on as before. Fails with %GXMPP_ERROR_CLOSED for a closed session and
 * %GXMPP_ERROR_NOT_READY for one that was never ready.
 */
void
gxmpp_session_reconnect_async (GXmppSession        *session,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (GXMPP_IS_SESSION (session));

  task = g_task_new (session, cancellable, callback, user_data);
  g_task_set_source_tag (task, gxmpp_session_reconnect_async);
  g_task_set_name (task, "[gxmpp] reconnect");
  g_task_set_check_cancellable (task, TRUE);

  if (session->state == GXMPP_SESSION_STATE_READY && !session->closing_by_us)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (!is_reconnecting (session))
    {
      check_ready (session, &error);
      g_task_return_error (task, error);
      return;
    }

  g_ptr_array_add (session->reconnect_tasks, g_steal_pointer (&task));
  if (session->attempt_cancellable == NULL)
    {
      clear_source (&session->reconnect_timer);
      start_attempt (session);
    }
}

/**
 * gxmpp_session_reconnect_finish:
 * @session: a session
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@GXmpp.Session.reconnect_async].
 *
 * Returns: %TRUE if the session is ready again
 */
gboolean
gxmpp_session_reconnect_finish (GXmppSession  *session,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, session), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gxmpp_session_reconnect_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Closing */

static void
on_closed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GXmppSession *self = g_task_get_source_object (task);

  gxmpp_stream_close_finish (GXMPP_STREAM (source), result, NULL);
  session_closed (self, NULL);
  g_task_return_boolean (task, TRUE);
}

/**
 * gxmpp_session_close_async:
 * @session: a session
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the session is closed
 * @user_data: data for @callback
 *
 * Closes the session: sends the closing tag, waits up to five seconds for
 * the server's, and closes the connection; a session that lost its
 * connection stops reconnecting. [signal@GXmpp.Session::closed] is emitted
 * with no reason, and stanzas the server has not confirmed fail with
 * %GXMPP_ERROR_CLOSED. Closing a closed session succeeds at once.
 */
void
gxmpp_session_close_async (GXmppSession        *session,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (GXMPP_IS_SESSION (session));

  task = g_task_new (session, cancellable, callback, user_data);
  g_task_set_source_tag (task, gxmpp_session_close_async);
  g_task_set_name (task, "[gxmpp] close session");

  if (is_reconnecting (session))
    {
      /* Between two streams: nothing to say goodbye on. */
      session->closing_by_us = TRUE;
      session_closed (session, NULL);
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (session->state != GXMPP_SESSION_STATE_READY || session->closing_by_us)
    {
      if (session->state == GXMPP_SESSION_STATE_CONNECTING)
        g_cancellable_cancel (session->cancellable);
      g_task_return_boolean (task, TRUE);
      return;
    }

  session->closing_by_us = TRUE;
  set_state (session, GXMPP_SESSION_STATE_CLOSING);
  /* XEP-0198 recommends a last ack before closing. */
  if (session->sm_enabled)
    write_ack (session);
  gxmpp_stream_close_async (session->negotiation.stream, CLOSE_TIMEOUT_MS, NULL,
                            on_closed, g_steal_pointer (&task));
}

/**
 * gxmpp_session_close_finish:
 * @session: a session
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@GXmpp.Session.close_async].
 *
 * Returns: %TRUE when the session is closed
 */
gboolean
gxmpp_session_close_finish (GXmppSession  *session,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, session), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gxmpp_session_close_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
