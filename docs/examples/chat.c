/* chat.c: two accounts talking through xmpp-glib
 *
 * Connects two accounts to one server at the same time, each with its own
 * GXmppSession, and prints what happens as a transcript:
 *
 *   1. both connect: TLS, SASL, resource binding;
 *   2. each announces itself with available presence;
 *   3. the first sends the second a chat message, which the second answers
 *      from its "message" signal handler with gxmpp_message_answer();
 *   4. the first asks the second for its software version (XEP-0092, an
 *      IQ get), which the second's application IQ handler answers;
 *   5. both close their streams.
 *
 * Usage:
 *
 *   chat [--server HOST:PORT] [--ca-file FILE] JID1 JID2
 *
 * with the passwords in the environment variables CHAT_PASSWORD_1 and
 * CHAT_PASSWORD_2 (never on the command line, where other users could read
 * them). Without --server, the server is found through DNS SRV records as
 * usual; without --ca-file, the system's trusted CAs verify it. `.ci/demo`
 * runs it against a private Prosody that it starts on 127.0.0.1.
 *
 * Build it against an installed xmpp-glib:
 *
 *   cc -o chat chat.c $(pkg-config --cflags --libs xmpp-glib-1.0)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <stdlib.h>

#include <xmpp-glib/xmpp-glib.h>

#define NS_VERSION "jabber:iq:version"
#define TIMEOUT_SECONDS 30

typedef struct _Demo Demo;

typedef struct {
  Demo *demo;
  const char *address;     /* the JID given on the command line */
  const char *password;
  GXmppSession *session;
  GXmppJid *jid;           /* the full JID the server bound */
} Account;

struct _Demo {
  GMainLoop *loop;
  GXmppSessionConfig *config;
  Account accounts[2];
  guint n_connected;
  guint n_closed;
  int status;
  GTimer *timer;
};

static void
say (Demo       *demo,
     const char *format,
     ...) G_GNUC_PRINTF (2, 3);

static void
say (Demo       *demo,
     const char *format,
     ...)
{
  va_list args;

  printf ("[%6.3f s] ", g_timer_elapsed (demo->timer, NULL));
  va_start (args, format);
  vprintf (format, args);
  va_end (args);
  printf ("\n");
  fflush (stdout);
}

static void
fail (Demo       *demo,
      const char *what,
      GError     *error)
{
  fprintf (stderr, "chat: %s: %s\n", what, error != NULL ? error->message : "failed");
  demo->status = EXIT_FAILURE;
  g_main_loop_quit (demo->loop);
}

static const char *
tls_version (GXmppSession *session)
{
  GTlsConnection *tls = gxmpp_session_get_tls_connection (session);

  if (tls == NULL)
    return "no TLS";
  switch (g_tls_connection_get_protocol_version (tls))
    {
    case G_TLS_PROTOCOL_VERSION_TLS_1_2:
      return "TLS 1.2";
    case G_TLS_PROTOCOL_VERSION_TLS_1_3:
      return "TLS 1.3";
    default:
      return "TLS";
    }
}

/* Step 5: closing. */

static void
on_closed (GXmppSession *session,
           GError       *reason,
           gpointer      user_data)
{
  Demo *demo = user_data;
  Account *account = session == demo->accounts[0].session ? &demo->accounts[0] : &demo->accounts[1];

  if (reason == NULL)
    say (demo, "%s: stream closed cleanly", gxmpp_jid_to_string (account->jid));
  else
    say (demo, "%s: stream closed: %s", gxmpp_jid_to_string (account->jid), reason->message);

  if (++demo->n_closed == 2)
    g_main_loop_quit (demo->loop);
}

static void
close_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Demo *demo = user_data;
  g_autoptr(GError) error = NULL;

  if (!gxmpp_session_close_finish (GXMPP_SESSION (source), result, &error))
    fail (demo, "closing", error);
}

static void
close_both (Demo *demo)
{
  for (guint i = 0; i < 2; i++)
    gxmpp_session_close_async (demo->accounts[i].session, NULL, close_done, demo);
}

/* Step 4: the second account's application handler answers a version IQ. */

static void
answer_version (GXmppSession   *session,
                GXmppIqRequest *request,
                gpointer        user_data)
{
  Demo *demo = user_data;
  g_autoptr(GXmppNode) query = gxmpp_node_new ("query", NS_VERSION);
  g_autoptr(GError) error = NULL;

  say (demo, "%s: version request from %s, answering from an IQ handler",
       gxmpp_jid_to_string (gxmpp_session_get_jid (session)),
       gxmpp_jid_to_string (gxmpp_iq_request_get_from (request)));

  gxmpp_node_set_text (gxmpp_node_add_child (query, "name", NS_VERSION), "chat.c");
  gxmpp_node_set_text (gxmpp_node_add_child (query, "version", NS_VERSION), GXMPP_VERSION_S);
  if (!gxmpp_iq_request_reply_result (request, query, &error))
    fail (demo, "answering the IQ", error);
}

static void
version_reply (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Demo *demo = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppIq) reply = NULL;
  GXmppNode *query;

  reply = gxmpp_session_send_iq_finish (GXMPP_SESSION (source), result, &error);
  if (reply == NULL)
    {
      fail (demo, "asking for the version", error);
      return;
    }

  query = gxmpp_iq_get_payload (reply);
  say (demo, "%s: %s runs %s %s",
       gxmpp_jid_to_string (demo->accounts[0].jid),
       gxmpp_jid_to_string (gxmpp_stanza_get_from (GXMPP_STANZA (reply))),
       query ? gxmpp_node_get_child_text (query, "name", NS_VERSION) : "?",
       query ? gxmpp_node_get_child_text (query, "version", NS_VERSION) : "?");

  close_both (demo);
}

static void
ask_version (Demo *demo)
{
  g_autoptr(GXmppNode) query = gxmpp_node_new ("query", NS_VERSION);
  g_autoptr(GXmppIq) iq = gxmpp_iq_new (GXMPP_IQ_TYPE_GET, demo->accounts[1].jid, query);

  say (demo, "%s: asking %s for its software version (IQ get, %s)",
       gxmpp_jid_to_string (demo->accounts[0].jid),
       gxmpp_jid_to_string (demo->accounts[1].jid), NS_VERSION);
  /* 0: the session's default timeout (GXmppSessionConfig:iq-timeout). */
  gxmpp_session_send_iq_async (demo->accounts[0].session, iq, 0, NULL, version_reply, demo);
}

/* Step 3: a message each way. */

static gboolean
on_message (GXmppSession *session,
            GXmppMessage *message,
            gpointer      user_data)
{
  Demo *demo = user_data;
  const char *body = gxmpp_message_get_body (message, NULL);
  GXmppJid *from = gxmpp_stanza_get_from (GXMPP_STANZA (message));
  g_autoptr(GError) error = NULL;

  if (body == NULL || from == NULL)
    return FALSE;   /* not ours: chat states, receipts... */

  say (demo, "%s: message from %s: “%s”",
       gxmpp_jid_to_string (gxmpp_session_get_jid (session)), gxmpp_jid_to_string (from), body);

  if (session == demo->accounts[1].session)
    {
      g_autoptr(GXmppMessage) answer = gxmpp_message_answer (message, NULL);

      gxmpp_message_set_body (answer, NULL, "Hello to you too! Your words reached me.");
      say (demo, "%s: answering in the same thread", gxmpp_jid_to_string (demo->accounts[1].jid));
      if (!gxmpp_session_send (session, GXMPP_STANZA (answer), &error))
        fail (demo, "answering", error);
    }
  else
    {
      ask_version (demo);
    }
  return TRUE;
}

static void
send_first_message (Demo *demo)
{
  g_autoptr(GXmppMessage) message = gxmpp_message_new (GXMPP_MESSAGE_TYPE_CHAT, demo->accounts[1].jid);
  g_autoptr(GError) error = NULL;
  g_autofree char *thread = g_uuid_string_random ();

  gxmpp_message_set_body (message, NULL, "Hello! This is xmpp-glib speaking.");
  gxmpp_message_set_thread (message, thread, NULL);
  say (demo, "%s: sending a chat message to %s",
       gxmpp_jid_to_string (demo->accounts[0].jid), gxmpp_jid_to_string (demo->accounts[1].jid));
  if (!gxmpp_session_send (demo->accounts[0].session, GXMPP_STANZA (message), &error))
    fail (demo, "sending", error);
}

/* Steps 1 and 2: connect both, then announce presence. */

static void
connected (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Account *account = user_data;
  Demo *demo = account->demo;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppPresence) presence = NULL;

  (void) source;
  account->session = gxmpp_session_new_finish (result, &error);
  if (account->session == NULL)
    {
      g_autofree char *what = g_strdup_printf ("connecting as %s", account->address);

      fail (demo, what, error);
      return;
    }

  account->jid = gxmpp_jid_ref (gxmpp_session_get_jid (account->session));
  say (demo, "%s: connected (%s, SASL %s)", gxmpp_jid_to_string (account->jid),
       tls_version (account->session), gxmpp_session_get_mechanism (account->session));

  g_signal_connect (account->session, "message", G_CALLBACK (on_message), demo);
  g_signal_connect (account->session, "closed", G_CALLBACK (on_closed), demo);
  if (account == &demo->accounts[1])
    {
      if (gxmpp_session_add_iq_handler (account->session, GXMPP_IQ_TYPE_GET, NS_VERSION,
                                        answer_version, demo, NULL, &error) == 0)
        {
          fail (demo, "adding the IQ handler", error);
          return;
        }
    }

  presence = gxmpp_presence_new (GXMPP_PRESENCE_TYPE_AVAILABLE, NULL);
  if (!gxmpp_session_send (account->session, GXMPP_STANZA (presence), &error))
    {
      fail (demo, "sending presence", error);
      return;
    }
  say (demo, "%s: sent available presence", gxmpp_jid_to_string (account->jid));

  if (++demo->n_connected == 2)
    send_first_message (demo);
}

static gboolean
timed_out (gpointer user_data)
{
  Demo *demo = user_data;

  fprintf (stderr, "chat: nothing happened for %d seconds, giving up\n", TIMEOUT_SECONDS);
  demo->status = EXIT_FAILURE;
  g_main_loop_quit (demo->loop);
  return G_SOURCE_REMOVE;
}

int
main (int    argc,
      char **argv)
{
  static char *opt_server = NULL, *opt_ca_file = NULL;
  static const GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_STRING, &opt_server, "Connect to HOST:PORT instead of looking up SRV records", "HOST:PORT" },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_ca_file, "Trust only the CAs in FILE", "FILE" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) options = g_option_context_new ("JID1 JID2");
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppStreamConfig) stream_config = gxmpp_stream_config_new ();
  Demo demo = { 0 };
  guint timeout_id;

  g_option_context_add_main_entries (options, entries, NULL);
  g_option_context_set_summary (options,
                                "Connects two accounts and has them exchange a message each way and an IQ.\n"
                                "The passwords come from CHAT_PASSWORD_1 and CHAT_PASSWORD_2.");
  if (!g_option_context_parse (options, &argc, &argv, &error) || argc != 3)
    {
      fprintf (stderr, "chat: %s\n", error ? error->message : "give two JIDs (see --help)");
      return 2;
    }

  demo.accounts[0] = (Account) { &demo, argv[1], g_getenv ("CHAT_PASSWORD_1"), NULL, NULL };
  demo.accounts[1] = (Account) { &demo, argv[2], g_getenv ("CHAT_PASSWORD_2"), NULL, NULL };
  if (demo.accounts[0].password == NULL || demo.accounts[1].password == NULL)
    {
      fprintf (stderr, "chat: set CHAT_PASSWORD_1 and CHAT_PASSWORD_2\n");
      return 2;
    }

  if (opt_server != NULL)
    {
      g_autoptr(GSocketConnectable) address = g_network_address_parse (opt_server, 5222, &error);

      if (address == NULL)
        {
          fprintf (stderr, "chat: --server: %s\n", error->message);
          return 2;
        }
      gxmpp_stream_config_set_server_address (stream_config, address);
    }
  if (opt_ca_file != NULL)
    {
      g_autoptr(GTlsDatabase) database = g_tls_file_database_new (opt_ca_file, &error);

      if (database == NULL)
        {
          fprintf (stderr, "chat: --ca-file: %s\n", error->message);
          return 2;
        }
      gxmpp_stream_config_set_tls_database (stream_config, database);
    }
  demo.config = gxmpp_session_config_new ();
  gxmpp_session_config_set_stream_config (demo.config, stream_config);

  demo.loop = g_main_loop_new (NULL, FALSE);
  demo.timer = g_timer_new ();
  demo.status = EXIT_SUCCESS;

  for (guint i = 0; i < 2; i++)
    {
      Account *account = &demo.accounts[i];
      g_autoptr(GXmppJid) jid = gxmpp_jid_new (account->address, &error);
      g_autoptr(GXmppAuth) auth = NULL;

      if (jid == NULL || gxmpp_jid_get_local (jid) == NULL)
        {
          fprintf (stderr, "chat: %s: %s\n", account->address,
                   error ? error->message : "an account JID needs a local part");
          return 2;
        }
      auth = gxmpp_auth_new_password (gxmpp_jid_get_local (jid), account->password);
      if (gxmpp_jid_get_resource (jid) != NULL)
        gxmpp_auth_set_resource (auth, gxmpp_jid_get_resource (jid));

      say (&demo, "%s: connecting", account->address);
      gxmpp_session_new_async (gxmpp_jid_get_domain (jid), demo.config, auth, NULL,
                               connected, account);
    }

  timeout_id = g_timeout_add_seconds (TIMEOUT_SECONDS, timed_out, &demo);
  g_main_loop_run (demo.loop);
  g_source_remove (timeout_id);

  if (demo.status == EXIT_SUCCESS)
    say (&demo, "done: a message each way and an IQ answered by an application handler");

  for (guint i = 0; i < 2; i++)
    {
      g_clear_object (&demo.accounts[i].session);
      g_clear_pointer (&demo.accounts[i].jid, gxmpp_jid_unref);
    }
  g_object_unref (demo.config);
  g_main_loop_unref (demo.loop);
  g_timer_destroy (demo.timer);
  return demo.status;
}
