/* gxmpp-stanza-match.c: which stanzas a handler wants
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "gxmpp-stanza-match.h"

/**
 * GXmppStanzaMatch:
 *
 * A description of the stanzas a handler added with
 * [method@GXmpp.Session.add_handler] wants: their kind, their `type`,
 * their sender and a child element. A new match matches every stanza;
 * each setter narrows it.
 *
 * ```c
 * g_autoptr(GXmppStanzaMatch) match = gxmpp_stanza_match_new ();
 *
 * gxmpp_stanza_match_set_kind (match, GXMPP_STANZA_KIND_MESSAGE);
 * gxmpp_stanza_match_set_child (match, "event", "http://jabber.org/protocol/pubsub#event");
 * gxmpp_stanza_match_set_sender (match, GXMPP_SENDER_SERVER, NULL);
 * ```
 */

struct _GXmppStanzaMatch
{
  gatomicrefcount ref_count;
  gboolean any_kind;
  GXmppStanzaKind kind;
  char *type;
  GXmppSenderMatch sender;
  GXmppJid *jid;
  char *child_name;
  char *child_ns;
  gboolean any_child;
};

G_DEFINE_BOXED_TYPE (GXmppStanzaMatch, gxmpp_stanza_match, gxmpp_stanza_match_ref, gxmpp_stanza_match_unref)

/**
 * gxmpp_stanza_match_new:
 *
 * Creates a match that matches every stanza.
 *
 * Returns: (transfer full): a new match
 */
GXmppStanzaMatch *
gxmpp_stanza_match_new (void)
{
  GXmppStanzaMatch *match = g_new0 (GXmppStanzaMatch, 1);

  g_atomic_ref_count_init (&match->ref_count);
  match->any_kind = TRUE;
  match->any_child = TRUE;
  match->sender = GXMPP_SENDER_ANY;
  return match;
}

/**
 * gxmpp_stanza_match_ref:
 * @match: a match
 *
 * Adds a reference.
 *
 * Returns: (transfer full): @match
 */
GXmppStanzaMatch *
gxmpp_stanza_match_ref (GXmppStanzaMatch *match)
{
  g_return_val_if_fail (match != NULL, NULL);
  g_atomic_ref_count_inc (&match->ref_count);
  return match;
}

/**
 * gxmpp_stanza_match_unref:
 * @match: (transfer full): a match
 *
 * Drops a reference.
 */
void
gxmpp_stanza_match_unref (GXmppStanzaMatch *match)
{
  g_return_if_fail (match != NULL);

  if (!g_atomic_ref_count_dec (&match->ref_count))
    return;
  g_free (match->type);
  g_clear_pointer (&match->jid, gxmpp_jid_unref);
  g_free (match->child_name);
  g_free (match->child_ns);
  g_free (match);
}

/**
 * gxmpp_stanza_match_set_kind:
 * @match: a match
 * @kind: the kind of stanza to match
 *
 * Matches only stanzas of @kind.
 */
void
gxmpp_stanza_match_set_kind (GXmppStanzaMatch *match,
                             GXmppStanzaKind   kind)
{
  g_return_if_fail (match != NULL);

  match->any_kind = FALSE;
  match->kind = kind;
}

/**
 * gxmpp_stanza_match_set_type:
 * @match: a match
 * @type: (nullable): the value of the `type` attribute to match, such as
 *   `chat`; %NULL for any
 *
 * Matches only stanzas whose `type` attribute is @type. A message or
 * presence without `type` has the type `normal` or `available` here.
 */
void
gxmpp_stanza_match_set_type (GXmppStanzaMatch *match,
                             const char       *type)
{
  g_return_if_fail (match != NULL);

  g_free (match->type);
  match->type = g_strdup (type);
}

/**
 * gxmpp_stanza_match_set_sender:
 * @match: a match
 * @sender: which senders to match
 * @jid: (nullable): the sender's JID, for %GXMPP_SENDER_JID
 *
 * Matches only stanzas from the given senders.
 */
void
gxmpp_stanza_match_set_sender (GXmppStanzaMatch *match,
                               GXmppSenderMatch  sender,
                               GXmppJid         *jid)
{
  g_return_if_fail (match != NULL);
  g_return_if_fail ((sender == GXMPP_SENDER_JID) == (jid != NULL));

  match->sender = sender;
  if (jid != NULL)
    gxmpp_jid_ref (jid);
  g_clear_pointer (&match->jid, gxmpp_jid_unref);
  match->jid = jid;
}

/**
 * gxmpp_stanza_match_set_child:
 * @match: a match
 * @name: (nullable): the local name of a child element, or %NULL for any
 * @ns: (nullable): the namespace of the child, or %NULL for any
 *
 * Matches only stanzas with a child element of this name and namespace;
 * with both %NULL, any stanza again.
 */
void
gxmpp_stanza_match_set_child (GXmppStanzaMatch *match,
                              const char       *name,
                              const char       *ns)
{
  g_return_if_fail (match != NULL);

  g_free (match->child_name);
  g_free (match->child_ns);
  match->child_name = g_strdup (name);
  match->child_ns = g_strdup (ns);
  match->any_child = name == NULL && ns == NULL;
}

static const char *
effective_type (GXmppStanza *stanza)
{
  const char *type = gxmpp_node_get_attribute (gxmpp_stanza_get_node (stanza), "type");

  if (type != NULL)
    return type;
  switch (gxmpp_stanza_get_kind (stanza))
    {
    case GXMPP_STANZA_KIND_MESSAGE:
      return "normal";
    case GXMPP_STANZA_KIND_PRESENCE:
      return "available";
    case GXMPP_STANZA_KIND_IQ:
    default:
      return NULL;
    }
}

static gboolean
sender_matches (GXmppStanzaMatch *match,
                GXmppJid         *from,
                GXmppJid         *account)
{
  switch (match->sender)
    {
    case GXMPP_SENDER_ANY:
      return TRUE;

    case GXMPP_SENDER_SERVER:
      if (from == NULL)
        return TRUE;
      if (account == NULL)
        return FALSE;
      /* The domain, the bare JID or the full JID of the account. */
      return (gxmpp_jid_is_domain (from) &&
              strcmp (gxmpp_jid_get_domain (from), gxmpp_jid_get_domain (account)) == 0) ||
             (gxmpp_jid_equal_bare (from, account) &&
              (gxmpp_jid_is_bare (from) || gxmpp_jid_equal (from, account)));

    case GXMPP_SENDER_JID:
      if (from == NULL)
        return FALSE;
      return gxmpp_jid_is_bare (match->jid) ? gxmpp_jid_equal_bare (from, match->jid)
                                            : gxmpp_jid_equal (from, match->jid);

    default:
      return FALSE;
    }
}

/**
 * gxmpp_stanza_match_matches:
 * @match: a match
 * @stanza: a stanza
 * @account: (nullable): the session's full JID, for %GXMPP_SENDER_SERVER
 *
 * Checks whether @stanza matches.
 *
 * Returns: %TRUE if it does
 */
gboolean
gxmpp_stanza_match_matches (GXmppStanzaMatch *match,
                            GXmppStanza      *stanza,
                            GXmppJid         *account)
{
  g_return_val_if_fail (match != NULL, FALSE);
  g_return_val_if_fail (GXMPP_IS_STANZA (stanza), FALSE);

  if (!match->any_kind && gxmpp_stanza_get_kind (stanza) != match->kind)
    return FALSE;
  if (match->type != NULL && g_strcmp0 (effective_type (stanza), match->type) != 0)
    return FALSE;
  /* The sender is looked at only when the match cares about it. */
  if (match->sender != GXMPP_SENDER_ANY &&
      !sender_matches (match, gxmpp_stanza_get_from (stanza), account))
    return FALSE;
  if (!match->any_child &&
      gxmpp_node_get_child (gxmpp_stanza_get_node (stanza), match->child_name, match->child_ns) == NULL)
    return FALSE;
  return TRUE;
}
