/* gxmpp-stanza.c: the base class of message, presence and IQ stanzas
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "gxmpp-enum-types.h"
#include "gxmpp-error.h"
#include "gxmpp-i18n-private.h"
#include "gxmpp-iq.h"
#include "gxmpp-jid-private.h"
#include "gxmpp-node-private.h"
#include "gxmpp-message.h"
#include "gxmpp-presence.h"
#include "gxmpp-stanza-private.h"

/**
 * GXmppStanza:
 *
 * The base class of the three kinds of XML stanza: [class@GXmpp.Message],
 * [class@GXmpp.Presence] and [class@GXmpp.Iq].
 *
 * A stanza is a typed view of a [struct@GXmpp.Node]: the accessors read
 * the element and the setters change it, so anything the library does not
 * know about (extension payloads, unknown attributes) is kept exactly as it
 * was. [method@GXmpp.Stanza.get_node] gives the element itself, sealed;
 * changes made through the stanza after that work on a copy.
 *
 * Stanzas received from a stream have been validated: their `from` and
 * `to` are valid JIDs, an IQ has an `id`, a `type` and the right number of
 * payload elements. [ctor@GXmpp.Stanza.new_from_node] applies the same
 * checks to an element from elsewhere.
 */

typedef struct {
  GXmppNode *node;
  GXmppJid *from;           /* parsed from the attribute on first use */
  GXmppJid *to;
  guint from_parsed : 1;
  guint to_parsed : 1;
} GXmppStanzaPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (GXmppStanza, gxmpp_stanza, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NODE,
  PROP_KIND,
  PROP_ID,
  PROP_FROM,
  PROP_TO,
  PROP_LANG,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
gxmpp_stanza_finalize (GObject *object)
{
  GXmppStanza *self = GXMPP_STANZA (object);
  GXmppStanzaPrivate *priv = gxmpp_stanza_get_instance_private (self);

  g_clear_pointer (&priv->node, gxmpp_node_unref);
  g_clear_pointer (&priv->from, gxmpp_jid_unref);
  g_clear_pointer (&priv->to, gxmpp_jid_unref);

  G_OBJECT_CLASS (gxmpp_stanza_parent_class)->finalize (object);
}

static void
gxmpp_stanza_constructed (GObject *object)
{
  static const char * const names[] = {
    [GXMPP_STANZA_KIND_MESSAGE] = "message",
    [GXMPP_STANZA_KIND_PRESENCE] = "presence",
    [GXMPP_STANZA_KIND_IQ] = "iq",
  };
  GXmppStanza *self = GXMPP_STANZA (object);
  GXmppStanzaPrivate *priv = gxmpp_stanza_get_instance_private (self);
  const char *name = names[gxmpp_stanza_get_kind (self)];

  G_OBJECT_CLASS (gxmpp_stanza_parent_class)->constructed (object);

  /* An element given through the property must be of this class's kind;
   * gxmpp_stanza_new_from_node() checks more and reports errors. */
  if (priv->node != NULL &&
      (!gxmpp_node_is (priv->node, name, NULL) ||
       (g_strcmp0 (gxmpp_node_get_namespace (priv->node), GXMPP_NS_CLIENT) != 0 &&
        g_strcmp0 (gxmpp_node_get_namespace (priv->node), GXMPP_NS_SERVER) != 0)))
    {
      g_critical ("A %s cannot be made from a <%s/> element; use gxmpp_stanza_new_from_node()",
                  G_OBJECT_TYPE_NAME (self),
                  gxmpp_node_get_name (priv->node) ? gxmpp_node_get_name (priv->node) : "text");
      g_clear_pointer (&priv->node, gxmpp_node_unref);
    }

  /* Made without an element (by a constructor, or g_object_new() from a
   * binding): start from an empty one of the right kind. */
  if (priv->node == NULL)
    priv->node = gxmpp_node_new (name, GXMPP_NS_CLIENT);
}

static void
gxmpp_stanza_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  GXmppStanza *self = GXMPP_STANZA (object);

  switch (prop_id)
    {
    case PROP_NODE:
      g_value_set_boxed (value, gxmpp_stanza_get_node (self));
      break;
    case PROP_KIND:
      g_value_set_enum (value, gxmpp_stanza_get_kind (self));
      break;
    case PROP_ID:
      g_value_set_string (value, gxmpp_stanza_get_id (self));
      break;
    case PROP_FROM:
      g_value_set_boxed (value, gxmpp_stanza_get_from (self));
      break;
    case PROP_TO:
      g_value_set_boxed (value, gxmpp_stanza_get_to (self));
      break;
    case PROP_LANG:
      g_value_set_string (value, gxmpp_stanza_get_lang (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_stanza_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  GXmppStanza *self = GXMPP_STANZA (object);
  GXmppStanzaPrivate *priv = gxmpp_stanza_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_NODE:
      {
        GXmppNode *node = g_value_get_boxed (value);

        /* Construct-only. A mutable element is copied so that nobody else
         * can change it behind the stanza's back. */
        g_assert (priv->node == NULL);
        if (node != NULL)
          priv->node = gxmpp_node_is_sealed (node) ? gxmpp_node_ref (node) : gxmpp_node_copy (node);
        break;
      }
    case PROP_ID:
      gxmpp_stanza_set_id (self, g_value_get_string (value));
      break;
    case PROP_FROM:
      gxmpp_stanza_set_from (self, g_value_get_boxed (value));
      break;
    case PROP_TO:
      gxmpp_stanza_set_to (self, g_value_get_boxed (value));
      break;
    case PROP_LANG:
      gxmpp_stanza_set_lang (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

gboolean
gxmpp_node_is_stanza (GXmppNode *element)
{
  return g_strcmp0 (gxmpp_node_get_namespace (element), GXMPP_NS_CLIENT) == 0 &&
         (gxmpp_node_is (element, "message", NULL) || gxmpp_node_is (element, "presence", NULL) ||
          gxmpp_node_is (element, "iq", NULL));
}

GXmppNode *
gxmpp_stanza_peek_node (GXmppStanza *stanza)
{
  GXmppStanzaPrivate *priv = gxmpp_stanza_get_instance_private (stanza);

  return priv->node;
}

static gboolean
gxmpp_stanza_real_is_payload (GXmppStanza *stanza,
                              GXmppNode   *child)
{
  return !gxmpp_node_is (child, "error", gxmpp_node_get_namespace (gxmpp_stanza_peek_node (stanza)));
}

static gboolean
gxmpp_stanza_real_validate (GXmppStanza  *stanza,
                            GError      **error)
{
  return TRUE;
}

static void
gxmpp_stanza_class_init (GXmppStanzaClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = gxmpp_stanza_constructed;
  object_class->finalize = gxmpp_stanza_finalize;
  object_class->get_property = gxmpp_stanza_get_property;
  object_class->set_property = gxmpp_stanza_set_property;

  klass->is_payload = gxmpp_stanza_real_is_payload;
  klass->validate = gxmpp_stanza_real_validate;

  /**
   * GXmppStanza:node:
   *
   * The stanza's element. Reading it seals it; see
   * [method@GXmpp.Stanza.get_node]. A stanza made without one starts
   * from an empty element of its kind.
   */
  properties[PROP_NODE] =
    g_param_spec_boxed ("node", NULL, NULL,
                        GXMPP_TYPE_NODE,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppStanza:kind:
   *
   * Whether the stanza is a message, a presence or an IQ.
   */
  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL,
                       GXMPP_TYPE_STANZA_KIND, GXMPP_STANZA_KIND_MESSAGE,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppStanza:id:
   *
   * The stanza's `id` attribute.
   */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppStanza:from:
   *
   * The sender's address, from the `from` attribute.
   */
  properties[PROP_FROM] =
    g_param_spec_boxed ("from", NULL, NULL,
                        GXMPP_TYPE_JID,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppStanza:to:
   *
   * The recipient's address, from the `to` attribute.
   */
  properties[PROP_TO] =
    g_param_spec_boxed ("to", NULL, NULL,
                        GXMPP_TYPE_JID,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppStanza:lang:
   *
   * The stanza's `xml:lang` attribute: the language of its human-readable
   * text.
   */
  properties[PROP_LANG] =
    g_param_spec_string ("lang", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gxmpp_stanza_init (GXmppStanza *self)
{
}

GXmppNode *
gxmpp_stanza_edit_node (GXmppStanza *stanza)
{
  GXmppStanzaPrivate *priv = gxmpp_stanza_get_instance_private (stanza);

  if (gxmpp_node_is_sealed (priv->node))
    {
      GXmppNode *copy = gxmpp_node_copy (priv->node);

      gxmpp_node_unref (priv->node);
      priv->node = copy;
      g_object_notify_by_pspec (G_OBJECT (stanza), properties[PROP_NODE]);
    }
  return priv->node;
}

int
gxmpp_stanza_lookup_name (const char        *value,
                          const char * const names[],
                          guint              n_names,
                          int                fallback)
{
  guint i;

  if (value == NULL)
    return fallback;
  for (i = 0; i < n_names; i++)
    if (names[i] != NULL && strcmp (names[i], value) == 0)
      return i;
  return -1;
}

static gboolean
parse_address (GXmppNode   *node,
               const char  *attribute,
               GXmppJid   **out,
               GError     **error)
{
  const char *value = gxmpp_node_get_attribute (node, attribute);
  g_autoptr(GError) local_error = NULL;

  *out = NULL;
  if (value == NULL)
    return TRUE;

  *out = gxmpp_jid_new_cached (value, &local_error);
  if (*out == NULL)
    {
      g_set_error (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_STANZA,
                   _("The stanza’s “%s” address is invalid: %s"), attribute, local_error->message);
      return FALSE;
    }
  return TRUE;
}

/**
 * gxmpp_stanza_new_from_node:
 * @node: a `<message/>`, `<presence/>` or `<iq/>` element in the
 *   `jabber:client` or `jabber:server` namespace
 * @error: return location for a #GError
 *
 * Makes a stanza of the right class from an element, after checking that
 * it is a valid stanza: its addresses are valid JIDs, its type is one the
 * RFCs define (a message of unknown type counts as
 * %GXMPP_MESSAGE_TYPE_NORMAL, as RFC 6121 says), and an IQ has an `id`
 * and exactly one payload element if it is a request. Failures are
 * %GXMPP_ERROR_INVALID_STANZA.
 *
 * A sealed @node is used as it is; a mutable one is copied.
 *
 * Returns: (transfer full): the stanza, or %NULL on error
 */
GXmppStanza *
gxmpp_stanza_new_from_node (GXmppNode  *node,
                            GError    **error)
{
  GXmppStanzaPrivate *priv;
  GXmppStanza *stanza;
  const char *name, *ns;
  GXmppJid *from, *to;
  GType type;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  name = gxmpp_node_get_name (node);
  ns = gxmpp_node_get_namespace (node);

  if (name == NULL || (g_strcmp0 (ns, GXMPP_NS_CLIENT) != 0 && g_strcmp0 (ns, GXMPP_NS_SERVER) != 0))
    {
      g_set_error_literal (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_STANZA,
                           _("The element is not in a stanza namespace"));
      return NULL;
    }

  if (strcmp (name, "message") == 0)
    type = GXMPP_TYPE_MESSAGE;
  else if (strcmp (name, "presence") == 0)
    type = GXMPP_TYPE_PRESENCE;
  else if (strcmp (name, "iq") == 0)
    type = GXMPP_TYPE_IQ;
  else
    {
      g_set_error (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_STANZA,
                   _("“%s” is not a kind of stanza"), name);
      return NULL;
    }

  if (!parse_address (node, "from", &from, error))
    return NULL;
  if (!parse_address (node, "to", &to, error))
    {
      g_clear_pointer (&from, gxmpp_jid_unref);
      return NULL;
    }

  stanza = g_object_new (type, "node", node, NULL);
  priv = gxmpp_stanza_get_instance_private (stanza);
  priv->from = from;
  priv->to = to;
  priv->from_parsed = priv->to_parsed = TRUE;

  if (!GXMPP_STANZA_GET_CLASS (stanza)->validate (stanza, error))
    {
      g_object_unref (stanza);
      return NULL;
    }

  return stanza;
}

/**
 * gxmpp_stanza_get_node:
 * @stanza: a stanza
 *
 * Gets the stanza's element. The element is sealed by this call, so it
 * never changes: changes made through the stanza afterwards work on a copy
 * (and emit #GObject::notify for [property@GXmpp.Stanza:node]). The stanza
 * then drops its reference to the old element, so to keep the element
 * across such a change, take a reference with gxmpp_node_ref().
 *
 * The same holds for every pointer the stanza's getters return (texts,
 * payload elements, addresses): it stays valid until the stanza is next
 * modified.
 *
 * Returns: (transfer none): the sealed element
 */
GXmppNode *
gxmpp_stanza_get_node (GXmppStanza *stanza)
{
  GXmppStanzaPrivate *priv;

  g_return_val_if_fail (GXMPP_IS_STANZA (stanza), NULL);

  priv = gxmpp_stanza_get_instance_private (stanza);
  gxmpp_node_seal (priv->node);
  return priv->node;
}

/**
 * gxmpp_stanza_get_kind:
 * @stanza: a stanza
 *
 * Tells whether @stanza is a message, a presence or an IQ.
 *
 * Returns: the kind of stanza
 */
GXmppStanzaKind
gxmpp_stanza_get_kind (GXmppStanza *stanza)
{
  GType type;

  g_return_val_if_fail (GXMPP_IS_STANZA (stanza), GXMPP_STANZA_KIND_MESSAGE);

  /* The three classes are final: comparing the instance's own type is
   * enough, and much cheaper than the subtype checks below, which stay for
   * any other subclass. */
  type = G_TYPE_FROM_INSTANCE (stanza);
  if (type == GXMPP_TYPE_MESSAGE)
    return GXMPP_STANZA_KIND_MESSAGE;
  if (type == GXMPP_TYPE_PRESENCE)
    return GXMPP_STANZA_KIND_PRESENCE;
  if (type == GXMPP_TYPE_IQ)
    return GXMPP_STANZA_KIND_IQ;

  if (GXMPP_IS_PRESENCE (stanza))
    return GXMPP_STANZA_KIND_PRESENCE;
  if (GXMPP_IS_IQ (stanza))
    return GXMPP_STANZA_KIND_IQ;
  return GXMPP_STANZA_KIND_MESSAGE;
}

/**
 * gxmpp_stanza_get_id:
 * @stanza: a stanza
 *
 * Gets the stanza's `id`.
 *
 * Returns: (nullable): the id, or %NULL if it has none
 */
const char *
gxmpp_stanza_get_id (GXmppStanza *stanza)
{
  g_return_val_if_fail (GXMPP_IS_STANZA (stanza), NULL);

  return gxmpp_node_get_attribute (gxmpp_stanza_peek_node (stanza), "id");
}

/**
 * gxmpp_stanza_set_id:
 * @stanza: a stanza
 * @id: (nullable): the new id, or %NULL to remove it
 *
 * Sets the stanza's `id`. When a stanza without one is sent, the session
 * gives it a new unguessable id.
 */
void
gxmpp_stanza_set_id (GXmppStanza *stanza,
                     const char  *id)
{
  g_return_if_fail (GXMPP_IS_STANZA (stanza));

  if (g_strcmp0 (id, gxmpp_stanza_get_id (stanza)) == 0)
    return;
  gxmpp_node_set_attribute (gxmpp_stanza_edit_node (stanza), "id", id);
  g_object_notify_by_pspec (G_OBJECT (stanza), properties[PROP_ID]);
}

/**
 * gxmpp_stanza_get_from:
 * @stanza: a stanza
 *
 * Gets the sender's address. For stanzas received from the server, it is
 * the address the server vouches for.
 *
 * Returns: (transfer none) (nullable): the address, or %NULL if the stanza
 *   has no `from` (it then comes from the account's own server)
 */
GXmppJid *
gxmpp_stanza_get_from (GXmppStanza *stanza)
{
  GXmppStanzaPrivate *priv;

  g_return_val_if_fail (GXMPP_IS_STANZA (stanza), NULL);

  priv = gxmpp_stanza_get_instance_private (stanza);
  if (!priv->from_parsed)
    {
      /* Only stanzas made through the "node" property get here; an address
       * that does not parse reads as none. */
      parse_address (priv->node, "from", &priv->from, NULL);
      priv->from_parsed = TRUE;
    }
  return priv->from;
}

static void
set_address (GXmppStanza  *stanza,
             GXmppJid    **field,
             const char   *attribute,
             GXmppJid     *jid,
             GParamSpec   *pspec)
{
  GXmppJid *current = g_str_equal (attribute, "from") ? gxmpp_stanza_get_from (stanza)
                                                       : gxmpp_stanza_get_to (stanza);

  if (jid == current || (jid != NULL && current != NULL && gxmpp_jid_equal (jid, current)))
    {
      /* The same address, but maybe not the same text (an attribute that
       * did not parse reads as none): write it anyway. */
      if (jid != NULL || gxmpp_node_get_attribute (gxmpp_stanza_peek_node (stanza), attribute) == NULL)
        return;
    }

  gxmpp_node_set_attribute (gxmpp_stanza_edit_node (stanza), attribute,
                            jid != NULL ? gxmpp_jid_to_string (jid) : NULL);
  if (jid != NULL)
    gxmpp_jid_ref (jid);
  g_clear_pointer (field, gxmpp_jid_unref);
  *field = jid;
  g_object_notify_by_pspec (G_OBJECT (stanza), pspec);
}

/**
 * gxmpp_stanza_set_from:
 * @stanza: a stanza
 * @from: (nullable): the sender's address, or %NULL to remove it
 *
 * Sets the `from` attribute. Clients normally leave it unset: the server
 * stamps the account's address on everything it routes.
 */
void
gxmpp_stanza_set_from (GXmppStanza *stanza,
                       GXmppJid    *from)
{
  GXmppStanzaPrivate *priv;

  g_return_if_fail (GXMPP_IS_STANZA (stanza));

  priv = gxmpp_stanza_get_instance_private (stanza);
  set_address (stanza, &priv->from, "from", from, properties[PROP_FROM]);
}

/**
 * gxmpp_stanza_get_to:
 * @stanza: a stanza
 *
 * Gets the recipient's address.
 *
 * Returns: (transfer none) (nullable): the address, or %NULL if the stanza
 *   has no `to` (it is then for the account's own server or account)
 */
GXmppJid *
gxmpp_stanza_get_to (GXmppStanza *stanza)
{
  GXmppStanzaPrivate *priv;

  g_return_val_if_fail (GXMPP_IS_STANZA (stanza), NULL);

  priv = gxmpp_stanza_get_instance_private (stanza);
  if (!priv->to_parsed)
    {
      parse_address (priv->node, "to", &priv->to, NULL);
      priv->to_parsed = TRUE;
    }
  return priv->to;
}

/**
 * gxmpp_stanza_set_to:
 * @stanza: a stanza
 * @to: (nullable): the recipient's address, or %NULL to remove it
 *
 * Sets the recipient (the seed's `presTo` for presence).
 */
void
gxmpp_stanza_set_to (GXmppStanza *stanza,
                     GXmppJid    *to)
{
  GXmppStanzaPrivate *priv;

  g_return_if_fail (GXMPP_IS_STANZA (stanza));

  priv = gxmpp_stanza_get_instance_private (stanza);
  set_address (stanza, &priv->to, "to", to, properties[PROP_TO]);
}

/**
 * gxmpp_stanza_get_lang:
 * @stanza: a stanza
 *
 * Gets the stanza's own `xml:lang`. A stanza without one is in the
 * stream's language.
 *
 * Returns: (nullable): the language tag, or %NULL
 */
const char *
gxmpp_stanza_get_lang (GXmppStanza *stanza)
{
  g_return_val_if_fail (GXMPP_IS_STANZA (stanza), NULL);

  return gxmpp_node_get_lang (gxmpp_stanza_peek_node (stanza));
}

/**
 * gxmpp_stanza_set_lang:
 * @stanza: a stanza
 * @lang: (nullable): a language tag, or %NULL to remove it
 *
 * Sets the stanza's `xml:lang`.
 */
void
gxmpp_stanza_set_lang (GXmppStanza *stanza,
                       const char  *lang)
{
  g_return_if_fail (GXMPP_IS_STANZA (stanza));

  if (g_strcmp0 (lang, gxmpp_stanza_get_lang (stanza)) == 0)
    return;
  gxmpp_node_set_lang (gxmpp_stanza_edit_node (stanza), lang);
  g_object_notify_by_pspec (G_OBJECT (stanza), properties[PROP_LANG]);
}

/**
 * gxmpp_stanza_is_error:
 * @stanza: a stanza
 *
 * Checks whether the stanza's `type` is `error`.
 *
 * Returns: %TRUE for an error stanza
 */
gboolean
gxmpp_stanza_is_error (GXmppStanza *stanza)
{
  g_return_val_if_fail (GXMPP_IS_STANZA (stanza), FALSE);

  return g_strcmp0 (gxmpp_node_get_attribute (gxmpp_stanza_peek_node (stanza), "type"), "error") == 0;
}

/**
 * gxmpp_stanza_get_error:
 * @stanza: a stanza
 *
 * Reads the error an error stanza carries. An error stanza without an
 * `<error/>` element gives %GXMPP_STANZA_ERROR_UNDEFINED_CONDITION.
 *
 * Returns: (transfer full) (nullable): the error, or %NULL if @stanza is
 *   not an error stanza
 */
GXmppStanzaErrorDetails *
gxmpp_stanza_get_error (GXmppStanza *stanza)
{
  GXmppNode *node, *error_node;

  g_return_val_if_fail (GXMPP_IS_STANZA (stanza), NULL);

  if (!gxmpp_stanza_is_error (stanza))
    return NULL;

  node = gxmpp_stanza_peek_node (stanza);
  error_node = gxmpp_node_get_child (node, "error", gxmpp_node_get_namespace (node));
  if (error_node == NULL)
    return gxmpp_stanza_error_details_new (GXMPP_STANZA_ERROR_UNDEFINED_CONDITION);
  return gxmpp_stanza_error_details_new_from_node (error_node);
}

/**
 * gxmpp_stanza_get_payload:
 * @stanza: a stanza
 *
 * Lists the stanza's payload: its child elements other than those of the
 * stanza's own schema (a message's body, subject and thread, a presence's
 * show, status and priority, any stanza's error).
 *
 * Returns: (transfer container) (element-type GXmppNode): the payload
 *   elements, in document order
 */
GPtrArray *
gxmpp_stanza_get_payload (GXmppStanza *stanza)
{
  GXmppStanzaClass *klass;
  GXmppNode *node;
  GPtrArray *payload;
  guint i, n;

  g_return_val_if_fail (GXMPP_IS_STANZA (stanza), NULL);

  klass = GXMPP_STANZA_GET_CLASS (stanza);
  node = gxmpp_stanza_peek_node (stanza);
  payload = g_ptr_array_new_with_free_func ((GDestroyNotify) gxmpp_node_unref);
  n = gxmpp_node_get_n_children (node);
  for (i = 0; i < n; i++)
    {
      GXmppNode *child = gxmpp_node_get_child_at (node, i);

      if (gxmpp_node_get_kind (child) == GXMPP_NODE_ELEMENT && klass->is_payload (stanza, child))
        g_ptr_array_add (payload, gxmpp_node_ref (child));
    }

  return payload;
}

/**
 * gxmpp_stanza_get_payload_element:
 * @stanza: a stanza
 * @name: (nullable): the element's local name, or %NULL for any
 * @ns: (nullable): the element's namespace, or %NULL for any
 *
 * Finds the first payload element with the given name and namespace, such
 * as a message's `<x xmlns='jabber:x:oob'/>`.
 *
 * Returns: (transfer none) (nullable): the element, or %NULL
 */
GXmppNode *
gxmpp_stanza_get_payload_element (GXmppStanza *stanza,
                                  const char  *name,
                                  const char  *ns)
{
  GXmppStanzaClass *klass;
  GXmppNode *node;
  guint i, n;

  g_return_val_if_fail (GXMPP_IS_STANZA (stanza), NULL);

  klass = GXMPP_STANZA_GET_CLASS (stanza);
  node = gxmpp_stanza_peek_node (stanza);
  n = gxmpp_node_get_n_children (node);
  for (i = 0; i < n; i++)
    {
      GXmppNode *child = gxmpp_node_get_child_at (node, i);

      if (gxmpp_node_get_kind (child) == GXMPP_NODE_ELEMENT &&
          (name == NULL || strcmp (gxmpp_node_get_name (child), name) == 0) &&
          (ns == NULL || g_strcmp0 (gxmpp_node_get_namespace (child), ns) == 0) &&
          klass->is_payload (stanza, child))
        return child;
    }

  return NULL;
}

/**
 * gxmpp_stanza_add_payload:
 * @stanza: a stanza
 * @element: an element
 *
 * Appends @element to the stanza's children. The stanza keeps a reference
 * to it; seal it first if it will be changed later.
 */
void
gxmpp_stanza_add_payload (GXmppStanza *stanza,
                          GXmppNode   *element)
{
  g_return_if_fail (GXMPP_IS_STANZA (stanza));
  g_return_if_fail (element != NULL);
  g_return_if_fail (gxmpp_node_get_kind (element) == GXMPP_NODE_ELEMENT);

  gxmpp_node_append (gxmpp_stanza_edit_node (stanza), element);
  if (GXMPP_IS_IQ (stanza))
    g_object_notify (G_OBJECT (stanza), "payload");
}

/**
 * gxmpp_stanza_remove_payload:
 * @stanza: a stanza
 * @name: (nullable): the local name, or %NULL for any
 * @ns: (nullable): the namespace, or %NULL for any
 *
 * Removes the payload elements with the given name and namespace. The
 * stanza's own children (body, show, error...) are never removed here.
 *
 * Returns: the number of elements removed
 */
guint
gxmpp_stanza_remove_payload (GXmppStanza *stanza,
                             const char  *name,
                             const char  *ns)
{
  GXmppStanzaClass *klass;
  GXmppNode *node;
  guint i = 0, removed = 0;

  g_return_val_if_fail (GXMPP_IS_STANZA (stanza), 0);

  if (gxmpp_stanza_get_payload_element (stanza, name, ns) == NULL)
    return 0;

  klass = GXMPP_STANZA_GET_CLASS (stanza);
  node = gxmpp_stanza_edit_node (stanza);
  while (i < gxmpp_node_get_n_children (node))
    {
      GXmppNode *child = gxmpp_node_get_child_at (node, i);

      if (gxmpp_node_get_kind (child) == GXMPP_NODE_ELEMENT &&
          (name == NULL || strcmp (gxmpp_node_get_name (child), name) == 0) &&
          (ns == NULL || g_strcmp0 (gxmpp_node_get_namespace (child), ns) == 0) &&
          klass->is_payload (stanza, child))
        {
          gxmpp_node_remove_child (node, child);
          removed++;
        }
      else
        i++;
    }

  if (removed > 0 && GXMPP_IS_IQ (stanza))
    g_object_notify (G_OBJECT (stanza), "payload");
  return removed;
}

/**
 * gxmpp_stanza_to_string:
 * @stanza: a stanza
 * @error: return location for a #GError
 *
 * Serialises the stanza as XML, with its namespace declared, as
 * [method@GXmpp.Node.to_string] does.
 *
 * Returns: (transfer full) (nullable): the XML, or %NULL if some text
 *   holds a character XML cannot carry
 */
char *
gxmpp_stanza_to_string (GXmppStanza  *stanza,
                        GError      **error)
{
  g_return_val_if_fail (GXMPP_IS_STANZA (stanza), NULL);

  return gxmpp_node_to_string (gxmpp_stanza_peek_node (stanza), error);
}

/* The children named @name in the stanza's namespace, with their language
 * a stanza without xml:lang has the stream's language; a child without
 * one has the stanza's. */
static gboolean
lang_matches (GXmppNode  *child,
              const char *stanza_lang,
              const char *lang)
{
  const char *child_lang = gxmpp_node_get_lang (child);

  if (lang == NULL)
    return child_lang == NULL ||
           (stanza_lang != NULL && g_ascii_strcasecmp (child_lang, stanza_lang) == 0);

  if (child_lang != NULL)
    return g_ascii_strcasecmp (child_lang, lang) == 0;
  return stanza_lang != NULL && g_ascii_strcasecmp (stanza_lang, lang) == 0;
}

const char *
gxmpp_stanza_get_lang_text (GXmppStanza *stanza,
                            const char  *name,
                            const char  *lang)
{
  GXmppNode *node = gxmpp_stanza_peek_node (stanza);
  const char *ns = gxmpp_node_get_namespace (node);
  const char *stanza_lang = gxmpp_node_get_lang (node);
  GXmppNode *first = NULL;
  guint i, n;

  n = gxmpp_node_get_n_children (node);
  for (i = 0; i < n; i++)
    {
      GXmppNode *child = gxmpp_node_get_child_at (node, i);

      if (!gxmpp_node_is (child, name, ns))
        continue;
      if (lang_matches (child, stanza_lang, lang))
        return gxmpp_node_get_text (child);
      if (first == NULL)
        first = child;
    }

  return lang == NULL && first != NULL ? gxmpp_node_get_text (first) : NULL;
}

/* Sets or removes the child for @lang, found by the same rule
 * gxmpp_stanza_get_lang_text() uses (without its fall-back to the first
 * child): NULL is the child without xml:lang or with the stanza's own.
 * Returns whether anything changed. */
gboolean
gxmpp_stanza_set_lang_text (GXmppStanza *stanza,
                            const char  *name,
                            const char  *lang,
                            const char  *text)
{
  GXmppNode *node = gxmpp_stanza_peek_node (stanza);
  const char *ns = gxmpp_node_get_namespace (node);
  /* A copy: editing may replace the node these point into. */
  g_autofree char *stanza_lang = g_strdup (gxmpp_node_get_lang (node));
  GXmppNode *child;
  guint i, n, index = G_MAXUINT;

  n = gxmpp_node_get_n_children (node);
  for (i = 0; i < n && index == G_MAXUINT; i++)
    {
      child = gxmpp_node_get_child_at (node, i);
      if (gxmpp_node_is (child, name, ns) && lang_matches (child, stanza_lang, lang))
        index = i;
    }

  if (index == G_MAXUINT)
    {
      if (text == NULL)
        return FALSE;
      /* The setters (body, subject, status) have validated @text. */
      child = gxmpp_node_add_child_with_text_trusted (gxmpp_stanza_edit_node (stanza), name, text);
      if (lang != NULL && (stanza_lang == NULL || g_ascii_strcasecmp (lang, stanza_lang) != 0))
        gxmpp_node_set_lang (child, lang);
      return TRUE;
    }

  if (text != NULL && strcmp (gxmpp_node_get_text (gxmpp_node_get_child_at (node, index)), text) == 0)
    return FALSE;

  node = gxmpp_stanza_edit_node (stanza);
  child = gxmpp_node_get_child_at (node, index);
  if (text == NULL)
    gxmpp_node_remove_child (node, child);
  else
    gxmpp_node_set_text_trusted (child, text);
  return TRUE;
}

void
gxmpp_stanza_update_lang_text (GXmppStanza *stanza,
                               const char  *name,
                               const char  *lang,
                               const char  *text,
                               GParamSpec  *default_pspec)
{
  g_autofree char *before = g_strdup (gxmpp_stanza_get_lang_text (stanza, name, NULL));

  if (gxmpp_stanza_set_lang_text (stanza, name, lang, text) &&
      g_strcmp0 (before, gxmpp_stanza_get_lang_text (stanza, name, NULL)) != 0)
    g_object_notify_by_pspec (G_OBJECT (stanza), default_pspec);
}

char **
gxmpp_stanza_get_lang_text_langs (GXmppStanza *stanza,
                                  const char  *name)
{
  GXmppNode *node = gxmpp_stanza_peek_node (stanza);
  const char *ns = gxmpp_node_get_namespace (node);
  GPtrArray *langs = g_ptr_array_new ();
  guint i, n;

  n = gxmpp_node_get_n_children (node);
  for (i = 0; i < n; i++)
    {
      GXmppNode *child = gxmpp_node_get_child_at (node, i);
      const char *lang;

      if (!gxmpp_node_is (child, name, ns))
        continue;
      lang = gxmpp_node_get_lang (child);
      if (lang != NULL)
        g_ptr_array_add (langs, g_strdup (lang));
    }

  g_ptr_array_add (langs, NULL);
  return (char **) g_ptr_array_free (langs, FALSE);
}
