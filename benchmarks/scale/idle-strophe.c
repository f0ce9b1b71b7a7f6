/* idle-strophe.c: figure 5 for libstrophe, memory per idle session
 *
 * The same as idle-glib.c with libstrophe's public API: one xmpp_ctx_t and
 * one xmpp_conn_t per session. One warm-up connection first (it loads
 * OpenSSL and the rest a process pays for once), then the heap
 * (mallinfo2(): uordblks + hblkhd) and the RSS (/proc/self/statm); then
 * --sessions more connections of one account (resources idle0, ...), each
 * with STARTTLS (mandatory, verified against --ca-file), SASL and
 * resource binding; xmpp_run_once() for --settle seconds with all of them
 * idle, a check that they are all still connected, and the heap and RSS
 * again. Prints
 *
 *   RESULT sessions=N heap_before=B heap_after=B rss_before=B rss_after=B
 *          heap_per_session=B rss_per_session=B
 *
 * The password comes from BENCH_PASSWORD. Exits non-zero if a connection
 * fails, or is not connected and secured at the end. --hold keeps the
 * connections after the result, as idle-glib's does.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strophe.h>

#include "bench-mem.h"

typedef struct {
  xmpp_ctx_t *ctx;
  const char *host, *domain, *user, *password, *ca_file;
  unsigned short port;
  xmpp_conn_t **conns;
  int n_conns;
  int under_way;
  int ready;
  int failed;
} Idle;

static void
on_conn (xmpp_conn_t         *conn,
         xmpp_conn_event_t    event,
         int                  error,
         xmpp_stream_error_t *stream_error,
         void                *userdata)
{
  Idle *idle = userdata;

  (void) stream_error;
  if (event == XMPP_CONN_CONNECT)
    {
      idle->under_way--;
      if (!xmpp_conn_is_secured (conn))
        {
          fprintf (stderr, "idle-strophe: a connection is not secured\n");
          idle->failed = 1;
          return;
        }
      idle->ready++;
    }
  else
    {
      fprintf (stderr, "idle-strophe: %s %s (error %d)\n", xmpp_conn_get_jid (conn),
               event == XMPP_CONN_FAIL ? "failed" : "disconnected", error);
      idle->failed = 1;
    }
}

static int
start_one (Idle       *idle,
           const char *resource)
{
  xmpp_conn_t *conn = xmpp_conn_new (idle->ctx);
  char jid[512];

  snprintf (jid, sizeof jid, "%s@%s/%s", idle->user, idle->domain, resource);
  xmpp_conn_set_jid (conn, jid);
  xmpp_conn_set_pass (conn, idle->password);
  xmpp_conn_set_cafile (conn, idle->ca_file);
  xmpp_conn_set_flags (conn, XMPP_CONN_FLAG_MANDATORY_TLS);
  idle->conns[idle->n_conns++] = conn;
  idle->under_way++;
  if (xmpp_connect_client (conn, idle->host, idle->port, on_conn, idle) != XMPP_EOK)
    {
      fprintf (stderr, "idle-strophe: xmpp_connect_client() failed for %s\n", jid);
      return 0;
    }
  return 1;
}

static int
connect_all (Idle       *idle,
             const char *prefix,
             int         n,
             int         window,
             double      timeout_s)
{
  double deadline = bench_now () + timeout_s;
  int target = idle->ready + n;
  int next = 0;

  while (idle->ready < target && !idle->failed && bench_now () < deadline)
    {
      while (next < n && idle->under_way < window)
        {
          char resource[64];

          snprintf (resource, sizeof resource, "%s%d", prefix, next++);
          if (!start_one (idle, resource))
            return 0;
        }
      xmpp_run_once (idle->ctx, 50);
    }
  if (idle->failed)
    return 0;
  if (idle->ready < target)
    {
      fprintf (stderr, "idle-strophe: only %d of %d connections ready after %.0f s\n",
               idle->ready, target, timeout_s);
      return 0;
    }
  return 1;
}

static void
run_for (Idle   *idle,
         double  seconds)
{
  double end = bench_now () + seconds;

  while (bench_now () < end && !idle->failed)
    xmpp_run_once (idle->ctx, 50);
}

int
main (int    argc,
      char **argv)
{
  static const struct option options[] = {
    { "host", required_argument, NULL, 'h' },
    { "port", required_argument, NULL, 'p' },
    { "ca-file", required_argument, NULL, 'c' },
    { "domain", required_argument, NULL, 'd' },
    { "user", required_argument, NULL, 'u' },
    { "sessions", required_argument, NULL, 'n' },
    { "settle", required_argument, NULL, 's' },
    { "window", required_argument, NULL, 'w' },
    { "hold", required_argument, NULL, 'H' },
    { NULL, 0, NULL, 0 }
  };
  Idle idle = { 0 };
  int n_sessions = 500, window = 32, opt, connected = 0;
  double settle = 3.0, hold = 0;
  long long heap_before, heap_after, rss_before, rss_after;

  idle.host = "127.0.0.1";
  idle.domain = "localhost";
  while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1)
    {
      switch (opt)
        {
        case 'h': idle.host = optarg; break;
        case 'p': idle.port = (unsigned short) atoi (optarg); break;
        case 'c': idle.ca_file = optarg; break;
        case 'd': idle.domain = optarg; break;
        case 'u': idle.user = optarg; break;
        case 'n': n_sessions = atoi (optarg); break;
        case 's': settle = atof (optarg); break;
        case 'w': window = atoi (optarg); break;
        case 'H': hold = atof (optarg); break;
        default: return 2;
        }
    }
  idle.password = getenv ("BENCH_PASSWORD");
  if (idle.port == 0 || idle.ca_file == NULL || idle.user == NULL || idle.password == NULL ||
      n_sessions < 1 || window < 1)
    {
      fprintf (stderr, "usage: idle-strophe --port P --ca-file F --user U [--sessions N] "
               "[--settle S] [--window W] [--hold S], the password in BENCH_PASSWORD\n");
      return 2;
    }

  bench_raise_nofile ();
  xmpp_initialize ();
  idle.ctx = xmpp_ctx_new (NULL, NULL);
  idle.conns = calloc ((size_t) n_sessions + 1, sizeof *idle.conns);

  if (!connect_all (&idle, "warmup", 1, 1, 60))
    return 1;
  run_for (&idle, settle);
  heap_before = bench_heap_bytes ();
  rss_before = bench_rss_bytes ();

  if (!connect_all (&idle, "idle", n_sessions, window, 600))
    return 1;
  run_for (&idle, settle);
  heap_after = bench_heap_bytes ();
  rss_after = bench_rss_bytes ();

  for (int i = 0; i < idle.n_conns; i++)
    if (xmpp_conn_is_connected (idle.conns[i]) && xmpp_conn_is_secured (idle.conns[i]))
      connected++;
  if (idle.failed || connected != n_sessions + 1)
    {
      fprintf (stderr, "idle-strophe: %d of %d connections ready at the end\n",
               connected, n_sessions + 1);
      return 1;
    }

  printf ("RESULT sessions=%d heap_before=%lld heap_after=%lld rss_before=%lld rss_after=%lld "
          "heap_per_session=%.1f rss_per_session=%.1f\n",
          n_sessions, heap_before, heap_after, rss_before, rss_after,
          (double) (heap_after - heap_before) / n_sessions,
          (double) (rss_after - rss_before) / n_sessions);
  fflush (stdout);
  if (hold > 0)
    run_for (&idle, hold);
  /* The connections are not closed: the process ends here. */
  return 0;
}
