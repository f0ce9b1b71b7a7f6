/* gxmpp-step-bind.c: resource binding (RFC 6120 section 7)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gxmpp-error.h"
#include "gxmpp-i18n-private.h"
#include "gxmpp-negotiation-private.h"
#include "gxmpp-ns.h"
#include "gxmpp-stanza-error.h"

typedef struct {
  GXmppStep parent_instance;
} GXmppStepBind;

typedef struct {
  GXmppStepClass parent_class;
} GXmppStepBindClass;

static GType gxmpp_step_bind_get_type (void);
G_DEFINE_FINAL_TYPE (GXmppStepBind, gxmpp_step_bind, GXMPP_TYPE_STEP)

static gboolean
bind_applies (GXmppStep         *step,
              GXmppNegotiation  *negotiation,
              GError           **error)
{
  return negotiation->authenticated && negotiation->jid == NULL &&
         gxmpp_node_get_child (negotiation->features, "bind", GXMPP_NS_BIND) != NULL;
}

static void send_bind (GTask *task, const char *resource);

/* Whether the server bound the session to the account it authenticated:
 * the authorization identity's bare JID if there is one, otherwise the
 * user name on the session's domain. Without either (ANONYMOUS, EXTERNAL)
 * the server names the account, but on our domain. A user name that is
 * no valid localpart leaves only the domain to check. */
static gboolean
is_account_jid (GXmppNegotiation *negotiation,
                GXmppJid         *jid)
{
  const char *authzid = gxmpp_auth_get_authzid (negotiation->auth);
  const char *username = gxmpp_auth_get_username (negotiation->auth);
  g_autoptr(GXmppJid) bare = gxmpp_jid_to_bare (jid);
  g_autoptr(GXmppJid) expected = NULL;

  if (authzid != NULL)
    {
      g_autoptr(GXmppJid) authz = gxmpp_jid_new (authzid, NULL);

      expected = authz != NULL ? gxmpp_jid_to_bare (authz) : NULL;
    }
  else if (username != NULL)
    expected = gxmpp_jid_new_from_parts (username, negotiation->domain, NULL, NULL);

  if (expected != NULL)
    return gxmpp_jid_equal (bare, expected);
  return g_strcmp0 (gxmpp_jid_get_domain (jid), negotiation->domain) == 0;
}

static void
on_bound (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GXmppNegotiation *negotiation = g_task_get_task_data (task);
  g_autoptr(GXmppNode) reply = NULL;
  g_autoptr(GError) error = NULL;
  GXmppNode *bind;
  GXmppJid *jid;

  reply = gxmpp_negotiation_iq_finish (result, &error);
  if (reply == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (g_strcmp0 (gxmpp_node_get_attribute (reply, "type"), "error") == 0)
    {
      GXmppNode *error_node = gxmpp_node_get_child (reply, "error", NULL);
      g_autoptr(GXmppStanzaErrorDetails) details =
        error_node != NULL ? gxmpp_stanza_error_details_new_from_node (error_node)
                           : gxmpp_stanza_error_details_new (GXMPP_STANZA_ERROR_UNDEFINED_CONDITION);

      /* RFC 6120 7.7.2.2: the resource we asked for is taken and the server
       * will not take it over. Let the server choose one instead. */
      if (gxmpp_stanza_error_details_get_condition (details) == GXMPP_STANZA_ERROR_CONFLICT &&
          g_object_get_data (G_OBJECT (task), "gxmpp-asked-resource") != NULL)
        {
          g_debug ("The resource is taken; binding one the server chooses");
          send_bind (g_steal_pointer (&task), NULL);
          return;
        }

      g_task_return_error (task, gxmpp_stanza_error_details_to_gerror (details));
      return;
    }

  bind = gxmpp_node_get_child (reply, "bind", GXMPP_NS_BIND);
  jid = bind != NULL ? gxmpp_jid_new (gxmpp_node_get_child_text (bind, "jid", GXMPP_NS_BIND) != NULL ? gxmpp_node_get_child_text (bind, "jid", GXMPP_NS_BIND) : "", NULL) : NULL;
  if (jid == NULL || !gxmpp_jid_is_full (jid))
    {
      g_clear_pointer (&jid, gxmpp_jid_unref);
      g_task_return_new_error (task, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_BAD_FORMAT,
                               _("The server bound a resource but did not say to which address"));
      return;
    }

  /* Anything else would have the session speak, and check who answers
   * its IQs, as somebody else. */
  if (!is_account_jid (negotiation, jid))
    {
      g_task_return_new_error (task, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_BAD_FORMAT,
                               _("The server bound the session to %s, which is not this account’s address"),
                               gxmpp_jid_to_string (jid));
      gxmpp_jid_unref (jid);
      return;
    }

  negotiation->jid = jid;
  g_debug ("Bound to %s", gxmpp_jid_to_string (jid));
  g_task_return_int (task, GXMPP_STEP_CONTINUE);
}

static void
send_bind (GTask      *task,
           const char *resource)
{
  GXmppNegotiation *negotiation = g_task_get_task_data (task);
  g_autoptr(GXmppNode) iq = gxmpp_node_new ("iq", GXMPP_NS_CLIENT);
  GXmppNode *bind;

  gxmpp_node_set_attribute (iq, "type", "set");
  bind = gxmpp_node_add_child (iq, "bind", GXMPP_NS_BIND);
  if (resource != NULL)
    gxmpp_node_add_child_with_text (bind, "resource", NULL, resource);
  g_object_set_data (G_OBJECT (task), "gxmpp-asked-resource", GINT_TO_POINTER (resource != NULL));

  gxmpp_negotiation_iq_async (negotiation, iq, g_task_get_cancellable (task), on_bound, task);
}

static void
bind_run_async (GXmppStep           *step,
                GXmppNegotiation    *negotiation,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  GTask *task = g_task_new (step, cancellable, callback, user_data);

  g_task_set_source_tag (task, bind_run_async);
  g_task_set_name (task, "[gxmpp] bind");
  g_task_set_task_data (task, negotiation, NULL);
  send_bind (task, negotiation->resource != NULL ? negotiation->resource
                                                 : gxmpp_auth_get_resource (negotiation->auth));
}

static void
gxmpp_step_bind_class_init (GXmppStepBindClass *klass)
{
  GXmppStepClass *step_class = GXMPP_STEP_CLASS (klass);

  step_class->applies = bind_applies;
  step_class->run_async = bind_run_async;
}

static void
gxmpp_step_bind_init (GXmppStepBind *step)
{
}

GXmppStep *
gxmpp_step_bind_new (void)
{
  return g_object_new (gxmpp_step_bind_get_type (), NULL);
}
