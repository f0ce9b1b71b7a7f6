/* gxmpp-step-session.c: the legacy session of RFC 3921 section 3
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gxmpp-error.h"
#include "gxmpp-negotiation-private.h"
#include "gxmpp-ns.h"
#include "gxmpp-stanza-error.h"

typedef struct {
  GXmppStep parent_instance;
} GXmppStepSession;

typedef struct {
  GXmppStepClass parent_class;
} GXmppStepSessionClass;

static GType gxmpp_step_session_get_type (void);
G_DEFINE_FINAL_TYPE (GXmppStepSession, gxmpp_step_session, GXMPP_TYPE_STEP)

/* Only when the server requires it (no <optional/>, RFC 6121 appendix E),
 * or when the application asked for it. */
static gboolean
session_applies (GXmppStep         *step,
                 GXmppNegotiation  *negotiation,
                 GError           **error)
{
  GXmppNode *session;

  if (negotiation->jid == NULL || negotiation->sm_resumed)
    return FALSE;
  session = gxmpp_node_get_child (negotiation->features, "session", GXMPP_NS_SESSION);
  if (session == NULL)
    return FALSE;
  return gxmpp_node_get_child (session, "optional", GXMPP_NS_SESSION) == NULL ||
         gxmpp_stream_config_get_establish_session (negotiation->stream_config);
}

static void
on_session (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GXmppNode) reply = NULL;
  g_autoptr(GError) error = NULL;

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

      g_task_return_error (task, gxmpp_stanza_error_details_to_gerror (details));
      return;
    }

  g_task_return_int (task, GXMPP_STEP_CONTINUE);
}

static void
session_run_async (GXmppStep           *step,
                   GXmppNegotiation    *negotiation,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  GTask *task = g_task_new (step, cancellable, callback, user_data);
  g_autoptr(GXmppNode) iq = gxmpp_node_new ("iq", GXMPP_NS_CLIENT);

  g_task_set_source_tag (task, session_run_async);
  g_task_set_name (task, "[gxmpp] legacy session");

  gxmpp_node_set_attribute (iq, "type", "set");
  gxmpp_node_add_child (iq, "session", GXMPP_NS_SESSION);
  gxmpp_negotiation_iq_async (negotiation, iq, cancellable, on_session, task);
}

static void
gxmpp_step_session_class_init (GXmppStepSessionClass *klass)
{
  GXmppStepClass *step_class = GXMPP_STEP_CLASS (klass);

  step_class->applies = session_applies;
  step_class->run_async = session_run_async;
}

static void
gxmpp_step_session_init (GXmppStepSession *step)
{
}

GXmppStep *
gxmpp_step_session_new (void)
{
  return g_object_new (gxmpp_step_session_get_type (), NULL);
}
