/* bench-glib.c: what the xmpp-glib programs of benchmarks/scale share
 * (see bench-glib.h)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <stdlib.h>

#include "bench-glib.h"
#include "../bench-gxmpp.h"

void
bench_server_parse (BenchServer        *server,
                    int                *argc,
                    char             ***argv,
                    const GOptionEntry *extra,
                    const char         *summary)
{
  static char *host = NULL, *ca_file = NULL, *domain = NULL, *user = NULL;
  static int port = 0, max_stanza_kib = 0;
  const GOptionEntry entries[] = {
    { "host", 0, 0, G_OPTION_ARG_STRING, &host, "The server's address (default 127.0.0.1)", "HOST" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "The server's c2s port (STARTTLS)", "PORT" },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, "The only CA to trust", "FILE" },
    { "domain", 0, 0, G_OPTION_ARG_STRING, &domain, "The XMPP domain (default localhost)", "DOMAIN" },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, "The account's local part", "USER" },
    { "max-stanza-kib", 0, 0, G_OPTION_ARG_INT, &max_stanza_kib, "The sessions' maximum stanza size (default: the library's)", "KIB" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) options = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppStreamConfig) stream_config = gxmpp_stream_config_new ();

  g_option_context_add_main_entries (options, entries, NULL);
  if (extra != NULL)
    g_option_context_add_main_entries (options, extra, NULL);
  g_option_context_set_summary (options, summary);
  if (!g_option_context_parse (options, argc, argv, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      exit (2);
    }
  server->password = g_getenv ("BENCH_PASSWORD");
  if (port <= 0 || ca_file == NULL || user == NULL || server->password == NULL)
    {
      fprintf (stderr, "give --port, --ca-file and --user, and the password in BENCH_PASSWORD\n");
      exit (2);
    }
  server->host = host != NULL ? host : g_strdup ("127.0.0.1");
  server->port = port;
  server->ca_file = ca_file;
  server->domain = domain != NULL ? domain : g_strdup ("localhost");
  server->user = user;

  bench_point_at_server (stream_config, g_get_prgname (), server->host, server->port, server->ca_file);
  if (max_stanza_kib > 0)
    gxmpp_stream_config_set_max_stanza_size (stream_config, (gsize) max_stanza_kib * 1024);
  server->config = gxmpp_session_config_new ();
  gxmpp_session_config_set_stream_config (server->config, stream_config);
}

typedef struct {
  BenchServer *server;
  const char *prefix;
  guint next;         /* the next resource number to start */
  guint end;          /* one past the last */
  guint under_way;
  guint ready;
  guint wanted;
  GPtrArray *sessions;
  GError *error;
} Connecting;

static void start_one (Connecting *c);

static void
connected (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Connecting *c = user_data;
  g_autoptr(GError) error = NULL;
  GXmppSession *session;

  (void) source;
  c->under_way--;
  session = gxmpp_session_new_finish (result, &error);
  if (session == NULL)
    {
      if (c->error == NULL)
        c->error = g_steal_pointer (&error);
      return;
    }
  g_ptr_array_add (c->sessions, session);
  c->ready++;
  if (c->error == NULL && c->next < c->end)
    start_one (c);
}

static void
start_one (Connecting *c)
{
  g_autofree char *resource = g_strdup_printf ("%s%u", c->prefix, c->next++);
  g_autoptr(GXmppAuth) auth = gxmpp_auth_new_password (c->server->user, c->server->password);

  gxmpp_auth_set_resource (auth, resource);
  c->under_way++;
  gxmpp_session_new_async (c->server->domain, c->server->config, auth, NULL, connected, c);
}

static gboolean
tick_cb (gpointer user_data)
{
  (void) user_data;
  return G_SOURCE_CONTINUE;
}

gboolean
bench_connect (BenchServer  *server,
               const char   *prefix,
               guint         first,
               guint         n,
               guint         window,
               double        timeout_s,
               GPtrArray    *sessions,
               GError      **error)
{
  Connecting c = { server, prefix, first, first + n, 0, 0, n, sessions, NULL };
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC);
  /* Wakes the loop up now and then, to look at the clock. */
  guint tick = g_timeout_add (250, tick_cb, NULL);

  while (c.next < c.end && c.under_way < MAX (window, 1))
    start_one (&c);
  while (c.ready < c.wanted && c.error == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  /* The ones still under way finish before @c goes away. */
  while (c.under_way > 0)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  if (c.error != NULL)
    {
      g_propagate_prefixed_error (error, c.error, "session %u of %u: ", c.ready + 1, n);
      return FALSE;
    }
  if (c.ready < c.wanted)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "only %u of %u sessions ready after %.0f s", c.ready, n, timeout_s);
      return FALSE;
    }
  return TRUE;
}

static gboolean
time_up (gpointer user_data)
{
  gboolean *done = user_data;

  *done = TRUE;
  return G_SOURCE_REMOVE;
}

void
bench_run_for (double seconds)
{
  gboolean done = FALSE;

  g_timeout_add ((guint) (seconds * 1000), time_up, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}
