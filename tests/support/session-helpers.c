/* session-helpers.c: connecting sessions to test servers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "session-helpers.h"

#include <string.h>

#include "gxmpp-stream-private.h"

void
session_connect_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  SessionConnectResult *out = user_data;

  out->session = gxmpp_session_new_finish (result, &out->error);
  out->done = TRUE;
}

void
session_close_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (gxmpp_session_close_finish (GXMPP_SESSION (source), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

void
session_send_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  SessionSendResult *out = user_data;

  g_assert_false (out->done);
  out->ok = gxmpp_session_send_finish (GXMPP_SESSION (source), result, &out->error);
  g_assert_true (out->ok == (out->error == NULL));
  out->done = TRUE;
}

GXmppSessionConfig *
session_config_for (guint16         port,
                    GXmppTlsPolicy  policy)
{
  GXmppSessionConfig *config = gxmpp_session_config_new ();
  GXmppStreamConfig *stream = gxmpp_session_config_get_stream_config (config);
  g_autoptr(GSocketConnectable) address = g_network_address_new ("127.0.0.1", port);

  gxmpp_stream_config_set_server_address (stream, address);
  gxmpp_stream_config_set_tls_policy (stream, policy);
  gxmpp_stream_config_set_tls_database (stream, scripted_server_get_ca ());
  gxmpp_stream_config_set_connect_timeout (stream, 10000);
  /* A script plays one connection: a lost one is not tried again unless a
   * test sets a policy. */
  gxmpp_session_config_set_reconnect (config, NULL);
  return config;
}

GXmppSessionConfig *
session_config_for_server (GXmppTestServer *server,
                           GXmppTlsPolicy   policy,
                           guint            connect_timeout_ms)
{
  GXmppSessionConfig *config = gxmpp_session_config_new ();
  GXmppStreamConfig *stream = gxmpp_session_config_get_stream_config (config);
  g_autoptr(GSocketConnectable) address =
    gxmpp_test_server_get_address (server, policy == GXMPP_TLS_POLICY_DIRECT);

  gxmpp_stream_config_set_server_address (stream, address);
  gxmpp_stream_config_set_tls_policy (stream, policy);
  gxmpp_stream_config_set_tls_database (stream, gxmpp_test_server_get_tls_database (server));
  gxmpp_stream_config_set_connect_timeout (stream, connect_timeout_ms);
  return config;
}

GXmppSession *
session_connect_with (GXmppSessionConfig  *config,
                      GXmppAuth           *auth,
                      ScriptedServer      *server,
                      GError             **error)
{
  SessionConnectResult out = { 0 };

  gxmpp_session_new_async ("localhost", config, auth, NULL, session_connect_cb, &out);
  while (!out.done)
    g_main_context_iteration (NULL, TRUE);
  if (server != NULL)
    {
      /* Give the server a moment to see what the client did last. */
      for (guint i = 0; i < 50 && !scripted_server_is_done (server); i++)
        g_main_context_iteration (NULL, FALSE);
    }

  if (out.error != NULL)
    g_propagate_error (error, out.error);
  return out.session;
}

static gboolean
on_streams_guard (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

void
session_wait_for_streams (void)
{
  gboolean expired = FALSE;
  guint guard = g_timeout_add_seconds (10, on_streams_guard, &expired);

  while (gxmpp_stream_count_alive () > 0 && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (expired)
    g_error ("%u streams still alive after ten seconds",
             gxmpp_stream_count_alive ());
  g_source_remove (guard);
}

static void
on_closed_signal (GXmppSession *session,
                  const GError *reason,
                  gpointer      user_data)
{
  SessionWatch *watch = user_data;

  watch->closed++;
  g_clear_error (&watch->reason);
  watch->reason = reason != NULL ? g_error_copy (reason) : NULL;
}

static void
on_notify_state (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  SessionWatch *watch = user_data;
  GXmppSessionState state = gxmpp_session_get_state (GXMPP_SESSION (object));

  g_array_append_val (watch->states, state);
}

static void
on_disconnected_signal (GXmppSession *session,
                        const GError *reason,
                        gpointer      user_data)
{
  SessionWatch *watch = user_data;

  g_assert_nonnull (reason);
  watch->disconnected++;
  g_clear_error (&watch->disconnect_reason);
  watch->disconnect_reason = g_error_copy (reason);
}

static void
on_reconnected_signal (GXmppSession *session,
                       gboolean      resumed,
                       gpointer      user_data)
{
  SessionWatch *watch = user_data;

  watch->reconnected++;
  if (resumed)
    watch->resumed++;
}

void
session_watch (SessionWatch *watch,
               GXmppSession *session)
{
  memset (watch, 0, sizeof *watch);
  watch->states = g_array_new (FALSE, FALSE, sizeof (GXmppSessionState));
  g_signal_connect (session, "closed", G_CALLBACK (on_closed_signal), watch);
  g_signal_connect (session, "notify::state", G_CALLBACK (on_notify_state), watch);
  g_signal_connect (session, "disconnected", G_CALLBACK (on_disconnected_signal), watch);
  g_signal_connect (session, "reconnected", G_CALLBACK (on_reconnected_signal), watch);
}

void
session_watch_clear (SessionWatch *watch)
{
  g_clear_error (&watch->reason);
  g_clear_error (&watch->disconnect_reason);
  g_array_unref (watch->states);
}
