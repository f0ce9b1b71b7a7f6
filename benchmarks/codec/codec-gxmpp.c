/* codec-gxmpp.c: xmpp-glib's side of figures 1 and 2 (benchmarks/codec)
 *
 *   codec-gxmpp in PORT COUNT LAST_BODY_FILE
 *   codec-gxmpp out PORT COUNT
 *
 * Connects to replay-server.py on 127.0.0.1:PORT in plaintext
 * (GXMPP_TLS_POLICY_REFUSE, SASL ANONYMOUS), with a quiet session: no
 * stream management, no keep-alive, no ping, no reconnection.
 *
 * in:  a handler for chat messages counts the ones with a body and keeps
 *      the last body; when the server closes the stream, the count must be
 *      COUNT and the last body the text of LAST_BODY_FILE.
 * out: builds COUNT chat messages (to, type, id, a body of about 200
 *      bytes), sends them with gxmpp_session_send() (the last with
 *      gxmpp_session_send_async(), to wait until all is written), then
 *      closes the stream; replay-server.py counts what arrived.
 *
 * Exits non-zero if the work was not done. benchmarks/codec/figures.py
 * runs it under callgrind with COUNT messages and with none.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xmpp-glib/xmpp-glib.h>

#include "codec-common.h"

typedef struct {
  GMainLoop *loop;
  GXmppSession *session;
  gboolean inbound;
  guint count;
  guint received;
  char *last_body;
  int status;
} Bench;

static void
fail (Bench      *bench,
      const char *what,
      GError     *error)
{
  fprintf (stderr, "codec-gxmpp: %s: %s\n", what, error != NULL ? error->message : "failed");
  bench->status = EXIT_FAILURE;
  g_main_loop_quit (bench->loop);
}

static gboolean
on_chat_message (GXmppSession *session,
                 GXmppStanza  *stanza,
                 gpointer      user_data)
{
  Bench *bench = user_data;
  const char *body = gxmpp_message_get_body (GXMPP_MESSAGE (stanza), NULL);

  if (body == NULL)
    return FALSE;
  bench->received++;
  if (bench->received == bench->count)
    {
      g_free (bench->last_body);
      bench->last_body = g_strdup (body);
    }
  return TRUE;
}

static void
on_closed (GXmppSession *session,
           GError       *reason,
           gpointer      user_data)
{
  Bench *bench = user_data;

  g_main_loop_quit (bench->loop);
}

static void
close_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Bench *bench = user_data;
  g_autoptr(GError) error = NULL;

  if (!gxmpp_session_close_finish (GXMPP_SESSION (source), result, &error))
    fail (bench, "closing", error);
  else
    g_main_loop_quit (bench->loop);
}

static void
last_sent (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Bench *bench = user_data;
  g_autoptr(GError) error = NULL;

  if (!gxmpp_session_send_finish (GXMPP_SESSION (source), result, &error))
    {
      fail (bench, "sending", error);
      return;
    }
  gxmpp_session_close_async (bench->session, NULL, close_done, bench);
}

static void
send_all (Bench *bench)
{
  g_autoptr(GXmppJid) to = gxmpp_jid_new (CODEC_TO, NULL);
  char id[32];

  g_assert (to != NULL);
  for (guint i = 0; i < bench->count; i++)
    {
      g_autoptr(GXmppMessage) message = gxmpp_message_new (GXMPP_MESSAGE_TYPE_CHAT, to);
      g_autoptr(GError) error = NULL;

      snprintf (id, sizeof id, CODEC_ID_FORMAT, i);
      gxmpp_stanza_set_id (GXMPP_STANZA (message), id);
      gxmpp_message_set_body (message, NULL, CODEC_BODY);
      if (i + 1 < bench->count)
        {
          if (!gxmpp_session_send (bench->session, GXMPP_STANZA (message), &error))
            {
              fail (bench, "sending", error);
              return;
            }
        }
      else
        {
          gxmpp_session_send_async (bench->session, GXMPP_STANZA (message), NULL, last_sent, bench);
          return;
        }
    }
  gxmpp_session_close_async (bench->session, NULL, close_done, bench);
}

static void
connected (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Bench *bench = user_data;
  g_autoptr(GError) error = NULL;

  bench->session = gxmpp_session_new_finish (result, &error);
  if (bench->session == NULL)
    {
      fail (bench, "connecting", error);
      return;
    }
  g_signal_connect (bench->session, "closed", G_CALLBACK (on_closed), bench);

  if (bench->inbound)
    {
      g_autoptr(GXmppStanzaMatch) match = gxmpp_stanza_match_new ();

      gxmpp_stanza_match_set_kind (match, GXMPP_STANZA_KIND_MESSAGE);
      gxmpp_stanza_match_set_type (match, "chat");
      gxmpp_session_add_handler (bench->session, match, 0, on_chat_message, bench, NULL);
    }
  else
    send_all (bench);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GXmppSessionConfig) config = NULL;
  g_autoptr(GXmppStreamConfig) stream_config = NULL;
  g_autoptr(GSocketConnectable) address = NULL;
  g_autoptr(GXmppAuth) auth = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GError) error = NULL;
  Bench bench = { 0 };
  guint port;

  if (argc < 4 || (strcmp (argv[1], "in") != 0 && strcmp (argv[1], "out") != 0) ||
      (strcmp (argv[1], "in") == 0) != (argc == 5))
    {
      fprintf (stderr, "usage: codec-gxmpp in PORT COUNT LAST_BODY_FILE | out PORT COUNT\n");
      return 2;
    }
  bench.inbound = strcmp (argv[1], "in") == 0;
  port = (guint) strtoul (argv[2], NULL, 10);
  bench.count = (guint) strtoul (argv[3], NULL, 10);
  if (bench.inbound && !g_file_get_contents (argv[4], &expected, NULL, &error))
    {
      fprintf (stderr, "codec-gxmpp: %s\n", error->message);
      return 2;
    }

  stream_config = gxmpp_stream_config_new ();
  address = g_network_address_new ("127.0.0.1", (guint16) port);
  gxmpp_stream_config_set_server_address (stream_config, address);
  gxmpp_stream_config_set_tls_policy (stream_config, GXMPP_TLS_POLICY_REFUSE);
  /* callgrind is slow */
  gxmpp_stream_config_set_connect_timeout (stream_config, 600000);

  config = gxmpp_session_config_new ();
  gxmpp_session_config_set_stream_config (config, stream_config);
  gxmpp_session_config_set_stream_management (config, FALSE);
  gxmpp_session_config_set_keepalive_interval (config, 0);
  gxmpp_session_config_set_ping_interval (config, 0);
  gxmpp_session_config_set_reconnect (config, NULL);

  auth = gxmpp_auth_new_anonymous ();

  bench.loop = g_main_loop_new (NULL, FALSE);
  bench.status = EXIT_SUCCESS;
  gxmpp_session_new_async ("localhost", config, auth, NULL, connected, &bench);
  g_main_loop_run (bench.loop);

  if (bench.status == EXIT_SUCCESS && bench.inbound)
    {
      if (bench.received != bench.count)
        {
          fprintf (stderr, "codec-gxmpp: received %u chat messages, expected %u\n",
                   bench.received, bench.count);
          bench.status = EXIT_FAILURE;
        }
      else if (bench.count > 0 && g_strcmp0 (bench.last_body, expected) != 0)
        {
          fprintf (stderr, "codec-gxmpp: the last body is “%s”, expected “%s”\n",
                   bench.last_body, expected);
          bench.status = EXIT_FAILURE;
        }
    }
  if (bench.status == EXIT_SUCCESS)
    printf ("RESULT library=xmpp-glib mode=%s messages=%u\n", argv[1],
            bench.inbound ? bench.received : bench.count);

  g_clear_object (&bench.session);
  g_main_loop_unref (bench.loop);
  g_free (bench.last_body);
  return bench.status;
}
