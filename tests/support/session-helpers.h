/* session-helpers.h: connecting sessions to test servers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What the tests that connect a GXmppSession to a ScriptedServer share: a
 * configuration that points at the server and trusts the test CA, and a
 * connect that runs the main loop until the session is ready or failed.
 * What they share with the tests against real servers (GXmppTestServer):
 * a configuration for such a server, the callbacks of
 * gxmpp_session_new_async() and gxmpp_session_close_async(), and a record
 * of what a session went through (SessionWatch).
 */

#pragma once

#include <xmpp-glib/xmpp-glib.h>

#include "gxmpp-test-server.h"
#include "scripted-server.h"

G_BEGIN_DECLS

/* Where session_connect_cb() puts the outcome of gxmpp_session_new_async(). */
typedef struct {
  GXmppSession *session;
  GError *error;
  gboolean done;
} SessionConnectResult;

/* A GAsyncReadyCallback for gxmpp_session_new_async() whose user data is a
 * SessionConnectResult. */
void session_connect_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data);

/* A GAsyncReadyCallback for gxmpp_session_close_async() whose user data is
 * a gboolean: asserts that the close succeeded, then sets it to TRUE. */
void session_close_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data);

typedef struct {
  gboolean done;
  gboolean ok;
  GError *error;
} SessionSendResult;

/* A GAsyncReadyCallback for gxmpp_session_send_async() whose user data is
 * a SessionSendResult (done once the stanza is confirmed or failed). */
void session_send_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data);

/* A session configuration for 127.0.0.1:@port with @policy, the test CA,
 * a connect timeout of ten seconds, and no reconnecting. */
GXmppSessionConfig *session_config_for (guint16        port,
                                        GXmppTlsPolicy policy);

/* A session configuration for the real server @server with @policy (on
 * its direct TLS port for GXMPP_TLS_POLICY_DIRECT, else on its STARTTLS
 * port), trusting its CA, with a connect timeout of @connect_timeout_ms. */
GXmppSessionConfig *session_config_for_server (GXmppTestServer *server,
                                               GXmppTlsPolicy   policy,
                                               guint            connect_timeout_ms);

/* Connects to "localhost" with @config and @auth and runs the main loop
 * until the session is ready or has failed; with @server, also gives the
 * server a moment to see what the client did last. */
GXmppSession *session_connect_with (GXmppSessionConfig  *config,
                                    GXmppAuth           *auth,
                                    ScriptedServer      *server,
                                    GError             **error);

/* Runs the main loop until no GXmppStream is left (at most ten seconds): a
 * session dropped while ready says goodbye in the background (bounded by
 * the close timeout), and a test program calls this before it returns, so
 * that valgrind sees those streams finalized rather than in flight. */
void session_wait_for_streams (void);

/* What a session went through: its ::closed signals and notify::state. */
typedef struct {
  guint closed;             /* how many times ::closed was emitted */
  GError *reason;           /* the reason of the last ::closed, or NULL */
  GArray *states;           /* GXmppSessionState, from notify::state */
  guint disconnected;       /* how many times ::disconnected was emitted */
  GError *disconnect_reason;  /* the reason of the last one */
  guint reconnected;        /* how many times ::reconnected was emitted */
  guint resumed;            /* how many of those resumed the stream */
} SessionWatch;

/* Starts recording @session's ::closed, ::disconnected, ::reconnected and
 * notify::state into @watch
 * (which must outlive the handlers). */
void session_watch (SessionWatch *watch,
                    GXmppSession *session);
/* Frees what @watch recorded. */
void session_watch_clear (SessionWatch *watch);

G_END_DECLS
