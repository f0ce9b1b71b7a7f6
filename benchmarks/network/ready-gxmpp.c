/* ready-gxmpp.c: figure 4 for xmpp-glib, the time from connecting to ready
 *
 * In one warm process, connects alice --samples times, one after the
 * other, each time a new GXmppSession: TCP, TLS (STARTTLS, or with
 * --direct TLS from the first byte, XEP-0368) verified against --ca-file,
 * SASL with --mechanism, resource binding. A sample is the wall time from
 * gxmpp_session_new_async() to its callback with a ready session; the
 * session is then closed (not timed) before the next one. One connection
 * before the samples is not counted: it loads the TLS backend and warms
 * the caches, which a long-running client has done long before. Prints
 *
 *   RESULT library=xmpp-glib sample=I ms=T
 *
 * for each sample, then one line with the mechanism and the TLS version.
 * The password comes from BENCH_PASSWORD.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <stdlib.h>

#include <xmpp-glib/xmpp-glib.h>

#include "../bench-gxmpp.h"

#include "net-common.h"

typedef struct {
  GXmppSession *session;
  GError *error;
  gboolean done;
} Wait;

static void
connected (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Wait *wait = user_data;

  (void) source;
  wait->session = gxmpp_session_new_finish (result, &wait->error);
  wait->done = TRUE;
}

static void
closed (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  Wait *wait = user_data;

  gxmpp_session_close_finish (GXMPP_SESSION (source), result, &wait->error);
  wait->done = TRUE;
}

int
main (int    argc,
      char **argv)
{
  static char *opt_host = "127.0.0.1", *opt_ca_file = NULL, *opt_mechanism = NULL;
  static int opt_port = 0, opt_samples = 20;
  static gboolean opt_direct = FALSE;
  static const GOptionEntry entries[] = {
    { "host", 0, 0, G_OPTION_ARG_STRING, &opt_host, "Server address", "HOST" },
    { "port", 0, 0, G_OPTION_ARG_INT, &opt_port, "Server port", "PORT" },
    { "direct", 0, 0, G_OPTION_ARG_NONE, &opt_direct, "TLS from the first byte (XEP-0368)", NULL },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_ca_file, "The server's CA", "FILE" },
    { "mechanism", 0, 0, G_OPTION_ARG_STRING, &opt_mechanism, "The SASL mechanism", "NAME" },
    { "samples", 0, 0, G_OPTION_ARG_INT, &opt_samples, "Connections measured", "N" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) options = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppStreamConfig) stream_config = gxmpp_stream_config_new ();
  g_autoptr(GXmppSessionConfig) config = gxmpp_session_config_new ();
  const char *password = g_getenv ("BENCH_PASSWORD");
  g_autofree char *mechanism = NULL;
  const char *tls = NULL;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) || opt_port <= 0 ||
      opt_ca_file == NULL || opt_samples <= 0 || password == NULL)
    {
      fprintf (stderr, "ready-gxmpp: %s\n",
               error ? error->message : "give --port, --ca-file and BENCH_PASSWORD (see the source)");
      return 2;
    }

  bench_point_at_server (stream_config, "ready-gxmpp", opt_host, opt_port, opt_ca_file);
  if (opt_direct)
    gxmpp_stream_config_set_tls_policy (stream_config, GXMPP_TLS_POLICY_DIRECT);
  gxmpp_session_config_set_stream_config (config, stream_config);

  /* Sample 0 warms up and is not printed. */
  for (int i = 0; i <= opt_samples; i++)
    {
      g_autoptr(GXmppAuth) auth = gxmpp_auth_new_password ("alice", password);
      Wait wait = { 0 };
      gint64 start, end;

      /* A new one each time: nothing carried over from the last connection. */
      gxmpp_auth_set_resource (auth, "bench");
      if (opt_mechanism != NULL)
        {
          const char *names[] = { opt_mechanism, NULL };

          if (!gxmpp_auth_set_mechanism_names (auth, names, &error))
            {
              fprintf (stderr, "ready-gxmpp: %s\n", error->message);
              return 2;
            }
        }

      start = g_get_monotonic_time ();
      gxmpp_session_new_async ("localhost", config, auth, NULL, connected, &wait);
      while (!wait.done)
        g_main_context_iteration (NULL, TRUE);
      end = g_get_monotonic_time ();
      if (wait.session == NULL)
        {
          fprintf (stderr, "ready-gxmpp: connecting: %s\n", wait.error->message);
          return 1;
        }
      if (gxmpp_session_get_state (wait.session) != GXMPP_SESSION_STATE_READY ||
          gxmpp_session_get_jid (wait.session) == NULL ||
          !gxmpp_session_is_secure (wait.session))
        {
          fprintf (stderr, "ready-gxmpp: the session is not ready, bound and secure\n");
          return 1;
        }
      if (i > 0)
        printf ("RESULT library=xmpp-glib sample=%d ms=%.3f\n", i, (end - start) / 1000.0);
      if (mechanism == NULL)
        {
          mechanism = g_strdup (gxmpp_session_get_mechanism (wait.session));
          tls = bench_tls_version (wait.session);
        }

      wait.done = FALSE;
      gxmpp_session_close_async (wait.session, NULL, closed, &wait);
      while (!wait.done)
        g_main_context_iteration (NULL, TRUE);
      g_clear_error (&wait.error);
      g_object_unref (wait.session);
    }

  printf ("RESULT library=xmpp-glib mechanism=%s tls=%s\n", mechanism, tls);
  return 0;
}
