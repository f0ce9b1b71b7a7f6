/* gxmpp.c: the xmpp-glib command-line tool
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include <xmpp-glib/xmpp-glib.h>

/* Exit codes scripts can rely on. */
enum {
  EXIT_OK = 0,
  EXIT_USAGE = 1,
  EXIT_CONNECT = 2,       /* no connection, TLS, stream errors */
  EXIT_AUTH = 3,          /* authentication failed */
  EXIT_REMOTE = 4,        /* the peer answered with an error */
  EXIT_TIMEOUT = 5,       /* no answer in time */
};

static char *opt_server;
static char *opt_ca_file;
static char *opt_resource;
static char *opt_tls = NULL;
static int opt_timeout = 30;
static gboolean opt_verbose;

static const GOptionEntry entries[] = {
  { "server", 's', 0, G_OPTION_ARG_STRING, &opt_server,
    N_("Connect to HOST[:PORT] instead of looking the domain up"), N_("HOST[:PORT]") },
  { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_ca_file,
    N_("Trust the certificate authorities in FILE (PEM) instead of the system’s"), N_("FILE") },
  { "resource", 'r', 0, G_OPTION_ARG_STRING, &opt_resource,
    N_("Bind this resource (default: the server chooses)"), N_("RESOURCE") },
  { "tls", 0, 0, G_OPTION_ARG_STRING, &opt_tls,
    N_("TLS policy: require (default), direct, prefer or refuse"), N_("POLICY") },
  { "timeout", 't', 0, G_OPTION_ARG_INT, &opt_timeout,
    N_("Seconds to wait for the server and for replies (default 30)"), N_("SECONDS") },
  { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose,
    N_("Show the XML traffic (passwords and SASL data are hidden)"), NULL },
  { NULL }
};

typedef struct _Tool Tool;
typedef gboolean (* CommandFunc) (Tool *tool, GError **error);

struct _Tool {
  GMainLoop *loop;
  GXmppSession *session;
  CommandFunc command;
  int status;
  char **args;
  guint n_args;
  gboolean closed;
  gint64 ping_start;
};

static int
exit_code_for (const GError *error)
{
  if (error->domain == GXMPP_AUTH_ERROR)
    return EXIT_AUTH;
  if (error->domain == GXMPP_STANZA_ERROR)
    return EXIT_REMOTE;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return EXIT_TIMEOUT;
  return EXIT_CONNECT;
}

static void
fail (Tool         *tool,
      const GError *error)
{
  g_printerr ("gxmpp: %s\n", error->message);
  tool->status = exit_code_for (error);
  g_main_loop_quit (tool->loop);
}

/* The password: XMPP_PASSWORD, or asked on the terminal without echo. */
static char *
read_password (const char *jid)
{
  const char *env = g_getenv ("XMPP_PASSWORD");
  struct termios old, quiet;
  gboolean terminal = isatty (STDIN_FILENO);
  char line[1024];
  char *password = NULL;

  if (env != NULL)
    return g_strdup (env);

  if (terminal)
    {
      g_printerr (_("Password for %s: "), jid);
      tcgetattr (STDIN_FILENO, &old);
      quiet = old;
      quiet.c_lflag &= ~ECHO;
      tcsetattr (STDIN_FILENO, TCSANOW, &quiet);
    }
  if (fgets (line, sizeof line, stdin) != NULL)
    {
      line[strcspn (line, "\r\n")] = '\0';
      password = g_strdup (line);
    }
  if (terminal)
    {
      tcsetattr (STDIN_FILENO, TCSANOW, &old);
      g_printerr ("\n");
    }
  memset (line, 0, sizeof line);
  return password;
}

static gboolean
parse_server (const char          *text,
              GSocketConnectable **address,
              GError             **error)
{
  *address = g_network_address_parse (text, 5222, error);
  return *address != NULL;
}

static GXmppSessionConfig *
make_config (GError **error)
{
  g_autoptr(GXmppSessionConfig) config = gxmpp_session_config_new ();
  GXmppStreamConfig *stream = gxmpp_session_config_get_stream_config (config);

  if (opt_server != NULL)
    {
      g_autoptr(GSocketConnectable) address = NULL;

      if (!parse_server (opt_server, &address, error))
        return NULL;
      gxmpp_stream_config_set_server_address (stream, address);
    }

  if (opt_ca_file != NULL)
    {
      g_autoptr(GTlsDatabase) database = g_tls_file_database_new (opt_ca_file, error);

      if (database == NULL)
        return NULL;
      gxmpp_stream_config_set_tls_database (stream, database);
    }

  if (opt_tls != NULL)
    {
      GXmppTlsPolicy policy;

      if (g_str_equal (opt_tls, "require"))
        policy = GXMPP_TLS_POLICY_REQUIRE;
      else if (g_str_equal (opt_tls, "direct"))
        policy = GXMPP_TLS_POLICY_DIRECT;
      else if (g_str_equal (opt_tls, "prefer"))
        policy = GXMPP_TLS_POLICY_PREFER;
      else if (g_str_equal (opt_tls, "refuse"))
        policy = GXMPP_TLS_POLICY_REFUSE;
      else
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("Unknown TLS policy “%s”"), opt_tls);
          return NULL;
        }
      gxmpp_stream_config_set_tls_policy (stream, policy);
    }

  gxmpp_stream_config_set_connect_timeout (stream, (guint) opt_timeout * 1000);
  gxmpp_session_config_set_iq_timeout (config, (guint) opt_timeout * 1000);
  return g_steal_pointer (&config);
}

/* Commands, each run once the session is ready */

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Tool *tool = user_data;
  g_autoptr(GError) error = NULL;

  if (!gxmpp_session_send_finish (GXMPP_SESSION (source), result, &error))
    {
      fail (tool, error);
      return;
    }
  g_main_loop_quit (tool->loop);
}

static gboolean
command_send (Tool    *tool,
              GError **error)
{
  g_autoptr(GXmppJid) to = NULL;
  g_autoptr(GXmppMessage) message = NULL;
  g_autofree char *text = NULL;

  if (tool->n_args != 2)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, _("Usage: gxmpp send JID TEXT"));
      return FALSE;
    }

  to = gxmpp_jid_new (tool->args[0], error);
  if (to == NULL)
    return FALSE;

  message = gxmpp_message_new (GXMPP_MESSAGE_TYPE_CHAT, to);
  gxmpp_message_set_body (message, NULL, tool->args[1]);
  gxmpp_session_send_async (tool->session, GXMPP_STANZA (message), NULL, on_sent, tool);
  return TRUE;
}

static gboolean
on_message (GXmppSession *session,
            GXmppMessage *message,
            gpointer      user_data)
{
  GXmppJid *from = gxmpp_stanza_get_from (GXMPP_STANZA (message));
  const char *body = gxmpp_message_get_body (message, NULL);

  if (body != NULL)
    g_print ("%s: %s\n", from != NULL ? gxmpp_jid_to_string (from) : "(server)", body);
  return TRUE;
}

static void
on_closed (GXmppSession *session,
           const GError *reason,
           gpointer      user_data)
{
  Tool *tool = user_data;

  if (reason != NULL)
    fail (tool, reason);
  else
    g_main_loop_quit (tool->loop);
}

static void
on_close_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  gxmpp_session_close_finish (GXMPP_SESSION (source), result, NULL);
}

static gboolean
on_interrupt (gpointer user_data)
{
  Tool *tool = user_data;

  gxmpp_session_close_async (tool->session, NULL, on_close_done, tool);
  return G_SOURCE_REMOVE;
}

static gboolean
command_listen (Tool    *tool,
                GError **error)
{
  g_autoptr(GXmppPresence) presence = gxmpp_presence_new (GXMPP_PRESENCE_TYPE_AVAILABLE, NULL);

  if (tool->n_args != 0)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, _("Usage: gxmpp listen"));
      return FALSE;
    }

  g_signal_connect (tool->session, "message", G_CALLBACK (on_message), tool);
  g_unix_signal_add (SIGINT, on_interrupt, tool);
  g_unix_signal_add (SIGTERM, on_interrupt, tool);
  if (!gxmpp_session_send (tool->session, GXMPP_STANZA (presence), error))
    return FALSE;
  g_printerr (_("Listening as %s; Ctrl+C stops.\n"), gxmpp_jid_to_string (gxmpp_session_get_jid (tool->session)));
  return TRUE;
}

static void
on_ping_reply (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Tool *tool = user_data;
  g_autoptr(GXmppIq) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = gxmpp_session_send_iq_finish (GXMPP_SESSION (source), result, &error);
  if (reply == NULL)
    {
      fail (tool, error);
      return;
    }
  g_print (_("pong in %.1f ms\n"), (g_get_monotonic_time () - tool->ping_start) / 1000.0);
  g_main_loop_quit (tool->loop);
}

static gboolean
command_ping (Tool    *tool,
              GError **error)
{
  g_autoptr(GXmppJid) to = NULL;
  g_autoptr(GXmppNode) ping = gxmpp_node_new ("ping", "urn:xmpp:ping");
  g_autoptr(GXmppIq) iq = NULL;

  if (tool->n_args > 1)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, _("Usage: gxmpp ping [JID]"));
      return FALSE;
    }
  if (tool->n_args == 1 && (to = gxmpp_jid_new (tool->args[0], error)) == NULL)
    return FALSE;

  iq = gxmpp_iq_new (GXMPP_IQ_TYPE_GET, to, ping);
  tool->ping_start = g_get_monotonic_time ();
  gxmpp_session_send_iq_async (tool->session, iq, 0, NULL, on_ping_reply, tool);
  return TRUE;
}

static void
on_iq_reply (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Tool *tool = user_data;
  g_autoptr(GXmppIq) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;

  reply = gxmpp_session_send_iq_finish_reply (GXMPP_SESSION (source), result, &error);
  if (reply == NULL)
    {
      fail (tool, error);
      return;
    }
  xml = gxmpp_stanza_to_string (GXMPP_STANZA (reply), NULL);
  g_print ("%s\n", xml);
  tool->status = gxmpp_stanza_is_error (GXMPP_STANZA (reply)) ? EXIT_REMOTE : EXIT_OK;
  g_main_loop_quit (tool->loop);
}

static gboolean
command_iq (Tool    *tool,
            GError **error)
{
  g_autoptr(GXmppNode) node = NULL;
  g_autoptr(GXmppStanza) stanza = NULL;
  g_autoptr(GError) parse_error = NULL;

  if (tool->n_args != 1)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                           _("Usage: gxmpp iq '<iq type=\"get\"><query xmlns=\"…\"/></iq>'"));
      return FALSE;
    }

  /* A mistake in the argument is a usage error (exit status 1). */
  node = gxmpp_node_new_from_string (tool->args[0], -1, GXMPP_NS_CLIENT, &parse_error);
  if (node != NULL && gxmpp_node_get_attribute (node, "id") == NULL)
    {
      g_autofree char *id = gxmpp_session_config_make_stanza_id (gxmpp_session_get_config (tool->session));

      gxmpp_node_set_attribute (node, "id", id);
    }
  if (node != NULL)
    stanza = gxmpp_stanza_new_from_node (node, &parse_error);
  if (stanza == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("The IQ is not valid: %s"), parse_error->message);
      return FALSE;
    }
  if (!GXMPP_IS_IQ (stanza) || !gxmpp_iq_is_request (GXMPP_IQ (stanza)))
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, _("Give an IQ get or set"));
      return FALSE;
    }
  gxmpp_session_send_iq_async (tool->session, GXMPP_IQ (stanza), 0, NULL, on_iq_reply, tool);
  return TRUE;
}

static const struct {
  const char *name;
  CommandFunc func;
  const char *help;
} commands[] = {
  { "send", command_send, N_("send JID TEXT       send a chat message") },
  { "listen", command_listen, N_("listen              print incoming messages until interrupted") },
  { "ping", command_ping, N_("ping [JID]          ping the server or an entity (XEP-0199)") },
  { "iq", command_iq, N_("iq XML              send an IQ request and print the reply") },
};

static void
on_session (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Tool *tool = user_data;
  g_autoptr(GError) error = NULL;

  tool->session = gxmpp_session_new_finish (result, &error);
  if (tool->session == NULL)
    {
      fail (tool, error);
      return;
    }
  g_signal_connect (tool->session, "closed", G_CALLBACK (on_closed), tool);

  if (!tool->command (tool, &error))
    {
      g_printerr ("gxmpp: %s\n", error->message);
      tool->status = error->domain == G_OPTION_ERROR ? EXIT_USAGE : exit_code_for (error);
      g_main_loop_quit (tool->loop);
    }
}

static void
on_final_close (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Tool *tool = user_data;

  gxmpp_session_close_finish (GXMPP_SESSION (source), result, NULL);
  tool->closed = TRUE;
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppJid) jid = NULL;
  g_autoptr(GXmppSessionConfig) config = NULL;
  g_autoptr(GXmppAuth) auth = NULL;
  g_autoptr(GString) summary = g_string_new (NULL);
  g_autofree char *password = NULL;
  const char *jid_text;
  CommandFunc func = NULL;
  Tool tool = { 0 };
  guint i;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, GXMPP_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

  g_string_append (summary, _("Commands:"));
  for (i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (summary, "\n  %s", _(commands[i].help));
  g_string_append (summary, _("\n\nThe account is XMPP_JID, its password XMPP_PASSWORD (or asked for).\n"
                              "Exit status: 0 done, 1 usage, 2 connection, 3 authentication,\n"
                              "4 error reply, 5 timeout."));

  context = g_option_context_new (_("COMMAND [ARGUMENTS…]"));
  g_option_context_set_summary (context, _("Talk XMPP from the command line."));
  g_option_context_set_description (context, summary->str);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("gxmpp: %s\n", error->message);
      return EXIT_USAGE;
    }

  if (argc < 2)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

      g_printerr ("%s", help);
      return EXIT_USAGE;
    }

  for (i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      func = commands[i].func;
  if (func == NULL)
    {
      g_printerr (_("gxmpp: unknown command “%s”\n"), argv[1]);
      return EXIT_USAGE;
    }

  if (opt_verbose)
    g_setenv ("G_MESSAGES_DEBUG", "GXmpp", TRUE);

  jid_text = g_getenv ("XMPP_JID");
  if (jid_text == NULL)
    {
      g_printerr (_("gxmpp: set XMPP_JID to the account’s address\n"));
      return EXIT_USAGE;
    }
  jid = gxmpp_jid_new (jid_text, &error);
  if (jid == NULL || gxmpp_jid_get_local (jid) == NULL)
    {
      g_printerr (_("gxmpp: XMPP_JID is not an account address: %s\n"),
                  error != NULL ? error->message : jid_text);
      return EXIT_USAGE;
    }

  config = make_config (&error);
  if (config == NULL)
    {
      g_printerr ("gxmpp: %s\n", error->message);
      return EXIT_USAGE;
    }

  password = read_password (gxmpp_jid_to_string (jid));
  if (password == NULL)
    {
      g_printerr (_("gxmpp: no password\n"));
      return EXIT_USAGE;
    }
  auth = gxmpp_auth_new_password (gxmpp_jid_get_local (jid), password);
  memset (password, 0, strlen (password));
  if (opt_resource != NULL)
    gxmpp_auth_set_resource (auth, opt_resource);
  else if (gxmpp_jid_get_resource (jid) != NULL)
    gxmpp_auth_set_resource (auth, gxmpp_jid_get_resource (jid));

  tool.loop = g_main_loop_new (NULL, FALSE);
  tool.args = argv + 2;
  tool.n_args = argc - 2;
  tool.command = func;
  gxmpp_session_new_async (gxmpp_jid_get_domain (jid), config, auth, NULL, on_session, &tool);
  g_main_loop_run (tool.loop);

  if (tool.session != NULL)
    {
      /* Leave politely: close, and wait for it (the session bounds the
       * wait for the server's closing tag). */
      if (gxmpp_session_get_state (tool.session) == GXMPP_SESSION_STATE_READY)
        {
          g_signal_handlers_disconnect_by_data (tool.session, &tool);
          gxmpp_session_close_async (tool.session, NULL, on_final_close, &tool);
          while (!tool.closed)
            g_main_context_iteration (NULL, TRUE);
        }
      g_object_unref (tool.session);
    }
  g_main_loop_unref (tool.loop);
  return tool.status;
}
