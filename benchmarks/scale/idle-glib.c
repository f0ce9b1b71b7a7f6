/* idle-glib.c: figure 5 for xmpp-glib, memory per idle session
 *
 * Connects one session (the warm-up: it loads the TLS backend, GnuTLS,
 * the SASL library and the rest that a process pays for once), lets the
 * main loop settle, and measures the heap (mallinfo2(): uordblks +
 * hblkhd) and the RSS (/proc/self/statm). Then it connects --sessions
 * more sessions of one account (resources idle0, idle1, ...), each with
 * STARTTLS verified against --ca-file, SASL and resource binding, runs the
 * main loop for --settle seconds with all of them idle, checks that they
 * are all still ready, and measures again. Prints
 *
 *   RESULT sessions=N heap_before=B heap_after=B rss_before=B rss_after=B
 *          heap_per_session=B rss_per_session=B mechanism=M
 *
 * The password comes from BENCH_PASSWORD. Exits non-zero if a session
 * fails or is not ready at the end. --hold keeps the sessions after the
 * result, for a look from outside, e.g. under valgrind --tool=massif,
 * `vgdb --pid=PID detailed_snapshot FILE`.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <stdlib.h>

#include "bench-glib.h"
#include "bench-mem.h"

int
main (int    argc,
      char **argv)
{
  static int n_sessions = 500, window = 32;
  static double settle = 3.0, hold = 0;
  static const GOptionEntry entries[] = {
    { "sessions", 0, 0, G_OPTION_ARG_INT, &n_sessions, "Idle sessions to measure (default 500)", "N" },
    { "settle", 0, 0, G_OPTION_ARG_DOUBLE, &settle, "Seconds of main loop before each measurement (default 3)", "S" },
    { "window", 0, 0, G_OPTION_ARG_INT, &window, "Sessions negotiating at once (default 32)", "N" },
    { "hold", 0, 0, G_OPTION_ARG_DOUBLE, &hold, "Keep the sessions this many seconds after the result, for a tool (e.g. vgdb detailed_snapshot under massif)", "S" },
    G_OPTION_ENTRY_NULL
  };
  BenchServer server = { 0 };
  g_autoptr(GPtrArray) sessions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  long long heap_before, heap_after, rss_before, rss_after;
  guint n_ready = 0;

  bench_raise_nofile ();
  bench_server_parse (&server, &argc, &argv, entries,
                      "Memory per idle xmpp-glib session (benchmarks figure 5).");
  if (n_sessions < 1)
    {
      fprintf (stderr, "--sessions must be at least 1\n");
      return 2;
    }

  if (!bench_connect (&server, "warmup", 0, 1, 1, 60, sessions, &error))
    {
      fprintf (stderr, "idle-glib: warm-up session: %s\n", error->message);
      return 1;
    }
  bench_run_for (settle);
  heap_before = bench_heap_bytes ();
  rss_before = bench_rss_bytes ();

  if (!bench_connect (&server, "idle", 0, (guint) n_sessions, (guint) window, 600, sessions, &error))
    {
      fprintf (stderr, "idle-glib: %s\n", error->message);
      return 1;
    }
  bench_run_for (settle);
  heap_after = bench_heap_bytes ();
  rss_after = bench_rss_bytes ();

  for (guint i = 0; i < sessions->len; i++)
    if (gxmpp_session_get_state (sessions->pdata[i]) == GXMPP_SESSION_STATE_READY)
      n_ready++;
  if (n_ready != sessions->len || sessions->len != (guint) n_sessions + 1)
    {
      fprintf (stderr, "idle-glib: %u of %u sessions ready at the end\n", n_ready, sessions->len);
      return 1;
    }

  printf ("RESULT sessions=%d heap_before=%lld heap_after=%lld rss_before=%lld rss_after=%lld "
          "heap_per_session=%.1f rss_per_session=%.1f mechanism=%s\n",
          n_sessions, heap_before, heap_after, rss_before, rss_after,
          (double) (heap_after - heap_before) / n_sessions,
          (double) (rss_after - rss_before) / n_sessions,
          gxmpp_session_get_mechanism (sessions->pdata[1]));
  fflush (stdout);
  if (hold > 0)
    bench_run_for (hold);
  return 0;
}
