/* gxmpp-stream-config.h: how to reach and secure the server
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GXMPP_INSIDE) && !defined(GXMPP_COMPILATION)
#error "Only <xmpp-glib/xmpp-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "gxmpp-version-macros.h"
#include "gxmpp-jid.h"

G_BEGIN_DECLS

/**
 * GXmppTlsPolicy:
 * @GXMPP_TLS_POLICY_REQUIRE: use TLS, with STARTTLS or directly; fail if the
 *   server does not offer it. The default.
 * @GXMPP_TLS_POLICY_PREFER: use TLS when the server offers STARTTLS, and go
 *   on without it otherwise. Mechanisms that expose the password (PLAIN)
 *   are still never used without TLS.
 * @GXMPP_TLS_POLICY_DIRECT: connect with TLS from the first byte (XEP-0368
 *   `_xmpps-client` records, or the address given), never with STARTTLS.
 * @GXMPP_TLS_POLICY_REFUSE: never use TLS. Only for servers on loopback or
 *   other trusted links; a server that requires TLS cannot be used.
 *
 * What a session does about TLS. There is no policy that accepts a
 * certificate that fails validation: use
 * [property@GXmpp.StreamConfig:tls-database] for a private CA, or the
 * [signal@GXmpp.Session::accept-certificate] signal to decide case by case.
 */
typedef enum {
  GXMPP_TLS_POLICY_REQUIRE,
  GXMPP_TLS_POLICY_PREFER,
  GXMPP_TLS_POLICY_DIRECT,
  GXMPP_TLS_POLICY_REFUSE,
} GXmppTlsPolicy;

#define GXMPP_TYPE_STREAM_CONFIG (gxmpp_stream_config_get_type ())

GXMPP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GXmppStreamConfig, gxmpp_stream_config, GXMPP, STREAM_CONFIG, GObject)

GXMPP_AVAILABLE_IN_ALL
GXmppStreamConfig *gxmpp_stream_config_new (void);

GXMPP_AVAILABLE_IN_ALL
GXmppTlsPolicy gxmpp_stream_config_get_tls_policy (GXmppStreamConfig *config);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stream_config_set_tls_policy (GXmppStreamConfig *config,
                                         GXmppTlsPolicy     policy);
GXMPP_AVAILABLE_IN_ALL
GSocketConnectable *gxmpp_stream_config_get_server_address (GXmppStreamConfig *config);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stream_config_set_server_address (GXmppStreamConfig  *config,
                                             GSocketConnectable *address);
GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_stream_config_get_preferred_lang (GXmppStreamConfig *config);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stream_config_set_preferred_lang (GXmppStreamConfig *config,
                                             const char        *lang);
GXMPP_AVAILABLE_IN_ALL
GXmppJid *gxmpp_stream_config_get_to_jid (GXmppStreamConfig *config);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stream_config_set_to_jid (GXmppStreamConfig *config,
                                     GXmppJid          *jid);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_stream_config_get_establish_session (GXmppStreamConfig *config);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stream_config_set_establish_session (GXmppStreamConfig *config,
                                                gboolean           establish);
GXMPP_AVAILABLE_IN_ALL
GTlsDatabase *gxmpp_stream_config_get_tls_database (GXmppStreamConfig *config);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stream_config_set_tls_database (GXmppStreamConfig *config,
                                           GTlsDatabase      *database);
GXMPP_AVAILABLE_IN_ALL
GTlsInteraction *gxmpp_stream_config_get_tls_interaction (GXmppStreamConfig *config);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stream_config_set_tls_interaction (GXmppStreamConfig *config,
                                              GTlsInteraction   *interaction);
GXMPP_AVAILABLE_IN_ALL
GTlsCertificate *gxmpp_stream_config_get_tls_certificate (GXmppStreamConfig *config);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stream_config_set_tls_certificate (GXmppStreamConfig *config,
                                              GTlsCertificate   *certificate);
GXMPP_AVAILABLE_IN_ALL
guint gxmpp_stream_config_get_connect_timeout (GXmppStreamConfig *config);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stream_config_set_connect_timeout (GXmppStreamConfig *config,
                                              guint              timeout_ms);
GXMPP_AVAILABLE_IN_ALL
gsize gxmpp_stream_config_get_max_stanza_size (GXmppStreamConfig *config);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stream_config_set_max_stanza_size (GXmppStreamConfig *config,
                                              gsize              max_size);
GXMPP_AVAILABLE_IN_ALL
GResolver *gxmpp_stream_config_get_resolver (GXmppStreamConfig *config);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stream_config_set_resolver (GXmppStreamConfig *config,
                                       GResolver         *resolver);

G_END_DECLS
