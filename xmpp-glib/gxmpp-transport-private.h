/* gxmpp-transport-private.h: finding and reaching the server
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "gxmpp-stream-config.h"

G_BEGIN_DECLS

typedef struct {
  char *host;
  guint16 port;
  guint16 priority;
  guint16 weight;
  gboolean direct_tls;    /* from _xmpps-client (XEP-0368) */
} GXmppCandidate;

void gxmpp_candidate_free (GXmppCandidate *candidate);

/* The places to try, in order, for @domain under @config's TLS policy:
 * SRV records of _xmpps-client._tcp and _xmpp-client._tcp (RFC 6120
 * 3.2.1, XEP-0368) ordered by RFC 2782, or domain:5222 (and domain:5223
 * for direct TLS) when there are none. */
void gxmpp_transport_lookup_async (GXmppStreamConfig   *config,
                                   const char          *domain,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data);
GPtrArray *gxmpp_transport_lookup_finish (GAsyncResult  *result,
                                          GError       **error);

/* RFC 2782 order: priority, then weighted random selection within a
 * priority. Sorts @candidates in place. */
void gxmpp_transport_sort_candidates (GPtrArray *candidates);

/* Connects to the first candidate that answers, or to the configured
 * server address. *direct_tls says whether TLS must start right away. */
void gxmpp_transport_connect_async (GXmppStreamConfig   *config,
                                    const char          *domain,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);
GIOStream *gxmpp_transport_connect_finish (GAsyncResult  *result,
                                           gboolean      *direct_tls,
                                           GError       **error);

/* Connects to one host and port (a see-other-host redirect). */
void gxmpp_transport_connect_to_async (const char          *host,
                                       guint16              port,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);

/* Puts TLS on @base, verifying the certificate against @domain (never
 * against the host connected to). @accept_certificate, if not NULL, is
 * called for a certificate that fails validation and decides. */
typedef gboolean (* GXmppAcceptCertificateFunc) (GTlsConnection       *connection,
                                                 GTlsCertificate      *certificate,
                                                 GTlsCertificateFlags  errors,
                                                 gpointer              user_data);

void gxmpp_transport_start_tls_async (GIOStream                  *base,
                                      const char                 *domain,
                                      GXmppStreamConfig          *config,
                                      gboolean                    direct,
                                      GXmppAcceptCertificateFunc  accept_certificate,
                                      gpointer                    accept_data,
                                      GCancellable               *cancellable,
                                      GAsyncReadyCallback         callback,
                                      gpointer                    user_data);
GTlsConnection *gxmpp_transport_start_tls_finish (GAsyncResult  *result,
                                                  GError       **error);

G_END_DECLS
