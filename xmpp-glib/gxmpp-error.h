/* gxmpp-error.h: error domains and conditions
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GXMPP_INSIDE) && !defined(GXMPP_COMPILATION)
#error "Only <xmpp-glib/xmpp-glib.h> can be included directly."
#endif

#include <glib.h>

#include "gxmpp-version-macros.h"

G_BEGIN_DECLS

/**
 * GXMPP_ERROR:
 *
 * Error domain for failures of the library itself: connecting, securing and
 * using a stream, and values that cannot be built or written. Errors in this
 * domain use the codes of [error@GXmpp.Error].
 */
#define GXMPP_ERROR (gxmpp_error_quark ())

/**
 * GXmppError:
 * @GXMPP_ERROR_FAILED: a failure that has no more specific code
 * @GXMPP_ERROR_CONNECTION_FAILED: no connection to the server could be made
 * @GXMPP_ERROR_INVALID_ADDRESS: the server address (host, port or SRV data) is unusable
 * @GXMPP_ERROR_TLS_NOT_OFFERED: TLS is required but the server did not offer it
 * @GXMPP_ERROR_TLS_FAILED: the TLS handshake failed or the certificate was refused
 * @GXMPP_ERROR_ALREADY_SECURED: TLS was requested on a stream that is already secured
 * @GXMPP_ERROR_NO_STREAM: the operation needs an open stream and there is none
 * @GXMPP_ERROR_CLOSED: the stream or session was closed
 * @GXMPP_ERROR_INVALID_LANG_TAG: a language tag is not well-formed (RFC 5646)
 * @GXMPP_ERROR_INVALID_CHARACTER: a string holds a character that XML cannot carry
 *   (a control character, U+FFFE, U+FFFF) or is not valid UTF-8; it is never written
 * @GXMPP_ERROR_INVALID_STANZA: an element is not a valid message, presence or IQ stanza
 * @GXMPP_ERROR_BAD_CERTIFICATE: the server's certificate was refused: not
 *   valid for the domain, not trusted, expired, or revoked
 * @GXMPP_ERROR_NO_SERVICE: DNS says the domain offers no XMPP service
 * @GXMPP_ERROR_ALREADY_HANDLED: another handler already answers these IQ
 *   requests
 * @GXMPP_ERROR_ALREADY_ANSWERED: the IQ request has been answered already
 * @GXMPP_ERROR_NOT_READY: the session is not ready to send (it is connecting,
 *   closing or closed)
 * @GXMPP_ERROR_QUEUE_FULL: the queue of stanzas the server has not confirmed
 *   yet is full ([property@GXmpp.SessionConfig:max-unacked-stanzas],
 *   [property@GXmpp.SessionConfig:max-unacked-bytes]); nothing was queued
 * @GXMPP_ERROR_CONNECTION_LOST: the connection was lost and the stream
 *   could not be resumed: a request may or may not have reached the other
 *   side, and its reply, if any, is lost
 *
 * Error codes in the %GXMPP_ERROR domain.
 */
typedef enum {
  GXMPP_ERROR_FAILED,
  GXMPP_ERROR_CONNECTION_FAILED,
  GXMPP_ERROR_INVALID_ADDRESS,
  GXMPP_ERROR_TLS_NOT_OFFERED,
  GXMPP_ERROR_TLS_FAILED,
  GXMPP_ERROR_ALREADY_SECURED,
  GXMPP_ERROR_NO_STREAM,
  GXMPP_ERROR_CLOSED,
  GXMPP_ERROR_INVALID_LANG_TAG,
  GXMPP_ERROR_INVALID_CHARACTER,
  GXMPP_ERROR_INVALID_STANZA,
  GXMPP_ERROR_BAD_CERTIFICATE,
  GXMPP_ERROR_NO_SERVICE,
  GXMPP_ERROR_ALREADY_HANDLED,
  GXMPP_ERROR_ALREADY_ANSWERED,
  GXMPP_ERROR_NOT_READY,
  GXMPP_ERROR_QUEUE_FULL,
  GXMPP_ERROR_CONNECTION_LOST,
} GXmppError;

GXMPP_AVAILABLE_IN_ALL
GQuark gxmpp_error_quark (void);

/**
 * GXMPP_JID_ERROR:
 *
 * Error domain for JIDs that cannot be parsed or built. The code says which
 * part of the address is at fault (see [error@GXmpp.JidError]); the message says
 * why.
 */
#define GXMPP_JID_ERROR (gxmpp_jid_error_quark ())

/**
 * GXmppJidError:
 * @GXMPP_JID_ERROR_INVALID: the address as a whole is unusable: empty, or not
 *   valid UTF-8
 * @GXMPP_JID_ERROR_LOCALPART: the localpart is empty, too long, or violates the
 *   PRECIS UsernameCaseMapped profile or RFC 7622's extra rules
 * @GXMPP_JID_ERROR_DOMAINPART: the domainpart is empty, too long, not a valid
 *   IDNA2008 domain name, or a malformed IP literal
 * @GXMPP_JID_ERROR_RESOURCEPART: the resourcepart is empty, too long, or
 *   violates the PRECIS OpaqueString profile
 *
 * Error codes in the %GXMPP_JID_ERROR domain.
 */
typedef enum {
  GXMPP_JID_ERROR_INVALID,
  GXMPP_JID_ERROR_LOCALPART,
  GXMPP_JID_ERROR_DOMAINPART,
  GXMPP_JID_ERROR_RESOURCEPART,
} GXmppJidError;

GXMPP_AVAILABLE_IN_ALL
GQuark gxmpp_jid_error_quark (void);

/**
 * GXMPP_STREAM_ERROR:
 *
 * Error domain for XML stream errors (RFC 6120 section 4.9): those the server
 * sends, and those the library detects in what it receives (malformed or
 * restricted XML, oversized stanzas). Codes are [error@GXmpp.StreamError].
 */
#define GXMPP_STREAM_ERROR (gxmpp_stream_error_quark ())

/**
 * GXmppStreamError:
 * @GXMPP_STREAM_ERROR_BAD_FORMAT: `bad-format`: XML that cannot be processed
 * @GXMPP_STREAM_ERROR_BAD_NAMESPACE_PREFIX: `bad-namespace-prefix`: an unsupported
 *   or unbound namespace prefix
 * @GXMPP_STREAM_ERROR_CONFLICT: `conflict`: a newer stream for this entity exists
 * @GXMPP_STREAM_ERROR_CONNECTION_TIMEOUT: `connection-timeout`: the peer has not
 *   generated any traffic for some time
 * @GXMPP_STREAM_ERROR_HOST_GONE: `host-gone`: the `to` domain is no longer served
 * @GXMPP_STREAM_ERROR_HOST_UNKNOWN: `host-unknown`: the `to` domain is not served
 * @GXMPP_STREAM_ERROR_IMPROPER_ADDRESSING: `improper-addressing`: a `to` or `from`
 *   address is missing
 * @GXMPP_STREAM_ERROR_INTERNAL_SERVER_ERROR: `internal-server-error`
 * @GXMPP_STREAM_ERROR_INVALID_FROM: `invalid-from`: the `from` address does not
 *   match an authorized JID
 * @GXMPP_STREAM_ERROR_INVALID_NAMESPACE: `invalid-namespace`: the stream or
 *   content namespace is wrong
 * @GXMPP_STREAM_ERROR_INVALID_XML: `invalid-xml`: XML that fails validation
 * @GXMPP_STREAM_ERROR_NOT_AUTHORIZED: `not-authorized`: data sent before the
 *   stream was authenticated
 * @GXMPP_STREAM_ERROR_NOT_WELL_FORMED: `not-well-formed`: XML that is not
 *   well-formed, not valid UTF-8, or holds a character XML forbids
 * @GXMPP_STREAM_ERROR_POLICY_VIOLATION: `policy-violation`: a local policy (such
 *   as the stanza size or nesting limit) was violated
 * @GXMPP_STREAM_ERROR_REMOTE_CONNECTION_FAILED: `remote-connection-failed`
 * @GXMPP_STREAM_ERROR_RESET: `reset`: the stream must be reset (for example after
 *   a security change)
 * @GXMPP_STREAM_ERROR_RESOURCE_CONSTRAINT: `resource-constraint`
 * @GXMPP_STREAM_ERROR_RESTRICTED_XML: `restricted-xml`: a comment, processing
 *   instruction, DTD or non-predefined entity reference (RFC 6120 section 11.1)
 * @GXMPP_STREAM_ERROR_SEE_OTHER_HOST: `see-other-host`: connect to another host
 * @GXMPP_STREAM_ERROR_SYSTEM_SHUTDOWN: `system-shutdown`
 * @GXMPP_STREAM_ERROR_UNDEFINED_CONDITION: `undefined-condition`, also used for
 *   conditions this library does not know
 * @GXMPP_STREAM_ERROR_UNSUPPORTED_ENCODING: `unsupported-encoding`: an encoding
 *   other than UTF-8
 * @GXMPP_STREAM_ERROR_UNSUPPORTED_FEATURE: `unsupported-feature`
 * @GXMPP_STREAM_ERROR_UNSUPPORTED_STANZA_TYPE: `unsupported-stanza-type`
 * @GXMPP_STREAM_ERROR_UNSUPPORTED_VERSION: `unsupported-version`
 *
 * The stream error conditions of RFC 6120 section 4.9.3, and the codes of the
 * %GXMPP_STREAM_ERROR domain.
 */
typedef enum {
  GXMPP_STREAM_ERROR_BAD_FORMAT,
  GXMPP_STREAM_ERROR_BAD_NAMESPACE_PREFIX,
  GXMPP_STREAM_ERROR_CONFLICT,
  GXMPP_STREAM_ERROR_CONNECTION_TIMEOUT,
  GXMPP_STREAM_ERROR_HOST_GONE,
  GXMPP_STREAM_ERROR_HOST_UNKNOWN,
  GXMPP_STREAM_ERROR_IMPROPER_ADDRESSING,
  GXMPP_STREAM_ERROR_INTERNAL_SERVER_ERROR,
  GXMPP_STREAM_ERROR_INVALID_FROM,
  GXMPP_STREAM_ERROR_INVALID_NAMESPACE,
  GXMPP_STREAM_ERROR_INVALID_XML,
  GXMPP_STREAM_ERROR_NOT_AUTHORIZED,
  GXMPP_STREAM_ERROR_NOT_WELL_FORMED,
  GXMPP_STREAM_ERROR_POLICY_VIOLATION,
  GXMPP_STREAM_ERROR_REMOTE_CONNECTION_FAILED,
  GXMPP_STREAM_ERROR_RESET,
  GXMPP_STREAM_ERROR_RESOURCE_CONSTRAINT,
  GXMPP_STREAM_ERROR_RESTRICTED_XML,
  GXMPP_STREAM_ERROR_SEE_OTHER_HOST,
  GXMPP_STREAM_ERROR_SYSTEM_SHUTDOWN,
  GXMPP_STREAM_ERROR_UNDEFINED_CONDITION,
  GXMPP_STREAM_ERROR_UNSUPPORTED_ENCODING,
  GXMPP_STREAM_ERROR_UNSUPPORTED_FEATURE,
  GXMPP_STREAM_ERROR_UNSUPPORTED_STANZA_TYPE,
  GXMPP_STREAM_ERROR_UNSUPPORTED_VERSION,
} GXmppStreamError;

GXMPP_AVAILABLE_IN_ALL
GQuark gxmpp_stream_error_quark (void);

GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_stream_error_to_string (GXmppStreamError condition);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_stream_error_from_string (const char *name,
                                         GXmppStreamError *condition);
GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_stream_error_get_description (GXmppStreamError condition);

/**
 * GXmppStanzaErrorType:
 * @GXMPP_STANZA_ERROR_TYPE_AUTH: retry after providing credentials
 * @GXMPP_STANZA_ERROR_TYPE_CANCEL: do not retry (the error cannot be remedied)
 * @GXMPP_STANZA_ERROR_TYPE_CONTINUE: proceed (the condition was only a warning)
 * @GXMPP_STANZA_ERROR_TYPE_MODIFY: retry after changing the data sent
 * @GXMPP_STANZA_ERROR_TYPE_WAIT: retry after waiting (the error is temporary)
 *
 * The `type` of a stanza error (RFC 6120 section 8.3.2).
 */
typedef enum {
  GXMPP_STANZA_ERROR_TYPE_AUTH,
  GXMPP_STANZA_ERROR_TYPE_CANCEL,
  GXMPP_STANZA_ERROR_TYPE_CONTINUE,
  GXMPP_STANZA_ERROR_TYPE_MODIFY,
  GXMPP_STANZA_ERROR_TYPE_WAIT,
} GXmppStanzaErrorType;

GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_stanza_error_type_to_string (GXmppStanzaErrorType type);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_stanza_error_type_from_string (const char *name,
                                              GXmppStanzaErrorType *type);

/**
 * GXmppStanzaError:
 * @GXMPP_STANZA_ERROR_BAD_REQUEST: `bad-request` (default type modify)
 * @GXMPP_STANZA_ERROR_CONFLICT: `conflict` (cancel)
 * @GXMPP_STANZA_ERROR_FEATURE_NOT_IMPLEMENTED: `feature-not-implemented` (cancel)
 * @GXMPP_STANZA_ERROR_FORBIDDEN: `forbidden` (auth)
 * @GXMPP_STANZA_ERROR_GONE: `gone` (cancel); may carry a new address
 * @GXMPP_STANZA_ERROR_INTERNAL_SERVER_ERROR: `internal-server-error` (cancel)
 * @GXMPP_STANZA_ERROR_ITEM_NOT_FOUND: `item-not-found` (cancel)
 * @GXMPP_STANZA_ERROR_JID_MALFORMED: `jid-malformed` (modify)
 * @GXMPP_STANZA_ERROR_NOT_ACCEPTABLE: `not-acceptable` (modify)
 * @GXMPP_STANZA_ERROR_NOT_ALLOWED: `not-allowed` (cancel)
 * @GXMPP_STANZA_ERROR_NOT_AUTHORIZED: `not-authorized` (auth)
 * @GXMPP_STANZA_ERROR_POLICY_VIOLATION: `policy-violation` (modify)
 * @GXMPP_STANZA_ERROR_RECIPIENT_UNAVAILABLE: `recipient-unavailable` (wait)
 * @GXMPP_STANZA_ERROR_REDIRECT: `redirect` (modify); may carry a new address
 * @GXMPP_STANZA_ERROR_REGISTRATION_REQUIRED: `registration-required` (auth)
 * @GXMPP_STANZA_ERROR_REMOTE_SERVER_NOT_FOUND: `remote-server-not-found` (cancel)
 * @GXMPP_STANZA_ERROR_REMOTE_SERVER_TIMEOUT: `remote-server-timeout` (wait)
 * @GXMPP_STANZA_ERROR_RESOURCE_CONSTRAINT: `resource-constraint` (wait)
 * @GXMPP_STANZA_ERROR_SERVICE_UNAVAILABLE: `service-unavailable` (cancel)
 * @GXMPP_STANZA_ERROR_SUBSCRIPTION_REQUIRED: `subscription-required` (auth)
 * @GXMPP_STANZA_ERROR_UNDEFINED_CONDITION: `undefined-condition` (cancel), also
 *   used for conditions this library does not know
 * @GXMPP_STANZA_ERROR_UNEXPECTED_REQUEST: `unexpected-request` (wait)
 *
 * The stanza error conditions of RFC 6120 section 8.3.3, and the codes of the
 * %GXMPP_STANZA_ERROR domain. The type in parentheses is the one
 * [func@GXmpp.StanzaError.get_default_type] returns.
 */
typedef enum {
  GXMPP_STANZA_ERROR_BAD_REQUEST,
  GXMPP_STANZA_ERROR_CONFLICT,
  GXMPP_STANZA_ERROR_FEATURE_NOT_IMPLEMENTED,
  GXMPP_STANZA_ERROR_FORBIDDEN,
  GXMPP_STANZA_ERROR_GONE,
  GXMPP_STANZA_ERROR_INTERNAL_SERVER_ERROR,
  GXMPP_STANZA_ERROR_ITEM_NOT_FOUND,
  GXMPP_STANZA_ERROR_JID_MALFORMED,
  GXMPP_STANZA_ERROR_NOT_ACCEPTABLE,
  GXMPP_STANZA_ERROR_NOT_ALLOWED,
  GXMPP_STANZA_ERROR_NOT_AUTHORIZED,
  GXMPP_STANZA_ERROR_POLICY_VIOLATION,
  GXMPP_STANZA_ERROR_RECIPIENT_UNAVAILABLE,
  GXMPP_STANZA_ERROR_REDIRECT,
  GXMPP_STANZA_ERROR_REGISTRATION_REQUIRED,
  GXMPP_STANZA_ERROR_REMOTE_SERVER_NOT_FOUND,
  GXMPP_STANZA_ERROR_REMOTE_SERVER_TIMEOUT,
  GXMPP_STANZA_ERROR_RESOURCE_CONSTRAINT,
  GXMPP_STANZA_ERROR_SERVICE_UNAVAILABLE,
  GXMPP_STANZA_ERROR_SUBSCRIPTION_REQUIRED,
  GXMPP_STANZA_ERROR_UNDEFINED_CONDITION,
  GXMPP_STANZA_ERROR_UNEXPECTED_REQUEST,
} GXmppStanzaError;

GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_stanza_error_to_string (GXmppStanzaError condition);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_stanza_error_from_string (const char *name,
                                                   GXmppStanzaError *condition);
GXMPP_AVAILABLE_IN_ALL
GXmppStanzaErrorType gxmpp_stanza_error_get_default_type (GXmppStanzaError condition);
GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_stanza_error_get_description (GXmppStanzaError condition);

/**
 * GXMPP_AUTH_ERROR:
 *
 * Error domain for authentication failures: the SASL failure conditions of
 * RFC 6120 section 6.5 that a server reports, and the failures the library
 * itself detects. Codes are [error@GXmpp.AuthError].
 */
#define GXMPP_AUTH_ERROR (gxmpp_auth_error_quark ())

/**
 * GXmppAuthError:
 * @GXMPP_AUTH_ERROR_ABORTED: `aborted`: the exchange was aborted
 * @GXMPP_AUTH_ERROR_ACCOUNT_DISABLED: `account-disabled`
 * @GXMPP_AUTH_ERROR_CREDENTIALS_EXPIRED: `credentials-expired`
 * @GXMPP_AUTH_ERROR_ENCRYPTION_REQUIRED: `encryption-required`: the mechanism
 *   needs an encrypted stream
 * @GXMPP_AUTH_ERROR_INCORRECT_ENCODING: `incorrect-encoding`: bad base64 data
 * @GXMPP_AUTH_ERROR_INVALID_AUTHZID: `invalid-authzid`
 * @GXMPP_AUTH_ERROR_INVALID_MECHANISM: `invalid-mechanism`
 * @GXMPP_AUTH_ERROR_MALFORMED_REQUEST: `malformed-request`
 * @GXMPP_AUTH_ERROR_MECHANISM_TOO_WEAK: `mechanism-too-weak`
 * @GXMPP_AUTH_ERROR_NOT_AUTHORIZED: `not-authorized`: wrong credentials
 * @GXMPP_AUTH_ERROR_TEMPORARY_AUTH_FAILURE: `temporary-auth-failure`
 * @GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM: none of the mechanisms the server
 *   offers is acceptable under the security policy
 * @GXMPP_AUTH_ERROR_SASLPREP_FAILED: the user name or password cannot be
 *   prepared with SASLprep / PRECIS
 * @GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH: the server did not prove that it
 *   knows the password (SCRAM server signature or DIGEST-MD5 rspauth)
 * @GXMPP_AUTH_ERROR_CHANNEL_BINDING_MISMATCH: channel binding failed or was
 *   downgraded
 * @GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE: the server sent malformed or hostile
 *   SASL data (such as a SCRAM nonce that does not extend ours, or an iteration
 *   count out of bounds)
 *
 * Error codes in the %GXMPP_AUTH_ERROR domain. The first eleven are the
 * conditions of RFC 6120 section 6.5.
 */
typedef enum {
  GXMPP_AUTH_ERROR_ABORTED,
  GXMPP_AUTH_ERROR_ACCOUNT_DISABLED,
  GXMPP_AUTH_ERROR_CREDENTIALS_EXPIRED,
  GXMPP_AUTH_ERROR_ENCRYPTION_REQUIRED,
  GXMPP_AUTH_ERROR_INCORRECT_ENCODING,
  GXMPP_AUTH_ERROR_INVALID_AUTHZID,
  GXMPP_AUTH_ERROR_INVALID_MECHANISM,
  GXMPP_AUTH_ERROR_MALFORMED_REQUEST,
  GXMPP_AUTH_ERROR_MECHANISM_TOO_WEAK,
  GXMPP_AUTH_ERROR_NOT_AUTHORIZED,
  GXMPP_AUTH_ERROR_TEMPORARY_AUTH_FAILURE,
  GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM,
  GXMPP_AUTH_ERROR_SASLPREP_FAILED,
  GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH,
  GXMPP_AUTH_ERROR_CHANNEL_BINDING_MISMATCH,
  GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE,
} GXmppAuthError;

GXMPP_AVAILABLE_IN_ALL
GQuark gxmpp_auth_error_quark (void);

GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_auth_error_to_string (GXmppAuthError condition);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_auth_error_from_string (const char *name,
                                       GXmppAuthError *condition);
GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_auth_error_get_description (GXmppAuthError condition);

G_END_DECLS
