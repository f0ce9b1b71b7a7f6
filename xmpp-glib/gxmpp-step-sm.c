/* gxmpp-step-sm.c: stream management (XEP-0198): resuming and enabling
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gxmpp-error.h"
#include "gxmpp-i18n-private.h"
#include "gxmpp-negotiation-private.h"
#include "gxmpp-ns.h"
#include "gxmpp-sm-private.h"

/* Both steps send one nonza and read the server's answer: one of two
 * elements in the stream management namespace. */

typedef struct {
  GXmppNegotiation *negotiation;
  const char *success;      /* "resumed" or "enabled" */
} SmExchange;

static void
on_sm_answer (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GXmppNode) element = NULL;
  g_autoptr(GError) error = NULL;
  SmExchange *exchange = g_task_get_task_data (task);
  GCancellable *cancellable;

  element = gxmpp_stream_read_finish (GXMPP_STREAM (source), result, &error);
  if (element == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (gxmpp_node_is (element, exchange->success, GXMPP_NS_SM) ||
      gxmpp_node_is (element, "failed", GXMPP_NS_SM))
    {
      g_task_return_pointer (task, g_steal_pointer (&element), (GDestroyNotify) gxmpp_node_unref);
      return;
    }

  if (!gxmpp_negotiation_keep_early (exchange->negotiation, element, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  cancellable = g_task_get_cancellable (task);
  gxmpp_stream_read_async (GXMPP_STREAM (source), cancellable, on_sm_answer, g_steal_pointer (&task));
}

static void
sm_exchange (GXmppStep           *step,
             GXmppNegotiation    *negotiation,
             GXmppNode           *request,
             const char          *success,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (step, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  SmExchange *exchange = g_new0 (SmExchange, 1);

  g_task_set_source_tag (task, sm_exchange);
  g_task_set_name (task, "[gxmpp] stream management");
  exchange->negotiation = negotiation;
  exchange->success = success;
  g_task_set_task_data (task, exchange, g_free);

  if (!gxmpp_stream_write (negotiation->stream, request, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  gxmpp_stream_read_async (negotiation->stream, cancellable, on_sm_answer, g_steal_pointer (&task));
}

static gboolean
sm_offered (GXmppNegotiation *negotiation)
{
  return gxmpp_node_get_child (negotiation->features, "sm", GXMPP_NS_SM) != NULL;
}

/* The step's outcome from the answer; @element is what came. */
static void
take_h (GXmppNegotiation *negotiation,
        GXmppNode        *element)
{
  guint32 h;

  if (gxmpp_sm_parse_h (gxmpp_node_get_attribute (element, "h"), &h))
    {
      negotiation->sm_have_h = TRUE;
      negotiation->sm_h = h;
    }
}

/* Resuming: after authentication, before binding. */

typedef struct {
  GXmppStep parent_instance;
} GXmppStepSmResume;

typedef struct {
  GXmppStepClass parent_class;
} GXmppStepSmResumeClass;

static GType gxmpp_step_sm_resume_get_type (void);
G_DEFINE_FINAL_TYPE (GXmppStepSmResume, gxmpp_step_sm_resume, GXMPP_TYPE_STEP)

static gboolean
resume_applies (GXmppStep         *step,
                GXmppNegotiation  *negotiation,
                GError           **error)
{
  return negotiation->authenticated && negotiation->jid == NULL &&
         negotiation->sm_resume_id != NULL && sm_offered (negotiation);
}

static void
on_resume_answer (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GXmppNegotiation *negotiation = g_task_get_task_data (task);
  g_autoptr(GXmppNode) element = NULL;
  GError *error = NULL;

  element = g_task_propagate_pointer (G_TASK (result), &error);
  if (element == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  take_h (negotiation, element);
  if (gxmpp_node_is (element, "resumed", GXMPP_NS_SM))
    {
      if (!negotiation->sm_have_h ||
          g_strcmp0 (gxmpp_node_get_attribute (element, "previd"), negotiation->sm_resume_id) != 0)
        {
          g_task_return_new_error (task, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_BAD_FORMAT,
                                   _("The server resumed another stream than the one asked for"));
          return;
        }
      negotiation->sm_resumed = TRUE;
      negotiation->sm_enabled = TRUE;
      negotiation->sm_id = g_strdup (negotiation->sm_resume_id);
      negotiation->jid = gxmpp_jid_ref (negotiation->sm_resume_jid);
      g_debug ("Resumed the stream; the server had %u stanzas", (guint) negotiation->sm_h);
    }
  else
    g_debug ("The server could not resume the stream; binding afresh");

  /* Not to be tried again on this connection. */
  g_clear_pointer (&negotiation->sm_resume_id, g_free);
  g_task_return_int (task, GXMPP_STEP_CONTINUE);
}

static void
resume_run_async (GXmppStep           *step,
                  GXmppNegotiation    *negotiation,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  GTask *task = g_task_new (step, cancellable, callback, user_data);
  g_autoptr(GXmppNode) resume = gxmpp_node_new ("resume", GXMPP_NS_SM);
  char h[16];

  g_task_set_source_tag (task, resume_run_async);
  g_task_set_name (task, "[gxmpp] resume");
  g_task_set_task_data (task, negotiation, NULL);

  g_snprintf (h, sizeof h, "%u", (guint) negotiation->sm_handled);
  gxmpp_node_set_attribute (resume, "previd", negotiation->sm_resume_id);
  gxmpp_node_set_attribute (resume, "h", h);
  sm_exchange (step, negotiation, resume, "resumed", cancellable, on_resume_answer, task);
}

static void
gxmpp_step_sm_resume_class_init (GXmppStepSmResumeClass *klass)
{
  GXmppStepClass *step_class = GXMPP_STEP_CLASS (klass);

  step_class->applies = resume_applies;
  step_class->run_async = resume_run_async;
}

static void
gxmpp_step_sm_resume_init (GXmppStepSmResume *step)
{
}

GXmppStep *
gxmpp_step_sm_resume_new (void)
{
  return g_object_new (gxmpp_step_sm_resume_get_type (), NULL);
}

/* Enabling: after binding (and the legacy session), on a fresh stream. */

typedef struct {
  GXmppStep parent_instance;
} GXmppStepSmEnable;

typedef struct {
  GXmppStepClass parent_class;
} GXmppStepSmEnableClass;

static GType gxmpp_step_sm_enable_get_type (void);
G_DEFINE_FINAL_TYPE (GXmppStepSmEnable, gxmpp_step_sm_enable, GXMPP_TYPE_STEP)

static gboolean
enable_applies (GXmppStep         *step,
                GXmppNegotiation  *negotiation,
                GError           **error)
{
  return negotiation->sm_wanted && negotiation->jid != NULL && !negotiation->sm_resumed &&
         !negotiation->sm_enabled && sm_offered (negotiation);
}

static void
on_enable_answer (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GXmppNegotiation *negotiation = g_task_get_task_data (task);
  g_autoptr(GXmppNode) element = NULL;
  GError *error = NULL;

  element = g_task_propagate_pointer (G_TASK (result), &error);
  if (element == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (gxmpp_node_is (element, "enabled", GXMPP_NS_SM))
    {
      const char *resume = gxmpp_node_get_attribute (element, "resume");
      const char *id = gxmpp_node_get_attribute (element, "id");

      negotiation->sm_enabled = TRUE;
      if (id != NULL && (g_strcmp0 (resume, "true") == 0 || g_strcmp0 (resume, "1") == 0))
        negotiation->sm_id = g_strdup (id);
      g_debug ("Stream management enabled%s", negotiation->sm_id != NULL ? ", resumable" : "");
    }
  else
    /* Not fatal: the session goes on without acknowledgements. */
    g_debug ("The server refused to enable stream management");

  g_task_return_int (task, GXMPP_STEP_CONTINUE);
}

static void
enable_run_async (GXmppStep           *step,
                  GXmppNegotiation    *negotiation,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  GTask *task = g_task_new (step, cancellable, callback, user_data);
  g_autoptr(GXmppNode) enable = gxmpp_node_new ("enable", GXMPP_NS_SM);

  g_task_set_source_tag (task, enable_run_async);
  g_task_set_name (task, "[gxmpp] enable stream management");
  g_task_set_task_data (task, negotiation, NULL);

  gxmpp_node_set_attribute (enable, "resume", "true");
  sm_exchange (step, negotiation, enable, "enabled", cancellable, on_enable_answer, task);
}

static void
gxmpp_step_sm_enable_class_init (GXmppStepSmEnableClass *klass)
{
  GXmppStepClass *step_class = GXMPP_STEP_CLASS (klass);

  step_class->applies = enable_applies;
  step_class->run_async = enable_run_async;
}

static void
gxmpp_step_sm_enable_init (GXmppStepSmEnable *step)
{
}

GXmppStep *
gxmpp_step_sm_enable_new (void)
{
  return g_object_new (gxmpp_step_sm_enable_get_type (), NULL);
}
