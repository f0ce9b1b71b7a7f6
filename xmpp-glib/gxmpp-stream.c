/* gxmpp-stream.c: an XML stream over a connection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "gxmpp-error.h"
#include "gxmpp-i18n-private.h"
#include "gxmpp-ns.h"
#include "gxmpp-node-private.h"
#include "gxmpp-stream-private.h"
#include "gxmpp-xml-reader-private.h"
#include "gxmpp-xml-writer-private.h"

/**
 * GXmppStream:
 *
 * An XMPP XML stream over a connection: the low-level layer under
 * [class@GXmpp.Session], like the seed's `Network.Xmpp.Internal`.
 *
 * A stream frames a #GIOStream with the restricted-XML codec. It opens
 * the stream (and reopens it after STARTTLS and SASL, which RFC 6120
 * requires), reads one top-level element at a time, and writes elements
 * through a queue. Everything it reads has passed the codec's checks:
 * restricted XML, the stanza size limit and nesting depth. A
 * `<stream:error/>` from the peer ends reading with that error, and the
 * peer's closing tag with %GXMPP_ERROR_CLOSED.
 *
 * Most applications use [class@GXmpp.Session], which drives a stream
 * through negotiation; a stream is useful for tests over an in-memory
 * #GIOStream and for protocols the session does not cover.
 */

/* The most one read takes. A TLS record holds at most 16 KiB of data, so
 * one read takes a whole record. Over a pollable connection (a socket, or
 * TLS over one: what a session uses) the buffer is on the stack of the
 * callback that reads, so an idle stream holds none; only a stream over a
 * connection that cannot poll has one, for the read under way. */
#define READ_BUFFER_SIZE 16384

typedef struct {
  GXmppXmlEventType type;
  GXmppNode *node;
} Item;

typedef struct {
  guint64 end;            /* written once this many bytes are out */
  GTask *task;
} WriteWaiter;

struct _GXmppStream
{
  GObject parent_instance;

  GIOStream *base;
  char *content_ns;
  GXmppXmlReader *reader;

  /* Reading: one read at a time, either waiting for input on a pollable
   * connection (read_source) or, on one that cannot poll, an asynchronous
   * read into read_buffer (allocated for that read only). */
  GSource *read_source;
  guint8 *read_buffer;
  GCancellable *read_cancellable;   /* for the asynchronous read; lazily */
  gboolean reading;
  GQueue items;
  GError *read_error;       /* sticky: the stream ended, or failed */
  GXmppNode *error_element; /* the peer's <stream:error/> */
  GTask *open_task;
  GTask *read_task;
  GSource *open_cancel;         /* watches open_task's cancellable */
  GSource *read_cancel;
  GXmppStreamElementFunc element_func;
  GXmppStreamEndFunc end_func;
  gpointer receive_data;
  gboolean end_reported;

  /* Writing */
  GString *out_pending;
  GString *out_writing;
  gboolean writing;
  guint64 queued;           /* bytes ever queued */
  guint64 written;          /* bytes ever written */
  guint64 received;         /* bytes ever read */
  GQueue write_waiters;
  GError *write_error;
  gboolean close_sent;

  /* Closing */
  GTask *close_task;
  GSource *close_timeout;
  gboolean shutting_down;
};

G_DEFINE_FINAL_TYPE (GXmppStream, gxmpp_stream, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_BASE_STREAM,
  PROP_CONTENT_NS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gint n_alive;     /* gxmpp_stream_count_alive() */

static void process_items (GXmppStream *self);
static void drop_cancel_source (GSource **source);
static void ensure_reading (GXmppStream *self);
static void stop_waiting (GXmppStream *self);
static void stop_reading (GXmppStream *self);
static void start_writing (GXmppStream *self);

/* Traffic logging: G_MESSAGES_DEBUG=GXmpp. Nothing is formatted unless
 * debug output is on, and SASL payloads (which can hold password
 * equivalents) are never shown.
 *
 * g_log_writer_default_would_drop() looks G_MESSAGES_DEBUG up in the
 * environment on every call, which costs more than a small stanza's
 * dispatch; what it says about the environment is kept here instead
 * (-1: not read yet), and read again whenever a stream header arrives, so
 * that every new stream (and stream restart) sees the environment as it
 * is then. g_log_set_debug_enabled() is a cheap flag and is always
 * looked at. */
static gint debug_from_env = -1;

static gboolean
debug_enabled (void)
{
  int from_env;

  if (g_log_get_debug_enabled ())
    return TRUE;
  from_env = g_atomic_int_get (&debug_from_env);
  if (from_env < 0)
    {
      /* With the flag off, only the environment decides. */
      from_env = !g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN);
      g_atomic_int_set (&debug_from_env, from_env);
    }
  return from_env;
}

static gboolean
is_sasl_payload (GXmppNode *element)
{
  const char *name = gxmpp_node_get_name (element);

  return g_strcmp0 (gxmpp_node_get_namespace (element), GXMPP_NS_SASL) == 0 &&
         (g_strcmp0 (name, "auth") == 0 || g_strcmp0 (name, "response") == 0 ||
          g_strcmp0 (name, "challenge") == 0 || g_strcmp0 (name, "success") == 0);
}

static void
log_element (const char *direction,
             GXmppNode  *element)
{
  g_autoptr(GXmppNode) shown = NULL;
  g_autofree char *xml = NULL;
  const char *name = gxmpp_node_get_name (element);

  /* A stream header: read G_MESSAGES_DEBUG again (see debug_enabled()). */
  if (name != NULL && name[0] == 's' && strcmp (name, "stream") == 0 &&
      g_strcmp0 (gxmpp_node_get_namespace (element), GXMPP_NS_STREAMS) == 0)
    g_atomic_int_set (&debug_from_env, -1);

  if (!debug_enabled ())
    return;

  if (is_sasl_payload (element) && *gxmpp_node_get_text (element) != '\0')
    {
      shown = gxmpp_node_copy (element);
      gxmpp_node_set_text (shown, "[redacted]");
      element = shown;
    }

  xml = gxmpp_node_to_string (element, NULL);
  g_debug ("%s %s", direction, xml != NULL ? xml : "(unprintable)");
}

static void
gxmpp_stream_dispose (GObject *object)
{
  GXmppStream *self = GXMPP_STREAM (object);

  stop_reading (self);
  drop_cancel_source (&self->open_cancel);
  drop_cancel_source (&self->read_cancel);
  if (self->close_timeout != NULL)
    {
      g_source_destroy (self->close_timeout);
      g_clear_pointer (&self->close_timeout, g_source_unref);
    }

  G_OBJECT_CLASS (gxmpp_stream_parent_class)->dispose (object);
}

static void
gxmpp_stream_finalize (GObject *object)
{
  GXmppStream *self = GXMPP_STREAM (object);
  Item *item;
  WriteWaiter *waiter;

  while ((item = g_queue_pop_head (&self->items)) != NULL)
    {
      g_clear_pointer (&item->node, gxmpp_node_unref);
      g_free (item);
    }
  while ((waiter = g_queue_pop_head (&self->write_waiters)) != NULL)
    {
      g_object_unref (waiter->task);
      g_free (waiter);
    }

  g_clear_object (&self->base);
  g_clear_object (&self->read_cancellable);
  g_free (self->content_ns);
  g_clear_pointer (&self->reader, gxmpp_xml_reader_free);
  g_free (self->read_buffer);
  g_clear_error (&self->read_error);
  g_clear_pointer (&self->error_element, gxmpp_node_unref);
  g_clear_error (&self->write_error);
  g_string_free (self->out_pending, TRUE);
  g_string_free (self->out_writing, TRUE);
  g_atomic_int_add (&n_alive, -1);

  G_OBJECT_CLASS (gxmpp_stream_parent_class)->finalize (object);
}

static void
gxmpp_stream_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  GXmppStream *self = GXMPP_STREAM (object);

  switch (prop_id)
    {
    case PROP_BASE_STREAM:
      g_value_set_object (value, self->base);
      break;
    case PROP_CONTENT_NS:
      g_value_set_string (value, self->content_ns);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_stream_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  GXmppStream *self = GXMPP_STREAM (object);

  switch (prop_id)
    {
    case PROP_BASE_STREAM:
      self->base = g_value_dup_object (value);
      break;
    case PROP_CONTENT_NS:
      self->content_ns = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_stream_constructed (GObject *object)
{
  GXmppStream *self = GXMPP_STREAM (object);

  G_OBJECT_CLASS (gxmpp_stream_parent_class)->constructed (object);

  if (self->content_ns == NULL)
    self->content_ns = g_strdup (GXMPP_NS_CLIENT);
  self->reader = gxmpp_xml_reader_new (self->content_ns);
}

static void
gxmpp_stream_class_init (GXmppStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gxmpp_stream_dispose;
  object_class->finalize = gxmpp_stream_finalize;
  object_class->get_property = gxmpp_stream_get_property;
  object_class->set_property = gxmpp_stream_set_property;
  object_class->constructed = gxmpp_stream_constructed;

  /**
   * GXmppStream:base-stream:
   *
   * The connection the stream runs over. It changes once, when STARTTLS
   * puts TLS on it ([method@GXmpp.Stream.replace_base_stream]).
   */
  properties[PROP_BASE_STREAM] =
    g_param_spec_object ("base-stream", NULL, NULL, G_TYPE_IO_STREAM,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppStream:content-ns:
   *
   * The stream's content namespace: [const@GXmpp.NS_CLIENT] for a client.
   */
  properties[PROP_CONTENT_NS] =
    g_param_spec_string ("content-ns", NULL, NULL, GXMPP_NS_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gxmpp_stream_init (GXmppStream *self)
{
  g_atomic_int_inc (&n_alive);
  self->out_pending = g_string_new (NULL);
  self->out_writing = g_string_new (NULL);
  g_queue_init (&self->items);
  g_queue_init (&self->write_waiters);
}

/**
 * gxmpp_stream_new:
 * @base_stream: the connection
 * @content_ns: (nullable): the content namespace, or %NULL for
 *   [const@GXmpp.NS_CLIENT]
 *
 * Creates an XML stream over @base_stream. Nothing is sent until
 * [method@GXmpp.Stream.open_async].
 *
 * Returns: (transfer full): a new stream
 */
GXmppStream *
gxmpp_stream_new (GIOStream  *base_stream,
                  const char *content_ns)
{
  g_return_val_if_fail (G_IS_IO_STREAM (base_stream), NULL);

  return g_object_new (GXMPP_TYPE_STREAM,
                       "base-stream", base_stream,
                       "content-ns", content_ns,
                       NULL);
}

/**
 * gxmpp_stream_get_base_stream:
 * @stream: a stream
 *
 * Gets the connection the stream runs over: a #GTlsConnection once the
 * stream is secured.
 *
 * Returns: (transfer none): the connection
 */
GIOStream *
gxmpp_stream_get_base_stream (GXmppStream *stream)
{
  g_return_val_if_fail (GXMPP_IS_STREAM (stream), NULL);
  return stream->base;
}

/**
 * gxmpp_stream_is_secure:
 * @stream: a stream
 *
 * Checks whether the stream runs over TLS.
 *
 * Returns: %TRUE if the connection is a #GTlsConnection
 */
gboolean
gxmpp_stream_is_secure (GXmppStream *stream)
{
  g_return_val_if_fail (GXMPP_IS_STREAM (stream), FALSE);
  return G_IS_TLS_CONNECTION (stream->base);
}

/**
 * gxmpp_stream_replace_base_stream:
 * @stream: a stream
 * @base_stream: the new connection, normally a #GTlsConnection over the
 *   old one
 * @error: return location for a #GError
 *
 * Moves the stream to a new connection, after STARTTLS. The stream must
 * be idle: nothing being read or written. If the peer sent anything after
 * the element that ended the old stream (such as bytes after
 * `<proceed/>`, which would be a STARTTLS injection), this fails with
 * %GXMPP_STREAM_ERROR_BAD_FORMAT and nothing changes.
 *
 * Returns: %TRUE on success
 */
gboolean
gxmpp_stream_replace_base_stream (GXmppStream  *stream,
                                  GIOStream    *base_stream,
                                  GError      **error)
{
  g_return_val_if_fail (GXMPP_IS_STREAM (stream), FALSE);
  g_return_val_if_fail (G_IS_IO_STREAM (base_stream), FALSE);
  g_return_val_if_fail (!stream->reading && !stream->writing, FALSE);

  if (!gxmpp_stream_check_nothing_pending (stream, error))
    return FALSE;

  g_set_object (&stream->base, base_stream);
  g_object_notify_by_pspec (G_OBJECT (stream), properties[PROP_BASE_STREAM]);
  return TRUE;
}

gboolean
gxmpp_stream_check_nothing_pending (GXmppStream  *stream,
                                    GError      **error)
{
  if (!g_queue_is_empty (&stream->items) || gxmpp_xml_reader_has_pending (stream->reader))
    {
      g_set_error_literal (error, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_BAD_FORMAT,
                           _("The server sent data in plain text where the TLS handshake had to begin"));
      return FALSE;
    }
  return TRUE;
}

/**
 * gxmpp_stream_set_max_stanza_size:
 * @stream: a stream
 * @max_size: the largest element, in bytes, the peer may send
 *
 * Sets the limit on the size of an element the peer sends; a larger one
 * ends the stream with %GXMPP_STREAM_ERROR_POLICY_VIOLATION.
 */
void
gxmpp_stream_set_max_stanza_size (GXmppStream *stream,
                                  gsize        max_size)
{
  g_return_if_fail (GXMPP_IS_STREAM (stream));
  g_return_if_fail (max_size > 0);

  gxmpp_xml_reader_set_max_stanza_size (stream->reader, max_size);
}

/* Reading */

GError *
gxmpp_stream_error_from_node (GXmppNode *element)
{
  GXmppStreamError condition = GXMPP_STREAM_ERROR_UNDEFINED_CONDITION;
  GXmppNode *condition_node = NULL;
  const char *text = NULL;
  guint i, n;

  n = gxmpp_node_get_n_children (element);
  for (i = 0; i < n; i++)
    {
      GXmppNode *child = gxmpp_node_get_child_at (element, i);
      const char *name = gxmpp_node_get_name (child);

      if (gxmpp_node_get_kind (child) != GXMPP_NODE_ELEMENT ||
          g_strcmp0 (gxmpp_node_get_namespace (child), GXMPP_NS_STREAM_ERRORS) != 0)
        continue;
      if (strcmp (name, "text") == 0)
        text = text != NULL ? text : gxmpp_node_get_text (child);
      else if (condition_node == NULL && gxmpp_stream_error_from_string (name, &condition))
        condition_node = child;
    }

  if (condition == GXMPP_STREAM_ERROR_SEE_OTHER_HOST && condition_node != NULL &&
      *gxmpp_node_get_text (condition_node) != '\0')
    return g_error_new (GXMPP_STREAM_ERROR, condition,
                        /* Translators: %s is a host name, maybe with a port */
                        _("The server redirected the stream to %s"),
                        gxmpp_node_get_text (condition_node));

  if (text != NULL && *text != '\0')
    return g_error_new (GXMPP_STREAM_ERROR, condition,
                        /* Translators: the first %s describes the error, the
                         * second is the server's own words */
                        _("%s: “%s”"), gxmpp_stream_error_get_description (condition), text);

  return g_error_new_literal (GXMPP_STREAM_ERROR, condition,
                              gxmpp_stream_error_get_description (condition));
}

static void
push_item (GXmppStream       *self,
           GXmppXmlEventType  type,
           GXmppNode         *node)
{
  Item *item = g_new (Item, 1);

  item->type = type;
  item->node = node;
  g_queue_push_tail (&self->items, item);
}

static void
set_read_error (GXmppStream *self,
                GError      *error)
{
  if (self->read_error == NULL)
    self->read_error = error;
  else
    g_error_free (error);
}

/* Cancelling a pending open or read completes it (through the main loop,
 * never inside g_cancellable_cancel()); elements still arriving stay
 * queued for the next read. */
static void
drop_cancel_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static gboolean
on_open_cancelled (GCancellable *cancellable,
                   gpointer      user_data)
{
  GXmppStream *self = user_data;
  GTask *task = g_steal_pointer (&self->open_task);

  g_clear_pointer (&self->open_cancel, g_source_unref);
  if (task != NULL)
    {
      g_task_return_error_if_cancelled (task);
      g_object_unref (task);
    }
  return G_SOURCE_REMOVE;
}

static gboolean
on_read_cancelled (GCancellable *cancellable,
                   gpointer      user_data)
{
  GXmppStream *self = user_data;
  GTask *task = g_steal_pointer (&self->read_task);

  g_clear_pointer (&self->read_cancel, g_source_unref);
  if (task != NULL)
    {
      g_task_return_error_if_cancelled (task);
      g_object_unref (task);
    }
  return G_SOURCE_REMOVE;
}

static GSource *
watch_cancellable (GXmppStream  *self,
                   GTask        *task,
                   GSourceFunc   callback)
{
  GCancellable *cancellable = g_task_get_cancellable (task);
  GSource *source;

  if (cancellable == NULL)
    return NULL;
  source = g_cancellable_source_new (cancellable);
  g_source_set_callback (source, callback, self, NULL);

  g_source_attach (source, g_task_get_context (task));
  return source;
}

/* What a read brought: @n bytes of @buffer, the end of the connection (0)
 * or an error (-1, @error). */
static void
handle_input (GXmppStream  *self,
              const guint8 *buffer,
              gssize        n,
              GError       *error)
{
  g_autoptr(GError) feed_error = NULL;
  GXmppXmlEventType type;
  GXmppNode *node;

  if (n < 0)
    set_read_error (self, error);
  else if (n == 0)
    set_read_error (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                               _("The server closed the connection without closing the stream")));
  else
    {
      self->received += n;
      if (!gxmpp_xml_reader_feed (self->reader, (const char *) buffer, n, &feed_error))
        {
          /* What the server sent breaks the rules: tell it why, then stop. */
          gxmpp_stream_send_error (self, feed_error->code, NULL);
          set_read_error (self, g_steal_pointer (&feed_error));
        }
    }

  /* Events parsed before any error are delivered first. */
  while ((type = gxmpp_xml_reader_pop (self->reader, &node)) != GXMPP_XML_EVENT_NONE)
    push_item (self, type, node);

  process_items (self);
}

/* A pollable connection has input (or an error, or its end) to read. The
 * source holds a reference on the stream while it waits, as a pending
 * asynchronous read would. */
static gboolean
on_readable (GObject  *pollable,
             gpointer  user_data)
{
  g_autoptr(GXmppStream) self = g_object_ref (user_data);
  g_autoptr(GError) error = NULL;
  guint8 buffer[READ_BUFFER_SIZE];
  gssize n;

  n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (pollable),
                                                buffer, sizeof buffer, NULL, &error);
  /* TLS can wake up for a record that is not complete yet. */
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;

  /* This read is done; ensure_reading() starts the next one if anyone
   * still wants input. */
  stop_waiting (self);
  handle_input (self, buffer, n, g_steal_pointer (&error));
  return G_SOURCE_REMOVE;
}

/* The same on a connection that cannot poll. */
static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GXmppStream) self = user_data;
  g_autofree guint8 *buffer = g_steal_pointer (&self->read_buffer);
  GError *error = NULL;
  gssize n;

  self->reading = FALSE;
  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  /* Cancelled from here: the stream is going away or stopped reading. */
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && self->shutting_down)
    {
      g_error_free (error);
      return;
    }

  handle_input (self, buffer, n, error);
}

static gboolean
wants_input (GXmppStream *self)
{
  return self->open_task != NULL || self->read_task != NULL ||
         self->element_func != NULL || self->close_task != NULL;
}

static void
ensure_reading (GXmppStream *self)
{
  GInputStream *input;

  if (self->reading || self->read_error != NULL || self->shutting_down ||
      !g_queue_is_empty (&self->items) || !wants_input (self))
    return;

  self->reading = TRUE;
  input = g_io_stream_get_input_stream (self->base);

  /* Wait until there is something to read, then read it into a buffer
   * on the stack (on_readable()): the same as g_input_stream_read_async()
   * does on a pollable stream, without a buffer held while idle. */
  if (G_IS_POLLABLE_INPUT_STREAM (input) &&
      g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (input)))
    {
      self->read_source = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (input), NULL);
      g_source_set_callback (self->read_source, G_SOURCE_FUNC (on_readable),
                             g_object_ref (self), g_object_unref);
      g_source_set_static_name (self->read_source, "[gxmpp] stream read");
      g_source_attach (self->read_source, g_main_context_get_thread_default ());
      return;
    }

  if (self->read_cancellable == NULL)
    self->read_cancellable = g_cancellable_new ();
  self->read_buffer = g_malloc (READ_BUFFER_SIZE);
  g_input_stream_read_async (input, self->read_buffer, READ_BUFFER_SIZE,
                             G_PRIORITY_DEFAULT, self->read_cancellable,
                             on_read, g_object_ref (self));
}

static void
stop_waiting (GXmppStream *self)
{
  if (self->read_source != NULL)
    {
      GSource *source = g_steal_pointer (&self->read_source);

      self->reading = FALSE;
      g_source_destroy (source);
      g_source_unref (source);
    }
}

/* Stops reading: at once on a pollable connection; an asynchronous read
 * completes (cancelled) through the main loop. */
static void
stop_reading (GXmppStream *self)
{
  stop_waiting (self);
  if (self->read_cancellable != NULL)
    g_cancellable_cancel (self->read_cancellable);
}

static void finish_close (GXmppStream *self);

/* Hands queued items to whoever waits for them, in order; then, once the
 * queue is empty, the end of the stream. */
static void
process_items (GXmppStream *self)
{
  g_autoptr(GXmppStream) hold = g_object_ref (self);
  Item *item;

  while ((item = g_queue_peek_head (&self->items)) != NULL)
    {
      if (item->type == GXMPP_XML_EVENT_STREAM_OPEN)
        {
          GTask *task = g_steal_pointer (&self->open_task);

          drop_cancel_source (&self->open_cancel);
          g_queue_pop_head (&self->items);
          if (task != NULL)
            {
              log_element ("RECV", item->node);
              g_task_return_pointer (task, item->node, (GDestroyNotify) gxmpp_node_unref);
              g_object_unref (task);
            }
          else
            gxmpp_node_unref (item->node);
          g_free (item);
          continue;
        }

      if (item->type == GXMPP_XML_EVENT_STREAM_CLOSE)
        {
          g_queue_pop_head (&self->items);
          g_free (item);
          g_debug ("RECV </stream:stream>");
          set_read_error (self, g_error_new_literal (GXMPP_ERROR, GXMPP_ERROR_CLOSED,
                                                     _("The server closed the stream")));
          continue;
        }

      if (gxmpp_node_is (item->node, "error", GXMPP_NS_STREAMS))
        {
          g_queue_pop_head (&self->items);
          log_element ("RECV", item->node);
          set_read_error (self, gxmpp_stream_error_from_node (item->node));
          if (self->error_element == NULL)
            self->error_element = item->node;
          else
            gxmpp_node_unref (item->node);
          g_free (item);
          continue;
        }

      /* An element: to the receiver, or to a read waiting for one. */
      if (self->element_func != NULL)
        {
          g_queue_pop_head (&self->items);
          log_element ("RECV", item->node);
          self->element_func (self, item->node, self->receive_data);
          gxmpp_node_unref (item->node);
          g_free (item);
        }
      else if (self->read_task != NULL)
        {
          GTask *task = g_steal_pointer (&self->read_task);

          drop_cancel_source (&self->read_cancel);
          g_queue_pop_head (&self->items);
          log_element ("RECV", item->node);
          g_task_return_pointer (task, item->node, (GDestroyNotify) gxmpp_node_unref);
          g_object_unref (task);
          g_free (item);
        }
      else if (self->close_task != NULL)
        {
          /* Closing, and nobody reads any more: what still comes in is
           * dropped while we wait for the peer's closing tag. */
          g_queue_pop_head (&self->items);
          log_element ("DROP", item->node);
          gxmpp_node_unref (item->node);
          g_free (item);
        }
      else
        break;
    }

  if (g_queue_is_empty (&self->items) && self->read_error != NULL)
    {
      if (self->open_task != NULL)
        {
          GTask *task = g_steal_pointer (&self->open_task);

          drop_cancel_source (&self->open_cancel);
          g_task_return_error (task, g_error_copy (self->read_error));
          g_object_unref (task);
        }
      if (self->read_task != NULL)
        {
          GTask *task = g_steal_pointer (&self->read_task);

          drop_cancel_source (&self->read_cancel);
          g_task_return_error (task, g_error_copy (self->read_error));
          g_object_unref (task);
        }
      if (self->end_func != NULL && !self->end_reported)
        {
          self->end_reported = TRUE;
          self->end_func (self, self->read_error, self->receive_data);
        }
      if (self->close_task != NULL)
        finish_close (self);
    }

  ensure_reading (self);
}

void
gxmpp_stream_start_receiving (GXmppStream            *stream,
                              GXmppStreamElementFunc  element_func,
                              GXmppStreamEndFunc      end_func,
                              gpointer                user_data)
{
  g_return_if_fail (GXMPP_IS_STREAM (stream));
  g_return_if_fail (element_func != NULL && end_func != NULL);
  g_return_if_fail (stream->read_task == NULL);

  stream->element_func = element_func;
  stream->end_func = end_func;
  stream->receive_data = user_data;
  stream->end_reported = FALSE;
  process_items (stream);
}

void
gxmpp_stream_stop_receiving (GXmppStream *stream)
{
  g_return_if_fail (GXMPP_IS_STREAM (stream));

  stream->element_func = NULL;
  stream->end_func = NULL;
  stream->receive_data = NULL;
}

/**
 * gxmpp_stream_open_async:
 * @stream: a stream
 * @to: (nullable): the `to` of the stream header: the server's domain
 * @from: (nullable): the `from` of the stream header: the account's bare
 *   JID, sent only once the stream is secured
 * @lang: (nullable): the `xml:lang` of the stream header
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the peer's stream header has arrived
 * @user_data: data for @callback
 *
 * Sends a stream header and waits for the peer's. Opening a stream again
 * (after STARTTLS or SASL) starts a new XML document, as RFC 6120 says.
 */
void
gxmpp_stream_open_async (GXmppStream         *stream,
                         const char          *to,
                         const char          *from,
                         const char          *lang,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  gsize start;

  g_return_if_fail (GXMPP_IS_STREAM (stream));
  g_return_if_fail (stream->open_task == NULL && stream->read_task == NULL);

  task = g_task_new (stream, cancellable, callback, user_data);
  g_task_set_source_tag (task, gxmpp_stream_open_async);
  g_task_set_name (task, "[gxmpp] open stream");

  if (stream->read_error != NULL)
    {
      g_task_return_error (task, g_error_copy (stream->read_error));
      return;
    }
  if (stream->write_error != NULL)
    {
      g_task_return_error (task, g_error_copy (stream->write_error));
      return;
    }

  /* A new document: the old parser state means nothing now. */
  gxmpp_xml_reader_reset (stream->reader);

  start = stream->out_pending->len;
  if (!gxmpp_xml_write_stream_open (stream->out_pending, stream->content_ns, to, from, lang, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  stream->queued += stream->out_pending->len - start;
  g_debug ("SEND %s", stream->out_pending->str + start);

  stream->open_task = g_steal_pointer (&task);
  stream->open_cancel = watch_cancellable (stream, stream->open_task, G_SOURCE_FUNC (on_open_cancelled));
  start_writing (stream);
  ensure_reading (stream);
}

/**
 * gxmpp_stream_open_finish:
 * @stream: a stream
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@GXmpp.Stream.open_async].
 *
 * Returns: (transfer full): the peer's stream header, an element with its
 *   attributes (`id`, `from`, `version`, `xml:lang`) and no children; %NULL
 *   on error
 */
GXmppNode *
gxmpp_stream_open_finish (GXmppStream   *stream,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, stream), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gxmpp_stream_open_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * gxmpp_stream_read_async:
 * @stream: a stream
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the next element
 * @user_data: data for @callback
 *
 * Reads the next top-level element of the stream. When the stream has
 * ended, this fails: with %GXMPP_ERROR_CLOSED when the peer closed it,
 * with %GXMPP_STREAM_ERROR when it sent a stream error or broke the rules,
 * or with the connection's error.
 */
void
gxmpp_stream_read_async (GXmppStream         *stream,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (GXMPP_IS_STREAM (stream));
  g_return_if_fail (stream->read_task == NULL && stream->open_task == NULL);
  g_return_if_fail (stream->element_func == NULL);

  task = g_task_new (stream, cancellable, callback, user_data);
  g_task_set_source_tag (task, gxmpp_stream_read_async);
  g_task_set_name (task, "[gxmpp] read element");
  stream->read_task = task;
  stream->read_cancel = watch_cancellable (stream, task, G_SOURCE_FUNC (on_read_cancelled));
  process_items (stream);
}

/**
 * gxmpp_stream_read_finish:
 * @stream: a stream
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@GXmpp.Stream.read_async].
 *
 * Returns: (transfer full): the element, sealed; %NULL on error
 */
GXmppNode *
gxmpp_stream_read_finish (GXmppStream   *stream,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, stream), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gxmpp_stream_read_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Writing */

static void
complete_write_waiters (GXmppStream *self)
{
  WriteWaiter *waiter;

  while ((waiter = g_queue_peek_head (&self->write_waiters)) != NULL)
    {
      if (self->write_error == NULL && waiter->end > self->written)
        break;
      g_queue_pop_head (&self->write_waiters);
      if (self->write_error != NULL)
        g_task_return_error (waiter->task, g_error_copy (self->write_error));
      else
        g_task_return_boolean (waiter->task, TRUE);
      g_object_unref (waiter->task);
      g_free (waiter);
    }
}

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GXmppStream) self = user_data;
  g_autoptr(GError) error = NULL;
  gsize n = 0;

  self->writing = FALSE;
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, &n, &error))
    {
      if (self->write_error == NULL)
        self->write_error = g_steal_pointer (&error);
    }
  self->written += n;
  g_string_truncate (self->out_writing, 0);

  complete_write_waiters (self);
  if (self->write_error != NULL)
    {
      /* The connection is gone: reading will find out too, but say so now
       * to a receiver that is only waiting. */
      set_read_error (self, g_error_copy (self->write_error));
      process_items (self);
      return;
    }

  start_writing (self);
  if (self->close_task != NULL && self->out_pending->len == 0 && !self->writing)
    process_items (self);
}

static void
start_writing (GXmppStream *self)
{
  GString *swap;

  if (self->writing || self->write_error != NULL || self->out_pending->len == 0)
    return;

  swap = self->out_writing;
  self->out_writing = self->out_pending;
  self->out_pending = swap;

  self->writing = TRUE;
  g_output_stream_write_all_async (g_io_stream_get_output_stream (self->base),
                                   self->out_writing->str, self->out_writing->len,
                                   G_PRIORITY_DEFAULT, NULL, on_written, g_object_ref (self));
}

static gboolean
queue_element (GXmppStream  *self,
               GXmppNode    *element,
               GError      **error)
{
  gsize start = self->out_pending->len;

  if (self->write_error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->write_error));
      return FALSE;
    }
  if (self->close_sent)
    {
      g_set_error_literal (error, GXMPP_ERROR, GXMPP_ERROR_CLOSED,
                           _("The stream is closed"));
      return FALSE;
    }

  if (!gxmpp_xml_write_stream_element (self->out_pending, element, self->content_ns, error))
    return FALSE;

  self->queued += self->out_pending->len - start;
  log_element ("SEND", element);
  return TRUE;
}

/**
 * gxmpp_stream_write:
 * @stream: a stream
 * @element: a top-level element
 * @error: return location for a #GError
 *
 * Queues @element for writing; it is written as soon as the connection
 * takes it. An element that holds text XML cannot carry is refused with
 * %GXMPP_ERROR_INVALID_CHARACTER and nothing is written.
 *
 * Returns: %TRUE if the element was queued
 */
gboolean
gxmpp_stream_write (GXmppStream  *stream,
                    GXmppNode    *element,
                    GError      **error)
{
  g_return_val_if_fail (GXMPP_IS_STREAM (stream), FALSE);
  g_return_val_if_fail (element != NULL, FALSE);

  if (!queue_element (stream, element, error))
    return FALSE;
  start_writing (stream);
  return TRUE;
}

/* Completes @task (taken) once everything queued so far is written. */
static void
wait_written (GXmppStream *stream,
              GTask       *task)
{
  WriteWaiter *waiter = g_new (WriteWaiter, 1);

  waiter->end = stream->queued;
  waiter->task = task;
  g_queue_push_tail (&stream->write_waiters, waiter);
  start_writing (stream);
}

/**
 * gxmpp_stream_write_async:
 * @stream: a stream
 * @element: a top-level element
 * @cancellable: (nullable): a #GCancellable; cancelling it does not take
 *   the element back, it only stops waiting
 * @callback: called when the element has been written to the connection
 * @user_data: data for @callback
 *
 * Queues @element and waits until the connection has taken it.
 */
void
gxmpp_stream_write_async (GXmppStream         *stream,
                          GXmppNode           *element,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_return_if_fail (GXMPP_IS_STREAM (stream));
  g_return_if_fail (element != NULL);

  task = g_task_new (stream, cancellable, callback, user_data);
  g_task_set_source_tag (task, gxmpp_stream_write_async);
  g_task_set_name (task, "[gxmpp] write element");
  g_task_set_check_cancellable (task, TRUE);

  if (!queue_element (stream, element, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  wait_written (stream, g_steal_pointer (&task));
}

void
gxmpp_stream_wait_written_async (GXmppStream         *stream,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (stream, cancellable, callback, user_data);

  g_task_set_source_tag (task, gxmpp_stream_write_async);
  g_task_set_name (task, "[gxmpp] wait until written");
  g_task_set_check_cancellable (task, TRUE);

  if (stream->write_error != NULL)
    {
      g_task_return_error (task, g_error_copy (stream->write_error));
      return;
    }
  if (stream->written >= stream->queued)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  wait_written (stream, g_steal_pointer (&task));
}

/**
 * gxmpp_stream_write_finish:
 * @stream: a stream
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@GXmpp.Stream.write_async].
 *
 * Returns: %TRUE if the element was written
 */
gboolean
gxmpp_stream_write_finish (GXmppStream   *stream,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, stream), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gxmpp_stream_write_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

GXmppNode *
gxmpp_stream_get_error_element (GXmppStream *stream)
{
  return stream->error_element;
}

gsize
gxmpp_stream_get_unwritten (GXmppStream *stream)
{
  return stream->queued - stream->written;
}

guint64
gxmpp_stream_get_bytes_queued (GXmppStream *stream)
{
  return stream->queued;
}

guint64
gxmpp_stream_get_bytes_received (GXmppStream *stream)
{
  return stream->received;
}

gboolean
gxmpp_stream_write_within (GXmppStream  *stream,
                           GXmppNode    *element,
                           gsize         max_bytes,
                           gsize        *bytes,
                           GError      **error)
{
  gsize start = stream->out_pending->len;

  if (!queue_element (stream, element, error))
    return FALSE;
  *bytes = stream->out_pending->len - start;
  if (*bytes > max_bytes)
    {
      /* Taken back: nothing of it has left the pending buffer. */
      g_string_truncate (stream->out_pending, start);
      stream->queued -= *bytes;
      return FALSE;
    }
  start_writing (stream);
  return TRUE;
}

void
gxmpp_stream_write_whitespace (GXmppStream *stream)
{
  if (stream->write_error != NULL || stream->close_sent)
    return;
  g_string_append_c (stream->out_pending, ' ');
  stream->queued++;
  start_writing (stream);
}


static void
queue_close_tag (GXmppStream *self)
{
  if (self->close_sent)
    return;
  self->close_sent = TRUE;
  gxmpp_xml_write_stream_close (self->out_pending);
  self->queued += strlen ("</stream:stream>");
  g_debug ("SEND </stream:stream>");
  start_writing (self);
}

/**
 * gxmpp_stream_send_error:
 * @stream: a stream
 * @condition: the stream error condition
 * @text: (nullable): a description for the peer, or %NULL
 *
 * Sends a `<stream:error/>` and the closing tag: after a stream error the
 * stream is over (RFC 6120 section 4.9.1.1). Does nothing if the stream
 * was already closed from this side.
 */
void
gxmpp_stream_send_error (GXmppStream      *stream,
                         GXmppStreamError  condition,
                         const char       *text)
{
  g_autoptr(GXmppNode) error = NULL;
  const char *name;

  g_return_if_fail (GXMPP_IS_STREAM (stream));

  name = gxmpp_stream_error_to_string (condition);
  if (stream->close_sent || name == NULL)
    return;

  error = gxmpp_node_new ("error", GXMPP_NS_STREAMS);
  gxmpp_node_add_child (error, name, GXMPP_NS_STREAM_ERRORS);
  if (text != NULL)
    gxmpp_node_add_child_with_text (error, "text", GXMPP_NS_STREAM_ERRORS, text);
  queue_element (stream, error, NULL);
  queue_close_tag (stream);
}

void
gxmpp_stream_send_error_element (GXmppStream *stream,
                                 GXmppNode   *error)
{
  if (stream->close_sent)
    return;
  queue_element (stream, error, NULL);
  queue_close_tag (stream);
}

guint
gxmpp_stream_count_alive (void)
{
  return (guint) g_atomic_int_get (&n_alive);
}

/* Closing */

static void
on_base_closed (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;

  /* Errors closing a connection that is being dropped are not news. */
  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
  g_task_return_boolean (task, TRUE);
}

static void
finish_close (GXmppStream *self)
{
  GTask *task = g_steal_pointer (&self->close_task);

  if (task == NULL)
    return;

  if (self->close_timeout != NULL)
    {
      g_source_destroy (self->close_timeout);
      g_clear_pointer (&self->close_timeout, g_source_unref);
    }

  self->shutting_down = TRUE;
  stop_reading (self);
  g_io_stream_close_async (self->base, G_PRIORITY_DEFAULT, NULL, on_base_closed, task);
}

static gboolean
on_close_timeout (gpointer user_data)
{
  GXmppStream *self = user_data;

  g_debug ("The peer did not close the stream in time; closing the connection");
  g_clear_pointer (&self->close_timeout, g_source_unref);
  finish_close (self);
  return G_SOURCE_REMOVE;
}

/**
 * gxmpp_stream_close_async:
 * @stream: a stream
 * @timeout_ms: how long to wait for the peer's closing tag, in milliseconds
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the connection is closed
 * @user_data: data for @callback
 *
 * Closes the stream: sends the closing tag (unless already sent), waits
 * until the peer closes its side or @timeout_ms passes, then closes the
 * connection (for TLS, with a close_notify). Elements that arrive
 * meanwhile still reach a reader; with none, they are dropped.
 */
void
gxmpp_stream_close_async (GXmppStream         *stream,
                          guint                timeout_ms,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (GXMPP_IS_STREAM (stream));

  task = g_task_new (stream, cancellable, callback, user_data);
  g_task_set_source_tag (task, gxmpp_stream_close_async);
  g_task_set_name (task, "[gxmpp] close stream");

  if (stream->close_task != NULL || stream->shutting_down)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _("The stream is already being closed"));
      g_object_unref (task);
      return;
    }

  stream->close_task = task;
  queue_close_tag (stream);

  stream->close_timeout = g_timeout_source_new (timeout_ms);
  g_source_set_callback (stream->close_timeout, on_close_timeout, stream, NULL);
  g_source_set_name (stream->close_timeout, "[gxmpp] stream close timeout");
  g_source_attach (stream->close_timeout, g_task_get_context (task));

  process_items (stream);
}

/**
 * gxmpp_stream_close_finish:
 * @stream: a stream
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@GXmpp.Stream.close_async].
 *
 * Returns: %TRUE when the connection is closed
 */
gboolean
gxmpp_stream_close_finish (GXmppStream   *stream,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, stream), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gxmpp_stream_close_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
