/* gxmpp-presence.c: presence stanzas
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "gxmpp-enum-types.h"
#include "gxmpp-error.h"
#include "gxmpp-i18n-private.h"
#include "gxmpp-presence.h"
#include "gxmpp-stanza-private.h"

/**
 * GXmppPresence:
 *
 * A `<presence/>` stanza: availability, and the subscription requests and
 * answers of RFC 6121 section 3.
 *
 * Statuses can be given in several languages, chosen as message bodies are
 * ([method@GXmpp.Message.get_body]). A presence is sent to the contacts
 * subscribed to it when it has no `to`; with a `to` (the seed's `presTo`,
 * [method@GXmpp.Stanza.set_to]) it is directed to that entity only.
 */

struct _GXmppPresence
{
  GXmppStanza parent_instance;
};

G_DEFINE_FINAL_TYPE (GXmppPresence, gxmpp_presence, GXMPP_TYPE_STANZA)

enum {
  PROP_0,
  PROP_PRESENCE_TYPE,
  PROP_SHOW,
  PROP_STATUS,
  PROP_PRIORITY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* "available" has no attribute value: it is the absence of `type`. */
static const char * const type_names[] = {
  [GXMPP_PRESENCE_TYPE_AVAILABLE] = NULL,
  [GXMPP_PRESENCE_TYPE_UNAVAILABLE] = "unavailable",
  [GXMPP_PRESENCE_TYPE_SUBSCRIBE] = "subscribe",
  [GXMPP_PRESENCE_TYPE_SUBSCRIBED] = "subscribed",
  [GXMPP_PRESENCE_TYPE_UNSUBSCRIBE] = "unsubscribe",
  [GXMPP_PRESENCE_TYPE_UNSUBSCRIBED] = "unsubscribed",
  [GXMPP_PRESENCE_TYPE_PROBE] = "probe",
  [GXMPP_PRESENCE_TYPE_ERROR] = "error",
};

static const char * const show_names[] = {
  [GXMPP_PRESENCE_SHOW_NONE] = NULL,
  [GXMPP_PRESENCE_SHOW_AWAY] = "away",
  [GXMPP_PRESENCE_SHOW_CHAT] = "chat",
  [GXMPP_PRESENCE_SHOW_DND] = "dnd",
  [GXMPP_PRESENCE_SHOW_XA] = "xa",
};

static GXmppNode *
node_of (GXmppPresence *presence)
{
  return gxmpp_stanza_peek_node (GXMPP_STANZA (presence));
}

static gboolean
gxmpp_presence_is_payload (GXmppStanza *stanza,
                           GXmppNode   *child)
{
  const char *ns = gxmpp_node_get_namespace (gxmpp_stanza_peek_node (stanza));
  const char *name = gxmpp_node_get_name (child);

  if (g_strcmp0 (gxmpp_node_get_namespace (child), ns) != 0)
    return TRUE;
  return strcmp (name, "show") != 0 && strcmp (name, "status") != 0 &&
         strcmp (name, "priority") != 0 && strcmp (name, "error") != 0;
}

static gboolean
gxmpp_presence_validate (GXmppStanza  *stanza,
                         GError      **error)
{
  const char *type = gxmpp_node_get_attribute (gxmpp_stanza_peek_node (stanza), "type");

  if (gxmpp_stanza_lookup_name (type, type_names, G_N_ELEMENTS (type_names),
                                GXMPP_PRESENCE_TYPE_AVAILABLE) < 0)
    {
      g_set_error (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_STANZA,
                   _("“%s” is not a type of presence"), type);
      return FALSE;
    }
  return TRUE;
}

static void
gxmpp_presence_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  GXmppPresence *self = GXMPP_PRESENCE (object);

  switch (prop_id)
    {
    case PROP_PRESENCE_TYPE:
      g_value_set_enum (value, gxmpp_presence_get_presence_type (self));
      break;
    case PROP_SHOW:
      g_value_set_enum (value, gxmpp_presence_get_show (self));
      break;
    case PROP_STATUS:
      g_value_set_string (value, gxmpp_presence_get_status (self, NULL));
      break;
    case PROP_PRIORITY:
      g_value_set_int (value, gxmpp_presence_get_priority (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_presence_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  GXmppPresence *self = GXMPP_PRESENCE (object);

  switch (prop_id)
    {
    case PROP_PRESENCE_TYPE:
      gxmpp_presence_set_presence_type (self, g_value_get_enum (value));
      break;
    case PROP_SHOW:
      gxmpp_presence_set_show (self, g_value_get_enum (value));
      break;
    case PROP_STATUS:
      gxmpp_presence_set_status (self, NULL, g_value_get_string (value));
      break;
    case PROP_PRIORITY:
      gxmpp_presence_set_priority (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_presence_class_init (GXmppPresenceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GXmppStanzaClass *stanza_class = GXMPP_STANZA_CLASS (klass);

  object_class->get_property = gxmpp_presence_get_property;
  object_class->set_property = gxmpp_presence_set_property;
  stanza_class->is_payload = gxmpp_presence_is_payload;
  stanza_class->validate = gxmpp_presence_validate;

  /**
   * GXmppPresence:presence-type:
   *
   * The presence's type.
   */
  properties[PROP_PRESENCE_TYPE] =
    g_param_spec_enum ("presence-type", NULL, NULL,
                       GXMPP_TYPE_PRESENCE_TYPE, GXMPP_PRESENCE_TYPE_AVAILABLE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppPresence:show:
   *
   * The availability sub-state.
   */
  properties[PROP_SHOW] =
    g_param_spec_enum ("show", NULL, NULL,
                       GXMPP_TYPE_PRESENCE_SHOW, GXMPP_PRESENCE_SHOW_NONE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppPresence:status:
   *
   * The status text in the default language.
   */
  properties[PROP_STATUS] =
    g_param_spec_string ("status", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppPresence:priority:
   *
   * The priority of this resource, from -128 to 127.
   */
  properties[PROP_PRIORITY] =
    g_param_spec_int ("priority", NULL, NULL, -128, 127, 0,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gxmpp_presence_init (GXmppPresence *self)
{
}

/**
 * gxmpp_presence_new:
 * @type: the presence type
 * @to: (nullable): the recipient, or %NULL to broadcast to subscribers
 *
 * Creates a presence stanza in the `jabber:client` namespace.
 *
 * Returns: (transfer full): a new presence
 */
GXmppPresence *
gxmpp_presence_new (GXmppPresenceType  type,
                    GXmppJid          *to)
{
  GXmppPresence *presence;

  g_return_val_if_fail ((guint) type < G_N_ELEMENTS (type_names), NULL);

  presence = g_object_new (GXMPP_TYPE_PRESENCE, NULL);
  if (type_names[type] != NULL)
    gxmpp_node_set_attribute (gxmpp_stanza_edit_node (GXMPP_STANZA (presence)), "type", type_names[type]);
  if (to != NULL)
    gxmpp_stanza_set_to (GXMPP_STANZA (presence), to);
  return presence;
}

/**
 * gxmpp_presence_get_presence_type:
 * @presence: a presence
 *
 * Gets the presence's type.
 *
 * Returns: the type
 */
GXmppPresenceType
gxmpp_presence_get_presence_type (GXmppPresence *presence)
{
  int type;

  g_return_val_if_fail (GXMPP_IS_PRESENCE (presence), GXMPP_PRESENCE_TYPE_AVAILABLE);

  type = gxmpp_stanza_lookup_name (gxmpp_node_get_attribute (node_of (presence), "type"),
                                   type_names, G_N_ELEMENTS (type_names), GXMPP_PRESENCE_TYPE_AVAILABLE);
  /* Only a presence built by hand can hold an unknown type; received ones
   * were validated. */
  return type < 0 ? GXMPP_PRESENCE_TYPE_ERROR : (GXmppPresenceType) type;
}

/**
 * gxmpp_presence_set_presence_type:
 * @presence: a presence
 * @type: the new type
 *
 * Sets the presence's type.
 */
void
gxmpp_presence_set_presence_type (GXmppPresence     *presence,
                                  GXmppPresenceType  type)
{
  g_return_if_fail (GXMPP_IS_PRESENCE (presence));
  g_return_if_fail ((guint) type < G_N_ELEMENTS (type_names));

  if (type == gxmpp_presence_get_presence_type (presence))
    return;
  gxmpp_node_set_attribute (gxmpp_stanza_edit_node (GXMPP_STANZA (presence)), "type", type_names[type]);
  g_object_notify_by_pspec (G_OBJECT (presence), properties[PROP_PRESENCE_TYPE]);
}

/**
 * gxmpp_presence_get_show:
 * @presence: a presence
 *
 * Gets the availability sub-state. A missing or unknown `<show/>` is
 * %GXMPP_PRESENCE_SHOW_NONE.
 *
 * Returns: the sub-state
 */
GXmppPresenceShow
gxmpp_presence_get_show (GXmppPresence *presence)
{
  GXmppNode *node;
  int show;

  g_return_val_if_fail (GXMPP_IS_PRESENCE (presence), GXMPP_PRESENCE_SHOW_NONE);

  node = node_of (presence);
  show = gxmpp_stanza_lookup_name (gxmpp_node_get_child_text (node, "show", gxmpp_node_get_namespace (node)),
                                   show_names, G_N_ELEMENTS (show_names), GXMPP_PRESENCE_SHOW_NONE);
  return show < 0 ? GXMPP_PRESENCE_SHOW_NONE : (GXmppPresenceShow) show;
}

/**
 * gxmpp_presence_set_show:
 * @presence: a presence
 * @show: the availability sub-state
 *
 * Sets the availability sub-state; %GXMPP_PRESENCE_SHOW_NONE removes the
 * `<show/>` element.
 */
void
gxmpp_presence_set_show (GXmppPresence     *presence,
                         GXmppPresenceShow  show)
{
  GXmppNode *node;

  g_return_if_fail (GXMPP_IS_PRESENCE (presence));
  g_return_if_fail ((guint) show < G_N_ELEMENTS (show_names));

  if (show == gxmpp_presence_get_show (presence))
    return;

  node = gxmpp_stanza_edit_node (GXMPP_STANZA (presence));
  gxmpp_node_remove_children (node, "show", gxmpp_node_get_namespace (node));
  if (show_names[show] != NULL)
    gxmpp_node_add_child_with_text (node, "show", NULL, show_names[show]);
  g_object_notify_by_pspec (G_OBJECT (presence), properties[PROP_SHOW]);
}

/**
 * gxmpp_presence_get_status:
 * @presence: a presence
 * @lang: (nullable): a language tag, or %NULL for the default language
 *
 * Gets the status text in a language, chosen as
 * [method@GXmpp.Message.get_body] chooses bodies.
 *
 * Returns: (nullable): the status, or %NULL if there is none
 */
const char *
gxmpp_presence_get_status (GXmppPresence *presence,
                           const char    *lang)
{
  g_return_val_if_fail (GXMPP_IS_PRESENCE (presence), NULL);

  return gxmpp_stanza_get_lang_text (GXMPP_STANZA (presence), "status", lang);
}

/**
 * gxmpp_presence_set_status:
 * @presence: a presence
 * @lang: (nullable): a language tag, or %NULL for the default language
 * @status: (nullable): the text, or %NULL to remove it in that language
 *
 * Sets the status text in a language.
 */
void
gxmpp_presence_set_status (GXmppPresence *presence,
                           const char    *lang,
                           const char    *status)
{
  g_return_if_fail (GXMPP_IS_PRESENCE (presence));
  g_return_if_fail (status == NULL || g_utf8_validate (status, -1, NULL));

  gxmpp_stanza_update_lang_text (GXMPP_STANZA (presence), "status", lang, status, properties[PROP_STATUS]);
}

/**
 * gxmpp_presence_get_status_langs:
 * @presence: a presence
 *
 * Lists the languages the statuses are explicitly marked with.
 *
 * Returns: (transfer full) (array zero-terminated=1): the language tags
 */
char **
gxmpp_presence_get_status_langs (GXmppPresence *presence)
{
  g_return_val_if_fail (GXMPP_IS_PRESENCE (presence), NULL);

  return gxmpp_stanza_get_lang_text_langs (GXMPP_STANZA (presence), "status");
}

/**
 * gxmpp_presence_get_priority:
 * @presence: a presence
 *
 * Gets the priority of the sending resource. A missing priority is 0, as
 * is one that is not an integer from -128 to 127.
 *
 * Returns: the priority
 */
gint
gxmpp_presence_get_priority (GXmppPresence *presence)
{
  GXmppNode *node;
  const char *text;
  gint64 value;

  g_return_val_if_fail (GXMPP_IS_PRESENCE (presence), 0);

  node = node_of (presence);
  text = gxmpp_node_get_child_text (node, "priority", gxmpp_node_get_namespace (node));
  if (text == NULL || !g_ascii_string_to_signed (text, 10, -128, 127, &value, NULL))
    return 0;
  return (gint) value;
}

/**
 * gxmpp_presence_set_priority:
 * @presence: a presence
 * @priority: the priority, from -128 to 127
 *
 * Sets the priority; 0, the default, removes the `<priority/>` element.
 */
void
gxmpp_presence_set_priority (GXmppPresence *presence,
                             gint           priority)
{
  GXmppNode *node;

  g_return_if_fail (GXMPP_IS_PRESENCE (presence));
  g_return_if_fail (priority >= -128 && priority <= 127);

  node = node_of (presence);
  if (priority == gxmpp_presence_get_priority (presence) &&
      (priority != 0 || gxmpp_node_get_child (node, "priority", gxmpp_node_get_namespace (node)) == NULL))
    return;

  node = gxmpp_stanza_edit_node (GXMPP_STANZA (presence));
  gxmpp_node_remove_children (node, "priority", gxmpp_node_get_namespace (node));
  if (priority != 0)
    {
      char text[8];

      g_snprintf (text, sizeof text, "%d", priority);
      gxmpp_node_add_child_with_text (node, "priority", NULL, text);
    }
  g_object_notify_by_pspec (G_OBJECT (presence), properties[PROP_PRIORITY]);
}
