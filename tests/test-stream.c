/* test-stream.c: GXmppStream's reading over the kinds of connection it meets
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A stream waits for input with a GSource on a pollable connection (a
 * socket, or TLS over one) and reads into a buffer on the stack; on a
 * connection that cannot poll it reads asynchronously into a buffer of its
 * own. Both must deliver the same elements, in order, across reads of any
 * size, and report the end of the connection.
 */

#include "config.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>

#include "gxmpp-node.h"
#include "gxmpp-ns.h"
#include "gxmpp-stream.h"
#include "gxmpp-stream-private.h"

#define HEADER "<?xml version='1.0'?><stream:stream xmlns='jabber:client' " \
               "xmlns:stream='http://etherx.jabber.org/streams' version='1.0' " \
               "from='example.org' id='s1'>"

/* A message with a body of @size bytes. */
static char *
message (guint i,
         gsize size)
{
  g_autofree char *body = g_strnfill (size, 'a' + i % 26);

  return g_strdup_printf ("<message id='m%u'><body>%s</body></message>", i, body);
}

/* Every message of the test, in one string, and their body sizes: small
 * ones and some larger than one read (16 KiB). */
static const gsize sizes[] = { 10, 200, 40000, 3, 16384, 16385, 1 };

static GString *
all_input (void)
{
  GString *input = g_string_new (HEADER);

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *m = message (i, sizes[i]);

      g_string_append (input, m);
    }
  return input;
}

typedef struct {
  GXmppStream *stream;
  GMainLoop *loop;
  guint received;
  GError *end;
} Reader;

static void on_element (GObject *source, GAsyncResult *result, gpointer user_data);

static void
read_next (Reader *r)
{
  gxmpp_stream_read_async (r->stream, NULL, on_element, r);
}

static void
on_element (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Reader *r = user_data;
  g_autoptr(GXmppNode) element = NULL;
  g_autofree char *id = NULL;

  element = gxmpp_stream_read_finish (r->stream, result, &r->end);
  if (element == NULL)
    {
      g_main_loop_quit (r->loop);
      return;
    }

  id = g_strdup_printf ("m%u", r->received);
  g_assert_cmpstr (gxmpp_node_get_name (element), ==, "message");
  g_assert_cmpstr (gxmpp_node_get_attribute (element, "id"), ==, id);
  g_assert_cmpuint (strlen (gxmpp_node_get_text (gxmpp_node_get_child (element, "body", GXMPP_NS_CLIENT))), ==,
                    sizes[r->received]);
  r->received++;
  read_next (r);
}

static void
on_open (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Reader *r = user_data;
  g_autoptr(GXmppNode) header = NULL;
  g_autoptr(GError) error = NULL;

  header = gxmpp_stream_open_finish (r->stream, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (header);
  read_next (r);
}

/* Reads everything from @base, which ends after the last message without
 * closing the stream. */
static void
read_all (GIOStream *base)
{
  Reader r = { 0 };
  guint alive = gxmpp_stream_count_alive ();

  r.stream = gxmpp_stream_new (base, NULL);
  r.loop = g_main_loop_new (NULL, FALSE);
  gxmpp_stream_open_async (r.stream, "example.org", NULL, NULL, NULL, on_open, &r);
  g_main_loop_run (r.loop);

  g_assert_cmpuint (r.received, ==, G_N_ELEMENTS (sizes));
  g_assert_error (r.end, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);

  g_clear_error (&r.end);
  g_main_loop_unref (r.loop);
  g_clear_object (&r.stream);
  g_assert_cmpuint (gxmpp_stream_count_alive (), ==, alive);
}

/* In memory, pollable (GMemoryInputStream): every read has data at once. */
static void
test_pollable_memory (void)
{
  g_autoptr(GString) input = all_input ();
  g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data (g_strdup (input->str), input->len, g_free);
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GIOStream) base = g_simple_io_stream_new (in, out);

  g_assert_true (g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (in)));
  read_all (base);
}

/* In memory, behind a GBufferedInputStream, which cannot poll: the
 * asynchronous read. */
static void
test_not_pollable (void)
{
  g_autoptr(GString) input = all_input ();
  g_autoptr(GInputStream) memory = g_memory_input_stream_new_from_data (g_strdup (input->str), input->len, g_free);
  g_autoptr(GInputStream) in = g_buffered_input_stream_new (memory);
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GIOStream) base = g_simple_io_stream_new (in, out);

  g_assert_false (G_IS_POLLABLE_INPUT_STREAM (in));
  read_all (base);
}

/* Over a socket, written in pieces of odd sizes from another thread: the
 * stream waits for input between them. */
typedef struct {
  int fd;
  GString *input;
} Writer;

static gpointer
write_in_pieces (gpointer user_data)
{
  Writer *w = user_data;
  gsize done = 0, piece = 1;

  while (done < w->input->len)
    {
      gsize n = MIN (piece, w->input->len - done);
      gssize written = write (w->fd, w->input->str + done, n);

      g_assert_cmpint (written, >, 0);
      done += written;
      piece = piece * 7 % 20011 + 1;
      g_usleep (200);
    }
  close (w->fd);
  return NULL;
}

static void
test_pollable_socket (void)
{
  g_autoptr(GString) input = all_input ();
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  GThread *thread;
  Writer w;
  int fds[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
  socket = g_socket_new_from_fd (fds[0], &error);
  g_assert_no_error (error);
  connection = g_socket_connection_factory_create_connection (socket);
  g_assert_true (g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (
    g_io_stream_get_input_stream (G_IO_STREAM (connection)))));

  w.fd = fds[1];
  w.input = input;
  thread = g_thread_new ("writer", write_in_pieces, &w);
  read_all (G_IO_STREAM (connection));
  g_thread_join (thread);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stream/read/pollable-memory", test_pollable_memory);
  g_test_add_func ("/stream/read/not-pollable", test_not_pollable);
  g_test_add_func ("/stream/read/pollable-socket", test_pollable_socket);

  return g_test_run ();
}
