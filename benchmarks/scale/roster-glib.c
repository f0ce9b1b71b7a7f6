/* roster-glib.c: figure 6 for xmpp-glib, a large roster fetched into the model
 *
 * Connects one session, then --fetches times: a new GXmppRoster (no
 * store, so no version is sent and the server sends the whole roster),
 * gxmpp_roster_fetch_async() until it completes, a check that the model
 * (its GListModel) has --expect items, and the heap (mallinfo2():
 * uordblks + hblkhd) with the roster kept, less the heap before the roster
 * was made. The previous roster is dropped before each fetch. Prints
 *
 *   RESULT items=N median_ms=T heap_median=B times_ms=... heaps=...
 *
 * The default maximum stanza size (512 KiB) is too small for 5,000 items:
 * --max-stanza-kib raises it, as the documentation of GXmppRoster says an
 * application with a large roster does. Password from BENCH_PASSWORD;
 * exits non-zero if a fetch fails or brings another number of items.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <stdlib.h>

#include "bench-glib.h"
#include "bench-mem.h"

typedef struct {
  gboolean done;
  GError *error;
} Fetch;

static void
fetched (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Fetch *fetch = user_data;

  if (!gxmpp_roster_fetch_finish (GXMPP_ROSTER (source), result, &fetch->error))
    g_prefix_error (&fetch->error, "fetching the roster: ");
  fetch->done = TRUE;
}

static int
compare_double (const void *a,
                const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (const double *values,
        int           n)
{
  g_autofree double *sorted = g_memdup2 (values, sizeof (double) * (gsize) n);

  qsort (sorted, (size_t) n, sizeof (double), compare_double);
  return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

int
main (int    argc,
      char **argv)
{
  static int fetches = 5, expect = -1;
  static const GOptionEntry entries[] = {
    { "fetches", 0, 0, G_OPTION_ARG_INT, &fetches, "Fetches to time (default 5)", "K" },
    { "expect", 0, 0, G_OPTION_ARG_INT, &expect, "Items the roster has", "N" },
    G_OPTION_ENTRY_NULL
  };
  BenchServer server = { 0 };
  g_autoptr(GPtrArray) sessions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) times_text = g_string_new (NULL);
  g_autoptr(GString) heaps_text = g_string_new (NULL);
  g_autofree double *times = NULL;
  g_autofree double *heaps = NULL;

  bench_server_parse (&server, &argc, &argv, entries,
                      "A large roster fetched into GXmppRoster (benchmarks figure 6).");
  if (fetches < 1 || expect < 0)
    {
      fprintf (stderr, "give --expect, and --fetches of at least 1\n");
      return 2;
    }
  times = g_new0 (double, fetches);
  heaps = g_new0 (double, fetches);

  if (!bench_connect (&server, "glib", 0, 1, 1, 60, sessions, &error))
    {
      fprintf (stderr, "roster-glib: %s\n", error->message);
      return 1;
    }

  for (int k = 0; k < fetches; k++)
    {
      g_autoptr(GXmppRoster) roster = NULL;
      Fetch fetch = { FALSE, NULL };
      long long heap_before;
      double start;
      guint n_items;

      heap_before = bench_heap_bytes ();
      start = bench_now ();
      roster = gxmpp_roster_new (sessions->pdata[0], NULL);
      gxmpp_roster_fetch_async (roster, NULL, fetched, &fetch);
      while (!fetch.done)
        g_main_context_iteration (NULL, TRUE);
      times[k] = (bench_now () - start) * 1000;
      /* The reply, freed once the callback has returned. */
      heaps[k] = (double) (bench_heap_bytes () - heap_before);
      if (fetch.error != NULL)
        {
          fprintf (stderr, "roster-glib: %s\n", fetch.error->message);
          g_error_free (fetch.error);
          return 1;
        }
      n_items = g_list_model_get_n_items (G_LIST_MODEL (roster));
      if (n_items != (guint) expect)
        {
          fprintf (stderr, "roster-glib: %u items in the model, expected %d\n", n_items, expect);
          return 1;
        }
      g_string_append_printf (times_text, "%s%.3f", k ? "," : "", times[k]);
      g_string_append_printf (heaps_text, "%s%.0f", k ? "," : "", heaps[k]);
    }

  printf ("RESULT items=%d median_ms=%.3f heap_median=%.0f times_ms=%s heaps=%s\n",
          expect, median (times, fetches), median (heaps, fetches), times_text->str,
          heaps_text->str);
  fflush (stdout);
  return 0;
}
