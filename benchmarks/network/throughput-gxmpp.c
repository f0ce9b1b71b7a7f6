/* throughput-gxmpp.c: figure 3 for xmpp-glib, chat messages from alice to bob
 *
 * One process, two sessions (alice and bob) to the same server, both with
 * STARTTLS verified against --ca-file and the SASL mechanism the library
 * picks. Once both are ready, alice sends --count chat messages with the
 * ids m0, m1, ... to bob's full JID, keeping at most --window of them sent
 * and not yet received by bob (the same end-to-end window as the other
 * libraries' programs). Bob checks each id and body, and that every
 * message arrived exactly once. Prints
 *
 *   RESULT library=xmpp-glib messages=N seconds=S cpu=C mechanism=M tls=T
 *
 * with the wall time from the first send to the last message received and
 * the process's user + system CPU time over the same span. Exits non-zero
 * if anything is missing, duplicated or wrong.
 *
 * The passwords come from BENCH_PASSWORD_ALICE and BENCH_PASSWORD_BOB.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <xmpp-glib/xmpp-glib.h>

#include "../bench-gxmpp.h"

#include "net-common.h"

#define TIMEOUT_SECONDS 600

typedef struct {
  GMainLoop *loop;
  GXmppSession *alice;
  GXmppSession *bob;
  GXmppJid *bob_jid;
  guint n_ready;
  guint count;
  guint window;
  guint sent;
  guint received;
  guint8 *seen;
  gint64 start_us;
  double start_cpu;
  gint64 end_us;
  double end_cpu;
  int status;
} Bench;

static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
         usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

static void
fail (Bench      *bench,
      const char *what,
      GError     *error)
{
  fprintf (stderr, "throughput-gxmpp: %s: %s\n", what, error != NULL ? error->message : "failed");
  bench->status = EXIT_FAILURE;
  g_main_loop_quit (bench->loop);
}

static void
top_up (Bench *bench)
{
  while (bench->sent < bench->count && bench->sent - bench->received < bench->window)
    {
      g_autoptr(GXmppMessage) message = gxmpp_message_new (GXMPP_MESSAGE_TYPE_CHAT, bench->bob_jid);
      g_autoptr(GError) error = NULL;
      char id[32], body[80];

      g_snprintf (id, sizeof id, "m%u", bench->sent);
      g_snprintf (body, sizeof body, "Message %u of the throughput benchmark.", bench->sent);
      gxmpp_stanza_set_id (GXMPP_STANZA (message), id);
      gxmpp_message_set_body (message, NULL, body);
      if (!gxmpp_session_send (bench->alice, GXMPP_STANZA (message), &error))
        {
          fail (bench, "sending", error);
          return;
        }
      bench->sent++;
    }
}

static gboolean
on_bob_message (GXmppSession *session,
                GXmppMessage *message,
                gpointer      user_data)
{
  Bench *bench = user_data;
  const char *id = gxmpp_stanza_get_id (GXMPP_STANZA (message));
  const char *body = gxmpp_message_get_body (message, NULL);
  char expected[80], *end = NULL;
  guint64 n;

  (void) session;
  if (id == NULL || id[0] != 'm' || body == NULL)
    {
      fail (bench, "bob received an unexpected message", NULL);
      return TRUE;
    }
  n = g_ascii_strtoull (id + 1, &end, 10);
  g_snprintf (expected, sizeof expected, "Message %u of the throughput benchmark.", (guint) n);
  if (end == id + 1 || *end != '\0' || n >= bench->count || bench->seen[n] ||
      strcmp (body, expected) != 0)
    {
      g_autofree char *what = g_strdup_printf ("bob received a wrong or repeated message (id %s)", id);

      fail (bench, what, NULL);
      return TRUE;
    }
  bench->seen[n] = 1;
  bench->received++;
  if (bench->received == bench->count)
    {
      bench->end_us = g_get_monotonic_time ();
      bench->end_cpu = cpu_seconds ();
      g_main_loop_quit (bench->loop);
      return TRUE;
    }
  top_up (bench);
  return TRUE;
}

static gboolean
on_alice_message (GXmppSession *session,
                  GXmppMessage *message,
                  gpointer      user_data)
{
  (void) session;
  (void) message;
  fail (user_data, "alice received a message (a bounce?)", NULL);
  return TRUE;
}

static void
on_closed (GXmppSession *session,
           GError       *reason,
           gpointer      user_data)
{
  (void) session;
  fail (user_data, "a session closed during the run", reason);
}

static void
start (Bench *bench)
{
  bench->bob_jid = gxmpp_jid_ref (gxmpp_session_get_jid (bench->bob));
  g_signal_connect (bench->bob, "message", G_CALLBACK (on_bob_message), bench);
  g_signal_connect (bench->alice, "message", G_CALLBACK (on_alice_message), bench);
  g_signal_connect (bench->alice, "closed", G_CALLBACK (on_closed), bench);
  g_signal_connect (bench->bob, "closed", G_CALLBACK (on_closed), bench);
  bench->start_us = g_get_monotonic_time ();
  bench->start_cpu = cpu_seconds ();
  top_up (bench);
}

static void
connected (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GXmppSession **slot = user_data;
  g_autoptr(GError) error = NULL;

  (void) source;
  *slot = gxmpp_session_new_finish (result, &error);
  if (*slot == NULL)
    {
      fprintf (stderr, "throughput-gxmpp: connecting: %s\n", error->message);
      exit (EXIT_FAILURE);
    }
}

static gboolean
timed_out (gpointer user_data)
{
  Bench *bench = user_data;

  fprintf (stderr, "throughput-gxmpp: timed out after %d s: %u sent, %u received\n",
           TIMEOUT_SECONDS, bench->sent, bench->received);
  bench->status = EXIT_FAILURE;
  g_main_loop_quit (bench->loop);
  return G_SOURCE_REMOVE;
}

static GXmppSession *
connect_account (const char         *user,
                 const char         *password,
                 GXmppSessionConfig *config)
{
  g_autoptr(GXmppAuth) auth = gxmpp_auth_new_password (user, password);
  GXmppSession *session = NULL;

  gxmpp_auth_set_resource (auth, "bench");
  gxmpp_session_new_async ("localhost", config, auth, NULL, connected, &session);
  while (session == NULL)
    g_main_context_iteration (NULL, TRUE);
  return session;
}

int
main (int    argc,
      char **argv)
{
  static char *opt_host = "127.0.0.1", *opt_ca_file = NULL;
  static int opt_port = 0, opt_count = 1000, opt_window = 100;
  static const GOptionEntry entries[] = {
    { "host", 0, 0, G_OPTION_ARG_STRING, &opt_host, "Server address", "HOST" },
    { "port", 0, 0, G_OPTION_ARG_INT, &opt_port, "Server port (STARTTLS)", "PORT" },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_ca_file, "The server's CA", "FILE" },
    { "count", 0, 0, G_OPTION_ARG_INT, &opt_count, "Messages to send", "N" },
    { "window", 0, 0, G_OPTION_ARG_INT, &opt_window, "Messages sent and not yet received, at most", "W" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) options = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppStreamConfig) stream_config = gxmpp_stream_config_new ();
  g_autoptr(GXmppSessionConfig) config = gxmpp_session_config_new ();
  const char *alice_password = g_getenv ("BENCH_PASSWORD_ALICE");
  const char *bob_password = g_getenv ("BENCH_PASSWORD_BOB");
  Bench bench = { 0 };
  guint timeout_id;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) || opt_port <= 0 ||
      opt_ca_file == NULL || opt_count <= 0 || opt_window <= 0 ||
      alice_password == NULL || bob_password == NULL)
    {
      fprintf (stderr, "throughput-gxmpp: %s\n",
               error ? error->message : "give --port, --ca-file and the passwords (see the source)");
      return 2;
    }

  bench_point_at_server (stream_config, "throughput-gxmpp", opt_host, opt_port, opt_ca_file);
  gxmpp_session_config_set_stream_config (config, stream_config);

  bench.loop = g_main_loop_new (NULL, FALSE);
  bench.count = opt_count;
  bench.window = opt_window;
  bench.seen = g_new0 (guint8, bench.count);
  bench.status = EXIT_SUCCESS;

  bench.alice = connect_account ("alice", alice_password, config);
  bench.bob = connect_account ("bob", bob_password, config);

  timeout_id = g_timeout_add_seconds (TIMEOUT_SECONDS, timed_out, &bench);
  start (&bench);
  if (bench.status == EXIT_SUCCESS)
    g_main_loop_run (bench.loop);
  g_source_remove (timeout_id);

  if (bench.status == EXIT_SUCCESS && bench.received != bench.count)
    {
      fprintf (stderr, "throughput-gxmpp: %u of %u messages received\n", bench.received, bench.count);
      bench.status = EXIT_FAILURE;
    }
  if (bench.status == EXIT_SUCCESS)
    printf ("RESULT library=xmpp-glib messages=%u seconds=%.6f cpu=%.6f mechanism=%s tls=%s window=%u\n",
            bench.count, (bench.end_us - bench.start_us) / 1e6, bench.end_cpu - bench.start_cpu,
            gxmpp_session_get_mechanism (bench.alice), bench_tls_version (bench.alice), bench.window);

  g_clear_object (&bench.alice);
  g_clear_object (&bench.bob);
  g_clear_pointer (&bench.bob_jid, gxmpp_jid_unref);
  g_free (bench.seen);
  g_main_loop_unref (bench.loop);
  return bench.status;
}
