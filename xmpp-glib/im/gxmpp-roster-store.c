/* gxmpp-roster-store.c: where a roster keeps its version and items
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gxmpp-error.h"
#include "gxmpp-i18n-private.h"
#include "gxmpp-roster-item.h"
#include "gxmpp-roster-store.h"

/**
 * GXmppRosterStore:
 *
 * Keeps a copy of a roster between sessions, so that a
 * [class@GXmpp.Roster] can use roster versioning (RFC 6121 section 2.6):
 * with the version of the copy in its request, the server answers "no
 * changes" and the roster takes its items from the store, or sends the
 * roster afresh.
 *
 * A store keeps one roster per account (the account's bare JID). The
 * roster loads it once, before its first fetch, and replaces it after
 * each change. [class@GXmpp.RosterFileStore] keeps each account's roster
 * in a file; applications with a database of their own implement this
 * interface on top of it.
 *
 * Implementations must not block the thread that calls them: both
 * operations are asynchronous, and a store that needs blocking calls
 * makes them in a thread of its own (for example with
 * g_task_run_in_thread()).
 */

G_DEFINE_INTERFACE (GXmppRosterStore, gxmpp_roster_store, G_TYPE_OBJECT)

static void
gxmpp_roster_store_default_init (GXmppRosterStoreInterface *iface)
{
}

/**
 * gxmpp_roster_store_load_async:
 * @store: a roster store
 * @account: the account's bare JID
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the roster has been read
 * @user_data: data for @callback
 *
 * Reads the roster stored for @account.
 */
void
gxmpp_roster_store_load_async (GXmppRosterStore    *store,
                               GXmppJid            *account,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GXmppRosterStoreInterface *iface;

  g_return_if_fail (GXMPP_IS_ROSTER_STORE (store));
  g_return_if_fail (account != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  iface = GXMPP_ROSTER_STORE_GET_IFACE (store);
  g_return_if_fail (iface->load_async != NULL);
  iface->load_async (store, account, cancellable, callback, user_data);
}

/**
 * gxmpp_roster_store_load_finish:
 * @store: a roster store
 * @result: the result passed to the callback
 * @version: (out) (transfer full) (optional) (nullable): the roster
 *   version stored, or %NULL when nothing is stored for the account (or
 *   the server did not version the roster)
 * @items: (out) (transfer full) (optional) (element-type GXmppRosterItem):
 *   the items stored, in no particular order; empty when nothing is
 *   stored
 * @error: return location for a #GError
 *
 * Finishes [method@GXmpp.RosterStore.load_async]. Nothing stored is not
 * an error; a store that cannot be read or makes no sense is one, and
 * the roster then fetches the whole roster from the server.
 *
 * Returns: %TRUE if the store could be read
 */
gboolean
gxmpp_roster_store_load_finish (GXmppRosterStore  *store,
                                GAsyncResult      *result,
                                char             **version,
                                GPtrArray        **items,
                                GError           **error)
{
  GXmppRosterStoreInterface *iface;
  g_autofree char *stored_version = NULL;
  g_autoptr(GPtrArray) stored_items = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (GXMPP_IS_ROSTER_STORE (store), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  iface = GXMPP_ROSTER_STORE_GET_IFACE (store);
  if (!iface->load_finish (store, result, &stored_version, &stored_items, &local_error))
    {
      /* A store written in a language binding may fail without saying why. */
      if (local_error == NULL)
        local_error = g_error_new (GXMPP_ERROR, GXMPP_ERROR_FAILED,
                                   _("The roster store %s failed without an error"),
                                   G_OBJECT_TYPE_NAME (store));
      g_propagate_error (error, local_error);
      return FALSE;
    }

  if (stored_items == NULL)
    stored_items = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < stored_items->len; i++)
    if (!GXMPP_IS_ROSTER_ITEM (stored_items->pdata[i]))
      {
        g_set_error (error, GXMPP_ERROR, GXMPP_ERROR_FAILED,
                     _("The roster store %s gave something that is not a roster item"),
                     G_OBJECT_TYPE_NAME (store));
        return FALSE;
      }

  if (version != NULL)
    *version = g_steal_pointer (&stored_version);
  if (items != NULL)
    *items = g_steal_pointer (&stored_items);
  return TRUE;
}

/**
 * gxmpp_roster_store_save_async:
 * @store: a roster store
 * @account: the account's bare JID
 * @version: (nullable): the roster version, or %NULL if the server does
 *   not version the roster
 * @items: (element-type GXmppRosterItem): the items, in the roster's
 *   order; the store may keep a reference to the array, and nobody
 *   changes the items
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the roster has been written
 * @user_data: data for @callback
 *
 * Replaces what is stored for @account with @version and @items. A store
 * writes atomically: a failed or interrupted write leaves the previous
 * copy, never part of the new one.
 */
void
gxmpp_roster_store_save_async (GXmppRosterStore    *store,
                               GXmppJid            *account,
                               const char          *version,
                               GPtrArray           *items,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GXmppRosterStoreInterface *iface;

  g_return_if_fail (GXMPP_IS_ROSTER_STORE (store));
  g_return_if_fail (account != NULL);
  g_return_if_fail (items != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  iface = GXMPP_ROSTER_STORE_GET_IFACE (store);
  g_return_if_fail (iface->save_async != NULL);
  iface->save_async (store, account, version, items, cancellable, callback, user_data);
}

/**
 * gxmpp_roster_store_save_finish:
 * @store: a roster store
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@GXmpp.RosterStore.save_async].
 *
 * Returns: %TRUE if the roster was written
 */
gboolean
gxmpp_roster_store_save_finish (GXmppRosterStore  *store,
                                GAsyncResult      *result,
                                GError           **error)
{
  GXmppRosterStoreInterface *iface;
  GError *local_error = NULL;

  g_return_val_if_fail (GXMPP_IS_ROSTER_STORE (store), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  iface = GXMPP_ROSTER_STORE_GET_IFACE (store);
  if (iface->save_finish (store, result, &local_error))
    return TRUE;
  if (local_error == NULL)
    local_error = g_error_new (GXMPP_ERROR, GXMPP_ERROR_FAILED,
                               _("The roster store %s failed without an error"),
                               G_OBJECT_TYPE_NAME (store));
  g_propagate_error (error, local_error);
  return FALSE;
}
