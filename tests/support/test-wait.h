/* test-wait.h: running the main loop until a condition holds
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * WAIT_UNTIL (cond) runs the default main context until @cond holds. A
 * guard of TEST_WAIT_SECONDS (30 unless the test program defines it before
 * including this header) fails the test with g_error() naming the
 * condition: a safety net against a test that would hang, not an
 * assertion on timing, so it is generous enough for valgrind.
 *
 * WAIT_UNTIL_FOR (cond, what) does the same, naming @what (a string made
 * at run time, if need be) instead of the text of @cond.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#ifndef TEST_WAIT_SECONDS
#define TEST_WAIT_SECONDS 30
#endif

/* Adds the guard: after @seconds, g_error ("Waited @seconds seconds for
 * @what"). Returns its source id, for g_source_remove(). */
guint test_wait_guard_add (guint       seconds,
                           const char *what);

#define WAIT_UNTIL_FOR(cond, what) \
  G_STMT_START { \
    guint guard_ = test_wait_guard_add (TEST_WAIT_SECONDS, (what)); \
    while (!(cond)) \
      g_main_context_iteration (NULL, TRUE); \
    g_source_remove (guard_); \
  } G_STMT_END

#define WAIT_UNTIL(cond) WAIT_UNTIL_FOR (cond, #cond)

G_END_DECLS
