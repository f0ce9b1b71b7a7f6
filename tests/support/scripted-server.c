/* scripted-server.c: an in-process XMPP server that plays a script
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "gxmpp-node-private.h"
#include "gxmpp-xml-reader-private.h"
#include "scripted-server.h"

/* A reference-counted box: each pending operation holds a reference, as
 * glib-networking may complete a cancelled TLS handshake from its thread
 * after scripted_server_free(); a callback that comes after the free
 * touches nothing but the box. */
struct _ScriptedServer
{
  gboolean freed;               /* scripted_server_free() was called */
  GSocketListener *listener;
  guint16 port;
  GCancellable *cancellable;
  GMainContext *context;        /* the thread-default one it was made in */
  char **script;
  guint step;
  gboolean done;
  char *error;
  GPtrArray *received;
  GString *raw;                 /* every byte the client sent, after TLS */

  GIOStream *io;
  GXmppXmlReader *reader;
  GQueue events;                /* EventItem */
  gboolean reading;
  gboolean peer_closed;
  gboolean busy;                /* a TLS handshake is running */
  guint8 buffer[8192];

  char *last_id;
  char *nonce;
  GXmppNode *last_element;      /* what the last "expect" took */
  ScriptedResponder responder;
  gpointer responder_data;
};

typedef struct {
  GXmppXmlEventType type;
  GXmppNode *node;
} EventItem;

static void advance (ScriptedServer *self);
static void server_release (ScriptedServer *self);

static char *
data_path (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "certs", name, NULL);

  /* GTlsFileDatabase wants an absolute path. */
  return g_canonicalize_filename (path, NULL);
}

GTlsDatabase *
scripted_server_get_ca (void)
{
  static GTlsDatabase *database;

  if (database == NULL)
    {
      g_autofree char *path = data_path ("ca.pem");
      g_autoptr(GError) error = NULL;

      database = g_tls_file_database_new (path, &error);
      g_assert_no_error (error);
    }
  return database;
}

static void
stop (ScriptedServer *self,
      const char     *format,
      ...) G_GNUC_PRINTF (2, 3);

static void
stop (ScriptedServer *self,
      const char     *format,
      ...)
{
  va_list args;

  if (self->error == NULL)
    {
      va_start (args, format);
      self->error = g_strdup_vprintf (format, args);
      va_end (args);
      g_debug ("scripted server: %s", self->error);
    }
  self->done = TRUE;
  if (self->io != NULL)
    g_io_stream_close (self->io, NULL, NULL);
}

static char *
substitute (ScriptedServer *self,
            const char     *text)
{
  GString *out = g_string_new (NULL);
  const char *p = text;

  while (*p != '\0')
    {
      if (g_str_has_prefix (p, "{id}"))
        {
          g_string_append (out, self->last_id != NULL ? self->last_id : "");
          p += 4;
        }
      else if (g_str_has_prefix (p, "{nonce}"))
        {
          g_string_append (out, self->nonce != NULL ? self->nonce : "");
          p += 7;
        }
      else if (g_str_has_prefix (p, "{b64:"))
        {
          const char *end = p + 5;
          guint depth = 1;
          g_autofree char *inner = NULL;
          g_autofree char *expanded = NULL;
          g_autofree char *encoded = NULL;

          /* The matching brace: TEXT may hold substitutions of its own. */
          for (; *end != '\0'; end++)
            if (*end == '{')
              depth++;
            else if (*end == '}' && --depth == 0)
              break;
          g_assert (*end == '}');
          inner = g_strndup (p + 5, end - p - 5);
          expanded = substitute (self, inner);
          encoded = g_base64_encode ((const guchar *) expanded, strlen (expanded));
          g_string_append (out, encoded);
          p = end + 1;
        }
      else
        g_string_append_c (out, *p++);
    }
  return g_string_free (out, FALSE);
}

static void
send_text (ScriptedServer *self,
           const char     *text)
{
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all (g_io_stream_get_output_stream (self->io), text, strlen (text),
                                  NULL, NULL, &error))
    stop (self, "could not send: %s", error->message);
}

/* The SCRAM client nonce of a client-first message "gs2,,n=user,r=NONCE". */
static void
remember_nonce (ScriptedServer *self,
                GXmppNode      *auth)
{
  g_autofree guchar *decoded = NULL;
  g_autofree char *text = NULL;
  gsize len;
  const char *r;

  decoded = g_base64_decode (gxmpp_node_get_text (auth), &len);
  text = g_strndup ((const char *) decoded, len);
  r = strstr (text, ",r=");
  if (r == NULL)
    return;
  g_free (self->nonce);
  self->nonce = g_strdup (r + 3);
  if (strchr (self->nonce, ',') != NULL)
    *strchr (self->nonce, ',') = '\0';
}

static void on_read (GObject *source, GAsyncResult *result, gpointer user_data);

static void
ensure_reading (ScriptedServer *self)
{
  if (self->reading || self->peer_closed || self->done || self->busy)
    return;
  self->reading = TRUE;
  g_input_stream_read_async (g_io_stream_get_input_stream (self->io), self->buffer, sizeof self->buffer,
                             G_PRIORITY_DEFAULT, self->cancellable, on_read, g_rc_box_acquire (self));
}

static void
handle_read (ScriptedServer *self,
             GObject        *source,
             GAsyncResult   *result)
{
  g_autoptr(GError) error = NULL;
  GXmppXmlEventType type;
  GXmppNode *node;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->reading = FALSE;

  if (n > 0)
    g_string_append_len (self->raw, (const char *) self->buffer, n);
  if (n <= 0)
    self->peer_closed = TRUE;
  else if (!gxmpp_xml_reader_feed (self->reader, (const char *) self->buffer, n, &error))
    {
      stop (self, "the client sent bad XML: %s", error->message);
      return;
    }

  while ((type = gxmpp_xml_reader_pop (self->reader, &node)) != GXMPP_XML_EVENT_NONE)
    {
      EventItem *item = g_new (EventItem, 1);

      item->type = type;
      item->node = node;
      if (type == GXMPP_XML_EVENT_ELEMENT)
        g_ptr_array_add (self->received, gxmpp_node_to_string (node, NULL));
      g_queue_push_tail (&self->events, item);
    }

  advance (self);
}

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  ScriptedServer *self = user_data;

  if (self->freed)
    g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);
  else
    handle_read (self, source, result);
  server_release (self);
}

static void
on_handshake (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ScriptedServer *self = user_data;
  g_autoptr(GError) error = NULL;

  if (self->freed)
    {
      g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, NULL);
      server_release (self);
      return;
    }

  self->busy = FALSE;
  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        stop (self, "TLS handshake failed: %s", error->message);
    }
  else
    {
      g_set_object (&self->io, G_IO_STREAM (source));
      gxmpp_xml_reader_reset (self->reader);
      self->step++;
      advance (self);
    }
  server_release (self);
}

static void
start_tls (ScriptedServer *self,
           const char     *cert_name)
{
  g_autofree char *pem_name = g_strconcat (cert_name, ".pem", NULL);
  g_autofree char *key_name = g_strconcat (cert_name, ".key", NULL);
  g_autofree char *pem = data_path (pem_name);
  g_autofree char *key = data_path (key_name);
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GError) error = NULL;

  certificate = g_tls_certificate_new_from_files (pem, key, &error);
  if (certificate == NULL)
    {
      stop (self, "no certificate %s: %s", cert_name, error->message);
      return;
    }

  tls = g_tls_server_connection_new (self->io, certificate, &error);
  if (tls == NULL)
    {
      stop (self, "no TLS: %s", error->message);
      return;
    }

  self->busy = TRUE;
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, self->cancellable,
                                    on_handshake, g_rc_box_acquire (self));
}

static EventItem *
next_event (ScriptedServer *self)
{
  return g_queue_pop_head (&self->events);
}

static void
event_free (EventItem *item)
{
  g_clear_pointer (&item->node, gxmpp_node_unref);
  g_free (item);
}

/* Runs steps until one has to wait. */
static void
advance (ScriptedServer *self)
{
  while (!self->done && !self->busy)
    {
      const char *command = self->script[self->step];

      if (command == NULL)
        {
          self->done = TRUE;
          return;
        }

      if (strcmp (command, "open") == 0)
        {
          EventItem *item = next_event (self);

          if (item == NULL)
            {
              if (self->peer_closed)
                stop (self, "step %u: the client closed instead of opening a stream", self->step);
              break;
            }
          if (item->type != GXMPP_XML_EVENT_STREAM_OPEN)
            {
              stop (self, "step %u: expected a stream header", self->step);
              event_free (item);
              return;
            }
          event_free (item);
          send_text (self, "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                           "xmlns:stream='http://etherx.jabber.org/streams' from='localhost' "
                           "id='scripted' version='1.0' xml:lang='en'>");
        }
      else if (g_str_has_prefix (command, "send "))
        {
          g_autofree char *text = substitute (self, command + 5);

          send_text (self, text);
        }
      else if (g_str_has_prefix (command, "expect "))
        {
          EventItem *item = next_event (self);
          const char *name = command + 7;

          if (item == NULL)
            {
              if (self->peer_closed)
                stop (self, "step %u: the client closed instead of sending <%s/>", self->step, name);
              break;
            }
          if (item->type != GXMPP_XML_EVENT_ELEMENT || g_strcmp0 (gxmpp_node_get_name (item->node), name) != 0)
            {
              stop (self, "step %u: expected <%s/>, got %s", self->step, name,
                    item->node != NULL ? gxmpp_node_get_name (item->node) : "the end of the stream");
              event_free (item);
              return;
            }
          g_free (self->last_id);
          self->last_id = g_strdup (gxmpp_node_get_attribute (item->node, "id"));
          if (strcmp (name, "auth") == 0)
            remember_nonce (self, item->node);
          g_clear_pointer (&self->last_element, gxmpp_node_unref);
          self->last_element = g_steal_pointer (&item->node);
          event_free (item);
        }
      else if (strcmp (command, "respond") == 0)
        {
          g_autofree char *answer = NULL;
          g_autofree char *text = NULL;

          if (self->responder == NULL || self->last_element == NULL)
            {
              stop (self, "step %u: nothing to respond to, or no responder", self->step);
              return;
            }
          answer = self->responder (self->last_element, self->responder_data);
          if (answer == NULL)
            {
              stop (self, "step %u: the responder refused <%s/>", self->step,
                    gxmpp_node_get_name (self->last_element));
              return;
            }
          text = substitute (self, answer);
          send_text (self, text);
        }
      else if (strcmp (command, "restart") == 0)
        gxmpp_xml_reader_reset (self->reader);
      else if (strcmp (command, "expect-close") == 0)
        {
          EventItem *item = next_event (self);

          if (item == NULL)
            {
              if (self->peer_closed)
                stop (self, "step %u: the client dropped the connection instead of closing the stream",
                      self->step);
              break;
            }
          if (item->type != GXMPP_XML_EVENT_STREAM_CLOSE)
            {
              stop (self, "step %u: expected the closing tag, got %s", self->step,
                    item->type == GXMPP_XML_EVENT_ELEMENT ? gxmpp_node_get_name (item->node) : "a stream header");
              event_free (item);
              return;
            }
          event_free (item);
          send_text (self, "</stream:stream>");
          g_io_stream_close (self->io, NULL, NULL);
        }
      else if (g_str_has_prefix (command, "tls "))
        {
          start_tls (self, command + 4);
          return;
        }
      else if (strcmp (command, "close") == 0)
        {
          g_io_stream_close (self->io, NULL, NULL);
          self->step++;
          self->done = TRUE;
          return;
        }
      else if (strcmp (command, "wait-close") == 0)
        {
          EventItem *item = next_event (self);

          if (item == NULL)
            {
              if (self->peer_closed)
                {
                  self->step++;
                  continue;
                }
              break;
            }
          if (item->type == GXMPP_XML_EVENT_STREAM_CLOSE)
            {
              send_text (self, "</stream:stream>");
              g_io_stream_close (self->io, NULL, NULL);
              self->step++;
              self->done = self->script[self->step] == NULL;
            }
          event_free (item);
          continue;
        }
      else if (strcmp (command, "hang") == 0)
        {
          self->done = TRUE;
          return;
        }
      else
        {
          stop (self, "unknown command “%s”", command);
          return;
        }

      self->step++;
    }

  ensure_reading (self);
}

static void
on_accept (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  ScriptedServer *self = user_data;
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;

  connection = g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), result, NULL, &error);
  if (self->freed)
    g_clear_object (&connection);
  else if (connection != NULL)
    {
      self->io = G_IO_STREAM (connection);
      advance (self);
    }
  server_release (self);
}

ScriptedServer *
scripted_server_new (const char * const *script)
{
  ScriptedServer *self = g_rc_box_new0 (ScriptedServer);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  self->script = g_strdupv ((char **) script);
  self->received = g_ptr_array_new_with_free_func (g_free);
  self->raw = g_string_new (NULL);
  self->cancellable = g_cancellable_new ();
  self->context = g_main_context_ref_thread_default ();
  self->reader = gxmpp_xml_reader_new ("jabber:client");
  g_queue_init (&self->events);

  self->listener = g_socket_listener_new ();
  g_socket_listener_add_address (self->listener, address, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &effective, &error);
  g_assert_no_error (error);
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_socket_listener_accept_async (self->listener, self->cancellable, on_accept, g_rc_box_acquire (self));
  return self;
}

void
scripted_server_free (ScriptedServer *self)
{
  if (self == NULL)
    return;

  g_cancellable_cancel (self->cancellable);
  /* Let cancelled callbacks run before freeing what they point to. */
  while (g_main_context_iteration (self->context, FALSE))
    ;

  self->freed = TRUE;
  g_socket_listener_close (self->listener);
  if (self->io != NULL)
    g_io_stream_close (self->io, NULL, NULL);
  server_release (self);
}

static void
server_clear (ScriptedServer *self)
{
  g_object_unref (self->listener);
  g_clear_object (&self->io);
  g_queue_clear_full (&self->events, (GDestroyNotify) event_free);
  gxmpp_xml_reader_free (self->reader);
  g_ptr_array_unref (self->received);
  g_string_free (self->raw, TRUE);
  g_strfreev (self->script);
  g_object_unref (self->cancellable);
  g_main_context_unref (self->context);
  g_free (self->error);
  g_free (self->last_id);
  g_free (self->nonce);
  g_clear_pointer (&self->last_element, gxmpp_node_unref);
}

static void
server_release (ScriptedServer *self)
{
  g_rc_box_release_full (self, (GDestroyNotify) server_clear);
}

guint16
scripted_server_get_port (ScriptedServer *server)
{
  return server->port;
}

void
scripted_server_set_responder (ScriptedServer    *server,
                               ScriptedResponder  responder,
                               gpointer           user_data)
{
  server->responder = responder;
  server->responder_data = user_data;
}

gboolean
scripted_server_is_done (ScriptedServer *server)
{
  return server->done;
}

const char *
scripted_server_get_error (ScriptedServer *server)
{
  return server->error;
}

GPtrArray *
scripted_server_get_received (ScriptedServer *server)
{
  return server->received;
}

GString *
scripted_server_get_raw (ScriptedServer *server)
{
  return server->raw;
}

gboolean
scripted_server_received (ScriptedServer *server,
                          const char     *name)
{
  g_autofree char *open = g_strdup_printf ("<%s ", name);
  g_autofree char *empty = g_strdup_printf ("<%s/>", name);
  g_autofree char *full = g_strdup_printf ("<%s>", name);

  for (guint i = 0; i < server->received->len; i++)
    {
      const char *xml = server->received->pdata[i];

      if (g_str_has_prefix (xml, open) || g_str_has_prefix (xml, empty) || g_str_has_prefix (xml, full))
        return TRUE;
    }
  return FALSE;
}

GXmppNode *
scripted_server_nth_received (ScriptedServer *server,
                              const char     *name,
                              guint           nth)
{
  GPtrArray *received = scripted_server_get_received (server);

  for (guint i = 0; i < received->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GXmppNode) node = gxmpp_node_new_from_string (received->pdata[i], -1, NULL, &error);

      g_assert_no_error (error);
      if (g_strcmp0 (gxmpp_node_get_name (node), name) == 0 && nth-- == 0)
        return g_steal_pointer (&node);
    }
  return NULL;
}

guint
scripted_server_count_received (ScriptedServer *server,
                                const char     *name)
{
  guint n = 0;

  while (TRUE)
    {
      g_autoptr(GXmppNode) node = scripted_server_nth_received (server, name, n);

      if (node == NULL)
        return n;
      n++;
    }
}
