/* scale-glib.c: figure 7, many xmpp-glib sessions on one main context
 *
 * Connects --sessions sessions of one account (resources s0, s1, ...) on
 * the default main context, lets it settle, and measures the RSS
 * (/proc/self/statm) and the heap (mallinfo2(): uordblks + hblkhd). Then,
 * for --seconds, each session sends a chat message every --interval
 * milliseconds (the sessions' first sends spread over one interval) to the
 * next session's full JID (the last to the first), with the body
 * "SENDER:SEQ". Each session checks that what it receives comes from the
 * session before it, in order, without a gap. When the time is up the
 * sending stops and the program waits (at most --drain seconds) until
 * every message sent has arrived, runs the main loop for the settle time
 * again and measures again. Prints
 *
 *   RESULT sessions=N seconds=T sent=S received=R rss_start=B rss_end=B
 *          heap_start=B heap_end=B
 *
 * Password from BENCH_PASSWORD. Exits non-zero if a session fails or
 * closes, a message is lost, out of order or from the wrong sender.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <stdlib.h>

#include "bench-glib.h"
#include "bench-mem.h"

typedef struct _Scale Scale;

typedef struct {
  Scale *scale;
  guint index;
  GXmppSession *session;
  GXmppJid *to;          /* the next session's full JID */
  guint64 sent;
  guint64 expected;      /* the next sequence number from the previous session */
  guint timer;
} Peer;

struct _Scale {
  Peer *peers;
  guint n;
  guint interval_ms;
  gboolean sending;
  guint64 sent;
  guint64 received;
  gboolean failed;
};

static void
fail (Scale      *scale,
      const char *format,
      ...) G_GNUC_PRINTF (2, 3);

static void
fail (Scale      *scale,
      const char *format,
      ...)
{
  va_list args;

  fprintf (stderr, "scale-glib: ");
  va_start (args, format);
  vfprintf (stderr, format, args);
  va_end (args);
  fprintf (stderr, "\n");
  scale->failed = TRUE;
}

static gboolean
send_one (gpointer user_data)
{
  Peer *peer = user_data;
  Scale *scale = peer->scale;
  g_autoptr(GXmppMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;

  if (!scale->sending)
    {
      peer->timer = 0;
      return G_SOURCE_REMOVE;
    }
  message = gxmpp_message_new (GXMPP_MESSAGE_TYPE_CHAT, peer->to);
  body = g_strdup_printf ("%u:%" G_GUINT64_FORMAT, peer->index, peer->sent);
  gxmpp_message_set_body (message, NULL, body);
  if (!gxmpp_session_send (peer->session, GXMPP_STANZA (message), &error))
    {
      fail (scale, "session %u: sending: %s", peer->index, error->message);
      peer->timer = 0;
      return G_SOURCE_REMOVE;
    }
  peer->sent++;
  scale->sent++;
  return G_SOURCE_CONTINUE;
}

static gboolean
start_sending (gpointer user_data)
{
  Peer *peer = user_data;

  send_one (peer);
  if (peer->scale->sending)
    peer->timer = g_timeout_add (peer->scale->interval_ms, send_one, peer);
  else
    peer->timer = 0;
  return G_SOURCE_REMOVE;
}

static gboolean
on_message (GXmppSession *session,
            GXmppMessage *message,
            gpointer      user_data)
{
  Peer *peer = user_data;
  Scale *scale = peer->scale;
  const char *body = gxmpp_message_get_body (message, NULL);
  guint from_expected = (peer->index + scale->n - 1) % scale->n;
  g_autofree char *want = NULL;

  (void) session;
  if (body == NULL)
    return FALSE;
  want = g_strdup_printf ("%u:%" G_GUINT64_FORMAT, from_expected, peer->expected);
  if (g_strcmp0 (body, want) != 0)
    {
      fail (scale, "session %u received “%s”, expected “%s”", peer->index, body, want);
      return TRUE;
    }
  peer->expected++;
  scale->received++;
  return TRUE;
}

static void
on_closed (GXmppSession *session,
           GError       *reason,
           gpointer      user_data)
{
  Peer *peer = user_data;

  (void) session;
  fail (peer->scale, "session %u closed: %s", peer->index, reason ? reason->message : "cleanly");
}

static void
on_disconnected (GXmppSession *session,
                 GError       *reason,
                 gpointer      user_data)
{
  Peer *peer = user_data;

  (void) session;
  fail (peer->scale, "session %u lost its connection: %s", peer->index,
        reason ? reason->message : "?");
}

static gboolean
tick (gpointer user_data)
{
  (void) user_data;
  return G_SOURCE_CONTINUE;
}

int
main (int    argc,
      char **argv)
{
  static int n_sessions = 1000, window = 32, interval_ms = 2000;
  static double seconds = 60, settle = 2, drain = 60;
  static const GOptionEntry entries[] = {
    { "sessions", 0, 0, G_OPTION_ARG_INT, &n_sessions, "Sessions (default 1000)", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds, "How long they send (default 60)", "S" },
    { "interval", 0, 0, G_OPTION_ARG_INT, &interval_ms, "Milliseconds between a session's messages (default 2000)", "MS" },
    { "settle", 0, 0, G_OPTION_ARG_DOUBLE, &settle, "Seconds of main loop before each measurement (default 2)", "S" },
    { "drain", 0, 0, G_OPTION_ARG_DOUBLE, &drain, "At most this long for the last messages (default 60 s)", "S" },
    { "window", 0, 0, G_OPTION_ARG_INT, &window, "Sessions negotiating at once (default 32)", "N" },
    G_OPTION_ENTRY_NULL
  };
  BenchServer server = { 0 };
  g_autoptr(GPtrArray) sessions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  Scale scale = { 0 };
  long long rss_start, rss_end, heap_start, heap_end;
  double end, drain_end;
  guint ticker, n_ready = 0;

  bench_raise_nofile ();
  bench_server_parse (&server, &argc, &argv, entries,
                      "Many xmpp-glib sessions on one main context exchanging messages (benchmarks figure 7).");
  if (n_sessions < 2 || interval_ms < 1 || seconds <= 0)
    {
      fprintf (stderr, "--sessions must be at least 2, --interval and --seconds positive\n");
      return 2;
    }

  if (!bench_connect (&server, "s", 0, (guint) n_sessions, (guint) window, 900, sessions, &error))
    {
      fprintf (stderr, "scale-glib: %s\n", error->message);
      return 1;
    }

  /* bench_connect() adds them as they become ready: put them in order. */
  scale.n = sessions->len;
  scale.interval_ms = (guint) interval_ms;
  scale.peers = g_new0 (Peer, scale.n);
  for (guint i = 0; i < sessions->len; i++)
    {
      GXmppSession *session = sessions->pdata[i];
      const char *resource = gxmpp_jid_get_resource (gxmpp_session_get_jid (session));
      guint index = (guint) g_ascii_strtoull (resource + 1, NULL, 10);

      if (resource[0] != 's' || index >= scale.n || scale.peers[index].session != NULL)
        {
          fprintf (stderr, "scale-glib: unexpected resource %s\n", resource);
          return 1;
        }
      scale.peers[index].session = session;
    }
  for (guint i = 0; i < scale.n; i++)
    {
      Peer *peer = &scale.peers[i];

      peer->scale = &scale;
      peer->index = i;
      peer->to = gxmpp_jid_ref (gxmpp_session_get_jid (scale.peers[(i + 1) % scale.n].session));
      g_signal_connect (peer->session, "message", G_CALLBACK (on_message), peer);
      g_signal_connect (peer->session, "closed", G_CALLBACK (on_closed), peer);
      g_signal_connect (peer->session, "disconnected", G_CALLBACK (on_disconnected), peer);
    }

  bench_run_for (settle);
  rss_start = bench_rss_bytes ();
  heap_start = bench_heap_bytes ();

  scale.sending = TRUE;
  for (guint i = 0; i < scale.n; i++)
    scale.peers[i].timer = g_timeout_add ((guint) ((guint64) i * scale.interval_ms / scale.n),
                                          start_sending, &scale.peers[i]);
  ticker = g_timeout_add (100, tick, NULL);
  end = bench_now () + seconds;
  while (!scale.failed && bench_now () < end)
    g_main_context_iteration (NULL, TRUE);
  scale.sending = FALSE;
  for (guint i = 0; i < scale.n; i++)
    if (scale.peers[i].timer != 0)
      {
        g_source_remove (scale.peers[i].timer);
        scale.peers[i].timer = 0;
      }

  drain_end = bench_now () + drain;
  while (!scale.failed && scale.received < scale.sent && bench_now () < drain_end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (ticker);
  if (!scale.failed)
    bench_run_for (settle);
  rss_end = bench_rss_bytes ();
  heap_end = bench_heap_bytes ();

  for (guint i = 0; i < scale.n; i++)
    {
      Peer *peer = &scale.peers[i];
      Peer *previous = &scale.peers[(i + scale.n - 1) % scale.n];

      if (gxmpp_session_get_state (peer->session) == GXMPP_SESSION_STATE_READY)
        n_ready++;
      if (peer->expected != previous->sent)
        fail (&scale, "session %u received %" G_GUINT64_FORMAT " of the %" G_GUINT64_FORMAT
              " messages session %u sent", i, peer->expected, previous->sent, previous->index);
    }
  if (n_ready != scale.n)
    fail (&scale, "%u of %u sessions ready at the end", n_ready, scale.n);
  if (scale.received != scale.sent || scale.sent == 0)
    fail (&scale, "%" G_GUINT64_FORMAT " messages received of %" G_GUINT64_FORMAT " sent",
          scale.received, scale.sent);
  if (scale.failed)
    return 1;

  printf ("RESULT sessions=%u seconds=%g sent=%" G_GUINT64_FORMAT " received=%" G_GUINT64_FORMAT
          " rss_start=%lld rss_end=%lld heap_start=%lld heap_end=%lld\n",
          scale.n, seconds, scale.sent, scale.received, rss_start, rss_end, heap_start, heap_end);
  fflush (stdout);

  for (guint i = 0; i < scale.n; i++)
    gxmpp_jid_unref (scale.peers[i].to);
  g_free (scale.peers);
  return 0;
}
