/* gxmpp-session.h: an XMPP client session
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GXMPP_INSIDE) && !defined(GXMPP_COMPILATION)
#error "Only <xmpp-glib/xmpp-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "gxmpp-version-macros.h"
#include "gxmpp-auth.h"
#include "gxmpp-iq.h"
#include "gxmpp-iq-request.h"
#include "gxmpp-jid.h"
#include "gxmpp-message.h"
#include "gxmpp-node.h"
#include "gxmpp-presence.h"
#include "gxmpp-session-config.h"
#include "gxmpp-stanza-match.h"

G_BEGIN_DECLS

/**
 * GXmppSessionState:
 * @GXMPP_SESSION_STATE_DISCONNECTED: not connected: not yet, or the
 *   connection was lost and the session waits to reconnect (see
 *   [signal@GXmpp.Session::disconnected])
 * @GXMPP_SESSION_STATE_CONNECTING: connecting and negotiating a stream
 * @GXMPP_SESSION_STATE_READY: negotiated: stanzas flow
 * @GXMPP_SESSION_STATE_CLOSING: closing the stream
 * @GXMPP_SESSION_STATE_CLOSED: closed for good; see [signal@GXmpp.Session::closed]
 * @GXMPP_SESSION_STATE_RESUMING: reconnecting, and asking the server to
 *   resume the lost stream (XEP-0198)
 *
 * Where a [class@GXmpp.Session] is in its life.
 */
typedef enum {
  GXMPP_SESSION_STATE_DISCONNECTED,
  GXMPP_SESSION_STATE_CONNECTING,
  GXMPP_SESSION_STATE_READY,
  GXMPP_SESSION_STATE_CLOSING,
  GXMPP_SESSION_STATE_CLOSED,
  GXMPP_SESSION_STATE_RESUMING,
} GXmppSessionState;

#define GXMPP_TYPE_SESSION (gxmpp_session_get_type ())

GXMPP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GXmppSession, gxmpp_session, GXMPP, SESSION, GObject)

/**
 * GXmppStanzaHandler:
 * @session: the session
 * @stanza: the stanza received
 * @user_data: the data given with the handler
 *
 * Handles a stanza that matched the handler's [struct@GXmpp.StanzaMatch].
 *
 * Returns: %TRUE if the stanza is handled and no further handler should see
 *   it
 */
typedef gboolean (* GXmppStanzaHandler) (GXmppSession *session,
                                         GXmppStanza  *stanza,
                                         gpointer      user_data);

/**
 * GXmppIqHandler:
 * @session: the session
 * @request: the request, to answer once with
 *   [method@GXmpp.IqRequest.reply_result] or
 *   [method@GXmpp.IqRequest.reply_error], now or later
 * @user_data: the data given with the handler
 *
 * Answers IQ requests of one type and payload namespace. To answer later,
 * keep a reference to @request.
 */
typedef void (* GXmppIqHandler) (GXmppSession   *session,
                                 GXmppIqRequest *request,
                                 gpointer        user_data);

GXMPP_AVAILABLE_IN_ALL
void gxmpp_session_new_async (const char          *domain,
                              GXmppSessionConfig  *config,
                              GXmppAuth           *auth,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data);
GXMPP_AVAILABLE_IN_ALL
GXmppSession *gxmpp_session_new_finish (GAsyncResult  *result,
                                        GError       **error);
GXMPP_AVAILABLE_IN_ALL
GXmppSession *gxmpp_session_new_sync (const char          *domain,
                                      GXmppSessionConfig  *config,
                                      GXmppAuth           *auth,
                                      GCancellable        *cancellable,
                                      GError             **error);

GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_session_get_domain (GXmppSession *session);
GXMPP_AVAILABLE_IN_ALL
GXmppSessionConfig *gxmpp_session_get_config (GXmppSession *session);
GXMPP_AVAILABLE_IN_ALL
GXmppSessionState gxmpp_session_get_state (GXmppSession *session);
GXMPP_AVAILABLE_IN_ALL
GXmppJid *gxmpp_session_get_jid (GXmppSession *session);
GXMPP_AVAILABLE_IN_ALL
GXmppNode *gxmpp_session_get_features (GXmppSession *session);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_session_is_secure (GXmppSession *session);
GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_session_get_mechanism (GXmppSession *session);
GXMPP_AVAILABLE_IN_ALL
GTlsConnection *gxmpp_session_get_tls_connection (GXmppSession *session);

GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_session_send (GXmppSession  *session,
                             GXmppStanza   *stanza,
                             GError       **error);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_session_send_async (GXmppSession        *session,
                               GXmppStanza         *stanza,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_session_send_finish (GXmppSession  *session,
                                    GAsyncResult  *result,
                                    GError       **error);

GXMPP_AVAILABLE_IN_ALL
void gxmpp_session_send_iq_async (GXmppSession        *session,
                                  GXmppIq             *iq,
                                  guint                timeout_ms,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data);
GXMPP_AVAILABLE_IN_ALL
GXmppIq *gxmpp_session_send_iq_finish (GXmppSession  *session,
                                       GAsyncResult  *result,
                                       GError       **error);
GXMPP_AVAILABLE_IN_ALL
GXmppIq *gxmpp_session_send_iq_finish_reply (GXmppSession  *session,
                                             GAsyncResult  *result,
                                             GError       **error);

GXMPP_AVAILABLE_IN_ALL
guint gxmpp_session_add_handler (GXmppSession       *session,
                                 GXmppStanzaMatch   *match,
                                 int                 priority,
                                 GXmppStanzaHandler  handler,
                                 gpointer            user_data,
                                 GDestroyNotify      destroy);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_session_remove_handler (GXmppSession *session,
                                   guint         handler_id);

GXMPP_AVAILABLE_IN_ALL
guint gxmpp_session_add_iq_handler (GXmppSession    *session,
                                    GXmppIqType      type,
                                    const char      *ns,
                                    GXmppIqHandler   handler,
                                    gpointer         user_data,
                                    GDestroyNotify   destroy,
                                    GError         **error);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_session_remove_iq_handler (GXmppSession *session,
                                      guint         handler_id);

GXMPP_AVAILABLE_IN_ALL
void gxmpp_session_reconnect_async (GXmppSession        *session,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_session_reconnect_finish (GXmppSession  *session,
                                         GAsyncResult  *result,
                                         GError       **error);

GXMPP_AVAILABLE_IN_ALL
void gxmpp_session_close_async (GXmppSession        *session,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_session_close_finish (GXmppSession  *session,
                                     GAsyncResult  *result,
                                     GError       **error);

G_END_DECLS
