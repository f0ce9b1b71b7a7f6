/* mock-resolver.c: a GResolver that answers from a table
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "mock-resolver.h"

struct _MockResolver
{
  GResolver parent_instance;

  GHashTable *srv;          /* rrname -> GList of GVariant "(qqqs)" */
  GHashTable *srv_errors;   /* rrname -> GError */
  GHashTable *addresses;    /* host -> GList of GInetAddress */
  GPtrArray *queries;
};

G_DEFINE_FINAL_TYPE (MockResolver, mock_resolver, G_TYPE_RESOLVER)

static void
free_variant_list (gpointer list)
{
  g_list_free_full (list, (GDestroyNotify) g_variant_unref);
}

static void
free_object_list (gpointer list)
{
  g_list_free_full (list, g_object_unref);
}

static GList *
lookup_records (GResolver              *resolver,
                const char             *rrname,
                GResolverRecordType     type,
                GCancellable           *cancellable,
                GError                **error)
{
  MockResolver *self = MOCK_RESOLVER (resolver);
  GError *stored;
  GList *records;

  g_ptr_array_add (self->queries, g_strdup_printf ("SRV %s", rrname));

  if (type != G_RESOLVER_RECORD_SRV)
    {
      g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "no %s records", rrname);
      return NULL;
    }

  stored = g_hash_table_lookup (self->srv_errors, rrname);
  if (stored != NULL)
    {
      g_propagate_error (error, g_error_copy (stored));
      return NULL;
    }

  records = g_hash_table_lookup (self->srv, rrname);
  if (records == NULL)
    {
      g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "no SRV records for %s", rrname);
      return NULL;
    }
  return g_list_copy_deep (records, (GCopyFunc) g_variant_ref, NULL);
}

static void
lookup_records_async (GResolver           *resolver,
                      const char          *rrname,
                      GResolverRecordType  type,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);
  GError *error = NULL;
  GList *records = lookup_records (resolver, rrname, type, cancellable, &error);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, records, free_variant_list);
}

static GList *
lookup_records_finish (GResolver     *resolver,
                       GAsyncResult  *result,
                       GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static GList *
lookup_by_name (GResolver     *resolver,
                const char    *hostname,
                GCancellable  *cancellable,
                GError       **error)
{
  MockResolver *self = MOCK_RESOLVER (resolver);
  GList *addresses;
  g_autoptr(GInetAddress) literal = g_inet_address_new_from_string (hostname);

  g_ptr_array_add (self->queries, g_strdup_printf ("A %s", hostname));

  if (literal != NULL)
    return g_list_append (NULL, g_object_ref (literal));

  addresses = g_hash_table_lookup (self->addresses, hostname);
  if (addresses == NULL)
    {
      g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "no address for %s", hostname);
      return NULL;
    }
  return g_list_copy_deep (addresses, (GCopyFunc) g_object_ref, NULL);
}

static void
lookup_by_name_async (GResolver           *resolver,
                      const char          *hostname,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);
  GError *error = NULL;
  GList *addresses = lookup_by_name (resolver, hostname, cancellable, &error);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, addresses, free_object_list);
}

static GList *
lookup_by_name_finish (GResolver     *resolver,
                       GAsyncResult  *result,
                       GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static GList *
lookup_by_name_with_flags (GResolver                 *resolver,
                           const char                *hostname,
                           GResolverNameLookupFlags   flags,
                           GCancellable              *cancellable,
                           GError                   **error)
{
  return lookup_by_name (resolver, hostname, cancellable, error);
}

static void
lookup_by_name_with_flags_async (GResolver                *resolver,
                                 const char               *hostname,
                                 GResolverNameLookupFlags  flags,
                                 GCancellable             *cancellable,
                                 GAsyncReadyCallback       callback,
                                 gpointer                  user_data)
{
  lookup_by_name_async (resolver, hostname, cancellable, callback, user_data);
}

static void
mock_resolver_finalize (GObject *object)
{
  MockResolver *self = MOCK_RESOLVER (object);

  g_hash_table_unref (self->srv);
  g_hash_table_unref (self->srv_errors);
  g_hash_table_unref (self->addresses);
  g_ptr_array_unref (self->queries);

  G_OBJECT_CLASS (mock_resolver_parent_class)->finalize (object);
}

static void
mock_resolver_class_init (MockResolverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GResolverClass *resolver_class = G_RESOLVER_CLASS (klass);

  object_class->finalize = mock_resolver_finalize;
  resolver_class->lookup_records = lookup_records;
  resolver_class->lookup_records_async = lookup_records_async;
  resolver_class->lookup_records_finish = lookup_records_finish;
  resolver_class->lookup_by_name = lookup_by_name;
  resolver_class->lookup_by_name_async = lookup_by_name_async;
  resolver_class->lookup_by_name_finish = lookup_by_name_finish;
  resolver_class->lookup_by_name_with_flags = lookup_by_name_with_flags;
  resolver_class->lookup_by_name_with_flags_async = lookup_by_name_with_flags_async;
  resolver_class->lookup_by_name_with_flags_finish = lookup_by_name_finish;
}

static void
mock_resolver_init (MockResolver *self)
{
  self->srv = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, free_variant_list);
  self->srv_errors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_error_free);
  self->addresses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, free_object_list);
  self->queries = g_ptr_array_new_with_free_func (g_free);
}

MockResolver *
mock_resolver_new (void)
{
  return g_object_new (MOCK_TYPE_RESOLVER, NULL);
}

void
mock_resolver_add_srv (MockResolver *self,
                       const char   *rrname,
                       const char   *target,
                       guint16       port,
                       guint16       priority,
                       guint16       weight)
{
  GVariant *record = g_variant_ref_sink (g_variant_new ("(qqqs)", priority, weight, port, target));
  gpointer old_key = NULL, records = NULL;

  if (g_hash_table_steal_extended (self->srv, rrname, &old_key, &records))
    g_free (old_key);
  g_hash_table_insert (self->srv, g_strdup (rrname), g_list_append (records, record));
}

void
mock_resolver_set_srv_error (MockResolver *self,
                             const char   *rrname,
                             const GError *error)
{
  g_hash_table_insert (self->srv_errors, g_strdup (rrname), g_error_copy (error));
}

void
mock_resolver_add_address (MockResolver *self,
                           const char   *host,
                           const char   *address)
{
  GInetAddress *inet = g_inet_address_new_from_string (address);
  gpointer old_key = NULL, addresses = NULL;

  g_assert_nonnull (inet);
  if (g_hash_table_steal_extended (self->addresses, host, &old_key, &addresses))
    g_free (old_key);
  g_hash_table_insert (self->addresses, g_strdup (host), g_list_append (addresses, inet));
}

GPtrArray *
mock_resolver_get_queries (MockResolver *self)
{
  return self->queries;
}

void
mock_resolver_clear_queries (MockResolver *self)
{
  g_ptr_array_set_size (self->queries, 0);
}
