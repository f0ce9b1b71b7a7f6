/* gxmpp-iq.c: IQ (info/query) stanzas
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "gxmpp-enum-types.h"
#include "gxmpp-error.h"
#include "gxmpp-i18n-private.h"
#include "gxmpp-iq.h"
#include "gxmpp-stanza-private.h"

/**
 * GXmppIq:
 *
 * An `<iq/>` stanza: a request (`get` or `set`) that carries exactly one
 * payload element, or its response (`result` or `error`), which carries
 * the request's `id`.
 *
 * ```c
 * g_autoptr(GXmppNode) ping = gxmpp_node_new ("ping", "urn:xmpp:ping");
 * g_autoptr(GXmppIq) iq = gxmpp_iq_new (GXMPP_IQ_TYPE_GET, server, ping);
 * ```
 *
 * Applications answer requests with [method@GXmpp.Iq.new_result] or
 * [method@GXmpp.Iq.new_error], which address the response and copy the id.
 */

struct _GXmppIq
{
  GXmppStanza parent_instance;
};

G_DEFINE_FINAL_TYPE (GXmppIq, gxmpp_iq, GXMPP_TYPE_STANZA)

enum {
  PROP_0,
  PROP_IQ_TYPE,
  PROP_PAYLOAD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char * const type_names[] = {
  [GXMPP_IQ_TYPE_GET] = "get",
  [GXMPP_IQ_TYPE_SET] = "set",
  [GXMPP_IQ_TYPE_RESULT] = "result",
  [GXMPP_IQ_TYPE_ERROR] = "error",
};

static GXmppNode *
node_of (GXmppIq *iq)
{
  return gxmpp_stanza_peek_node (GXMPP_STANZA (iq));
}

static gboolean
is_error_element (GXmppIq   *iq,
                  GXmppNode *child)
{
  return gxmpp_node_is (child, "error", gxmpp_node_get_namespace (node_of (iq)));
}

static guint
count_payload (GXmppIq *iq)
{
  GXmppNode *node = node_of (iq);
  guint i, n, count = 0;

  n = gxmpp_node_get_n_children (node);
  for (i = 0; i < n; i++)
    {
      GXmppNode *child = gxmpp_node_get_child_at (node, i);

      if (gxmpp_node_get_kind (child) == GXMPP_NODE_ELEMENT && !is_error_element (iq, child))
        count++;
    }
  return count;
}

static gboolean
gxmpp_iq_validate (GXmppStanza  *stanza,
                   GError      **error)
{
  GXmppIq *iq = GXMPP_IQ (stanza);
  GXmppNode *node = node_of (iq);
  const char *type = gxmpp_node_get_attribute (node, "type");
  guint payload;

  if (gxmpp_node_get_attribute (node, "id") == NULL)
    {
      g_set_error_literal (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_STANZA,
                           _("The IQ stanza has no “id”"));
      return FALSE;
    }

  if (gxmpp_stanza_lookup_name (type, type_names, G_N_ELEMENTS (type_names), -1) < 0)
    {
      g_set_error (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_STANZA,
                   _("“%s” is not a type of IQ stanza"), type != NULL ? type : "");
      return FALSE;
    }

  payload = count_payload (iq);
  switch (gxmpp_iq_get_iq_type (iq))
    {
    case GXMPP_IQ_TYPE_GET:
    case GXMPP_IQ_TYPE_SET:
      if (payload != 1)
        {
          g_set_error (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_STANZA,
                       _("An IQ request must hold exactly one payload element, not %u"), payload);
          return FALSE;
        }
      if (gxmpp_node_get_child (node, "error", gxmpp_node_get_namespace (node)) != NULL)
        {
          g_set_error_literal (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_STANZA,
                               _("An IQ request must not hold an error"));
          return FALSE;
        }
      break;
    case GXMPP_IQ_TYPE_RESULT:
      if (payload > 1)
        {
          g_set_error (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_STANZA,
                       _("An IQ result may hold at most one payload element, not %u"), payload);
          return FALSE;
        }
      break;
    case GXMPP_IQ_TYPE_ERROR:
      if (gxmpp_node_get_child (node, "error", gxmpp_node_get_namespace (node)) == NULL)
        {
          g_set_error_literal (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_STANZA,
                               _("An IQ error holds no error element"));
          return FALSE;
        }
      break;
    default:
      g_assert_not_reached ();
    }

  return TRUE;
}

static void
gxmpp_iq_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  GXmppIq *self = GXMPP_IQ (object);

  switch (prop_id)
    {
    case PROP_IQ_TYPE:
      g_value_set_enum (value, gxmpp_iq_get_iq_type (self));
      break;
    case PROP_PAYLOAD:
      g_value_set_boxed (value, gxmpp_iq_get_payload (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_iq_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  GXmppIq *self = GXMPP_IQ (object);

  switch (prop_id)
    {
    case PROP_PAYLOAD:
      gxmpp_iq_set_payload (self, g_value_get_boxed (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_iq_class_init (GXmppIqClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GXmppStanzaClass *stanza_class = GXMPP_STANZA_CLASS (klass);

  object_class->get_property = gxmpp_iq_get_property;
  object_class->set_property = gxmpp_iq_set_property;
  stanza_class->validate = gxmpp_iq_validate;

  /**
   * GXmppIq:iq-type:
   *
   * Whether the IQ is a get, set, result or error. It is fixed when the IQ
   * is made.
   */
  properties[PROP_IQ_TYPE] =
    g_param_spec_enum ("iq-type", NULL, NULL,
                       GXMPP_TYPE_IQ_TYPE, GXMPP_IQ_TYPE_GET,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppIq:payload:
   *
   * The IQ's payload element.
   */
  properties[PROP_PAYLOAD] =
    g_param_spec_boxed ("payload", NULL, NULL,
                        GXMPP_TYPE_NODE,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gxmpp_iq_init (GXmppIq *self)
{
}

static GXmppIq *
iq_new (GXmppIqType type)
{
  GXmppIq *iq = g_object_new (GXMPP_TYPE_IQ, NULL);

  gxmpp_node_set_attribute (gxmpp_stanza_edit_node (GXMPP_STANZA (iq)), "type", type_names[type]);
  return iq;
}

/**
 * gxmpp_iq_new:
 * @type: the IQ type
 * @to: (nullable): the recipient, or %NULL for the account's server
 * @payload: (nullable): the payload element; required for get and set
 *
 * Creates an IQ stanza. It gets its `id` when it is sent, unless one is
 * set before.
 *
 * Returns: (transfer full): a new IQ
 */
GXmppIq *
gxmpp_iq_new (GXmppIqType  type,
              GXmppJid    *to,
              GXmppNode   *payload)
{
  GXmppIq *iq;

  g_return_val_if_fail ((guint) type < G_N_ELEMENTS (type_names), NULL);
  g_return_val_if_fail (payload != NULL || (type != GXMPP_IQ_TYPE_GET && type != GXMPP_IQ_TYPE_SET), NULL);
  g_return_val_if_fail (payload == NULL || gxmpp_node_get_kind (payload) == GXMPP_NODE_ELEMENT, NULL);

  iq = iq_new (type);
  if (to != NULL)
    gxmpp_stanza_set_to (GXMPP_STANZA (iq), to);
  if (payload != NULL)
    gxmpp_node_append (gxmpp_stanza_edit_node (GXMPP_STANZA (iq)), payload);
  return iq;
}

/**
 * gxmpp_iq_new_result:
 * @request: a get or set request
 * @payload: (nullable): the result's payload element, or %NULL for none
 *
 * Creates the successful response to @request: type `result`, the same
 * `id`, addressed to the request's sender.
 *
 * Returns: (transfer full): a new IQ
 */
GXmppIq *
gxmpp_iq_new_result (GXmppIq   *request,
                     GXmppNode *payload)
{
  GXmppIq *result;

  g_return_val_if_fail (GXMPP_IS_IQ (request), NULL);
  g_return_val_if_fail (gxmpp_iq_is_request (request), NULL);

  result = gxmpp_iq_new (GXMPP_IQ_TYPE_RESULT, gxmpp_stanza_get_from (GXMPP_STANZA (request)), payload);
  gxmpp_stanza_set_id (GXMPP_STANZA (result), gxmpp_stanza_get_id (GXMPP_STANZA (request)));
  return result;
}

/**
 * gxmpp_iq_new_error:
 * @request: a get or set request
 * @error: the error to report
 *
 * Creates the error response to @request: type `error`, the same `id`,
 * addressed to the request's sender, holding @error.
 *
 * Returns: (transfer full): a new IQ
 */
GXmppIq *
gxmpp_iq_new_error (GXmppIq                *request,
                    const GXmppStanzaErrorDetails *error)
{
  g_autoptr(GXmppNode) error_node = NULL;
  GXmppIq *reply;

  g_return_val_if_fail (GXMPP_IS_IQ (request), NULL);
  g_return_val_if_fail (gxmpp_iq_is_request (request), NULL);
  g_return_val_if_fail (error != NULL, NULL);

  reply = iq_new (GXMPP_IQ_TYPE_ERROR);
  gxmpp_stanza_set_to (GXMPP_STANZA (reply), gxmpp_stanza_get_from (GXMPP_STANZA (request)));
  gxmpp_stanza_set_id (GXMPP_STANZA (reply), gxmpp_stanza_get_id (GXMPP_STANZA (request)));
  error_node = gxmpp_stanza_error_details_to_node (error);
  gxmpp_node_append (gxmpp_stanza_edit_node (GXMPP_STANZA (reply)), error_node);
  return reply;
}

/**
 * gxmpp_iq_get_iq_type:
 * @iq: an IQ
 *
 * Gets the IQ's type.
 *
 * Returns: the type
 */
GXmppIqType
gxmpp_iq_get_iq_type (GXmppIq *iq)
{
  int type;

  g_return_val_if_fail (GXMPP_IS_IQ (iq), GXMPP_IQ_TYPE_GET);

  type = gxmpp_stanza_lookup_name (gxmpp_node_get_attribute (node_of (iq), "type"),
                                   type_names, G_N_ELEMENTS (type_names), -1);
  /* Received IQs were validated; an IQ built by hand without a known type
   * reads as an error so that it is never taken for a request. */
  return type < 0 ? GXMPP_IQ_TYPE_ERROR : (GXmppIqType) type;
}

/**
 * gxmpp_iq_is_request:
 * @iq: an IQ
 *
 * Checks whether the IQ is a get or a set.
 *
 * Returns: %TRUE for a request
 */
gboolean
gxmpp_iq_is_request (GXmppIq *iq)
{
  GXmppIqType type;

  g_return_val_if_fail (GXMPP_IS_IQ (iq), FALSE);

  type = gxmpp_iq_get_iq_type (iq);
  return type == GXMPP_IQ_TYPE_GET || type == GXMPP_IQ_TYPE_SET;
}

/**
 * gxmpp_iq_get_payload:
 * @iq: an IQ
 *
 * Gets the payload: the first child element that is not the `<error/>`.
 * For an error response that is the request's payload, if the responder
 * included it.
 *
 * Returns: (transfer none) (nullable): the payload, or %NULL
 */
GXmppNode *
gxmpp_iq_get_payload (GXmppIq *iq)
{
  GXmppNode *node;
  guint i, n;

  g_return_val_if_fail (GXMPP_IS_IQ (iq), NULL);

  node = node_of (iq);
  n = gxmpp_node_get_n_children (node);
  for (i = 0; i < n; i++)
    {
      GXmppNode *child = gxmpp_node_get_child_at (node, i);

      if (gxmpp_node_get_kind (child) == GXMPP_NODE_ELEMENT && !is_error_element (iq, child))
        return child;
    }
  return NULL;
}

/**
 * gxmpp_iq_set_payload:
 * @iq: an IQ
 * @payload: (nullable): the new payload element, or %NULL for none
 *
 * Replaces the payload. The IQ keeps a reference to @payload.
 */
void
gxmpp_iq_set_payload (GXmppIq   *iq,
                      GXmppNode *payload)
{
  GXmppNode *node;
  guint i = 0;

  g_return_if_fail (GXMPP_IS_IQ (iq));
  g_return_if_fail (payload == NULL || gxmpp_node_get_kind (payload) == GXMPP_NODE_ELEMENT);

  if (payload == gxmpp_iq_get_payload (iq))
    return;

  /* @payload may be one of the children about to be removed, or belong to
   * the sealed tree that editing replaces: hold it meanwhile. */
  if (payload != NULL)
    gxmpp_node_ref (payload);
  node = gxmpp_stanza_edit_node (GXMPP_STANZA (iq));
  while (i < gxmpp_node_get_n_children (node))
    {
      GXmppNode *child = gxmpp_node_get_child_at (node, i);

      if (gxmpp_node_get_kind (child) == GXMPP_NODE_ELEMENT && !is_error_element (iq, child))
        gxmpp_node_remove_child (node, child);
      else
        i++;
    }
  if (payload != NULL)
    {
      gxmpp_node_insert (node, 0, payload);
      gxmpp_node_unref (payload);
    }
  g_object_notify_by_pspec (G_OBJECT (iq), properties[PROP_PAYLOAD]);
}
