/* gxmpp-test-server.c: a private Prosody or ejabberd for a test program
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gxmpp-test-server.h"

#include "gxmpp-test-json.h"
#include "gxmpp-test-process.h"

/* The script's own timeouts (90 s for ejabberd to start) come first. */
#define START_TIMEOUT_MS   (180 * 1000)
#define COMMAND_TIMEOUT_MS (180 * 1000)
#define EXIT_TIMEOUT_MS    (60 * 1000)

struct _GXmppTestServer
{
  GXmppTestProcess *process;
  GVariant         *info;
  GHashTable       *jids;        /* account name -> JID */
  GHashTable       *passwords;   /* account name -> password */
  GTlsDatabase     *database;
  char            **mechanisms;
  char             *script_pid;
  gboolean          stopped;
};

G_DEFINE_QUARK (gxmpp-test-server-error-quark, gxmpp_test_server_error)

static const char *
script_path (void)
{
  const char *path = g_getenv ("GXMPP_TEST_SERVER_SCRIPT");

  return path != NULL ? path : GXMPP_TEST_SERVER_SCRIPT;
}

static const char *
python_path (void)
{
  const char *path = g_getenv ("GXMPP_TEST_PYTHON");

  return path != NULL ? path : GXMPP_TEST_PYTHON;
}

/* Turns the script's {"error": ..., "unavailable": ...} into a GError. */
static void
set_script_error (GError    **error,
                  GVariant   *line,
                  const char *what)
{
  const char *message = gxmpp_test_json_get_string (line, "error");
  const char *log_tail = gxmpp_test_json_get_string (line, "log_tail");
  gboolean unavailable = gxmpp_test_json_get_bool (line, "unavailable", FALSE);

  g_set_error (error, GXMPP_TEST_SERVER_ERROR,
               unavailable ? GXMPP_TEST_SERVER_ERROR_UNAVAILABLE : GXMPP_TEST_SERVER_ERROR_FAILED,
               "%s: %s%s%s", what, message ? message : "unknown error",
               log_tail && *log_tail ? "\nlog:\n" : "", log_tail ? log_tail : "");
}

static void
prefix_failed (GError    **error,
               GError     *cause,
               const char *what)
{
  g_set_error (error, GXMPP_TEST_SERVER_ERROR, GXMPP_TEST_SERVER_ERROR_FAILED,
               "%s: %s", what, cause->message);
  g_error_free (cause);
}

static void
add_account (GXmppTestServer *self,
             const char      *name,
             const char      *jid,
             const char      *password)
{
  g_hash_table_replace (self->jids, g_strdup (name), g_strdup (jid));
  g_hash_table_replace (self->passwords, g_strdup (name), g_strdup (password));
}

static gboolean
read_info (GXmppTestServer *self,
           GError         **error)
{
  g_autoptr(GVariant) accounts = NULL;
  g_autoptr(GVariant) mechanisms = NULL;
  const char *ca_file;
  GVariantIter iter;
  const char *name;
  GVariant *account;

  accounts = gxmpp_test_json_get (self->info, "accounts");
  ca_file = gxmpp_test_json_get_string (self->info, "ca_file");
  if (accounts == NULL || ca_file == NULL || gxmpp_test_json_get_int (self->info, "port", 0) <= 0)
    {
      g_set_error (error, GXMPP_TEST_SERVER_ERROR, GXMPP_TEST_SERVER_ERROR_FAILED,
                   "the server script's description lacks accounts, ca_file or port");
      return FALSE;
    }

  g_variant_iter_init (&iter, accounts);
  while (g_variant_iter_next (&iter, "{&sv}", &name, &account))
    {
      add_account (self, name, gxmpp_test_json_get_string (account, "jid"),
                   gxmpp_test_json_get_string (account, "password"));
      g_variant_unref (account);
    }

  mechanisms = gxmpp_test_json_get (self->info, "mechanisms");
  if (mechanisms != NULL && g_variant_is_of_type (mechanisms, G_VARIANT_TYPE ("av")))
    {
      GPtrArray *list = g_ptr_array_new ();
      GVariant *item;

      g_variant_iter_init (&iter, mechanisms);
      while (g_variant_iter_next (&iter, "v", &item))
        {
          if (g_variant_is_of_type (item, G_VARIANT_TYPE_STRING))
            g_ptr_array_add (list, g_variant_dup_string (item, NULL));
          g_variant_unref (item);
        }
      g_ptr_array_add (list, NULL);
      self->mechanisms = (char **) g_ptr_array_free (list, FALSE);
    }
  else
    self->mechanisms = g_new0 (char *, 1);

  self->database = g_tls_file_database_new (ca_file, error);
  return self->database != NULL;
}

GXmppTestServer *
gxmpp_test_server_start (const char         *server,
                         const char * const *options,
                         GError            **error)
{
  g_autoptr(GXmppTestServer) self = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) extra = NULL;
  GVariant *line;

  if (server == NULL)
    server = "prosody";

  if (!g_file_test (python_path (), G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error (error, GXMPP_TEST_SERVER_ERROR,
                   g_strcmp0 (g_getenv ("GXMPP_TEST_REQUIRE_SERVERS"), "1") == 0
                     ? GXMPP_TEST_SERVER_ERROR_FAILED : GXMPP_TEST_SERVER_ERROR_UNAVAILABLE,
                   "no Python interpreter at %s", python_path ());
      return NULL;
    }

  g_ptr_array_add (argv, (gpointer) python_path ());
  g_ptr_array_add (argv, (gpointer) script_path ());
  g_ptr_array_add (argv, (gpointer) "--server");
  g_ptr_array_add (argv, (gpointer) server);
  for (gsize i = 0; options != NULL && options[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) options[i]);
  /* For debugging a test: GXMPP_TEST_SERVER_ARGS="--keep --log-level debug" */
  if (g_getenv ("GXMPP_TEST_SERVER_ARGS") != NULL)
    {
      extra = g_strsplit (g_getenv ("GXMPP_TEST_SERVER_ARGS"), " ", -1);
      for (gsize i = 0; extra[i] != NULL; i++)
        if (*extra[i] != '\0')
          g_ptr_array_add (argv, extra[i]);
    }
  g_ptr_array_add (argv, NULL);

  self = g_new0 (GXmppTestServer, 1);
  self->jids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->passwords = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  self->process = gxmpp_test_process_spawn ((const char * const *) argv->pdata, &local_error);
  if (self->process == NULL)
    {
      prefix_failed (error, g_steal_pointer (&local_error), "cannot run the server script");
      self->stopped = TRUE;
      return NULL;
    }
  self->script_pid = g_strdup (gxmpp_test_process_get_identifier (self->process));

  line = gxmpp_test_process_wait_line (self->process, NULL, NULL, TRUE, START_TIMEOUT_MS,
                                       &local_error);
  if (line == NULL)
    {
      prefix_failed (error, g_steal_pointer (&local_error), "starting the server");
      return NULL;
    }
  if (gxmpp_test_json_get_string (line, "error") != NULL)
    {
      g_autofree char *what = g_strdup_printf ("starting %s", server);

      set_script_error (error, line, what);
      g_variant_unref (line);
      self->stopped = TRUE;
      gxmpp_test_process_finish (self->process, EXIT_TIMEOUT_MS);
      return NULL;
    }
  self->info = line;
  if (!read_info (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

GXmppTestServer *
gxmpp_test_server_start_or_skip (const char         *server,
                                 const char * const *options)
{
  g_autoptr(GError) error = NULL;
  GXmppTestServer *self = gxmpp_test_server_start (server, options, &error);

  if (self != NULL)
    return self;
  if (g_error_matches (error, GXMPP_TEST_SERVER_ERROR, GXMPP_TEST_SERVER_ERROR_UNAVAILABLE))
    g_test_skip (error->message);
  else
    g_test_fail_printf ("%s", error->message);
  return NULL;
}

static gboolean
is_answer (GVariant *line,
           gpointer  user_data)
{
  return gxmpp_test_json_get_string (line, "command") != NULL;
}

/* Sends one command line and waits for its answer. */
static GVariant *
command (GXmppTestServer *self,
         const char      *text,
         const char      *what,
         GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GVariant) answer = NULL;

  if (self->stopped)
    {
      g_set_error (error, GXMPP_TEST_SERVER_ERROR, GXMPP_TEST_SERVER_ERROR_FAILED,
                   "%s: the server has been stopped", what);
      return NULL;
    }
  if (!gxmpp_test_process_send (self->process, text, &local_error))
    {
      prefix_failed (error, g_steal_pointer (&local_error), what);
      return NULL;
    }
  answer = gxmpp_test_process_wait_line (self->process, is_answer, NULL, TRUE,
                                         COMMAND_TIMEOUT_MS, &local_error);
  if (answer == NULL)
    {
      prefix_failed (error, g_steal_pointer (&local_error), what);
      return NULL;
    }
  if (!gxmpp_test_json_get_bool (answer, "ok", FALSE))
    {
      set_script_error (error, answer, what);
      return NULL;
    }
  return g_steal_pointer (&answer);
}

gboolean
gxmpp_test_server_restart (GXmppTestServer *self,
                           GError         **error)
{
  g_autoptr(GVariant) answer = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  answer = command (self, "restart", "restarting the server", error);
  return answer != NULL;
}

gboolean
gxmpp_test_server_register (GXmppTestServer *self,
                            const char      *user,
                            const char      *password,
                            GError         **error)
{
  g_autoptr(GString) line = g_string_new ("{\"command\": \"register\", \"user\": ");
  g_autoptr(GVariant) answer = NULL;
  const char *jid;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (user != NULL && password != NULL, FALSE);

  gxmpp_test_json_append_string (line, user);
  g_string_append (line, ", \"password\": ");
  gxmpp_test_json_append_string (line, password);
  g_string_append (line, "}");
  answer = command (self, line->str, "registering an account", error);
  if (answer == NULL)
    return FALSE;
  jid = gxmpp_test_json_get_string (answer, "jid");
  add_account (self, user, jid, password);
  return TRUE;
}

gboolean
gxmpp_test_server_stop (GXmppTestServer *self,
                        GError         **error)
{
  g_autoptr(GVariant) answer = NULL;
  g_autoptr(GError) local_error = NULL;
  int status;

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->stopped)
    return TRUE;
  answer = command (self, "stop", "stopping the server", &local_error);
  self->stopped = TRUE;
  status = gxmpp_test_process_finish (self->process, EXIT_TIMEOUT_MS);
  if (answer == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (status != 0)
    {
      g_set_error (error, GXMPP_TEST_SERVER_ERROR, GXMPP_TEST_SERVER_ERROR_FAILED,
                   "the server script exited with status %d", status);
      return FALSE;
    }
  return TRUE;
}

void
gxmpp_test_server_free (GXmppTestServer *self)
{
  if (self == NULL)
    return;
  if (!self->stopped)
    {
      g_autoptr(GError) error = NULL;

      if (!gxmpp_test_server_stop (self, &error))
        g_warning ("%s", error->message);
    }
  g_clear_pointer (&self->process, gxmpp_test_process_free);
  g_clear_pointer (&self->info, g_variant_unref);
  g_clear_pointer (&self->jids, g_hash_table_unref);
  g_clear_pointer (&self->passwords, g_hash_table_unref);
  g_clear_pointer (&self->mechanisms, g_strfreev);
  g_clear_pointer (&self->script_pid, g_free);
  g_clear_object (&self->database);
  g_free (self);
}

const char *
gxmpp_test_server_get_kind (GXmppTestServer *self)
{
  return gxmpp_test_json_get_string (self->info, "server");
}

const char *
gxmpp_test_server_get_domain (GXmppTestServer *self)
{
  return gxmpp_test_json_get_string (self->info, "domain");
}

const char *
gxmpp_test_server_get_host (GXmppTestServer *self)
{
  return gxmpp_test_json_get_string (self->info, "host");
}

guint16
gxmpp_test_server_get_port (GXmppTestServer *self)
{
  return (guint16) gxmpp_test_json_get_int (self->info, "port", 0);
}

guint16
gxmpp_test_server_get_direct_tls_port (GXmppTestServer *self)
{
  return (guint16) gxmpp_test_json_get_int (self->info, "direct_tls_port", 0);
}

GSocketConnectable *
gxmpp_test_server_get_address (GXmppTestServer *self,
                               gboolean         direct_tls)
{
  return g_network_address_new (gxmpp_test_server_get_host (self),
                                direct_tls ? gxmpp_test_server_get_direct_tls_port (self)
                                           : gxmpp_test_server_get_port (self));
}

const char *
gxmpp_test_server_get_ca_file (GXmppTestServer *self)
{
  return gxmpp_test_json_get_string (self->info, "ca_file");
}

GTlsDatabase *
gxmpp_test_server_get_tls_database (GXmppTestServer *self)
{
  return self->database;
}

const char *
gxmpp_test_server_get_tls_version (GXmppTestServer *self)
{
  return gxmpp_test_json_get_string (self->info, "tls");
}

const char * const *
gxmpp_test_server_get_mechanisms (GXmppTestServer *self)
{
  return (const char * const *) self->mechanisms;
}

gboolean
gxmpp_test_server_offers_mechanism (GXmppTestServer *self,
                                    const char      *mechanism)
{
  return g_strv_contains ((const char * const *) self->mechanisms, mechanism);
}

const char *
gxmpp_test_server_get_anonymous_domain (GXmppTestServer *self)
{
  return gxmpp_test_json_get_string (self->info, "anonymous_domain");
}

const char *
gxmpp_test_server_get_jid (GXmppTestServer *self,
                           const char      *account)
{
  return g_hash_table_lookup (self->jids, account);
}

const char *
gxmpp_test_server_get_password (GXmppTestServer *self,
                                const char      *account)
{
  return g_hash_table_lookup (self->passwords, account);
}

const char *
gxmpp_test_server_get_dave_password_nfd (GXmppTestServer *self)
{
  return gxmpp_test_json_get_string (self->info, "dave_password_nfd");
}

const char *
gxmpp_test_server_get_tmpdir (GXmppTestServer *self)
{
  return gxmpp_test_json_get_string (self->info, "tmpdir");
}

const char *
gxmpp_test_server_get_log_path (GXmppTestServer *self)
{
  return gxmpp_test_json_get_string (self->info, "log");
}

const char *
gxmpp_test_server_get_script_pid (GXmppTestServer *self)
{
  return self->script_pid;
}

GVariant *
gxmpp_test_server_get_info (GXmppTestServer *self)
{
  return self->info;
}
