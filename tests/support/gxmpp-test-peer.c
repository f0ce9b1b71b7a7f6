/* gxmpp-test-peer.c: a slixmpp client for the interop tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gxmpp-test-peer.h"

#include "gxmpp-test-json.h"
#include "gxmpp-test-process.h"

#define READY_TIMEOUT_MS (60 * 1000)
#define EXIT_TIMEOUT_MS  (20 * 1000)

struct _GXmppTestPeer
{
  GXmppTestProcess *process;
  GVariant         *ready;
  gboolean          quit;
};

static const char *
peer_script (void)
{
  const char *path = g_getenv ("GXMPP_TEST_SLIXMPP_PEER");

  return path != NULL ? path : GXMPP_TEST_SLIXMPP_PEER;
}

static const char *
peer_python (void)
{
  const char *path = g_getenv ("GXMPP_TEST_PEER_PYTHON");

  return path != NULL ? path : GXMPP_TEST_PEER_PYTHON;
}

static gboolean
required (void)
{
  return g_strcmp0 (g_getenv ("GXMPP_TEST_REQUIRE_SERVERS"), "1") == 0;
}

static gboolean
is_ready_or_error (GVariant *line,
                   gpointer  user_data)
{
  const char *event = gxmpp_test_json_get_string (line, "event");

  return g_strcmp0 (event, "ready") == 0 || g_strcmp0 (event, "error") == 0;
}

GXmppTestPeer *
gxmpp_test_peer_start (GXmppTestServer    *server,
                       const char         *account,
                       const char * const *options,
                       GError            **error)
{
  g_autoptr(GXmppTestPeer) self = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) local_error = NULL;
  const char *jid, *password;
  GVariant *line;
  gboolean direct_tls = FALSE;

  g_return_val_if_fail (server != NULL && account != NULL, NULL);

  jid = gxmpp_test_server_get_jid (server, account);
  password = gxmpp_test_server_get_password (server, account);
  if (jid == NULL || password == NULL)
    {
      g_set_error (error, GXMPP_TEST_SERVER_ERROR, GXMPP_TEST_SERVER_ERROR_FAILED,
                   "the server has no account %s", account);
      return NULL;
    }
  if (!g_file_test (peer_python (), G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error (error, GXMPP_TEST_SERVER_ERROR,
                   required () ? GXMPP_TEST_SERVER_ERROR_FAILED : GXMPP_TEST_SERVER_ERROR_UNAVAILABLE,
                   "no Python interpreter at %s for slixmpp", peer_python ());
      return NULL;
    }
  for (gsize i = 0; options != NULL && options[i] != NULL; i++)
    if (g_str_equal (options[i], "--direct-tls"))
      direct_tls = TRUE;

  g_ptr_array_add (argv, g_strdup (peer_python ()));
  g_ptr_array_add (argv, g_strdup (peer_script ()));
  g_ptr_array_add (argv, g_strdup (jid));
  g_ptr_array_add (argv, g_strdup (password));
  g_ptr_array_add (argv, g_strdup (gxmpp_test_server_get_ca_file (server)));
  g_ptr_array_add (argv, g_strdup (gxmpp_test_server_get_host (server)));
  g_ptr_array_add (argv, g_strdup_printf ("%u", direct_tls
                                                  ? gxmpp_test_server_get_direct_tls_port (server)
                                                  : gxmpp_test_server_get_port (server)));
  for (gsize i = 0; options != NULL && options[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (options[i]));
  g_ptr_array_add (argv, NULL);

  self = g_new0 (GXmppTestPeer, 1);
  self->process = gxmpp_test_process_spawn ((const char * const *) argv->pdata, &local_error);
  if (self->process == NULL)
    {
      g_set_error (error, GXMPP_TEST_SERVER_ERROR, GXMPP_TEST_SERVER_ERROR_FAILED,
                   "cannot run the slixmpp peer: %s", local_error->message);
      self->quit = TRUE;
      return NULL;
    }

  line = gxmpp_test_process_wait_line (self->process, is_ready_or_error, NULL, FALSE,
                                       READY_TIMEOUT_MS, &local_error);
  if (line == NULL)
    {
      g_set_error (error, GXMPP_TEST_SERVER_ERROR, GXMPP_TEST_SERVER_ERROR_FAILED,
                   "the slixmpp peer for %s did not get ready: %s", jid, local_error->message);
      return NULL;
    }
  if (g_strcmp0 (gxmpp_test_json_get_string (line, "event"), "error") == 0)
    {
      int status;

      self->quit = TRUE;
      status = gxmpp_test_process_finish (self->process, EXIT_TIMEOUT_MS);
      g_set_error (error, GXMPP_TEST_SERVER_ERROR,
                   status == 77 && !required () ? GXMPP_TEST_SERVER_ERROR_UNAVAILABLE
                                                : GXMPP_TEST_SERVER_ERROR_FAILED,
                   "the slixmpp peer for %s failed: %s", jid,
                   gxmpp_test_json_get_string (line, "message"));
      g_variant_unref (line);
      return NULL;
    }
  self->ready = line;
  return g_steal_pointer (&self);
}

GXmppTestPeer *
gxmpp_test_peer_start_or_skip (GXmppTestServer    *server,
                               const char         *account,
                               const char * const *options)
{
  g_autoptr(GError) error = NULL;
  GXmppTestPeer *self = gxmpp_test_peer_start (server, account, options, &error);

  if (self != NULL)
    return self;
  if (g_error_matches (error, GXMPP_TEST_SERVER_ERROR, GXMPP_TEST_SERVER_ERROR_UNAVAILABLE))
    g_test_skip (error->message);
  else
    g_test_fail_printf ("%s", error->message);
  return NULL;
}

const char *
gxmpp_test_peer_get_jid (GXmppTestPeer *self)
{
  return gxmpp_test_json_get_string (self->ready, "jid");
}

GVariant *
gxmpp_test_peer_get_ready_event (GXmppTestPeer *self)
{
  return self->ready;
}

gboolean
gxmpp_test_peer_command (GXmppTestPeer *self,
                         const char    *json,
                         GError       **error)
{
  return gxmpp_test_process_send (self->process, json, error);
}

gboolean
gxmpp_test_peer_send_message (GXmppTestPeer *self,
                              const char    *to,
                              const char    *body,
                              GError       **error)
{
  g_autoptr(GString) cmd = g_string_new ("{\"send\": {\"to\": ");

  gxmpp_test_json_append_string (cmd, to);
  g_string_append (cmd, ", \"body\": ");
  gxmpp_test_json_append_string (cmd, body);
  g_string_append (cmd, "}}");
  return gxmpp_test_peer_command (self, cmd->str, error);
}

gboolean
gxmpp_test_peer_send_test_iq (GXmppTestPeer *self,
                              const char    *to,
                              const char    *text,
                              const char    *tag,
                              GError       **error)
{
  g_autoptr(GString) cmd = g_string_new ("{\"iq\": {\"to\": ");

  gxmpp_test_json_append_string (cmd, to);
  g_string_append (cmd, ", \"text\": ");
  gxmpp_test_json_append_string (cmd, text);
  if (tag != NULL)
    {
      g_string_append (cmd, ", \"tag\": ");
      gxmpp_test_json_append_string (cmd, tag);
    }
  g_string_append (cmd, "}}");
  return gxmpp_test_peer_command (self, cmd->str, error);
}

gboolean
gxmpp_test_peer_subscription (GXmppTestPeer *self,
                              const char    *verb,
                              const char    *jid,
                              GError       **error)
{
  g_autoptr(GString) cmd = g_string_new ("{");

  gxmpp_test_json_append_string (cmd, verb);
  g_string_append (cmd, ": ");
  gxmpp_test_json_append_string (cmd, jid);
  g_string_append (cmd, "}");
  return gxmpp_test_peer_command (self, cmd->str, error);
}

static gboolean
is_event (GVariant *line,
          gpointer  user_data)
{
  return user_data == NULL ||
         g_strcmp0 (gxmpp_test_json_get_string (line, "event"), user_data) == 0;
}

GVariant *
gxmpp_test_peer_wait_event (GXmppTestPeer *self,
                            const char    *event,
                            guint          timeout_ms,
                            GError       **error)
{
  return gxmpp_test_process_wait_line (self->process, is_event, (gpointer) event, FALSE,
                                       timeout_ms, error);
}

GVariant *
gxmpp_test_peer_pop_event (GXmppTestPeer *self)
{
  return gxmpp_test_process_pop_line (self->process);
}

gboolean
gxmpp_test_peer_quit (GXmppTestPeer *self,
                      GError       **error)
{
  int status;

  if (self->quit)
    return TRUE;
  self->quit = TRUE;
  gxmpp_test_process_send (self->process, "{\"quit\": true}", NULL);
  status = gxmpp_test_process_finish (self->process, EXIT_TIMEOUT_MS);
  if (status != 0)
    {
      g_set_error (error, GXMPP_TEST_SERVER_ERROR, GXMPP_TEST_SERVER_ERROR_FAILED,
                   "the slixmpp peer exited with status %d", status);
      return FALSE;
    }
  return TRUE;
}

void
gxmpp_test_peer_free (GXmppTestPeer *self)
{
  if (self == NULL)
    return;
  if (!self->quit)
    {
      g_autoptr(GError) error = NULL;

      if (!gxmpp_test_peer_quit (self, &error))
        g_warning ("%s", error->message);
    }
  g_clear_pointer (&self->process, gxmpp_test_process_free);
  g_clear_pointer (&self->ready, g_variant_unref);
  g_free (self);
}
