/* gxmpp-stanza-error.c: stanza errors (RFC 6120 section 8.3)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gxmpp-i18n-private.h"
#include "gxmpp-ns.h"
#include "gxmpp-stanza-error.h"

/**
 * GXmppStanzaErrorDetails:
 *
 * An error carried by a stanza of type `error` (RFC 6120 section 8.3): a
 * defined condition, an error type that says whether and how to retry,
 * and optionally a human-readable text, an application-specific element,
 * the address of the entity that generated the error (`by`), and for
 * `gone` and `redirect` an alternate address.
 *
 * When a request the application sent fails with an error reply, the
 * library reports it as a #GError in the %GXMPP_STANZA_ERROR domain whose
 * code is the condition; [func@GXmpp.StanzaErrorDetails.from_gerror] gets the
 * whole error back from it:
 *
 * ```c
 * if (g_error_matches (error, GXMPP_STANZA_ERROR, GXMPP_STANZA_ERROR_ITEM_NOT_FOUND))
 *   {
 *     g_autoptr(GXmppStanzaErrorDetails) details = gxmpp_stanza_error_details_from_gerror (error);
 *     GXmppNode *app = gxmpp_stanza_error_details_get_application_element (details);
 *     ...
 *   }
 * ```
 */

struct _GXmppStanzaErrorDetails
{
  GXmppStanzaError condition;
  GXmppStanzaErrorType type;
  char *text;
  char *text_lang;
  GXmppJid *by;
  GXmppNode *app_element;
  char *alternate_address;
};

G_DEFINE_BOXED_TYPE (GXmppStanzaErrorDetails, gxmpp_stanza_error_details,
                     gxmpp_stanza_error_details_copy, gxmpp_stanza_error_details_free)

/* A GError of this domain carries the whole stanza error as private data
 * (GLib's extended errors). The domain is registered by hand rather than
 * with G_DEFINE_EXTENDED_ERROR so that its quark string follows the other
 * domains ("gxmpp-stanza-error-quark") instead of the type's name. */
typedef struct {
  GXmppStanzaErrorDetails *details;
} StanzaErrorPrivate;

/* Private data sits right before the GError, aligned as GLib aligns it
 * (see G_DEFINE_EXTENDED_ERROR). */
static StanzaErrorPrivate *
stanza_error_private (const GError *error)
{
  const gsize alignment = 2 * sizeof (gsize);
  const gsize offset = (sizeof (StanzaErrorPrivate) + (alignment - 1)) & -alignment;

  return (StanzaErrorPrivate *) (gpointer) (((guint8 *) error) - offset);
}

static void
stanza_error_private_init (GError *error)
{
  stanza_error_private (error)->details = NULL;
}

static void
stanza_error_private_copy (const GError *src,
                           GError       *dest)
{
  GXmppStanzaErrorDetails *details = stanza_error_private (src)->details;

  stanza_error_private (dest)->details = details != NULL ? gxmpp_stanza_error_details_copy (details) : NULL;
}

static void
stanza_error_private_clear (GError *error)
{
  g_clear_pointer (&stanza_error_private (error)->details, gxmpp_stanza_error_details_free);
}

/**
 * gxmpp_stanza_error_quark:
 *
 * The quark of the %GXMPP_STANZA_ERROR domain.
 *
 * Returns: the error domain quark
 */
GQuark
gxmpp_stanza_error_quark (void)
{
  static GQuark quark;
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      quark = g_error_domain_register_static ("gxmpp-stanza-error-quark",
                                              sizeof (StanzaErrorPrivate),
                                              stanza_error_private_init,
                                              stanza_error_private_copy,
                                              stanza_error_private_clear);
      g_once_init_leave (&initialized, 1);
    }
  return quark;
}

/**
 * gxmpp_stanza_error_details_new:
 * @condition: the defined condition
 *
 * Creates a stanza error with @condition and the type RFC 6120 recommends
 * for it ([func@GXmpp.StanzaError.get_default_type]).
 *
 * Returns: (transfer full): a new stanza error
 */
GXmppStanzaErrorDetails *
gxmpp_stanza_error_details_new (GXmppStanzaError condition)
{
  GXmppStanzaErrorDetails *error;

  g_return_val_if_fail (gxmpp_stanza_error_to_string (condition) != NULL, NULL);

  error = g_new0 (GXmppStanzaErrorDetails, 1);
  error->condition = condition;
  error->type = gxmpp_stanza_error_get_default_type (condition);
  return error;
}

/**
 * gxmpp_stanza_error_details_new_from_node:
 * @node: an `<error/>` element
 *
 * Reads a stanza's `<error/>` element. The library is lenient here, as an
 * error is already a failure: an unknown or missing condition reads as
 * %GXMPP_STANZA_ERROR_UNDEFINED_CONDITION, a missing or unknown type as
 * the condition's default type, an unparsable `by` is dropped. The first
 * child element outside the stanza error namespace is the application
 * element.
 *
 * Returns: (transfer full): a new stanza error
 */
GXmppStanzaErrorDetails *
gxmpp_stanza_error_details_new_from_node (GXmppNode *node)
{
  GXmppStanzaErrorDetails *error;
  GXmppStanzaError condition = GXMPP_STANZA_ERROR_UNDEFINED_CONDITION;
  GXmppNode *condition_node = NULL;
  const char *value;
  guint i, n;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (gxmpp_node_get_kind (node) == GXMPP_NODE_ELEMENT, NULL);

  n = gxmpp_node_get_n_children (node);
  for (i = 0; i < n; i++)
    {
      GXmppNode *child = gxmpp_node_get_child_at (node, i);

      if (gxmpp_node_get_kind (child) != GXMPP_NODE_ELEMENT)
        continue;
      if (g_strcmp0 (gxmpp_node_get_namespace (child), GXMPP_NS_STANZA_ERRORS) == 0 &&
          g_strcmp0 (gxmpp_node_get_name (child), "text") != 0 &&
          condition_node == NULL &&
          gxmpp_stanza_error_from_string (gxmpp_node_get_name (child), &condition))
        condition_node = child;
    }

  error = gxmpp_stanza_error_details_new (condition);

  value = gxmpp_node_get_attribute (node, "type");
  if (value == NULL || !gxmpp_stanza_error_type_from_string (value, &error->type))
    error->type = gxmpp_stanza_error_get_default_type (condition);

  value = gxmpp_node_get_attribute (node, "by");
  if (value != NULL)
    error->by = gxmpp_jid_new (value, NULL);

  if (condition_node != NULL &&
      (condition == GXMPP_STANZA_ERROR_GONE || condition == GXMPP_STANZA_ERROR_REDIRECT))
    {
      const char *address = gxmpp_node_get_text (condition_node);

      if (*address != '\0')
        error->alternate_address = g_strdup (address);
    }

  for (i = 0; i < n; i++)
    {
      GXmppNode *child = gxmpp_node_get_child_at (node, i);
      const char *ns;

      if (gxmpp_node_get_kind (child) != GXMPP_NODE_ELEMENT)
        continue;
      ns = gxmpp_node_get_namespace (child);

      if (g_strcmp0 (ns, GXMPP_NS_STANZA_ERRORS) == 0)
        {
          if (error->text == NULL && g_strcmp0 (gxmpp_node_get_name (child), "text") == 0)
            {
              error->text = g_strdup (gxmpp_node_get_text (child));
              error->text_lang = g_strdup (gxmpp_node_get_lang (child));
            }
        }
      else if (error->app_element == NULL)
        {
          error->app_element = gxmpp_node_copy (child);
          gxmpp_node_seal (error->app_element);
        }
    }

  return error;
}

/**
 * gxmpp_stanza_error_details_copy:
 * @error: a stanza error
 *
 * Copies a stanza error.
 *
 * Returns: (transfer full): the copy
 */
GXmppStanzaErrorDetails *
gxmpp_stanza_error_details_copy (const GXmppStanzaErrorDetails *error)
{
  GXmppStanzaErrorDetails *copy;

  g_return_val_if_fail (error != NULL, NULL);

  copy = g_new0 (GXmppStanzaErrorDetails, 1);
  copy->condition = error->condition;
  copy->type = error->type;
  copy->text = g_strdup (error->text);
  copy->text_lang = g_strdup (error->text_lang);
  copy->by = error->by != NULL ? gxmpp_jid_ref (error->by) : NULL;
  copy->app_element = error->app_element != NULL ? gxmpp_node_ref (error->app_element) : NULL;
  copy->alternate_address = g_strdup (error->alternate_address);
  return copy;
}

/**
 * gxmpp_stanza_error_details_free:
 * @error: (transfer full): a stanza error
 *
 * Frees a stanza error.
 */
void
gxmpp_stanza_error_details_free (GXmppStanzaErrorDetails *error)
{
  if (error == NULL)
    return;

  g_free (error->text);
  g_free (error->text_lang);
  g_clear_pointer (&error->by, gxmpp_jid_unref);
  g_clear_pointer (&error->app_element, gxmpp_node_unref);
  g_free (error->alternate_address);
  g_free (error);
}

/**
 * gxmpp_stanza_error_details_get_condition:
 * @error: a stanza error
 *
 * Gets the defined condition.
 *
 * Returns: the condition
 */
GXmppStanzaError
gxmpp_stanza_error_details_get_condition (const GXmppStanzaErrorDetails *error)
{
  g_return_val_if_fail (error != NULL, GXMPP_STANZA_ERROR_UNDEFINED_CONDITION);

  return error->condition;
}

/**
 * gxmpp_stanza_error_details_set_condition:
 * @error: a stanza error
 * @condition: the defined condition
 *
 * Sets the defined condition. The type is not changed.
 */
void
gxmpp_stanza_error_details_set_condition (GXmppStanzaErrorDetails          *error,
                                  GXmppStanzaError  condition)
{
  g_return_if_fail (error != NULL);
  g_return_if_fail (gxmpp_stanza_error_to_string (condition) != NULL);

  error->condition = condition;
}

/**
 * gxmpp_stanza_error_details_get_error_type:
 * @error: a stanza error
 *
 * Gets the error type, which says whether and how the request may be
 * retried.
 *
 * Returns: the error type
 */
GXmppStanzaErrorType
gxmpp_stanza_error_details_get_error_type (const GXmppStanzaErrorDetails *error)
{
  g_return_val_if_fail (error != NULL, GXMPP_STANZA_ERROR_TYPE_CANCEL);

  return error->type;
}

/**
 * gxmpp_stanza_error_details_set_error_type:
 * @error: a stanza error
 * @type: the error type
 *
 * Sets the error type.
 */
void
gxmpp_stanza_error_details_set_error_type (GXmppStanzaErrorDetails     *error,
                                   GXmppStanzaErrorType  type)
{
  g_return_if_fail (error != NULL);
  g_return_if_fail (gxmpp_stanza_error_type_to_string (type) != NULL);

  error->type = type;
}

/**
 * gxmpp_stanza_error_details_get_text:
 * @error: a stanza error
 *
 * Gets the human-readable text that came with the error. It is written by
 * the other side; show it to users as such, not as the library's words.
 *
 * Returns: (nullable): the text, or %NULL if there is none
 */
const char *
gxmpp_stanza_error_details_get_text (const GXmppStanzaErrorDetails *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  return error->text;
}

/**
 * gxmpp_stanza_error_details_get_text_lang:
 * @error: a stanza error
 *
 * Gets the language of the error's text.
 *
 * Returns: (nullable): the language tag, or %NULL if not given
 */
const char *
gxmpp_stanza_error_details_get_text_lang (const GXmppStanzaErrorDetails *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  return error->text_lang;
}

/**
 * gxmpp_stanza_error_details_set_text:
 * @error: a stanza error
 * @text: (nullable): a human-readable description, or %NULL for none
 * @lang: (nullable): the language of @text, or %NULL
 *
 * Sets the text to send with the error.
 */
void
gxmpp_stanza_error_details_set_text (GXmppStanzaErrorDetails *error,
                             const char       *text,
                             const char       *lang)
{
  g_return_if_fail (error != NULL);
  g_return_if_fail (text == NULL || g_utf8_validate (text, -1, NULL));

  g_free (error->text);
  g_free (error->text_lang);
  error->text = g_strdup (text);
  error->text_lang = text != NULL ? g_strdup (lang) : NULL;
}

/**
 * gxmpp_stanza_error_details_get_by:
 * @error: a stanza error
 *
 * Gets the address of the entity that generated the error, if it said.
 *
 * Returns: (transfer none) (nullable): the address, or %NULL
 */
GXmppJid *
gxmpp_stanza_error_details_get_by (const GXmppStanzaErrorDetails *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  return error->by;
}

/**
 * gxmpp_stanza_error_details_set_by:
 * @error: a stanza error
 * @by: (nullable): the address of the entity generating the error
 *
 * Sets the `by` attribute.
 */
void
gxmpp_stanza_error_details_set_by (GXmppStanzaErrorDetails *error,
                           GXmppJid         *by)
{
  g_return_if_fail (error != NULL);

  if (by != NULL)
    gxmpp_jid_ref (by);
  g_clear_pointer (&error->by, gxmpp_jid_unref);
  error->by = by;
}

/**
 * gxmpp_stanza_error_details_get_application_element:
 * @error: a stanza error
 *
 * Gets the application-specific condition element, which qualifies the
 * defined condition (such as XEP-0060's `<item-forbidden/>`).
 *
 * Returns: (transfer none) (nullable): the sealed element, or %NULL
 */
GXmppNode *
gxmpp_stanza_error_details_get_application_element (const GXmppStanzaErrorDetails *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  return error->app_element;
}

/**
 * gxmpp_stanza_error_details_set_application_element:
 * @error: a stanza error
 * @element: (nullable): an element in an application namespace, or %NULL
 *
 * Sets the application-specific condition element. A sealed copy of
 * @element is kept.
 */
void
gxmpp_stanza_error_details_set_application_element (GXmppStanzaErrorDetails *error,
                                            GXmppNode        *element)
{
  GXmppNode *copy = NULL;

  g_return_if_fail (error != NULL);
  g_return_if_fail (element == NULL || gxmpp_node_get_kind (element) == GXMPP_NODE_ELEMENT);

  if (element != NULL)
    {
      copy = gxmpp_node_is_sealed (element) ? gxmpp_node_ref (element) : gxmpp_node_copy (element);
      gxmpp_node_seal (copy);
    }
  g_clear_pointer (&error->app_element, gxmpp_node_unref);
  error->app_element = copy;
}

/**
 * gxmpp_stanza_error_details_get_alternate_address:
 * @error: a stanza error
 *
 * Gets the address that `gone` and `redirect` errors may carry (an XMPP
 * URI such as `xmpp:romeo@example.net`).
 *
 * Returns: (nullable): the address, or %NULL
 */
const char *
gxmpp_stanza_error_details_get_alternate_address (const GXmppStanzaErrorDetails *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  return error->alternate_address;
}

/**
 * gxmpp_stanza_error_details_set_alternate_address:
 * @error: a stanza error
 * @address: (nullable): an XMPP URI, or %NULL
 *
 * Sets the address a `gone` or `redirect` error points to. It is written
 * only for those two conditions.
 */
void
gxmpp_stanza_error_details_set_alternate_address (GXmppStanzaErrorDetails *error,
                                          const char       *address)
{
  g_return_if_fail (error != NULL);
  g_return_if_fail (address == NULL || g_utf8_validate (address, -1, NULL));

  g_free (error->alternate_address);
  error->alternate_address = g_strdup (address);
}

/**
 * gxmpp_stanza_error_details_to_node:
 * @error: a stanza error
 *
 * Builds the `<error/>` element for an error reply, in the
 * `jabber:client` namespace.
 *
 * Returns: (transfer full): a new mutable element
 */
GXmppNode *
gxmpp_stanza_error_details_to_node (const GXmppStanzaErrorDetails *error)
{
  GXmppNode *node, *condition;

  g_return_val_if_fail (error != NULL, NULL);

  node = gxmpp_node_new ("error", GXMPP_NS_CLIENT);
  gxmpp_node_set_attribute (node, "type", gxmpp_stanza_error_type_to_string (error->type));
  if (error->by != NULL)
    gxmpp_node_set_attribute (node, "by", gxmpp_jid_to_string (error->by));

  condition = gxmpp_node_add_child (node, gxmpp_stanza_error_to_string (error->condition),
                                    GXMPP_NS_STANZA_ERRORS);
  if (error->alternate_address != NULL &&
      (error->condition == GXMPP_STANZA_ERROR_GONE || error->condition == GXMPP_STANZA_ERROR_REDIRECT))
    gxmpp_node_add_text (condition, error->alternate_address);

  if (error->text != NULL)
    {
      GXmppNode *text = gxmpp_node_add_child_with_text (node, "text", GXMPP_NS_STANZA_ERRORS, error->text);

      if (error->text_lang != NULL)
        gxmpp_node_set_lang (text, error->text_lang);
    }

  if (error->app_element != NULL)
    gxmpp_node_append (node, error->app_element);

  return node;
}

/**
 * gxmpp_stanza_error_details_to_gerror:
 * @error: a stanza error
 *
 * Makes a #GError in the %GXMPP_STANZA_ERROR domain from @error, with the
 * condition as its code. The message is the translated description of the
 * condition, followed by the error's own text when it has one. The whole
 * stanza error travels with it: [func@GXmpp.StanzaErrorDetails.from_gerror] gets
 * it back, also from copies of the #GError.
 *
 * Returns: (transfer full): a new #GError
 */
GError *
gxmpp_stanza_error_details_to_gerror (const GXmppStanzaErrorDetails *error)
{
  GError *gerror;

  g_return_val_if_fail (error != NULL, NULL);

  if (error->text != NULL)
    /* Translators: the first %s describes an error condition, the second
     * is text the remote server or user sent with it. */
    gerror = g_error_new (GXMPP_STANZA_ERROR, error->condition, _("%s: “%s”"),
                          gxmpp_stanza_error_get_description (error->condition),
                          error->text);
  else
    gerror = g_error_new_literal (GXMPP_STANZA_ERROR, error->condition,
                                  gxmpp_stanza_error_get_description (error->condition));

  stanza_error_private (gerror)->details = gxmpp_stanza_error_details_copy (error);
  return gerror;
}

/**
 * gxmpp_stanza_error_details_from_gerror:
 * @error: a #GError
 *
 * Gets the stanza error a #GError in the %GXMPP_STANZA_ERROR domain
 * carries. A #GError of that domain made without one (with g_set_error(),
 * say) gives a stanza error with its code as the condition and that
 * condition's default type.
 *
 * Language bindings such as PyGObject and GJS turn a #GError into an
 * exception that keeps only its domain, code and message, so a #GError
 * passed back from them has lost the details: there, this gives the
 * condition alone, and the error's text is in the message.
 *
 * Returns: (transfer full) (nullable): the stanza error, or %NULL if
 *   @error is in another domain
 */
GXmppStanzaErrorDetails *
gxmpp_stanza_error_details_from_gerror (const GError *error)
{
  GXmppStanzaErrorDetails *details;

  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain != GXMPP_STANZA_ERROR)
    return NULL;

  details = stanza_error_private (error)->details;
  if (details != NULL)
    return gxmpp_stanza_error_details_copy (details);

  if (gxmpp_stanza_error_to_string (error->code) == NULL)
    return gxmpp_stanza_error_details_new (GXMPP_STANZA_ERROR_UNDEFINED_CONDITION);
  return gxmpp_stanza_error_details_new (error->code);
}
