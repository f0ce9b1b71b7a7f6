/* gxmpp-presence-tracker.c: who is available, and our own presence
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gxmpp-error.h"
#include "gxmpp-i18n-private.h"
#include "gxmpp-presence-tracker.h"

/**
 * GXmppPresenceTracker:
 *
 * Follows the presence the account receives (RFC 6121 section 4), and
 * sends its own.
 *
 * A tracker attaches to a [class@GXmpp.Session] with
 * [ctor@GXmpp.PresenceTracker.new] and, like any third-party module, uses
 * only the session's public API: it watches every inbound `<presence/>`
 * through a handler that never ends the dispatch, so the session's
 * [signal@GXmpp.Session::presence] signal and other handlers still see
 * each presence. Make the tracker right after the session, before the
 * application sends its initial presence, so that it sees the presence the
 * server sends in answer.
 *
 * ## Inbound presence
 *
 * The tracker keeps, for each sender address, the last available presence
 * it sent: [property@GXmpp.Presence:show], the statuses in every language
 * ([method@GXmpp.Presence.get_status]) and the priority. A sender is
 * normally a contact's resource (a full JID); an entity without resources
 * (a gateway or a server component, say) is kept under its bare JID.
 *
 * - An available presence (no `type`) adds or replaces the sender's entry.
 * - An unavailable presence from a full JID removes that resource; from a
 *   bare JID it removes every resource of that contact, since that is how
 *   a server says that none is available (RFC 6121 section 4.3.2).
 * - An error presence (the answer to a presence of ours that could not be
 *   delivered, RFC 6121 section 4.7.1) removes the same way: the sender
 *   cannot be reached.
 * - Subscription requests and answers are not presence information; see
 *   [class@GXmpp.Subscriptions].
 *
 * Each change emits [signal@GXmpp.PresenceTracker::presence-changed] with
 * the old and the new presence, and, when the contact's best presence is
 * no longer the same, [signal@GXmpp.PresenceTracker::contact-changed].
 * The account's own resources are tracked too: the server sends the
 * account's presence to all of its available resources, including the one
 * that sent it (RFC 6121 section 4.4.2), so the account's bare JID shows
 * the application's other clients and this one.
 *
 * When the session ends, for whatever reason, every tracked resource
 * becomes unavailable: the tracker emits the signals with a %NULL new
 * presence and forgets everything, including the directed presence and
 * the own presence below. So it does when the session comes back from a
 * lost connection on a fresh stream ([signal@GXmpp.Session::reconnected]
 * with %FALSE), after which the server sends the presence again; while the
 * session is disconnected, and after a resumption, nothing changes.
 *
 * ## The best presence of a contact
 *
 * [method@GXmpp.PresenceTracker.get_best] picks one of a contact's
 * resources for display, as RFC 6121 section 4.7.2.3 describes the use of
 * priorities: the highest priority wins; between equal priorities, the
 * more available [enum@GXmpp.PresenceShow] wins, in the order chat,
 * available (no show), away, xa, dnd; between those, the presence that
 * arrived last. A negative priority counts like any other here: a
 * resource with a negative priority does not get messages sent to the
 * bare JID, but it is available, and it is shown when it is the only one.
 * [method@GXmpp.PresenceTracker.get_presences] lists a contact's resources
 * in the same order.
 *
 * ## The account's own presence
 *
 * Nothing is sent until the application says so. The first
 * [method@GXmpp.PresenceTracker.set_presence_async] is the initial
 * presence (RFC 6121 section 4.2): send it once the application is ready
 * to receive presence and messages (after loading the roster, as the RFC
 * recommends). Later calls update it.
 *
 * [method@GXmpp.PresenceTracker.send_directed] sends presence to one
 * entity only (RFC 6121 section 4.6). The tracker remembers the entities
 * that got available directed presence, and going unavailable (an
 * unavailable [method@GXmpp.PresenceTracker.set_presence_async], or
 * [method@GXmpp.PresenceTracker.go_offline_async]) first sends each of them
 * an unavailable presence of its own. RFC 6121 section 4.6.3 asks the
 * server to do the same; the client doing it too does not depend on that,
 * and a server that tracks directed presence sees it already ended.
 *
 * [method@GXmpp.Session.close_async] alone sends no presence: the server
 * then broadcasts an unavailable presence for the account, without a
 * status (RFC 6121 section 4.5.3). To say goodbye properly, close with
 * [method@GXmpp.PresenceTracker.go_offline_async] instead, which sends the
 * unavailable presence (with a status if given), to the directed targets
 * too, and then closes the session.
 */

/* Runs before the application's handlers of lower priority; it never ends
 * the dispatch. */
#define HANDLER_PRIORITY 1000

typedef struct {
  GXmppJid *jid;              /* the sender: a full JID, or a bare one */
  GXmppPresence *presence;    /* the last available presence */
  guint64 serial;             /* order of arrival */
} Resource;

typedef struct {
  GXmppJid *bare;
  GPtrArray *resources;       /* Resource */
  GXmppPresence *best;        /* reference; what contact-changed said last */
} Contact;

struct _GXmppPresenceTracker
{
  GObject parent_instance;

  GXmppSession *session;
  guint handler_id;
  gulong closed_id;
  gulong reconnected_id;

  GHashTable *contacts;       /* bare GXmppJid -> Contact */
  guint64 serial;

  GXmppPresence *own;         /* the last broadcast presence sent */
  GPtrArray *directed;        /* GXmppJid: available directed presence sent */
};

G_DEFINE_FINAL_TYPE (GXmppPresenceTracker, gxmpp_presence_tracker, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_OWN_PRESENCE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_PRESENCE_CHANGED,
  SIGNAL_CONTACT_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
resource_free (Resource *resource)
{
  gxmpp_jid_unref (resource->jid);
  g_object_unref (resource->presence);
  g_free (resource);
}

static Contact *
contact_new (GXmppJid *bare)
{
  Contact *contact = g_new0 (Contact, 1);

  contact->bare = gxmpp_jid_ref (bare);
  contact->resources = g_ptr_array_new_with_free_func ((GDestroyNotify) resource_free);
  return contact;
}

static void
contact_free (Contact *contact)
{
  gxmpp_jid_unref (contact->bare);
  g_ptr_array_unref (contact->resources);
  g_clear_object (&contact->best);
  g_free (contact);
}

/* Ordering */

/* chat > available > away > xa > dnd: lower is more available. */
static int
show_rank (GXmppPresenceShow show)
{
  switch (show)
    {
    case GXMPP_PRESENCE_SHOW_CHAT:
      return 0;
    case GXMPP_PRESENCE_SHOW_NONE:
      return 1;
    case GXMPP_PRESENCE_SHOW_AWAY:
      return 2;
    case GXMPP_PRESENCE_SHOW_XA:
      return 3;
    case GXMPP_PRESENCE_SHOW_DND:
    default:
      return 4;
    }
}

/* Priority, then show; 0 for a tie. */
static int
presence_compare (GXmppPresence *a,
                  GXmppPresence *b)
{
  int pa, pb, ra, rb;

  pa = gxmpp_presence_get_priority (a);
  pb = gxmpp_presence_get_priority (b);
  if (pa != pb)
    return pa > pb ? -1 : 1;
  ra = show_rank (gxmpp_presence_get_show (a));
  rb = show_rank (gxmpp_presence_get_show (b));
  if (ra != rb)
    return ra < rb ? -1 : 1;
  return 0;
}

/* Best first; the most recent breaks ties. */
static int
resource_compare (gconstpointer pa,
                  gconstpointer pb)
{
  const Resource *a = *(const Resource * const *) pa;
  const Resource *b = *(const Resource * const *) pb;
  int order = presence_compare (a->presence, b->presence);

  if (order != 0)
    return order;
  if (a->serial != b->serial)
    return a->serial > b->serial ? -1 : 1;
  return 0;
}

static Resource *
contact_best (Contact *contact)
{
  Resource *best = NULL;

  for (guint i = 0; i < contact->resources->len; i++)
    {
      Resource *resource = contact->resources->pdata[i];

      if (best == NULL || resource_compare (&resource, &best) < 0)
        best = resource;
    }
  return best;
}

/* Inbound presence */

/* What a change emits, collected while the table is updated and emitted
 * once it is consistent again: handlers may look at the tracker, send, or
 * drop it. */
typedef struct {
  GXmppJid *jid;
  GXmppPresence *old;
  GXmppPresence *new;
} Change;

static void
change_free (Change *change)
{
  gxmpp_jid_unref (change->jid);
  g_clear_object (&change->old);
  g_clear_object (&change->new);
  g_free (change);
}

static void
add_change (GPtrArray     *changes,
            GXmppJid      *jid,
            GXmppPresence *old,
            GXmppPresence *new)
{
  Change *change = g_new0 (Change, 1);

  change->jid = gxmpp_jid_ref (jid);
  change->old = old != NULL ? g_object_ref (old) : NULL;
  change->new = new != NULL ? g_object_ref (new) : NULL;
  g_ptr_array_add (changes, change);
}

/* Recomputes the contact's best presence; a change goes to @contact_changes
 * as (bare, old best, new best). Removes a contact left without
 * resources. */
static void
settle_contact (GXmppPresenceTracker *self,
                Contact              *contact,
                GPtrArray            *contact_changes)
{
  Resource *best = contact_best (contact);
  GXmppPresence *presence = best != NULL ? best->presence : NULL;

  if (presence != contact->best)
    {
      add_change (contact_changes, contact->bare, contact->best, presence);
      g_set_object (&contact->best, presence);
    }
  if (contact->resources->len == 0)
    g_hash_table_remove (self->contacts, contact->bare);
}

static void
emit_changes (GXmppPresenceTracker *self,
              GPtrArray            *changes,
              GPtrArray            *contact_changes)
{
  for (guint i = 0; i < changes->len; i++)
    {
      Change *change = changes->pdata[i];

      g_signal_emit (self, signals[SIGNAL_PRESENCE_CHANGED], 0, change->jid, change->old, change->new);
    }
  for (guint i = 0; i < contact_changes->len; i++)
    {
      Change *change = contact_changes->pdata[i];

      g_signal_emit (self, signals[SIGNAL_CONTACT_CHANGED], 0, change->jid, change->new);
    }
}

static void
track_available (GXmppPresenceTracker *self,
                 GXmppJid             *from,
                 GXmppPresence        *presence,
                 GPtrArray            *changes,
                 GPtrArray            *contact_changes)
{
  g_autoptr(GXmppJid) bare = gxmpp_jid_to_bare (from);
  Contact *contact = g_hash_table_lookup (self->contacts, bare);
  Resource *resource = NULL;

  if (contact == NULL)
    {
      contact = contact_new (bare);
      g_hash_table_insert (self->contacts, contact->bare, contact);
    }
  for (guint i = 0; i < contact->resources->len && resource == NULL; i++)
    if (gxmpp_jid_equal (((Resource *) contact->resources->pdata[i])->jid, from))
      resource = contact->resources->pdata[i];

  if (resource == NULL)
    {
      resource = g_new0 (Resource, 1);
      resource->jid = gxmpp_jid_ref (from);
      g_ptr_array_add (contact->resources, resource);
      add_change (changes, from, NULL, presence);
    }
  else
    {
      add_change (changes, from, resource->presence, presence);
      g_clear_object (&resource->presence);
    }
  resource->presence = g_object_ref (presence);
  resource->serial = ++self->serial;

  settle_contact (self, contact, contact_changes);
}

/* An unavailable or error presence from @from: the resource, or from a
 * bare JID the whole contact, is gone. */
static void
track_gone (GXmppPresenceTracker *self,
            GXmppJid             *from,
            GXmppPresence        *presence,
            GPtrArray            *changes,
            GPtrArray            *contact_changes)
{
  g_autoptr(GXmppJid) bare = gxmpp_jid_to_bare (from);
  Contact *contact = g_hash_table_lookup (self->contacts, bare);
  gboolean whole = gxmpp_jid_is_bare (from);

  if (contact == NULL)
    return;

  for (guint i = contact->resources->len; i > 0; i--)
    {
      Resource *resource = contact->resources->pdata[i - 1];

      if (whole || gxmpp_jid_equal (resource->jid, from))
        {
          add_change (changes, resource->jid, resource->presence, presence);
          g_ptr_array_remove_index (contact->resources, i - 1);
        }
    }
  settle_contact (self, contact, contact_changes);
}

static gboolean
on_presence (GXmppSession *session,
             GXmppStanza  *stanza,
             gpointer      user_data)
{
  GXmppPresenceTracker *self = user_data;
  g_autoptr(GXmppPresenceTracker) hold = g_object_ref (self);
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func ((GDestroyNotify) change_free);
  g_autoptr(GPtrArray) contact_changes = g_ptr_array_new_with_free_func ((GDestroyNotify) change_free);
  GXmppPresence *presence = GXMPP_PRESENCE (stanza);
  GXmppJid *from = gxmpp_stanza_get_from (stanza);

  /* Without 'from' a presence comes from the account itself (RFC 6120
   * section 8.1.2.1) and says nothing about a resource. */
  if (from == NULL)
    return FALSE;

  switch (gxmpp_presence_get_presence_type (presence))
    {
    case GXMPP_PRESENCE_TYPE_AVAILABLE:
      track_available (self, from, presence, changes, contact_changes);
      break;
    case GXMPP_PRESENCE_TYPE_UNAVAILABLE:
    case GXMPP_PRESENCE_TYPE_ERROR:
      track_gone (self, from, presence, changes, contact_changes);
      break;
    case GXMPP_PRESENCE_TYPE_SUBSCRIBE:
    case GXMPP_PRESENCE_TYPE_SUBSCRIBED:
    case GXMPP_PRESENCE_TYPE_UNSUBSCRIBE:
    case GXMPP_PRESENCE_TYPE_UNSUBSCRIBED:
    case GXMPP_PRESENCE_TYPE_PROBE:
    default:
      break;
    }

  emit_changes (self, changes, contact_changes);
  return FALSE;
}

/* The end of the session: everybody is unavailable now. */
static void
forget_all (GXmppPresenceTracker *self)
{
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func ((GDestroyNotify) change_free);
  g_autoptr(GPtrArray) contact_changes = g_ptr_array_new_with_free_func ((GDestroyNotify) change_free);
  GHashTableIter iter;
  Contact *contact;

  g_hash_table_iter_init (&iter, self->contacts);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &contact))
    {
      for (guint i = 0; i < contact->resources->len; i++)
        {
          Resource *resource = contact->resources->pdata[i];

          add_change (changes, resource->jid, resource->presence, NULL);
        }
      if (contact->best != NULL)
        add_change (contact_changes, contact->bare, contact->best, NULL);
    }
  g_hash_table_remove_all (self->contacts);

  g_ptr_array_set_size (self->directed, 0);
  if (self->own != NULL)
    {
      g_clear_object (&self->own);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OWN_PRESENCE]);
    }

  emit_changes (self, changes, contact_changes);
}

static void
on_session_closed (GXmppSession *session,
                   const GError *reason,
                   gpointer      user_data)
{
  GXmppPresenceTracker *self = user_data;
  g_autoptr(GXmppPresenceTracker) hold = g_object_ref (self);

  forget_all (self);
}

/* A fresh stream after a lost connection: the server forgot what it had
 * sent, and sends it again in answer to the initial presence. (A resumed
 * stream loses nothing, and a lost connection alone changes nothing: it
 * may be resumed.) */
static void
on_session_reconnected (GXmppSession *session,
                        gboolean      resumed,
                        gpointer      user_data)
{
  GXmppPresenceTracker *self = user_data;
  g_autoptr(GXmppPresenceTracker) hold = g_object_ref (self);

  if (!resumed)
    forget_all (self);
}

/* GObject */

static void
gxmpp_presence_tracker_constructed (GObject *object)
{
  GXmppPresenceTracker *self = GXMPP_PRESENCE_TRACKER (object);
  g_autoptr(GXmppStanzaMatch) match = gxmpp_stanza_match_new ();

  G_OBJECT_CLASS (gxmpp_presence_tracker_parent_class)->constructed (object);

  g_return_if_fail (self->session != NULL);

  gxmpp_stanza_match_set_kind (match, GXMPP_STANZA_KIND_PRESENCE);
  self->handler_id = gxmpp_session_add_handler (self->session, match, HANDLER_PRIORITY,
                                                on_presence, self, NULL);
  self->closed_id = g_signal_connect (self->session, "closed", G_CALLBACK (on_session_closed), self);
  self->reconnected_id = g_signal_connect (self->session, "reconnected",
                                           G_CALLBACK (on_session_reconnected), self);
}

static void
gxmpp_presence_tracker_dispose (GObject *object)
{
  GXmppPresenceTracker *self = GXMPP_PRESENCE_TRACKER (object);

  if (self->session != NULL)
    {
      if (self->handler_id != 0)
        gxmpp_session_remove_handler (self->session, self->handler_id);
      g_clear_signal_handler (&self->closed_id, self->session);
      g_clear_signal_handler (&self->reconnected_id, self->session);
      self->handler_id = 0;
      g_clear_object (&self->session);
    }
  g_hash_table_remove_all (self->contacts);
  g_ptr_array_set_size (self->directed, 0);
  g_clear_object (&self->own);

  G_OBJECT_CLASS (gxmpp_presence_tracker_parent_class)->dispose (object);
}

static void
gxmpp_presence_tracker_finalize (GObject *object)
{
  GXmppPresenceTracker *self = GXMPP_PRESENCE_TRACKER (object);

  g_hash_table_unref (self->contacts);
  g_ptr_array_unref (self->directed);

  G_OBJECT_CLASS (gxmpp_presence_tracker_parent_class)->finalize (object);
}

static void
gxmpp_presence_tracker_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  GXmppPresenceTracker *self = GXMPP_PRESENCE_TRACKER (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_OWN_PRESENCE:
      g_value_set_object (value, self->own);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_presence_tracker_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  GXmppPresenceTracker *self = GXMPP_PRESENCE_TRACKER (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gxmpp_presence_tracker_class_init (GXmppPresenceTrackerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = gxmpp_presence_tracker_constructed;
  object_class->dispose = gxmpp_presence_tracker_dispose;
  object_class->finalize = gxmpp_presence_tracker_finalize;
  object_class->get_property = gxmpp_presence_tracker_get_property;
  object_class->set_property = gxmpp_presence_tracker_set_property;

  /**
   * GXmppPresenceTracker:session:
   *
   * The session whose presence the tracker follows. The tracker keeps a
   * reference to it.
   */
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, GXMPP_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GXmppPresenceTracker:own-presence:
   *
   * The last presence the account broadcast through
   * [method@GXmpp.PresenceTracker.set_presence_async] or
   * [method@GXmpp.PresenceTracker.go_offline_async]: available, or
   * unavailable; %NULL before the initial presence and after the session
   * ended.
   */
  properties[PROP_OWN_PRESENCE] =
    g_param_spec_object ("own-presence", NULL, NULL, GXMPP_TYPE_PRESENCE,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GXmppPresenceTracker::presence-changed:
   * @tracker: the tracker
   * @jid: the address whose presence changed: a full JID, or the bare JID
   *   of an entity without resources
   * @old: (nullable): the presence it had, or %NULL if it was not
   *   available
   * @new: (nullable): its presence now: an available presence; or the
   *   unavailable or error presence that ended it (its `from` is the bare
   *   JID when the whole contact went away, and an unavailable presence may
   *   say why in its status); or %NULL when the session ended
   *
   * Emitted when an address becomes available, changes its presence, or
   * becomes unavailable. The tracker is up to date when it is emitted:
   * [method@GXmpp.PresenceTracker.get_best] already gives the new best
   * presence.
   */
  signals[SIGNAL_PRESENCE_CHANGED] =
    g_signal_new ("presence-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL,
                  G_TYPE_NONE, 3, GXMPP_TYPE_JID, GXMPP_TYPE_PRESENCE, GXMPP_TYPE_PRESENCE);

  /**
   * GXmppPresenceTracker::contact-changed:
   * @tracker: the tracker
   * @jid: the contact's bare JID
   * @best: (nullable): the contact's best presence now, or %NULL when none
   *   of its resources is available
   *
   * Emitted after [signal@GXmpp.PresenceTracker::presence-changed] when the
   * contact's best presence ([method@GXmpp.PresenceTracker.get_best]) is no
   * longer the same: another resource is the best one, or the best one
   * sent a new presence, or the contact came online or went offline. A
   * change of a resource that stays behind the best one does not emit it.
   * A contact list shows this.
   */
  signals[SIGNAL_CONTACT_CHANGED] =
    g_signal_new ("contact-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL,
                  G_TYPE_NONE, 2, GXMPP_TYPE_JID, GXMPP_TYPE_PRESENCE);
}

static void
gxmpp_presence_tracker_init (GXmppPresenceTracker *self)
{
  self->contacts = g_hash_table_new_full ((GHashFunc) gxmpp_jid_hash, (GEqualFunc) gxmpp_jid_equal,
                                          NULL, (GDestroyNotify) contact_free);
  self->directed = g_ptr_array_new_with_free_func ((GDestroyNotify) gxmpp_jid_unref);
}

/**
 * gxmpp_presence_tracker_new:
 * @session: a session
 *
 * Makes a tracker that follows the presence @session receives, from now
 * on, until the session ends or the tracker is dropped.
 *
 * Returns: (transfer full): a new tracker
 */
GXmppPresenceTracker *
gxmpp_presence_tracker_new (GXmppSession *session)
{
  g_return_val_if_fail (GXMPP_IS_SESSION (session), NULL);

  return g_object_new (GXMPP_TYPE_PRESENCE_TRACKER, "session", session, NULL);
}

/**
 * gxmpp_presence_tracker_get_session:
 * @tracker: a tracker
 *
 * Gets [property@GXmpp.PresenceTracker:session].
 *
 * Returns: (transfer none): the session
 */
GXmppSession *
gxmpp_presence_tracker_get_session (GXmppPresenceTracker *tracker)
{
  g_return_val_if_fail (GXMPP_IS_PRESENCE_TRACKER (tracker), NULL);
  return tracker->session;
}

/* Queries */

static Contact *
lookup_contact (GXmppPresenceTracker *self,
                GXmppJid             *jid)
{
  g_autoptr(GXmppJid) bare = gxmpp_jid_to_bare (jid);

  return g_hash_table_lookup (self->contacts, bare);
}

/**
 * gxmpp_presence_tracker_get_presences:
 * @tracker: a tracker
 * @jid: a contact's JID; a full JID stands for its bare JID
 *
 * Lists the available presences of a contact's resources, best first (the
 * order of [method@GXmpp.PresenceTracker.get_best]). The presences are the
 * stanzas as received; do not modify them.
 *
 * Returns: (transfer container) (element-type GXmppPresence): the
 *   presences; empty when the contact is unavailable
 */
GPtrArray *
gxmpp_presence_tracker_get_presences (GXmppPresenceTracker *tracker,
                                      GXmppJid             *jid)
{
  g_autoptr(GPtrArray) sorted = NULL;
  GPtrArray *presences;
  Contact *contact;

  g_return_val_if_fail (GXMPP_IS_PRESENCE_TRACKER (tracker), NULL);
  g_return_val_if_fail (jid != NULL, NULL);

  presences = g_ptr_array_new_with_free_func (g_object_unref);
  contact = lookup_contact (tracker, jid);
  if (contact == NULL)
    return presences;

  /* Not g_ptr_array_copy(): that would copy the free function too. */
  sorted = g_ptr_array_sized_new (contact->resources->len);
  for (guint i = 0; i < contact->resources->len; i++)
    g_ptr_array_add (sorted, contact->resources->pdata[i]);
  g_ptr_array_sort (sorted, resource_compare);
  for (guint i = 0; i < sorted->len; i++)
    g_ptr_array_add (presences, g_object_ref (((Resource *) sorted->pdata[i])->presence));
  return presences;
}

/**
 * gxmpp_presence_tracker_get_presence:
 * @tracker: a tracker
 * @jid: a full JID, or the bare JID of an entity without resources
 *
 * Gets the presence of exactly one address.
 *
 * Returns: (transfer full) (nullable): its available presence, or %NULL
 *   if it is not available
 */
GXmppPresence *
gxmpp_presence_tracker_get_presence (GXmppPresenceTracker *tracker,
                                     GXmppJid             *jid)
{
  Contact *contact;

  g_return_val_if_fail (GXMPP_IS_PRESENCE_TRACKER (tracker), NULL);
  g_return_val_if_fail (jid != NULL, NULL);

  contact = lookup_contact (tracker, jid);
  for (guint i = 0; contact != NULL && i < contact->resources->len; i++)
    {
      Resource *resource = contact->resources->pdata[i];

      if (gxmpp_jid_equal (resource->jid, jid))
        return g_object_ref (resource->presence);
    }
  return NULL;
}

/**
 * gxmpp_presence_tracker_get_best:
 * @tracker: a tracker
 * @jid: a contact's JID; a full JID stands for its bare JID
 *
 * Gets the presence to show for a contact: that of its resource with the
 * highest priority, then the most available show (chat, no show, away,
 * xa, dnd), then the most recent (see the class documentation; negative
 * priorities count too). Its `from` says which resource it is.
 *
 * The result is a new reference, since the next presence received may
 * replace the tracker's own.
 *
 * Returns: (transfer full) (nullable): the best available presence, or
 *   %NULL if no resource of the contact is available
 */
GXmppPresence *
gxmpp_presence_tracker_get_best (GXmppPresenceTracker *tracker,
                                 GXmppJid             *jid)
{
  Contact *contact;
  Resource *best;

  g_return_val_if_fail (GXMPP_IS_PRESENCE_TRACKER (tracker), NULL);
  g_return_val_if_fail (jid != NULL, NULL);

  contact = lookup_contact (tracker, jid);
  best = contact != NULL ? contact_best (contact) : NULL;
  return best != NULL ? g_object_ref (best->presence) : NULL;
}

/**
 * gxmpp_presence_tracker_get_contacts:
 * @tracker: a tracker
 *
 * Lists the bare JIDs with at least one available resource, in no
 * particular order.
 *
 * Returns: (transfer container) (element-type GXmppJid): the bare JIDs
 */
GPtrArray *
gxmpp_presence_tracker_get_contacts (GXmppPresenceTracker *tracker)
{
  GPtrArray *contacts;
  GHashTableIter iter;
  Contact *contact;

  g_return_val_if_fail (GXMPP_IS_PRESENCE_TRACKER (tracker), NULL);

  contacts = g_ptr_array_new_with_free_func ((GDestroyNotify) gxmpp_jid_unref);
  g_hash_table_iter_init (&iter, tracker->contacts);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &contact))
    g_ptr_array_add (contacts, gxmpp_jid_ref (contact->bare));
  return contacts;
}

/* The account's own presence */

/**
 * gxmpp_presence_tracker_get_own_presence:
 * @tracker: a tracker
 *
 * Gets [property@GXmpp.PresenceTracker:own-presence].
 *
 * Returns: (transfer none) (nullable): the last presence broadcast, or
 *   %NULL
 */
GXmppPresence *
gxmpp_presence_tracker_get_own_presence (GXmppPresenceTracker *tracker)
{
  g_return_val_if_fail (GXMPP_IS_PRESENCE_TRACKER (tracker), NULL);
  return tracker->own;
}

/* A copy of @presence to send: it shares the (sealed) element until
 * changed. */
static GXmppPresence *
copy_presence (GXmppPresence *presence)
{
  GXmppStanza *copy = gxmpp_stanza_new_from_node (gxmpp_stanza_get_node (GXMPP_STANZA (presence)), NULL);

  g_assert (GXMPP_IS_PRESENCE (copy));
  return GXMPP_PRESENCE (copy);
}

static gboolean
check_sendable (GXmppPresence  *presence,
                GError        **error)
{
  GXmppPresenceType type = gxmpp_presence_get_presence_type (presence);

  if (type == GXMPP_PRESENCE_TYPE_AVAILABLE || type == GXMPP_PRESENCE_TYPE_UNAVAILABLE)
    return TRUE;
  g_set_error_literal (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_STANZA,
                       _("Only available and unavailable presence can be sent as the account’s "
                         "presence; subscriptions have their own functions"));
  return FALSE;
}

static int
find_directed (GXmppPresenceTracker *self,
               GXmppJid             *jid)
{
  for (guint i = 0; i < self->directed->len; i++)
    if (gxmpp_jid_equal (self->directed->pdata[i], jid))
      return (int) i;
  return -1;
}

/* Ends the directed presence: an unavailable presence, a copy of
 * @unavailable, to each entity that got available directed presence. */
static void
end_directed (GXmppPresenceTracker *self,
              GXmppPresence        *unavailable)
{
  g_autoptr(GPtrArray) targets = g_steal_pointer (&self->directed);

  self->directed = g_ptr_array_new_with_free_func ((GDestroyNotify) gxmpp_jid_unref);
  for (guint i = 0; i < targets->len; i++)
    {
      g_autoptr(GXmppPresence) copy = copy_presence (unavailable);
      g_autoptr(GError) error = NULL;

      gxmpp_stanza_set_id (GXMPP_STANZA (copy), NULL);
      gxmpp_stanza_set_to (GXMPP_STANZA (copy), targets->pdata[i]);
      if (!gxmpp_session_send (self->session, GXMPP_STANZA (copy), &error))
        g_debug ("Could not end the directed presence to %s: %s",
                 gxmpp_jid_to_string (targets->pdata[i]), error->message);
    }
}

/* Queues @presence (a copy) for broadcast; for an unavailable one, ends
 * the directed presence first. */
static GXmppPresence *
broadcast (GXmppPresenceTracker  *self,
           GXmppPresence         *presence)
{
  g_autoptr(GXmppPresence) copy = copy_presence (presence);

  gxmpp_stanza_set_to (GXMPP_STANZA (copy), NULL);
  if (gxmpp_presence_get_presence_type (copy) == GXMPP_PRESENCE_TYPE_UNAVAILABLE)
    end_directed (self, copy);

  g_set_object (&self->own, copy);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OWN_PRESENCE]);
  return g_steal_pointer (&copy);
}

static void
on_presence_sent (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (gxmpp_session_send_finish (GXMPP_SESSION (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * gxmpp_presence_tracker_set_presence_async:
 * @tracker: a tracker
 * @presence: an available or unavailable presence, without `to`
 * @cancellable: (nullable): a #GCancellable; cancelling stops the wait,
 *   not the sending
 * @callback: called once the presence has been sent
 * @user_data: data for @callback
 *
 * Broadcasts the account's presence to the contacts subscribed to it
 * (RFC 6121 section 4.2 and 4.4). The first call sends the initial
 * presence, after which the server sends the contacts' presence; later
 * calls update it.
 *
 * An unavailable presence first ends the directed presence sent with
 * [method@GXmpp.PresenceTracker.send_directed], with an unavailable
 * presence to each of its targets; the session stays open (to close it
 * too, use [method@GXmpp.PresenceTracker.go_offline_async]).
 *
 * A copy of @presence is sent, without any `to` it has; it becomes
 * [property@GXmpp.PresenceTracker:own-presence]. Another type of presence
 * fails with %GXMPP_ERROR_INVALID_STANZA, a session that is not ready with
 * %GXMPP_ERROR_NOT_READY or %GXMPP_ERROR_CLOSED.
 */
void
gxmpp_presence_tracker_set_presence_async (GXmppPresenceTracker *tracker,
                                           GXmppPresence        *presence,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GXmppPresence) sent = NULL;
  GError *error = NULL;

  g_return_if_fail (GXMPP_IS_PRESENCE_TRACKER (tracker));
  g_return_if_fail (GXMPP_IS_PRESENCE (presence));

  task = g_task_new (tracker, cancellable, callback, user_data);
  g_task_set_source_tag (task, gxmpp_presence_tracker_set_presence_async);
  g_task_set_name (task, "[gxmpp] set presence");

  if (!check_sendable (presence, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (gxmpp_session_get_state (tracker->session) != GXMPP_SESSION_STATE_READY)
    {
      /* The session's own error for sending now. */
      gxmpp_session_send_async (tracker->session, GXMPP_STANZA (presence), cancellable,
                                on_presence_sent, g_steal_pointer (&task));
      return;
    }

  sent = broadcast (tracker, presence);
  gxmpp_session_send_async (tracker->session, GXMPP_STANZA (sent), cancellable,
                            on_presence_sent, g_steal_pointer (&task));
}

/**
 * gxmpp_presence_tracker_set_presence_finish:
 * @tracker: a tracker
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@GXmpp.PresenceTracker.set_presence_async].
 *
 * Returns: %TRUE if the presence was sent
 */
gboolean
gxmpp_presence_tracker_set_presence_finish (GXmppPresenceTracker  *tracker,
                                            GAsyncResult          *result,
                                            GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, tracker), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        gxmpp_presence_tracker_set_presence_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * gxmpp_presence_tracker_send_directed:
 * @tracker: a tracker
 * @to: the entity to send presence to
 * @presence: (nullable): an available or unavailable presence, or %NULL
 *   for the account's current available presence
 *   ([property@GXmpp.PresenceTracker:own-presence], or a plain available
 *   presence when there is none or it is unavailable)
 * @error: return location for a #GError
 *
 * Sends presence to one entity only (directed presence, RFC 6121
 * section 4.6), for example to a chat room or to someone who is not a
 * contact. A copy of @presence goes out, addressed to @to.
 *
 * The tracker remembers the entities that got available directed
 * presence ([method@GXmpp.PresenceTracker.get_directed]); going
 * unavailable sends each of them an unavailable presence too. Sending an
 * unavailable directed presence ends it for that entity at once.
 *
 * Fails, and sends nothing, as [method@GXmpp.Session.send] does, and with
 * %GXMPP_ERROR_INVALID_STANZA for a presence of another type.
 *
 * Returns: %TRUE if the presence was queued for sending
 */
gboolean
gxmpp_presence_tracker_send_directed (GXmppPresenceTracker  *tracker,
                                      GXmppJid              *to,
                                      GXmppPresence         *presence,
                                      GError               **error)
{
  g_autoptr(GXmppPresence) copy = NULL;
  int index;

  g_return_val_if_fail (GXMPP_IS_PRESENCE_TRACKER (tracker), FALSE);
  g_return_val_if_fail (to != NULL, FALSE);
  g_return_val_if_fail (presence == NULL || GXMPP_IS_PRESENCE (presence), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (presence == NULL)
    {
      if (tracker->own != NULL &&
          gxmpp_presence_get_presence_type (tracker->own) == GXMPP_PRESENCE_TYPE_AVAILABLE)
        copy = copy_presence (tracker->own);
      else
        copy = gxmpp_presence_new (GXMPP_PRESENCE_TYPE_AVAILABLE, NULL);
    }
  else
    {
      if (!check_sendable (presence, error))
        return FALSE;
      copy = copy_presence (presence);
    }
  gxmpp_stanza_set_id (GXMPP_STANZA (copy), NULL);
  gxmpp_stanza_set_to (GXMPP_STANZA (copy), to);

  if (!gxmpp_session_send (tracker->session, GXMPP_STANZA (copy), error))
    return FALSE;

  index = find_directed (tracker, to);
  if (gxmpp_presence_get_presence_type (copy) == GXMPP_PRESENCE_TYPE_AVAILABLE)
    {
      if (index < 0)
        g_ptr_array_add (tracker->directed, gxmpp_jid_ref (to));
    }
  else if (index >= 0)
    {
      g_ptr_array_remove_index (tracker->directed, (guint) index);
    }
  return TRUE;
}

/**
 * gxmpp_presence_tracker_get_directed:
 * @tracker: a tracker
 *
 * Lists the entities that got available directed presence and have not
 * been sent an unavailable one since, in the order they first got it.
 *
 * Returns: (transfer container) (element-type GXmppJid): their addresses
 */
GPtrArray *
gxmpp_presence_tracker_get_directed (GXmppPresenceTracker *tracker)
{
  GPtrArray *directed;

  g_return_val_if_fail (GXMPP_IS_PRESENCE_TRACKER (tracker), NULL);

  directed = g_ptr_array_new_with_free_func ((GDestroyNotify) gxmpp_jid_unref);
  for (guint i = 0; i < tracker->directed->len; i++)
    g_ptr_array_add (directed, gxmpp_jid_ref (tracker->directed->pdata[i]));
  return directed;
}

static void
on_offline_closed (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (gxmpp_session_close_finish (GXMPP_SESSION (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * gxmpp_presence_tracker_go_offline_async:
 * @tracker: a tracker
 * @status: (nullable): why the account goes offline, in the default
 *   language, or %NULL
 * @cancellable: (nullable): a #GCancellable
 * @callback: called once the session is closed
 * @user_data: data for @callback
 *
 * Goes offline properly and closes the session: sends an unavailable
 * presence with @status to each entity that got directed presence, then
 * broadcasts it (RFC 6121 section 4.5.1), then closes the session with
 * [method@GXmpp.Session.close_async]; the callback comes once the session
 * is closed. A session that is not ready is just closed.
 */
void
gxmpp_presence_tracker_go_offline_async (GXmppPresenceTracker *tracker,
                                         const char           *status,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data)
{
  GTask *task;

  g_return_if_fail (GXMPP_IS_PRESENCE_TRACKER (tracker));
  g_return_if_fail (status == NULL || g_utf8_validate (status, -1, NULL));

  task = g_task_new (tracker, cancellable, callback, user_data);
  g_task_set_source_tag (task, gxmpp_presence_tracker_go_offline_async);
  g_task_set_name (task, "[gxmpp] go offline");

  if (gxmpp_session_get_state (tracker->session) == GXMPP_SESSION_STATE_READY)
    {
      g_autoptr(GXmppPresence) unavailable = gxmpp_presence_new (GXMPP_PRESENCE_TYPE_UNAVAILABLE, NULL);
      g_autoptr(GXmppPresence) sent = NULL;
      g_autoptr(GError) error = NULL;

      if (status != NULL)
        gxmpp_presence_set_status (unavailable, NULL, status);
      sent = broadcast (tracker, unavailable);
      /* The stream writes in order: the presence goes before the closing
       * tag. */
      if (!gxmpp_session_send (tracker->session, GXMPP_STANZA (sent), &error))
        g_debug ("Could not send unavailable presence: %s", error->message);
    }
  gxmpp_session_close_async (tracker->session, cancellable, on_offline_closed, task);
}

/**
 * gxmpp_presence_tracker_go_offline_finish:
 * @tracker: a tracker
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@GXmpp.PresenceTracker.go_offline_async].
 *
 * Returns: %TRUE once the session is closed
 */
gboolean
gxmpp_presence_tracker_go_offline_finish (GXmppPresenceTracker  *tracker,
                                          GAsyncResult          *result,
                                          GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, tracker), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        gxmpp_presence_tracker_go_offline_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
