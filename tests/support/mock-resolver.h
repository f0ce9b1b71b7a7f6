/* mock-resolver.h: a GResolver that answers from a table
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * After GLib's gio/tests/mock-resolver.h: SRV records and host addresses
 * are set by the test; everything else is "not found". Queries are logged
 * so that tests can check what was looked up.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define MOCK_TYPE_RESOLVER (mock_resolver_get_type ())
G_DECLARE_FINAL_TYPE (MockResolver, mock_resolver, MOCK, RESOLVER, GResolver)

MockResolver *mock_resolver_new (void);

/* SRV records for @rrname (e.g. "_xmpp-client._tcp.example.com"). */
void mock_resolver_add_srv (MockResolver *self,
                            const char   *rrname,
                            const char   *target,
                            guint16       port,
                            guint16       priority,
                            guint16       weight);
/* Make lookups of @rrname fail with @error (copied). */
void mock_resolver_set_srv_error (MockResolver *self,
                                  const char   *rrname,
                                  const GError *error);
/* An address for @host. */
void mock_resolver_add_address (MockResolver *self,
                                const char   *host,
                                const char   *address);

/* The names queried so far, in order, as "SRV name" or "A name". */
GPtrArray *mock_resolver_get_queries (MockResolver *self);
void mock_resolver_clear_queries (MockResolver *self);

G_END_DECLS
