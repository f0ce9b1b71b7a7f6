/* fault-proxy.c: a TCP proxy on loopback that injects network faults
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Everything but the counters lives in the proxy's thread: public calls
 * that change something run there through g_main_context_invoke() and
 * wait for it on a GCond. Sockets are non-blocking GSockets watched by
 * GSources in the proxy's context; each direction of a connection pair is
 * a Flow with a queue of chunks read from one socket and not yet written
 * to the other, each with the time it may be written (for the delay).
 */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "fault-proxy.h"

/* What one read takes, and how much a direction may hold before the proxy
 * stops reading from its sending side. */
#define CHUNK_SIZE 16384
#define FLOW_LIMIT (4 * CHUNK_SIZE)

typedef struct _Pair Pair;

typedef struct {
  gint64 due;                   /* monotonic time from which it may be written */
  gsize length;
  gsize offset;                 /* what has been written already */
  guint8 data[];
} Chunk;

typedef struct {
  Pair *pair;
  GXmppFaultProxyDirection dir;
  GSocket *from;                /* borrowed from the pair; NULL while connecting */
  GSocket *to;
  GSource *read_source;
  GSource *write_source;
  GSource *timer;
  GQueue chunks;                /* Chunk */
  gsize queued;                 /* bytes in chunks, not yet written */
  gboolean ended;               /* end of stream from @from (or, blackholed, an error) */
  gboolean shut;                /* @to is shut down for writing */
} Flow;

/* Reference-counted (only ever in the proxy's thread): the proxy's list
 * holds one reference, and each source and pending connect another. */
struct _Pair {
  GXmppFaultProxy *proxy;
  GSocket *client;
  GSocketConnection *upstream_connection;
  GSocket *upstream;
  GCancellable *cancellable;    /* the connect to upstream */
  Flow flows[2];                /* indexed by GXmppFaultProxyDirection */
  gboolean blackholed;
  gboolean closed;
};

struct _GXmppFaultProxy
{
  /* Set by gxmpp_fault_proxy_new(), then read-only. */
  char *upstream_host;
  guint16 upstream_port;
  guint16 port;
  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;

  /* Only touched in the proxy's thread once it runs. */
  GSocket *listener;
  GSource *accept_source;
  GSocketClient *client;
  GPtrArray *pairs;             /* Pair, one reference each */
  guint connecting;             /* connects to upstream not finished */
  guint delay_ms;
  gboolean refuse;
  gboolean cut_armed;
  GXmppFaultProxyDirection cut_dir;
  guint64 cut_remaining;

  /* Under @lock: read from any thread. @cond signals finished calls. */
  GMutex lock;
  GCond cond;
  guint accepted;
  guint open;
  guint64 bytes[2];
};

static void flow_update (Flow *flow);

static Pair *
pair_ref (Pair *pair)
{
  return g_rc_box_acquire (pair);
}

static void
pair_clear (Pair *pair)
{
  for (guint i = 0; i < G_N_ELEMENTS (pair->flows); i++)
    g_queue_clear_full (&pair->flows[i].chunks, g_free);
  g_clear_object (&pair->client);
  g_clear_object (&pair->upstream);
  g_clear_object (&pair->upstream_connection);
  g_clear_object (&pair->cancellable);
}

static void
pair_unref (Pair *pair)
{
  g_rc_box_release_full (pair, (GDestroyNotify) pair_clear);
}

/* For the destroy notify of a flow's sources, which hold a reference to
 * its pair. */
static void
flow_release (Flow *flow)
{
  pair_unref (flow->pair);
}

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static GSource *
flow_add_source (Flow        *flow,
                 GSource     *source,
                 GSourceFunc  callback)
{
  g_source_set_callback (source, callback, flow, (GDestroyNotify) flow_release);
  pair_ref (flow->pair);
  g_source_attach (source, flow->pair->proxy->context);
  return source;
}

static void
set_nodelay (GSocket *socket)
{
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
}

/* Closes @socket with a RST instead of a FIN: SO_LINGER {1, 0}, then
 * close(); whatever it still had to send is dropped. */
static void
socket_reset (GSocket *socket)
{
  struct linger linger = { .l_onoff = 1, .l_linger = 0 };

  if (setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER, &linger, sizeof linger) != 0)
    g_debug ("fault proxy: SO_LINGER: %s", g_strerror (errno));
  g_socket_close (socket, NULL);
}

static void
pair_close (Pair     *pair,
            gboolean  reset)
{
  GXmppFaultProxy *self = pair->proxy;

  if (pair->closed)
    return;
  pair->closed = TRUE;
  g_cancellable_cancel (pair->cancellable);

  for (guint i = 0; i < G_N_ELEMENTS (pair->flows); i++)
    {
      Flow *flow = &pair->flows[i];

      clear_source (&flow->read_source);
      clear_source (&flow->write_source);
      clear_source (&flow->timer);
      g_queue_clear_full (&flow->chunks, g_free);
      flow->queued = 0;
    }

  /* Before the peers can see the end: a test that saw it sees the count. */
  g_mutex_lock (&self->lock);
  self->open--;
  g_mutex_unlock (&self->lock);

  if (reset)
    {
      socket_reset (pair->client);
      if (pair->upstream != NULL)
        socket_reset (pair->upstream);
    }
  else
    {
      g_socket_close (pair->client, NULL);
      if (pair->upstream != NULL)
        g_socket_close (pair->upstream, NULL);
    }

  /* Last: this may drop the last reference but one the caller holds. */
  g_ptr_array_remove (self->pairs, pair);
}

/* The open pairs, each with a reference, for loops that may close them. */
static GPtrArray *
pairs_snapshot (GXmppFaultProxy *self)
{
  GPtrArray *snapshot = g_ptr_array_new_full (self->pairs->len, (GDestroyNotify) pair_unref);

  for (guint i = 0; i < self->pairs->len; i++)
    g_ptr_array_add (snapshot, pair_ref (g_ptr_array_index (self->pairs, i)));
  return snapshot;
}

static void
cut_all (GXmppFaultProxy *self)
{
  g_autoptr(GPtrArray) snapshot = pairs_snapshot (self);

  self->cut_armed = FALSE;
  for (guint i = 0; i < snapshot->len; i++)
    pair_close (g_ptr_array_index (snapshot, i), TRUE);
}

static gboolean
on_timer (gpointer user_data)
{
  Flow *flow = user_data;

  g_clear_pointer (&flow->timer, g_source_unref);
  flow_update (flow);
  return G_SOURCE_REMOVE;
}

static gboolean
on_writable (GSocket      *socket,
             GIOCondition  condition,
             gpointer      user_data)
{
  Flow *flow = user_data;

  g_clear_pointer (&flow->write_source, g_source_unref);
  flow_update (flow);
  return G_SOURCE_REMOVE;
}

/* Writes what is due. Returns FALSE if the pair was closed (or everything
 * was cut). */
static gboolean
flow_write (Flow *flow)
{
  Pair *pair = flow->pair;
  GXmppFaultProxy *self = pair->proxy;
  Chunk *chunk;

  while ((chunk = g_queue_peek_head (&flow->chunks)) != NULL)
    {
      g_autoptr(GError) error = NULL;
      gint64 now = g_get_monotonic_time ();
      gsize length = chunk->length - chunk->offset;
      gboolean counting = self->cut_armed && self->cut_dir == flow->dir;
      gssize n;

      if (chunk->due > now)
        {
          if (flow->timer == NULL)
            flow->timer = flow_add_source (flow, g_timeout_source_new ((chunk->due - now + 999) / 1000),
                                           on_timer);
          return TRUE;
        }

      if (counting)
        length = MIN (length, self->cut_remaining);
      /* Under the lock, so that whoever has seen the bytes arrive sees
       * them counted. */
      g_mutex_lock (&self->lock);
      n = g_socket_send (flow->to, (const char *) chunk->data + chunk->offset, length, NULL, &error);
      if (n > 0)
        self->bytes[flow->dir] += n;
      g_mutex_unlock (&self->lock);
      if (n < 0)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            {
              g_debug ("fault proxy: write: %s", error->message);
              pair_close (pair, TRUE);
              return FALSE;
            }
          if (flow->write_source == NULL)
            flow->write_source = flow_add_source (flow, g_socket_create_source (flow->to, G_IO_OUT, NULL),
                                                  (GSourceFunc) on_writable);
          return TRUE;
        }

      chunk->offset += n;
      flow->queued -= n;
      if (chunk->offset == chunk->length)
        g_free (g_queue_pop_head (&flow->chunks));

      if (counting)
        {
          self->cut_remaining -= n;
          if (self->cut_remaining == 0)
            {
              cut_all (self);
              return FALSE;
            }
        }
    }
  return TRUE;
}

static gboolean on_readable (GSocket *socket, GIOCondition condition, gpointer user_data);

/* Brings a flow up to date after anything happened to it: writes what is
 * due, reads while there is room, passes on an end of stream, closes the
 * pair when both directions are over. */
static void
flow_update (Flow *flow)
{
  Pair *pair = flow->pair;
  gboolean want_read;

  if (pair->closed)
    return;
  if (!pair->blackholed && !flow_write (flow))
    return;

  want_read = flow->from != NULL && !flow->ended && flow->queued < FLOW_LIMIT;
  if (want_read && flow->read_source == NULL)
    flow->read_source = flow_add_source (flow, g_socket_create_source (flow->from, G_IO_IN, NULL),
                                         (GSourceFunc) on_readable);
  else if (!want_read)
    clear_source (&flow->read_source);

  if (!pair->blackholed && flow->ended && !flow->shut && g_queue_is_empty (&flow->chunks))
    {
      g_autoptr(GError) error = NULL;

      flow->shut = TRUE;
      if (!g_socket_shutdown (flow->to, FALSE, TRUE, &error))
        {
          g_debug ("fault proxy: shutdown: %s", error->message);
          pair_close (pair, TRUE);
          return;
        }
    }

  if (pair->blackholed ? pair->flows[0].ended && pair->flows[1].ended
                       : pair->flows[0].shut && pair->flows[1].shut)
    pair_close (pair, FALSE);
}

static gboolean
on_readable (GSocket      *socket,
             GIOCondition  condition,
             gpointer      user_data)
{
  Flow *flow = user_data;
  Pair *pair = flow->pair;
  g_autoptr(GError) error = NULL;
  guint8 buffer[CHUNK_SIZE];
  Chunk *chunk;
  gssize n;

  n = g_socket_receive (socket, (char *) buffer, sizeof buffer, NULL, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;

  if (n < 0 && !pair->blackholed)
    {
      g_debug ("fault proxy: read: %s", error->message);
      pair_close (pair, TRUE);
      return G_SOURCE_REMOVE;
    }

  if (n <= 0)
    flow->ended = TRUE;
  else if (!pair->blackholed)
    {
      chunk = g_malloc (sizeof (Chunk) + n);
      chunk->due = g_get_monotonic_time () + (gint64) pair->proxy->delay_ms * 1000;
      chunk->length = n;
      chunk->offset = 0;
      memcpy (chunk->data, buffer, n);
      g_queue_push_tail (&flow->chunks, chunk);
      flow->queued += n;
    }
  /* else: a dead path loses it */

  flow_update (flow);
  return G_SOURCE_CONTINUE;
}

static void
pair_start_flows (Pair *pair)
{
  Flow *c2s = &pair->flows[GXMPP_FAULT_PROXY_CLIENT_TO_SERVER];
  Flow *s2c = &pair->flows[GXMPP_FAULT_PROXY_SERVER_TO_CLIENT];

  c2s->from = pair->client;
  c2s->to = pair->upstream;
  s2c->from = pair->upstream;
  s2c->to = pair->client;
  if (pair->upstream == NULL)
    s2c->ended = TRUE;          /* blackholed, and the connect failed */
  flow_update (c2s);
  flow_update (s2c);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Pair *pair = user_data;
  GXmppFaultProxy *self = pair->proxy;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  self->connecting--;
  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (pair->closed)
    ;                           /* cut or freed meanwhile: drop it */
  else if (connection != NULL)
    {
      pair->upstream_connection = g_steal_pointer (&connection);
      pair->upstream = g_object_ref (g_socket_connection_get_socket (pair->upstream_connection));
      g_socket_set_blocking (pair->upstream, FALSE);
      set_nodelay (pair->upstream);
      pair_start_flows (pair);
    }
  else if (pair->blackholed)
    pair_start_flows (pair);    /* the connect failed: only the client side */
  else
    {
      /* As if the server refused: the client gets a reset. */
      g_debug ("fault proxy: cannot reach %s:%u: %s", self->upstream_host, self->upstream_port,
               error->message);
      pair_close (pair, TRUE);
    }
  pair_unref (pair);
}

static void
pair_start (GXmppFaultProxy *self,
            GSocket         *client)
{
  g_autoptr(GSocketConnectable) upstream = g_network_address_new (self->upstream_host, self->upstream_port);
  Pair *pair = g_rc_box_new0 (Pair);

  pair->proxy = self;
  pair->client = client;
  pair->cancellable = g_cancellable_new ();
  for (guint i = 0; i < G_N_ELEMENTS (pair->flows); i++)
    {
      pair->flows[i].pair = pair;
      pair->flows[i].dir = i;
      g_queue_init (&pair->flows[i].chunks);
    }
  g_ptr_array_add (self->pairs, pair);
  g_mutex_lock (&self->lock);
  self->open++;
  g_mutex_unlock (&self->lock);

  self->connecting++;
  g_socket_client_connect_async (self->client, upstream, pair->cancellable, on_connected, pair_ref (pair));
}

static gboolean
on_accept (GSocket      *listener,
           GIOCondition  condition,
           gpointer      user_data)
{
  GXmppFaultProxy *self = user_data;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      GSocket *socket = g_socket_accept (listener, NULL, &error);

      if (socket == NULL)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_debug ("fault proxy: accept: %s", error->message);
          break;
        }

      g_mutex_lock (&self->lock);
      self->accepted++;
      g_mutex_unlock (&self->lock);

      if (self->refuse)
        {
          socket_reset (socket);
          g_object_unref (socket);
          continue;
        }
      g_socket_set_blocking (socket, FALSE);
      set_nodelay (socket);
      pair_start (self, socket);
    }
  return G_SOURCE_CONTINUE;
}

static gpointer
proxy_thread (gpointer user_data)
{
  GXmppFaultProxy *self = user_data;

  g_main_context_push_thread_default (self->context);
  g_main_loop_run (self->loop);
  /* Connects cancelled by the shutdown still have to call back. */
  while (self->connecting > 0)
    g_main_context_iteration (self->context, TRUE);
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

/* Running calls in the proxy's thread. */

typedef void (* CallFunc) (GXmppFaultProxy *self,
                           gpointer         data);

typedef struct {
  GXmppFaultProxy *self;
  CallFunc func;
  gpointer data;
  gboolean done;
} Call;

static gboolean
call_dispatch (gpointer user_data)
{
  Call *call = user_data;
  GXmppFaultProxy *self = call->self;

  call->func (self, call->data);
  g_mutex_lock (&self->lock);
  call->done = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return G_SOURCE_REMOVE;
}

/* Runs @func in the proxy's thread and returns when it has run. */
static void
run_in_thread (GXmppFaultProxy *self,
               CallFunc         func,
               gpointer         data)
{
  Call call = { self, func, data, FALSE };

  if (g_main_context_is_owner (self->context))
    {
      func (self, data);
      return;
    }
  g_main_context_invoke (self->context, call_dispatch, &call);
  g_mutex_lock (&self->lock);
  while (!call.done)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);
}

GXmppFaultProxy *
gxmpp_fault_proxy_new (const char  *upstream_host,
                       guint16      upstream_port,
                       GError     **error)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GSocket) listener = NULL;
  GXmppFaultProxy *self;

  g_return_val_if_fail (upstream_host != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (listener == NULL)
    return NULL;
  g_socket_set_blocking (listener, FALSE);
  g_socket_set_listen_backlog (listener, 64);
  if (!g_socket_bind (listener, address, TRUE, error) || !g_socket_listen (listener, error))
    return NULL;
  effective = g_socket_get_local_address (listener, error);
  if (effective == NULL)
    return NULL;

  self = g_new0 (GXmppFaultProxy, 1);
  self->upstream_host = g_strdup (upstream_host);
  self->upstream_port = upstream_port;
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  self->listener = g_steal_pointer (&listener);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->client = g_socket_client_new ();
  /* Loopback to a test server: no system proxy in between. */
  g_socket_client_set_enable_proxy (self->client, FALSE);
  self->pairs = g_ptr_array_new_with_free_func ((GDestroyNotify) pair_unref);
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);

  self->accept_source = g_socket_create_source (self->listener, G_IO_IN, NULL);
  g_source_set_callback (self->accept_source, (GSourceFunc) on_accept, self, NULL);
  g_source_attach (self->accept_source, self->context);

  self->thread = g_thread_new ("fault-proxy", proxy_thread, self);
  return self;
}

static void
do_shutdown (GXmppFaultProxy *self,
             gpointer         data)
{
  g_autoptr(GPtrArray) snapshot = pairs_snapshot (self);

  clear_source (&self->accept_source);
  g_socket_close (self->listener, NULL);
  for (guint i = 0; i < snapshot->len; i++)
    pair_close (g_ptr_array_index (snapshot, i), FALSE);
  g_main_loop_quit (self->loop);
}

void
gxmpp_fault_proxy_free (GXmppFaultProxy *self)
{
  if (self == NULL)
    return;

  run_in_thread (self, do_shutdown, NULL);
  g_thread_join (self->thread);

  g_ptr_array_unref (self->pairs);
  g_object_unref (self->client);
  g_object_unref (self->listener);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self->upstream_host);
  g_free (self);
}

guint16
gxmpp_fault_proxy_get_port (GXmppFaultProxy *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->port;
}

GSocketConnectable *
gxmpp_fault_proxy_get_address (GXmppFaultProxy *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_network_address_new ("127.0.0.1", self->port);
}

guint
gxmpp_fault_proxy_count_accepted (GXmppFaultProxy *self)
{
  guint count;

  g_return_val_if_fail (self != NULL, 0);

  g_mutex_lock (&self->lock);
  count = self->accepted;
  g_mutex_unlock (&self->lock);
  return count;
}

guint
gxmpp_fault_proxy_count_open (GXmppFaultProxy *self)
{
  guint count;

  g_return_val_if_fail (self != NULL, 0);

  g_mutex_lock (&self->lock);
  count = self->open;
  g_mutex_unlock (&self->lock);
  return count;
}

guint64
gxmpp_fault_proxy_get_bytes (GXmppFaultProxy          *self,
                             GXmppFaultProxyDirection  dir)
{
  guint64 bytes;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (dir == GXMPP_FAULT_PROXY_CLIENT_TO_SERVER ||
                        dir == GXMPP_FAULT_PROXY_SERVER_TO_CLIENT, 0);

  g_mutex_lock (&self->lock);
  bytes = self->bytes[dir];
  g_mutex_unlock (&self->lock);
  return bytes;
}

static void
do_cut (GXmppFaultProxy *self,
        gpointer         data)
{
  cut_all (self);
}

void
gxmpp_fault_proxy_cut (GXmppFaultProxy *self)
{
  g_return_if_fail (self != NULL);

  run_in_thread (self, do_cut, NULL);
}

typedef struct {
  GXmppFaultProxyDirection dir;
  guint64 n;
} CutAfter;

static void
do_cut_after (GXmppFaultProxy *self,
              gpointer         data)
{
  CutAfter *cut = data;

  if (cut->n == 0)
    {
      cut_all (self);
      return;
    }
  self->cut_armed = TRUE;
  self->cut_dir = cut->dir;
  self->cut_remaining = cut->n;
}

void
gxmpp_fault_proxy_cut_after (GXmppFaultProxy          *self,
                             GXmppFaultProxyDirection  dir,
                             guint64                   n)
{
  CutAfter cut = { dir, n };

  g_return_if_fail (self != NULL);
  g_return_if_fail (dir == GXMPP_FAULT_PROXY_CLIENT_TO_SERVER ||
                    dir == GXMPP_FAULT_PROXY_SERVER_TO_CLIENT);

  run_in_thread (self, do_cut_after, &cut);
}

static void
pair_blackhole (Pair *pair)
{
  pair->blackholed = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (pair->flows); i++)
    {
      Flow *flow = &pair->flows[i];

      clear_source (&flow->write_source);
      clear_source (&flow->timer);
      g_queue_clear_full (&flow->chunks, g_free);
      flow->queued = 0;
    }
  for (guint i = 0; i < G_N_ELEMENTS (pair->flows) && !pair->closed; i++)
    flow_update (&pair->flows[i]);
}

static void
do_blackhole (GXmppFaultProxy *self,
              gpointer         data)
{
  g_autoptr(GPtrArray) snapshot = pairs_snapshot (self);
  guint *count = data;

  for (guint i = 0; i < snapshot->len; i++)
    {
      Pair *pair = g_ptr_array_index (snapshot, i);

      if (!pair->blackholed)
        {
          pair_blackhole (pair);
          (*count)++;
        }
    }
}

guint
gxmpp_fault_proxy_blackhole (GXmppFaultProxy *self)
{
  guint count = 0;

  g_return_val_if_fail (self != NULL, 0);

  run_in_thread (self, do_blackhole, &count);
  return count;
}

static void
do_set_delay (GXmppFaultProxy *self,
              gpointer         data)
{
  self->delay_ms = GPOINTER_TO_UINT (data);
}

void
gxmpp_fault_proxy_set_delay (GXmppFaultProxy *self,
                             guint            ms)
{
  g_return_if_fail (self != NULL);

  run_in_thread (self, do_set_delay, GUINT_TO_POINTER (ms));
}

static void
do_set_refuse (GXmppFaultProxy *self,
               gpointer         data)
{
  self->refuse = GPOINTER_TO_INT (data);
}

void
gxmpp_fault_proxy_set_refuse (GXmppFaultProxy *self,
                              gboolean         refuse)
{
  g_return_if_fail (self != NULL);

  run_in_thread (self, do_set_refuse, GINT_TO_POINTER (!!refuse));
}
