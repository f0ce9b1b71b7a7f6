/* test-roster.c: GXmppRoster against a private Prosody and scripted servers,
 * and GXmppRosterFileStore on its own
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * /roster/prosody/...   the real thing: fetch, add/update/remove with the
 *                       exact items-changed positions, pushes from a second
 *                       resource, versioning (what Prosody 0.12 answers, read
 *                       off the wire), the file store round trip, a corrupt
 *                       store, a spoofed push, 2,000 items in one pass.
 * /roster/scripted/...  what Prosody will not do: pushes from every kind of
 *                       sender, malformed pushes, an empty result after a
 *                       stored version with pushes following, no versioning,
 *                       bad items, error replies.
 * /roster/file-store/...  the file format: round trip, naming, damage of
 *                       every kind (each byte of a file flipped, in turn).
 *
 * Waiting is WAIT_UNTIL with a safety net, never an assertion on time;
 * times are printed with g_test_message() for information only.
 */

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <xmpp-glib/xmpp-glib.h>

#include "gxmpp-test-server.h"
#include "scripted-server.h"
#include "session-helpers.h"

/* WAIT_UNTIL's guard, generous for valgrind: a safety net, not a measure. */
#define TEST_WAIT_SECONDS 120
#include "test-wait.h"

#define NS_ROSTER_ATTR "xmlns='jabber:iq:roster'"
#define NS_STANZAS "urn:ietf:params:xml:ns:xmpp-stanzas"

/* Asynchronous calls: one callback for every _finish that returns a
 * gboolean. */

typedef gboolean (* FinishFunc) (gpointer      source,
                                 GAsyncResult *result,
                                 GError      **error);

typedef struct {
  FinishFunc finish;
  gboolean done;
  gboolean ok;
  GError *error;
} Outcome;

#define OUTCOME(func) { (FinishFunc) (func), FALSE, FALSE, NULL }

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Outcome *outcome = user_data;

  outcome->ok = outcome->finish (source, result, &outcome->error);
  outcome->done = TRUE;
}

/* Waits for @outcome; returns its error (transfer full), NULL on success. */
static GError *
wait_outcome (Outcome *outcome)
{
  WAIT_UNTIL (outcome->done);
  g_assert_true (outcome->ok == (outcome->error == NULL));
  return outcome->error;
}

static GXmppJid *
jid (const char *text)
{
  g_autoptr(GError) error = NULL;
  GXmppJid *result = gxmpp_jid_new (text, &error);

  g_assert_no_error (error);
  return result;
}

static void
fetch (GXmppRoster *roster)
{
  Outcome outcome = OUTCOME (gxmpp_roster_fetch_finish);
  g_autoptr(GError) error = NULL;

  gxmpp_roster_fetch_async (roster, NULL, on_done, &outcome);
  error = wait_outcome (&outcome);
  g_assert_no_error (error);
  g_assert_true (gxmpp_roster_is_loaded (roster));
}

static GError *
roster_add (GXmppRoster        *roster,
            const char         *address,
            const char         *name,
            const char * const *groups)
{
  Outcome outcome = OUTCOME (gxmpp_roster_add_finish);
  g_autoptr(GXmppJid) contact = jid (address);

  gxmpp_roster_add_async (roster, contact, name, groups, NULL, on_done, &outcome);
  return wait_outcome (&outcome);
}

static GError *
roster_update (GXmppRoster        *roster,
               const char         *address,
               const char         *name,
               const char * const *groups)
{
  Outcome outcome = OUTCOME (gxmpp_roster_update_finish);
  g_autoptr(GXmppJid) contact = jid (address);

  gxmpp_roster_update_async (roster, contact, name, groups, NULL, on_done, &outcome);
  return wait_outcome (&outcome);
}

static GError *
roster_remove (GXmppRoster *roster,
               const char  *address)
{
  Outcome outcome = OUTCOME (gxmpp_roster_remove_finish);
  g_autoptr(GXmppJid) contact = jid (address);

  gxmpp_roster_remove_async (roster, contact, NULL, on_done, &outcome);
  return wait_outcome (&outcome);
}

static void
roster_save (GXmppRoster *roster)
{
  Outcome outcome = OUTCOME (gxmpp_roster_save_finish);
  g_autoptr(GError) error = NULL;

  gxmpp_roster_save_async (roster, NULL, on_done, &outcome);
  error = wait_outcome (&outcome);
  g_assert_no_error (error);
}

/* Sends @iq from @session and waits for the reply; returns the error
 * (transfer full), NULL for a result. */
typedef struct {
  gboolean done;
  GError *error;
} IqOutcome;

static void
on_iq_reply (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  IqOutcome *outcome = user_data;
  g_autoptr(GXmppIq) reply = gxmpp_session_send_iq_finish (GXMPP_SESSION (source), result,
                                                            &outcome->error);

  outcome->done = TRUE;
}

static GError *
send_iq (GXmppSession *session,
         GXmppIq      *iq)
{
  IqOutcome outcome = { FALSE, NULL };

  gxmpp_session_send_iq_async (session, iq, 0, NULL, on_iq_reply, &outcome);
  WAIT_UNTIL (outcome.done);
  return outcome.error;
}

/* Loads what @store holds for @account; returns the error (transfer full). */
typedef struct {
  gboolean done;
  char *version;
  GPtrArray *items;
  GError *error;
} LoadOutcome;

static void
on_store_loaded (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  LoadOutcome *outcome = user_data;

  if (gxmpp_roster_store_load_finish (GXMPP_ROSTER_STORE (source), result,
                                      &outcome->version, &outcome->items, &outcome->error))
    g_assert_nonnull (outcome->items);
  else
    g_assert_true (outcome->version == NULL && outcome->items == NULL && outcome->error != NULL);
  outcome->done = TRUE;
}

static GError *
store_load (GXmppRosterStore  *store,
            GXmppJid          *account,
            char             **version,
            GPtrArray        **items)
{
  LoadOutcome outcome = { FALSE, NULL, NULL, NULL };

  gxmpp_roster_store_load_async (store, account, NULL, on_store_loaded, &outcome);
  WAIT_UNTIL (outcome.done);
  *version = outcome.version;
  *items = outcome.items;
  return outcome.error;
}

static GError *
store_save (GXmppRosterStore *store,
            GXmppJid         *account,
            const char       *version,
            GPtrArray        *items)
{
  Outcome outcome = OUTCOME (gxmpp_roster_store_save_finish);

  gxmpp_roster_store_save_async (store, account, version, items, NULL, on_done, &outcome);
  return wait_outcome (&outcome);
}

/* What a roster's model did */

typedef struct {
  guint position;
  guint removed;
  guint added;
} Change;

typedef struct {
  GXmppRoster *roster;
  GArray *changes;              /* Change */
  GPtrArray *store_errors;      /* GError */
  guint version_notifies;
  guint loaded_notifies;
} Watch;

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  Watch *watch = user_data;
  Change change = { position, removed, added };

  g_array_append_val (watch->changes, change);
}

static void
on_store_error (GXmppRoster  *roster,
                const GError *error,
                gpointer      user_data)
{
  Watch *watch = user_data;

  g_ptr_array_add (watch->store_errors, g_error_copy (error));
}

static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           gpointer    user_data)
{
  Watch *watch = user_data;

  if (g_str_equal (pspec->name, "version"))
    watch->version_notifies++;
  else if (g_str_equal (pspec->name, "loaded"))
    watch->loaded_notifies++;
}

static void
watch_init (Watch       *watch,
            GXmppRoster *roster)
{
  watch->roster = roster;
  watch->changes = g_array_new (FALSE, FALSE, sizeof (Change));
  watch->store_errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  watch->version_notifies = 0;
  watch->loaded_notifies = 0;
  g_signal_connect (roster, "items-changed", G_CALLBACK (on_items_changed), watch);
  g_signal_connect (roster, "store-error", G_CALLBACK (on_store_error), watch);
  g_signal_connect (roster, "notify", G_CALLBACK (on_notify), watch);
}

static void
watch_clear (Watch *watch)
{
  g_signal_handlers_disconnect_by_data (watch->roster, watch);
  g_array_unref (watch->changes);
  g_ptr_array_unref (watch->store_errors);
}

static void
watch_reset (Watch *watch)
{
  g_array_set_size (watch->changes, 0);
}

/* Exactly one change since the last reset, and it was this one. */
static void
assert_one_change (Watch *watch,
                   guint  position,
                   guint  removed,
                   guint  added)
{
  Change *change;

  g_assert_cmpuint (watch->changes->len, ==, 1);
  change = &g_array_index (watch->changes, Change, 0);
  g_assert_cmpuint (change->position, ==, position);
  g_assert_cmpuint (change->removed, ==, removed);
  g_assert_cmpuint (change->added, ==, added);
  watch_reset (watch);
}

/* The model holds exactly these JIDs, in this order (NULL-terminated). */
static void
assert_model (GXmppRoster *roster,
              ...)
{
  GListModel *model = G_LIST_MODEL (roster);
  const char *expected;
  guint n = 0;
  va_list args;

  va_start (args, roster);
  while ((expected = va_arg (args, const char *)) != NULL)
    {
      g_autoptr(GXmppRosterItem) item = g_list_model_get_item (model, n);

      g_assert_nonnull (item);
      g_assert_cmpstr (gxmpp_jid_to_string (gxmpp_roster_item_get_jid (item)), ==, expected);
      n++;
    }
  va_end (args);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n);
  g_assert_null (g_list_model_get_item (model, n));
}

static GXmppRosterItem *
lookup (GXmppRoster *roster,
        const char  *address)
{
  g_autoptr(GXmppJid) contact = jid (address);

  return gxmpp_roster_lookup (roster, contact);
}

/* Roster pushes a session received: the stanza signal sees each first. */

static gboolean
on_stanza_count_push (GXmppSession *session,
                      GXmppStanza  *stanza,
                      gpointer      user_data)
{
  guint *pushes = user_data;

  if (GXMPP_IS_IQ (stanza) && gxmpp_iq_get_iq_type (GXMPP_IQ (stanza)) == GXMPP_IQ_TYPE_SET &&
      gxmpp_stanza_get_payload_element (stanza, "query", GXMPP_NS_ROSTER) != NULL)
    (*pushes)++;
  return FALSE;
}

/* Traffic, as G_MESSAGES_DEBUG=GXmpp shows it */

static GString *captured;

static GLogWriterOutput
capture_writer (GLogLevelFlags   log_level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  const char *domain = NULL, *message = NULL;

  if (captured == NULL)
    return g_log_writer_default (log_level, fields, n_fields, user_data);

  for (gsize i = 0; i < n_fields; i++)
    {
      if (strcmp (fields[i].key, "GLIB_DOMAIN") == 0)
        domain = fields[i].value;
      else if (strcmp (fields[i].key, "MESSAGE") == 0)
        message = fields[i].value;
    }
  /* Debug output of others is dropped while capturing: not into TAP. */
  if (g_strcmp0 (domain, "GXmpp") == 0 && message != NULL)
    g_string_append_printf (captured, "%s\n", message);
  else if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    return g_log_writer_default (log_level, fields, n_fields, user_data);
  return G_LOG_WRITER_HANDLED;
}

static void
start_capture (void)
{
  g_assert_null (captured);
  captured = g_string_new (NULL);
  g_log_set_debug_enabled (TRUE);
}

static char *
stop_capture (void)
{
  g_log_set_debug_enabled (FALSE);
  return g_string_free (g_steal_pointer (&captured), FALSE);
}

/* The roster request the client sent (its SEND line), and the server's
 * reply to it (the RECV line with the same id), from a captured log. */
static void
find_roster_exchange (const char  *log,
                      char       **request,
                      char       **reply)
{
  g_auto(GStrv) lines = g_strsplit (log, "\n", -1);
  g_autoptr(GRegex) id_regex = g_regex_new (" id='([^']*)'", 0, 0, NULL);
  g_autofree char *id_attr = NULL;

  *request = *reply = NULL;
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(GMatchInfo) match = NULL;

      if (*request == NULL && g_str_has_prefix (lines[i], "SEND <iq") &&
          strstr (lines[i], "type='get'") != NULL && strstr (lines[i], NS_ROSTER_ATTR) != NULL &&
          g_regex_match (id_regex, lines[i], 0, &match))
        {
          g_autofree char *id = g_match_info_fetch (match, 1);

          *request = g_strdup (lines[i]);
          id_attr = g_strdup_printf (" id='%s'", id);
        }
      else if (id_attr != NULL && *reply == NULL && g_str_has_prefix (lines[i], "RECV <iq") &&
               strstr (lines[i], id_attr) != NULL)
        *reply = g_strdup (lines[i]);
    }
  if (*request == NULL || *reply == NULL)
    g_error ("No roster request and reply in the log:\n%s", log);
}

static guint
count_occurrences (const char *haystack,
                   const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

/* A store in memory, for the cases a file cannot make */

#define TEST_TYPE_MEMORY_STORE (test_memory_store_get_type ())
G_DECLARE_FINAL_TYPE (TestMemoryStore, test_memory_store, TEST, MEMORY_STORE, GObject)

struct _TestMemoryStore
{
  GObject parent_instance;
  char *version;
  GPtrArray *items;             /* GXmppRosterItem; NULL: nothing stored */
  guint loads;
  guint saves;
};

static void test_memory_store_iface_init (GXmppRosterStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestMemoryStore, test_memory_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GXMPP_TYPE_ROSTER_STORE,
                                                      test_memory_store_iface_init))

static GPtrArray *
copy_items (GPtrArray *items)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; items != NULL && i < items->len; i++)
    {
      GXmppRosterItem *item = items->pdata[i];

      g_ptr_array_add (copy, gxmpp_roster_item_new (gxmpp_roster_item_get_jid (item),
                                                    gxmpp_roster_item_get_name (item),
                                                    gxmpp_roster_item_get_subscription (item),
                                                    gxmpp_roster_item_get_ask (item),
                                                    gxmpp_roster_item_get_groups (item)));
    }
  return copy;
}

static void
memory_load_async (GXmppRosterStore    *store,
                   GXmppJid            *account,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  TestMemoryStore *self = TEST_MEMORY_STORE (store);
  g_autoptr(GTask) task = g_task_new (store, cancellable, callback, user_data);

  self->loads++;
  g_task_return_boolean (task, TRUE);
}

static gboolean
memory_load_finish (GXmppRosterStore  *store,
                    GAsyncResult      *result,
                    char             **version,
                    GPtrArray        **items,
                    GError           **error)
{
  TestMemoryStore *self = TEST_MEMORY_STORE (store);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  *version = g_strdup (self->version);
  *items = copy_items (self->items);
  return TRUE;
}

static void
memory_save_async (GXmppRosterStore    *store,
                   GXmppJid            *account,
                   const char          *version,
                   GPtrArray           *items,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  TestMemoryStore *self = TEST_MEMORY_STORE (store);
  g_autoptr(GTask) task = g_task_new (store, cancellable, callback, user_data);

  self->saves++;
  g_free (self->version);
  self->version = g_strdup (version);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  self->items = copy_items (items);
  g_task_return_boolean (task, TRUE);
}

static gboolean
memory_save_finish (GXmppRosterStore  *store,
                    GAsyncResult      *result,
                    GError           **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
test_memory_store_iface_init (GXmppRosterStoreInterface *iface)
{
  iface->load_async = memory_load_async;
  iface->load_finish = memory_load_finish;
  iface->save_async = memory_save_async;
  iface->save_finish = memory_save_finish;
}

static void
test_memory_store_finalize (GObject *object)
{
  TestMemoryStore *self = TEST_MEMORY_STORE (object);

  g_free (self->version);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  G_OBJECT_CLASS (test_memory_store_parent_class)->finalize (object);
}

static void
test_memory_store_class_init (TestMemoryStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_memory_store_finalize;
}

static void
test_memory_store_init (TestMemoryStore *self)
{
}

/* A store holding @version and the items "jid|name|group,group", ... */
static TestMemoryStore *
memory_store_new (const char *version,
                  ...)
{
  TestMemoryStore *store = g_object_new (TEST_TYPE_MEMORY_STORE, NULL);
  const char *spec;
  va_list args;

  store->version = g_strdup (version);
  store->items = g_ptr_array_new_with_free_func (g_object_unref);
  va_start (args, version);
  while ((spec = va_arg (args, const char *)) != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (spec, "|", 3);
      g_auto(GStrv) groups = g_strsplit (parts[2], ",", -1);
      g_autoptr(GXmppJid) contact = jid (parts[0]);

      g_ptr_array_add (store->items, gxmpp_roster_item_new (contact, parts[1], GXMPP_SUBSCRIPTION_BOTH,
                                                            FALSE, (const char * const *) groups));
    }
  va_end (args);
  return store;
}

/* ---------------------------------------------------------------------- */
/* A private Prosody, one for the whole program                           */

static GXmppTestServer *prosody;

static GXmppTestServer *
get_prosody (void)
{
  static gboolean tried;

  if (prosody == NULL && !tried)
    {
      gint64 t0 = g_get_monotonic_time ();

      tried = TRUE;
      prosody = gxmpp_test_server_start_or_skip ("prosody", NULL);
      if (prosody != NULL)
        g_test_message ("Prosody started in %.2f s on port %u",
                        (double) (g_get_monotonic_time () - t0) / G_USEC_PER_SEC,
                        gxmpp_test_server_get_port (prosody));
    }
  else if (prosody == NULL)
    g_test_skip ("Prosody did not start");
  return prosody;
}

/* A new account for one test (letters and digits only: Prosody's file
 * names of its data stay as they are). */
static char *
new_account (const char *prefix)
{
  static guint serial;
  g_autoptr(GError) error = NULL;
  char *user = g_strdup_printf ("%s%u", prefix, ++serial);
  g_autofree char *password = g_strdup_printf ("pw-%s-%08x", user, g_random_int ());

  g_assert_true (gxmpp_test_server_register (prosody, user, password, &error));
  g_assert_no_error (error);
  return user;
}

static char *
account_jid (const char *user)
{
  return g_strdup_printf ("%s@%s", user, gxmpp_test_server_get_domain (prosody));
}

static GXmppSession *
connect_account (const char *user,
                 const char *resource)
{
  g_autoptr(GXmppSessionConfig) config = session_config_for_server (prosody, GXMPP_TLS_POLICY_REQUIRE, 60000);
  g_autoptr(GXmppAuth) auth = gxmpp_auth_new_password (user, gxmpp_test_server_get_password (prosody, user));
  SessionConnectResult out = { 0 };

  gxmpp_session_config_set_iq_timeout (config, 60000);
  gxmpp_auth_set_resource (auth, resource);

  gxmpp_session_new_async (gxmpp_test_server_get_domain (prosody), config, auth, NULL,
                           session_connect_cb, &out);
  WAIT_UNTIL (out.done);
  g_assert_no_error (out.error);
  g_assert_nonnull (out.session);
  return out.session;
}

static void
close_session (GXmppSession *session)
{
  Outcome outcome = OUTCOME (gxmpp_session_close_finish);
  g_autoptr(GError) error = NULL;

  gxmpp_session_close_async (session, NULL, on_done, &outcome);
  error = wait_outcome (&outcome);
  g_assert_no_error (error);
}

static GFile *
make_temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_dir_make_tmp ("test-roster-XXXXXX", &error);

  g_assert_no_error (error);
  return g_file_new_for_path (path);
}

static void
remove_tree (GFile *dir)
{
  g_autoptr(GFileEnumerator) children = g_file_enumerate_children (dir, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                                                   G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS,
                                                                   NULL, NULL);
  GFileInfo *info;

  while (children != NULL && (info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
    {
      g_autoptr(GFile) child = g_file_get_child (dir, g_file_info_get_name (info));

      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        remove_tree (child);
      else
        g_file_delete (child, NULL, NULL);
      g_object_unref (info);
    }
  g_file_delete (dir, NULL, NULL);
}

static const char * const capulets[] = { "Capulet", NULL };
static const char * const montagues[] = { "Montague", "Verona", NULL };

/* The roster from the server: one items-changed for all of it, in JID
 * order; the version; the request bootstraps versioning with ver=''. */
static void
test_prosody_fetch (void)
{
  g_autofree char *user = NULL;
  g_autoptr(GXmppSession) first = NULL;
  g_autoptr(GXmppSession) second = NULL;
  g_autoptr(GXmppRoster) filler = NULL;
  g_autoptr(GXmppRoster) roster = NULL;
  g_autoptr(GXmppRosterItem) romeo = NULL;
  g_autoptr(GXmppRosterItem) nurse = NULL;
  g_autofree char *log = NULL, *request = NULL, *reply = NULL;
  GXmppNode *features;
  Watch watch;

  if (get_prosody () == NULL)
    return;
  user = new_account ("fetch");

  /* Three contacts, put there by one session... */
  first = connect_account (user, "first");
  filler = gxmpp_roster_new (first, NULL);
  g_assert_no_error (roster_add (filler, "romeo@montague.example", "Romeo", montagues));
  g_assert_no_error (roster_add (filler, "nurse@capulet.example", "Nurse", capulets));
  g_assert_no_error (roster_add (filler, "benvolio@montague.example", NULL, NULL));
  g_assert_false (gxmpp_roster_is_loaded (filler));

  /* ... fetched by another. */
  second = connect_account (user, "second");
  features = gxmpp_session_get_features (second);
  g_assert_nonnull (gxmpp_node_get_child (features, "ver", GXMPP_NS_ROSTER_VERSIONING));
  roster = gxmpp_roster_new (second, NULL);
  watch_init (&watch, roster);
  g_assert_false (gxmpp_roster_is_loaded (roster));
  g_assert_null (gxmpp_roster_get_version (roster));

  start_capture ();
  fetch (roster);
  log = stop_capture ();
  find_roster_exchange (log, &request, &reply);
  g_assert_nonnull (strstr (request, "ver=''"));
  g_assert_cmpuint (count_occurrences (reply, "<item "), ==, 3);

  assert_one_change (&watch, 0, 0, 3);
  assert_model (roster, "benvolio@montague.example", "nurse@capulet.example",
                "romeo@montague.example", NULL);
  g_assert_cmpuint (watch.loaded_notifies, ==, 1);
  g_assert_cmpuint (watch.version_notifies, ==, 1);
  g_assert_nonnull (gxmpp_roster_get_version (roster));
  g_assert_nonnull (strstr (reply, gxmpp_roster_get_version (roster)));

  romeo = lookup (roster, "Romeo@Montague.Example");
  g_assert_nonnull (romeo);
  g_assert_cmpstr (gxmpp_roster_item_get_name (romeo), ==, "Romeo");
  g_assert_cmpint (gxmpp_roster_item_get_subscription (romeo), ==, GXMPP_SUBSCRIPTION_NONE);
  g_assert_false (gxmpp_roster_item_get_ask (romeo));
  g_assert_cmpstrv (gxmpp_roster_item_get_groups (romeo), montagues);
  g_assert_true (gxmpp_roster_item_has_group (romeo, "Verona"));
  nurse = lookup (roster, "nurse@capulet.example");
  g_assert_cmpstrv (gxmpp_roster_item_get_groups (nurse), capulets);
  g_assert_null (lookup (roster, "tybalt@capulet.example"));

  /* A second fetch: the same items, the same objects, nothing to say. */
  fetch (roster);
  g_assert_cmpuint (watch.changes->len, ==, 0);
  {
    g_autoptr(GXmppRosterItem) again = lookup (roster, "romeo@montague.example");

    g_assert_true (again == romeo);
  }

  watch_clear (&watch);
  close_session (first);
  close_session (second);
}

typedef struct {
  GPtrArray *names;             /* property names notified on an item */
} ItemNotifies;

static void
on_item_notify (GObject    *object,
                GParamSpec *pspec,
                gpointer    user_data)
{
  ItemNotifies *notifies = user_data;

  g_ptr_array_add (notifies->names, g_strdup (pspec->name));
}

/* Each change: exactly one items-changed, at the item's position, by the
 * time the call completes; the server's push of it changes nothing more. */
static void
test_prosody_add_update_remove (void)
{
  g_autofree char *user = NULL;
  g_autofree char *own = NULL;
  g_autoptr(GXmppSession) session = NULL;
  g_autoptr(GXmppRoster) roster = NULL;
  g_autoptr(GXmppRosterItem) juliet = NULL;
  g_autoptr(GError) error = NULL;
  ItemNotifies notifies = { g_ptr_array_new_with_free_func (g_free) };
  guint pushes = 0;
  Watch watch;

  if (get_prosody () == NULL)
    return;
  user = new_account ("change");
  session = connect_account (user, "desk");
  g_signal_connect (session, "stanza", G_CALLBACK (on_stanza_count_push), &pushes);
  roster = gxmpp_roster_new (session, NULL);
  watch_init (&watch, roster);
  fetch (roster);
  g_assert_cmpuint (watch.changes->len, ==, 0);     /* empty, and still empty */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (roster)), ==, 0);

  g_assert_no_error (roster_add (roster, "juliet@capulet.example", "Juliet", capulets));
  assert_one_change (&watch, 0, 0, 1);
  WAIT_UNTIL (pushes == 1);
  g_assert_cmpuint (watch.changes->len, ==, 0);

  g_assert_no_error (roster_add (roster, "benvolio@montague.example", NULL, NULL));
  assert_one_change (&watch, 0, 0, 1);
  g_assert_no_error (roster_add (roster, "tybalt@capulet.example", "Tybalt", NULL));
  assert_one_change (&watch, 2, 0, 1);
  g_assert_no_error (roster_add (roster, "mercutio@verona.example", NULL, montagues));
  assert_one_change (&watch, 2, 0, 1);
  WAIT_UNTIL (pushes == 4);
  g_assert_cmpuint (watch.changes->len, ==, 0);
  assert_model (roster, "benvolio@montague.example", "juliet@capulet.example",
                "mercutio@verona.example", "tybalt@capulet.example", NULL);
  g_assert_cmpuint (G_OBJECT (roster)->ref_count, >=, 1);
  {
    guint n_items = 0;

    g_object_get (roster, "n-items", &n_items, NULL);
    g_assert_cmpuint (n_items, ==, 4);
  }

  /* Update: the same object, changed in place, its changed properties
   * notified, and (1, 1, 1) at its position. */
  juliet = lookup (roster, "juliet@capulet.example");
  g_signal_connect (juliet, "notify", G_CALLBACK (on_item_notify), &notifies);
  g_assert_no_error (roster_update (roster, "juliet@capulet.example", "Juliet Capulet", montagues));
  assert_one_change (&watch, 1, 1, 1);
  g_assert_cmpuint (notifies.names->len, ==, 2);
  g_assert_true (g_ptr_array_find_with_equal_func (notifies.names, "name", g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (notifies.names, "groups", g_str_equal, NULL));
  g_assert_cmpstr (gxmpp_roster_item_get_name (juliet), ==, "Juliet Capulet");
  g_assert_cmpstrv (gxmpp_roster_item_get_groups (juliet), montagues);
  {
    g_autoptr(GXmppRosterItem) again = lookup (roster, "juliet@capulet.example");

    g_assert_true (again == juliet);
  }
  WAIT_UNTIL (pushes == 5);
  g_assert_cmpuint (watch.changes->len, ==, 0);
  g_assert_cmpuint (notifies.names->len, ==, 2);

  /* The same values again: the server pushes, nothing changes. */
  g_assert_no_error (roster_update (roster, "juliet@capulet.example", "Juliet Capulet", montagues));
  WAIT_UNTIL (pushes == 6);
  g_assert_cmpuint (watch.changes->len, ==, 0);
  g_assert_cmpuint (notifies.names->len, ==, 2);

  /* Remove: (position, 1, 0). */
  g_assert_no_error (roster_remove (roster, "benvolio@montague.example"));
  assert_one_change (&watch, 0, 1, 0);
  g_assert_no_error (roster_remove (roster, "tybalt@capulet.example"));
  assert_one_change (&watch, 2, 1, 0);
  WAIT_UNTIL (pushes == 8);
  g_assert_cmpuint (watch.changes->len, ==, 0);
  assert_model (roster, "juliet@capulet.example", "mercutio@verona.example", NULL);

  /* Refusals, ours and the server's; nothing changes. */
  error = roster_add (roster, "juliet@capulet.example", NULL, NULL);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&error);
  error = roster_update (roster, "tybalt@capulet.example", "Tybalt", NULL);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  error = roster_remove (roster, "tybalt@capulet.example");
  g_assert_error (error, GXMPP_STANZA_ERROR, GXMPP_STANZA_ERROR_ITEM_NOT_FOUND);
  g_clear_error (&error);
  own = account_jid (user);
  error = roster_add (roster, own, "Me", NULL);
  g_assert_error (error, GXMPP_STANZA_ERROR, GXMPP_STANZA_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  g_assert_cmpuint (watch.changes->len, ==, 0);
  g_assert_cmpuint (pushes, ==, 8);

  g_signal_handlers_disconnect_by_data (juliet, &notifies);
  g_ptr_array_unref (notifies.names);
  watch_clear (&watch);
  close_session (session);
}

/* Another resource of the account changes the roster: the server pushes
 * each change here, and the model follows at the exact positions. */
static void
test_prosody_second_resource (void)
{
  g_autofree char *user = NULL;
  g_autoptr(GXmppSession) desk = NULL;
  g_autoptr(GXmppSession) phone = NULL;
  g_autoptr(GXmppRoster) roster = NULL;
  g_autoptr(GXmppRoster) other = NULL;
  g_autoptr(GXmppRosterItem) item = NULL;
  g_autoptr(GXmppRosterItem) gone = NULL;
  guint pushes = 0;
  Watch watch;

  if (get_prosody () == NULL)
    return;
  user = new_account ("resource");
  desk = connect_account (user, "desk");
  phone = connect_account (user, "phone");
  g_signal_connect (desk, "stanza", G_CALLBACK (on_stanza_count_push), &pushes);
  roster = gxmpp_roster_new (desk, NULL);
  other = gxmpp_roster_new (phone, NULL);
  fetch (roster);
  fetch (other);
  watch_init (&watch, roster);

  g_assert_no_error (roster_add (other, "romeo@montague.example", "Romeo", NULL));
  WAIT_UNTIL (pushes == 1);
  assert_one_change (&watch, 0, 0, 1);
  g_assert_no_error (roster_add (other, "balthasar@montague.example", NULL, NULL));
  WAIT_UNTIL (pushes == 2);
  assert_one_change (&watch, 0, 0, 1);
  g_assert_no_error (roster_add (other, "sampson@capulet.example", NULL, capulets));
  WAIT_UNTIL (pushes == 3);
  assert_one_change (&watch, 2, 0, 1);
  g_assert_cmpstr (gxmpp_roster_get_version (roster), ==, gxmpp_roster_get_version (other));

  item = lookup (roster, "romeo@montague.example");
  g_assert_no_error (roster_update (other, "romeo@montague.example", "Romeo Montague", montagues));
  WAIT_UNTIL (pushes == 4);
  assert_one_change (&watch, 1, 1, 1);
  g_assert_cmpstr (gxmpp_roster_item_get_name (item), ==, "Romeo Montague");
  g_assert_cmpstrv (gxmpp_roster_item_get_groups (item), montagues);

  gone = lookup (roster, "balthasar@montague.example");
  g_assert_no_error (roster_remove (other, "balthasar@montague.example"));
  WAIT_UNTIL (pushes == 5);
  assert_one_change (&watch, 0, 1, 0);
  g_assert_null (lookup (roster, "balthasar@montague.example"));
  assert_model (roster, "romeo@montague.example", "sampson@capulet.example", NULL);
  g_assert_cmpstr (gxmpp_roster_get_version (roster), ==, gxmpp_roster_get_version (other));

  watch_clear (&watch);
  close_session (desk);
  close_session (phone);
}

/* CVE-2015-8688: a "roster push" from anyone but the server is refused
 * with service-unavailable and changes nothing: from another account, and
 * from another resource of the same account. */
static void
test_prosody_spoofed_push (void)
{
  g_autofree char *victim = NULL, *mallory = NULL, *mallory_jid = NULL;
  g_autoptr(GXmppSession) session = NULL;
  g_autoptr(GXmppSession) attacker = NULL;
  g_autoptr(GXmppSession) sibling = NULL;
  g_autoptr(GXmppRoster) roster = NULL;
  g_autofree char *version = NULL;
  GXmppSession *senders[2];
  Watch watch;

  if (get_prosody () == NULL)
    return;
  victim = new_account ("victim");
  mallory = new_account ("mallory");
  mallory_jid = account_jid (mallory);
  session = connect_account (victim, "desk");
  attacker = connect_account (mallory, "evil");
  sibling = connect_account (victim, "other");
  roster = gxmpp_roster_new (session, NULL);
  fetch (roster);
  g_assert_no_error (roster_add (roster, "romeo@montague.example", "Romeo", NULL));
  version = g_strdup (gxmpp_roster_get_version (roster));
  watch_init (&watch, roster);

  senders[0] = attacker;
  senders[1] = sibling;
  for (guint i = 0; i < G_N_ELEMENTS (senders); i++)
    {
      g_autoptr(GXmppNode) query = gxmpp_node_new ("query", GXMPP_NS_ROSTER);
      GXmppNode *item = gxmpp_node_add_child (query, "item", GXMPP_NS_ROSTER);
      g_autoptr(GXmppIq) push = NULL;
      g_autoptr(GError) error = NULL;

      /* Mallory, as "Romeo", with a subscription both ways. */
      gxmpp_node_set_attribute (query, "ver", "999");
      gxmpp_node_set_attribute (item, "jid", mallory_jid);
      gxmpp_node_set_attribute (item, "name", "Romeo");
      gxmpp_node_set_attribute (item, "subscription", "both");
      push = gxmpp_iq_new (GXMPP_IQ_TYPE_SET, gxmpp_session_get_jid (session), query);

      error = send_iq (senders[i], push);
      g_assert_error (error, GXMPP_STANZA_ERROR, GXMPP_STANZA_ERROR_SERVICE_UNAVAILABLE);
    }

  g_assert_cmpuint (watch.changes->len, ==, 0);
  g_assert_cmpuint (watch.version_notifies, ==, 0);
  g_assert_cmpstr (gxmpp_roster_get_version (roster), ==, version);
  assert_model (roster, "romeo@montague.example", NULL);
  {
    g_autoptr(GXmppRosterItem) romeo = lookup (roster, "romeo@montague.example");

    g_assert_cmpstr (gxmpp_roster_item_get_name (romeo), ==, "Romeo");
    g_assert_cmpint (gxmpp_roster_item_get_subscription (romeo), ==, GXMPP_SUBSCRIPTION_NONE);
  }

  watch_clear (&watch);
  close_session (session);
  close_session (attacker);
  close_session (sibling);
}

/* The store round trip: save, then a new roster with the store sends the
 * stored version; Prosody answers "nothing changed" (an empty result,
 * read off the wire) and the model comes from the store. */
static void
test_prosody_store_round_trip (void)
{
  g_autofree char *user = NULL;
  g_autoptr(GFile) dir = make_temp_dir ();
  g_autoptr(GXmppSession) session = NULL;
  g_autoptr(GXmppRosterFileStore) store = NULL;
  g_autoptr(GXmppRoster) roster = NULL;
  g_autoptr(GXmppJid) account = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autofree char *version = NULL;
  g_autofree char *log = NULL, *request = NULL, *reply = NULL, *expected = NULL;
  g_autoptr(GXmppRosterItem) nurse = NULL;
  Watch watch;

  if (get_prosody () == NULL)
    return;
  user = new_account ("store");

  session = connect_account (user, "first");
  store = gxmpp_roster_file_store_new (dir);
  roster = gxmpp_roster_new (session, GXMPP_ROSTER_STORE (store));
  fetch (roster);
  g_assert_no_error (roster_add (roster, "romeo@montague.example", "Romeo", montagues));
  g_assert_no_error (roster_add (roster, "nurse@capulet.example", "Nurse", capulets));
  /* Wait for the pushes: they carry the version of the roster with both. */
  WAIT_UNTIL (gxmpp_roster_get_version (roster) != NULL &&
              !g_str_equal (gxmpp_roster_get_version (roster), "1"));
  roster_save (roster);
  version = g_strdup (gxmpp_roster_get_version (roster));

  account = gxmpp_jid_to_bare (gxmpp_session_get_jid (session));
  file = gxmpp_roster_file_store_get_file (store, account);
  info = g_file_query_info (file, G_FILE_ATTRIBUTE_UNIX_MODE, G_FILE_QUERY_INFO_NONE, NULL, NULL);
  g_assert_nonnull (info);
  g_assert_cmpuint (g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_MODE) & 0777, ==, 0600);
  g_clear_object (&roster);
  g_clear_object (&store);
  close_session (session);
  g_clear_object (&session);

  /* Another day, another roster, the same directory. */
  session = connect_account (user, "second");
  store = gxmpp_roster_file_store_new (dir);
  roster = gxmpp_roster_new (session, GXMPP_ROSTER_STORE (store));
  watch_init (&watch, roster);
  start_capture ();
  fetch (roster);
  log = stop_capture ();
  find_roster_exchange (log, &request, &reply);
  expected = g_strdup_printf ("ver='%s'", version);
  g_assert_nonnull (strstr (request, expected));
  /* Prosody's "nothing changed": a result without a payload. */
  g_assert_null (strstr (reply, "<query"));
  g_assert_true (g_str_has_suffix (reply, "/>"));

  assert_one_change (&watch, 0, 0, 2);
  assert_model (roster, "nurse@capulet.example", "romeo@montague.example", NULL);
  g_assert_cmpstr (gxmpp_roster_get_version (roster), ==, version);
  g_assert_cmpuint (watch.store_errors->len, ==, 0);
  nurse = lookup (roster, "nurse@capulet.example");
  g_assert_cmpstr (gxmpp_roster_item_get_name (nurse), ==, "Nurse");
  g_assert_cmpstrv (gxmpp_roster_item_get_groups (nurse), capulets);

  watch_clear (&watch);
  g_clear_object (&roster);
  close_session (session);
  remove_tree (dir);
}

/* A stale version: the roster changed while the client was away. Prosody
 * 0.12 answers with the whole roster (RFC 6121 2.6.3 allows that or pushes
 * of the differences); the model is the server's, in one pass. */
static void
test_prosody_versioning_stale (void)
{
  g_autofree char *user = NULL;
  g_autoptr(GXmppSession) session = NULL;
  g_autoptr(GXmppSession) elsewhere = NULL;
  g_autoptr(GXmppRoster) roster = NULL;
  g_autoptr(GXmppRoster) changer = NULL;
  g_autoptr(TestMemoryStore) store = NULL;
  g_autofree char *version = NULL;
  g_autofree char *log = NULL, *request = NULL, *reply = NULL, *expected = NULL;
  Watch watch;

  if (get_prosody () == NULL)
    return;
  user = new_account ("stale");

  session = connect_account (user, "first");
  store = g_object_new (TEST_TYPE_MEMORY_STORE, NULL);
  roster = gxmpp_roster_new (session, GXMPP_ROSTER_STORE (store));
  fetch (roster);
  g_assert_no_error (roster_add (roster, "romeo@montague.example", NULL, NULL));
  g_assert_no_error (roster_add (roster, "nurse@capulet.example", NULL, NULL));
  WAIT_UNTIL (gxmpp_roster_get_version (roster) != NULL &&
              !g_str_equal (gxmpp_roster_get_version (roster), "1"));
  roster_save (roster);
  version = g_strdup (gxmpp_roster_get_version (roster));
  g_assert_cmpstr (store->version, ==, version);
  g_assert_cmpuint (store->items->len, ==, 2);
  g_clear_object (&roster);
  close_session (session);
  g_clear_object (&session);

  /* Meanwhile, from elsewhere: one more contact. */
  elsewhere = connect_account (user, "elsewhere");
  changer = gxmpp_roster_new (elsewhere, NULL);
  g_assert_no_error (roster_add (changer, "tybalt@capulet.example", NULL, NULL));
  close_session (elsewhere);

  session = connect_account (user, "second");
  roster = gxmpp_roster_new (session, GXMPP_ROSTER_STORE (store));
  watch_init (&watch, roster);
  start_capture ();
  fetch (roster);
  log = stop_capture ();
  find_roster_exchange (log, &request, &reply);
  expected = g_strdup_printf ("ver='%s'", version);
  g_assert_nonnull (strstr (request, expected));
  /* The whole roster, with its new version: three items, not one. */
  g_assert_nonnull (strstr (reply, "<query"));
  g_assert_cmpuint (count_occurrences (reply, "<item "), ==, 3);

  assert_one_change (&watch, 0, 0, 3);
  assert_model (roster, "nurse@capulet.example", "romeo@montague.example", "tybalt@capulet.example", NULL);
  g_assert_cmpstr (gxmpp_roster_get_version (roster), !=, version);
  g_assert_nonnull (strstr (reply, gxmpp_roster_get_version (roster)));

  /* And the store follows, in the background. */
  WAIT_UNTIL (store->items->len == 3);
  g_assert_cmpstr (store->version, ==, gxmpp_roster_get_version (roster));

  watch_clear (&watch);
  g_clear_object (&roster);
  close_session (session);
}

/* Prosody 0.12 calls a roster that was never written version 1, and the
 * same roster after its first change version 1 too (the counter starts
 * when the roster is first written). A client that cached the empty
 * roster at version 1 would be told "nothing changed" and miss the new
 * contact, so the version of an empty roster is never sent. */
static void
test_prosody_versioning_empty (void)
{
  g_autofree char *user = NULL;
  g_autoptr(GXmppSession) session = NULL;
  g_autoptr(GXmppSession) elsewhere = NULL;
  g_autoptr(GXmppRoster) roster = NULL;
  g_autoptr(GXmppRoster) changer = NULL;
  g_autoptr(TestMemoryStore) store = NULL;
  g_autofree char *log = NULL, *request = NULL, *reply = NULL;
  guint pushes = 0;
  Watch watch;

  if (get_prosody () == NULL)
    return;
  user = new_account ("empty");

  session = connect_account (user, "first");
  store = g_object_new (TEST_TYPE_MEMORY_STORE, NULL);
  roster = gxmpp_roster_new (session, GXMPP_ROSTER_STORE (store));
  fetch (roster);
  g_assert_cmpstr (gxmpp_roster_get_version (roster), ==, "1");
  roster_save (roster);
  g_assert_cmpstr (store->version, ==, "1");
  g_assert_cmpuint (store->items->len, ==, 0);
  g_clear_object (&roster);
  close_session (session);
  g_clear_object (&session);

  /* The roster's first change, from elsewhere: its push says version 1. */
  elsewhere = connect_account (user, "elsewhere");
  g_signal_connect (elsewhere, "stanza", G_CALLBACK (on_stanza_count_push), &pushes);
  changer = gxmpp_roster_new (elsewhere, NULL);
  fetch (changer);
  g_assert_no_error (roster_add (changer, "romeo@montague.example", NULL, NULL));
  WAIT_UNTIL (pushes == 1);
  g_assert_cmpstr (gxmpp_roster_get_version (changer), ==, "1");
  close_session (elsewhere);

  session = connect_account (user, "second");
  roster = gxmpp_roster_new (session, GXMPP_ROSTER_STORE (store));
  watch_init (&watch, roster);
  start_capture ();
  fetch (roster);
  log = stop_capture ();
  /* The new contact is there... */
  assert_model (roster, "romeo@montague.example", NULL);
  assert_one_change (&watch, 0, 0, 1);
  /* ... because the request did not claim version 1. */
  find_roster_exchange (log, &request, &reply);
  g_assert_nonnull (strstr (request, "ver=''"));
  g_assert_cmpuint (count_occurrences (reply, "<item "), ==, 1);

  watch_clear (&watch);
  g_clear_object (&roster);
  close_session (session);
}

/* A store file that is not one: store-error says so, the roster fetches
 * the whole roster (ver=''), and the next save puts a good file there. */
static void
test_prosody_corrupt_store (void)
{
  g_autofree char *user = NULL;
  g_autoptr(GFile) dir = make_temp_dir ();
  g_autoptr(GXmppSession) session = NULL;
  g_autoptr(GXmppRosterFileStore) store = NULL;
  g_autoptr(GXmppRoster) roster = NULL;
  g_autoptr(GXmppJid) account = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *log = NULL, *request = NULL, *reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *bare = NULL;
  const char garbage[] = "GXmppRoster\0\1\0\0\0 this is not a roster at all, just some bytes";
  Watch watch;

  if (get_prosody () == NULL)
    return;
  user = new_account ("corrupt");
  bare = account_jid (user);
  account = jid (bare);
  store = gxmpp_roster_file_store_new (dir);
  file = gxmpp_roster_file_store_get_file (store, account);
  g_file_replace_contents (file, garbage, sizeof garbage, NULL, FALSE, G_FILE_CREATE_NONE,
                           NULL, NULL, &error);
  g_assert_no_error (error);

  session = connect_account (user, "desk");
  {
    g_autoptr(GXmppRoster) filler = gxmpp_roster_new (session, NULL);

    g_assert_no_error (roster_add (filler, "romeo@montague.example", NULL, NULL));
  }
  roster = gxmpp_roster_new (session, GXMPP_ROSTER_STORE (store));
  watch_init (&watch, roster);
  start_capture ();
  fetch (roster);
  log = stop_capture ();

  g_assert_cmpuint (watch.store_errors->len, ==, 1);
  g_assert_error ((GError *) watch.store_errors->pdata[0], G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_test_message ("store-error: %s", ((GError *) watch.store_errors->pdata[0])->message);
  find_roster_exchange (log, &request, &reply);
  g_assert_nonnull (strstr (request, "ver=''"));
  assert_one_change (&watch, 0, 0, 1);
  assert_model (roster, "romeo@montague.example", NULL);

  roster_save (roster);
  {
    g_autofree char *version = NULL;
    g_autoptr(GPtrArray) items = NULL;
    g_autoptr(GError) load_error = store_load (GXMPP_ROSTER_STORE (store), account, &version, &items);

    g_assert_no_error (load_error);
    g_assert_cmpstr (version, ==, gxmpp_roster_get_version (roster));
    g_assert_cmpuint (items->len, ==, 1);
  }

  watch_clear (&watch);
  g_clear_object (&roster);
  close_session (session);
  remove_tree (dir);
}

/* 2,000 contacts, written into Prosody's own roster storage for a new
 * account (adding them one by one would rewrite the storage each time),
 * fetched into the model in one pass: exactly one items-changed. Then the
 * same through the file store: saved, and a second roster that the server
 * tells "nothing changed" fills its model from the file. */
#define LARGE_ROSTER 2000

static void
write_prosody_roster (const char *user,
                      guint       n_items,
                      guint       version)
{
  const char *domain = gxmpp_test_server_get_domain (prosody);
  g_autofree char *dir = g_build_filename (gxmpp_test_server_get_tmpdir (prosody), "data",
                                           domain, "roster", NULL);
  g_autofree char *path = g_strdup_printf ("%s/%s.dat", dir, user);
  g_autoptr(GString) lua = g_string_new ("return {\n");
  static const char * const subscriptions[] = { "none", "to", "from", "both" };
  g_autoptr(GError) error = NULL;

  /* Prosody names the directories after the host and the user as they
   * are when they hold letters and digits only. */
  g_assert_true (g_str_equal (domain, "localhost"));
  g_string_append_printf (lua, "  [false] = { version = %u; pending = {}; };\n", version);
  for (guint i = 0; i < n_items; i++)
    {
      g_string_append_printf (lua, "  [\"contact%05u@example.org\"] = { subscription = \"%s\"; ",
                              (i * 7919) % n_items, subscriptions[i % 4]);
      if (i % 3 != 0)
        g_string_append_printf (lua, "name = \"Contact %u\"; ", (i * 7919) % n_items);
      if (i % 10 == 1)
        g_string_append (lua, "ask = \"subscribe\"; ");
      g_string_append_printf (lua, "groups = { [\"Group %u\"] = true; %s}; };\n", i % 17,
                              i % 5 == 0 ? "[\"Friends\"] = true; " : "");
    }
  g_string_append (lua, "};\n");

  g_assert_cmpint (g_mkdir_with_parents (dir, 0750), ==, 0);
  g_file_set_contents (path, lua->str, lua->len, &error);
  g_assert_no_error (error);
}

static void
test_prosody_large (void)
{
  g_autofree char *user = NULL;
  g_autoptr(GFile) dir = make_temp_dir ();
  g_autoptr(GXmppSession) session = NULL;
  g_autoptr(GXmppRoster) roster = NULL;
  g_autoptr(GXmppRoster) cached = NULL;
  g_autoptr(GXmppRosterFileStore) store = NULL;
  g_autoptr(GXmppRosterItem) item = NULL;
  GListModel *model;
  gint64 t0;
  Watch watch, cached_watch;

  if (get_prosody () == NULL)
    return;
  user = new_account ("large");
  write_prosody_roster (user, LARGE_ROSTER, 7);

  session = connect_account (user, "desk");
  store = gxmpp_roster_file_store_new (dir);
  roster = gxmpp_roster_new (session, GXMPP_ROSTER_STORE (store));
  watch_init (&watch, roster);
  t0 = g_get_monotonic_time ();
  fetch (roster);
  g_test_message ("fetched %u roster items from Prosody into the model in %.3f s", LARGE_ROSTER,
                  (double) (g_get_monotonic_time () - t0) / G_USEC_PER_SEC);

  assert_one_change (&watch, 0, 0, LARGE_ROSTER);
  model = G_LIST_MODEL (roster);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, LARGE_ROSTER);
  g_assert_cmpstr (gxmpp_roster_get_version (roster), ==, "7");
  for (guint i = 0; i < LARGE_ROSTER; i++)
    {
      g_autoptr(GXmppRosterItem) at = g_list_model_get_item (model, i);
      g_autofree char *expected = g_strdup_printf ("contact%05u@example.org", i);

      g_assert_cmpstr (gxmpp_jid_to_string (gxmpp_roster_item_get_jid (at)), ==, expected);
    }
  item = lookup (roster, "contact00000@example.org");
  g_assert_cmpint (gxmpp_roster_item_get_subscription (item), ==, GXMPP_SUBSCRIPTION_NONE);
  g_assert_null (gxmpp_roster_item_get_name (item));
  g_assert_true (gxmpp_roster_item_has_group (item, "Friends"));
  g_assert_true (gxmpp_roster_item_has_group (item, "Group 0"));
  g_clear_object (&item);
  item = lookup (roster, "contact07919@example.org");
  g_assert_null (item);

  t0 = g_get_monotonic_time ();
  roster_save (roster);
  g_test_message ("saved %u roster items to the file store in %.3f s", LARGE_ROSTER,
                  (double) (g_get_monotonic_time () - t0) / G_USEC_PER_SEC);

  /* A second roster on the same session, from the file. */
  cached = gxmpp_roster_new (session, GXMPP_ROSTER_STORE (store));
  watch_init (&cached_watch, cached);
  t0 = g_get_monotonic_time ();
  fetch (cached);
  g_test_message ("loaded %u roster items from the file store, the server saying nothing changed, in %.3f s",
                  LARGE_ROSTER, (double) (g_get_monotonic_time () - t0) / G_USEC_PER_SEC);
  assert_one_change (&cached_watch, 0, 0, LARGE_ROSTER);
  g_assert_cmpuint (cached_watch.store_errors->len, ==, 0);
  g_assert_cmpstr (gxmpp_roster_get_version (cached), ==, "7");
  for (guint i = 0; i < LARGE_ROSTER; i += 97)
    {
      g_autoptr(GXmppRosterItem) a = g_list_model_get_item (model, i);
      g_autoptr(GXmppRosterItem) b = g_list_model_get_item (G_LIST_MODEL (cached), i);

      g_assert_true (a != b);
      g_assert_true (gxmpp_jid_equal (gxmpp_roster_item_get_jid (a), gxmpp_roster_item_get_jid (b)));
      g_assert_cmpstr (gxmpp_roster_item_get_name (a), ==, gxmpp_roster_item_get_name (b));
      g_assert_cmpint (gxmpp_roster_item_get_subscription (a), ==, gxmpp_roster_item_get_subscription (b));
      g_assert_cmpint (gxmpp_roster_item_get_ask (a), ==, gxmpp_roster_item_get_ask (b));
      g_assert_cmpstrv (gxmpp_roster_item_get_groups (a), gxmpp_roster_item_get_groups (b));
    }

  /* Both rosters of the session follow a push, each at the position. */
  g_assert_no_error (roster_remove (roster, "contact00005@example.org"));
  assert_one_change (&watch, 5, 1, 0);
  WAIT_UNTIL (cached_watch.changes->len == 1);
  assert_one_change (&cached_watch, 5, 1, 0);

  watch_clear (&watch);
  watch_clear (&cached_watch);
  g_clear_object (&roster);
  g_clear_object (&cached);
  close_session (session);
  remove_tree (dir);
}

/* ---------------------------------------------------------------------- */
/* Scripted servers                                                       */

#define PASSWORD "Tr0ub4dor&3-secret"
#define NS_SASL_ATTR "xmlns='urn:ietf:params:xml:ns:xmpp-sasl'"
#define NS_BIND_ATTR "xmlns='urn:ietf:params:xml:ns:xmpp-bind'"
#define FEATURES_TLS \
  "send <stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>"
#define PROCEED "send <proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
#define START_TLS "open", FEATURES_TLS, "expect starttls", PROCEED, "tls localhost", "open"
#define PLAIN_LOGIN \
  "send <stream:features><mechanisms " NS_SASL_ATTR "><mechanism>PLAIN</mechanism></mechanisms></stream:features>", \
  "expect auth", "send <success " NS_SASL_ATTR "/>", "restart", "open"
#define FEATURES_BIND "send <stream:features><bind " NS_BIND_ATTR "/></stream:features>"
#define FEATURES_BIND_VER \
  "send <stream:features><bind " NS_BIND_ATTR "/><ver xmlns='urn:xmpp:features:rosterver'/></stream:features>"
#define JULIET "juliet@localhost/balcony"
#define BIND_RESULT \
  "send <iq type='result' id='{id}'><bind " NS_BIND_ATTR "><jid>" JULIET "</jid></bind></iq>"
/* Ready as juliet, without and with roster versioning. */
#define READY START_TLS, PLAIN_LOGIN, FEATURES_BIND, "expect iq", BIND_RESULT
#define READY_VER START_TLS, PLAIN_LOGIN, FEATURES_BIND_VER, "expect iq", BIND_RESULT

#define PUSH(attrs, query_attrs, items) \
  "send <iq type='set' " attrs "><query " NS_ROSTER_ATTR " " query_attrs ">" items "</query></iq>"
#define ROSTER_RESULT(query_attrs, items) \
  "send <iq type='result' id='{id}'><query " NS_ROSTER_ATTR " " query_attrs ">" items "</query></iq>"

static GXmppSession *
connect_script (const char * const  *script,
                ScriptedServer     **server_out)
{
  g_autoptr(GXmppAuth) auth = gxmpp_auth_new_password ("juliet", PASSWORD);
  g_autoptr(GXmppSessionConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  GXmppSession *session;

  gxmpp_auth_set_resource (auth, "balcony");
  *server_out = scripted_server_new (script);
  config = session_config_for (scripted_server_get_port (*server_out), GXMPP_TLS_POLICY_REQUIRE);
  session = session_connect_with (config, auth, *server_out, &error);
  g_assert_no_error (error);
  return session;
}

/* Lets a script that waits with "expect message" go on. */
static void
send_go_on (GXmppSession *session)
{
  g_autoptr(GXmppJid) server_jid = jid ("localhost");
  g_autoptr(GXmppMessage) go_on = gxmpp_message_new (GXMPP_MESSAGE_TYPE_NORMAL, server_jid);
  g_autoptr(GError) error = NULL;

  gxmpp_session_send (session, GXMPP_STANZA (go_on), &error);
  g_assert_no_error (error);
}

/* Closes a session whose script ends in "wait-close". */
static void
close_scripted (GXmppSession   *session,
                ScriptedServer *server)
{
  close_session (session);
  WAIT_UNTIL (scripted_server_is_done (server));
  g_assert_null (scripted_server_get_error (server));
}

/* The elements named @name the client sent, parsed, in order. */
static GPtrArray *
received (ScriptedServer *server,
          const char     *name)
{
  GPtrArray *all = scripted_server_get_received (server);
  GPtrArray *result = g_ptr_array_new_with_free_func ((GDestroyNotify) gxmpp_node_unref);

  for (guint i = 0; i < all->len; i++)
    {
      g_autoptr(GError) error = NULL;
      GXmppNode *node = gxmpp_node_new_from_string (all->pdata[i], -1, NULL, &error);

      g_assert_no_error (error);
      if (g_strcmp0 (gxmpp_node_get_name (node), name) == 0)
        g_ptr_array_add (result, node);
      else
        gxmpp_node_unref (node);
    }
  return result;
}

static guint
count_iqs (ScriptedServer *server)
{
  g_autoptr(GPtrArray) iqs = received (server, "iq");

  return iqs->len;
}

/* The client's answer to the push with @id: "result", or the error
 * condition. */
static char *
answer_to (ScriptedServer *server,
           const char     *id)
{
  g_autoptr(GPtrArray) iqs = received (server, "iq");

  for (guint i = 0; i < iqs->len; i++)
    {
      GXmppNode *iq = iqs->pdata[i];
      GXmppNode *error;

      if (g_strcmp0 (gxmpp_node_get_attribute (iq, "id"), id) != 0)
        continue;
      if (g_strcmp0 (gxmpp_node_get_attribute (iq, "type"), "result") == 0)
        {
          g_assert_cmpuint (gxmpp_node_get_n_children (iq), ==, 0);
          return g_strdup ("result");
        }
      g_assert_cmpstr (gxmpp_node_get_attribute (iq, "type"), ==, "error");
      error = gxmpp_node_get_child (iq, "error", NULL);
      g_assert_nonnull (error);
      for (guint j = 0; j < gxmpp_node_get_n_children (error); j++)
        {
          GXmppNode *child = gxmpp_node_get_child_at (error, j);

          if (g_strcmp0 (gxmpp_node_get_namespace (child), NS_STANZAS) == 0)
            return g_strdup (gxmpp_node_get_name (child));
        }
      g_error ("The answer to %s has no condition", id);
    }
  g_error ("No answer to %s", id);
  return NULL;
}

static void
assert_answer (ScriptedServer *server,
               const char     *id,
               const char     *expected)
{
  g_autofree char *answer = answer_to (server, id);

  if (!g_str_equal (answer, expected))
    g_error ("The push %s got %s, not %s", id, answer, expected);
}

/* The client's roster request (the @nth get). */
static GXmppNode *
roster_request (ScriptedServer *server,
                guint           nth)
{
  g_autoptr(GPtrArray) iqs = received (server, "iq");

  for (guint i = 0; i < iqs->len; i++)
    {
      GXmppNode *query = gxmpp_node_get_child (iqs->pdata[i], "query", GXMPP_NS_ROSTER);

      if (query != NULL && g_strcmp0 (gxmpp_node_get_attribute (iqs->pdata[i], "type"), "get") == 0 &&
          nth-- == 0)
        return gxmpp_node_ref (query);
    }
  g_error ("No roster request");
  return NULL;
}

#define SPOOF_ITEM "<item jid='mallory@evil.example' name='Romeo' subscription='both'/>"

/* Every kind of sender, every kind of malformed push: only pushes with no
 * 'from' or from juliet@localhost (in any spelling that is the same JID)
 * count; everything else is answered with an error and changes nothing. */
static void
test_scripted_push_senders (void)
{
  const char *script[] = {
    READY,
    /* Once the roster is there (the client says so with a message), and
     * before it is loaded: acknowledged, left to the fetch. */
    "expect message",
    PUSH ("id='early'", "ver='v0'", "<item jid='early@localhost'/>"), "expect iq",
    "expect iq",
    ROSTER_RESULT ("ver='v1'", "<item jid='nurse@localhost' name='Nurse' subscription='both'>"
                   "<group>Capulet</group></item>"),
    PUSH ("id='own-full' from='" JULIET "'", "ver='v2'", SPOOF_ITEM), "expect iq",
    PUSH ("id='domain' from='localhost'", "ver='v2'", SPOOF_ITEM), "expect iq",
    PUSH ("id='other' from='romeo@localhost/x'", "ver='v2'", SPOOF_ITEM), "expect iq",
    PUSH ("id='other-bare' from='romeo@localhost'", "ver='v2'", SPOOF_ITEM), "expect iq",
    PUSH ("id='lookalike' from='juliet@evil.example'", "ver='v2'", SPOOF_ITEM), "expect iq",
    PUSH ("id='two-items'", "ver='v2'", "<item jid='a@localhost'/><item jid='b@localhost'/>"), "expect iq",
    PUSH ("id='no-item'", "ver='v2'", ""), "expect iq",
    PUSH ("id='bad-jid'", "ver='v2'", "<item jid='@localhost'/>"), "expect iq",
    PUSH ("id='no-jid'", "ver='v2'", "<item name='Nobody'/>"), "expect iq",
    PUSH ("id='bad-subscription'", "ver='v2'", "<item jid='a@localhost' subscription='sideways'/>"), "expect iq",
    PUSH ("id='no-from'", "ver='v3'", "<item jid='tybalt@localhost' subscription='none'/>"), "expect iq",
    PUSH ("id='bare' from='juliet@localhost'", "ver='v4'",
          "<item jid='nurse@localhost' subscription='remove'/>"), "expect iq",
    PUSH ("id='bare-spelled' from='JULIET@localhost'", "ver='v5'",
          "<item jid='tybalt@localhost' name='Tybalt' subscription='from' ask='subscribe'>"
          "<group>Capulet</group><group>Alpha</group><group>Capulet</group><group></group></item>"),
    "expect iq",
    "wait-close", NULL
  };
  static const char * const refused[][2] = {
    { "own-full", "service-unavailable" },
    { "domain", "service-unavailable" },
    { "other", "service-unavailable" },
    { "other-bare", "service-unavailable" },
    { "lookalike", "service-unavailable" },
    { "two-items", "bad-request" },
    { "no-item", "bad-request" },
    { "bad-jid", "bad-request" },
    { "no-jid", "bad-request" },
    { "bad-subscription", "bad-request" },
  };
  static const char * const tybalt_groups[] = { "Alpha", "Capulet", NULL };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GXmppSession) session = connect_script (script, &server);
  g_autoptr(GXmppRoster) roster = gxmpp_roster_new (session, NULL);
  g_autoptr(GXmppRosterItem) tybalt = NULL;
  Outcome outcome = OUTCOME (gxmpp_roster_fetch_finish);
  Watch watch;

  watch_init (&watch, roster);
  send_go_on (session);
  WAIT_UNTIL (count_iqs (server) == 2);     /* bind, the answer to "early" */
  assert_answer (server, "early", "result");
  g_assert_cmpuint (watch.changes->len, ==, 0);
  g_assert_null (gxmpp_roster_get_version (roster));

  gxmpp_roster_fetch_async (roster, NULL, on_done, &outcome);
  g_assert_no_error (wait_outcome (&outcome));
  /* No rosterver feature: no 'ver' in the request. */
  {
    g_autoptr(GXmppNode) request = roster_request (server, 0);

    g_assert_null (gxmpp_node_get_attribute (request, "ver"));
  }
  WAIT_UNTIL (count_iqs (server) == 3 + 13);
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    assert_answer (server, refused[i][0], refused[i][1]);
  assert_answer (server, "no-from", "result");
  assert_answer (server, "bare", "result");
  assert_answer (server, "bare-spelled", "result");

  /* The fetch, then tybalt added after the nurse, the nurse removed,
   * tybalt changed: nothing else. */
  g_assert_cmpuint (watch.changes->len, ==, 4);
  {
    static const Change expected[] = { { 0, 0, 1 }, { 1, 0, 1 }, { 0, 1, 0 }, { 0, 1, 1 } };

    for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
      {
        Change *change = &g_array_index (watch.changes, Change, i);

        g_assert_cmpuint (change->position, ==, expected[i].position);
        g_assert_cmpuint (change->removed, ==, expected[i].removed);
        g_assert_cmpuint (change->added, ==, expected[i].added);
      }
  }
  assert_model (roster, "tybalt@localhost", NULL);
  tybalt = lookup (roster, "tybalt@localhost");
  g_assert_cmpstr (gxmpp_roster_item_get_name (tybalt), ==, "Tybalt");
  g_assert_cmpint (gxmpp_roster_item_get_subscription (tybalt), ==, GXMPP_SUBSCRIPTION_FROM);
  g_assert_true (gxmpp_roster_item_get_ask (tybalt));
  g_assert_cmpstrv (gxmpp_roster_item_get_groups (tybalt), tybalt_groups);
  g_assert_cmpstr (gxmpp_roster_get_version (roster), ==, "v5");

  watch_clear (&watch);
  close_scripted (session, server);
}

/* RFC 6121 2.6.3: the stored version, an empty result, then the pushes of
 * what changed since: the model is the store's plus the pushes. */
static void
test_scripted_versioning_pushes_follow (void)
{
  const char *script[] = {
    READY_VER,
    "expect iq",
    "send <iq type='result' id='{id}'/>",
    PUSH ("id='after-1'", "ver='v8'", "<item jid='romeo@localhost' subscription='to'/>"), "expect iq",
    PUSH ("id='after-2'", "ver='v9'", "<item jid='nurse@localhost' name='Angelica' subscription='both'>"
                                      "<group>Capulet</group></item>"), "expect iq",
    "wait-close", NULL
  };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GXmppSession) session = connect_script (script, &server);
  g_autoptr(TestMemoryStore) store = memory_store_new ("v7", "nurse@localhost|Nurse|Capulet", NULL);
  g_autoptr(GXmppRoster) roster = gxmpp_roster_new (session, GXMPP_ROSTER_STORE (store));
  g_autoptr(GXmppNode) request = NULL;
  g_autoptr(GXmppRosterItem) nurse = NULL;
  Outcome save = OUTCOME (gxmpp_roster_save_finish);
  g_autoptr(GError) error = NULL;
  Watch watch;

  watch_init (&watch, roster);
  /* Nothing to save before the roster is loaded. */
  gxmpp_roster_save_async (roster, NULL, on_done, &save);
  error = wait_outcome (&save);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED);
  g_assert_cmpuint (store->saves, ==, 0);

  fetch (roster);
  g_assert_cmpuint (store->loads, ==, 1);
  request = roster_request (server, 0);
  g_assert_cmpstr (gxmpp_node_get_attribute (request, "ver"), ==, "v7");
  assert_one_change (&watch, 0, 0, 1);
  assert_model (roster, "nurse@localhost", NULL);
  g_assert_cmpstr (gxmpp_roster_get_version (roster), ==, "v7");
  nurse = lookup (roster, "nurse@localhost");
  g_assert_cmpstr (gxmpp_roster_item_get_name (nurse), ==, "Nurse");

  WAIT_UNTIL (count_iqs (server) == 4);
  assert_answer (server, "after-1", "result");
  assert_answer (server, "after-2", "result");
  g_assert_cmpuint (watch.changes->len, ==, 2);
  g_assert_cmpuint (g_array_index (watch.changes, Change, 0).position, ==, 1);   /* romeo added */
  g_assert_cmpuint (g_array_index (watch.changes, Change, 0).added, ==, 1);
  g_assert_cmpuint (g_array_index (watch.changes, Change, 1).position, ==, 0);   /* nurse changed */
  g_assert_cmpuint (g_array_index (watch.changes, Change, 1).removed, ==, 1);
  g_assert_cmpstr (gxmpp_roster_item_get_name (nurse), ==, "Angelica");
  g_assert_cmpstr (gxmpp_roster_get_version (roster), ==, "v9");

  /* The store follows in the background: one write for the burst. */
  WAIT_UNTIL (g_strcmp0 (store->version, "v9") == 0);
  g_assert_cmpuint (store->saves, ==, 1);
  g_assert_cmpuint (store->items->len, ==, 2);

  watch_clear (&watch);
  close_scripted (session, server);
}

/* No rosterver feature: no 'ver' in the request even with a stored
 * version; the server's roster replaces the store's. */
static void
test_scripted_no_versioning (void)
{
  const char *script[] = {
    READY,
    "expect iq",
    ROSTER_RESULT ("", "<item jid='romeo@localhost' subscription='both'/>"),
    "wait-close", NULL
  };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GXmppSession) session = connect_script (script, &server);
  g_autoptr(TestMemoryStore) store = memory_store_new ("v7", "nurse@localhost|Nurse|Capulet", NULL);
  g_autoptr(GXmppRoster) roster = gxmpp_roster_new (session, GXMPP_ROSTER_STORE (store));
  g_autoptr(GXmppNode) request = NULL;
  Watch watch;

  watch_init (&watch, roster);
  fetch (roster);
  request = roster_request (server, 0);
  g_assert_null (gxmpp_node_get_attribute (request, "ver"));
  assert_one_change (&watch, 0, 0, 1);
  assert_model (roster, "romeo@localhost", NULL);
  g_assert_null (gxmpp_roster_get_version (roster));
  roster_save (roster);
  g_assert_null (store->version);
  g_assert_cmpuint (store->items->len, ==, 1);

  watch_clear (&watch);
  close_scripted (session, server);
}

/* Items a client cannot use are left out; the rest of the roster loads. Of
 * two items with one JID, the last counts. */
static void
test_scripted_bad_items (void)
{
  const char *script[] = {
    READY_VER,
    "expect iq",
    ROSTER_RESULT ("ver='3'",
                   "<item jid='romeo@localhost' name='First'/>"
                   "<item jid=''/>"
                   "<item name='No address'/>"
                   "<item jid='a@b@c'/>"
                   "<item jid='nurse@localhost' subscription='sideways'/>"
                   "<item jid='gone@localhost' subscription='remove'/>"
                   "<other xmlns='urn:example:other' jid='x@localhost'/>"
                   "<item jid='Romeo@LOCALHOST' name='Last' ask='subscribe'/>"
                   "<item jid='tybalt@localhost' subscription='from'/>"),
    "wait-close", NULL
  };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GXmppSession) session = connect_script (script, &server);
  g_autoptr(GXmppRoster) roster = gxmpp_roster_new (session, NULL);
  g_autoptr(GXmppRosterItem) romeo = NULL;
  g_autoptr(GXmppNode) request = NULL;
  Watch watch;

  watch_init (&watch, roster);
  fetch (roster);
  request = roster_request (server, 0);
  g_assert_cmpstr (gxmpp_node_get_attribute (request, "ver"), ==, "");
  assert_one_change (&watch, 0, 0, 2);
  assert_model (roster, "romeo@localhost", "tybalt@localhost", NULL);
  romeo = lookup (roster, "romeo@localhost");
  g_assert_cmpstr (gxmpp_roster_item_get_name (romeo), ==, "Last");
  g_assert_true (gxmpp_roster_item_get_ask (romeo));
  g_assert_cmpstr (gxmpp_roster_get_version (roster), ==, "3");

  watch_clear (&watch);
  close_scripted (session, server);
}

/* Error replies become GXMPP_STANZA_ERROR errors and change nothing; one
 * fetch at a time; no store, nothing to save. */
static void
test_scripted_errors (void)
{
  const char *script[] = {
    READY,
    "expect iq",
    "send <iq type='error' id='{id}'><error type='cancel'><service-unavailable "
    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>",
    "expect iq",
    ROSTER_RESULT ("", "<item jid='nurse@localhost'/>"),
    "expect iq",
    "send <iq type='error' id='{id}'><error type='modify'><not-acceptable "
    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>"
    "Names that long are not acceptable</text></error></iq>",
    "expect iq",
    "send <iq type='result' id='{id}'><unexpected xmlns='urn:example:unexpected'/></iq>",
    "wait-close", NULL
  };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GXmppSession) session = connect_script (script, &server);
  g_autoptr(GXmppRoster) roster = gxmpp_roster_new (session, NULL);
  Outcome first = OUTCOME (gxmpp_roster_fetch_finish);
  Outcome second = OUTCOME (gxmpp_roster_fetch_finish);
  Outcome save = OUTCOME (gxmpp_roster_save_finish);
  g_autoptr(GError) error = NULL;
  Watch watch;

  watch_init (&watch, roster);
  gxmpp_roster_fetch_async (roster, NULL, on_done, &first);
  error = wait_outcome (&first);
  g_assert_error (error, GXMPP_STANZA_ERROR, GXMPP_STANZA_ERROR_SERVICE_UNAVAILABLE);
  g_clear_error (&error);
  g_assert_false (gxmpp_roster_is_loaded (roster));
  g_assert_cmpuint (watch.changes->len, ==, 0);

  /* Two fetches at once: the second is refused. */
  first = (Outcome) OUTCOME (gxmpp_roster_fetch_finish);
  gxmpp_roster_fetch_async (roster, NULL, on_done, &first);
  gxmpp_roster_fetch_async (roster, NULL, on_done, &second);
  error = wait_outcome (&second);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_clear_error (&error);
  g_assert_no_error (wait_outcome (&first));
  assert_one_change (&watch, 0, 0, 1);

  error = roster_add (roster, "romeo@localhost", "Romeo, Romeo, wherefore art thou Romeo", NULL);
  g_assert_error (error, GXMPP_STANZA_ERROR, GXMPP_STANZA_ERROR_NOT_ACCEPTABLE);
  g_test_message ("add: %s", error->message);
  g_clear_error (&error);
  g_assert_cmpuint (watch.changes->len, ==, 0);

  /* A "result" that holds no roster. */
  first = (Outcome) OUTCOME (gxmpp_roster_fetch_finish);
  gxmpp_roster_fetch_async (roster, NULL, on_done, &first);
  error = wait_outcome (&first);
  g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_STANZA);
  g_clear_error (&error);
  assert_model (roster, "nurse@localhost", NULL);

  gxmpp_roster_save_async (roster, NULL, on_done, &save);
  error = wait_outcome (&save);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);

  watch_clear (&watch);
  close_scripted (session, server);
}

/* Cancelling a fetch, while the store is read and while the request
 * waits for its reply: G_IO_ERROR_CANCELLED, the model as it was, and the
 * next fetch starts afresh (reading the store again if it had not been
 * read). */
static void
test_scripted_cancel (void)
{
  const char *script[] = {
    READY_VER,
    "expect iq",
    "expect message",
    "expect iq",
    ROSTER_RESULT ("ver='v8'", "<item jid='romeo@localhost'/>"),
    "wait-close", NULL
  };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GXmppSession) session = connect_script (script, &server);
  g_autoptr(TestMemoryStore) store = memory_store_new ("v7", "nurse@localhost|Nurse|Capulet", NULL);
  g_autoptr(GXmppRoster) roster = gxmpp_roster_new (session, GXMPP_ROSTER_STORE (store));
  g_autoptr(GCancellable) during_load = g_cancellable_new ();
  g_autoptr(GCancellable) during_request = g_cancellable_new ();
  Outcome first = OUTCOME (gxmpp_roster_fetch_finish);
  Outcome second = OUTCOME (gxmpp_roster_fetch_finish);
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppNode) request = NULL;
  Watch watch;

  watch_init (&watch, roster);

  gxmpp_roster_fetch_async (roster, during_load, on_done, &first);
  g_cancellable_cancel (during_load);
  error = wait_outcome (&first);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpuint (store->loads, ==, 1);
  g_assert_cmpuint (count_iqs (server), ==, 1);     /* the bind request only */

  gxmpp_roster_fetch_async (roster, during_request, on_done, &second);
  WAIT_UNTIL (count_iqs (server) == 2);
  g_assert_false (second.done);
  g_cancellable_cancel (during_request);
  error = wait_outcome (&second);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpuint (store->loads, ==, 2);
  request = roster_request (server, 0);
  g_assert_cmpstr (gxmpp_node_get_attribute (request, "ver"), ==, "v7");
  g_assert_false (gxmpp_roster_is_loaded (roster));
  g_assert_cmpuint (watch.changes->len, ==, 0);

  send_go_on (session);
  fetch (roster);
  g_assert_cmpuint (store->loads, ==, 3);
  g_clear_pointer (&request, gxmpp_node_unref);
  request = roster_request (server, 1);
  g_assert_cmpstr (gxmpp_node_get_attribute (request, "ver"), ==, "v7");
  assert_one_change (&watch, 0, 0, 1);
  assert_model (roster, "romeo@localhost", NULL);
  g_assert_cmpstr (gxmpp_roster_get_version (roster), ==, "v8");

  watch_clear (&watch);
  close_scripted (session, server);
}

/* Rosters on one session share its roster-push handler: each sees every
 * push; when the last goes, the handler goes and pushes are unhandled
 * (service-unavailable, from the session). */
static void
test_scripted_two_rosters (void)
{
  const char *script[] = {
    READY,
    "expect iq", ROSTER_RESULT ("", ""),
    "expect iq", ROSTER_RESULT ("", ""),
    PUSH ("id='both'", "", "<item jid='romeo@localhost'/>"), "expect iq",
    "expect message",
    PUSH ("id='one'", "", "<item jid='tybalt@localhost'/>"), "expect iq",
    "expect message",
    PUSH ("id='none'", "", "<item jid='paris@localhost'/>"), "expect iq",
    "wait-close", NULL
  };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GXmppSession) session = connect_script (script, &server);
  g_autoptr(GXmppRoster) first = gxmpp_roster_new (session, NULL);
  g_autoptr(GXmppRoster) second = gxmpp_roster_new (session, NULL);

  fetch (first);
  fetch (second);
  WAIT_UNTIL (count_iqs (server) == 4);
  assert_answer (server, "both", "result");
  assert_model (first, "romeo@localhost", NULL);
  assert_model (second, "romeo@localhost", NULL);

  g_clear_object (&first);
  send_go_on (session);
  WAIT_UNTIL (count_iqs (server) == 5);
  assert_answer (server, "one", "result");
  assert_model (second, "romeo@localhost", "tybalt@localhost", NULL);

  g_clear_object (&second);
  send_go_on (session);
  WAIT_UNTIL (count_iqs (server) == 6);
  assert_answer (server, "none", "service-unavailable");

  close_scripted (session, server);
}

/* ---------------------------------------------------------------------- */
/* The file store on its own                                              */

static GPtrArray *
sample_items (void)
{
  static const char * const groups[] = { "Capulet", "Vérone ✓", NULL };
  GPtrArray *items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GXmppJid) nurse = jid ("nurse@capulet.example");
  g_autoptr(GXmppJid) romeo = jid ("romeo@montague.example");
  g_autoptr(GXmppJid) friar = jid ("friar@church.example");

  g_ptr_array_add (items, gxmpp_roster_item_new (nurse, "Angelica", GXMPP_SUBSCRIPTION_BOTH, FALSE, groups));
  g_ptr_array_add (items, gxmpp_roster_item_new (romeo, NULL, GXMPP_SUBSCRIPTION_NONE, TRUE, NULL));
  g_ptr_array_add (items, gxmpp_roster_item_new (friar, "Friar Laurence", GXMPP_SUBSCRIPTION_FROM, FALSE,
                                                 montagues));
  return items;
}

static void
assert_same_items (GPtrArray *a,
                   GPtrArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      GXmppRosterItem *x = a->pdata[i], *y = b->pdata[i];

      g_assert_true (gxmpp_jid_equal (gxmpp_roster_item_get_jid (x), gxmpp_roster_item_get_jid (y)));
      g_assert_cmpstr (gxmpp_roster_item_get_name (x), ==, gxmpp_roster_item_get_name (y));
      g_assert_cmpint (gxmpp_roster_item_get_subscription (x), ==, gxmpp_roster_item_get_subscription (y));
      g_assert_cmpint (gxmpp_roster_item_get_ask (x), ==, gxmpp_roster_item_get_ask (y));
      g_assert_cmpstrv (gxmpp_roster_item_get_groups (x), gxmpp_roster_item_get_groups (y));
    }
}

static void
test_file_store_round_trip (void)
{
  g_autoptr(GFile) tmp = make_temp_dir ();
  g_autoptr(GFile) dir = g_file_resolve_relative_path (tmp, "not/yet/there");
  g_autoptr(GXmppRosterFileStore) store = gxmpp_roster_file_store_new (dir);
  g_autoptr(GXmppJid) account = jid ("juliet@capulet.example/balcony");
  g_autoptr(GPtrArray) items = sample_items ();
  g_autoptr(GPtrArray) loaded = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autofree char *version = NULL;
  g_autofree char *basename = NULL;

  g_assert_true (gxmpp_roster_file_store_get_directory (store) == dir);
  file = gxmpp_roster_file_store_get_file (store, account);
  basename = g_file_get_basename (file);
  g_assert_cmpstr (basename, ==, "juliet@capulet.example.roster");

  /* Nothing stored: not an error. */
  g_assert_no_error (store_load (GXMPP_ROSTER_STORE (store), account, &version, &loaded));
  g_assert_null (version);
  g_assert_cmpuint (loaded->len, ==, 0);
  g_clear_pointer (&loaded, g_ptr_array_unref);

  /* The directory is made on the first write. */
  g_assert_no_error (store_save (GXMPP_ROSTER_STORE (store), account, "v42", items));
  g_assert_no_error (store_load (GXMPP_ROSTER_STORE (store), account, &version, &loaded));
  g_assert_cmpstr (version, ==, "v42");
  assert_same_items (items, loaded);
  info = g_file_query_info (file, G_FILE_ATTRIBUTE_UNIX_MODE, G_FILE_QUERY_INFO_NONE, NULL, NULL);
  g_assert_cmpuint (g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_MODE) & 0777, ==, 0600);
  g_clear_pointer (&loaded, g_ptr_array_unref);
  g_clear_pointer (&version, g_free);

  /* Replaced, with no version this time, and no items. */
  g_ptr_array_set_size (items, 0);
  g_assert_no_error (store_save (GXMPP_ROSTER_STORE (store), account, NULL, items));
  g_assert_no_error (store_load (GXMPP_ROSTER_STORE (store), account, &version, &loaded));
  g_assert_null (version);
  g_assert_cmpuint (loaded->len, ==, 0);

  remove_tree (tmp);
}

static void
test_file_store_names (void)
{
  g_autoptr(GFile) tmp = make_temp_dir ();
  g_autoptr(GXmppRosterFileStore) store = gxmpp_roster_file_store_new (tmp);
  g_autoptr(GXmppRosterFileStore) default_store = gxmpp_roster_file_store_new (NULL);
  g_autoptr(GFile) one = g_file_get_child (tmp, "mine.roster");
  g_autoptr(GXmppRosterFileStore) single = gxmpp_roster_file_store_new_for_file (one);
  g_autoptr(GXmppJid) odd = jid ("a%b+c@example.com");
  g_autofree char *long_text = g_strdup_printf ("%s@example.com", "x");
  g_autoptr(GString) long_local = g_string_new (NULL);
  g_autoptr(GXmppJid) long_jid = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *name = NULL;
  g_autofree char *expected_dir = g_build_filename (g_get_user_cache_dir (), "xmpp-glib", NULL);
  g_autofree char *default_dir = g_file_get_path (gxmpp_roster_file_store_get_directory (default_store));

  g_assert_cmpstr (default_dir, ==, expected_dir);

  file = gxmpp_roster_file_store_get_file (store, odd);
  name = g_file_get_basename (file);
  g_assert_cmpstr (name, ==, "a%25b%2Bc@example.com.roster");
  g_clear_object (&file);
  g_clear_pointer (&name, g_free);

  for (guint i = 0; i < 300; i++)
    g_string_append_c (long_local, 'x');
  g_string_append (long_local, "@example.com");
  long_jid = jid (long_local->str);
  file = gxmpp_roster_file_store_get_file (store, long_jid);
  name = g_file_get_basename (file);
  g_assert_cmpuint (strlen (name), ==, 64 + strlen (".roster"));
  g_clear_object (&file);

  /* One file, whoever asks. */
  g_assert_null (gxmpp_roster_file_store_get_directory (single));
  file = gxmpp_roster_file_store_get_file (single, odd);
  g_assert_true (g_file_equal (file, one));

  remove_tree (tmp);
}

/* Damage: each byte of a good file flipped in turn, and the file cut at
 * many lengths. Each load either succeeds (a flip in a name or a flag
 * makes another valid roster) or fails with G_IO_ERROR_INVALID_DATA;
 * none crashes, and valgrind sees no bad read. */
static void
test_file_store_damage (void)
{
  g_autoptr(GFile) tmp = make_temp_dir ();
  g_autoptr(GXmppRosterFileStore) store = gxmpp_roster_file_store_new (tmp);
  g_autoptr(GXmppJid) account = jid ("juliet@capulet.example");
  g_autoptr(GPtrArray) items = sample_items ();
  g_autoptr(GFile) file = gxmpp_roster_file_store_get_file (store, account);
  g_autofree char *good = NULL;
  gsize size;
  guint failed = 0, loaded = 0;
  g_autoptr(GError) error = NULL;

  g_assert_no_error (store_save (GXMPP_ROSTER_STORE (store), account, "v42", items));
  g_file_load_contents (file, NULL, &good, &size, NULL, &error);
  g_assert_no_error (error);

  for (gsize i = 0; i < size + size / 5; i++)
    {
      g_autofree char *bad = g_memdup2 (good, size);
      gsize bad_size = size;
      g_autofree char *version = NULL;
      g_autoptr(GPtrArray) stored = NULL;
      g_autoptr(GError) load_error = NULL;

      if (i < size)
        bad[i] ^= 0xff;
      else
        bad_size = (i - size) * 5;
      g_file_replace_contents (file, bad, bad_size, NULL, FALSE, G_FILE_CREATE_NONE, NULL, NULL, &error);
      g_assert_no_error (error);
      load_error = store_load (GXMPP_ROSTER_STORE (store), account, &version, &stored);
      if (load_error != NULL)
        {
          g_assert_error (load_error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
          failed++;
        }
      else
        loaded++;
    }
  g_test_message ("%" G_GSIZE_FORMAT "-byte file damaged %" G_GSIZE_FORMAT " ways: %u refused, %u still valid",
                  size, size + size / 5, failed, loaded);
  g_assert_cmpuint (failed, >, 0);

  remove_tree (tmp);
}

static void
test_file_store_errors (void)
{
  g_autoptr(GFile) tmp = make_temp_dir ();
  g_autoptr(GXmppRosterFileStore) store = gxmpp_roster_file_store_new (tmp);
  g_autoptr(GXmppJid) juliet = jid ("juliet@capulet.example");
  g_autoptr(GXmppJid) romeo = jid ("romeo@montague.example");
  g_autoptr(GFile) file = gxmpp_roster_file_store_get_file (store, juliet);
  g_autoptr(GPtrArray) items = sample_items ();
  g_autoptr(GFile) blocker = g_file_get_child (tmp, "blocker");
  g_autoptr(GFile) below = g_file_resolve_relative_path (tmp, "blocker/sub");
  g_autoptr(GXmppRosterFileStore) blocked = gxmpp_roster_file_store_new (below);
  g_autofree char *version = NULL;
  g_autoptr(GPtrArray) loaded = NULL;
  g_autoptr(GError) error = NULL;
  guint8 future[16] = "GXmppRoster";

  /* Not a roster cache at all. */
  g_file_replace_contents (file, "hello", 5, NULL, FALSE, G_FILE_CREATE_NONE, NULL, NULL, &error);
  g_assert_no_error (error);
  error = store_load (GXMPP_ROSTER_STORE (store), juliet, &version, &loaded);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "is not a roster cache"));
  g_clear_error (&error);

  /* A format from the future. */
  future[12] = 2;
  g_file_replace_contents (file, (const char *) future, sizeof future, NULL, FALSE, G_FILE_CREATE_NONE,
                           NULL, NULL, &error);
  g_assert_no_error (error);
  error = store_load (GXMPP_ROSTER_STORE (store), juliet, &version, &loaded);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "format 2"));
  g_clear_error (&error);

  /* Someone else's roster in juliet's file. */
  g_file_delete (file, NULL, NULL);
  {
    g_autoptr(GXmppRosterFileStore) single = gxmpp_roster_file_store_new_for_file (file);

    g_assert_no_error (store_save (GXMPP_ROSTER_STORE (single), romeo, "1", items));
    error = store_load (GXMPP_ROSTER_STORE (single), juliet, &version, &loaded);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    g_assert_nonnull (strstr (error->message, "romeo@montague.example"));
    g_clear_error (&error);
  }

  /* A directory where the file should be: an I/O error, not a crash. */
  g_file_delete (file, NULL, NULL);
  g_file_make_directory (file, NULL, &error);
  g_assert_no_error (error);
  error = store_load (GXMPP_ROSTER_STORE (store), juliet, &version, &loaded);
  g_assert_nonnull (error);
  g_assert_false (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND));
  g_clear_error (&error);
  g_file_delete (file, NULL, NULL);

  /* A file where the directory should be. */
  g_file_replace_contents (blocker, "x", 1, NULL, FALSE, G_FILE_CREATE_NONE, NULL, NULL, &error);
  g_assert_no_error (error);
  error = store_save (GXMPP_ROSTER_STORE (blocked), juliet, "1", items);
  g_assert_nonnull (error);
  g_test_message ("save below a file: %s", error->message);
  g_clear_error (&error);

  remove_tree (tmp);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (capture_writer, NULL, NULL);

  g_test_add_func ("/roster/file-store/round-trip", test_file_store_round_trip);
  g_test_add_func ("/roster/file-store/names", test_file_store_names);
  g_test_add_func ("/roster/file-store/damage", test_file_store_damage);
  g_test_add_func ("/roster/file-store/errors", test_file_store_errors);

  g_test_add_func ("/roster/scripted/push-senders", test_scripted_push_senders);
  g_test_add_func ("/roster/scripted/versioning-pushes-follow", test_scripted_versioning_pushes_follow);
  g_test_add_func ("/roster/scripted/no-versioning", test_scripted_no_versioning);
  g_test_add_func ("/roster/scripted/bad-items", test_scripted_bad_items);
  g_test_add_func ("/roster/scripted/errors", test_scripted_errors);
  g_test_add_func ("/roster/scripted/cancel", test_scripted_cancel);
  g_test_add_func ("/roster/scripted/two-rosters", test_scripted_two_rosters);

  g_test_add_func ("/roster/prosody/fetch", test_prosody_fetch);
  g_test_add_func ("/roster/prosody/add-update-remove", test_prosody_add_update_remove);
  g_test_add_func ("/roster/prosody/second-resource", test_prosody_second_resource);
  g_test_add_func ("/roster/prosody/spoofed-push", test_prosody_spoofed_push);
  g_test_add_func ("/roster/prosody/store-round-trip", test_prosody_store_round_trip);
  g_test_add_func ("/roster/prosody/versioning-stale", test_prosody_versioning_stale);
  g_test_add_func ("/roster/prosody/versioning-empty", test_prosody_versioning_empty);
  g_test_add_func ("/roster/prosody/corrupt-store", test_prosody_corrupt_store);
  g_test_add_func ("/roster/prosody/large", test_prosody_large);

  status = g_test_run ();

  g_clear_pointer (&prosody, gxmpp_test_server_free);
  session_wait_for_streams ();
  return status;
}
