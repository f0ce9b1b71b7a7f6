/* gxmpp-roster.c: the user's roster as a list model (RFC 6121 section 2)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Uses the public session API only, like a module of another project
 * would: IQs through gxmpp_session_send_iq_async(), pushes through an IQ
 * handler, roster versioning from the session's stream features.
 */

#include "config.h"

#include <string.h>

#include "gxmpp-error.h"
#include "gxmpp-i18n-private.h"
#include "gxmpp-roster.h"
#include "gxmpp-roster-item-private.h"

/**
 * GXmppRoster:
 *
 * The user's roster (RFC 6121 section 2): a [iface@Gio.ListModel] of
 * [class@GXmpp.RosterItem], one per contact, that follows the server.
 *
 * ```c
 * roster = gxmpp_roster_new (session, NULL);
 * g_signal_connect (roster, "items-changed", G_CALLBACK (on_items_changed), NULL);
 * gxmpp_roster_fetch_async (roster, NULL, on_fetched, NULL);
 * ```
 *
 * [method@GXmpp.Roster.fetch_async] asks the server for the roster and
 * fills the model in one go: one [signal@Gio.ListModel::items-changed] for
 * the whole roster, whatever its size. The server sends the roster as one
 * stanza, which [property@GXmpp.StreamConfig:max-stanza-size] limits: the
 * default, 512 KiB, is a roster of a few thousand items (5,000 items of
 * about 110 bytes each, with a name and a group or two, are too many), and
 * a session for larger rosters needs a larger limit. From then on the roster applies the
 * server's roster pushes (RFC 6121 section 2.1.6) as they come, each with
 * an [signal@Gio.ListModel::items-changed] at the position it concerns:
 * an item added (`position, 0, 1`), removed (`position, 1, 0`), or changed
 * (`position, 1, 1`, the same object, whose changed properties are
 * notified too). [method@GXmpp.Roster.add_async],
 * [method@GXmpp.Roster.update_async] and [method@GXmpp.Roster.remove_async]
 * ask the server for a change; when they complete, the model shows it.
 *
 * ## Order
 *
 * Items are sorted by JID: by the canonical string of their address
 * ([method@GXmpp.Jid.to_string]), in byte order. The order does not depend
 * on the order in which the server lists the items, which is arbitrary
 * (Prosody's changes from one request to the next), so it stays the same
 * across fetches; an application that wants another order sorts the model
 * (with `GtkSortListModel`, say).
 *
 * ## Pushes and their senders
 *
 * A roster push is taken only when it has no `from` or comes from the
 * account's own bare JID (compared as JIDs); any other sender, the
 * account's own full JIDs included, gets a `service-unavailable` error and
 * changes nothing (RFC 6121 section 2.1.6; CVE-2015-8688 and its family).
 * A push with other than exactly one valid item gets `bad-request`. Each
 * accepted push is acknowledged with an empty result. Pushes that arrive
 * before the roster is first loaded are acknowledged and otherwise left to
 * the fetch, which brings the whole roster.
 *
 * Several rosters on one session each see every push; the session has one
 * handler for `jabber:iq:roster` sets (see
 * [method@GXmpp.Session.add_iq_handler]), which the rosters share. An
 * application that handles those sets itself cannot have a roster.
 *
 * ## Reconnection
 *
 * When the session reconnects and the server resumes the stream (see
 * [signal@GXmpp.Session::reconnected]), no push was lost and the roster
 * does nothing. When the stream is a fresh one, the pushes of the time in
 * between are lost: a roster that was loaded fetches itself again, as
 * [method@GXmpp.Roster.fetch_async] would (with versioning, the server
 * sends only what changed). The model changes as for any fetch.
 *
 * ## Versioning and stores
 *
 * When the server announces roster versioning (RFC 6121 section 2.6, the
 * `<ver xmlns='urn:xmpp:features:rosterver'/>` stream feature), requests
 * carry the version of the roster the client has; the server answers
 * either with the whole roster, or with an empty result, which means that
 * nothing changed, and the pushes of any changes follow.
 * [property@GXmpp.Roster:version] is the version of the model.
 *
 * With a [iface@GXmpp.RosterStore], the roster reads the stored version
 * and items before its first fetch and sends that version; on "nothing
 * changed" the model is filled from the store, in the same single pass.
 * The version of an empty roster is never sent (the request says `ver=''`):
 * Prosody 0.12 gives a roster that was never written and the same roster
 * after its first change the same version, and an empty roster costs
 * nothing to fetch whole.
 * After each change the roster writes the store again, in the background
 * (a burst of changes gives one write, from an idle source of the main
 * context); [method@GXmpp.Roster.save_async] writes it now and says when it
 * is written, which an application that is about to quit waits for. A store that cannot be read
 * or written emits [signal@GXmpp.Roster::store-error]; reading failed,
 * the roster fetches the whole roster.
 */

#define PUSH_HUB_KEY "gxmpp-roster-push-hub"

struct _GXmppRoster
{
  GObject parent_instance;

  GXmppSession *session;
  GXmppRosterStore *store;
  char *version;
  gboolean loaded;

  GPtrArray *items;             /* GXmppRosterItem, sorted by JID string */
  GHashTable *by_jid;           /* GXmppJid (the item's) -> GXmppRosterItem */

  gboolean attached;            /* to the session's push hub */
  gulong reconnected_id;
  GTask *fetch;                 /* the fetch under way: not a reference */
  gboolean store_read;          /* the store has been read (or tried) */

  /* Writing the store: one write at a time. */
  gboolean dirty;               /* changed since the last write began */
  gboolean saving;
  GSource *save_source;         /* a write soon */
  GPtrArray *save_waiters;      /* GTask: save_async() calls for the next write */
  GPtrArray *writing_waiters;   /* GTask: save_async() calls for the write under way */
};

static void gxmpp_roster_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GXmppRoster, gxmpp_roster, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      gxmpp_roster_list_model_init))

enum {
  PROP_0,
  PROP_SESSION,
  PROP_STORE,
  PROP_VERSION,
  PROP_LOADED,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_STORE_ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void mark_dirty (GXmppRoster *self);

/* The model */

static int
compare_item_pointers (gconstpointer a,
                       gconstpointer b)
{
  return gxmpp_roster_item_compare (*(GXmppRosterItem * const *) a,
                                    *(GXmppRosterItem * const *) b);
}

/* Where the item with @key is, or would go: the first position whose key
 * is not smaller. */
static guint
search (GXmppRoster *self,
        const char  *key,
        gboolean    *found)
{
  guint low = 0, high = self->items->len;

  while (low < high)
    {
      guint middle = low + (high - low) / 2;
      int cmp = strcmp (gxmpp_roster_item_get_key (self->items->pdata[middle]), key);

      if (cmp < 0)
        low = middle + 1;
      else
        high = middle;
    }
  if (found != NULL)
    *found = low < self->items->len &&
             strcmp (gxmpp_roster_item_get_key (self->items->pdata[low]), key) == 0;
  return low;
}

static void
items_changed (GXmppRoster *self,
               guint        position,
               guint        removed,
               guint        added)
{
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
  if (removed != added)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

/* Applies one item as a push states it (an own copy: several rosters may
 * see the same push). TRUE if the model changed. */
static gboolean
apply_item (GXmppRoster     *self,
            GXmppRosterItem *item)
{
  GXmppJid *jid = gxmpp_roster_item_get_jid (item);
  GXmppRosterItem *existing = g_hash_table_lookup (self->by_jid, jid);
  guint position;

  if (gxmpp_roster_item_get_subscription (item) == GXMPP_SUBSCRIPTION_REMOVE)
    {
      if (existing == NULL)
        return FALSE;
      position = search (self, gxmpp_roster_item_get_key (existing), NULL);
      g_hash_table_remove (self->by_jid, jid);
      g_ptr_array_remove_index (self->items, position);
      items_changed (self, position, 1, 0);
      return TRUE;
    }

  if (existing != NULL)
    {
      if (!gxmpp_roster_item_update (existing, item))
        return FALSE;
      position = search (self, gxmpp_roster_item_get_key (existing), NULL);
      items_changed (self, position, 1, 1);
      return TRUE;
    }

  item = gxmpp_roster_item_copy (item);
  position = search (self, gxmpp_roster_item_get_key (item), NULL);
  g_ptr_array_insert (self->items, position, item);
  g_hash_table_insert (self->by_jid, gxmpp_roster_item_get_jid (item), item);
  items_changed (self, position, 0, 1);
  return TRUE;
}

/* Replaces the whole model with @items (in any order; of equal JIDs the
 * last counts): one items-changed, if anything changed at all. Items that
 * stay on the roster stay the same objects, updated in place; new ones are
 * @items' own, or copies of them with @copy (items a store gave, which it
 * may keep). */
static void
replace_items (GXmppRoster *self,
               GPtrArray   *items,
               gboolean     copy)
{
  g_autoptr(GPtrArray) sorted = g_ptr_array_sized_new (items->len);
  g_autoptr(GPtrArray) old_items = NULL;
  g_autoptr(GHashTable) old_by_jid = NULL;
  g_autoptr(GPtrArray) frozen = g_ptr_array_new ();
  GPtrArray *next;
  GHashTable *next_by_jid;
  gboolean changed = FALSE;
  guint old_n;

  /* Not owned (a copy of the array would unref as @items does). A stable
   * sort: the last of equal JIDs stays last among them. */
  for (guint i = 0; i < items->len; i++)
    g_ptr_array_add (sorted, items->pdata[i]);
  g_ptr_array_sort (sorted, compare_item_pointers);

  next = g_ptr_array_new_full (sorted->len, g_object_unref);
  next_by_jid = g_hash_table_new ((GHashFunc) gxmpp_jid_hash, (GEqualFunc) gxmpp_jid_equal);
  for (guint i = 0; i < sorted->len; i++)
    {
      GXmppRosterItem *item = sorted->pdata[i];
      GXmppRosterItem *existing;

      if (i + 1 < sorted->len && gxmpp_roster_item_compare (item, sorted->pdata[i + 1]) == 0)
        continue;
      if (gxmpp_roster_item_get_subscription (item) == GXMPP_SUBSCRIPTION_REMOVE)
        continue;

      existing = g_hash_table_lookup (self->by_jid, gxmpp_roster_item_get_jid (item));
      if (existing != NULL)
        {
          /* Its notifications wait until the model is whole again. */
          g_object_freeze_notify (G_OBJECT (existing));
          g_ptr_array_add (frozen, existing);
          changed |= gxmpp_roster_item_update (existing, item);
          item = g_object_ref (existing);
        }
      else
        item = copy ? gxmpp_roster_item_copy (item) : g_object_ref (item);
      g_ptr_array_add (next, item);
      g_hash_table_insert (next_by_jid, gxmpp_roster_item_get_jid (item), item);
    }

  old_n = self->items->len;
  if (old_n != next->len)
    changed = TRUE;
  for (guint i = 0; !changed && i < old_n; i++)
    changed = self->items->pdata[i] != next->pdata[i];

  old_items = g_steal_pointer (&self->items);
  old_by_jid = g_steal_pointer (&self->by_jid);
  self->items = next;
  self->by_jid = next_by_jid;

  if (changed)
    items_changed (self, 0, old_n, next->len);

  for (guint i = 0; i < frozen->len; i++)
    g_object_thaw_notify (frozen->pdata[i]);
}

static void
set_version (GXmppRoster *self,
             const char  *version)
{
  if (g_strcmp0 (self->version, version) == 0)
    return;
  g_free (self->version);
  self->version = g_strdup (version);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VERSION]);
}

static void
set_loaded (GXmppRoster *self)
{
  if (self->loaded)
    return;
  self->loaded = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
}

/* The account's bare JID, or NULL before the session is bound. */
static GXmppJid *
get_account (GXmppRoster *self)
{
  GXmppJid *jid = gxmpp_session_get_jid (self->session);

  return jid != NULL ? gxmpp_jid_to_bare (jid) : NULL;
}

/* Pushes: one IQ handler per session, shared by its rosters */

typedef struct {
  guint handler_id;
  GPtrArray *rosters;           /* GXmppRoster, not references */
} PushHub;

static void
reply_error (GXmppIqRequest   *request,
             GXmppStanzaError  condition)
{
  g_autoptr(GXmppStanzaErrorDetails) details = gxmpp_stanza_error_details_new (condition);

  gxmpp_iq_request_reply_error (request, details, NULL);
}

/* RFC 6121 2.1.6: no 'from', or the account's bare JID. Not the server's
 * domain, and not a full JID of the account: only the server pushes. */
static gboolean
push_sender_ok (GXmppSession *session,
                GXmppJid     *from)
{
  GXmppJid *own = gxmpp_session_get_jid (session);
  g_autoptr(GXmppJid) bare = NULL;

  if (from == NULL)
    return TRUE;
  if (own == NULL)
    return FALSE;
  bare = gxmpp_jid_to_bare (own);
  return gxmpp_jid_equal (from, bare);
}

static void
roster_take_push (GXmppRoster     *self,
                  GXmppRosterItem *item,
                  const char      *version)
{
  /* Not loaded yet: the fetch brings the whole roster. */
  if (!self->loaded)
    return;
  apply_item (self, item);
  set_version (self, version);
  mark_dirty (self);
}

static void
on_push (GXmppSession   *session,
         GXmppIqRequest *request,
         gpointer        user_data)
{
  PushHub *hub = user_data;
  GXmppJid *from = gxmpp_iq_request_get_from (request);
  GXmppNode *query = gxmpp_iq_request_get_payload (request);
  g_autoptr(GPtrArray) children = NULL;
  g_autoptr(GPtrArray) rosters = NULL;
  g_autoptr(GXmppRosterItem) item = NULL;
  g_autoptr(GError) error = NULL;

  if (!push_sender_ok (session, from))
    {
      g_debug ("Refusing a roster push from %s: only the server may push the roster",
               gxmpp_jid_to_string (from));
      reply_error (request, GXMPP_STANZA_ERROR_SERVICE_UNAVAILABLE);
      return;
    }

  children = gxmpp_node_get_children (query, "item", GXMPP_NS_ROSTER);
  if (children->len != 1)
    {
      g_debug ("Refusing a roster push with %u items: a push has exactly one", children->len);
      reply_error (request, GXMPP_STANZA_ERROR_BAD_REQUEST);
      return;
    }
  item = gxmpp_roster_item_new_from_node (children->pdata[0], &error);
  if (item == NULL)
    {
      g_debug ("Refusing a roster push: %s", error->message);
      reply_error (request, GXMPP_STANZA_ERROR_BAD_REQUEST);
      return;
    }

  /* Signal handlers may drop rosters (and so the hub): hold them. */
  rosters = g_ptr_array_new_full (hub->rosters->len, g_object_unref);
  for (guint i = 0; i < hub->rosters->len; i++)
    g_ptr_array_add (rosters, g_object_ref (hub->rosters->pdata[i]));
  for (guint i = 0; i < rosters->len; i++)
    roster_take_push (rosters->pdata[i], item, gxmpp_node_get_attribute (query, "ver"));

  gxmpp_iq_request_reply_result (request, NULL, NULL);
}

static void
on_refetched (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!gxmpp_roster_fetch_finish (GXMPP_ROSTER (source), result, &error))
    g_debug ("Fetching the roster again after reconnecting failed: %s", error->message);
}

/* A fresh stream after a lost one (the server did not resume it): the
 * pushes of the time between are lost, so a loaded roster asks again
 * (with roster versioning, only for what changed). A resumed stream lost
 * nothing. */
static void
on_session_reconnected (GXmppSession *session,
                        gboolean      resumed,
                        gpointer      user_data)
{
  GXmppRoster *self = user_data;

  if (resumed || !self->loaded || self->fetch != NULL)
    return;
  g_debug ("Fetching the roster again: the stream was not resumed");
  gxmpp_roster_fetch_async (self, NULL, on_refetched, NULL);
}

static void
attach_to_session (GXmppRoster *self)
{
  PushHub *hub = g_object_get_data (G_OBJECT (self->session), PUSH_HUB_KEY);

  if (hub == NULL)
    {
      g_autoptr(GError) error = NULL;

      hub = g_new0 (PushHub, 1);
      hub->handler_id = gxmpp_session_add_iq_handler (self->session, GXMPP_IQ_TYPE_SET,
                                                      GXMPP_NS_ROSTER, on_push, hub, NULL, &error);
      if (hub->handler_id == 0)
        {
          g_critical ("A GXmppRoster cannot take roster pushes on this session: %s", error->message);
          g_free (hub);
          return;
        }
      hub->rosters = g_ptr_array_new ();
      g_object_set_data (G_OBJECT (self->session), PUSH_HUB_KEY, hub);
    }
  g_ptr_array_add (hub->rosters, self);
  self->attached = TRUE;
  self->reconnected_id = g_signal_connect (self->session, "reconnected",
                                           G_CALLBACK (on_session_reconnected), self);
}

static void
detach_from_session (GXmppRoster *self)
{
  PushHub *hub;

  if (!self->attached)
    return;
  self->attached = FALSE;
  g_clear_signal_handler (&self->reconnected_id, self->session);

  hub = g_object_get_data (G_OBJECT (self->session), PUSH_HUB_KEY);
  g_ptr_array_remove (hub->rosters, self);
  if (hub->rosters->len > 0)
    return;
  g_object_set_data (G_OBJECT (self->session), PUSH_HUB_KEY, NULL);
  gxmpp_session_remove_iq_handler (self->session, hub->handler_id);
  g_ptr_array_unref (hub->rosters);
  g_free (hub);
}

/* Writing the store */

static void start_write (GXmppRoster *self);

static gboolean
on_save_soon (gpointer user_data)
{
  GXmppRoster *self = user_data;

  g_clear_pointer (&self->save_source, g_source_unref);
  start_write (self);
  return G_SOURCE_REMOVE;
}

static void
save_soon (GXmppRoster *self)
{
  if (self->saving || self->save_source != NULL)
    return;
  /* At a low priority, so that a burst of pushes gives one write. */
  self->save_source = g_idle_source_new ();
  g_source_set_priority (self->save_source, G_PRIORITY_LOW);
  g_source_set_callback (self->save_source, on_save_soon, self, NULL);
  g_source_set_static_name (self->save_source, "[gxmpp] save roster");
  g_source_attach (self->save_source, g_main_context_get_thread_default ());
}

static void
mark_dirty (GXmppRoster *self)
{
  if (self->store == NULL || !self->loaded)
    return;
  self->dirty = TRUE;
  save_soon (self);
}

static void
complete_waiters (GPtrArray    *waiters,
                  const GError *error)
{
  for (guint i = 0; i < waiters->len; i++)
    {
      if (error != NULL)
        g_task_return_error (waiters->pdata[i], g_error_copy (error));
      else
        g_task_return_boolean (waiters->pdata[i], TRUE);
    }
}

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GXmppRoster) self = user_data;
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->writing_waiters);
  g_autoptr(GError) error = NULL;

  self->saving = FALSE;
  gxmpp_roster_store_save_finish (GXMPP_ROSTER_STORE (source), result, &error);

  if (error != NULL && waiters->len == 0)
    g_signal_emit (self, signals[SIGNAL_STORE_ERROR], 0, error);
  complete_waiters (waiters, error);

  /* Saves asked for during that write get one of their own. */
  if (self->save_waiters->len > 0)
    start_write (self);
  else if (self->dirty)
    save_soon (self);
}

static void
start_write (GXmppRoster *self)
{
  g_autoptr(GXmppJid) account = get_account (self);
  g_autoptr(GPtrArray) copies = NULL;

  g_return_if_fail (!self->saving);

  if (self->save_source != NULL)
    {
      g_source_destroy (self->save_source);
      g_clear_pointer (&self->save_source, g_source_unref);
    }

  if (account == NULL)
    {
      g_autoptr(GError) error = g_error_new_literal (GXMPP_ERROR, GXMPP_ERROR_NOT_READY,
                                                     _("The session is not bound to an account"));
      g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->save_waiters);

      self->save_waiters = g_ptr_array_new_with_free_func (g_object_unref);
      self->dirty = FALSE;
      complete_waiters (waiters, error);
      return;
    }

  /* The store gets copies that nobody changes. */
  copies = g_ptr_array_new_full (self->items->len, g_object_unref);
  for (guint i = 0; i < self->items->len; i++)
    g_ptr_array_add (copies, gxmpp_roster_item_copy (self->items->pdata[i]));

  self->dirty = FALSE;
  self->saving = TRUE;
  self->writing_waiters = g_steal_pointer (&self->save_waiters);
  self->save_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  gxmpp_roster_store_save_async (self->store, account, self->version, copies, NULL,
                                 on_written, g_object_ref (self));
}

/* GObject */

static void
gxmpp_roster_dispose (GObject *object)
{
  GXmppRoster *self = GXMPP_ROSTER (object);

  if (self->session != NULL)
    detach_from_session (self);
  if (self->save_source != NULL)
    {
      g_source_destroy (self->save_source);
      g_clear_pointer (&self->save_source, g_source_unref);
    }

  G_OBJECT_CLASS (gxmpp_roster_parent_class)->dispose (object);
}

static void
gxmpp_roster_finalize (GObject *object)
{
  GXmppRoster *self = GXMPP_ROSTER (object);

  g_clear_object (&self->session);
  g_clear_object (&self->store);
  g_free (self->version);
  g_hash_table_unref (self->by_jid);
  g_ptr_array_unref (self->items);
  g_ptr_array_unref (self->save_waiters);
  g_clear_pointer (&self->writing_waiters, g_ptr_array_unref);

  G_OBJECT_CLASS (gxmpp_roster_parent_class)->finalize (object);
}

static void
gxmpp_roster_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  GXmppRoster *self = GXMPP_ROSTER (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_VERSION:
      g_value_set_string (value, self->version);
      break;
    case PROP_LOADED:
      g_value_set_boolean (value, self->loaded);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->items->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_roster_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  GXmppRoster *self = GXMPP_ROSTER (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_roster_constructed (GObject *object)
{
  GXmppRoster *self = GXMPP_ROSTER (object);

  G_OBJECT_CLASS (gxmpp_roster_parent_class)->constructed (object);

  if (self->session == NULL)
    {
      g_critical ("A GXmppRoster needs a session");
      return;
    }
  attach_to_session (self);
}

static void
gxmpp_roster_class_init (GXmppRosterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gxmpp_roster_dispose;
  object_class->finalize = gxmpp_roster_finalize;
  object_class->get_property = gxmpp_roster_get_property;
  object_class->set_property = gxmpp_roster_set_property;
  object_class->constructed = gxmpp_roster_constructed;

  /**
   * GXmppRoster:session:
   *
   * The session of the account whose roster this is.
   */
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, GXMPP_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppRoster:store:
   *
   * Where the roster keeps a copy of itself between sessions, or %NULL.
   */
  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, GXMPP_TYPE_ROSTER_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppRoster:version:
   *
   * The roster version (RFC 6121 section 2.6) the model is at: from the
   * last fetch or push, or the store's when the server said nothing
   * changed. %NULL when the server does not version the roster, and
   * before the roster is loaded.
   */
  properties[PROP_VERSION] =
    g_param_spec_string ("version", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppRoster:loaded:
   *
   * Whether the roster has been fetched: %FALSE until the first
   * [method@GXmpp.Roster.fetch_async] succeeds, %TRUE from then on.
   */
  properties[PROP_LOADED] =
    g_param_spec_boolean ("loaded", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppRoster:n-items:
   *
   * The number of items, as g_list_model_get_n_items() says.
   */
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GXmppRoster::store-error:
   * @roster: the roster
   * @error: what went wrong
   *
   * Emitted when the roster's [iface@GXmpp.RosterStore] could not be
   * read before the first fetch (the roster then fetches the whole
   * roster), or could not be written in the background. The failures of
   * [method@GXmpp.Roster.save_async] go to its caller instead.
   */
  signals[SIGNAL_STORE_ERROR] =
    g_signal_new ("store-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
gxmpp_roster_init (GXmppRoster *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_jid = g_hash_table_new ((GHashFunc) gxmpp_jid_hash, (GEqualFunc) gxmpp_jid_equal);
  self->save_waiters = g_ptr_array_new_with_free_func (g_object_unref);
}

/* GListModel */

static GType
gxmpp_roster_get_item_type (GListModel *model)
{
  return GXMPP_TYPE_ROSTER_ITEM;
}

static guint
gxmpp_roster_get_n_items (GListModel *model)
{
  return GXMPP_ROSTER (model)->items->len;
}

static gpointer
gxmpp_roster_get_item (GListModel *model,
                       guint       position)
{
  GXmppRoster *self = GXMPP_ROSTER (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (self->items->pdata[position]);
}

static void
gxmpp_roster_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = gxmpp_roster_get_item_type;
  iface->get_n_items = gxmpp_roster_get_n_items;
  iface->get_item = gxmpp_roster_get_item;
}

/* Public API */

/**
 * gxmpp_roster_new:
 * @session: the session of the account
 * @store: (nullable): where to keep a copy of the roster between
 *   sessions, or %NULL
 *
 * Creates the roster of @session's account, empty until
 * [method@GXmpp.Roster.fetch_async]. It takes roster pushes from now on.
 *
 * Returns: (transfer full): a new roster
 */
GXmppRoster *
gxmpp_roster_new (GXmppSession     *session,
                  GXmppRosterStore *store)
{
  g_return_val_if_fail (GXMPP_IS_SESSION (session), NULL);
  g_return_val_if_fail (store == NULL || GXMPP_IS_ROSTER_STORE (store), NULL);

  return g_object_new (GXMPP_TYPE_ROSTER, "session", session, "store", store, NULL);
}

/**
 * gxmpp_roster_get_session:
 * @roster: a roster
 *
 * Gets [property@GXmpp.Roster:session].
 *
 * Returns: (transfer none): the session
 */
GXmppSession *
gxmpp_roster_get_session (GXmppRoster *roster)
{
  g_return_val_if_fail (GXMPP_IS_ROSTER (roster), NULL);
  return roster->session;
}

/**
 * gxmpp_roster_get_store:
 * @roster: a roster
 *
 * Gets [property@GXmpp.Roster:store].
 *
 * Returns: (transfer none) (nullable): the store, or %NULL
 */
GXmppRosterStore *
gxmpp_roster_get_store (GXmppRoster *roster)
{
  g_return_val_if_fail (GXMPP_IS_ROSTER (roster), NULL);
  return roster->store;
}

/**
 * gxmpp_roster_get_version:
 * @roster: a roster
 *
 * Gets [property@GXmpp.Roster:version].
 *
 * Returns: (nullable): the roster version, or %NULL
 */
const char *
gxmpp_roster_get_version (GXmppRoster *roster)
{
  g_return_val_if_fail (GXMPP_IS_ROSTER (roster), NULL);
  return roster->version;
}

/**
 * gxmpp_roster_is_loaded:
 * @roster: a roster
 *
 * Gets [property@GXmpp.Roster:loaded].
 *
 * Returns: %TRUE once the roster has been fetched
 */
gboolean
gxmpp_roster_is_loaded (GXmppRoster *roster)
{
  g_return_val_if_fail (GXMPP_IS_ROSTER (roster), FALSE);
  return roster->loaded;
}

/**
 * gxmpp_roster_lookup:
 * @roster: a roster
 * @jid: a contact's address
 *
 * Finds the item of @jid (compared as JIDs: `Juliet@Example.com` finds
 * `juliet@example.com`).
 *
 * Returns: (transfer full) (nullable): the item, or %NULL if @jid is not
 *   on the roster
 */
GXmppRosterItem *
gxmpp_roster_lookup (GXmppRoster *roster,
                     GXmppJid    *jid)
{
  GXmppRosterItem *item;

  g_return_val_if_fail (GXMPP_IS_ROSTER (roster), NULL);
  g_return_val_if_fail (jid != NULL, NULL);

  item = g_hash_table_lookup (roster->by_jid, jid);
  return item != NULL ? g_object_ref (item) : NULL;
}

/* Fetching */

typedef struct {
  char *cached_version;
  GPtrArray *cached_items;
  gboolean sent_cached_version;
} FetchData;

static void
fetch_data_free (FetchData *data)
{
  g_free (data->cached_version);
  g_clear_pointer (&data->cached_items, g_ptr_array_unref);
  g_free (data);
}

static void
fetch_return (GTask  *task,
              GError *error)
{
  GXmppRoster *self = g_task_get_source_object (task);

  self->fetch = NULL;
  /* The stored roster was read for this fetch only: the next reads it
   * again, until one succeeds. */
  if (error != NULL && !self->loaded)
    self->store_read = FALSE;
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static gboolean
server_versions_roster (GXmppRoster *self)
{
  GXmppNode *features = gxmpp_session_get_features (self->session);

  return features != NULL &&
         gxmpp_node_get_child (features, "ver", GXMPP_NS_ROSTER_VERSIONING) != NULL;
}

static void
on_fetched (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GXmppRoster *self = g_task_get_source_object (task);
  FetchData *data = g_task_get_task_data (task);
  g_autoptr(GXmppIq) reply = NULL;
  GXmppNode *query;
  GError *error = NULL;

  reply = gxmpp_session_send_iq_finish (GXMPP_SESSION (source), result, &error);
  if (reply == NULL)
    {
      fetch_return (task, error);
      return;
    }

  query = gxmpp_iq_get_payload (reply);
  if (query == NULL)
    {
      /* RFC 6121 2.6.3: an empty result is "nothing changed since the
       * version you sent"; pushes of any changes follow. */
      if (data->sent_cached_version)
        {
          replace_items (self, data->cached_items, TRUE);
          set_version (self, data->cached_version);
        }
    }
  else if (gxmpp_node_is (query, "query", GXMPP_NS_ROSTER))
    {
      g_autoptr(GPtrArray) children = gxmpp_node_get_children (query, "item", GXMPP_NS_ROSTER);
      g_autoptr(GPtrArray) items = g_ptr_array_new_full (children->len, g_object_unref);

      for (guint i = 0; i < children->len; i++)
        {
          g_autoptr(GError) item_error = NULL;
          GXmppRosterItem *item = gxmpp_roster_item_new_from_node (children->pdata[i], &item_error);

          /* One bad item does not cost the user the rest of the roster. */
          if (item == NULL)
            g_debug ("Leaving out a roster item: %s", item_error->message);
          else
            g_ptr_array_add (items, item);
        }
      replace_items (self, items, FALSE);
      set_version (self, gxmpp_node_get_attribute (query, "ver"));
      set_loaded (self);
      mark_dirty (self);
    }
  else
    {
      fetch_return (task, g_error_new_literal (GXMPP_ERROR, GXMPP_ERROR_INVALID_STANZA,
                                               _("The server answered the roster request with something else than a roster")));
      return;
    }

  set_loaded (self);
  fetch_return (task, NULL);
}

static void
send_fetch (GTask *task)
{
  GXmppRoster *self = g_task_get_source_object (task);
  FetchData *data = g_task_get_task_data (task);
  g_autoptr(GXmppNode) query = gxmpp_node_new ("query", GXMPP_NS_ROSTER);
  g_autoptr(GXmppIq) iq = NULL;

  /* RFC 6121 2.6.2: 'ver' only if the server announced versioning; the
   * empty string when the client has no version yet.
   *
   * Nor for an empty roster: Prosody 0.12 calls a roster that was never
   * written version 1, and the roster after its first change version 1
   * too, so that a client with the empty roster would be told nothing
   * changed. The whole of an empty roster costs nothing to fetch anyway. */
  if (server_versions_roster (self))
    {
      const char *version = self->loaded ? self->version : data->cached_version;
      gboolean empty = self->loaded ? self->items->len == 0
                                    : data->cached_items == NULL || data->cached_items->len == 0;

      if (empty)
        version = NULL;
      gxmpp_node_set_attribute (query, "ver", version != NULL ? version : "");
      data->sent_cached_version = !self->loaded && version != NULL;
    }

  iq = gxmpp_iq_new (GXMPP_IQ_TYPE_GET, NULL, query);
  gxmpp_session_send_iq_async (self->session, iq, 0, g_task_get_cancellable (task),
                               on_fetched, task);
}

static void
on_store_read (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  GXmppRoster *self = g_task_get_source_object (task);
  FetchData *data = g_task_get_task_data (task);
  g_autofree char *version = NULL;
  g_autoptr(GPtrArray) items = NULL;
  GError *error = NULL;

  if (!gxmpp_roster_store_load_finish (GXMPP_ROSTER_STORE (source), result, &version, &items, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          fetch_return (task, error);
          g_object_unref (task);
          return;
        }
      g_debug ("Fetching the whole roster: the store could not be read: %s", error->message);
      g_signal_emit (self, signals[SIGNAL_STORE_ERROR], 0, error);
      g_clear_error (&error);
    }
  else if (version != NULL)
    {
      /* A copy without a version cannot be checked with the server. */
      data->cached_version = g_steal_pointer (&version);
      data->cached_items = g_steal_pointer (&items);
    }
  send_fetch (task);
}

/**
 * gxmpp_roster_fetch_async:
 * @roster: a roster
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the roster is loaded
 * @user_data: data for @callback
 *
 * Gets the roster from the server (RFC 6121 section 2.2) and fills the
 * model with it in one pass: one [signal@Gio.ListModel::items-changed]
 * for the whole roster. Items that were on the model already and still
 * are stay the same objects.
 *
 * The first fetch of a roster with a store reads the store first; when
 * the server versions the roster, the request carries the stored version
 * and, if the server says nothing changed, the stored items fill the
 * model. A later fetch sends the model's version.
 *
 * Fails with the server's error reply as a %GXMPP_STANZA_ERROR, with
 * %G_IO_ERROR_PENDING while another fetch of the roster is under way, and
 * as [method@GXmpp.Session.send_iq_async] does (timeout, cancellation, a
 * closed session). A failed fetch leaves the model as it was.
 */
void
gxmpp_roster_fetch_async (GXmppRoster         *roster,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task;
  g_autoptr(GXmppJid) account = NULL;

  g_return_if_fail (GXMPP_IS_ROSTER (roster));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (roster, cancellable, callback, user_data);
  g_task_set_source_tag (task, gxmpp_roster_fetch_async);
  g_task_set_name (task, "[gxmpp] fetch roster");

  if (roster->fetch != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _("The roster is being fetched already"));
      g_object_unref (task);
      return;
    }
  roster->fetch = task;
  g_task_set_task_data (task, g_new0 (FetchData, 1), (GDestroyNotify) fetch_data_free);

  account = get_account (roster);
  if (roster->store != NULL && !roster->store_read && !roster->loaded && account != NULL)
    {
      roster->store_read = TRUE;
      gxmpp_roster_store_load_async (roster->store, account, cancellable, on_store_read, task);
      return;
    }
  send_fetch (task);
}

/**
 * gxmpp_roster_fetch_finish:
 * @roster: a roster
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@GXmpp.Roster.fetch_async].
 *
 * Returns: %TRUE if the roster was loaded
 */
gboolean
gxmpp_roster_fetch_finish (GXmppRoster   *roster,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, roster), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gxmpp_roster_fetch_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Changing */

typedef enum {
  SET_ADD,
  SET_UPDATE,
  SET_REMOVE,
} SetKind;

typedef struct {
  GXmppJid *jid;
  char *name;
  char **groups;
  SetKind kind;
} SetData;

static void
set_data_free (SetData *data)
{
  gxmpp_jid_unref (data->jid);
  g_free (data->name);
  g_strfreev (data->groups);
  g_free (data);
}

static void
on_set (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GXmppRoster *self = g_task_get_source_object (task);
  SetData *data = g_task_get_task_data (task);
  g_autoptr(GXmppIq) reply = NULL;
  g_autoptr(GXmppRosterItem) item = NULL;
  GError *error = NULL;

  reply = gxmpp_session_send_iq_finish (GXMPP_SESSION (source), result, &error);
  if (reply == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* The server's push of the change follows (or came first); showing the
   * change now means that the model has it when the call completes. The
   * push, the same change, then changes nothing more. */
  if (self->loaded)
    {
      if (data->kind == SET_REMOVE)
        item = gxmpp_roster_item_new (data->jid, NULL, GXMPP_SUBSCRIPTION_REMOVE, FALSE, NULL);
      else
        {
          GXmppRosterItem *existing = g_hash_table_lookup (self->by_jid, data->jid);

          item = gxmpp_roster_item_new (data->jid, data->name,
                                        existing != NULL ? gxmpp_roster_item_get_subscription (existing)
                                                         : GXMPP_SUBSCRIPTION_NONE,
                                        existing != NULL && gxmpp_roster_item_get_ask (existing),
                                        (const char * const *) data->groups);
        }
      if (apply_item (self, item))
        mark_dirty (self);
    }
  g_task_return_boolean (task, TRUE);
}

static void
send_set (GXmppRoster         *roster,
          GXmppJid            *jid,
          const char          *name,
          const char * const  *groups,
          SetKind              kind,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data,
          gpointer             source_tag,
          const char          *task_name)
{
  g_autoptr(GTask) task = g_task_new (roster, cancellable, callback, user_data);
  g_autoptr(GXmppNode) query = gxmpp_node_new ("query", GXMPP_NS_ROSTER);
  g_autoptr(GXmppNode) item = NULL;
  g_autoptr(GXmppIq) iq = NULL;
  SetData *data = g_new0 (SetData, 1);

  g_task_set_source_tag (task, source_tag);
  g_task_set_name (task, task_name);
  data->jid = gxmpp_jid_ref (jid);
  data->name = g_strdup (name);
  data->groups = gxmpp_roster_groups_normalize (groups);
  data->kind = kind;
  g_task_set_task_data (task, data, (GDestroyNotify) set_data_free);

  if (roster->loaded && kind != SET_REMOVE)
    {
      gboolean present = g_hash_table_contains (roster->by_jid, jid);

      if (kind == SET_ADD && present)
        {
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_EXISTS,
                                   _("%s is on the roster already"), gxmpp_jid_to_string (jid));
          return;
        }
      if (kind == SET_UPDATE && !present)
        {
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                   _("%s is not on the roster"), gxmpp_jid_to_string (jid));
          return;
        }
    }

  item = gxmpp_roster_item_to_set_node (jid, name, (const char * const *) data->groups,
                                        kind == SET_REMOVE);
  gxmpp_node_append (query, item);
  iq = gxmpp_iq_new (GXMPP_IQ_TYPE_SET, NULL, query);
  gxmpp_session_send_iq_async (roster->session, iq, 0, cancellable, on_set, g_steal_pointer (&task));
}

/**
 * gxmpp_roster_add_async:
 * @roster: a roster
 * @jid: the contact's address
 * @name: (nullable): a name for the contact, or %NULL
 * @groups: (nullable) (array zero-terminated=1): the groups to put the
 *   contact in, or %NULL for none
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the server has answered
 * @user_data: data for @callback
 *
 * Asks the server to add @jid to the roster (RFC 6121 section 2.3); the
 * new item has no subscription yet (subscribing is a presence matter).
 * Empty and repeated group names are left out.
 *
 * When the roster is loaded and has @jid already, fails with
 * %G_IO_ERROR_EXISTS and sends nothing (use
 * [method@GXmpp.Roster.update_async] to change an item). A refusal of
 * the server is a %GXMPP_STANZA_ERROR: for example
 * %GXMPP_STANZA_ERROR_NOT_ALLOWED for the account's own address. When
 * the call succeeds, the model has the item. Cancelling stops the wait,
 * not the request: if the server makes the change, its push brings it.
 */
void
gxmpp_roster_add_async (GXmppRoster         *roster,
                        GXmppJid            *jid,
                        const char          *name,
                        const char * const  *groups,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_return_if_fail (GXMPP_IS_ROSTER (roster));
  g_return_if_fail (jid != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  send_set (roster, jid, name, groups, SET_ADD, cancellable, callback, user_data,
            gxmpp_roster_add_async, "[gxmpp] add roster item");
}

/**
 * gxmpp_roster_add_finish:
 * @roster: a roster
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@GXmpp.Roster.add_async].
 *
 * Returns: %TRUE if the server added the contact
 */
gboolean
gxmpp_roster_add_finish (GXmppRoster   *roster,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, roster), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gxmpp_roster_add_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * gxmpp_roster_update_async:
 * @roster: a roster
 * @jid: the contact's address
 * @name: (nullable): the contact's new name, or %NULL for none
 * @groups: (nullable) (array zero-terminated=1): the contact's new
 *   groups, or %NULL for none
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the server has answered
 * @user_data: data for @callback
 *
 * Asks the server to change the name and groups of @jid's item (RFC 6121
 * section 2.4): both are replaced, so pass the item's current groups
 * ([method@GXmpp.RosterItem.get_groups]) to rename only. The
 * subscription does not change.
 *
 * When the roster is loaded and does not have @jid, fails with
 * %G_IO_ERROR_NOT_FOUND and sends nothing. Otherwise as
 * [method@GXmpp.Roster.add_async].
 */
void
gxmpp_roster_update_async (GXmppRoster         *roster,
                           GXmppJid            *jid,
                           const char          *name,
                           const char * const  *groups,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (GXMPP_IS_ROSTER (roster));
  g_return_if_fail (jid != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  send_set (roster, jid, name, groups, SET_UPDATE, cancellable, callback, user_data,
            gxmpp_roster_update_async, "[gxmpp] update roster item");
}

/**
 * gxmpp_roster_update_finish:
 * @roster: a roster
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@GXmpp.Roster.update_async].
 *
 * Returns: %TRUE if the server changed the item
 */
gboolean
gxmpp_roster_update_finish (GXmppRoster   *roster,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, roster), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gxmpp_roster_update_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * gxmpp_roster_remove_async:
 * @roster: a roster
 * @jid: the contact's address
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the server has answered
 * @user_data: data for @callback
 *
 * Asks the server to remove @jid from the roster (RFC 6121 section 2.5),
 * which also cancels the subscriptions both ways. A contact that is not
 * on the roster is the server's %GXMPP_STANZA_ERROR_ITEM_NOT_FOUND. When
 * the call succeeds, the item is gone from the model. Cancelling stops
 * the wait, not the request.
 */
void
gxmpp_roster_remove_async (GXmppRoster         *roster,
                           GXmppJid            *jid,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (GXMPP_IS_ROSTER (roster));
  g_return_if_fail (jid != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  send_set (roster, jid, NULL, NULL, SET_REMOVE, cancellable, callback, user_data,
            gxmpp_roster_remove_async, "[gxmpp] remove roster item");
}

/**
 * gxmpp_roster_remove_finish:
 * @roster: a roster
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@GXmpp.Roster.remove_async].
 *
 * Returns: %TRUE if the server removed the contact
 */
gboolean
gxmpp_roster_remove_finish (GXmppRoster   *roster,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, roster), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gxmpp_roster_remove_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Saving */

/**
 * gxmpp_roster_save_async:
 * @roster: a loaded roster with a store
 * @cancellable: (nullable): a #GCancellable; cancelling stops the wait,
 *   not the write
 * @callback: called when the store has been written
 * @user_data: data for @callback
 *
 * Writes the roster's version and items to its store now, after any
 * write under way. The roster writes its store after each change anyway,
 * in the background; this says when what the model holds now is written
 * (before the application quits, say), and reports failures to the
 * caller rather than through [signal@GXmpp.Roster::store-error].
 *
 * Fails with %G_IO_ERROR_NOT_SUPPORTED for a roster without a store, and
 * with %G_IO_ERROR_NOT_INITIALIZED before the roster is loaded (an empty
 * model must not replace a stored roster).
 */
void
gxmpp_roster_save_async (GXmppRoster         *roster,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (GXMPP_IS_ROSTER (roster));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (roster, cancellable, callback, user_data);
  g_task_set_source_tag (task, gxmpp_roster_save_async);
  g_task_set_name (task, "[gxmpp] save roster");

  if (roster->store == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("The roster has no store"));
      g_object_unref (task);
      return;
    }
  if (!roster->loaded)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                               _("The roster has not been fetched yet: there is nothing to save"));
      g_object_unref (task);
      return;
    }

  g_ptr_array_add (roster->save_waiters, task);
  roster->dirty = TRUE;
  if (!roster->saving)
    start_write (roster);
}

/**
 * gxmpp_roster_save_finish:
 * @roster: a roster
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@GXmpp.Roster.save_async].
 *
 * Returns: %TRUE if the store was written
 */
gboolean
gxmpp_roster_save_finish (GXmppRoster   *roster,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, roster), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gxmpp_roster_save_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
