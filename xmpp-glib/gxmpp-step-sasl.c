/* gxmpp-step-sasl.c: SASL authentication (RFC 6120 section 6)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "gxmpp-error.h"
#include "gxmpp-i18n-private.h"
#include "gxmpp-negotiation-private.h"
#include "gxmpp-ns.h"
#include "gxmpp-sasl-private.h"

typedef struct {
  GXmppStep parent_instance;
} GXmppStepSasl;

typedef struct {
  GXmppStepClass parent_class;
} GXmppStepSaslClass;

static GType gxmpp_step_sasl_get_type (void);
G_DEFINE_FINAL_TYPE (GXmppStepSasl, gxmpp_step_sasl, GXMPP_TYPE_STEP)

typedef struct {
  GXmppNegotiation *negotiation;
  GXmppSaslMechanism *mechanism;
} SaslData;

static void
sasl_data_free (SaslData *data)
{
  g_clear_object (&data->mechanism);
  g_free (data);
}

static gboolean
sasl_applies (GXmppStep         *step,
              GXmppNegotiation  *negotiation,
              GError           **error)
{
  if (negotiation->auth == NULL || negotiation->authenticated)
    return FALSE;

  if (gxmpp_node_get_child (negotiation->features, "mechanisms", GXMPP_NS_SASL) == NULL)
    {
      g_set_error_literal (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM,
                           _("The server does not offer SASL authentication"));
      return FALSE;
    }
  return TRUE;
}

static char **
offered_mechanisms (GXmppNode *features)
{
  GXmppNode *mechanisms = gxmpp_node_get_child (features, "mechanisms", GXMPP_NS_SASL);
  GPtrArray *names = g_ptr_array_new ();
  guint i, n;

  n = gxmpp_node_get_n_children (mechanisms);
  for (i = 0; i < n; i++)
    {
      GXmppNode *child = gxmpp_node_get_child_at (mechanisms, i);

      if (gxmpp_node_is (child, "mechanism", GXMPP_NS_SASL))
        g_ptr_array_add (names, g_strdup (gxmpp_node_get_text (child)));
    }
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);
}

/* XEP-0440: the channel binding types the server can check, from
 * <sasl-channel-binding/> in the features; NULL if it does not say. */
#define NS_SASL_CB "urn:xsf:xep-0440:0"

static char **
announced_channel_bindings (GXmppNode *features)
{
  GXmppNode *list = gxmpp_node_get_child (features, "sasl-channel-binding", NS_SASL_CB);
  GPtrArray *types;
  guint i, n;

  if (list == NULL)
    return NULL;
  types = g_ptr_array_new ();
  n = gxmpp_node_get_n_children (list);
  for (i = 0; i < n; i++)
    {
      GXmppNode *child = gxmpp_node_get_child_at (list, i);
      const char *type = gxmpp_node_get_attribute (child, "type");

      if (gxmpp_node_is (child, "channel-binding", NS_SASL_CB) && type != NULL)
        g_ptr_array_add (types, g_strdup (type));
    }
  g_ptr_array_add (types, NULL);
  return (char **) g_ptr_array_free (types, FALSE);
}

/* Whether to leave the -PLUS mechanisms aside although the TLS connection
 * has channel binding data of @type (see GXmppAuth's documentation): a
 * server that announces its types and not @type cannot check it; one that
 * announces nothing but offers -PLUS over TLS 1.3 may predate RFC 9266
 * (ejabberd 23.01 binds to tls-unique there), so by default the session
 * does not bet the login on tls-exporter. Without -PLUS on offer nothing
 * changes: the plain SCRAM mechanisms then send "y" (RFC 5802 section 6). */
static gboolean
skip_channel_binding (GXmppNegotiation *negotiation,
                      GXmppSaslContext *context,
                      const char       *type)
{
  g_auto(GStrv) announced = announced_channel_bindings (negotiation->features);

  if (!gxmpp_sasl_context_server_offers_plus (context))
    return FALSE;
  if (announced != NULL)
    return !g_strv_contains ((const char * const *) announced, type);
  return g_str_equal (type, "tls-exporter") && gxmpp_auth_uses_default_mechanisms (negotiation->auth);
}

static gboolean
send_sasl_element (GXmppNegotiation  *negotiation,
                   const char        *name,
                   const char        *mechanism,
                   GBytes            *payload,
                   GError           **error)
{
  g_autoptr(GXmppNode) element = gxmpp_node_new (name, GXMPP_NS_SASL);

  if (mechanism != NULL)
    gxmpp_node_set_attribute (element, "mechanism", mechanism);
  if (payload != NULL)
    {
      g_autofree char *text = gxmpp_sasl_encode (payload);

      gxmpp_node_set_text (element, text);
    }
  return gxmpp_stream_write (negotiation->stream, element, error);
}

static GError *
failure_error (GXmppNode *failure)
{
  GXmppAuthError condition = GXMPP_AUTH_ERROR_NOT_AUTHORIZED;
  const char *text = NULL;
  guint i, n;

  n = gxmpp_node_get_n_children (failure);
  for (i = 0; i < n; i++)
    {
      GXmppNode *child = gxmpp_node_get_child_at (failure, i);

      if (gxmpp_node_get_kind (child) != GXMPP_NODE_ELEMENT ||
          g_strcmp0 (gxmpp_node_get_namespace (child), GXMPP_NS_SASL) != 0)
        continue;
      if (strcmp (gxmpp_node_get_name (child), "text") == 0)
        text = gxmpp_node_get_text (child);
      else
        gxmpp_auth_error_from_string (gxmpp_node_get_name (child), &condition);
    }

  if (text != NULL && *text != '\0')
    /* Translators: the first %s describes the error, the second is the
     * server's own words */
    return g_error_new (GXMPP_AUTH_ERROR, condition, _("%s: “%s”"),
                        gxmpp_auth_error_get_description (condition), text);
  return g_error_new_literal (GXMPP_AUTH_ERROR, condition, gxmpp_auth_error_get_description (condition));
}

static void read_next (GTask *task);

static void
on_step (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SaslData *data = g_task_get_task_data (task);
  g_autoptr(GBytes) response = NULL;
  GError *error = NULL;

  response = gxmpp_sasl_mechanism_step_finish (GXMPP_SASL_MECHANISM (source), result, &error);
  if (response == NULL)
    {
      /* Tell the server we give up; the error says why. */
      send_sasl_element (data->negotiation, "abort", NULL, NULL, NULL);
      g_task_return_error (task, error);
      return;
    }

  if (!send_sasl_element (data->negotiation, "response", NULL, response, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  read_next (g_steal_pointer (&task));
}

static void
on_server_element (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SaslData *data = g_task_get_task_data (task);
  g_autoptr(GXmppNode) element = NULL;
  g_autoptr(GBytes) payload = NULL;
  GError *error = NULL;

  element = gxmpp_stream_read_finish (GXMPP_STREAM (source), result, &error);
  if (element == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (gxmpp_node_is (element, "failure", GXMPP_NS_SASL))
    {
      g_task_return_error (task, failure_error (element));
      return;
    }

  if (!gxmpp_node_is (element, "challenge", GXMPP_NS_SASL) &&
      !gxmpp_node_is (element, "success", GXMPP_NS_SASL))
    {
      g_task_return_new_error (task, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_BAD_FORMAT,
                               _("The server sent an unexpected element during authentication"));
      return;
    }

  payload = gxmpp_sasl_decode (gxmpp_node_get_text (element));
  if (payload == NULL)
    {
      send_sasl_element (data->negotiation, "abort", NULL, NULL, NULL);
      g_task_return_new_error (task, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE,
                               _("The server sent authentication data that is not valid base64"));
      return;
    }

  if (gxmpp_node_is (element, "challenge", GXMPP_NS_SASL))
    {
      GCancellable *cancellable = g_task_get_cancellable (task);

      gxmpp_sasl_mechanism_step_async (data->mechanism, payload, cancellable, on_step, g_steal_pointer (&task));
      return;
    }

  /* <success/>: the server says we are in; we believe it only when the
   * mechanism has checked its proof (a SCRAM server signature, a DIGEST-MD5
   * rspauth). An empty <success/> carries no additional data. */
  if (!gxmpp_sasl_mechanism_complete (data->mechanism,
                                      g_bytes_get_size (payload) > 0 ? payload : NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  data->negotiation->authenticated = TRUE;
  g_free (data->negotiation->mechanism);
  data->negotiation->mechanism = g_strdup (gxmpp_sasl_mechanism_get_name (data->mechanism));
  g_debug ("Authenticated with %s", data->negotiation->mechanism);
  g_task_return_int (task, GXMPP_STEP_RESTART);
}

static void
read_next (GTask *task)
{
  SaslData *data = g_task_get_task_data (task);

  gxmpp_stream_read_async (data->negotiation->stream, g_task_get_cancellable (task),
                           on_server_element, task);
}

static void
sasl_run_async (GXmppStep           *step,
                GXmppNegotiation    *negotiation,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (step, cancellable, callback, user_data);
  g_autoptr(GXmppSaslContext) context = NULL;
  g_auto(GStrv) offered = NULL;
  g_autoptr(GBytes) initial = NULL;
  GError *error = NULL;
  SaslData *data;
  GIOStream *base;

  g_task_set_source_tag (task, sasl_run_async);
  g_task_set_name (task, "[gxmpp] SASL");

  data = g_new0 (SaslData, 1);
  data->negotiation = negotiation;
  g_task_set_task_data (task, data, (GDestroyNotify) sasl_data_free);

  context = gxmpp_auth_create_context (negotiation->auth, negotiation->domain);
  base = gxmpp_stream_get_base_stream (negotiation->stream);
  gxmpp_sasl_context_set_secure (context, G_IS_TLS_CONNECTION (base));
  if (G_IS_TLS_CONNECTION (base))
    {
      g_autoptr(GError) cb_error = NULL;

      /* Without channel binding data the -PLUS mechanisms are simply not
       * acceptable; that is not an error by itself. */
      if (!gxmpp_sasl_context_set_channel_binding_from_tls (context, G_TLS_CONNECTION (base), &cb_error))
        g_debug ("No channel binding: %s", cb_error->message);
    }
  offered = offered_mechanisms (negotiation->features);
  gxmpp_sasl_context_set_server_mechanisms (context, (const char * const *) offered);
  {
    const char *type = NULL;

    if (gxmpp_sasl_context_get_channel_binding (context, &type) != NULL &&
        skip_channel_binding (negotiation, context, type))
      {
        g_debug ("Not using channel binding: the server does not announce %s (XEP-0440)", type);
        gxmpp_sasl_context_set_channel_binding (context, NULL, NULL);
      }
  }

  data->mechanism = gxmpp_auth_select_mechanism (negotiation->auth, context, &error);
  if (data->mechanism == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (!gxmpp_sasl_mechanism_start (data->mechanism, context, &initial, &error) ||
      !send_sasl_element (negotiation, "auth", gxmpp_sasl_mechanism_get_name (data->mechanism),
                          initial, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  read_next (g_steal_pointer (&task));
}

static void
gxmpp_step_sasl_class_init (GXmppStepSaslClass *klass)
{
  GXmppStepClass *step_class = GXMPP_STEP_CLASS (klass);

  step_class->applies = sasl_applies;
  step_class->run_async = sasl_run_async;
}

static void
gxmpp_step_sasl_init (GXmppStepSasl *step)
{
}

GXmppStep *
gxmpp_step_sasl_new (void)
{
  return g_object_new (gxmpp_step_sasl_get_type (), NULL);
}
