/* bench-glib.h: what the xmpp-glib programs of benchmarks/scale share:
 * the server's address from the command line, and many sessions connected
 * at once on the default main context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <xmpp-glib/xmpp-glib.h>

typedef struct {
  char *host;
  int port;
  char *ca_file;
  char *domain;
  char *user;
  const char *password;     /* from the environment: BENCH_PASSWORD */
  GXmppSessionConfig *config;
} BenchServer;

/* The options --host, --port, --ca-file, --domain, --user,
 * --max-stanza-kib; @extra (may be
 * NULL) are the program's own. Exits with 2 on a usage error. */
void bench_server_parse (BenchServer        *server,
                         int                *argc,
                         char             ***argv,
                         const GOptionEntry *extra,
                         const char         *summary);

/* Connects @n sessions of the account, with the resources
 * "@prefix@first" ... "@prefix@(first + n - 1)", at most @window under way
 * at once, running the default main context until all are ready; adds
 * them to @sessions. FALSE (and @error) if one fails or if they are not
 * all ready within @timeout_s seconds. */
gboolean bench_connect (BenchServer  *server,
                        const char   *prefix,
                        guint         first,
                        guint         n,
                        guint         window,
                        double        timeout_s,
                        GPtrArray    *sessions,
                        GError      **error);

/* Runs the default main context for @seconds. */
void bench_run_for (double seconds);
