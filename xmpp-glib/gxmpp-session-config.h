/* gxmpp-session-config.h: settings of a session
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GXMPP_INSIDE) && !defined(GXMPP_COMPILATION)
#error "Only <xmpp-glib/xmpp-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "gxmpp-version-macros.h"
#include "gxmpp-reconnect-policy.h"
#include "gxmpp-stream-config.h"

G_BEGIN_DECLS

/**
 * GXmppStanzaIdFunc:
 * @user_data: the data given with the function
 *
 * Makes the `id` of a stanza the session sends without one (the seed's
 * `sessionStanzaIDs`). Ids must be unique for the session's lifetime and
 * should be unguessable: replies to IQs are matched on them.
 *
 * Returns: (transfer full): a new id
 */
typedef char * (* GXmppStanzaIdFunc) (gpointer user_data);

#define GXMPP_TYPE_SESSION_CONFIG (gxmpp_session_config_get_type ())

GXMPP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GXmppSessionConfig, gxmpp_session_config, GXMPP, SESSION_CONFIG, GObject)

GXMPP_AVAILABLE_IN_ALL
GXmppSessionConfig *gxmpp_session_config_new (void);

GXMPP_AVAILABLE_IN_ALL
GXmppStreamConfig *gxmpp_session_config_get_stream_config (GXmppSessionConfig *config);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_session_config_set_stream_config (GXmppSessionConfig *config,
                                             GXmppStreamConfig  *stream_config);
GXMPP_AVAILABLE_IN_ALL
guint gxmpp_session_config_get_iq_timeout (GXmppSessionConfig *config);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_session_config_set_iq_timeout (GXmppSessionConfig *config,
                                          guint               timeout_ms);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_session_config_set_stanza_id_func (GXmppSessionConfig *config,
                                              GXmppStanzaIdFunc   func,
                                              gpointer            user_data,
                                              GDestroyNotify      destroy);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_session_config_get_stream_management (GXmppSessionConfig *config);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_session_config_set_stream_management (GXmppSessionConfig *config,
                                                 gboolean           enabled);
GXMPP_AVAILABLE_IN_ALL
guint gxmpp_session_config_get_max_unacked_stanzas (GXmppSessionConfig *config);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_session_config_set_max_unacked_stanzas (GXmppSessionConfig *config,
                                                   guint              value);
GXMPP_AVAILABLE_IN_ALL
guint gxmpp_session_config_get_max_unacked_bytes (GXmppSessionConfig *config);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_session_config_set_max_unacked_bytes (GXmppSessionConfig *config,
                                                 guint              value);
GXMPP_AVAILABLE_IN_ALL
guint gxmpp_session_config_get_keepalive_interval (GXmppSessionConfig *config);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_session_config_set_keepalive_interval (GXmppSessionConfig *config,
                                                  guint              value);
GXMPP_AVAILABLE_IN_ALL
guint gxmpp_session_config_get_ping_interval (GXmppSessionConfig *config);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_session_config_set_ping_interval (GXmppSessionConfig *config,
                                             guint              value);
GXMPP_AVAILABLE_IN_ALL
guint gxmpp_session_config_get_ping_timeout (GXmppSessionConfig *config);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_session_config_set_ping_timeout (GXmppSessionConfig *config,
                                            guint              value);
GXMPP_AVAILABLE_IN_ALL
GXmppReconnectPolicy *gxmpp_session_config_get_reconnect (GXmppSessionConfig *config);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_session_config_set_reconnect (GXmppSessionConfig   *config,
                                         GXmppReconnectPolicy *policy);
GXMPP_AVAILABLE_IN_ALL
GNetworkMonitor *gxmpp_session_config_get_network_monitor (GXmppSessionConfig *config);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_session_config_set_network_monitor (GXmppSessionConfig *config,
                                               GNetworkMonitor    *monitor);

GXMPP_AVAILABLE_IN_ALL
char *gxmpp_session_config_make_stanza_id (GXmppSessionConfig *config);

G_END_DECLS
