/* throughput-strophe.c: figure 3 for libstrophe, chat messages from alice to bob
 *
 * The same work as throughput-gxmpp.c, through libstrophe's public API:
 * one process, one xmpp_ctx_t, two connections (alice and bob) with
 * STARTTLS required and verified against --ca-file (xmpp_conn_set_cafile)
 * and the SASL mechanism libstrophe picks. Once both are connected, alice
 * sends --count chat messages with the ids m0, m1, ... to bob's full JID,
 * keeping at most --window of them sent and not yet received by bob. Bob
 * checks each id and body, and that every message arrived exactly once.
 * The event loop is libstrophe's own (xmpp_run, xmpp_stop), with a 1 ms
 * timeout (--loop-timeout; libstrophe's default is 1 s): libstrophe 0.12
 * reads at most 4 KiB of a TLS record per turn and then waits in select()
 * for the full timeout even while OpenSSL still holds decrypted bytes
 * (event.c counts them but does not shorten the wait), so with the default
 * a burst of messages stalls for up to a second. The short timeout costs
 * wake-ups, which the CPU figure counts. Prints
 *
 *   RESULT library=libstrophe messages=N seconds=S cpu=C mechanism=M tls=T
 *
 * The mechanism and the TLS version come from libstrophe's debug log,
 * which is captured while connecting only and switched off (a NULL
 * handler, which libstrophe checks before formatting anything) for the
 * measured run.
 *
 * The passwords come from BENCH_PASSWORD_ALICE and BENCH_PASSWORD_BOB.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <strophe.h>

#include "net-common.h"

typedef struct {
  xmpp_ctx_t *ctx;
  xmpp_conn_t *alice;
  xmpp_conn_t *bob;
  char bob_jid[256];
  unsigned n_connected;
  unsigned count;
  unsigned window;
  unsigned sent;
  unsigned received;
  unsigned char *seen;
  double start_s;
  double start_cpu;
  double end_s;
  double end_cpu;
  int failed;
  int running;
  char mechanism[64];
  char tls[64];
} Bench;

static Bench bench;

static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
         usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

static void
fail (const char *what)
{
  fprintf (stderr, "throughput-strophe: %s\n", what);
  bench.failed = 1;
  xmpp_stop (bench.ctx);
}

/* While connecting: pick the SASL mechanism and the TLS version out of the
 * debug log. */
static void
capture_log (void                  *userdata,
             const xmpp_log_level_t level,
             const char            *area,
             const char            *msg)
{
  (void) userdata;
  (void) level;
  bench_strophe_note_log (area, msg, "xmpp", bench.mechanism, sizeof bench.mechanism,
                          bench.tls, sizeof bench.tls);
}

static xmpp_log_t logger = { capture_log, NULL };

static void
top_up (void)
{
  while (bench.sent < bench.count && bench.sent - bench.received < bench.window)
    {
      char id[32], body[80];
      xmpp_stanza_t *message;

      snprintf (id, sizeof id, "m%u", bench.sent);
      snprintf (body, sizeof body, "Message %u of the throughput benchmark.", bench.sent);
      message = xmpp_message_new (bench.ctx, "chat", bench.bob_jid, id);
      if (message == NULL || xmpp_message_set_body (message, body) != XMPP_EOK)
        {
          fail ("building a message");
          return;
        }
      xmpp_send (bench.alice, message);
      xmpp_stanza_release (message);
      bench.sent++;
    }
}

static int
on_bob_message (xmpp_conn_t   *conn,
                xmpp_stanza_t *stanza,
                void          *userdata)
{
  const char *id = xmpp_stanza_get_id (stanza);
  char *body = xmpp_message_get_body (stanza);
  char expected[80], *end = NULL;
  unsigned long n = 0;
  int ok;

  (void) conn;
  (void) userdata;
  if (id != NULL && id[0] == 'm')
    {
      errno = 0;
      n = strtoul (id + 1, &end, 10);
    }
  snprintf (expected, sizeof expected, "Message %lu of the throughput benchmark.", n);
  ok = id != NULL && end != NULL && end != id + 1 && *end == '\0' && errno == 0 &&
       n < bench.count && !bench.seen[n] && body != NULL && strcmp (body, expected) == 0;
  if (body != NULL)
    xmpp_free (bench.ctx, body);
  if (!ok)
    {
      fprintf (stderr, "throughput-strophe: bob received a wrong or repeated message (id %s)\n",
               id != NULL ? id : "none");
      fail ("giving up");
      return 0;
    }
  bench.seen[n] = 1;
  bench.received++;
  if (bench.received == bench.count)
    {
      bench.end_s = bench_now_seconds ();
      bench.end_cpu = cpu_seconds ();
      xmpp_stop (bench.ctx);
      return 1;
    }
  top_up ();
  return 1;
}

static int
on_alice_message (xmpp_conn_t   *conn,
                  xmpp_stanza_t *stanza,
                  void          *userdata)
{
  (void) conn;
  (void) stanza;
  (void) userdata;
  fail ("alice received a message (a bounce?)");
  return 0;
}

static void
on_connection (xmpp_conn_t              *conn,
               xmpp_conn_event_t         status,
               int                       error,
               xmpp_stream_error_t      *stream_error,
               void                     *userdata)
{
  (void) error;
  (void) stream_error;
  (void) userdata;
  if (status == XMPP_CONN_CONNECT)
    {
      if (!xmpp_conn_is_secured (conn))
        {
          fail ("the connection is not encrypted");
          return;
        }
      if (++bench.n_connected == 2)
        xmpp_stop (bench.ctx);
      return;
    }
  if (bench.running || bench.n_connected < 2)
    {
      fprintf (stderr, "throughput-strophe: %s lost its connection (event %d, error %d)\n",
               conn == bench.alice ? "alice" : "bob", (int) status, error);
      fail ("giving up");
    }
}

static xmpp_conn_t *
new_conn (const char *jid,
          const char *password,
          const char *ca_file)
{
  xmpp_conn_t *conn = xmpp_conn_new (bench.ctx);

  xmpp_conn_set_jid (conn, jid);
  xmpp_conn_set_pass (conn, password);
  xmpp_conn_set_cafile (conn, ca_file);
  xmpp_conn_set_flags (conn, XMPP_CONN_FLAG_MANDATORY_TLS);
  return conn;
}

int
main (int    argc,
      char **argv)
{
  static const struct option long_options[] = {
    { "host", required_argument, NULL, 'h' },
    { "port", required_argument, NULL, 'p' },
    { "ca-file", required_argument, NULL, 'c' },
    { "count", required_argument, NULL, 'n' },
    { "window", required_argument, NULL, 'w' },
    { "loop-timeout", required_argument, NULL, 't' },
    { NULL, 0, NULL, 0 }
  };
  const char *host = "127.0.0.1", *ca_file = NULL;
  const char *alice_password = getenv ("BENCH_PASSWORD_ALICE");
  const char *bob_password = getenv ("BENCH_PASSWORD_BOB");
  unsigned short port = 0;
  unsigned long loop_timeout = 1;
  int c;

  bench.count = 1000;
  bench.window = 100;
  while ((c = getopt_long (argc, argv, "", long_options, NULL)) != -1)
    {
      switch (c)
        {
        case 'h': host = optarg; break;
        case 'p': port = (unsigned short) atoi (optarg); break;
        case 'c': ca_file = optarg; break;
        case 'n': bench.count = (unsigned) atoi (optarg); break;
        case 'w': bench.window = (unsigned) atoi (optarg); break;
        case 't': loop_timeout = strtoul (optarg, NULL, 10); break;
        default: return 2;
        }
    }
  if (port == 0 || ca_file == NULL || bench.count == 0 || bench.window == 0 ||
      alice_password == NULL || bob_password == NULL)
    {
      fprintf (stderr, "throughput-strophe: give --port, --ca-file and the passwords (see the source)\n");
      return 2;
    }
  bench.seen = calloc (bench.count, 1);

  xmpp_initialize ();
  bench.ctx = xmpp_ctx_new (NULL, &logger);
  xmpp_ctx_set_timeout (bench.ctx, loop_timeout);
  bench.alice = new_conn ("alice@localhost/bench", alice_password, ca_file);
  bench.bob = new_conn ("bob@localhost/bench", bob_password, ca_file);
  xmpp_handler_add (bench.bob, on_bob_message, NULL, "message", NULL, NULL);
  xmpp_handler_add (bench.alice, on_alice_message, NULL, "message", NULL, NULL);
  if (xmpp_connect_client (bench.alice, host, port, on_connection, NULL) != XMPP_EOK ||
      xmpp_connect_client (bench.bob, host, port, on_connection, NULL) != XMPP_EOK)
    {
      fprintf (stderr, "throughput-strophe: cannot connect\n");
      return 1;
    }
  xmpp_run (bench.ctx);
  if (bench.failed || bench.n_connected != 2)
    return 1;
  snprintf (bench.bob_jid, sizeof bench.bob_jid, "%s", xmpp_conn_get_bound_jid (bench.bob));

  /* The measured run, without the debug log. */
  logger.handler = NULL;
  bench.running = 1;
  bench.start_s = bench_now_seconds ();
  bench.start_cpu = cpu_seconds ();
  top_up ();
  if (!bench.failed)
    xmpp_run (bench.ctx);
  bench.running = 0;

  if (bench.failed)
    return 1;
  if (bench.received != bench.count)
    {
      fprintf (stderr, "throughput-strophe: %u of %u messages received\n", bench.received, bench.count);
      return 1;
    }
  printf ("RESULT library=libstrophe messages=%u seconds=%.6f cpu=%.6f mechanism=%s tls=%s window=%u\n",
          bench.count, bench.end_s - bench.start_s, bench.end_cpu - bench.start_cpu,
          bench.mechanism[0] ? bench.mechanism : "unknown", bench.tls[0] ? bench.tls : "unknown",
          bench.window);

  xmpp_disconnect (bench.alice);
  xmpp_disconnect (bench.bob);
  xmpp_conn_release (bench.alice);
  xmpp_conn_release (bench.bob);
  xmpp_ctx_free (bench.ctx);
  xmpp_shutdown ();
  free (bench.seen);
  return 0;
}
