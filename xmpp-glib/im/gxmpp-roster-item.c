/* gxmpp-roster-item.c: one contact on a roster (RFC 6121 section 2.1.2)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "gxmpp-enum-types.h"
#include "gxmpp-error.h"
#include "gxmpp-i18n-private.h"
#include "gxmpp-roster-item-private.h"

/**
 * GXmppRosterItem:
 *
 * A contact on the user's roster (RFC 6121 section 2.1.2): its address,
 * the name the user gave it, the groups the user put it in, and the state
 * of the presence subscriptions between the two.
 *
 * The items of a [class@GXmpp.Roster] say what the server says: the
 * roster changes them in place when the server pushes a change, and
 * notifies each property that changes (only those that do). Applications
 * do not change items; they ask the server to, with
 * [method@GXmpp.Roster.add_async], [method@GXmpp.Roster.update_async] and
 * [method@GXmpp.Roster.remove_async]. [ctor@GXmpp.RosterItem.new] is for
 * implementations of [iface@GXmpp.RosterStore], which give back the items
 * they stored.
 *
 * Groups are kept sorted (in byte order of their UTF-8), without
 * duplicates or empty names, whatever order the server sends them in.
 */

struct _GXmppRosterItem
{
  GObject parent_instance;

  GXmppJid *jid;
  char *name;
  GXmppSubscription subscription;
  gboolean ask;
  char **groups;
};

G_DEFINE_FINAL_TYPE (GXmppRosterItem, gxmpp_roster_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_JID,
  PROP_NAME,
  PROP_SUBSCRIPTION,
  PROP_ASK,
  PROP_GROUPS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char * const subscription_nicks[] = {
  [GXMPP_SUBSCRIPTION_NONE] = "none",
  [GXMPP_SUBSCRIPTION_TO] = "to",
  [GXMPP_SUBSCRIPTION_FROM] = "from",
  [GXMPP_SUBSCRIPTION_BOTH] = "both",
  [GXMPP_SUBSCRIPTION_REMOVE] = "remove",
};

const char *
gxmpp_subscription_to_nick (GXmppSubscription subscription)
{
  if ((guint) subscription >= G_N_ELEMENTS (subscription_nicks))
    return NULL;
  return subscription_nicks[subscription];
}

gboolean
gxmpp_subscription_from_nick (const char        *nick,
                              GXmppSubscription *subscription)
{
  for (guint i = 0; i < G_N_ELEMENTS (subscription_nicks); i++)
    if (g_strcmp0 (nick, subscription_nicks[i]) == 0)
      {
        *subscription = i;
        return TRUE;
      }
  return FALSE;
}

static int
compare_groups (gconstpointer a,
                gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

char **
gxmpp_roster_groups_normalize (const char * const *groups)
{
  GPtrArray *sorted = g_ptr_array_new ();
  GPtrArray *result = g_ptr_array_new ();

  for (gsize i = 0; groups != NULL && groups[i] != NULL; i++)
    if (groups[i][0] != '\0')
      g_ptr_array_add (sorted, (gpointer) groups[i]);
  g_ptr_array_sort (sorted, compare_groups);

  for (guint i = 0; i < sorted->len; i++)
    if (i == 0 || strcmp (sorted->pdata[i], sorted->pdata[i - 1]) != 0)
      g_ptr_array_add (result, g_strdup (sorted->pdata[i]));
  g_ptr_array_add (result, NULL);

  g_ptr_array_unref (sorted);
  return (char **) g_ptr_array_free (result, FALSE);
}

/* Setters: each notifies only a real change. */

static gboolean
set_name (GXmppRosterItem *self,
          const char      *name)
{
  /* An empty name is no name (RFC 6121 2.1.2.4: the client may leave it out). */
  if (name != NULL && name[0] == '\0')
    name = NULL;
  if (g_strcmp0 (self->name, name) == 0)
    return FALSE;
  g_free (self->name);
  self->name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
  return TRUE;
}

static gboolean
set_subscription (GXmppRosterItem   *self,
                  GXmppSubscription  subscription)
{
  if (self->subscription == subscription)
    return FALSE;
  self->subscription = subscription;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUBSCRIPTION]);
  return TRUE;
}

static gboolean
set_ask (GXmppRosterItem *self,
         gboolean         ask)
{
  ask = !!ask;
  if (self->ask == ask)
    return FALSE;
  self->ask = ask;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ASK]);
  return TRUE;
}

static gboolean
set_groups (GXmppRosterItem    *self,
            const char * const *groups)
{
  g_auto(GStrv) normalized = gxmpp_roster_groups_normalize (groups);

  if (self->groups != NULL && g_strv_equal ((const char * const *) self->groups,
                                            (const char * const *) normalized))
    return FALSE;
  g_strfreev (self->groups);
  self->groups = g_steal_pointer (&normalized);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GROUPS]);
  return TRUE;
}

/* GObject */

static void
gxmpp_roster_item_finalize (GObject *object)
{
  GXmppRosterItem *self = GXMPP_ROSTER_ITEM (object);

  g_clear_pointer (&self->jid, gxmpp_jid_unref);
  g_free (self->name);
  g_strfreev (self->groups);

  G_OBJECT_CLASS (gxmpp_roster_item_parent_class)->finalize (object);
}

static void
gxmpp_roster_item_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  GXmppRosterItem *self = GXMPP_ROSTER_ITEM (object);

  switch (prop_id)
    {
    case PROP_JID:
      g_value_set_boxed (value, self->jid);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_SUBSCRIPTION:
      g_value_set_enum (value, self->subscription);
      break;
    case PROP_ASK:
      g_value_set_boolean (value, self->ask);
      break;
    case PROP_GROUPS:
      g_value_set_boxed (value, self->groups);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_roster_item_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  GXmppRosterItem *self = GXMPP_ROSTER_ITEM (object);

  /* Construct-only: no one listens yet, the setters' notifications go
   * nowhere. */
  switch (prop_id)
    {
    case PROP_JID:
      self->jid = g_value_dup_boxed (value);
      break;
    case PROP_NAME:
      set_name (self, g_value_get_string (value));
      break;
    case PROP_SUBSCRIPTION:
      set_subscription (self, g_value_get_enum (value));
      break;
    case PROP_ASK:
      set_ask (self, g_value_get_boolean (value));
      break;
    case PROP_GROUPS:
      set_groups (self, g_value_get_boxed (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_roster_item_constructed (GObject *object)
{
  GXmppRosterItem *self = GXMPP_ROSTER_ITEM (object);

  G_OBJECT_CLASS (gxmpp_roster_item_parent_class)->constructed (object);

  if (self->jid == NULL)
    g_critical ("A GXmppRosterItem needs a JID");
  if (self->groups == NULL)
    self->groups = g_new0 (char *, 1);
}

static void
gxmpp_roster_item_class_init (GXmppRosterItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_EXPLICIT_NOTIFY |
                      G_PARAM_STATIC_STRINGS;

  object_class->finalize = gxmpp_roster_item_finalize;
  object_class->get_property = gxmpp_roster_item_get_property;
  object_class->set_property = gxmpp_roster_item_set_property;
  object_class->constructed = gxmpp_roster_item_constructed;

  /**
   * GXmppRosterItem:jid:
   *
   * The contact's address, which identifies the item on the roster
   * (usually a bare JID).
   */
  properties[PROP_JID] =
    g_param_spec_boxed ("jid", NULL, NULL, GXMPP_TYPE_JID, flags);

  /**
   * GXmppRosterItem:name:
   *
   * The name the user gave the contact, or %NULL for none (an empty name
   * is none).
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL, flags);

  /**
   * GXmppRosterItem:subscription:
   *
   * The state of the presence subscriptions between the user and the
   * contact; never %GXMPP_SUBSCRIPTION_REMOVE for an item on a roster.
   */
  properties[PROP_SUBSCRIPTION] =
    g_param_spec_enum ("subscription", NULL, NULL, GXMPP_TYPE_SUBSCRIPTION,
                       GXMPP_SUBSCRIPTION_NONE, flags);

  /**
   * GXmppRosterItem:ask:
   *
   * Whether the user asked to subscribe to the contact's presence and the
   * contact has not answered yet (`ask='subscribe'`, RFC 6121 section
   * 2.1.2.2).
   */
  properties[PROP_ASK] =
    g_param_spec_boolean ("ask", NULL, NULL, FALSE, flags);

  /**
   * GXmppRosterItem:groups:
   *
   * The groups the user put the contact in: sorted, without duplicates or
   * empty names; empty (never %NULL) when there are none.
   */
  properties[PROP_GROUPS] =
    g_param_spec_boxed ("groups", NULL, NULL, G_TYPE_STRV, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gxmpp_roster_item_init (GXmppRosterItem *self)
{
  self->subscription = GXMPP_SUBSCRIPTION_NONE;
}

/**
 * gxmpp_roster_item_new:
 * @jid: the contact's address
 * @name: (nullable): the name the user gave the contact
 * @subscription: the state of the subscriptions
 * @ask: whether a subscription request of the user's is pending
 * @groups: (nullable) (array zero-terminated=1): the contact's groups
 *
 * Creates a roster item. Items on a [class@GXmpp.Roster] come from the
 * server; this is for implementations of [iface@GXmpp.RosterStore] that
 * give back the items they stored.
 *
 * Returns: (transfer full): a new item
 */
GXmppRosterItem *
gxmpp_roster_item_new (GXmppJid           *jid,
                       const char         *name,
                       GXmppSubscription   subscription,
                       gboolean            ask,
                       const char * const *groups)
{
  g_return_val_if_fail (jid != NULL, NULL);

  return g_object_new (GXMPP_TYPE_ROSTER_ITEM,
                       "jid", jid,
                       "name", name,
                       "subscription", subscription,
                       "ask", ask,
                       "groups", groups,
                       NULL);
}

/**
 * gxmpp_roster_item_get_jid:
 * @item: a roster item
 *
 * Gets [property@GXmpp.RosterItem:jid].
 *
 * Returns: (transfer none): the contact's address
 */
GXmppJid *
gxmpp_roster_item_get_jid (GXmppRosterItem *item)
{
  g_return_val_if_fail (GXMPP_IS_ROSTER_ITEM (item), NULL);
  return item->jid;
}

/**
 * gxmpp_roster_item_get_name:
 * @item: a roster item
 *
 * Gets [property@GXmpp.RosterItem:name].
 *
 * Returns: (nullable): the name the user gave the contact, or %NULL
 */
const char *
gxmpp_roster_item_get_name (GXmppRosterItem *item)
{
  g_return_val_if_fail (GXMPP_IS_ROSTER_ITEM (item), NULL);
  return item->name;
}

/**
 * gxmpp_roster_item_get_subscription:
 * @item: a roster item
 *
 * Gets [property@GXmpp.RosterItem:subscription].
 *
 * Returns: the state of the presence subscriptions
 */
GXmppSubscription
gxmpp_roster_item_get_subscription (GXmppRosterItem *item)
{
  g_return_val_if_fail (GXMPP_IS_ROSTER_ITEM (item), GXMPP_SUBSCRIPTION_NONE);
  return item->subscription;
}

/**
 * gxmpp_roster_item_get_ask:
 * @item: a roster item
 *
 * Gets [property@GXmpp.RosterItem:ask].
 *
 * Returns: %TRUE while the user's subscription request waits for the
 *   contact's answer
 */
gboolean
gxmpp_roster_item_get_ask (GXmppRosterItem *item)
{
  g_return_val_if_fail (GXMPP_IS_ROSTER_ITEM (item), FALSE);
  return item->ask;
}

/**
 * gxmpp_roster_item_get_groups:
 * @item: a roster item
 *
 * Gets [property@GXmpp.RosterItem:groups].
 *
 * Returns: (transfer none) (array zero-terminated=1): the groups, sorted;
 *   empty when there are none
 */
const char * const *
gxmpp_roster_item_get_groups (GXmppRosterItem *item)
{
  g_return_val_if_fail (GXMPP_IS_ROSTER_ITEM (item), NULL);
  return (const char * const *) item->groups;
}

/**
 * gxmpp_roster_item_has_group:
 * @item: a roster item
 * @group: a group name
 *
 * Checks whether the contact is in @group (names compare byte for byte).
 *
 * Returns: %TRUE if @group is one of the item's groups
 */
gboolean
gxmpp_roster_item_has_group (GXmppRosterItem *item,
                             const char      *group)
{
  g_return_val_if_fail (GXMPP_IS_ROSTER_ITEM (item), FALSE);
  g_return_val_if_fail (group != NULL, FALSE);

  return g_strv_contains ((const char * const *) item->groups, group);
}

/* Private */

GXmppRosterItem *
gxmpp_roster_item_new_from_node (GXmppNode  *node,
                                 GError    **error)
{
  const char *jid_text = gxmpp_node_get_attribute (node, "jid");
  const char *subscription_text = gxmpp_node_get_attribute (node, "subscription");
  GXmppSubscription subscription = GXMPP_SUBSCRIPTION_NONE;
  g_autoptr(GXmppJid) jid = NULL;
  g_autoptr(GPtrArray) children = NULL;
  g_autoptr(GPtrArray) groups = NULL;
  g_autoptr(GError) jid_error = NULL;

  if (!gxmpp_node_is (node, "item", GXMPP_ROSTER_NS))
    {
      g_set_error_literal (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_STANZA,
                           _("A roster holds an element that is not a roster item"));
      return NULL;
    }
  if (jid_text == NULL)
    {
      g_set_error_literal (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_STANZA,
                           _("A roster item has no address"));
      return NULL;
    }
  jid = gxmpp_jid_new (jid_text, &jid_error);
  if (jid == NULL)
    {
      g_set_error (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_STANZA,
                   _("A roster item has an invalid address: %s"), jid_error->message);
      return NULL;
    }
  if (subscription_text != NULL && !gxmpp_subscription_from_nick (subscription_text, &subscription))
    {
      g_set_error (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_STANZA,
                   _("The roster item of %s has an unknown subscription “%s”"),
                   gxmpp_jid_to_string (jid), subscription_text);
      return NULL;
    }

  children = gxmpp_node_get_children (node, "group", GXMPP_ROSTER_NS);
  groups = g_ptr_array_sized_new (children->len + 1);
  for (guint i = 0; i < children->len; i++)
    {
      const char *group = gxmpp_node_get_text (children->pdata[i]);

      if (group != NULL)
        g_ptr_array_add (groups, (gpointer) group);
    }
  g_ptr_array_add (groups, NULL);

  return gxmpp_roster_item_new (jid, gxmpp_node_get_attribute (node, "name"), subscription,
                                g_strcmp0 (gxmpp_node_get_attribute (node, "ask"), "subscribe") == 0,
                                (const char * const *) groups->pdata);
}

GXmppNode *
gxmpp_roster_item_to_set_node (GXmppJid           *jid,
                               const char         *name,
                               const char * const *groups,
                               gboolean            remove)
{
  GXmppNode *node = gxmpp_node_new ("item", GXMPP_ROSTER_NS);
  g_auto(GStrv) normalized = NULL;

  gxmpp_node_set_attribute (node, "jid", gxmpp_jid_to_string (jid));
  if (remove)
    {
      gxmpp_node_set_attribute (node, "subscription", "remove");
      return node;
    }
  if (name != NULL && name[0] != '\0')
    gxmpp_node_set_attribute (node, "name", name);
  normalized = gxmpp_roster_groups_normalize (groups);
  for (gsize i = 0; normalized[i] != NULL; i++)
    gxmpp_node_add_child_with_text (node, "group", GXMPP_ROSTER_NS, normalized[i]);
  return node;
}

gboolean
gxmpp_roster_item_update (GXmppRosterItem *item,
                          GXmppRosterItem *from)
{
  gboolean changed = FALSE;

  g_return_val_if_fail (gxmpp_jid_equal (item->jid, from->jid), FALSE);

  g_object_freeze_notify (G_OBJECT (item));
  changed |= set_name (item, from->name);
  changed |= set_subscription (item, from->subscription);
  changed |= set_ask (item, from->ask);
  changed |= set_groups (item, (const char * const *) from->groups);
  g_object_thaw_notify (G_OBJECT (item));
  return changed;
}

GXmppRosterItem *
gxmpp_roster_item_copy (GXmppRosterItem *item)
{
  return gxmpp_roster_item_new (item->jid, item->name, item->subscription, item->ask,
                                (const char * const *) item->groups);
}

const char *
gxmpp_roster_item_get_key (GXmppRosterItem *item)
{
  return gxmpp_jid_to_string (item->jid);
}

int
gxmpp_roster_item_compare (GXmppRosterItem *a,
                           GXmppRosterItem *b)
{
  return strcmp (gxmpp_jid_to_string (a->jid), gxmpp_jid_to_string (b->jid));
}
