/* gxmpp-error.c: error domains and conditions
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "gxmpp-error.h"
#include "gxmpp-i18n-private.h"

/**
 * gxmpp_error_quark:
 *
 * The quark of the %GXMPP_ERROR domain.
 *
 * Returns: the error domain quark
 */
G_DEFINE_QUARK (gxmpp-error-quark, gxmpp_error)

/**
 * gxmpp_jid_error_quark:
 *
 * The quark of the %GXMPP_JID_ERROR domain.
 *
 * Returns: the error domain quark
 */
G_DEFINE_QUARK (gxmpp-jid-error-quark, gxmpp_jid_error)

/**
 * gxmpp_stream_error_quark:
 *
 * The quark of the %GXMPP_STREAM_ERROR domain.
 *
 * Returns: the error domain quark
 */
G_DEFINE_QUARK (gxmpp-stream-error-quark, gxmpp_stream_error)

/**
 * gxmpp_auth_error_quark:
 *
 * The quark of the %GXMPP_AUTH_ERROR domain.
 *
 * Returns: the error domain quark
 */
G_DEFINE_QUARK (gxmpp-auth-error-quark, gxmpp_auth_error)

typedef struct {
  const char *name;         /* the RFC element name, or NULL */
  const char *description;  /* untranslated; shown through _() */
} ConditionInfo;

static const ConditionInfo stream_conditions[] = {
  [GXMPP_STREAM_ERROR_BAD_FORMAT] = { "bad-format", N_("The stream contained XML that cannot be processed") },
  [GXMPP_STREAM_ERROR_BAD_NAMESPACE_PREFIX] = { "bad-namespace-prefix", N_("The stream used an unsupported or undeclared namespace prefix") },
  [GXMPP_STREAM_ERROR_CONFLICT] = { "conflict", N_("The server closed the stream because a newer stream for this account exists") },
  [GXMPP_STREAM_ERROR_CONNECTION_TIMEOUT] = { "connection-timeout", N_("The stream timed out because no traffic was received") },
  [GXMPP_STREAM_ERROR_HOST_GONE] = { "host-gone", N_("The server no longer serves this domain") },
  [GXMPP_STREAM_ERROR_HOST_UNKNOWN] = { "host-unknown", N_("The server does not serve this domain") },
  [GXMPP_STREAM_ERROR_IMPROPER_ADDRESSING] = { "improper-addressing", N_("A stanza lacked a required address") },
  [GXMPP_STREAM_ERROR_INTERNAL_SERVER_ERROR] = { "internal-server-error", N_("The server had an internal error") },
  [GXMPP_STREAM_ERROR_INVALID_FROM] = { "invalid-from", N_("A sender address does not match the authenticated account") },
  [GXMPP_STREAM_ERROR_INVALID_NAMESPACE] = { "invalid-namespace", N_("The stream or its content used the wrong namespace") },
  [GXMPP_STREAM_ERROR_INVALID_XML] = { "invalid-xml", N_("The stream contained invalid XML") },
  [GXMPP_STREAM_ERROR_NOT_AUTHORIZED] = { "not-authorized", N_("Data was sent before the stream was authenticated") },
  [GXMPP_STREAM_ERROR_NOT_WELL_FORMED] = { "not-well-formed", N_("The stream contained XML that is not well-formed") },
  [GXMPP_STREAM_ERROR_POLICY_VIOLATION] = { "policy-violation", N_("The stream violated a local policy") },
  [GXMPP_STREAM_ERROR_REMOTE_CONNECTION_FAILED] = { "remote-connection-failed", N_("The server could not reach a remote service it needs") },
  [GXMPP_STREAM_ERROR_RESET] = { "reset", N_("The server reset the stream") },
  [GXMPP_STREAM_ERROR_RESOURCE_CONSTRAINT] = { "resource-constraint", N_("The server lacks the resources to serve the stream") },
  [GXMPP_STREAM_ERROR_RESTRICTED_XML] = { "restricted-xml", N_("The stream contained XML that XMPP forbids (a comment, processing instruction, DTD or entity)") },
  [GXMPP_STREAM_ERROR_SEE_OTHER_HOST] = { "see-other-host", N_("The server redirected the stream to another host") },
  [GXMPP_STREAM_ERROR_SYSTEM_SHUTDOWN] = { "system-shutdown", N_("The server is shutting down") },
  [GXMPP_STREAM_ERROR_UNDEFINED_CONDITION] = { "undefined-condition", N_("The stream failed for an unspecified reason") },
  [GXMPP_STREAM_ERROR_UNSUPPORTED_ENCODING] = { "unsupported-encoding", N_("The stream used an encoding other than UTF-8") },
  [GXMPP_STREAM_ERROR_UNSUPPORTED_FEATURE] = { "unsupported-feature", N_("A required stream feature is not supported") },
  [GXMPP_STREAM_ERROR_UNSUPPORTED_STANZA_TYPE] = { "unsupported-stanza-type", N_("The stream contained an unsupported kind of stanza") },
  [GXMPP_STREAM_ERROR_UNSUPPORTED_VERSION] = { "unsupported-version", N_("The stream used an unsupported XMPP version") },
};

typedef struct {
  const char *name;
  GXmppStanzaErrorType default_type;
  const char *description;
} StanzaConditionInfo;

/* Default types as RFC 6120 section 8.3.3 recommends; where it offers a
 * choice (policy-violation, unexpected-request) the first is taken, and
 * undefined-condition, for which it names none, is "cancel". */
static const StanzaConditionInfo stanza_conditions[] = {
  [GXMPP_STANZA_ERROR_BAD_REQUEST] = { "bad-request", GXMPP_STANZA_ERROR_TYPE_MODIFY, N_("The request was malformed") },
  [GXMPP_STANZA_ERROR_CONFLICT] = { "conflict", GXMPP_STANZA_ERROR_TYPE_CANCEL, N_("The request conflicts with an existing resource or session") },
  [GXMPP_STANZA_ERROR_FEATURE_NOT_IMPLEMENTED] = { "feature-not-implemented", GXMPP_STANZA_ERROR_TYPE_CANCEL, N_("The feature is not implemented by the recipient") },
  [GXMPP_STANZA_ERROR_FORBIDDEN] = { "forbidden", GXMPP_STANZA_ERROR_TYPE_AUTH, N_("Permission was denied") },
  [GXMPP_STANZA_ERROR_GONE] = { "gone", GXMPP_STANZA_ERROR_TYPE_CANCEL, N_("The recipient is no longer at this address") },
  [GXMPP_STANZA_ERROR_INTERNAL_SERVER_ERROR] = { "internal-server-error", GXMPP_STANZA_ERROR_TYPE_CANCEL, N_("The server had an internal error") },
  [GXMPP_STANZA_ERROR_ITEM_NOT_FOUND] = { "item-not-found", GXMPP_STANZA_ERROR_TYPE_CANCEL, N_("The address or item was not found") },
  [GXMPP_STANZA_ERROR_JID_MALFORMED] = { "jid-malformed", GXMPP_STANZA_ERROR_TYPE_MODIFY, N_("The address is malformed") },
  [GXMPP_STANZA_ERROR_NOT_ACCEPTABLE] = { "not-acceptable", GXMPP_STANZA_ERROR_TYPE_MODIFY, N_("The request was refused as unacceptable") },
  [GXMPP_STANZA_ERROR_NOT_ALLOWED] = { "not-allowed", GXMPP_STANZA_ERROR_TYPE_CANCEL, N_("The action is not allowed") },
  [GXMPP_STANZA_ERROR_NOT_AUTHORIZED] = { "not-authorized", GXMPP_STANZA_ERROR_TYPE_AUTH, N_("Authorization is required") },
  [GXMPP_STANZA_ERROR_POLICY_VIOLATION] = { "policy-violation", GXMPP_STANZA_ERROR_TYPE_MODIFY, N_("The request violates a local policy") },
  [GXMPP_STANZA_ERROR_RECIPIENT_UNAVAILABLE] = { "recipient-unavailable", GXMPP_STANZA_ERROR_TYPE_WAIT, N_("The recipient is temporarily unavailable") },
  [GXMPP_STANZA_ERROR_REDIRECT] = { "redirect", GXMPP_STANZA_ERROR_TYPE_MODIFY, N_("The request must be sent to another address") },
  [GXMPP_STANZA_ERROR_REGISTRATION_REQUIRED] = { "registration-required", GXMPP_STANZA_ERROR_TYPE_AUTH, N_("Registration is required") },
  [GXMPP_STANZA_ERROR_REMOTE_SERVER_NOT_FOUND] = { "remote-server-not-found", GXMPP_STANZA_ERROR_TYPE_CANCEL, N_("The remote server does not exist or cannot be reached") },
  [GXMPP_STANZA_ERROR_REMOTE_SERVER_TIMEOUT] = { "remote-server-timeout", GXMPP_STANZA_ERROR_TYPE_WAIT, N_("The remote server could not be reached in time") },
  [GXMPP_STANZA_ERROR_RESOURCE_CONSTRAINT] = { "resource-constraint", GXMPP_STANZA_ERROR_TYPE_WAIT, N_("The recipient lacks the resources to handle the request") },
  [GXMPP_STANZA_ERROR_SERVICE_UNAVAILABLE] = { "service-unavailable", GXMPP_STANZA_ERROR_TYPE_CANCEL, N_("The service is unavailable") },
  [GXMPP_STANZA_ERROR_SUBSCRIPTION_REQUIRED] = { "subscription-required", GXMPP_STANZA_ERROR_TYPE_AUTH, N_("A subscription is required") },
  [GXMPP_STANZA_ERROR_UNDEFINED_CONDITION] = { "undefined-condition", GXMPP_STANZA_ERROR_TYPE_CANCEL, N_("The request failed for an unspecified reason") },
  [GXMPP_STANZA_ERROR_UNEXPECTED_REQUEST] = { "unexpected-request", GXMPP_STANZA_ERROR_TYPE_WAIT, N_("The request was not expected at this time") },
};

static const char * const stanza_error_types[] = {
  [GXMPP_STANZA_ERROR_TYPE_AUTH] = "auth",
  [GXMPP_STANZA_ERROR_TYPE_CANCEL] = "cancel",
  [GXMPP_STANZA_ERROR_TYPE_CONTINUE] = "continue",
  [GXMPP_STANZA_ERROR_TYPE_MODIFY] = "modify",
  [GXMPP_STANZA_ERROR_TYPE_WAIT] = "wait",
};

static const ConditionInfo auth_conditions[] = {
  [GXMPP_AUTH_ERROR_ABORTED] = { "aborted", N_("Authentication was aborted") },
  [GXMPP_AUTH_ERROR_ACCOUNT_DISABLED] = { "account-disabled", N_("The account is disabled") },
  [GXMPP_AUTH_ERROR_CREDENTIALS_EXPIRED] = { "credentials-expired", N_("The credentials have expired") },
  [GXMPP_AUTH_ERROR_ENCRYPTION_REQUIRED] = { "encryption-required", N_("The authentication mechanism needs an encrypted connection") },
  [GXMPP_AUTH_ERROR_INCORRECT_ENCODING] = { "incorrect-encoding", N_("The authentication data was incorrectly encoded") },
  [GXMPP_AUTH_ERROR_INVALID_AUTHZID] = { "invalid-authzid", N_("The authorization identity is invalid") },
  [GXMPP_AUTH_ERROR_INVALID_MECHANISM] = { "invalid-mechanism", N_("The server does not support the authentication mechanism") },
  [GXMPP_AUTH_ERROR_MALFORMED_REQUEST] = { "malformed-request", N_("The authentication request was malformed") },
  [GXMPP_AUTH_ERROR_MECHANISM_TOO_WEAK] = { "mechanism-too-weak", N_("The authentication mechanism is too weak for this account") },
  [GXMPP_AUTH_ERROR_NOT_AUTHORIZED] = { "not-authorized", N_("The user name or password is wrong") },
  [GXMPP_AUTH_ERROR_TEMPORARY_AUTH_FAILURE] = { "temporary-auth-failure", N_("Authentication failed temporarily; try again later") },
  [GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM] = { NULL, N_("The server offers no authentication mechanism that is acceptable") },
  [GXMPP_AUTH_ERROR_SASLPREP_FAILED] = { NULL, N_("The user name or password contains characters that are not allowed") },
  [GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH] = { NULL, N_("The server could not prove that it knows the password") },
  [GXMPP_AUTH_ERROR_CHANNEL_BINDING_MISMATCH] = { NULL, N_("Channel binding failed; the connection may have been intercepted") },
  [GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE] = { NULL, N_("The server sent invalid authentication data") },
};

/* Index of the entry of @table named @name. A macro, so that it works on
 * each table's own entry type without casts. */
#define LOOKUP_NAME(table, name_field, name, index_out)          \
  G_STMT_START {                                                  \
    for (*(index_out) = 0; *(index_out) < G_N_ELEMENTS (table); (*(index_out))++) \
      if ((name) != NULL && (table)[*(index_out)] name_field != NULL && \
          strcmp ((table)[*(index_out)] name_field, (name)) == 0) \
        break;                                                    \
  } G_STMT_END

/**
 * gxmpp_stream_error_to_string:
 * @condition: a stream error condition
 *
 * Gets the element name RFC 6120 gives @condition, such as `"host-unknown"`.
 *
 * Returns: (nullable): the element name, or %NULL if @condition is not a
 *   valid condition
 */
const char *
gxmpp_stream_error_to_string (GXmppStreamError condition)
{
  if ((guint) condition >= G_N_ELEMENTS (stream_conditions))
    return NULL;
  return stream_conditions[condition].name;
}

/**
 * gxmpp_stream_error_from_string:
 * @name: an element name, such as `"host-unknown"`
 * @condition: (out) (optional): return location for the condition
 *
 * Looks up the stream error condition RFC 6120 names @name.
 *
 * Returns: %TRUE if @name is a defined condition
 */
gboolean
gxmpp_stream_error_from_string (const char       *name,
                                GXmppStreamError *condition)
{
  guint i;

  LOOKUP_NAME (stream_conditions, .name, name, &i);
  if (i == G_N_ELEMENTS (stream_conditions))
    return FALSE;
  if (condition != NULL)
    *condition = (GXmppStreamError) i;
  return TRUE;
}

/**
 * gxmpp_stream_error_get_description:
 * @condition: a stream error condition
 *
 * Gets a translated sentence that explains @condition to a user.
 *
 * Returns: the description; a generic one if @condition is not valid
 */
const char *
gxmpp_stream_error_get_description (GXmppStreamError condition)
{
  if ((guint) condition >= G_N_ELEMENTS (stream_conditions))
    condition = GXMPP_STREAM_ERROR_UNDEFINED_CONDITION;
  return _(stream_conditions[condition].description);
}

/**
 * gxmpp_stanza_error_type_to_string:
 * @type: a stanza error type
 *
 * Gets the attribute value RFC 6120 gives @type, such as `"cancel"`.
 *
 * Returns: (nullable): the value, or %NULL if @type is not valid
 */
const char *
gxmpp_stanza_error_type_to_string (GXmppStanzaErrorType type)
{
  if ((guint) type >= G_N_ELEMENTS (stanza_error_types))
    return NULL;
  return stanza_error_types[type];
}

/**
 * gxmpp_stanza_error_type_from_string:
 * @name: an attribute value, such as `"cancel"`
 * @type: (out) (optional): return location for the type
 *
 * Looks up the stanza error type RFC 6120 names @name.
 *
 * Returns: %TRUE if @name is a defined type
 */
gboolean
gxmpp_stanza_error_type_from_string (const char           *name,
                                     GXmppStanzaErrorType *type)
{
  guint i;

  LOOKUP_NAME (stanza_error_types, , name, &i);
  if (i == G_N_ELEMENTS (stanza_error_types))
    return FALSE;
  if (type != NULL)
    *type = (GXmppStanzaErrorType) i;
  return TRUE;
}

/**
 * gxmpp_stanza_error_to_string:
 * @condition: a stanza error condition
 *
 * Gets the element name RFC 6120 gives @condition, such as `"item-not-found"`.
 *
 * Returns: (nullable): the element name, or %NULL if @condition is not valid
 */
const char *
gxmpp_stanza_error_to_string (GXmppStanzaError condition)
{
  if ((guint) condition >= G_N_ELEMENTS (stanza_conditions))
    return NULL;
  return stanza_conditions[condition].name;
}

/**
 * gxmpp_stanza_error_from_string:
 * @name: an element name, such as `"item-not-found"`
 * @condition: (out) (optional): return location for the condition
 *
 * Looks up the stanza error condition RFC 6120 names @name.
 *
 * Returns: %TRUE if @name is a defined condition
 */
gboolean
gxmpp_stanza_error_from_string (const char                *name,
                                          GXmppStanzaError *condition)
{
  guint i;

  LOOKUP_NAME (stanza_conditions, .name, name, &i);
  if (i == G_N_ELEMENTS (stanza_conditions))
    return FALSE;
  if (condition != NULL)
    *condition = (GXmppStanzaError) i;
  return TRUE;
}

/**
 * gxmpp_stanza_error_get_default_type:
 * @condition: a stanza error condition
 *
 * Gets the error type RFC 6120 section 8.3.3 recommends for @condition. Where
 * the RFC allows two, the first is returned; for `undefined-condition`, for
 * which it names none, %GXMPP_STANZA_ERROR_TYPE_CANCEL.
 *
 * Returns: the recommended type
 */
GXmppStanzaErrorType
gxmpp_stanza_error_get_default_type (GXmppStanzaError condition)
{
  if ((guint) condition >= G_N_ELEMENTS (stanza_conditions))
    return GXMPP_STANZA_ERROR_TYPE_CANCEL;
  return stanza_conditions[condition].default_type;
}

/**
 * gxmpp_stanza_error_get_description:
 * @condition: a stanza error condition
 *
 * Gets a translated sentence that explains @condition to a user.
 *
 * Returns: the description; a generic one if @condition is not valid
 */
const char *
gxmpp_stanza_error_get_description (GXmppStanzaError condition)
{
  if ((guint) condition >= G_N_ELEMENTS (stanza_conditions))
    condition = GXMPP_STANZA_ERROR_UNDEFINED_CONDITION;
  return _(stanza_conditions[condition].description);
}

/**
 * gxmpp_auth_error_to_string:
 * @condition: an authentication error
 *
 * Gets the element name RFC 6120 section 6.5 gives @condition, such as
 * `"not-authorized"`.
 *
 * Returns: (nullable): the element name, or %NULL for the conditions the
 *   library detects itself, which have none
 */
const char *
gxmpp_auth_error_to_string (GXmppAuthError condition)
{
  if ((guint) condition >= G_N_ELEMENTS (auth_conditions))
    return NULL;
  return auth_conditions[condition].name;
}

/**
 * gxmpp_auth_error_from_string:
 * @name: an element name, such as `"not-authorized"`
 * @condition: (out) (optional): return location for the condition
 *
 * Looks up the SASL failure condition RFC 6120 section 6.5 names @name.
 *
 * Returns: %TRUE if @name is a defined condition
 */
gboolean
gxmpp_auth_error_from_string (const char     *name,
                              GXmppAuthError *condition)
{
  guint i;

  LOOKUP_NAME (auth_conditions, .name, name, &i);
  if (i == G_N_ELEMENTS (auth_conditions))
    return FALSE;
  if (condition != NULL)
    *condition = (GXmppAuthError) i;
  return TRUE;
}

/**
 * gxmpp_auth_error_get_description:
 * @condition: an authentication error
 *
 * Gets a translated sentence that explains @condition to a user.
 *
 * Returns: the description; a generic one if @condition is not valid
 */
const char *
gxmpp_auth_error_get_description (GXmppAuthError condition)
{
  if ((guint) condition >= G_N_ELEMENTS (auth_conditions))
    return _("Authentication failed");
  return _(auth_conditions[condition].description);
}
