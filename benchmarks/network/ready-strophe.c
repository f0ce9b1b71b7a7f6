/* ready-strophe.c: figure 4 for libstrophe, the time from connecting to ready
 *
 * The same work as ready-gxmpp.c through libstrophe's public API: in one
 * warm process, --samples new connections one after the other, each
 * TLS-verified against --ca-file (STARTTLS required, or with --direct TLS
 * from the first byte, XMPP_CONN_FLAG_LEGACY_SSL), SASL, resource binding.
 * A sample is the wall time from xmpp_connect_client() to the
 * XMPP_CONN_CONNECT event; the connection is then closed (not timed). One
 * connection before the samples is not counted. libstrophe 0.12 has no
 * way to choose the SASL mechanism: it takes the strongest SCRAM the
 * server offers, which the last line reports (from its debug log, captured
 * for the warm-up connection only). The event loop runs with a 1 ms
 * timeout (--loop-timeout), as in throughput-strophe.c, which says why.
 * Prints
 *
 *   RESULT library=libstrophe sample=I ms=T
 *
 * for each sample, then one line with the mechanism and the TLS version.
 * The password comes from BENCH_PASSWORD.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define _POSIX_C_SOURCE 200809L

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <strophe.h>

#include "net-common.h"

static xmpp_ctx_t *ctx;
static int connected, disconnected, failed;
static char mechanism[64], tls[64];

static void
capture_log (void                  *userdata,
             const xmpp_log_level_t level,
             const char            *area,
             const char            *msg)
{
  (void) userdata;
  (void) level;
  bench_strophe_note_log (area, msg, NULL, mechanism, sizeof mechanism, tls, sizeof tls);
}

static xmpp_log_t logger = { capture_log, NULL };

static void
on_connection (xmpp_conn_t         *conn,
               xmpp_conn_event_t    status,
               int                  error,
               xmpp_stream_error_t *stream_error,
               void                *userdata)
{
  (void) stream_error;
  (void) userdata;
  if (status == XMPP_CONN_CONNECT)
    {
      if (!xmpp_conn_is_secured (conn) || xmpp_conn_get_bound_jid (conn) == NULL)
        {
          fprintf (stderr, "ready-strophe: connected without TLS or without a bound JID\n");
          failed = 1;
        }
      connected = 1;
    }
  else
    {
      if (!connected)
        {
          fprintf (stderr, "ready-strophe: the connection failed (event %d, error %d)\n",
                   (int) status, error);
          failed = 1;
        }
      disconnected = 1;
    }
  xmpp_stop (ctx);
}

int
main (int    argc,
      char **argv)
{
  static const struct option long_options[] = {
    { "host", required_argument, NULL, 'h' },
    { "port", required_argument, NULL, 'p' },
    { "direct", no_argument, NULL, 'd' },
    { "ca-file", required_argument, NULL, 'c' },
    { "samples", required_argument, NULL, 's' },
    { "loop-timeout", required_argument, NULL, 't' },
    { NULL, 0, NULL, 0 }
  };
  const char *host = "127.0.0.1", *ca_file = NULL, *password = getenv ("BENCH_PASSWORD");
  unsigned short port = 0;
  unsigned long loop_timeout = 1;
  int samples = 20, direct = 0, c;

  while ((c = getopt_long (argc, argv, "", long_options, NULL)) != -1)
    {
      switch (c)
        {
        case 'h': host = optarg; break;
        case 'p': port = (unsigned short) atoi (optarg); break;
        case 'd': direct = 1; break;
        case 'c': ca_file = optarg; break;
        case 's': samples = atoi (optarg); break;
        case 't': loop_timeout = strtoul (optarg, NULL, 10); break;
        default: return 2;
        }
    }
  if (port == 0 || ca_file == NULL || samples <= 0 || password == NULL)
    {
      fprintf (stderr, "ready-strophe: give --port, --ca-file and BENCH_PASSWORD (see the source)\n");
      return 2;
    }

  xmpp_initialize ();
  ctx = xmpp_ctx_new (NULL, &logger);
  xmpp_ctx_set_timeout (ctx, loop_timeout);

  /* Sample 0 warms up and is not printed; only it is logged. */
  for (int i = 0; i <= samples; i++)
    {
      xmpp_conn_t *conn = xmpp_conn_new (ctx);
      double start, end;

      xmpp_conn_set_jid (conn, "alice@localhost/bench");
      xmpp_conn_set_pass (conn, password);
      xmpp_conn_set_cafile (conn, ca_file);
      xmpp_conn_set_flags (conn, direct ? XMPP_CONN_FLAG_LEGACY_SSL : XMPP_CONN_FLAG_MANDATORY_TLS);
      connected = disconnected = 0;

      start = bench_now_seconds ();
      if (xmpp_connect_client (conn, host, port, on_connection, NULL) != XMPP_EOK)
        {
          fprintf (stderr, "ready-strophe: cannot connect\n");
          return 1;
        }
      xmpp_run (ctx);
      end = bench_now_seconds ();
      if (failed || !connected)
        return 1;
      if (i > 0)
        printf ("RESULT library=libstrophe sample=%d ms=%.3f\n", i, (end - start) * 1000.0);
      logger.handler = NULL;

      xmpp_disconnect (conn);
      while (!disconnected)
        xmpp_run (ctx);
      xmpp_conn_release (conn);
    }

  printf ("RESULT library=libstrophe mechanism=%s tls=%s\n",
          mechanism[0] ? mechanism : "unknown", tls[0] ? tls : "unknown");
  xmpp_ctx_free (ctx);
  xmpp_shutdown ();
  return 0;
}
