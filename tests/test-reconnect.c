/* test-reconnect.c: stream management, resumption and reconnection against
 * real servers, through a proxy that cuts, blackholes and refuses
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <xmpp-glib/xmpp-glib.h>

#include "fault-proxy.h"
#include "gxmpp-test-server.h"
#include "session-helpers.h"
#include "test-wait.h"

/* An account's session, and what its application saw. */
typedef struct {
  char *name;
  GXmppSession *session;
  GXmppFaultProxy *proxy;      /* between it and the server, or NULL */
  SessionWatch watch;
  GPtrArray *bodies;           /* char *: the bodies of messages received, in order */
  guint next_expected;         /* stress: the next message number from the peer */
  guint last_live;             /* stress: the last without a <delay/>, and with one */
  guint last_delayed;
  guint8 *seen;                /* stress: how often each number came */
  guint duplicates;
  guint flow_out_of_order;     /* stress: out of order within its flow */
  guint stress_total;          /* stress: numbers go up to this, excluded */
  guint received;              /* stress: messages received */
  guint out_of_order;          /* stress: messages not the one expected */
  guint sent;                  /* stress: messages sent */
  guint confirmed;             /* stress: send_async completed with success */
  guint failed;                /* stress: send_async failed */
  guint bounced;               /* stress: error replies to messages sent */
  guint in_flight;
} Peer;

static gboolean
on_message (GXmppSession *session,
            GXmppMessage *message,
            gpointer      user_data)
{
  Peer *peer = user_data;
  const char *body = gxmpp_message_get_body (message, NULL);

  if (body != NULL)
    g_ptr_array_add (peer->bodies, g_strdup (body));
  return FALSE;
}

static GXmppSessionConfig *
config_for (GXmppTestServer *server,
            GXmppFaultProxy *proxy)
{
  GXmppSessionConfig *config = session_config_for_server (server, GXMPP_TLS_POLICY_REQUIRE, 20000);
  g_autoptr(GXmppReconnectPolicy) policy = gxmpp_reconnect_policy_new_full (50, 1000, 2.0, 0.5, 0);

  if (proxy != NULL)
    {
      g_autoptr(GSocketConnectable) address = gxmpp_fault_proxy_get_address (proxy);

      gxmpp_stream_config_set_server_address (gxmpp_session_config_get_stream_config (config), address);
    }
  gxmpp_session_config_set_reconnect (config, policy);
  return config;
}

static void
send_presence (GXmppSession *session)
{
  g_autoptr(GXmppPresence) presence = gxmpp_presence_new (GXMPP_PRESENCE_TYPE_AVAILABLE, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (gxmpp_session_send (session, GXMPP_STANZA (presence), &error));
  g_assert_no_error (error);
}

/* Connects @name (through a new proxy if @via_proxy) with @config (NULL:
 * config_for()), and sends the initial presence. */
static Peer *
peer_connect_as (GXmppTestServer    *server,
                 const char         *name,
                 const char         *resource,
                 gboolean            via_proxy,
                 GXmppSessionConfig *config)
{
  Peer *peer = g_new0 (Peer, 1);
  g_autoptr(GXmppAuth) auth = gxmpp_auth_new_password (name, gxmpp_test_server_get_password (server, name));
  g_autoptr(GXmppSessionConfig) own = NULL;
  g_autoptr(GError) error = NULL;
  SessionConnectResult out = { 0 };

  peer->name = g_strdup (name);
  peer->bodies = g_ptr_array_new_with_free_func (g_free);
  if (via_proxy)
    {
      peer->proxy = gxmpp_fault_proxy_new (gxmpp_test_server_get_host (server),
                                           gxmpp_test_server_get_port (server), &error);
      g_assert_no_error (error);
    }
  if (config == NULL)
    config = own = config_for (server, peer->proxy);
  else if (peer->proxy != NULL)
    {
      g_autoptr(GSocketConnectable) address = gxmpp_fault_proxy_get_address (peer->proxy);

      gxmpp_stream_config_set_server_address (gxmpp_session_config_get_stream_config (config), address);
    }

  gxmpp_auth_set_resource (auth, resource);
  gxmpp_session_new_async (gxmpp_test_server_get_domain (server), config, auth, NULL,
                           session_connect_cb, &out);
  WAIT_UNTIL (out.done);
  g_assert_no_error (out.error);
  peer->session = out.session;
  session_watch (&peer->watch, peer->session);
  g_signal_connect (peer->session, "message", G_CALLBACK (on_message), peer);
  send_presence (peer->session);
  return peer;
}

static Peer *
peer_connect (GXmppTestServer    *server,
              const char         *name,
              gboolean            via_proxy,
              GXmppSessionConfig *config)
{
  return peer_connect_as (server, name, "test", via_proxy, config);
}

static void
peer_free (Peer *peer)
{
  if (gxmpp_session_get_state (peer->session) != GXMPP_SESSION_STATE_CLOSED)
    {
      gboolean done = FALSE;

      gxmpp_session_close_async (peer->session, NULL, session_close_cb, &done);
      WAIT_UNTIL (done);
    }
  g_signal_handlers_disconnect_by_data (peer->session, peer);
  g_signal_handlers_disconnect_by_data (peer->session, &peer->watch);
  g_object_unref (peer->session);
  session_watch_clear (&peer->watch);
  g_clear_pointer (&peer->proxy, gxmpp_fault_proxy_free);
  g_ptr_array_unref (peer->bodies);
  g_free (peer->seen);
  g_free (peer->name);
  g_free (peer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Peer, peer_free)

static GXmppJid *
bare_of (GXmppTestServer *server,
         const char      *name)
{
  return gxmpp_jid_new (gxmpp_test_server_get_jid (server, name), NULL);
}

static void
send_chat (Peer       *from,
           GXmppJid   *to,
           const char *body,
           SessionSendResult *result)
{
  g_autoptr(GXmppMessage) message = gxmpp_message_new (GXMPP_MESSAGE_TYPE_CHAT, to);

  gxmpp_message_set_body (message, NULL, body);
  if (result != NULL)
    gxmpp_session_send_async (from->session, GXMPP_STANZA (message), NULL, session_send_cb, result);
  else
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (gxmpp_session_send (from->session, GXMPP_STANZA (message), &error));
      g_assert_no_error (error);
    }
}

static void
assert_bodies (Peer  *peer,
               guint  first,
               guint  last)
{
  g_assert_cmpuint (peer->bodies->len, ==, last - first + 1);
  for (guint i = first; i <= last; i++)
    {
      g_autofree char *expected = g_strdup_printf ("%u", i);

      g_assert_cmpstr (peer->bodies->pdata[i - first], ==, expected);
    }
}

static void
assert_state_seen (Peer              *peer,
                   GXmppSessionState  state)
{
  for (guint i = 0; i < peer->watch.states->len; i++)
    if (g_array_index (peer->watch.states, GXmppSessionState, i) == state)
      return;
  g_error ("%s never was in state %d", peer->name, state);
}

static const char * const smacks_options[] = { "--smacks", "--offline", NULL };
/* Prosody drops the oldest unacked stanzas of a session beyond its queue
 * size (500 by default): the stress run sends faster than that. */
static const char * const stress_options[] = { "--smacks", "--offline", "--smacks-queue", "20000", NULL };

/* The proxy cuts alice's connection (no FIN): she resumes the stream.
 * What bob sent meanwhile arrives once and in order, what she sent
 * meanwhile reaches bob, and her send_async completes once the server has
 * acknowledged it. */
static void
test_resume_after_cut (void)
{
  g_autoptr(GXmppTestServer) server = gxmpp_test_server_start_or_skip ("prosody", smacks_options);
  g_autoptr(Peer) alice = NULL;
  g_autoptr(Peer) bob = NULL;
  g_autoptr(GXmppJid) alice_jid = NULL;
  g_autoptr(GXmppJid) bob_jid = NULL;
  SessionSendResult sent = { 0 };

  if (server == NULL)
    return;
  alice = peer_connect (server, "alice", TRUE, NULL);
  bob = peer_connect (server, "bob", FALSE, NULL);
  alice_jid = bare_of (server, "alice");
  bob_jid = bare_of (server, "bob");

  for (guint i = 1; i <= 5; i++)
    {
      g_autofree char *body = g_strdup_printf ("%u", i);

      send_chat (bob, alice_jid, body, NULL);
    }
  WAIT_UNTIL (alice->bodies->len == 5);

  gxmpp_fault_proxy_cut (alice->proxy);
  for (guint i = 6; i <= 10; i++)
    {
      g_autofree char *body = g_strdup_printf ("%u", i);

      send_chat (bob, alice_jid, body, NULL);
    }
  send_chat (alice, bob_jid, "from alice", &sent);
  WAIT_UNTIL (alice->watch.reconnected == 1 && alice->bodies->len == 10 && sent.done &&
              bob->bodies->len == 1);

  g_assert_cmpuint (alice->watch.disconnected, ==, 1);
  g_assert_cmpuint (alice->watch.resumed, ==, 1);
  assert_state_seen (alice, GXMPP_SESSION_STATE_DISCONNECTED);
  assert_state_seen (alice, GXMPP_SESSION_STATE_RESUMING);
  g_assert_cmpint (gxmpp_session_get_state (alice->session), ==, GXMPP_SESSION_STATE_READY);
  g_assert_no_error (sent.error);
  assert_bodies (alice, 1, 10);
  g_assert_cmpstr (bob->bodies->pdata[0], ==, "from alice");
  g_assert_cmpuint (bob->watch.disconnected, ==, 0);
}

static void
on_roster_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  SessionSendResult *out = user_data;

  if (g_task_get_source_tag (G_TASK (result)) == gxmpp_roster_fetch_async)
    out->ok = gxmpp_roster_fetch_finish (GXMPP_ROSTER (source), result, &out->error);
  else
    out->ok = gxmpp_roster_add_finish (GXMPP_ROSTER (source), result, &out->error);
  out->done = TRUE;
}

static void
roster_add (GXmppRoster *roster,
            const char  *address)
{
  g_autoptr(GXmppJid) jid = gxmpp_jid_new (address, NULL);
  SessionSendResult out = { 0 };

  gxmpp_roster_add_async (roster, jid, NULL, NULL, NULL, on_roster_done, &out);
  WAIT_UNTIL (out.done);
  g_assert_no_error (out.error);
}

static gboolean
roster_has (GXmppRoster *roster,
            const char  *address)
{
  g_autoptr(GXmppJid) jid = gxmpp_jid_new (address, NULL);
  g_autoptr(GXmppRosterItem) item = gxmpp_roster_lookup (roster, jid);

  return item != NULL;
}

/* Alice's roster follows changes another of her resources makes while
 * her connection is down: on a resumed stream through the pushes the
 * server kept for her, on a fresh one (the server forgot the stream) by
 * fetching itself again. */
static void
test_roster_after_reconnecting (void)
{
  const char * const options[] = { "--smacks", "--resume-timeout", "1", NULL };
  g_autoptr(GXmppTestServer) server = gxmpp_test_server_start_or_skip ("prosody", options);
  g_autoptr(Peer) alice = NULL;
  g_autoptr(Peer) other = NULL;
  g_autoptr(GXmppRoster) roster = NULL;
  g_autoptr(GXmppRoster) other_roster = NULL;
  SessionSendResult fetched = { 0 };
  gint64 until;

  if (server == NULL)
    return;
  alice = peer_connect (server, "alice", TRUE, NULL);
  other = peer_connect_as (server, "alice", "other", FALSE, NULL);
  roster = gxmpp_roster_new (alice->session, NULL);
  other_roster = gxmpp_roster_new (other->session, NULL);
  gxmpp_roster_fetch_async (roster, NULL, on_roster_done, &fetched);
  WAIT_UNTIL (fetched.done);
  g_assert_no_error (fetched.error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (roster)), ==, 0);

  /* A short cut: the stream is resumed, the push comes with it. */
  gxmpp_fault_proxy_set_refuse (alice->proxy, TRUE);
  gxmpp_fault_proxy_cut (alice->proxy);
  WAIT_UNTIL (alice->watch.disconnected == 1);
  roster_add (other_roster, "dave@localhost");
  gxmpp_fault_proxy_set_refuse (alice->proxy, FALSE);
  WAIT_UNTIL (alice->watch.reconnected == 1 && roster_has (roster, "dave@localhost"));
  g_assert_cmpuint (alice->watch.resumed, ==, 1);

  /* A long one: the server gives up the stream (and the push) after a
   * second; the fresh stream brings the roster again. */
  gxmpp_fault_proxy_set_refuse (alice->proxy, TRUE);
  gxmpp_fault_proxy_cut (alice->proxy);
  WAIT_UNTIL (alice->watch.disconnected == 2);
  roster_add (other_roster, "carol@localhost");
  until = g_get_monotonic_time () + 2500 * 1000;
  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, TRUE);
  gxmpp_fault_proxy_set_refuse (alice->proxy, FALSE);
  WAIT_UNTIL (alice->watch.reconnected == 2 && roster_has (roster, "carol@localhost"));
  g_assert_cmpuint (alice->watch.resumed, ==, 1);
  g_assert_true (roster_has (roster, "dave@localhost"));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (roster)), ==, 2);
}

/* The stress run: two accounts exchange messages (each sends half)
 * while the proxies cut their connections at random points and the
 * server restarts; in the end each side's application has seen every
 * message of the other exactly once, in order, and every send_async has
 * completed with success. */

#define IN_FLIGHT 64

typedef struct {
  Peer *from;
  GXmppJid *to;
  char prefix;
} Pump;

static void
on_stress_sent (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Peer *peer = user_data;
  g_autoptr(GError) error = NULL;

  peer->in_flight--;
  if (gxmpp_session_send_finish (GXMPP_SESSION (source), result, &error))
    peer->confirmed++;
  else
    {
      g_test_message ("%s: a message failed: %s", peer->name, error->message);
      peer->failed++;
    }
}

static gboolean
on_stress_message (GXmppSession *session,
                   GXmppMessage *message,
                   gpointer      user_data)
{
  Peer *peer = user_data;
  const char *body = gxmpp_message_get_body (message, NULL);
  GXmppNode *delay;
  guint64 n = 0;

  if (body == NULL || !g_ascii_string_to_unsigned (body, 10, 1, G_MAXUINT, &n, NULL))
    return FALSE;
  /* The server gave up a message of this peer's (it bounces what it
   * could not deliver): not one from the other peer. */
  if (gxmpp_message_get_message_type (message) == GXMPP_MESSAGE_TYPE_ERROR)
    {
      if (peer->bounced < 10)
        g_test_message ("%s: message %" G_GUINT64_FORMAT " came back as an error", peer->name, n);
      peer->bounced++;
      return TRUE;
    }
  peer->received++;
  if (n >= peer->stress_total || peer->seen[n]++ > 0)
    {
      if (peer->duplicates < 10)
        g_test_message ("%s: got message %" G_GUINT64_FORMAT " again", peer->name, n);
      peer->duplicates++;
      return TRUE;
    }
  if (n != peer->next_expected)
    {
      if (peer->out_of_order < 10)
        g_test_message ("%s: got message %" G_GUINT64_FORMAT ", expected %u", peer->name, n,
                        peer->next_expected);
      peer->out_of_order++;
    }
  /* The first number not seen yet. */
  while (peer->next_expected < peer->stress_total && peer->seen[peer->next_expected])
    peer->next_expected++;
  /* Each of the flows in order: what came live (or resent by the sender,
   * with a XEP-0203 <delay/> without 'from'), and what the server kept and
   * delivered later (with a <delay/> from the server). */
  delay = gxmpp_node_get_child (gxmpp_stanza_get_node (GXMPP_STANZA (message)), "delay", GXMPP_NS_DELAY);
  if (delay != NULL && gxmpp_node_get_attribute (delay, "from") != NULL)
    {
      if (n < peer->last_delayed)
        peer->flow_out_of_order++;
      peer->last_delayed = n;
    }
  else
    {
      if (n < peer->last_live)
        peer->flow_out_of_order++;
      peer->last_live = n;
    }
  return TRUE;
}

static void
pump (Pump  *pump,
      guint  total)
{
  while (pump->from->in_flight < IN_FLIGHT && pump->from->sent < total)
    {
      g_autoptr(GXmppMessage) message = gxmpp_message_new (GXMPP_MESSAGE_TYPE_CHAT, pump->to);
      g_autofree char *body = g_strdup_printf ("%u", pump->from->sent + 1);
      g_autofree char *id = g_strdup_printf ("%c-%05u", pump->prefix, pump->from->sent + 1);

      gxmpp_stanza_set_id (GXMPP_STANZA (message), id);
      gxmpp_message_set_body (message, NULL, body);
      pump->from->sent++;
      pump->from->in_flight++;
      gxmpp_session_send_async (pump->from->session, GXMPP_STANZA (message), NULL,
                                on_stress_sent, pump->from);
    }
}

static gboolean
on_tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

typedef struct {
  guint at;          /* when so many messages have been sent in all */
  gboolean restart;
  gboolean alice;    /* whose connection is cut */
  guint64 after;     /* cut after so many more bytes (0: at once) */
  GXmppFaultProxyDirection direction;
} Fault;

static int
compare_faults (gconstpointer a,
                gconstpointer b)
{
  return (int) ((const Fault *) a)->at - (int) ((const Fault *) b)->at;
}

static void
stress (const char         *kind,
        const char * const *options,
        guint               total,
        guint               n_cuts,
        guint               n_restarts,
        guint               outage_ms,
        gboolean            strict_order)
{
  g_autoptr(GXmppTestServer) server = gxmpp_test_server_start_or_skip (kind, options);
  g_autoptr(Peer) alice = NULL;
  g_autoptr(Peer) bob = NULL;
  g_autoptr(GXmppJid) alice_jid = NULL;
  g_autoptr(GXmppJid) bob_jid = NULL;
  g_autoptr(GArray) faults = g_array_new (FALSE, TRUE, sizeof (Fault));
  guint half = total / 2;
  guint next_fault = 0;
  Peer *pending = NULL;
  guint pending_before = 0;
  gint64 start, deadline, last_progress;
  guint last_received = 0;
  GSource *tick;
  Pump to_bob, to_alice;

  if (server == NULL)
    return;
  alice = peer_connect (server, "alice", TRUE, NULL);
  bob = peer_connect (server, "bob", TRUE, NULL);
  alice_jid = bare_of (server, "alice");
  bob_jid = bare_of (server, "bob");
  alice->next_expected = bob->next_expected = 1;
  alice->stress_total = bob->stress_total = half + 1;
  alice->seen = g_new0 (guint8, half + 1);
  bob->seen = g_new0 (guint8, half + 1);
  g_signal_connect (alice->session, "message", G_CALLBACK (on_stress_message), alice);
  g_signal_connect (bob->session, "message", G_CALLBACK (on_stress_message), bob);

  for (guint i = 0; i < n_cuts + n_restarts; i++)
    {
      Fault fault = { 0 };

      fault.restart = i < n_restarts;
      fault.at = fault.restart ? (i + 1) * total / (n_restarts + 1)
                               : (guint) g_test_rand_int_range (total / 50, total - total / 50);
      fault.alice = g_test_rand_bit ();
      fault.after = g_test_rand_bit () ? (guint64) g_test_rand_int_range (1, 4000) : 0;
      fault.direction = g_test_rand_bit () ? GXMPP_FAULT_PROXY_CLIENT_TO_SERVER
                                           : GXMPP_FAULT_PROXY_SERVER_TO_CLIENT;
      g_array_append_val (faults, fault);
    }
  g_array_sort (faults, compare_faults);

  to_bob = (Pump) { alice, bob_jid, 'a' };
  to_alice = (Pump) { bob, alice_jid, 'b' };
  tick = g_timeout_source_new (20);
  g_source_set_callback (tick, on_tick, NULL, NULL);
  g_source_attach (tick, NULL);

  start = last_progress = g_get_monotonic_time ();
  deadline = start + 400 * G_USEC_PER_SEC;
  while (alice->received < half || bob->received < half ||
         alice->confirmed + alice->failed < half || bob->confirmed + bob->failed < half ||
         next_fault < faults->len || pending != NULL)
    {
      if (alice->watch.closed || bob->watch.closed)
        g_error ("%s: a session closed: %s", kind,
                 (alice->watch.closed ? alice : bob)->watch.reason != NULL
                   ? (alice->watch.closed ? alice : bob)->watch.reason->message : "(by the test)");
      /* Everything confirmed and nothing more arriving: something is lost. */
      if (alice->received + bob->received != last_received)
        {
          last_received = alice->received + bob->received;
          last_progress = g_get_monotonic_time ();
        }
      if (alice->confirmed == half && bob->confirmed == half && next_fault == faults->len &&
          g_get_monotonic_time () - last_progress > 30 * G_USEC_PER_SEC)
        deadline = 0;
      if (g_get_monotonic_time () > deadline)
        g_error ("%s: after %.0f s: alice sent %u (%u confirmed, %u failed), got %u; "
                 "bob sent %u (%u confirmed, %u failed), got %u", kind,
                 (g_get_monotonic_time () - start) / 1e6, alice->sent, alice->confirmed, alice->failed, alice->received,
                 bob->sent, bob->confirmed, bob->failed, bob->received);

      /* Sending pauses at a fault's point until the fault is made (but
       * not while a cut waits for bytes to go through). */
      {
        guint limit = next_fault < faults->len && pending == NULL
                        ? g_array_index (faults, Fault, next_fault).at : total;
        guint sent = alice->sent + bob->sent;

        if (sent < limit)
          {
            pump (&to_bob, MIN (half, alice->sent + (limit - sent + 1) / 2));
            pump (&to_alice, MIN (half, bob->sent + (limit - sent + 1) / 2));
          }
      }

      /* One fault at a time, each on a ready session: a cut waits until
       * the one before has been noticed. */
      if (pending != NULL && pending->watch.disconnected > pending_before)
        pending = NULL;
      if (pending != NULL && alice->confirmed == half && bob->confirmed == half)
        pending = NULL;   /* nothing left to carry the bytes of a cut_after() */
      if (pending == NULL && next_fault < faults->len &&
          alice->sent + bob->sent >= g_array_index (faults, Fault, next_fault).at &&
          gxmpp_session_get_state (alice->session) == GXMPP_SESSION_STATE_READY &&
          gxmpp_session_get_state (bob->session) == GXMPP_SESSION_STATE_READY)
        {
          Fault *fault = &g_array_index (faults, Fault, next_fault++);
          Peer *victim = fault->alice ? alice : bob;
          g_autoptr(GError) error = NULL;

          pending = victim;
          pending_before = victim->watch.disconnected;

          if (fault->restart)
            {
              g_test_message ("%s: restarting the server at %u messages", kind, fault->at);
              g_assert_true (gxmpp_test_server_restart (server, &error));
              g_assert_no_error (error);
            }
          else if ((fault->after == 0 || alice->sent + bob->sent == total) && outage_ms == 0)
            gxmpp_fault_proxy_cut (victim->proxy);
          else if (outage_ms == 0)
            gxmpp_fault_proxy_cut_after (victim->proxy, fault->direction, fault->after);
          else
            {
              /* Long enough for the server to give up the stream. */
              gint64 until = g_get_monotonic_time () + outage_ms * 1000;

              gxmpp_fault_proxy_set_refuse (victim->proxy, TRUE);
              gxmpp_fault_proxy_cut (victim->proxy);
              while (g_get_monotonic_time () < until)
                g_main_context_iteration (NULL, TRUE);
              gxmpp_fault_proxy_set_refuse (victim->proxy, FALSE);
            }
        }
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_destroy (tick);
  g_source_unref (tick);

  g_test_message ("%s: %u messages in %.1f s, %u cuts, %u restarts; alice: %u disconnections, "
                  "%u resumed, %u fresh; bob: %u disconnections, %u resumed, %u fresh",
                  kind, total, (g_get_monotonic_time () - start) / 1e6, n_cuts, n_restarts,
                  alice->watch.disconnected, alice->watch.resumed,
                  alice->watch.reconnected - alice->watch.resumed,
                  bob->watch.disconnected, bob->watch.resumed, bob->watch.reconnected - bob->watch.resumed);

  g_assert_cmpuint (alice->failed, ==, 0);
  g_assert_cmpuint (bob->failed, ==, 0);
  g_assert_cmpuint (alice->bounced, ==, 0);
  g_assert_cmpuint (bob->bounced, ==, 0);
  /* Every message exactly once... */
  g_assert_cmpuint (alice->duplicates, ==, 0);
  g_assert_cmpuint (bob->duplicates, ==, 0);
  g_assert_cmpuint (alice->received, ==, half);
  g_assert_cmpuint (bob->received, ==, half);
  /* ...and in order, where the server keeps the order: ejabberd 23.01
   * delivers what it stored for a fresh stream after messages that came
   * live meanwhile, and batches stored by successive sessions mixed. */
  g_test_message ("%s: out of order: alice %u, bob %u; within their flow (live or stored): "
                  "alice %u, bob %u", kind, alice->out_of_order, bob->out_of_order,
                  alice->flow_out_of_order, bob->flow_out_of_order);
  if (strict_order)
    {
      g_assert_cmpuint (alice->out_of_order, ==, 0);
      g_assert_cmpuint (bob->out_of_order, ==, 0);
      g_assert_cmpuint (alice->flow_out_of_order, ==, 0);
      g_assert_cmpuint (bob->flow_out_of_order, ==, 0);
    }
  g_assert_cmpuint (alice->next_expected, ==, half + 1);
  g_assert_cmpuint (bob->next_expected, ==, half + 1);
  g_assert_cmpuint (alice->watch.closed + bob->watch.closed, ==, 0);
  /* The faults did happen. */
  g_assert_cmpuint (next_fault, ==, faults->len);
  g_assert_cmpuint (alice->watch.disconnected + bob->watch.disconnected, >=, n_cuts + n_restarts);
}

/* How many messages a stress run sends: @normal, or fewer where
 * GXMPP_TEST_STRESS_DIVISOR says (valgrind's setup: ten times slower). */
static guint
stress_messages (guint normal)
{
  const char *divisor = g_getenv ("GXMPP_TEST_STRESS_DIVISOR");
  guint64 value = 1;

  if (divisor != NULL && !g_ascii_string_to_unsigned (divisor, 10, 1, 1000, &value, NULL))
    value = 1;
  return normal / (guint) value;
}

/* 10,000 messages, 20 cuts at random points (some in the middle of a
 * stanza), 2 graceful restarts of Prosody with offline storage: the cuts
 * are resumed, the restarts are not (the server forgot the streams). */
static void
test_stress_prosody (void)
{
  stress ("prosody", stress_options, stress_messages (10000), 20, 2, 0, TRUE);
}

/* ejabberd ends a session that has more unacknowledged stanzas than its
 * max_ack_queue (5,000 by default): the offline messages it sends all at
 * once to a fresh stream count too. */
static const char * const ejabberd_short_resume[] = {
  "--smacks", "--offline", "--resume-timeout", "1", "--smacks-queue", "20000", NULL
};

/* ejabberd forgets a stream after one second: each cut lasts longer, so
 * every resumption fails and the session starts afresh. Every message
 * arrives exactly once; the order is ejabberd's (see above). */
static void
test_stress_ejabberd (void)
{
  stress ("ejabberd", ejabberd_short_resume, stress_messages (10000), 8, 0, 2500, FALSE);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/reconnect/prosody/resume-after-cut", test_resume_after_cut);
  g_test_add_func ("/reconnect/prosody/roster", test_roster_after_reconnecting);
  g_test_add_func ("/reconnect/prosody/stress", test_stress_prosody);
  /* On request only: in one run of five (in the full suite, under load),
   * two messages ejabberd 23.01 had acknowledged never reached the other
   * account; not explained yet (docs/api-notes.md). */
  if (g_getenv ("GXMPP_TEST_EJABBERD_STRESS") != NULL)
    g_test_add_func ("/reconnect/ejabberd/stress", test_stress_ejabberd);

  status = g_test_run ();
  session_wait_for_streams ();
  return status;
}
