/* gxmpp-roster-store.h: where a roster keeps its version and items
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GXMPP_INSIDE) && !defined(GXMPP_COMPILATION)
#error "Only <xmpp-glib/xmpp-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "gxmpp-version-macros.h"
#include "gxmpp-jid.h"

G_BEGIN_DECLS

#define GXMPP_TYPE_ROSTER_STORE (gxmpp_roster_store_get_type ())

GXMPP_AVAILABLE_IN_ALL
G_DECLARE_INTERFACE (GXmppRosterStore, gxmpp_roster_store, GXMPP, ROSTER_STORE, GObject)

/**
 * GXmppRosterStoreInterface:
 * @g_iface: the parent interface
 * @load_async: starts reading what is stored for an account
 * @load_finish: finishes @load_async: the version and the items, or
 *   %NULL and no items when nothing is stored
 * @save_async: starts replacing what is stored for an account
 * @save_finish: finishes @save_async
 *
 * The virtual functions of [iface@GXmpp.RosterStore]. Implementations do
 * no blocking I/O in the calling thread.
 */
struct _GXmppRosterStoreInterface
{
  GTypeInterface g_iface;

  void     (* load_async)  (GXmppRosterStore     *store,
                            GXmppJid             *account,
                            GCancellable         *cancellable,
                            GAsyncReadyCallback   callback,
                            gpointer              user_data);
  gboolean (* load_finish) (GXmppRosterStore     *store,
                            GAsyncResult         *result,
                            char                **version,
                            GPtrArray           **items,
                            GError              **error);
  void     (* save_async)  (GXmppRosterStore     *store,
                            GXmppJid             *account,
                            const char           *version,
                            GPtrArray            *items,
                            GCancellable         *cancellable,
                            GAsyncReadyCallback   callback,
                            gpointer              user_data);
  gboolean (* save_finish) (GXmppRosterStore     *store,
                            GAsyncResult         *result,
                            GError              **error);

  /*< private >*/
  gpointer padding[8];
};

GXMPP_AVAILABLE_IN_ALL
void gxmpp_roster_store_load_async (GXmppRosterStore    *store,
                                    GXmppJid            *account,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_roster_store_load_finish (GXmppRosterStore  *store,
                                         GAsyncResult      *result,
                                         char             **version,
                                         GPtrArray        **items,
                                         GError           **error);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_roster_store_save_async (GXmppRosterStore    *store,
                                    GXmppJid            *account,
                                    const char          *version,
                                    GPtrArray           *items,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_roster_store_save_finish (GXmppRosterStore  *store,
                                         GAsyncResult      *result,
                                         GError           **error);

G_END_DECLS
