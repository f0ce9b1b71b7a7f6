/* gxmpp-message.c: message stanzas
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "gxmpp-enum-types.h"
#include "gxmpp-message.h"
#include "gxmpp-stanza-private.h"

/**
 * GXmppMessage:
 *
 * A `<message/>` stanza: a push of information, such as a chat line.
 *
 * Bodies and subjects can be given in several languages
 * (RFC 6121 section 5.2.3): the accessors take a language tag, or %NULL for
 * the default one, which is the text without `xml:lang` (it is in the
 * stanza's language).
 *
 * ```c
 * g_autoptr(GXmppMessage) msg = gxmpp_message_new (GXMPP_MESSAGE_TYPE_CHAT, romeo);
 *
 * gxmpp_message_set_body (msg, NULL, "Art thou not Romeo, and a Montague?");
 * gxmpp_message_set_body (msg, "cs", "Nejsi ty Romeo, a Montek?");
 * ```
 *
 * Text is text: a body of `<b>hi</b>` is sent escaped and arrives as the
 * same seven characters, never as markup.
 */

struct _GXmppMessage
{
  GXmppStanza parent_instance;
};

G_DEFINE_FINAL_TYPE (GXmppMessage, gxmpp_message, GXMPP_TYPE_STANZA)

enum {
  PROP_0,
  PROP_MESSAGE_TYPE,
  PROP_BODY,
  PROP_SUBJECT,
  PROP_THREAD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char * const type_names[] = {
  [GXMPP_MESSAGE_TYPE_NORMAL] = "normal",
  [GXMPP_MESSAGE_TYPE_CHAT] = "chat",
  [GXMPP_MESSAGE_TYPE_GROUPCHAT] = "groupchat",
  [GXMPP_MESSAGE_TYPE_HEADLINE] = "headline",
  [GXMPP_MESSAGE_TYPE_ERROR] = "error",
};

static GXmppNode *
node_of (GXmppMessage *message)
{
  return gxmpp_stanza_peek_node (GXMPP_STANZA (message));
}

static gboolean
gxmpp_message_is_payload (GXmppStanza *stanza,
                          GXmppNode   *child)
{
  const char *ns = gxmpp_node_get_namespace (gxmpp_stanza_peek_node (stanza));
  const char *name = gxmpp_node_get_name (child);

  if (g_strcmp0 (gxmpp_node_get_namespace (child), ns) != 0)
    return TRUE;
  return strcmp (name, "body") != 0 && strcmp (name, "subject") != 0 &&
         strcmp (name, "thread") != 0 && strcmp (name, "error") != 0;
}

static void
gxmpp_message_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  GXmppMessage *self = GXMPP_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_MESSAGE_TYPE:
      g_value_set_enum (value, gxmpp_message_get_message_type (self));
      break;
    case PROP_BODY:
      g_value_set_string (value, gxmpp_message_get_body (self, NULL));
      break;
    case PROP_SUBJECT:
      g_value_set_string (value, gxmpp_message_get_subject (self, NULL));
      break;
    case PROP_THREAD:
      g_value_set_string (value, gxmpp_message_get_thread (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_message_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  GXmppMessage *self = GXMPP_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_MESSAGE_TYPE:
      gxmpp_message_set_message_type (self, g_value_get_enum (value));
      break;
    case PROP_BODY:
      gxmpp_message_set_body (self, NULL, g_value_get_string (value));
      break;
    case PROP_SUBJECT:
      gxmpp_message_set_subject (self, NULL, g_value_get_string (value));
      break;
    case PROP_THREAD:
      gxmpp_message_set_thread (self, g_value_get_string (value), NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_message_class_init (GXmppMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GXmppStanzaClass *stanza_class = GXMPP_STANZA_CLASS (klass);

  object_class->get_property = gxmpp_message_get_property;
  object_class->set_property = gxmpp_message_set_property;
  stanza_class->is_payload = gxmpp_message_is_payload;

  /**
   * GXmppMessage:message-type:
   *
   * The message's type.
   */
  properties[PROP_MESSAGE_TYPE] =
    g_param_spec_enum ("message-type", NULL, NULL,
                       GXMPP_TYPE_MESSAGE_TYPE, GXMPP_MESSAGE_TYPE_NORMAL,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppMessage:body:
   *
   * The body in the default language; see [method@GXmpp.Message.get_body].
   */
  properties[PROP_BODY] =
    g_param_spec_string ("body", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppMessage:subject:
   *
   * The subject in the default language.
   */
  properties[PROP_SUBJECT] =
    g_param_spec_string ("subject", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppMessage:thread:
   *
   * The conversation thread identifier.
   */
  properties[PROP_THREAD] =
    g_param_spec_string ("thread", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gxmpp_message_init (GXmppMessage *self)
{
}

/**
 * gxmpp_message_new:
 * @type: the message type
 * @to: (nullable): the recipient
 *
 * Creates a message in the `jabber:client` namespace.
 *
 * Returns: (transfer full): a new message
 */
GXmppMessage *
gxmpp_message_new (GXmppMessageType  type,
                   GXmppJid         *to)
{
  GXmppMessage *message;

  g_return_val_if_fail ((guint) type < G_N_ELEMENTS (type_names), NULL);

  message = g_object_new (GXMPP_TYPE_MESSAGE, NULL);
  if (type != GXMPP_MESSAGE_TYPE_NORMAL)
    gxmpp_node_set_attribute (gxmpp_stanza_edit_node (GXMPP_STANZA (message)), "type", type_names[type]);
  if (to != NULL)
    gxmpp_stanza_set_to (GXMPP_STANZA (message), to);
  return message;
}

/**
 * gxmpp_message_new_chat:
 * @to: the recipient: a bare JID, or a full JID once the contact has
 *   answered from a resource (RFC 6121 section 5.1)
 * @body: the text of the message
 *
 * Creates a chat message with a body, the everyday line of a one-to-one
 * conversation: %GXMPP_MESSAGE_TYPE_CHAT, to @to, with @body in the default
 * language. The text is text: markup in it is escaped when the message is
 * sent and arrives as the same characters.
 *
 * To continue a conversation, answer the last message received with
 * [method@GXmpp.Message.answer], which keeps its type and thread; to start a
 * thread, set one with [method@GXmpp.Message.set_thread].
 *
 * Returns: (transfer full): a new message
 */
GXmppMessage *
gxmpp_message_new_chat (GXmppJid   *to,
                        const char *body)
{
  GXmppMessage *message;

  g_return_val_if_fail (to != NULL, NULL);
  g_return_val_if_fail (body != NULL, NULL);
  g_return_val_if_fail (g_utf8_validate (body, -1, NULL), NULL);

  message = gxmpp_message_new (GXMPP_MESSAGE_TYPE_CHAT, to);
  gxmpp_message_set_body (message, NULL, body);
  return message;
}

/**
 * gxmpp_message_get_message_type:
 * @message: a message
 *
 * Gets the message's type. A message without a `type`, or with one this
 * library does not know, is %GXMPP_MESSAGE_TYPE_NORMAL (RFC 6121
 * section 5.2.2).
 *
 * Returns: the type
 */
GXmppMessageType
gxmpp_message_get_message_type (GXmppMessage *message)
{
  int type;

  g_return_val_if_fail (GXMPP_IS_MESSAGE (message), GXMPP_MESSAGE_TYPE_NORMAL);

  type = gxmpp_stanza_lookup_name (gxmpp_node_get_attribute (node_of (message), "type"),
                                   type_names, G_N_ELEMENTS (type_names), GXMPP_MESSAGE_TYPE_NORMAL);
  return type < 0 ? GXMPP_MESSAGE_TYPE_NORMAL : (GXmppMessageType) type;
}

/**
 * gxmpp_message_set_message_type:
 * @message: a message
 * @type: the new type
 *
 * Sets the message's type.
 */
void
gxmpp_message_set_message_type (GXmppMessage     *message,
                                GXmppMessageType  type)
{
  const char *current;

  g_return_if_fail (GXMPP_IS_MESSAGE (message));
  g_return_if_fail ((guint) type < G_N_ELEMENTS (type_names));

  current = gxmpp_node_get_attribute (node_of (message), "type");
  if (g_strcmp0 (current, type_names[type]) == 0 ||
      (current == NULL && type == GXMPP_MESSAGE_TYPE_NORMAL))
    return;

  gxmpp_node_set_attribute (gxmpp_stanza_edit_node (GXMPP_STANZA (message)), "type",
                            type == GXMPP_MESSAGE_TYPE_NORMAL ? NULL : type_names[type]);
  g_object_notify_by_pspec (G_OBJECT (message), properties[PROP_MESSAGE_TYPE]);
}

/**
 * gxmpp_message_get_body:
 * @message: a message
 * @lang: (nullable): a language tag, or %NULL for the default language
 *
 * Gets the body in a language. With %NULL: the body without `xml:lang`
 * (or with the stanza's own), and if there is none, the first body. With
 * a language: the body in exactly that language (compared without regard
 * to case), or %NULL.
 *
 * Returns: (nullable): the text, or %NULL if there is no such body
 */
const char *
gxmpp_message_get_body (GXmppMessage *message,
                        const char   *lang)
{
  g_return_val_if_fail (GXMPP_IS_MESSAGE (message), NULL);

  return gxmpp_stanza_get_lang_text (GXMPP_STANZA (message), "body", lang);
}

/**
 * gxmpp_message_set_body:
 * @message: a message
 * @lang: (nullable): a language tag, or %NULL for the default language
 * @body: (nullable): the text, or %NULL to remove the body in that language
 *
 * Sets the body in a language, replacing the one that
 * [method@GXmpp.Message.get_body] would give for @lang (with %NULL, the
 * body without `xml:lang` or in the stanza's own language). The text may
 * hold anything; it is escaped when sent.
 */
void
gxmpp_message_set_body (GXmppMessage *message,
                        const char   *lang,
                        const char   *body)
{
  g_return_if_fail (GXMPP_IS_MESSAGE (message));
  g_return_if_fail (body == NULL || g_utf8_validate (body, -1, NULL));

  gxmpp_stanza_update_lang_text (GXMPP_STANZA (message), "body", lang, body, properties[PROP_BODY]);
}

/**
 * gxmpp_message_get_body_langs:
 * @message: a message
 *
 * Lists the languages the bodies are explicitly marked with. The default
 * body, without `xml:lang`, is not listed.
 *
 * Returns: (transfer full) (array zero-terminated=1): the language tags
 */
char **
gxmpp_message_get_body_langs (GXmppMessage *message)
{
  g_return_val_if_fail (GXMPP_IS_MESSAGE (message), NULL);

  return gxmpp_stanza_get_lang_text_langs (GXMPP_STANZA (message), "body");
}

/**
 * gxmpp_message_get_subject:
 * @message: a message
 * @lang: (nullable): a language tag, or %NULL for the default language
 *
 * Gets the subject in a language, choosing as [method@GXmpp.Message.get_body]
 * does.
 *
 * Returns: (nullable): the subject, or %NULL if there is none
 */
const char *
gxmpp_message_get_subject (GXmppMessage *message,
                           const char   *lang)
{
  g_return_val_if_fail (GXMPP_IS_MESSAGE (message), NULL);

  return gxmpp_stanza_get_lang_text (GXMPP_STANZA (message), "subject", lang);
}

/**
 * gxmpp_message_set_subject:
 * @message: a message
 * @lang: (nullable): a language tag, or %NULL for the default language
 * @subject: (nullable): the subject, or %NULL to remove it in that language
 *
 * Sets the subject in a language.
 */
void
gxmpp_message_set_subject (GXmppMessage *message,
                           const char   *lang,
                           const char   *subject)
{
  g_return_if_fail (GXMPP_IS_MESSAGE (message));
  g_return_if_fail (subject == NULL || g_utf8_validate (subject, -1, NULL));

  gxmpp_stanza_update_lang_text (GXMPP_STANZA (message), "subject", lang, subject, properties[PROP_SUBJECT]);
}

/**
 * gxmpp_message_get_subject_langs:
 * @message: a message
 *
 * Lists the languages the subjects are explicitly marked with.
 *
 * Returns: (transfer full) (array zero-terminated=1): the language tags
 */
char **
gxmpp_message_get_subject_langs (GXmppMessage *message)
{
  g_return_val_if_fail (GXMPP_IS_MESSAGE (message), NULL);

  return gxmpp_stanza_get_lang_text_langs (GXMPP_STANZA (message), "subject");
}

static GXmppNode *
thread_node (GXmppMessage *message)
{
  GXmppNode *node = node_of (message);

  return gxmpp_node_get_child (node, "thread", gxmpp_node_get_namespace (node));
}

/**
 * gxmpp_message_get_thread:
 * @message: a message
 *
 * Gets the identifier of the conversation thread the message belongs to.
 *
 * Returns: (nullable): the thread id, or %NULL
 */
const char *
gxmpp_message_get_thread (GXmppMessage *message)
{
  GXmppNode *thread;

  g_return_val_if_fail (GXMPP_IS_MESSAGE (message), NULL);

  thread = thread_node (message);
  return thread != NULL ? gxmpp_node_get_text (thread) : NULL;
}

/**
 * gxmpp_message_get_thread_parent:
 * @message: a message
 *
 * Gets the identifier of the thread the message's thread branched from.
 *
 * Returns: (nullable): the parent thread id, or %NULL
 */
const char *
gxmpp_message_get_thread_parent (GXmppMessage *message)
{
  GXmppNode *thread;

  g_return_val_if_fail (GXMPP_IS_MESSAGE (message), NULL);

  thread = thread_node (message);
  return thread != NULL ? gxmpp_node_get_attribute (thread, "parent") : NULL;
}

/**
 * gxmpp_message_set_thread:
 * @message: a message
 * @thread: (nullable): the thread id, or %NULL to remove it
 * @parent: (nullable): the parent thread id, or %NULL
 *
 * Sets the conversation thread.
 */
void
gxmpp_message_set_thread (GXmppMessage *message,
                          const char   *thread,
                          const char   *parent)
{
  GXmppNode *node, *child;

  g_return_if_fail (GXMPP_IS_MESSAGE (message));
  g_return_if_fail (thread != NULL || parent == NULL);

  if (g_strcmp0 (thread, gxmpp_message_get_thread (message)) == 0 &&
      g_strcmp0 (parent, gxmpp_message_get_thread_parent (message)) == 0)
    return;

  node = gxmpp_stanza_edit_node (GXMPP_STANZA (message));
  gxmpp_node_remove_children (node, "thread", gxmpp_node_get_namespace (node));
  if (thread != NULL)
    {
      child = gxmpp_node_add_child_with_text (node, "thread", NULL, thread);
      if (parent != NULL)
        gxmpp_node_set_attribute (child, "parent", parent);
    }
  g_object_notify_by_pspec (G_OBJECT (message), properties[PROP_THREAD]);
}

/**
 * gxmpp_message_answer:
 * @message: a received message
 * @payload: (nullable) (element-type GXmppNode): elements for the answer
 *
 * Starts an answer to @message (the seed's `answerMessage`): a message of
 * the same type to its sender, in the same thread, holding @payload. Add
 * a body with [method@GXmpp.Message.set_body].
 *
 * Returns: (transfer full) (nullable): the answer, or %NULL if @message
 *   has no `from` to answer to or is an error message
 */
GXmppMessage *
gxmpp_message_answer (GXmppMessage *message,
                      GPtrArray    *payload)
{
  GXmppJid *from;
  GXmppMessage *answer;
  const char *thread;
  guint i;

  g_return_val_if_fail (GXMPP_IS_MESSAGE (message), NULL);

  from = gxmpp_stanza_get_from (GXMPP_STANZA (message));
  if (from == NULL || gxmpp_message_get_message_type (message) == GXMPP_MESSAGE_TYPE_ERROR)
    return NULL;

  answer = gxmpp_message_new (gxmpp_message_get_message_type (message), from);
  thread = gxmpp_message_get_thread (message);
  if (thread != NULL)
    gxmpp_message_set_thread (answer, thread, gxmpp_message_get_thread_parent (message));

  for (i = 0; payload != NULL && i < payload->len; i++)
    gxmpp_stanza_add_payload (GXMPP_STANZA (answer), g_ptr_array_index (payload, i));

  return answer;
}
