/* gxmpp-roster-file-store.c: rosters kept in files
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "gxmpp-i18n-private.h"
#include "gxmpp-roster-file-store.h"
#include "gxmpp-roster-item-private.h"

/**
 * GXmppRosterFileStore:
 *
 * A [iface@GXmpp.RosterStore] that keeps each account's roster in a file
 * of its own: by default in `xmpp-glib` under the user's cache directory
 * (g_get_user_cache_dir()), named after the account's bare JID
 * (`alice@example.com.roster`), or in another directory, or in one given
 * file.
 *
 * Files are written with g_file_replace_contents_bytes_async(): the new
 * copy replaces the old one only once it is complete, so a crash or a
 * full disk leaves the previous copy. They are readable by their owner
 * only. Nothing blocks the calling thread: reading and writing are GIO's
 * asynchronous calls, and the directory is created, when it is missing,
 * in a worker thread.
 *
 * A file that cannot be read, is not a roster cache, was written in a
 * format this version does not know, is damaged, or holds another
 * account's roster fails to load with a #GError that says which (in
 * %G_IO_ERROR, %G_IO_ERROR_INVALID_DATA for the contents); the roster then
 * fetches the whole roster from the server and writes the file afresh.
 *
 * ## Format
 *
 * A 16-byte header, the 12 bytes `GXmppRoster` and a nul, then the format
 * number as a little-endian 32-bit integer (1), followed by a serialised
 * #GVariant, little-endian, of type `(smsa(smssbas))`: the account's bare
 * JID, the roster version (nothing if the server did not version the
 * roster), and the items, each with its JID, name, subscription
 * (`none`, `to`, `from` or `both`), `ask`, and groups.
 */

#define MAGIC "GXmppRoster"   /* 11 characters and the nul: 12 bytes */
#define MAGIC_SIZE 12
#define HEADER_SIZE 16
#define FORMAT 1
#define VARIANT_TYPE "(smsa(smssbas))"
#define SUFFIX ".roster"
/* Longer file names are hashed: most file systems allow 255 bytes. */
#define MAX_NAME 200

struct _GXmppRosterFileStore
{
  GObject parent_instance;

  GFile *directory;
  GFile *file;
};

static void gxmpp_roster_file_store_iface_init (GXmppRosterStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GXmppRosterFileStore, gxmpp_roster_file_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GXMPP_TYPE_ROSTER_STORE,
                                                      gxmpp_roster_file_store_iface_init))

enum {
  PROP_0,
  PROP_DIRECTORY,
  PROP_FILE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Reading */

typedef struct {
  GFile *file;
  GXmppJid *account;
  char *version;
  GPtrArray *items;
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_clear_object (&data->file);
  g_clear_pointer (&data->account, gxmpp_jid_unref);
  g_free (data->version);
  g_clear_pointer (&data->items, g_ptr_array_unref);
  g_free (data);
}

static void
set_damaged (GError     **error,
             GFile       *file,
             const char  *why)
{
  g_autofree char *name = g_file_get_parse_name (file);

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               _("The roster cache “%s” is damaged: %s"), name, why);
}

static gboolean
parse (LoadData  *data,
       GBytes    *bytes,
       GError   **error)
{
  gsize size = g_bytes_get_size (bytes);
  const guint8 *header = g_bytes_get_data (bytes, NULL);
  g_autofree char *name = g_file_get_parse_name (data->file);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GVariant) items = NULL;
  g_autoptr(GXmppJid) stored_account = NULL;
  g_autoptr(GError) jid_error = NULL;
  const char *account_text;
  const char *version;
  guint32 format;
  gsize n_items;

  if (size < HEADER_SIZE || memcmp (header, MAGIC, MAGIC_SIZE) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("“%s” is not a roster cache of xmpp-glib"), name);
      return FALSE;
    }
  memcpy (&format, header + MAGIC_SIZE, sizeof format);
  format = GUINT32_FROM_LE (format);
  if (format != FORMAT)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The roster cache “%s” is in format %u, which this version of xmpp-glib does not read"),
                   name, format);
      return FALSE;
    }

  body = g_bytes_new_from_bytes (bytes, HEADER_SIZE, size - HEADER_SIZE);
  variant = g_variant_new_from_bytes (G_VARIANT_TYPE (VARIANT_TYPE), body, FALSE);
  if (G_BYTE_ORDER == G_BIG_ENDIAN)
    {
      GVariant *swapped = g_variant_byteswap (variant);

      g_variant_unref (variant);
      variant = swapped;
    }
  /* Any bytes make some variant of the type; only data that was written as
   * one serialises back to itself. */
  if (!g_variant_is_normal_form (variant))
    {
      set_damaged (error, data->file, _("its data is not well-formed"));
      return FALSE;
    }

  g_variant_get (variant, "(&sm&s@a(smssbas))", &account_text, &version, &items);
  stored_account = gxmpp_jid_new (account_text, NULL);
  if (stored_account == NULL || !gxmpp_jid_equal (stored_account, data->account))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The roster cache “%s” holds the roster of “%s”, not of “%s”"),
                   name, account_text, gxmpp_jid_to_string (data->account));
      return FALSE;
    }

  n_items = g_variant_n_children (items);
  data->version = g_strdup (version);
  data->items = g_ptr_array_new_full (n_items, g_object_unref);
  for (gsize i = 0; i < n_items; i++)
    {
      const char *jid_text, *item_name, *subscription_text;
      g_autofree const char **groups = NULL;
      GXmppSubscription subscription;
      g_autoptr(GXmppJid) jid = NULL;
      gboolean ask;

      g_variant_get_child (items, i, "(&sm&s&sb^a&s)", &jid_text, &item_name, &subscription_text,
                           &ask, &groups);
      jid = gxmpp_jid_new (jid_text, &jid_error);
      if (jid == NULL)
        {
          set_damaged (error, data->file, jid_error->message);
          return FALSE;
        }
      if (!gxmpp_subscription_from_nick (subscription_text, &subscription) ||
          subscription == GXMPP_SUBSCRIPTION_REMOVE)
        {
          g_autofree char *why = g_strdup_printf (_("the item of %s has the subscription “%s”"),
                                                  jid_text, subscription_text);

          set_damaged (error, data->file, why);
          return FALSE;
        }
      g_ptr_array_add (data->items, gxmpp_roster_item_new (jid, item_name, subscription, ask, groups));
    }
  return TRUE;
}

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LoadData *data = g_task_get_task_data (task);
  g_autoptr(GBytes) bytes = NULL;
  GError *error = NULL;

  bytes = g_file_load_bytes_finish (G_FILE (source), result, NULL, &error);
  if (bytes == NULL)
    {
      /* Nothing stored yet. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        {
          g_clear_error (&error);
          data->items = g_ptr_array_new_with_free_func (g_object_unref);
          g_task_return_boolean (task, TRUE);
          return;
        }
      g_task_return_error (task, error);
      return;
    }

  if (!parse (data, bytes, &error))
    {
      g_clear_pointer (&data->version, g_free);
      g_clear_pointer (&data->items, g_ptr_array_unref);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
file_store_load_async (GXmppRosterStore    *store,
                       GXmppJid            *account,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  GXmppRosterFileStore *self = GXMPP_ROSTER_FILE_STORE (store);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  LoadData *data = g_new0 (LoadData, 1);

  g_task_set_source_tag (task, file_store_load_async);
  g_task_set_name (task, "[gxmpp] load roster file");
  data->account = gxmpp_jid_to_bare (account);
  data->file = gxmpp_roster_file_store_get_file (self, account);
  g_task_set_task_data (task, data, (GDestroyNotify) load_data_free);

  g_file_load_bytes_async (data->file, cancellable, on_loaded, task);
}

static gboolean
file_store_load_finish (GXmppRosterStore  *store,
                        GAsyncResult      *result,
                        char             **version,
                        GPtrArray        **items,
                        GError           **error)
{
  LoadData *data;

  g_return_val_if_fail (g_task_is_valid (result, store), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == file_store_load_async, FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  data = g_task_get_task_data (G_TASK (result));
  *version = g_steal_pointer (&data->version);
  *items = g_steal_pointer (&data->items);
  return TRUE;
}

/* Writing */

typedef struct {
  GFile *file;
  GBytes *bytes;
  gboolean made_directory;
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_clear_object (&data->file);
  g_clear_pointer (&data->bytes, g_bytes_unref);
  g_free (data);
}

static GBytes *
serialise (GXmppJid   *account,
           const char *version,
           GPtrArray  *items)
{
  GVariantBuilder builder;
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GByteArray) out = NULL;
  guint32 format = GUINT32_TO_LE (FORMAT);
  gsize size;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(smssbas)"));
  for (guint i = 0; i < items->len; i++)
    {
      GXmppRosterItem *item = items->pdata[i];

      g_variant_builder_add (&builder, "(smssb^as)",
                             gxmpp_jid_to_string (gxmpp_roster_item_get_jid (item)),
                             gxmpp_roster_item_get_name (item),
                             gxmpp_subscription_to_nick (gxmpp_roster_item_get_subscription (item)),
                             gxmpp_roster_item_get_ask (item),
                             gxmpp_roster_item_get_groups (item));
    }
  variant = g_variant_ref_sink (g_variant_new ("(sms@a(smssbas))", gxmpp_jid_to_string (account),
                                               version, g_variant_builder_end (&builder)));
  if (G_BYTE_ORDER == G_BIG_ENDIAN)
    {
      GVariant *swapped = g_variant_byteswap (variant);

      g_variant_unref (variant);
      variant = swapped;
    }

  size = g_variant_get_size (variant);
  out = g_byte_array_sized_new (HEADER_SIZE + size);
  g_byte_array_append (out, (const guint8 *) MAGIC, MAGIC_SIZE);
  g_byte_array_append (out, (const guint8 *) &format, sizeof format);
  g_byte_array_set_size (out, HEADER_SIZE + size);
  g_variant_store (variant, out->data + HEADER_SIZE);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static void write_file (GTask *task);

static void
make_directory_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  SaveData *data = task_data;
  g_autoptr(GFile) parent = g_file_get_parent (data->file);
  GError *error = NULL;

  if (parent != NULL && !g_file_make_directory_with_parents (parent, cancellable, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
    {
      g_task_return_error (task, error);
      return;
    }
  g_clear_error (&error);
  g_task_return_boolean (task, TRUE);
}

static void
on_directory_made (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  write_file (g_steal_pointer (&task));
}

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SaveData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* The first write: make the directory (with g_file_make_directory_with_parents()
   * in a thread, as GIO has no asynchronous form of it), then try again. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) && !data->made_directory)
    {
      gpointer source_object = g_task_get_source_object (task);
      GCancellable *cancellable = g_task_get_cancellable (task);
      GTask *mkdir_task;
      SaveData *mkdir_data = g_new0 (SaveData, 1);

      mkdir_task = g_task_new (source_object, cancellable, on_directory_made, g_steal_pointer (&task));
      g_clear_error (&error);
      data->made_directory = TRUE;
      mkdir_data->file = g_object_ref (data->file);
      g_task_set_name (mkdir_task, "[gxmpp] make roster directory");
      g_task_set_task_data (mkdir_task, mkdir_data, (GDestroyNotify) save_data_free);
      g_task_run_in_thread (mkdir_task, make_directory_thread);
      g_object_unref (mkdir_task);
      return;
    }
  g_task_return_error (task, error);
}

static void
write_file (GTask *task)
{
  SaveData *data = g_task_get_task_data (task);

  g_file_replace_contents_bytes_async (data->file, data->bytes, NULL, FALSE,
                                       G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION,
                                       g_task_get_cancellable (task), on_written, task);
}

static void
file_store_save_async (GXmppRosterStore    *store,
                       GXmppJid            *account,
                       const char          *version,
                       GPtrArray           *items,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  GXmppRosterFileStore *self = GXMPP_ROSTER_FILE_STORE (store);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  SaveData *data = g_new0 (SaveData, 1);
  g_autoptr(GXmppJid) bare = gxmpp_jid_to_bare (account);

  g_task_set_source_tag (task, file_store_save_async);
  g_task_set_name (task, "[gxmpp] save roster file");
  data->file = gxmpp_roster_file_store_get_file (self, account);
  data->bytes = serialise (bare, version, items);
  g_task_set_task_data (task, data, (GDestroyNotify) save_data_free);

  write_file (task);
}

static gboolean
file_store_save_finish (GXmppRosterStore  *store,
                        GAsyncResult      *result,
                        GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, store), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == file_store_save_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
gxmpp_roster_file_store_iface_init (GXmppRosterStoreInterface *iface)
{
  iface->load_async = file_store_load_async;
  iface->load_finish = file_store_load_finish;
  iface->save_async = file_store_save_async;
  iface->save_finish = file_store_save_finish;
}

/* GObject */

static void
gxmpp_roster_file_store_finalize (GObject *object)
{
  GXmppRosterFileStore *self = GXMPP_ROSTER_FILE_STORE (object);

  g_clear_object (&self->directory);
  g_clear_object (&self->file);

  G_OBJECT_CLASS (gxmpp_roster_file_store_parent_class)->finalize (object);
}

static void
gxmpp_roster_file_store_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  GXmppRosterFileStore *self = GXMPP_ROSTER_FILE_STORE (object);

  switch (prop_id)
    {
    case PROP_DIRECTORY:
      g_value_set_object (value, self->directory);
      break;
    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_roster_file_store_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  GXmppRosterFileStore *self = GXMPP_ROSTER_FILE_STORE (object);

  switch (prop_id)
    {
    case PROP_DIRECTORY:
      self->directory = g_value_dup_object (value);
      break;
    case PROP_FILE:
      self->file = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_roster_file_store_constructed (GObject *object)
{
  GXmppRosterFileStore *self = GXMPP_ROSTER_FILE_STORE (object);

  G_OBJECT_CLASS (gxmpp_roster_file_store_parent_class)->constructed (object);

  if (self->file != NULL && self->directory != NULL)
    {
      g_critical ("A GXmppRosterFileStore has a directory or a file, not both");
      g_clear_object (&self->directory);
    }
  if (self->file == NULL && self->directory == NULL)
    self->directory = g_file_new_build_filename (g_get_user_cache_dir (), "xmpp-glib", NULL);
}

static void
gxmpp_roster_file_store_class_init (GXmppRosterFileStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = gxmpp_roster_file_store_finalize;
  object_class->get_property = gxmpp_roster_file_store_get_property;
  object_class->set_property = gxmpp_roster_file_store_set_property;
  object_class->constructed = gxmpp_roster_file_store_constructed;

  /**
   * GXmppRosterFileStore:directory:
   *
   * The directory with a file for each account's roster;
   * `xmpp-glib` in g_get_user_cache_dir() unless another is given, %NULL
   * for a store of one file ([property@GXmpp.RosterFileStore:file]).
   */
  properties[PROP_DIRECTORY] =
    g_param_spec_object ("directory", NULL, NULL, G_TYPE_FILE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppRosterFileStore:file:
   *
   * The one file of a store made with
   * [ctor@GXmpp.RosterFileStore.new_for_file], or %NULL. It holds the
   * roster of one account; a roster of another account in it is not
   * loaded (it is an error) and is replaced on the next save.
   */
  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL, G_TYPE_FILE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gxmpp_roster_file_store_init (GXmppRosterFileStore *self)
{
}

/**
 * gxmpp_roster_file_store_new:
 * @directory: (nullable): where to keep the files, or %NULL for
 *   `xmpp-glib` in the user's cache directory
 *
 * Creates a store that keeps each account's roster in a file of its own
 * in @directory, which is created when it is first written to.
 *
 * Returns: (transfer full): a new store
 */
GXmppRosterFileStore *
gxmpp_roster_file_store_new (GFile *directory)
{
  g_return_val_if_fail (directory == NULL || G_IS_FILE (directory), NULL);

  return g_object_new (GXMPP_TYPE_ROSTER_FILE_STORE, "directory", directory, NULL);
}

/**
 * gxmpp_roster_file_store_new_for_file:
 * @file: the file
 *
 * Creates a store that keeps one account's roster in @file.
 *
 * Returns: (transfer full): a new store
 */
GXmppRosterFileStore *
gxmpp_roster_file_store_new_for_file (GFile *file)
{
  g_return_val_if_fail (G_IS_FILE (file), NULL);

  return g_object_new (GXMPP_TYPE_ROSTER_FILE_STORE, "file", file, NULL);
}

/**
 * gxmpp_roster_file_store_get_directory:
 * @store: a file store
 *
 * Gets [property@GXmpp.RosterFileStore:directory].
 *
 * Returns: (transfer none) (nullable): the directory of the files, or
 *   %NULL for a store of one file
 */
GFile *
gxmpp_roster_file_store_get_directory (GXmppRosterFileStore *store)
{
  g_return_val_if_fail (GXMPP_IS_ROSTER_FILE_STORE (store), NULL);
  return store->directory;
}

/**
 * gxmpp_roster_file_store_get_file:
 * @store: a file store
 * @account: an account's JID (a full JID stands for its bare JID)
 *
 * Gets the file that holds @account's roster. It is named after the bare
 * JID, with `%`-escapes for characters that are not safe in file names
 * and the suffix `.roster`; a name that would be too long for file
 * systems is the SHA-256 of the bare JID instead.
 *
 * Returns: (transfer full): the file
 */
GFile *
gxmpp_roster_file_store_get_file (GXmppRosterFileStore *store,
                                  GXmppJid             *account)
{
  g_autoptr(GXmppJid) bare = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (GXMPP_IS_ROSTER_FILE_STORE (store), NULL);
  g_return_val_if_fail (account != NULL, NULL);

  if (store->file != NULL)
    return g_object_ref (store->file);

  bare = gxmpp_jid_to_bare (account);
  escaped = g_uri_escape_string (gxmpp_jid_to_string (bare), "@", TRUE);
  if (strlen (escaped) > MAX_NAME)
    {
      g_free (escaped);
      escaped = g_compute_checksum_for_string (G_CHECKSUM_SHA256, gxmpp_jid_to_string (bare), -1);
    }
  name = g_strconcat (escaped, SUFFIX, NULL);
  return g_file_get_child (store->directory, name);
}
