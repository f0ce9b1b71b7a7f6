/* gxmpp-step-starttls.c: STARTTLS (RFC 6120 section 5)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gxmpp-error.h"
#include "gxmpp-i18n-private.h"
#include "gxmpp-negotiation-private.h"
#include "gxmpp-ns.h"
#include "gxmpp-stream-private.h"

typedef struct {
  GXmppStep parent_instance;
} GXmppStepStarttls;

typedef struct {
  GXmppStepClass parent_class;
} GXmppStepStarttlsClass;

static GType gxmpp_step_starttls_get_type (void);
G_DEFINE_FINAL_TYPE (GXmppStepStarttls, gxmpp_step_starttls, GXMPP_TYPE_STEP)

/* The policy is applied here, before anything else happens on the stream:
 * with REQUIRE, a server (or a man in the middle) that does not offer
 * STARTTLS ends the negotiation before a single credential is sent. */
static gboolean
starttls_applies (GXmppStep         *step,
                  GXmppNegotiation  *negotiation,
                  GError           **error)
{
  GXmppNode *starttls;
  gboolean required;

  if (gxmpp_stream_is_secure (negotiation->stream))
    return FALSE;

  starttls = gxmpp_node_get_child (negotiation->features, "starttls", GXMPP_NS_TLS);
  required = starttls != NULL && gxmpp_node_get_child (starttls, "required", GXMPP_NS_TLS) != NULL;

  switch (gxmpp_stream_config_get_tls_policy (negotiation->stream_config))
    {
    case GXMPP_TLS_POLICY_REFUSE:
      if (required)
        g_set_error_literal (error, GXMPP_ERROR, GXMPP_ERROR_TLS_FAILED,
                             _("The server requires TLS, which the session’s TLS policy refuses"));
      return FALSE;

    case GXMPP_TLS_POLICY_PREFER:
      return starttls != NULL;

    case GXMPP_TLS_POLICY_REQUIRE:
    case GXMPP_TLS_POLICY_DIRECT:
    default:
      if (starttls == NULL)
        {
          g_set_error_literal (error, GXMPP_ERROR, GXMPP_ERROR_TLS_NOT_OFFERED,
                               _("The server does not offer TLS, which the session requires"));
          return FALSE;
        }
      return TRUE;
    }
}

static void
on_tls (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GXmppNegotiation *negotiation = g_task_get_task_data (task);
  g_autoptr(GTlsConnection) tls = NULL;
  GError *error = NULL;

  tls = gxmpp_transport_start_tls_finish (result, &error);
  if (tls == NULL || !gxmpp_stream_replace_base_stream (negotiation->stream, G_IO_STREAM (tls), &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_task_return_int (task, GXMPP_STEP_RESTART);
}

static void
on_answer (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GXmppNegotiation *negotiation = g_task_get_task_data (task);
  g_autoptr(GXmppNode) answer = NULL;
  g_autoptr(GError) error = NULL;

  answer = gxmpp_stream_read_finish (negotiation->stream, result, &error);
  if (answer == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (gxmpp_node_is (answer, "proceed", GXMPP_NS_TLS))
    {
      GCancellable *cancellable = g_task_get_cancellable (task);

      /* Whatever the server sends after <proceed/> has to be TLS: plain
       * text that came with it is an injection (CVE-2011-0411 style), and
       * the handshake does not even start. */
      if (!gxmpp_stream_check_nothing_pending (negotiation->stream, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }

      gxmpp_transport_start_tls_async (gxmpp_stream_get_base_stream (negotiation->stream),
                                       negotiation->domain, negotiation->stream_config, FALSE,
                                       negotiation->accept_certificate, negotiation->accept_data,
                                       cancellable, on_tls, g_steal_pointer (&task));
      return;
    }

  if (gxmpp_node_is (answer, "failure", GXMPP_NS_TLS))
    g_task_return_new_error (task, GXMPP_ERROR, GXMPP_ERROR_TLS_FAILED,
                             _("The server refused to start TLS"));
  else
    g_task_return_new_error (task, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_BAD_FORMAT,
                             _("The server answered STARTTLS with neither <proceed/> nor <failure/>"));
}

static void
starttls_run_async (GXmppStep           *step,
                    GXmppNegotiation    *negotiation,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (step, cancellable, callback, user_data);
  g_autoptr(GXmppNode) starttls = gxmpp_node_new ("starttls", GXMPP_NS_TLS);
  g_autoptr(GError) error = NULL;

  g_task_set_source_tag (task, starttls_run_async);
  g_task_set_name (task, "[gxmpp] STARTTLS");
  g_task_set_task_data (task, negotiation, NULL);

  if (!gxmpp_stream_write (negotiation->stream, starttls, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  gxmpp_stream_read_async (negotiation->stream, cancellable, on_answer, g_steal_pointer (&task));
}

static void
gxmpp_step_starttls_class_init (GXmppStepStarttlsClass *klass)
{
  GXmppStepClass *step_class = GXMPP_STEP_CLASS (klass);

  step_class->applies = starttls_applies;
  step_class->run_async = starttls_run_async;
}

static void
gxmpp_step_starttls_init (GXmppStepStarttls *step)
{
}

GXmppStep *
gxmpp_step_starttls_new (void)
{
  return g_object_new (gxmpp_step_starttls_get_type (), NULL);
}
