/* gxmpp-iq-request.c: an IQ request to answer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gxmpp-error.h"
#include "gxmpp-i18n-private.h"
#include "gxmpp-iq-request-private.h"

/**
 * GXmppIqRequest:
 *
 * An IQ get or set request received, handed to the handler registered for
 * its type and namespace with [method@GXmpp.Session.add_iq_handler] (the
 * seed's `IQRequestTicket`).
 *
 * A request must be answered exactly once, with
 * [method@GXmpp.IqRequest.reply_result] or
 * [method@GXmpp.IqRequest.reply_error]; a second answer fails with
 * %GXMPP_ERROR_ALREADY_ANSWERED. A handler that cannot answer at once keeps
 * a reference and answers later. A request dropped without an answer is
 * answered `internal-server-error` when it is freed, with a warning: the
 * requester must not wait forever.
 */

struct _GXmppIqRequest
{
  GObject parent_instance;

  GXmppSession *session;
  GXmppIq *iq;
  gboolean answered;
};

G_DEFINE_FINAL_TYPE (GXmppIqRequest, gxmpp_iq_request, G_TYPE_OBJECT)

static gboolean
send_answer (GXmppIqRequest  *self,
             GXmppIq         *answer,
             GError         **error)
{
  if (self->answered)
    {
      g_set_error_literal (error, GXMPP_ERROR, GXMPP_ERROR_ALREADY_ANSWERED,
                           _("The IQ request has already been answered"));
      return FALSE;
    }

  self->answered = TRUE;
  return gxmpp_session_send (self->session, GXMPP_STANZA (answer), error);
}

static void
gxmpp_iq_request_dispose (GObject *object)
{
  GXmppIqRequest *self = GXMPP_IQ_REQUEST (object);

  if (!self->answered && self->session != NULL &&
      gxmpp_session_get_state (self->session) == GXMPP_SESSION_STATE_READY)
    {
      GXmppNode *payload = gxmpp_iq_get_payload (self->iq);
      g_autoptr(GXmppStanzaErrorDetails) details =
        gxmpp_stanza_error_details_new (GXMPP_STANZA_ERROR_INTERNAL_SERVER_ERROR);
      g_autoptr(GXmppIq) answer = gxmpp_iq_new_error (self->iq, details);

      g_warning ("An IQ request in %s was dropped without an answer; answering internal-server-error",
                 payload != NULL && gxmpp_node_get_namespace (payload) != NULL
                   ? gxmpp_node_get_namespace (payload) : "no namespace");
      send_answer (self, answer, NULL);
    }

  g_clear_object (&self->session);
  G_OBJECT_CLASS (gxmpp_iq_request_parent_class)->dispose (object);
}

static void
gxmpp_iq_request_finalize (GObject *object)
{
  GXmppIqRequest *self = GXMPP_IQ_REQUEST (object);

  g_clear_object (&self->iq);
  G_OBJECT_CLASS (gxmpp_iq_request_parent_class)->finalize (object);
}

static void
gxmpp_iq_request_class_init (GXmppIqRequestClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gxmpp_iq_request_dispose;
  object_class->finalize = gxmpp_iq_request_finalize;
}

static void
gxmpp_iq_request_init (GXmppIqRequest *self)
{
}

GXmppIqRequest *
gxmpp_iq_request_new (GXmppSession *session,
                      GXmppIq      *iq)
{
  GXmppIqRequest *self = g_object_new (GXMPP_TYPE_IQ_REQUEST, NULL);

  self->session = g_object_ref (session);
  self->iq = g_object_ref (iq);
  return self;
}

/**
 * gxmpp_iq_request_get_iq:
 * @request: a request
 *
 * Gets the request as received.
 *
 * Returns: (transfer none): the IQ
 */
GXmppIq *
gxmpp_iq_request_get_iq (GXmppIqRequest *request)
{
  g_return_val_if_fail (GXMPP_IS_IQ_REQUEST (request), NULL);
  return request->iq;
}

/**
 * gxmpp_iq_request_get_payload:
 * @request: a request
 *
 * Gets the request's payload element.
 *
 * Returns: (transfer none): the payload
 */
GXmppNode *
gxmpp_iq_request_get_payload (GXmppIqRequest *request)
{
  g_return_val_if_fail (GXMPP_IS_IQ_REQUEST (request), NULL);
  return gxmpp_iq_get_payload (request->iq);
}

/**
 * gxmpp_iq_request_get_from:
 * @request: a request
 *
 * Gets who sent the request.
 *
 * Returns: (transfer none) (nullable): the sender, or %NULL for the
 *   account's server
 */
GXmppJid *
gxmpp_iq_request_get_from (GXmppIqRequest *request)
{
  g_return_val_if_fail (GXMPP_IS_IQ_REQUEST (request), NULL);
  return gxmpp_stanza_get_from (GXMPP_STANZA (request->iq));
}

/**
 * gxmpp_iq_request_is_answered:
 * @request: a request
 *
 * Checks whether the request has been answered.
 *
 * Returns: %TRUE once answered
 */
gboolean
gxmpp_iq_request_is_answered (GXmppIqRequest *request)
{
  g_return_val_if_fail (GXMPP_IS_IQ_REQUEST (request), FALSE);
  return request->answered;
}

/**
 * gxmpp_iq_request_reply_result:
 * @request: a request
 * @payload: (nullable): the result's payload element, or %NULL for none
 * @error: return location for a #GError
 *
 * Answers the request successfully.
 *
 * Returns: %TRUE if the answer was sent
 */
gboolean
gxmpp_iq_request_reply_result (GXmppIqRequest  *request,
                               GXmppNode       *payload,
                               GError         **error)
{
  g_autoptr(GXmppIq) answer = NULL;

  g_return_val_if_fail (GXMPP_IS_IQ_REQUEST (request), FALSE);

  answer = gxmpp_iq_new_result (request->iq, payload);
  return send_answer (request, answer, error);
}

/**
 * gxmpp_iq_request_reply_error:
 * @request: a request
 * @details: the error
 * @error: return location for a #GError
 *
 * Answers the request with an error.
 *
 * Returns: %TRUE if the answer was sent
 */
gboolean
gxmpp_iq_request_reply_error (GXmppIqRequest           *request,
                              GXmppStanzaErrorDetails  *details,
                              GError                  **error)
{
  g_autoptr(GXmppIq) answer = NULL;

  g_return_val_if_fail (GXMPP_IS_IQ_REQUEST (request), FALSE);
  g_return_val_if_fail (details != NULL, FALSE);

  answer = gxmpp_iq_new_error (request->iq, details);
  return send_answer (request, answer, error);
}
