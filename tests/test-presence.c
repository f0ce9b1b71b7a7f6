/* test-presence.c: presence, subscriptions and chat messages (RFC 6121)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GXmppPresenceTracker, GXmppSubscriptions and GXmppMessage between real
 * accounts on a private Prosody (one server per test, so that no roster
 * state leaks from one test into the next): alice, bob and carol subscribe
 * to each other and answer (approve, deny, unsubscribe, cancel,
 * pre-approval), change their presence, bob runs two resources, directed
 * presence ends when alice goes offline, and the end of a session makes
 * every contact unavailable. Messages with bodies and subjects in several
 * languages, a thread, and texts that look like markup go through the
 * server and arrive unchanged.
 *
 * The rules that a real server never exercises (error presence, bare-JID
 * unavailable, subscription stanzas from full JIDs, the exact stanzas sent
 * on going offline, ties between resources) are played by the scripted
 * server of tests/support/.
 */

#include <string.h>

#include <xmpp-glib/xmpp-glib.h>

#include "gxmpp-test-server.h"
#include "scripted-server.h"
#include "session-helpers.h"

/* WAIT_UNTIL's safety net against a hang, generous enough for valgrind. */
#define TEST_WAIT_SECONDS 60
#include "test-wait.h"

static GXmppJid *
jid (const char *text)
{
  g_autoptr(GError) error = NULL;
  GXmppJid *result = gxmpp_jid_new (text, &error);

  g_assert_no_error (error);
  return result;
}

static const char *
from_of (GXmppStanza *stanza)
{
  GXmppJid *from = gxmpp_stanza_get_from (stanza);

  return from != NULL ? gxmpp_jid_to_string (from) : NULL;
}

/* What the objects under test emitted */

typedef struct {
  const char *signal;         /* the signal's name */
  GXmppJid *jid;
  GXmppPresence *old;         /* presence-changed */
  GXmppPresence *presence;    /* the new or best presence, or the subscription stanza */
} Event;

static void
event_free (Event *event)
{
  gxmpp_jid_unref (event->jid);
  g_clear_object (&event->old);
  g_clear_object (&event->presence);
  g_free (event);
}

static void
push_event (GPtrArray     *events,
            const char    *signal,
            GXmppJid      *jid,
            GXmppPresence *old,
            GXmppPresence *presence)
{
  Event *event = g_new0 (Event, 1);

  event->signal = signal;
  event->jid = gxmpp_jid_ref (jid);
  event->old = old != NULL ? g_object_ref (old) : NULL;
  event->presence = presence != NULL ? g_object_ref (presence) : NULL;
  g_ptr_array_add (events, event);
}

static void
on_presence_changed (GXmppPresenceTracker *tracker,
                     GXmppJid             *jid,
                     GXmppPresence        *old,
                     GXmppPresence        *new,
                     GPtrArray            *events)
{
  /* The tracker is up to date when it tells. */
  g_autoptr(GXmppPresence) now = gxmpp_presence_tracker_get_presence (tracker, jid);

  if (new != NULL && gxmpp_presence_get_presence_type (new) == GXMPP_PRESENCE_TYPE_AVAILABLE)
    g_assert_true (now == new);
  else
    g_assert_null (now);
  push_event (events, "presence-changed", jid, old, new);
}

static void
on_contact_changed (GXmppPresenceTracker *tracker,
                    GXmppJid             *jid,
                    GXmppPresence        *best,
                    GPtrArray            *events)
{
  g_autoptr(GXmppPresence) now = gxmpp_presence_tracker_get_best (tracker, jid);

  g_assert_true (gxmpp_jid_is_bare (jid));
  g_assert_true (now == best);
  push_event (events, "contact-changed", jid, NULL, best);
}

#define SUBSCRIPTION_HANDLER(func, name) \
  static void \
  func (GXmppSubscriptions *subscriptions, \
        GXmppJid           *from, \
        GXmppPresence      *presence, \
        GPtrArray          *events) \
  { \
    g_assert_true (gxmpp_jid_is_bare (from)); \
    push_event (events, name, from, NULL, presence); \
  }

SUBSCRIPTION_HANDLER (on_request, "request")
SUBSCRIPTION_HANDLER (on_subscribed, "subscribed")
SUBSCRIPTION_HANDLER (on_unsubscribed, "unsubscribed")
SUBSCRIPTION_HANDLER (on_unsubscribe_received, "unsubscribe-received")

/* Takes the first event of @signal about @who (a JID as text; NULL for
 * anybody) out of @events; NULL if there is none. */
static Event *
take_event (GPtrArray  *events,
            const char *signal,
            const char *who)
{
  for (guint i = 0; i < events->len; i++)
    {
      Event *event = events->pdata[i];

      if (strcmp (event->signal, signal) == 0 &&
          (who == NULL || strcmp (gxmpp_jid_to_string (event->jid), who) == 0))
        return g_ptr_array_steal_index (events, i);
    }
  return NULL;
}

static guint
count_events (GPtrArray  *events,
              const char *signal,
              const char *who)
{
  guint n = 0;

  for (guint i = 0; i < events->len; i++)
    {
      Event *event = events->pdata[i];

      if (strcmp (event->signal, signal) == 0 &&
          (who == NULL || strcmp (gxmpp_jid_to_string (event->jid), who) == 0))
        n++;
    }
  return n;
}

/* Waits for the next event of @signal about @who and takes it. */
static Event *
wait_event (GPtrArray  *events,
            const char *signal,
            const char *who)
{
  g_autofree char *what = g_strdup_printf ("%s about %s", signal, who ? who : "anybody");
  Event *event = NULL;

  WAIT_UNTIL_FOR ((event = take_event (events, signal, who)) != NULL, what);
  return event;
}

#define WAIT_EVENT(events, signal, who) wait_event ((events), (signal), (who))

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Event, event_free)

/* A GAsyncReadyCallback that keeps the result. */
static void
on_async_result (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* Accounts on a real server */

typedef struct {
  GXmppSession *session;
  GXmppPresenceTracker *tracker;
  GXmppSubscriptions *subscriptions;
  GPtrArray *events;          /* Event */
  GPtrArray *messages;        /* GXmppMessage */
  char *bare;                 /* "alice@localhost" */
  char *full;                 /* the bound JID */
} Account;

static gboolean
on_message (GXmppSession *session,
            GXmppMessage *message,
            GPtrArray    *messages)
{
  g_ptr_array_add (messages, g_object_ref (message));
  return FALSE;
}

static void
watch (Account *account)
{
  account->events = g_ptr_array_new_with_free_func ((GDestroyNotify) event_free);
  account->messages = g_ptr_array_new_with_free_func (g_object_unref);
  account->tracker = gxmpp_presence_tracker_new (account->session);
  account->subscriptions = gxmpp_subscriptions_new (account->session);
  g_signal_connect (account->tracker, "presence-changed", G_CALLBACK (on_presence_changed), account->events);
  g_signal_connect (account->tracker, "contact-changed", G_CALLBACK (on_contact_changed), account->events);
  g_signal_connect (account->subscriptions, "request", G_CALLBACK (on_request), account->events);
  g_signal_connect (account->subscriptions, "subscribed", G_CALLBACK (on_subscribed), account->events);
  g_signal_connect (account->subscriptions, "unsubscribed", G_CALLBACK (on_unsubscribed), account->events);
  g_signal_connect (account->subscriptions, "unsubscribe-received",
                    G_CALLBACK (on_unsubscribe_received), account->events);
  g_signal_connect (account->session, "message", G_CALLBACK (on_message), account->messages);
}

/* Asks for the roster, so that the server counts the session as an
 * "interested resource" (RFC 6121 section 2.1.6): only those get the
 * answers to subscription requests and the roster pushes. GXmppRoster
 * does this in applications. */
static void
request_roster (GXmppSession *session)
{
  g_autoptr(GXmppNode) query = gxmpp_node_new ("query", "jabber:iq:roster");
  g_autoptr(GXmppIq) iq = gxmpp_iq_new (GXMPP_IQ_TYPE_GET, NULL, query);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GXmppIq) reply = NULL;
  g_autoptr(GError) error = NULL;

  gxmpp_session_send_iq_async (session, iq, 0, NULL, on_async_result, &result);
  WAIT_UNTIL (result != NULL);
  reply = gxmpp_session_send_iq_finish (session, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reply);
}

/* Logs @name in with @resource (NULL: the server picks one) and attaches a
 * tracker and a subscriptions object before anything is received. */
static Account *
account_connect (GXmppTestServer *server,
                 const char      *name,
                 const char      *resource)
{
  g_autoptr(GXmppAuth) auth = gxmpp_auth_new_password (name, gxmpp_test_server_get_password (server, name));
  g_autoptr(GXmppSessionConfig) config = session_config_for_server (server, GXMPP_TLS_POLICY_REQUIRE, 30000);
  SessionConnectResult out = { 0 };
  Account *account = g_new0 (Account, 1);

  if (resource != NULL)
    gxmpp_auth_set_resource (auth, resource);

  gxmpp_session_new_async (gxmpp_test_server_get_domain (server), config, auth, NULL,
                           session_connect_cb, &out);
  /* Receiving starts after the callback: the objects attached right now
   * see everything. */
  WAIT_UNTIL (out.done);
  g_assert_no_error (out.error);
  account->session = out.session;
  account->bare = g_strdup (gxmpp_test_server_get_jid (server, name));
  account->full = g_strdup (gxmpp_jid_to_string (gxmpp_session_get_jid (account->session)));
  watch (account);
  request_roster (account->session);
  return account;
}

static void
account_close (Account *account)
{
  gboolean done = FALSE;

  gxmpp_session_close_async (account->session, NULL, session_close_cb, &done);
  WAIT_UNTIL (done);
}

static void
account_free (Account *account)
{
  if (gxmpp_session_get_state (account->session) == GXMPP_SESSION_STATE_READY)
    account_close (account);
  g_clear_object (&account->tracker);
  g_clear_object (&account->subscriptions);
  g_clear_object (&account->session);
  g_ptr_array_unref (account->events);
  g_ptr_array_unref (account->messages);
  g_free (account->bare);
  g_free (account->full);
  g_free (account);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Account, account_free)

static GXmppTestServer *
start_prosody (void)
{
  return gxmpp_test_server_start_or_skip ("prosody", NULL);
}

static void
on_presence_set (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (gxmpp_presence_tracker_set_presence_finish (GXMPP_PRESENCE_TRACKER (source), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static void
send_presence (Account       *account,
               GXmppPresence *presence)
{
  gboolean done = FALSE;

  gxmpp_presence_tracker_set_presence_async (account->tracker, presence, NULL, on_presence_set, &done);
  WAIT_UNTIL (done);
}

/* Broadcasts an available presence. */
static void
set_available (Account           *account,
               GXmppPresenceShow  show,
               int                priority,
               const char        *status)
{
  g_autoptr(GXmppPresence) presence = gxmpp_presence_new (GXMPP_PRESENCE_TYPE_AVAILABLE, NULL);

  gxmpp_presence_set_show (presence, show);
  gxmpp_presence_set_priority (presence, priority);
  if (status != NULL)
    gxmpp_presence_set_status (presence, NULL, status);
  send_presence (account, presence);
}

/* A chat message from @from to @to, and waits until @to has it: a round
 * trip through the server after everything @from sent before. */
static GXmppMessage *
relay_message (Account    *from,
               Account    *to,
               const char *body)
{
  g_autoptr(GXmppJid) to_jid = jid (to->full);
  g_autoptr(GXmppMessage) message = gxmpp_message_new_chat (to_jid, body);
  g_autoptr(GError) error = NULL;
  guint before = to->messages->len;

  g_assert_true (gxmpp_session_send (from->session, GXMPP_STANZA (message), &error));
  g_assert_no_error (error);
  WAIT_UNTIL (to->messages->len > before);
  g_assert_cmpstr (gxmpp_message_get_body (to->messages->pdata[before], NULL), ==, body);
  return g_object_ref (to->messages->pdata[before]);
}

/* @from subscribes to @to, which approves: @from then gets @to's presence. */
static void
subscribe_approved (Account *from,
                    Account *to)
{
  g_autoptr(GXmppJid) to_jid = jid (to->bare);
  g_autoptr(GXmppJid) from_jid = jid (from->bare);
  g_autoptr(GError) error = NULL;
  g_autoptr(Event) request = NULL;
  g_autoptr(Event) subscribed = NULL;

  g_assert_true (gxmpp_subscriptions_subscribe (from->subscriptions, to_jid, NULL, &error));
  g_assert_no_error (error);
  request = WAIT_EVENT (to->events, "request", from->bare);
  g_assert_true (gxmpp_subscriptions_approve (to->subscriptions, from_jid, &error));
  g_assert_no_error (error);
  subscribed = WAIT_EVENT (from->events, "subscribed", to->bare);
  g_assert_cmpint (gxmpp_presence_get_presence_type (subscribed->presence), ==,
                   GXMPP_PRESENCE_TYPE_SUBSCRIBED);
}

/* @watcher's presence of @full (a JID as text) if it has @show. */
static GXmppPresence *
presence_with_show (Account           *watcher,
                    const char        *full,
                    GXmppPresenceShow  show)
{
  g_autoptr(GXmppJid) address = jid (full);
  g_autoptr(GXmppPresence) presence = gxmpp_presence_tracker_get_presence (watcher->tracker, address);

  if (presence == NULL || gxmpp_presence_get_show (presence) != show)
    return NULL;
  return g_steal_pointer (&presence);
}

/* Waits until @watcher's tracker has a presence from @full with @show;
 * returns it. */
static GXmppPresence *
wait_presence (Account           *watcher,
               const char        *full,
               GXmppPresenceShow  show)
{
  GXmppPresence *presence = NULL;

  WAIT_UNTIL ((presence = presence_with_show (watcher, full, show)) != NULL);
  return presence;
}

/* @watcher's best presence of @bare if it comes from @full with @show. */
static GXmppPresence *
best_with_show (Account           *watcher,
                const char        *bare,
                const char        *full,
                GXmppPresenceShow  show)
{
  g_autoptr(GXmppJid) contact = jid (bare);
  g_autoptr(GXmppPresence) best = gxmpp_presence_tracker_get_best (watcher->tracker, contact);

  if (best == NULL || g_strcmp0 (from_of (GXMPP_STANZA (best)), full) != 0 ||
      gxmpp_presence_get_show (best) != show)
    return NULL;
  return g_steal_pointer (&best);
}

/* Waits until @watcher's best presence of @bare comes from @full with
 * @show; returns it. */
static GXmppPresence *
wait_best (Account           *watcher,
           const char        *bare,
           const char        *full,
           GXmppPresenceShow  show)
{
  GXmppPresence *best = NULL;

  WAIT_UNTIL ((best = best_with_show (watcher, bare, full, show)) != NULL);
  return best;
}

/* Takes the first @signal event about @who that says it is gone: with an
 * unavailable presence (@with_presence) or with none; NULL if there is
 * none yet. Events before it (a late presence the server sent) stay. */
static Event *
take_gone (GPtrArray  *events,
           const char *signal,
           const char *who,
           gboolean    with_presence)
{
  for (guint i = 0; i < events->len; i++)
    {
      Event *event = events->pdata[i];

      if (strcmp (event->signal, signal) != 0 || strcmp (gxmpp_jid_to_string (event->jid), who) != 0)
        continue;
      if (with_presence ? (event->presence != NULL &&
                           gxmpp_presence_get_presence_type (event->presence) == GXMPP_PRESENCE_TYPE_UNAVAILABLE)
                        : event->presence == NULL)
        return g_ptr_array_steal_index (events, i);
    }
  return NULL;
}

static Event *
take_unavailable (Account    *watcher,
                  const char *full)
{
  return take_gone (watcher->events, "presence-changed", full, TRUE);
}

/* Waits until @watcher hears that none of @bare's resources is
 * available. */
static Event *
wait_contact_gone (Account    *watcher,
                   const char *bare)
{
  Event *event = NULL;

  WAIT_UNTIL ((event = take_gone (watcher->events, "contact-changed", bare, FALSE)) != NULL);
  return event;
}

/* Subscriptions between three accounts */

/* alice, bob and carol all subscribe to each other: each request comes as
 * a request signal, nothing is approved until the application says so,
 * and each approval makes the contact's presence flow. */
static void
test_three_accounts (void)
{
  g_autoptr(GXmppTestServer) server = start_prosody ();
  g_autoptr(Account) alice = NULL;
  g_autoptr(Account) bob = NULL;
  g_autoptr(Account) carol = NULL;
  g_autoptr(GXmppJid) bob_jid = NULL;
  g_autoptr(GXmppJid) alice_jid = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(Event) request = NULL;
  g_autoptr(Event) subscribed = NULL;
  g_autoptr(Event) changed = NULL;
  g_autoptr(Event) contact = NULL;
  g_autoptr(GXmppMessage) ping = NULL;
  g_autoptr(GXmppPresence) best = NULL;
  g_autoptr(GPtrArray) contacts = NULL;
  Account *all[3];

  if (server == NULL)
    return;
  alice = account_connect (server, "alice", "home");
  bob = account_connect (server, "bob", "home");
  carol = account_connect (server, "carol", "home");
  all[0] = alice, all[1] = bob, all[2] = carol;
  set_available (alice, GXMPP_PRESENCE_SHOW_NONE, 0, "alice here");
  set_available (bob, GXMPP_PRESENCE_SHOW_CHAT, 0, "bob here");
  set_available (carol, GXMPP_PRESENCE_SHOW_AWAY, 0, "carol away");

  /* alice asks bob, with a word of introduction. */
  bob_jid = jid (bob->bare);
  alice_jid = jid (alice->bare);
  g_assert_true (gxmpp_subscriptions_subscribe (alice->subscriptions, bob_jid, "It's Alice", &error));
  g_assert_no_error (error);
  request = WAIT_EVENT (bob->events, "request", alice->bare);
  g_assert_cmpstr (gxmpp_jid_to_string (request->jid), ==, alice->bare);
  g_assert_cmpint (gxmpp_presence_get_presence_type (request->presence), ==, GXMPP_PRESENCE_TYPE_SUBSCRIBE);
  g_assert_cmpstr (gxmpp_presence_get_status (request->presence, NULL), ==, "It's Alice");

  /* Nothing is approved on bob's behalf: a message bob sends after the
   * request reaches alice after any answer would have. */
  ping = relay_message (bob, alice, "thinking about it");
  g_assert_cmpuint (count_events (alice->events, "subscribed", NULL), ==, 0);
  g_assert_null (gxmpp_presence_tracker_get_best (alice->tracker, bob_jid));

  /* bob approves: alice hears so, and gets bob's presence. */
  g_assert_true (gxmpp_subscriptions_approve (bob->subscriptions, alice_jid, &error));
  g_assert_no_error (error);
  subscribed = WAIT_EVENT (alice->events, "subscribed", bob->bare);
  changed = WAIT_EVENT (alice->events, "presence-changed", bob->full);
  g_assert_null (changed->old);
  g_assert_nonnull (changed->presence);
  g_assert_cmpint (gxmpp_presence_get_show (changed->presence), ==, GXMPP_PRESENCE_SHOW_CHAT);
  g_assert_cmpstr (gxmpp_presence_get_status (changed->presence, NULL), ==, "bob here");
  contact = WAIT_EVENT (alice->events, "contact-changed", bob->bare);
  g_assert_true (contact->presence == changed->presence);
  best = gxmpp_presence_tracker_get_best (alice->tracker, bob_jid);
  g_assert_cmpstr (from_of (GXMPP_STANZA (best)), ==, bob->full);

  /* The rest of the mesh, each pair both ways. */
  subscribe_approved (bob, alice);
  subscribe_approved (alice, carol);
  subscribe_approved (carol, alice);
  subscribe_approved (bob, carol);
  subscribe_approved (carol, bob);

  for (guint i = 0; i < 3; i++)
    for (guint j = 0; j < 3; j++)
      {
        static const GXmppPresenceShow shows[] = {
          GXMPP_PRESENCE_SHOW_NONE, GXMPP_PRESENCE_SHOW_CHAT, GXMPP_PRESENCE_SHOW_AWAY,
        };

        if (i != j)
          g_object_unref (wait_best (all[i], all[j]->bare, all[j]->full, shows[j]));
      }

  /* Each tracker knows the other two and its own account (the server
   * sends the account's presence back to it, RFC 6121 4.4.2). */
  contacts = gxmpp_presence_tracker_get_contacts (alice->tracker);
  g_assert_cmpuint (contacts->len, ==, 3);
}

/* carol denies alice's request: alice hears "unsubscribed" and gets no
 * presence. */
static void
test_deny (void)
{
  g_autoptr(GXmppTestServer) server = start_prosody ();
  g_autoptr(Account) alice = NULL;
  g_autoptr(Account) carol = NULL;
  g_autoptr(GXmppJid) carol_jid = NULL;
  g_autoptr(GXmppJid) alice_jid = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(Event) request = NULL;
  g_autoptr(Event) unsubscribed = NULL;
  g_autoptr(GXmppMessage) ping = NULL;
  g_autoptr(GXmppPresence) best = NULL;

  if (server == NULL)
    return;
  alice = account_connect (server, "alice", NULL);
  carol = account_connect (server, "carol", NULL);
  set_available (alice, GXMPP_PRESENCE_SHOW_NONE, 0, NULL);
  set_available (carol, GXMPP_PRESENCE_SHOW_NONE, 0, NULL);
  carol_jid = jid (carol->bare);
  alice_jid = jid (alice->bare);

  /* A full JID stands for the bare one: subscriptions are between
   * accounts. */
  {
    g_autoptr(GXmppJid) carol_full = jid (carol->full);

    g_assert_true (gxmpp_subscriptions_subscribe (alice->subscriptions, carol_full, NULL, &error));
    g_assert_no_error (error);
  }
  request = WAIT_EVENT (carol->events, "request", alice->bare);
  g_assert_null (gxmpp_presence_get_status (request->presence, NULL));

  g_assert_true (gxmpp_subscriptions_deny (carol->subscriptions, alice_jid, &error));
  g_assert_no_error (error);
  unsubscribed = WAIT_EVENT (alice->events, "unsubscribed", carol->bare);
  g_assert_cmpint (gxmpp_presence_get_presence_type (unsubscribed->presence), ==,
                   GXMPP_PRESENCE_TYPE_UNSUBSCRIBED);

  /* Anything carol sends after the denial comes after any presence. */
  ping = relay_message (carol, alice, "no, sorry");
  best = gxmpp_presence_tracker_get_best (alice->tracker, carol_jid);
  g_assert_null (best);
  g_assert_cmpuint (count_events (alice->events, "presence-changed", carol->full), ==, 0);
  g_assert_cmpuint (count_events (alice->events, "subscribed", NULL), ==, 0);
}

/* With subscriptions both ways, bob cancels alice's subscription to his
 * presence (alice hears it and sees bob go unavailable), then unsubscribes
 * from hers (alice hears that too). */
static void
test_unsubscribe_and_cancel (void)
{
  g_autoptr(GXmppTestServer) server = start_prosody ();
  g_autoptr(Account) alice = NULL;
  g_autoptr(Account) bob = NULL;
  g_autoptr(GXmppJid) bob_jid = NULL;
  g_autoptr(GXmppJid) alice_jid = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(Event) unsubscribed = NULL;
  g_autoptr(Event) gone = NULL;
  g_autoptr(Event) contact = NULL;
  g_autoptr(Event) unsubscribe = NULL;
  g_autoptr(GXmppPresence) presence = NULL;
  g_autoptr(GXmppMessage) ping = NULL;

  if (server == NULL)
    return;
  alice = account_connect (server, "alice", NULL);
  bob = account_connect (server, "bob", NULL);
  set_available (alice, GXMPP_PRESENCE_SHOW_NONE, 0, NULL);
  set_available (bob, GXMPP_PRESENCE_SHOW_AWAY, 0, NULL);
  bob_jid = jid (bob->bare);
  alice_jid = jid (alice->bare);
  subscribe_approved (alice, bob);
  subscribe_approved (bob, alice);
  presence = wait_best (alice, bob->bare, bob->full, GXMPP_PRESENCE_SHOW_AWAY);
  g_clear_object (&presence);
  presence = wait_best (bob, alice->bare, alice->full, GXMPP_PRESENCE_SHOW_NONE);
  g_clear_object (&presence);

  /* bob cancels: alice hears "unsubscribed", and bob's resource becomes
   * unavailable to her (RFC 6121 3.2.2). */
  g_ptr_array_set_size (alice->events, 0);
  g_assert_true (gxmpp_subscriptions_cancel (bob->subscriptions, alice_jid, &error));
  g_assert_no_error (error);
  unsubscribed = WAIT_EVENT (alice->events, "unsubscribed", bob->bare);
  g_assert_cmpint (gxmpp_presence_get_presence_type (unsubscribed->presence), ==,
                   GXMPP_PRESENCE_TYPE_UNSUBSCRIBED);
  WAIT_UNTIL ((gone = take_unavailable (alice, bob->full)) != NULL);
  g_assert_cmpint (gxmpp_presence_get_show (gone->old), ==, GXMPP_PRESENCE_SHOW_AWAY);
  contact = wait_contact_gone (alice, bob->bare);
  presence = gxmpp_presence_tracker_get_best (alice->tracker, bob_jid);
  g_assert_null (presence);

  /* bob still sees alice: only his side was cancelled. */
  presence = wait_best (bob, alice->bare, alice->full, GXMPP_PRESENCE_SHOW_NONE);
  g_clear_object (&presence);

  /* bob unsubscribes from alice's presence: alice hears it. */
  g_assert_true (gxmpp_subscriptions_unsubscribe (bob->subscriptions, alice_jid, &error));
  g_assert_no_error (error);
  unsubscribe = WAIT_EVENT (alice->events, "unsubscribe-received", bob->bare);
  g_assert_cmpint (gxmpp_presence_get_presence_type (unsubscribe->presence), ==,
                   GXMPP_PRESENCE_TYPE_UNSUBSCRIBE);

  /* alice's changes no longer reach bob; a message alice sends after
   * her change comes after any presence would have. */
  set_available (alice, GXMPP_PRESENCE_SHOW_XA, 0, "away for long");
  ping = relay_message (alice, bob, "anyone?");
  presence = presence_with_show (bob, alice->full, GXMPP_PRESENCE_SHOW_XA);
  g_assert_null (presence);
  g_assert_cmpuint (count_events (bob->events, "request", NULL), ==, 0);
}

/* A presence change reaches the contact with the old and the new
 * presence; going unavailable ends it, with the status. */
static void
test_presence_changes (void)
{
  g_autoptr(GXmppTestServer) server = start_prosody ();
  g_autoptr(Account) alice = NULL;
  g_autoptr(Account) bob = NULL;
  g_autoptr(GXmppJid) bob_jid = NULL;
  g_autoptr(Event) changed = NULL;
  g_autoptr(Event) contact = NULL;
  g_autoptr(GXmppPresence) away = NULL;
  g_autoptr(GXmppPresence) unavailable = NULL;
  g_autoptr(GXmppPresence) best = NULL;
  g_autoptr(GPtrArray) presences = NULL;

  if (server == NULL)
    return;
  alice = account_connect (server, "alice", NULL);
  bob = account_connect (server, "bob", "laptop");
  set_available (alice, GXMPP_PRESENCE_SHOW_NONE, 0, NULL);
  set_available (bob, GXMPP_PRESENCE_SHOW_NONE, 0, "at work");
  bob_jid = jid (bob->bare);
  subscribe_approved (alice, bob);
  changed = WAIT_EVENT (alice->events, "presence-changed", bob->full);
  g_assert_null (changed->old);
  g_clear_pointer (&changed, event_free);
  contact = WAIT_EVENT (alice->events, "contact-changed", bob->bare);

  /* Away, with statuses in three languages. */
  away = gxmpp_presence_new (GXMPP_PRESENCE_TYPE_AVAILABLE, NULL);
  gxmpp_presence_set_show (away, GXMPP_PRESENCE_SHOW_AWAY);
  gxmpp_presence_set_status (away, NULL, "lunch");
  gxmpp_presence_set_status (away, "fr", "déjeuner");
  gxmpp_presence_set_status (away, "ar", "غداء");
  gxmpp_presence_set_priority (away, 3);
  send_presence (bob, away);
  g_assert_true (gxmpp_presence_tracker_get_own_presence (bob->tracker) != NULL);
  g_assert_cmpint (gxmpp_presence_get_show (gxmpp_presence_tracker_get_own_presence (bob->tracker)), ==,
                   GXMPP_PRESENCE_SHOW_AWAY);

  changed = WAIT_EVENT (alice->events, "presence-changed", bob->full);
  g_assert_nonnull (changed->old);
  g_assert_cmpint (gxmpp_presence_get_show (changed->old), ==, GXMPP_PRESENCE_SHOW_NONE);
  g_assert_cmpstr (gxmpp_presence_get_status (changed->old, NULL), ==, "at work");
  g_assert_cmpint (gxmpp_presence_get_show (changed->presence), ==, GXMPP_PRESENCE_SHOW_AWAY);
  g_assert_cmpstr (gxmpp_presence_get_status (changed->presence, NULL), ==, "lunch");
  g_assert_cmpstr (gxmpp_presence_get_status (changed->presence, "fr"), ==, "déjeuner");
  g_assert_cmpstr (gxmpp_presence_get_status (changed->presence, "ar"), ==, "غداء");
  g_assert_cmpint (gxmpp_presence_get_priority (changed->presence), ==, 3);
  g_clear_pointer (&contact, event_free);
  contact = WAIT_EVENT (alice->events, "contact-changed", bob->bare);
  g_assert_true (contact->presence == changed->presence);
  presences = gxmpp_presence_tracker_get_presences (alice->tracker, bob_jid);
  g_assert_cmpuint (presences->len, ==, 1);
  g_assert_true (presences->pdata[0] == changed->presence);

  /* Unavailable, saying why: the change carries the unavailable presence,
   * and the contact has no best presence left. */
  unavailable = gxmpp_presence_new (GXMPP_PRESENCE_TYPE_UNAVAILABLE, NULL);
  gxmpp_presence_set_status (unavailable, NULL, "gone home");
  send_presence (bob, unavailable);
  g_clear_pointer (&changed, event_free);
  changed = WAIT_EVENT (alice->events, "presence-changed", bob->full);
  g_assert_cmpint (gxmpp_presence_get_show (changed->old), ==, GXMPP_PRESENCE_SHOW_AWAY);
  g_assert_cmpint (gxmpp_presence_get_presence_type (changed->presence), ==, GXMPP_PRESENCE_TYPE_UNAVAILABLE);
  g_assert_cmpstr (gxmpp_presence_get_status (changed->presence, NULL), ==, "gone home");
  g_clear_pointer (&contact, event_free);
  contact = WAIT_EVENT (alice->events, "contact-changed", bob->bare);
  g_assert_null (contact->presence);
  best = gxmpp_presence_tracker_get_best (alice->tracker, bob_jid);
  g_assert_null (best);
  g_clear_pointer (&presences, g_ptr_array_unref);
  presences = gxmpp_presence_tracker_get_presences (alice->tracker, bob_jid);
  g_assert_cmpuint (presences->len, ==, 0);

  /* bob's session is still open: he can come back. */
  g_assert_cmpint (gxmpp_session_get_state (bob->session), ==, GXMPP_SESSION_STATE_READY);
  set_available (bob, GXMPP_PRESENCE_SHOW_CHAT, 0, "back");
  g_object_unref (wait_best (alice, bob->bare, bob->full, GXMPP_PRESENCE_SHOW_CHAT));
}

/* bob on two resources: the best one is the highest priority, then the
 * most available show, and a negative priority still counts. */
static void
test_best_resource (void)
{
  g_autoptr(GXmppTestServer) server = start_prosody ();
  g_autoptr(Account) alice = NULL;
  g_autoptr(Account) desk = NULL;
  g_autoptr(Account) phone = NULL;
  g_autoptr(GXmppJid) bob_jid = NULL;
  g_autoptr(GXmppPresence) presence = NULL;
  g_autoptr(GPtrArray) presences = NULL;
  g_autoptr(GXmppPresence) unavailable = NULL;
  guint contact_changes;

  if (server == NULL)
    return;
  alice = account_connect (server, "alice", NULL);
  desk = account_connect (server, "bob", "desk");
  phone = account_connect (server, "bob", "phone");
  bob_jid = jid (desk->bare);
  set_available (alice, GXMPP_PRESENCE_SHOW_NONE, 0, NULL);
  set_available (desk, GXMPP_PRESENCE_SHOW_AWAY, 5, "desk");
  set_available (phone, GXMPP_PRESENCE_SHOW_CHAT, 5, "phone");
  subscribe_approved (alice, desk);

  /* Same priority: chat beats away. */
  presence = wait_presence (alice, desk->full, GXMPP_PRESENCE_SHOW_AWAY);
  g_clear_object (&presence);
  presence = wait_best (alice, desk->bare, phone->full, GXMPP_PRESENCE_SHOW_CHAT);
  g_clear_object (&presence);
  presences = gxmpp_presence_tracker_get_presences (alice->tracker, bob_jid);
  g_assert_cmpuint (presences->len, ==, 2);
  g_assert_cmpstr (from_of (presences->pdata[0]), ==, phone->full);
  g_assert_cmpstr (from_of (presences->pdata[1]), ==, desk->full);
  g_clear_pointer (&presences, g_ptr_array_unref);

  /* A higher priority beats a better show. */
  set_available (desk, GXMPP_PRESENCE_SHOW_DND, 10, "desk, busy");
  presence = wait_best (alice, desk->bare, desk->full, GXMPP_PRESENCE_SHOW_DND);
  g_assert_cmpint (gxmpp_presence_get_priority (presence), ==, 10);
  g_clear_object (&presence);

  /* A change of the resource behind the best one leaves the contact as
   * it is. */
  contact_changes = count_events (alice->events, "contact-changed", desk->bare);
  set_available (phone, GXMPP_PRESENCE_SHOW_XA, 5, "phone, asleep");
  presence = wait_presence (alice, phone->full, GXMPP_PRESENCE_SHOW_XA);
  g_clear_object (&presence);
  g_assert_cmpuint (count_events (alice->events, "contact-changed", desk->bare), ==, contact_changes);

  /* Negative priority: no messages to the bare JID, but still shown, and
   * the best when it is the only one. */
  set_available (desk, GXMPP_PRESENCE_SHOW_NONE, -1, "desk, hidden");
  presence = wait_best (alice, desk->bare, phone->full, GXMPP_PRESENCE_SHOW_XA);
  g_clear_object (&presence);
  unavailable = gxmpp_presence_new (GXMPP_PRESENCE_TYPE_UNAVAILABLE, NULL);
  send_presence (phone, unavailable);
  presence = wait_best (alice, desk->bare, desk->full, GXMPP_PRESENCE_SHOW_NONE);
  g_assert_cmpint (gxmpp_presence_get_priority (presence), ==, -1);
  g_clear_object (&presence);
  presences = gxmpp_presence_tracker_get_presences (alice->tracker, bob_jid);
  g_assert_cmpuint (presences->len, ==, 1);
}

/* Directed presence */

static void
on_offline (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (gxmpp_presence_tracker_go_offline_finish (GXMPP_PRESENCE_TRACKER (source), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

/* alice sends directed presence to carol, who is not a contact; when
 * alice goes offline, carol sees her go. */
static void
test_directed (void)
{
  g_autoptr(GXmppTestServer) server = start_prosody ();
  g_autoptr(Account) alice = NULL;
  g_autoptr(Account) carol = NULL;
  g_autoptr(GXmppJid) carol_full = NULL;
  g_autoptr(GXmppJid) alice_jid = NULL;
  g_autoptr(GXmppPresence) directed = NULL;
  g_autoptr(GXmppPresence) seen = NULL;
  g_autoptr(GPtrArray) targets = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(Event) changed = NULL;
  gboolean done = FALSE;

  if (server == NULL)
    return;
  alice = account_connect (server, "alice", NULL);
  carol = account_connect (server, "carol", NULL);
  set_available (alice, GXMPP_PRESENCE_SHOW_NONE, 0, "alice, for everybody");
  set_available (carol, GXMPP_PRESENCE_SHOW_NONE, 0, NULL);
  carol_full = jid (carol->full);
  alice_jid = jid (alice->bare);

  directed = gxmpp_presence_new (GXMPP_PRESENCE_TYPE_AVAILABLE, NULL);
  gxmpp_presence_set_show (directed, GXMPP_PRESENCE_SHOW_CHAT);
  gxmpp_presence_set_status (directed, NULL, "just for carol");
  g_assert_true (gxmpp_presence_tracker_send_directed (alice->tracker, carol_full, directed, &error));
  g_assert_no_error (error);
  /* The tracker sent a copy: the application's presence is untouched. */
  g_assert_null (gxmpp_stanza_get_to (GXMPP_STANZA (directed)));

  seen = wait_presence (carol, alice->full, GXMPP_PRESENCE_SHOW_CHAT);
  g_assert_cmpstr (gxmpp_presence_get_status (seen, NULL), ==, "just for carol");
  targets = gxmpp_presence_tracker_get_directed (alice->tracker);
  g_assert_cmpuint (targets->len, ==, 1);
  g_assert_true (gxmpp_jid_equal (targets->pdata[0], carol_full));

  /* Going offline: carol sees alice go, with the status. */
  gxmpp_presence_tracker_go_offline_async (alice->tracker, "see you", NULL, on_offline, &done);
  WAIT_UNTIL (done);
  g_assert_cmpint (gxmpp_session_get_state (alice->session), ==, GXMPP_SESSION_STATE_CLOSED);
  WAIT_UNTIL ((changed = take_unavailable (carol, alice->full)) != NULL);
  g_assert_cmpstr (gxmpp_presence_get_status (changed->presence, NULL), ==, "see you");
  {
    g_autoptr(GXmppPresence) best = gxmpp_presence_tracker_get_best (carol->tracker, alice_jid);

    g_assert_null (best);
  }
  /* alice's tracker forgot its directed presence with the session. */
  g_clear_pointer (&targets, g_ptr_array_unref);
  targets = gxmpp_presence_tracker_get_directed (alice->tracker);
  g_assert_cmpuint (targets->len, ==, 0);
  g_assert_null (gxmpp_presence_tracker_get_own_presence (alice->tracker));
}

/* Pre-approval: Prosody 0.12 announces it; carol's later request is
 * approved by the server, without a request signal at alice. */
static void
test_preapproval (void)
{
  g_autoptr(GXmppTestServer) server = start_prosody ();
  g_autoptr(Account) alice = NULL;
  g_autoptr(Account) carol = NULL;
  g_autoptr(GXmppJid) carol_jid = NULL;
  g_autoptr(GXmppJid) alice_jid = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(Event) subscribed = NULL;
  g_autoptr(GXmppMessage) ping = NULL;
  gboolean supported = FALSE;

  if (server == NULL)
    return;
  alice = account_connect (server, "alice", NULL);
  carol = account_connect (server, "carol", NULL);
  set_available (alice, GXMPP_PRESENCE_SHOW_NONE, 0, NULL);
  set_available (carol, GXMPP_PRESENCE_SHOW_NONE, 0, NULL);
  carol_jid = jid (carol->bare);
  alice_jid = jid (alice->bare);

  g_assert_true (gxmpp_subscriptions_get_preapproval_supported (alice->subscriptions));
  g_object_get (alice->subscriptions, "preapproval-supported", &supported, NULL);
  g_assert_true (supported);

  g_assert_true (gxmpp_subscriptions_preapprove (alice->subscriptions, carol_jid, &error));
  g_assert_no_error (error);
  /* A round trip, so that the pre-approval is stored before carol asks. */
  g_clear_object (&ping);
  ping = relay_message (alice, carol, "go ahead and ask");

  g_assert_true (gxmpp_subscriptions_subscribe (carol->subscriptions, alice_jid, NULL, &error));
  g_assert_no_error (error);
  subscribed = WAIT_EVENT (carol->events, "subscribed", alice->bare);

  /* alice was not asked: carol's next message comes after any request. */
  g_clear_object (&ping);
  ping = relay_message (carol, alice, "thanks");
  g_assert_cmpuint (count_events (alice->events, "request", NULL), ==, 0);
}

/* The end of a session makes every tracked presence unavailable. */
static void
test_session_end (void)
{
  g_autoptr(GXmppTestServer) server = start_prosody ();
  g_autoptr(Account) alice = NULL;
  g_autoptr(Account) bob = NULL;
  g_autoptr(GXmppJid) bob_jid = NULL;
  g_autoptr(GPtrArray) contacts = NULL;
  g_autoptr(GXmppPresence) presence = NULL;
  g_autoptr(Event) changed = NULL;
  g_autoptr(Event) contact = NULL;

  if (server == NULL)
    return;
  alice = account_connect (server, "alice", "home");
  bob = account_connect (server, "bob", NULL);
  set_available (alice, GXMPP_PRESENCE_SHOW_NONE, 0, NULL);
  set_available (bob, GXMPP_PRESENCE_SHOW_DND, 0, "busy");
  bob_jid = jid (bob->bare);
  subscribe_approved (alice, bob);
  presence = wait_best (alice, bob->bare, bob->full, GXMPP_PRESENCE_SHOW_DND);
  /* alice's own presence, reflected by the server. */
  g_clear_object (&presence);
  presence = wait_best (alice, alice->bare, alice->full, GXMPP_PRESENCE_SHOW_NONE);
  g_ptr_array_set_size (alice->events, 0);

  account_close (alice);

  /* Signals with no new presence: the session ended, nobody sent one. */
  changed = take_gone (alice->events, "presence-changed", bob->full, FALSE);
  g_assert_nonnull (changed);
  g_assert_cmpint (gxmpp_presence_get_show (changed->old), ==, GXMPP_PRESENCE_SHOW_DND);
  contact = take_gone (alice->events, "contact-changed", bob->bare, FALSE);
  g_assert_nonnull (contact);
  g_clear_pointer (&changed, event_free);
  changed = take_gone (alice->events, "presence-changed", alice->full, FALSE);
  g_assert_nonnull (changed);

  contacts = gxmpp_presence_tracker_get_contacts (alice->tracker);
  g_assert_cmpuint (contacts->len, ==, 0);
  g_clear_object (&presence);
  presence = gxmpp_presence_tracker_get_best (alice->tracker, bob_jid);
  g_assert_null (presence);
}

/* The server goes away: while the session tries to reconnect, what the
 * tracker knows stays; when the application gives up and closes it, the
 * contacts are gone. */
static void
test_server_gone (void)
{
  g_autoptr(GXmppTestServer) server = start_prosody ();
  g_autoptr(Account) alice = NULL;
  g_autoptr(Account) bob = NULL;
  g_autoptr(GXmppJid) bob_jid = NULL;
  g_autoptr(GXmppPresence) presence = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(Event) contact = NULL;

  if (server == NULL)
    return;
  alice = account_connect (server, "alice", NULL);
  bob = account_connect (server, "bob", NULL);
  bob_jid = jid (bob->bare);
  set_available (alice, GXMPP_PRESENCE_SHOW_NONE, 0, NULL);
  set_available (bob, GXMPP_PRESENCE_SHOW_NONE, 0, NULL);
  subscribe_approved (alice, bob);
  presence = wait_best (alice, bob->bare, bob->full, GXMPP_PRESENCE_SHOW_NONE);

  g_ptr_array_set_size (alice->events, 0);
  g_assert_true (gxmpp_test_server_stop (server, &error));
  g_assert_no_error (error);
  WAIT_UNTIL (gxmpp_session_get_state (alice->session) != GXMPP_SESSION_STATE_READY);
  {
    gboolean closed = FALSE;

    gxmpp_session_close_async (alice->session, NULL, session_close_cb, &closed);
    WAIT_UNTIL (closed);
  }
  /* bob's unavailable presence, or the close, made him gone */
  contact = wait_contact_gone (alice, bob->bare);
  g_assert_cmpint (gxmpp_session_get_state (alice->session), ==, GXMPP_SESSION_STATE_CLOSED);
  /* Whether bob's unavailable presence or the end of the stream came
   * first, nothing is left. */
  g_clear_object (&presence);
  presence = gxmpp_presence_tracker_get_best (alice->tracker, bob_jid);
  g_assert_null (presence);
}

/* Messages through the server */

/* Texts that look like markup, CDATA, entities, emoji and right-to-left
 * script: each arrives as exactly the same characters. (Not a carriage
 * return: the library sends it as &#13;, but Prosody 0.12 forwards it
 * unescaped, and XML's end-of-line handling makes it a line feed.) */
static const char * const tricky_texts[] = {
  "<b>hi</b> &amp; <script>alert('x')</script>",
  "<![CDATA[ this is not CDATA ]]> and ]]> alone",
  "&lt;escaped&gt; &#x41; &unknown; \"quotes\" 'apostrophes'",
  "</body></message><message to='mallory@localhost'><body>smuggled",
  "👋🏽 🇨🇿 👨‍👩‍👧 ✓ — “typographic” ‘quotes’",
  "مرحبا بالعالم",
  "שלום <b>עולם</b> mixed with English\u200f!",
  "  leading and trailing spaces, \ttab,\nnew line  ",
};

static void
test_message_texts (void)
{
  g_autoptr(GXmppTestServer) server = start_prosody ();
  g_autoptr(Account) alice = NULL;
  g_autoptr(Account) bob = NULL;

  if (server == NULL)
    return;
  alice = account_connect (server, "alice", NULL);
  bob = account_connect (server, "bob", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (tricky_texts); i++)
    {
      g_autoptr(GXmppMessage) got = relay_message (alice, bob, tricky_texts[i]);
      g_autoptr(GPtrArray) payload = gxmpp_stanza_get_payload (GXMPP_STANZA (got));

      g_assert_cmpint (gxmpp_message_get_message_type (got), ==, GXMPP_MESSAGE_TYPE_CHAT);
      g_assert_cmpstr (from_of (GXMPP_STANZA (got)), ==, alice->full);
      /* Nothing came out of the text as elements. */
      for (guint j = 0; j < payload->len; j++)
        g_assert_cmpstr (gxmpp_node_get_name (payload->pdata[j]), !=, "message");
    }
  g_assert_cmpuint (bob->messages->len, ==, G_N_ELEMENTS (tricky_texts));
}

/* Bodies and subjects in several languages and a thread with its parent
 * survive the server; an answer stays in the thread. */
static void
test_message_languages_and_thread (void)
{
  g_autoptr(GXmppTestServer) server = start_prosody ();
  g_autoptr(Account) alice = NULL;
  g_autoptr(Account) bob = NULL;
  g_autoptr(GXmppJid) bob_full = NULL;
  g_autoptr(GXmppMessage) message = NULL;
  g_autoptr(GXmppMessage) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) body_langs = NULL;
  g_auto(GStrv) subject_langs = NULL;
  GXmppMessage *got, *back;

  if (server == NULL)
    return;
  alice = account_connect (server, "alice", NULL);
  bob = account_connect (server, "bob", NULL);
  bob_full = jid (bob->full);

  message = gxmpp_message_new_chat (bob_full, "Good morning <3");
  gxmpp_stanza_set_lang (GXMPP_STANZA (message), "en");
  gxmpp_message_set_body (message, "cs", "Dobré ráno <3");
  gxmpp_message_set_body (message, "ar", "صباح الخير");
  gxmpp_message_set_body (message, "ja", "おはよう 🌅");
  gxmpp_message_set_subject (message, NULL, "Greetings & salutations");
  gxmpp_message_set_subject (message, "cs", "Pozdravy");
  gxmpp_message_set_thread (message, "thread-éa8-42", "parent-thread");
  g_assert_true (gxmpp_session_send (alice->session, GXMPP_STANZA (message), &error));
  g_assert_no_error (error);

  WAIT_UNTIL (bob->messages->len == 1);
  got = bob->messages->pdata[0];
  g_assert_cmpstr (gxmpp_stanza_get_id (GXMPP_STANZA (got)), ==, gxmpp_stanza_get_id (GXMPP_STANZA (message)));
  g_assert_cmpstr (gxmpp_stanza_get_lang (GXMPP_STANZA (got)), ==, "en");
  g_assert_cmpstr (gxmpp_message_get_body (got, NULL), ==, "Good morning <3");
  g_assert_cmpstr (gxmpp_message_get_body (got, "en"), ==, "Good morning <3");
  g_assert_cmpstr (gxmpp_message_get_body (got, "cs"), ==, "Dobré ráno <3");
  g_assert_cmpstr (gxmpp_message_get_body (got, "ar"), ==, "صباح الخير");
  g_assert_cmpstr (gxmpp_message_get_body (got, "ja"), ==, "おはよう 🌅");
  body_langs = gxmpp_message_get_body_langs (got);
  g_assert_cmpuint (g_strv_length (body_langs), ==, 3);
  g_assert_true (g_strv_contains ((const char * const *) body_langs, "cs"));
  g_assert_true (g_strv_contains ((const char * const *) body_langs, "ar"));
  g_assert_true (g_strv_contains ((const char * const *) body_langs, "ja"));
  g_assert_cmpstr (gxmpp_message_get_subject (got, NULL), ==, "Greetings & salutations");
  g_assert_cmpstr (gxmpp_message_get_subject (got, "cs"), ==, "Pozdravy");
  subject_langs = gxmpp_message_get_subject_langs (got);
  g_assert_cmpuint (g_strv_length (subject_langs), ==, 1);
  g_assert_cmpstr (gxmpp_message_get_thread (got), ==, "thread-éa8-42");
  g_assert_cmpstr (gxmpp_message_get_thread_parent (got), ==, "parent-thread");

  /* bob answers in the thread. */
  answer = gxmpp_message_answer (got, NULL);
  gxmpp_message_set_body (answer, NULL, "Morning!");
  g_assert_true (gxmpp_session_send (bob->session, GXMPP_STANZA (answer), &error));
  g_assert_no_error (error);
  WAIT_UNTIL (alice->messages->len == 1);
  back = alice->messages->pdata[0];
  g_assert_cmpint (gxmpp_message_get_message_type (back), ==, GXMPP_MESSAGE_TYPE_CHAT);
  g_assert_cmpstr (from_of (GXMPP_STANZA (back)), ==, bob->full);
  g_assert_cmpstr (gxmpp_message_get_body (back, NULL), ==, "Morning!");
  g_assert_cmpstr (gxmpp_message_get_thread (back), ==, "thread-éa8-42");
  g_assert_cmpstr (gxmpp_message_get_thread_parent (back), ==, "parent-thread");
}

/* Against the scripted server: what real servers do not do */

#define FEATURES_TLS \
  "send <stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>"
#define PROCEED "send <proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
#define START_TLS "open", FEATURES_TLS, "expect starttls", PROCEED, "tls localhost", "open"
#define NS_SASL_ATTR "xmlns='urn:ietf:params:xml:ns:xmpp-sasl'"
#define NS_BIND_ATTR "xmlns='urn:ietf:params:xml:ns:xmpp-bind'"
#define PLAIN_LOGIN \
  "send <stream:features><mechanisms " NS_SASL_ATTR "><mechanism>PLAIN</mechanism></mechanisms></stream:features>", \
  "expect auth", "send <success " NS_SASL_ATTR "/>", "restart", "open"
#define JULIET "juliet@localhost/balcony"
#define BIND_RESULT \
  "expect iq", \
  "send <iq type='result' id='{id}'><bind " NS_BIND_ATTR "><jid>" JULIET "</jid></bind></iq>"
/* A ready session bound to JULIET, with or without the pre-approval
 * feature. */
#define READY \
  START_TLS, PLAIN_LOGIN, "send <stream:features><bind " NS_BIND_ATTR "/></stream:features>", BIND_RESULT
#define READY_PREAPPROVAL \
  START_TLS, PLAIN_LOGIN, \
  "send <stream:features><bind " NS_BIND_ATTR "/><sub xmlns='urn:xmpp:features:pre-approval'/></stream:features>", \
  BIND_RESULT

/* Connects as juliet to a scripted server, attaching a tracker and a
 * subscriptions object before anything is received (the scripts send
 * nothing before the client's first stanza anyway). */
static Account *
scripted_connect (ScriptedServer *server)
{
  g_autoptr(GXmppSessionConfig) config = session_config_for (scripted_server_get_port (server),
                                                             GXMPP_TLS_POLICY_REQUIRE);
  g_autoptr(GXmppAuth) auth = gxmpp_auth_new_password ("juliet", "secret");
  SessionConnectResult out = { 0 };
  Account *account = g_new0 (Account, 1);

  gxmpp_auth_set_resource (auth, "balcony");
  gxmpp_session_new_async ("localhost", config, auth, NULL, session_connect_cb, &out);
  WAIT_UNTIL (out.done);
  g_assert_no_error (out.error);
  account->session = out.session;
  account->bare = g_strdup ("juliet@localhost");
  account->full = g_strdup (JULIET);
  watch (account);
  return account;
}

static void
scripted_close (Account        *account,
                ScriptedServer *server)
{
  account_close (account);
  WAIT_UNTIL (scripted_server_is_done (server));
  g_assert_null (scripted_server_get_error (server));
}

/* The order of a contact's resources, stanza by stanza. */
static void
test_scripted_ordering (void)
{
  const char *script[] = {
    READY,
    "expect presence",
    "send <presence from='romeo@localhost/a'><priority>1</priority></presence>",
    "send <presence from='romeo@localhost/b'><priority>1</priority><show>away</show></presence>",
    "expect message",
    /* Equal priority and show: the most recent wins. */
    "send <presence from='romeo@localhost/b'><priority>1</priority></presence>",
    "expect message",
    "send <presence from='romeo@localhost/a'><priority>1</priority><status>again</status></presence>",
    "expect message",
    /* dnd loses to xa, xa to away; chat beats no show. */
    "send <presence from='romeo@localhost/a'><priority>1</priority><show>dnd</show></presence>",
    "send <presence from='romeo@localhost/b'><priority>1</priority><show>xa</show></presence>",
    "expect message",
    "send <presence from='romeo@localhost/c'><priority>1</priority><show>chat</show></presence>",
    "expect message",
    /* Negative priorities still order among themselves. */
    "send <presence from='romeo@localhost/a'><priority>-5</priority></presence>",
    "send <presence from='romeo@localhost/b'><priority>-1</priority><show>dnd</show></presence>",
    "send <presence from='romeo@localhost/c' type='unavailable'/>",
    "expect message",
    "wait-close", NULL
  };
  g_autoptr(ScriptedServer) server = scripted_server_new (script);
  g_autoptr(Account) juliet = scripted_connect (server);
  g_autoptr(GXmppJid) romeo = jid ("romeo@localhost");
  g_autoptr(GXmppMessage) sync = gxmpp_message_new_chat (romeo, "next");
  g_autoptr(GPtrArray) presences = NULL;
  GXmppPresence *best = NULL;

#define NEXT() \
  G_STMT_START { \
    g_autoptr(GError) e_ = NULL; \
    g_assert_true (gxmpp_session_send (juliet->session, GXMPP_STANZA (sync), &e_)); \
    g_assert_no_error (e_); \
  } G_STMT_END
#define BEST_FROM(resource) \
  G_STMT_START { \
    g_clear_object (&best); \
    best = gxmpp_presence_tracker_get_best (juliet->tracker, romeo); \
    g_assert_nonnull (best); \
    g_assert_cmpstr (from_of (GXMPP_STANZA (best)), ==, "romeo@localhost/" resource); \
  } G_STMT_END

  set_available (juliet, GXMPP_PRESENCE_SHOW_NONE, 0, NULL);
  WAIT_UNTIL (count_events (juliet->events, "presence-changed", "romeo@localhost/b") == 1);
  BEST_FROM ("a");
  g_assert_cmpuint (count_events (juliet->events, "contact-changed", "romeo@localhost"), ==, 1);

  NEXT ();
  WAIT_UNTIL (count_events (juliet->events, "presence-changed", "romeo@localhost/b") == 2);
  BEST_FROM ("b");
  g_assert_cmpuint (count_events (juliet->events, "contact-changed", "romeo@localhost"), ==, 2);

  NEXT ();
  WAIT_UNTIL (count_events (juliet->events, "presence-changed", "romeo@localhost/a") == 2);
  BEST_FROM ("a");
  g_assert_cmpstr (gxmpp_presence_get_status (best, NULL), ==, "again");

  NEXT ();
  WAIT_UNTIL (count_events (juliet->events, "presence-changed", "romeo@localhost/b") == 3);
  BEST_FROM ("b");
  g_assert_cmpint (gxmpp_presence_get_show (best), ==, GXMPP_PRESENCE_SHOW_XA);

  NEXT ();
  WAIT_UNTIL (count_events (juliet->events, "presence-changed", "romeo@localhost/c") == 1);
  BEST_FROM ("c");
  presences = gxmpp_presence_tracker_get_presences (juliet->tracker, romeo);
  g_assert_cmpuint (presences->len, ==, 3);
  g_assert_cmpstr (from_of (presences->pdata[0]), ==, "romeo@localhost/c");
  g_assert_cmpstr (from_of (presences->pdata[1]), ==, "romeo@localhost/b");
  g_assert_cmpstr (from_of (presences->pdata[2]), ==, "romeo@localhost/a");
  g_clear_pointer (&presences, g_ptr_array_unref);

  NEXT ();
  WAIT_UNTIL (count_events (juliet->events, "presence-changed", "romeo@localhost/c") == 2);
  BEST_FROM ("b");
  g_assert_cmpint (gxmpp_presence_get_priority (best), ==, -1);
  presences = gxmpp_presence_tracker_get_presences (juliet->tracker, romeo);
  g_assert_cmpuint (presences->len, ==, 2);

  NEXT ();
  g_clear_object (&best);
  scripted_close (juliet, server);
#undef NEXT
#undef BEST_FROM
}

/* Unavailable or error presence from a bare JID ends every resource of
 * the contact; from a full JID, that resource. Presence without 'from'
 * and unavailable presence from strangers change nothing. */
static void
test_scripted_gone (void)
{
  const char *script[] = {
    READY,
    "expect presence",
    "send <presence from='romeo@localhost/a'/>",
    "send <presence from='romeo@localhost/b'/>",
    "send <presence from='mercutio@localhost/x'/>",
    "send <presence from='gateway.localhost'/>",
    "send <presence><show>away</show></presence>",
    "send <presence from='tybalt@localhost/y' type='unavailable'/>",
    "expect message",
    "send <presence from='romeo@localhost' type='unavailable'><status>all gone</status></presence>",
    "send <presence from='mercutio@localhost/x' type='error'>"
      "<error type='cancel'><remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>"
      "</presence>",
    "send <presence from='gateway.localhost' type='unavailable'/>",
    "expect message",
    "wait-close", NULL
  };
  g_autoptr(ScriptedServer) server = scripted_server_new (script);
  g_autoptr(Account) juliet = scripted_connect (server);
  g_autoptr(GXmppJid) romeo = jid ("romeo@localhost");
  g_autoptr(GXmppJid) gateway = jid ("gateway.localhost");
  g_autoptr(GXmppMessage) sync = gxmpp_message_new_chat (romeo, "next");
  g_autoptr(GPtrArray) contacts = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(Event) a = NULL;
  g_autoptr(Event) b = NULL;
  g_autoptr(Event) mercutio = NULL;
  g_autoptr(GXmppStanzaErrorDetails) details = NULL;
  g_autoptr(GXmppPresence) presence = NULL;

  set_available (juliet, GXMPP_PRESENCE_SHOW_NONE, 0, NULL);
  WAIT_UNTIL (count_events (juliet->events, "presence-changed", "gateway.localhost") == 1);
  contacts = gxmpp_presence_tracker_get_contacts (juliet->tracker);
  g_assert_cmpuint (contacts->len, ==, 3);
  /* An entity without resources is tracked under its bare JID. */
  presence = gxmpp_presence_tracker_get_presence (juliet->tracker, gateway);
  g_assert_nonnull (presence);
  g_clear_object (&presence);
  /* romeo: a, then b (as available as a and more recent: the best);
   * mercutio; the gateway. The presence without 'from' and the stranger's
   * unavailable made no events. */
  g_assert_cmpuint (count_events (juliet->events, "presence-changed", NULL), ==, 4);
  g_assert_cmpuint (count_events (juliet->events, "contact-changed", "romeo@localhost"), ==, 2);
  g_assert_cmpuint (count_events (juliet->events, "contact-changed", NULL), ==, 4);
  g_ptr_array_set_size (juliet->events, 0);

  g_assert_true (gxmpp_session_send (juliet->session, GXMPP_STANZA (sync), &error));
  g_assert_no_error (error);
  WAIT_UNTIL (count_events (juliet->events, "contact-changed", "gateway.localhost") == 1);

  a = take_event (juliet->events, "presence-changed", "romeo@localhost/a");
  b = take_event (juliet->events, "presence-changed", "romeo@localhost/b");
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_nonnull (a->old);
  g_assert_cmpint (gxmpp_presence_get_presence_type (a->presence), ==, GXMPP_PRESENCE_TYPE_UNAVAILABLE);
  g_assert_cmpstr (from_of (GXMPP_STANZA (a->presence)), ==, "romeo@localhost");
  g_assert_cmpstr (gxmpp_presence_get_status (b->presence, NULL), ==, "all gone");
  g_assert_cmpuint (count_events (juliet->events, "contact-changed", "romeo@localhost"), ==, 1);

  mercutio = take_event (juliet->events, "presence-changed", "mercutio@localhost/x");
  g_assert_nonnull (mercutio);
  g_assert_cmpint (gxmpp_presence_get_presence_type (mercutio->presence), ==, GXMPP_PRESENCE_TYPE_ERROR);
  details = gxmpp_stanza_get_error (GXMPP_STANZA (mercutio->presence));
  g_assert_cmpint (gxmpp_stanza_error_details_get_condition (details), ==,
                   GXMPP_STANZA_ERROR_REMOTE_SERVER_NOT_FOUND);

  g_clear_pointer (&contacts, g_ptr_array_unref);
  contacts = gxmpp_presence_tracker_get_contacts (juliet->tracker);
  g_assert_cmpuint (contacts->len, ==, 0);

  g_assert_true (gxmpp_session_send (juliet->session, GXMPP_STANZA (sync), &error));
  g_assert_no_error (error);
  scripted_close (juliet, server);
}

/* Subscription stanzas count only from a bare JID, as servers stamp
 * them; nothing is answered on the application's behalf. */
static void
test_scripted_subscription_senders (void)
{
  const char *script[] = {
    READY,
    "expect presence",
    "send <presence type='subscribe' from='mallory@localhost/evil'/>",
    "send <presence type='subscribed' from='mallory@localhost/evil'/>",
    "send <presence type='unsubscribe' from='mallory@localhost/evil'/>",
    "send <presence type='unsubscribed' from='mallory@localhost/evil'/>",
    "send <presence type='subscribe'/>",
    "send <presence type='subscribe' from='romeo@localhost'><status>Wherefore art thou?</status></presence>",
    "send <presence type='subscribed' from='romeo@localhost'/>",
    "send <presence type='unsubscribe' from='romeo@localhost'/>",
    "send <presence type='unsubscribed' from='romeo@localhost'/>",
    "send <presence type='subscribe' from='gateway.localhost'/>",
    "send <presence type='probe' from='romeo@localhost'/>",
    "expect message",
    "wait-close", NULL
  };
  g_autoptr(ScriptedServer) server = scripted_server_new (script);
  g_autoptr(Account) juliet = scripted_connect (server);
  g_autoptr(GXmppJid) romeo = jid ("romeo@localhost");
  g_autoptr(GXmppMessage) sync = gxmpp_message_new_chat (romeo, "done");
  g_autoptr(GError) error = NULL;
  g_autoptr(Event) request = NULL;
  static const char * const expected[] = {
    "request", "subscribed", "unsubscribe-received", "unsubscribed", "request",
  };

  set_available (juliet, GXMPP_PRESENCE_SHOW_NONE, 0, NULL);
  WAIT_UNTIL (count_events (juliet->events, "request", "gateway.localhost") == 1);
  g_assert_cmpuint (juliet->events->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      Event *event = juliet->events->pdata[i];

      g_assert_cmpstr (event->signal, ==, expected[i]);
      g_assert_cmpstr (gxmpp_jid_to_string (event->jid), ==, i < 4 ? "romeo@localhost" : "gateway.localhost");
    }
  request = take_event (juliet->events, "request", "romeo@localhost");
  g_assert_cmpstr (gxmpp_presence_get_status (request->presence, NULL), ==, "Wherefore art thou?");
  /* Subscription stanzas are no presence information. */
  g_assert_cmpuint (count_events (juliet->events, "presence-changed", NULL), ==, 0);

  g_assert_true (gxmpp_session_send (juliet->session, GXMPP_STANZA (sync), &error));
  g_assert_no_error (error);
  scripted_close (juliet, server);
  /* The client sent its presence and the message, and answered nothing. */
  {
    g_autoptr(GXmppNode) second = scripted_server_nth_received (server, "presence", 1);

    g_assert_null (second);
  }
}

/* What going offline sends, exactly: unavailable presence to the directed
 * target, then the broadcast, then the closing tag. */
static void
test_scripted_go_offline (void)
{
  const char *script[] = {
    READY,
    "expect presence",      /* initial */
    "expect presence",      /* directed to romeo */
    "expect presence",      /* directed to mercutio */
    "expect presence",      /* unavailable to mercutio, ending it early */
    "expect presence",      /* unavailable to romeo */
    "expect presence",      /* unavailable broadcast */
    "expect-close", NULL
  };
  g_autoptr(ScriptedServer) server = scripted_server_new (script);
  g_autoptr(Account) juliet = scripted_connect (server);
  g_autoptr(GXmppJid) romeo = jid ("romeo@localhost/orchard");
  g_autoptr(GXmppJid) mercutio = jid ("mercutio@localhost");
  g_autoptr(GXmppPresence) unavailable = gxmpp_presence_new (GXMPP_PRESENCE_TYPE_UNAVAILABLE, NULL);
  g_autoptr(GXmppPresence) subscribe = gxmpp_presence_new (GXMPP_PRESENCE_TYPE_SUBSCRIBE, NULL);
  g_autoptr(GPtrArray) targets = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppNode) node = NULL;
  GXmppNode *child;
  gboolean done = FALSE;

  set_available (juliet, GXMPP_PRESENCE_SHOW_DND, 7, "in the garden");
  /* Directed with NULL: the account's current presence. */
  g_assert_true (gxmpp_presence_tracker_send_directed (juliet->tracker, romeo, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (gxmpp_presence_tracker_send_directed (juliet->tracker, mercutio, NULL, &error));
  g_assert_no_error (error);
  /* Sending the same target again does not list it twice. */
  targets = gxmpp_presence_tracker_get_directed (juliet->tracker);
  g_assert_cmpuint (targets->len, ==, 2);
  g_clear_pointer (&targets, g_ptr_array_unref);
  g_assert_true (gxmpp_presence_tracker_send_directed (juliet->tracker, mercutio, unavailable, &error));
  g_assert_no_error (error);
  targets = gxmpp_presence_tracker_get_directed (juliet->tracker);
  g_assert_cmpuint (targets->len, ==, 1);
  g_assert_true (gxmpp_jid_equal (targets->pdata[0], romeo));
  /* Only available and unavailable presence. */
  g_assert_false (gxmpp_presence_tracker_send_directed (juliet->tracker, romeo, subscribe, &error));
  g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_STANZA);
  g_clear_error (&error);

  gxmpp_presence_tracker_go_offline_async (juliet->tracker, "parting is such sweet sorrow", NULL,
                                           on_offline, &done);
  WAIT_UNTIL (done && scripted_server_is_done (server));
  g_assert_null (scripted_server_get_error (server));

  /* The directed presence carried the account's presence. */
  node = scripted_server_nth_received (server, "presence", 1);
  g_assert_cmpstr (gxmpp_node_get_attribute (node, "to"), ==, "romeo@localhost/orchard");
  g_assert_null (gxmpp_node_get_attribute (node, "type"));
  child = gxmpp_node_get_child (node, "show", "jabber:client");
  g_assert_nonnull (child);
  g_assert_cmpstr (gxmpp_node_get_text (child), ==, "dnd");
  g_assert_cmpstr (gxmpp_node_get_child_text (node, "priority", "jabber:client"), ==, "7");
  g_clear_pointer (&node, gxmpp_node_unref);

  node = scripted_server_nth_received (server, "presence", 4);
  g_assert_cmpstr (gxmpp_node_get_attribute (node, "to"), ==, "romeo@localhost/orchard");
  g_assert_cmpstr (gxmpp_node_get_attribute (node, "type"), ==, "unavailable");
  g_assert_cmpstr (gxmpp_node_get_child_text (node, "status", "jabber:client"), ==, "parting is such sweet sorrow");
  g_clear_pointer (&node, gxmpp_node_unref);

  node = scripted_server_nth_received (server, "presence", 5);
  g_assert_null (gxmpp_node_get_attribute (node, "to"));
  g_assert_cmpstr (gxmpp_node_get_attribute (node, "type"), ==, "unavailable");
  g_assert_cmpstr (gxmpp_node_get_child_text (node, "status", "jabber:client"), ==, "parting is such sweet sorrow");
  g_clear_pointer (&node, gxmpp_node_unref);

  g_assert_cmpint (gxmpp_session_get_state (juliet->session), ==, GXMPP_SESSION_STATE_CLOSED);
}

/* Broadcast presence: only available and unavailable, never with 'to';
 * the tracker sends a copy. */
static void
test_scripted_set_presence (void)
{
  const char *script[] = {
    READY,
    "expect presence",
    "expect presence",
    "wait-close", NULL
  };
  g_autoptr(ScriptedServer) server = scripted_server_new (script);
  g_autoptr(Account) juliet = scripted_connect (server);
  g_autoptr(GXmppJid) romeo = jid ("romeo@localhost");
  g_autoptr(GXmppPresence) presence = gxmpp_presence_new (GXMPP_PRESENCE_TYPE_AVAILABLE, romeo);
  g_autoptr(GXmppPresence) probe = gxmpp_presence_new (GXMPP_PRESENCE_TYPE_PROBE, NULL);
  g_autoptr(GXmppNode) node = NULL;
  GXmppPresence *own;

  g_assert_null (gxmpp_presence_tracker_get_own_presence (juliet->tracker));
  gxmpp_presence_set_status (presence, "de", "Hallo");
  send_presence (juliet, presence);
  own = gxmpp_presence_tracker_get_own_presence (juliet->tracker);
  g_assert_nonnull (own);
  g_assert_true (own != presence);
  g_assert_null (gxmpp_stanza_get_to (GXMPP_STANZA (own)));
  g_assert_cmpstr (gxmpp_presence_get_status (own, "de"), ==, "Hallo");
  /* The application's presence is untouched. */
  g_assert_true (gxmpp_jid_equal (gxmpp_stanza_get_to (GXMPP_STANZA (presence)), romeo));

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GAsyncResult) result = NULL;

    gxmpp_presence_tracker_set_presence_async (juliet->tracker, probe, NULL, on_async_result, &result);
    WAIT_UNTIL (result != NULL);
    g_assert_false (gxmpp_presence_tracker_set_presence_finish (juliet->tracker, result, &error));
    g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_STANZA);
  }

  set_available (juliet, GXMPP_PRESENCE_SHOW_AWAY, 0, NULL);
  scripted_close (juliet, server);

  node = scripted_server_nth_received (server, "presence", 0);
  g_assert_null (gxmpp_node_get_attribute (node, "to"));
  g_clear_pointer (&node, gxmpp_node_unref);
  node = scripted_server_nth_received (server, "presence", 1);
  g_assert_cmpstr (gxmpp_node_get_child_text (node, "show", "jabber:client"), ==, "away");
  g_clear_pointer (&node, gxmpp_node_unref);
  node = scripted_server_nth_received (server, "presence", 2);
  g_assert_null (node);

  /* After the session: the error of the session. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GAsyncResult) result = NULL;

    gxmpp_presence_tracker_set_presence_async (juliet->tracker, presence, NULL, on_async_result, &result);
    WAIT_UNTIL (result != NULL);
    g_assert_false (gxmpp_presence_tracker_set_presence_finish (juliet->tracker, result, &error));
    g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_CLOSED);
  }
}

/* Pre-approval follows the stream feature. */
static void
test_scripted_preapproval (gconstpointer data)
{
  gboolean offered = GPOINTER_TO_INT (data);
  const char *with[] = { READY_PREAPPROVAL, "expect presence", "wait-close", NULL };
  const char *without[] = { READY, "wait-close", NULL };
  g_autoptr(ScriptedServer) server = scripted_server_new (offered ? with : without);
  g_autoptr(Account) juliet = scripted_connect (server);
  g_autoptr(GXmppJid) romeo = jid ("romeo@localhost/orchard");
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (gxmpp_subscriptions_get_preapproval_supported (juliet->subscriptions), ==, offered);
  if (offered)
    {
      g_autoptr(GXmppNode) node = NULL;

      g_assert_true (gxmpp_subscriptions_preapprove (juliet->subscriptions, romeo, &error));
      g_assert_no_error (error);
      scripted_close (juliet, server);
      node = scripted_server_nth_received (server, "presence", 0);
      g_assert_cmpstr (gxmpp_node_get_attribute (node, "type"), ==, "subscribed");
      g_assert_cmpstr (gxmpp_node_get_attribute (node, "to"), ==, "romeo@localhost");
    }
  else
    {
      g_assert_false (gxmpp_subscriptions_preapprove (juliet->subscriptions, romeo, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
      scripted_close (juliet, server);
      g_assert_false (scripted_server_received (server, "presence"));
    }
}

/* A signal handler may drop the tracker and close the session; the
 * presence still queued then goes nowhere. */
typedef struct {
  Account *account;
  gboolean closed;
  guint calls;
} Reentrancy;

static void
on_closed_reentrant (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Reentrancy *r = user_data;

  g_assert_true (gxmpp_session_close_finish (GXMPP_SESSION (source), result, NULL));
  r->closed = TRUE;
}

static void
on_changed_drop_all (GXmppPresenceTracker *tracker,
                     GXmppJid             *jid,
                     GXmppPresence        *old,
                     GXmppPresence        *new,
                     Reentrancy           *r)
{
  r->calls++;
  g_clear_object (&r->account->tracker);
  g_clear_object (&r->account->subscriptions);
  gxmpp_session_close_async (r->account->session, NULL, on_closed_reentrant, r);
}

static void
test_scripted_reentrancy (void)
{
  const char *script[] = {
    READY,
    "expect presence",
    "send <presence from='romeo@localhost/a'/><presence from='romeo@localhost/b'/>"
      "<presence type='subscribe' from='romeo@localhost'/>",
    "wait-close", NULL
  };
  g_autoptr(ScriptedServer) server = scripted_server_new (script);
  g_autoptr(Account) juliet = scripted_connect (server);
  Reentrancy r = { juliet, FALSE, 0 };

  g_signal_connect (juliet->tracker, "presence-changed", G_CALLBACK (on_changed_drop_all), &r);
  set_available (juliet, GXMPP_PRESENCE_SHOW_NONE, 0, NULL);
  WAIT_UNTIL (r.closed && scripted_server_is_done (server));
  g_assert_null (scripted_server_get_error (server));
  g_assert_cmpuint (r.calls, ==, 1);
  g_assert_null (juliet->tracker);
  /* Dropped before the other presences came: no events from them. */
  g_assert_cmpuint (count_events (juliet->events, "presence-changed", "romeo@localhost/b"), ==, 0);
  g_assert_cmpuint (count_events (juliet->events, "request", NULL), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/presence/subscriptions/three-accounts", test_three_accounts);
  g_test_add_func ("/presence/subscriptions/deny", test_deny);
  g_test_add_func ("/presence/subscriptions/unsubscribe-and-cancel", test_unsubscribe_and_cancel);
  g_test_add_func ("/presence/subscriptions/preapproval", test_preapproval);
  g_test_add_func ("/presence/tracker/changes", test_presence_changes);
  g_test_add_func ("/presence/tracker/best-resource", test_best_resource);
  g_test_add_func ("/presence/tracker/directed", test_directed);
  g_test_add_func ("/presence/tracker/session-end", test_session_end);
  g_test_add_func ("/presence/tracker/server-gone", test_server_gone);
  g_test_add_func ("/presence/messages/texts", test_message_texts);
  g_test_add_func ("/presence/messages/languages-and-thread", test_message_languages_and_thread);

  g_test_add_func ("/presence/scripted/ordering", test_scripted_ordering);
  g_test_add_func ("/presence/scripted/gone", test_scripted_gone);
  g_test_add_func ("/presence/scripted/subscription-senders", test_scripted_subscription_senders);
  g_test_add_func ("/presence/scripted/go-offline", test_scripted_go_offline);
  g_test_add_func ("/presence/scripted/set-presence", test_scripted_set_presence);
  g_test_add_func ("/presence/scripted/reentrancy", test_scripted_reentrancy);
  g_test_add_data_func ("/presence/scripted/preapproval/offered", GINT_TO_POINTER (TRUE),
                        test_scripted_preapproval);
  g_test_add_data_func ("/presence/scripted/preapproval/not-offered", GINT_TO_POINTER (FALSE),
                        test_scripted_preapproval);

  status = g_test_run ();
  session_wait_for_streams ();
  return status;
}
