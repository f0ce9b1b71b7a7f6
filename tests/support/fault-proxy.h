/* fault-proxy.h: a TCP proxy on loopback that injects network faults
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * For the tests of stream management and reconnection: the proxy listens
 * on 127.0.0.1, port 0, and forwards every connection it accepts, as
 * plain TCP (TLS passes through untouched), to an upstream server such as
 * a private Prosody. The test then breaks the path on purpose: it resets
 * connections (at once, or after a chosen number of bytes, to cut in the
 * middle of a stanza), turns them into a dead path that loses everything
 * without a FIN or a RST, delays what they carry, or resets new
 * connections as a server that is down would.
 *
 * The proxy runs in a thread of its own with its own GMainContext, so it
 * keeps forwarding while the test blocks its main context (for instance
 * in gxmpp_session_new_sync()). Every function may be called from any
 * thread; those that change what the proxy does return once the change
 * has taken effect in the proxy's thread.
 *
 * An end of stream on one side shuts down the write half of the other
 * side once everything before it has been forwarded; a connection pair is
 * closed when both directions have ended. An error on either side resets
 * both. The proxy buffers at most a few tens of kilobytes per direction:
 * it stops reading from a side whose peer does not read.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _GXmppFaultProxy GXmppFaultProxy;

/* The two directions of a connection pair. */
typedef enum {
  GXMPP_FAULT_PROXY_CLIENT_TO_SERVER,
  GXMPP_FAULT_PROXY_SERVER_TO_CLIENT,
} GXmppFaultProxyDirection;

/* Starts a proxy listening on 127.0.0.1 (a free port) that connects each
 * connection it accepts to @upstream_host:@upstream_port. Returns NULL
 * and sets @error if it cannot listen. */
GXmppFaultProxy *gxmpp_fault_proxy_new (const char  *upstream_host,
                                        guint16      upstream_port,
                                        GError     **error);
/* Stops the proxy's thread and closes every connection (plainly, with a
 * FIN) and the listening socket. NULL is ignored. */
void gxmpp_fault_proxy_free (GXmppFaultProxy *self);

/* The port the proxy listens on, on 127.0.0.1. */
guint16 gxmpp_fault_proxy_get_port (GXmppFaultProxy *self);
/* The address the proxy listens on, 127.0.0.1 and its port, for a
 * GXmppStreamConfig. Transfer full. */
GSocketConnectable *gxmpp_fault_proxy_get_address (GXmppFaultProxy *self);

/* How many connections the proxy has accepted so far, refused ones
 * (gxmpp_fault_proxy_set_refuse()) included. */
guint gxmpp_fault_proxy_count_accepted (GXmppFaultProxy *self);
/* How many connection pairs are open now: accepted, not refused, and not
 * yet closed or cut; blackholed ones count. */
guint gxmpp_fault_proxy_count_open (GXmppFaultProxy *self);
/* How many bytes the proxy has forwarded in @dir, over all connections
 * since it started (written to the receiving side's socket). */
guint64 gxmpp_fault_proxy_get_bytes (GXmppFaultProxy          *self,
                                     GXmppFaultProxyDirection  dir);

/* Cuts every open connection without a FIN: both sockets of each pair are
 * reset (SO_LINGER {1, 0} then close) and nothing still buffered in the
 * proxy is forwarded. When it returns, the resets have been sent. */
void gxmpp_fault_proxy_cut (GXmppFaultProxy *self);
/* Cuts at a chosen point: once @n more bytes have been forwarded in @dir,
 * counted over all open connections, cuts every connection as
 * gxmpp_fault_proxy_cut() does. Exactly @n bytes are forwarded in @dir
 * before the cut (@n = 0 cuts at once). Replaces an earlier cut_after()
 * that has not fired; gxmpp_fault_proxy_cut() disarms it. When the cut has
 * happened, gxmpp_fault_proxy_count_open() drops to 0. */
void gxmpp_fault_proxy_cut_after (GXmppFaultProxy          *self,
                                  GXmppFaultProxyDirection  dir,
                                  guint64                   n);
/* Turns every open connection into a dead network path: from now on what
 * either side sends is read and discarded, and nothing reaches it, not
 * even an end of stream; its sockets stay open, without a FIN or a RST,
 * until gxmpp_fault_proxy_cut() or gxmpp_fault_proxy_free() (or until
 * both of its peers have gone). Connections accepted afterwards are
 * forwarded normally. A connection still being connected upstream is
 * blackholed too: the connect goes on, and if it succeeds, that side is
 * dead as well. Returns how many connections it blackholed, not counting
 * those that already were. */
guint gxmpp_fault_proxy_blackhole (GXmppFaultProxy *self);
/* Delays every chunk forwarded from now on, in both directions, on open
 * and new connections, by @ms milliseconds from the moment the proxy read
 * it; 0 stops delaying new chunks. The order of the bytes is kept. */
void gxmpp_fault_proxy_set_delay (GXmppFaultProxy *self,
                                  guint            ms);
/* While @refuse is TRUE, new connections are accepted and reset at once,
 * as by a server that is down; open ones are left alone. */
void gxmpp_fault_proxy_set_refuse (GXmppFaultProxy *self,
                                   gboolean         refuse);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GXmppFaultProxy, gxmpp_fault_proxy_free)

G_END_DECLS
