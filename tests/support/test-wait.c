/* test-wait.c: the guard of WAIT_UNTIL
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-wait.h"

static gboolean
on_guard (gpointer user_data)
{
  g_error ("%s", (const char *) user_data);
  return G_SOURCE_REMOVE;
}

guint
test_wait_guard_add (guint       seconds,
                     const char *what)
{
  return g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, seconds, on_guard,
                                     g_strdup_printf ("Waited %u seconds for %s", seconds, what),
                                     g_free);
}
