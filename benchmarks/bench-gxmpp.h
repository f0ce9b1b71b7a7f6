/* bench-gxmpp.h: what every xmpp-glib benchmark program does to reach the
 * private server
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Header-only, for the programs of benchmarks/network and benchmarks/scale.
 */

#pragma once

#include <stdio.h>
#include <stdlib.h>

#include <xmpp-glib/xmpp-glib.h>

/* Points @stream_config at @host:@port, trusting only the CA in @ca_file
 * (the private server's). Exits with 2, naming @program, if the file
 * cannot be read. */
static inline void
bench_point_at_server (GXmppStreamConfig *stream_config,
                       const char        *program,
                       const char        *host,
                       int                port,
                       const char        *ca_file)
{
  g_autoptr(GSocketConnectable) address = g_network_address_new (host, (guint16) port);
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GError) error = NULL;

  database = g_tls_file_database_new (ca_file, &error);
  if (database == NULL)
    {
      fprintf (stderr, "%s: --ca-file: %s\n", program, error->message);
      exit (2);
    }
  gxmpp_stream_config_set_server_address (stream_config, address);
  gxmpp_stream_config_set_tls_database (stream_config, database);
}
