/* codec-strophe.c: libstrophe's side of figures 1 and 2 (benchmarks/codec)
 *
 *   codec-strophe in PORT COUNT LAST_BODY_FILE
 *   codec-strophe out PORT COUNT
 *
 * The same work as codec-gxmpp.c through libstrophe's public API:
 * connects to replay-server.py on 127.0.0.1:PORT in plaintext
 * (XMPP_CONN_FLAG_DISABLE_TLS; the JID is the bare domain, so libstrophe
 * authenticates with SASL ANONYMOUS), with libstrophe's default quiet
 * context (no logger).
 *
 * in:  a handler for chat messages (xmpp_handler_add(), added before
 *      connecting) counts the ones with a body and keeps the last body;
 *      when the server closes the stream, the count must be COUNT and the
 *      last body the text of LAST_BODY_FILE.
 * out: builds COUNT chat messages (xmpp_message_new(),
 *      xmpp_message_set_body()), sends them with xmpp_send(), waits until
 *      libstrophe's send queue is empty, then disconnects cleanly;
 *      replay-server.py counts what arrived.
 *
 * Exits non-zero if the work was not done.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strophe.h>

#include "codec-common.h"

typedef struct {
  xmpp_ctx_t *ctx;
  int inbound;
  unsigned count;
  unsigned received;
  char *last_body;              /* xmpp_free() */
  int connected;
  int sent_all;
  int disconnecting;
  int done;
  int status;
} Bench;

static int
on_chat_message (xmpp_conn_t   *conn,
                 xmpp_stanza_t *stanza,
                 void          *userdata)
{
  Bench *bench = userdata;
  char *body = xmpp_message_get_body (stanza);

  (void) conn;
  if (body == NULL)
    return 1;
  bench->received++;
  if (bench->last_body != NULL)
    xmpp_free (bench->ctx, bench->last_body);
  bench->last_body = body;
  return 1;
}

static void
send_all (Bench       *bench,
          xmpp_conn_t *conn)
{
  char id[32];

  for (unsigned i = 0; i < bench->count; i++)
    {
      xmpp_stanza_t *message;

      snprintf (id, sizeof id, CODEC_ID_FORMAT, i);
      message = xmpp_message_new (bench->ctx, "chat", CODEC_TO, id);
      if (message == NULL || xmpp_message_set_body (message, CODEC_BODY) != XMPP_EOK)
        {
          fprintf (stderr, "codec-strophe: building message %u failed\n", i);
          bench->status = EXIT_FAILURE;
          bench->done = 1;
          return;
        }
      xmpp_send (conn, message);
      xmpp_stanza_release (message);
    }
  bench->sent_all = 1;
}

static void
on_connection (xmpp_conn_t        *conn,
               xmpp_conn_event_t   status,
               int                 error,
               xmpp_stream_error_t *stream_error,
               void               *userdata)
{
  Bench *bench = userdata;

  (void) stream_error;
  if (status == XMPP_CONN_CONNECT)
    {
      bench->connected = 1;
      if (!bench->inbound)
        send_all (bench, conn);
      return;
    }
  if (!bench->connected)
    {
      fprintf (stderr, "codec-strophe: connecting failed (event %d, error %d)\n", status, error);
      bench->status = EXIT_FAILURE;
    }
  bench->done = 1;
}

static char *
read_file (const char *path)
{
  FILE *f = fopen (path, "rb");
  char *text;
  long size;

  if (f == NULL || fseek (f, 0, SEEK_END) != 0 || (size = ftell (f)) < 0 || fseek (f, 0, SEEK_SET) != 0)
    {
      perror (path);
      exit (2);
    }
  text = calloc (1, (size_t) size + 1);
  if (text == NULL || fread (text, 1, (size_t) size, f) != (size_t) size)
    {
      perror (path);
      exit (2);
    }
  fclose (f);
  return text;
}

int
main (int    argc,
      char **argv)
{
  Bench bench = { 0 };
  xmpp_conn_t *conn;
  char *expected = NULL;
  unsigned short port;

  if (argc < 4 || (strcmp (argv[1], "in") != 0 && strcmp (argv[1], "out") != 0) ||
      (strcmp (argv[1], "in") == 0) != (argc == 5))
    {
      fprintf (stderr, "usage: codec-strophe in PORT COUNT LAST_BODY_FILE | out PORT COUNT\n");
      return 2;
    }
  bench.inbound = strcmp (argv[1], "in") == 0;
  port = (unsigned short) strtoul (argv[2], NULL, 10);
  bench.count = (unsigned) strtoul (argv[3], NULL, 10);
  if (bench.inbound)
    expected = read_file (argv[4]);

  xmpp_initialize ();
  bench.ctx = xmpp_ctx_new (NULL, NULL);
  conn = xmpp_conn_new (bench.ctx);
  xmpp_conn_set_flags (conn, XMPP_CONN_FLAG_DISABLE_TLS);
  xmpp_conn_set_jid (conn, "localhost");
  if (bench.inbound)
    xmpp_handler_add (conn, on_chat_message, NULL, "message", "chat", &bench);

  if (xmpp_connect_client (conn, "127.0.0.1", port, on_connection, &bench) != XMPP_EOK)
    {
      fprintf (stderr, "codec-strophe: cannot connect to port %u\n", port);
      return 1;
    }

  bench.status = EXIT_SUCCESS;
  while (!bench.done)
    {
      xmpp_run_once (bench.ctx, 100);
      /* Everything handed to the socket: close the stream. */
      if (bench.sent_all && !bench.disconnecting && xmpp_conn_send_queue_len (conn) == 0)
        {
          bench.disconnecting = 1;
          xmpp_disconnect (conn);
        }
    }

  if (bench.status == EXIT_SUCCESS && bench.inbound)
    {
      if (bench.received != bench.count)
        {
          fprintf (stderr, "codec-strophe: received %u chat messages, expected %u\n",
                   bench.received, bench.count);
          bench.status = EXIT_FAILURE;
        }
      else if (bench.count > 0 && (bench.last_body == NULL || strcmp (bench.last_body, expected) != 0))
        {
          fprintf (stderr, "codec-strophe: the last body is “%s”, expected “%s”\n",
                   bench.last_body ? bench.last_body : "(none)", expected);
          bench.status = EXIT_FAILURE;
        }
    }
  if (bench.status == EXIT_SUCCESS)
    printf ("RESULT library=libstrophe mode=%s messages=%u\n", argv[1],
            bench.inbound ? bench.received : bench.count);

  if (bench.last_body != NULL)
    xmpp_free (bench.ctx, bench.last_body);
  xmpp_conn_release (conn);
  xmpp_ctx_free (bench.ctx);
  xmpp_shutdown ();
  free (expected);
  return bench.status;
}
