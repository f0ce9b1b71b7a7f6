/* gxmpp-ns.h: XML namespaces used by XMPP
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GXMPP_INSIDE) && !defined(GXMPP_COMPILATION)
#error "Only <xmpp-glib/xmpp-glib.h> can be included directly."
#endif

/**
 * GXMPP_NS_CLIENT:
 *
 * The content namespace of client-to-server streams, `jabber:client`.
 */
#define GXMPP_NS_CLIENT "jabber:client"

/**
 * GXMPP_NS_SERVER:
 *
 * The content namespace of server-to-server streams, `jabber:server`.
 */
#define GXMPP_NS_SERVER "jabber:server"

/**
 * GXMPP_NS_STREAMS:
 *
 * The stream namespace, `http://etherx.jabber.org/streams`.
 */
#define GXMPP_NS_STREAMS "http://etherx.jabber.org/streams"

/**
 * GXMPP_NS_XML:
 *
 * The namespace of the `xml:` prefix, used by `xml:lang`.
 */
#define GXMPP_NS_XML "http://www.w3.org/XML/1998/namespace"

/**
 * GXMPP_NS_STREAM_ERRORS:
 *
 * The namespace of stream error conditions (RFC 6120 section 4.9).
 */
#define GXMPP_NS_STREAM_ERRORS "urn:ietf:params:xml:ns:xmpp-streams"

/**
 * GXMPP_NS_STANZA_ERRORS:
 *
 * The namespace of stanza error conditions (RFC 6120 section 8.3).
 */
#define GXMPP_NS_STANZA_ERRORS "urn:ietf:params:xml:ns:xmpp-stanzas"

/**
 * GXMPP_NS_TLS:
 *
 * The namespace of STARTTLS negotiation (RFC 6120 section 5).
 */
#define GXMPP_NS_TLS "urn:ietf:params:xml:ns:xmpp-tls"

/**
 * GXMPP_NS_SASL:
 *
 * The namespace of SASL negotiation (RFC 6120 section 6).
 */
#define GXMPP_NS_SASL "urn:ietf:params:xml:ns:xmpp-sasl"

/**
 * GXMPP_NS_BIND:
 *
 * The namespace of resource binding (RFC 6120 section 7).
 */
#define GXMPP_NS_BIND "urn:ietf:params:xml:ns:xmpp-bind"

/**
 * GXMPP_NS_SESSION:
 *
 * The namespace of the legacy session establishment of RFC 3921.
 */
#define GXMPP_NS_SESSION "urn:ietf:params:xml:ns:xmpp-session"

/**
 * GXMPP_NS_DELAY:
 *
 * The namespace of XEP-0203 delayed delivery.
 */
#define GXMPP_NS_DELAY "urn:xmpp:delay"

/**
 * GXMPP_NS_PING:
 *
 * The namespace of XEP-0199 XMPP Ping.
 */
#define GXMPP_NS_PING "urn:xmpp:ping"

/**
 * GXMPP_NS_SM:
 *
 * The namespace of XEP-0198 Stream Management.
 */
#define GXMPP_NS_SM "urn:xmpp:sm:3"
