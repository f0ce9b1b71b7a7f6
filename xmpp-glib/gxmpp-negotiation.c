/* gxmpp-negotiation.c: from a connection to a ready stream
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * RFC 6120 negotiation as a sequence of steps: connect, open the stream,
 * read the features, run each step that applies (STARTTLS, SASL, resource
 * binding, the legacy session), opening a new stream after the ones that
 * change it, until none is left. Each step is a small object in its own
 * file (gxmpp-step-*.c); this file is the driver.
 */

#include "config.h"

#include <string.h>

#include "gxmpp-error.h"
#include "gxmpp-i18n-private.h"
#include "gxmpp-negotiation-private.h"
#include "gxmpp-ns.h"
#include "gxmpp-stanza-private.h"
#include "gxmpp-stream-private.h"

#define MAX_REDIRECTS 3

G_DEFINE_ABSTRACT_TYPE (GXmppStep, gxmpp_step, G_TYPE_OBJECT)

/* Steps return their outcome with g_task_return_int() on a GTask whose
 * source object is the step. */
static int
gxmpp_step_real_run_finish (GXmppStep     *step,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, step), -1);

  return (int) g_task_propagate_int (G_TASK (result), error);
}

static void
gxmpp_step_class_init (GXmppStepClass *klass)
{
  klass->run_finish = gxmpp_step_real_run_finish;
}

static void
gxmpp_step_init (GXmppStep *step)
{
}

void
gxmpp_negotiation_clear (GXmppNegotiation *negotiation)
{
  g_clear_object (&negotiation->config);
  g_clear_object (&negotiation->stream_config);
  g_clear_object (&negotiation->auth);
  g_clear_pointer (&negotiation->domain, g_free);
  gxmpp_negotiation_reset (negotiation, NULL, NULL, 0);
}

void
gxmpp_negotiation_reset (GXmppNegotiation *negotiation,
                         GXmppJid         *jid,
                         const char       *resume_id,
                         guint32           handled)
{
  g_autoptr(GXmppJid) previous = jid != NULL ? gxmpp_jid_ref (jid) : NULL;

  g_clear_object (&negotiation->stream);
  g_clear_pointer (&negotiation->features, gxmpp_node_unref);
  g_clear_pointer (&negotiation->jid, gxmpp_jid_unref);
  g_clear_pointer (&negotiation->mechanism, g_free);
  g_clear_pointer (&negotiation->resource, g_free);
  g_clear_pointer (&negotiation->sm_resume_id, g_free);
  g_clear_pointer (&negotiation->sm_resume_jid, gxmpp_jid_unref);
  g_clear_pointer (&negotiation->sm_id, g_free);
  negotiation->authenticated = FALSE;
  negotiation->sm_resumed = FALSE;
  negotiation->sm_have_h = FALSE;
  negotiation->sm_h = 0;
  negotiation->sm_enabled = FALSE;
  negotiation->sm_handled = 0;
  g_queue_clear_full (&negotiation->early, (GDestroyNotify) gxmpp_node_unref);

  if (previous != NULL && gxmpp_jid_get_resource (previous) != NULL)
    negotiation->resource = g_strdup (gxmpp_jid_get_resource (previous));
  if (resume_id != NULL && previous != NULL)
    {
      negotiation->sm_resume_id = g_strdup (resume_id);
      negotiation->sm_resume_jid = g_steal_pointer (&previous);
      negotiation->sm_handled = handled;
    }
}

/* Base64 */

GBytes *
gxmpp_sasl_decode (const char *text)
{
  gsize len = strlen (text), i, decoded_len;
  guchar *decoded;

  /* RFC 6120 6.4.2: "=" is an empty payload. */
  if (len == 0 || strcmp (text, "=") == 0)
    return g_bytes_new (NULL, 0);

  /* g_base64_decode() skips what it does not understand; SASL data must
   * be exactly base64 (RFC 4648 section 4, no line breaks). */
  if (len % 4 != 0)
    return NULL;
  for (i = 0; i < len; i++)
    {
      char c = text[i];

      if (g_ascii_isalnum (c) || c == '+' || c == '/')
        continue;
      if (c == '=' && (i == len - 1 || (i == len - 2 && text[len - 1] == '=')))
        continue;
      return NULL;
    }

  decoded = g_base64_decode (text, &decoded_len);
  return g_bytes_new_take (decoded, decoded_len);
}

char *
gxmpp_sasl_encode (GBytes *data)
{
  gsize len;
  const guchar *bytes = g_bytes_get_data (data, &len);

  if (len == 0)
    return g_strdup ("=");
  return g_base64_encode (bytes, len);
}

/* Stanzas a negotiation keeps for the session at most: a server has no
 * reason to send many before the client is ready. */
#define MAX_EARLY_STANZAS 1000

gboolean
gxmpp_negotiation_keep_early (GXmppNegotiation  *negotiation,
                              GXmppNode         *element,
                              GError           **error)
{
  if (negotiation->jid == NULL || !gxmpp_node_is_stanza (element))
    {
      g_debug ("Ignoring an unexpected element during negotiation");
      return TRUE;
    }
  if (negotiation->early.length >= MAX_EARLY_STANZAS)
    {
      g_set_error (error, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_POLICY_VIOLATION,
                   _("The server sent more than %u stanzas before the session was ready"),
                   MAX_EARLY_STANZAS);
      return FALSE;
    }
  g_queue_push_tail (&negotiation->early, gxmpp_node_ref (element));
  return TRUE;
}

/* IQs during negotiation */

typedef struct {
  char *id;
  GXmppNegotiation *negotiation;
} IqData;

static void
iq_data_free (IqData *data)
{
  g_free (data->id);
  g_free (data);
}

static void
on_iq_reply (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  IqData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppNode) element = NULL;
  GCancellable *cancellable;
  const char *type;

  element = gxmpp_stream_read_finish (GXMPP_STREAM (source), result, &error);
  if (element == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  type = gxmpp_node_get_attribute (element, "type");
  if (gxmpp_node_is (element, "iq", NULL) &&
      g_strcmp0 (gxmpp_node_get_attribute (element, "id"), data->id) == 0 &&
      (g_strcmp0 (type, "result") == 0 || g_strcmp0 (type, "error") == 0) &&
      gxmpp_node_get_attribute (element, "from") == NULL)
    {
      g_task_return_pointer (task, g_steal_pointer (&element), (GDestroyNotify) gxmpp_node_unref);
      return;
    }

  /* The reply must come from the server itself (no 'from'). Before
   * binding, only the server talks to us, about this exchange; after,
   * others may already. */
  if (!gxmpp_negotiation_keep_early (data->negotiation, element, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* Not in one call: the order arguments are evaluated in is unspecified,
   * and g_steal_pointer() would empty @task first. */
  cancellable = g_task_get_cancellable (task);
  gxmpp_stream_read_async (GXMPP_STREAM (source), cancellable, on_iq_reply, g_steal_pointer (&task));
}

void
gxmpp_negotiation_iq_async (GXmppNegotiation    *negotiation,
                            GXmppNode           *iq,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GXmppNode) copy = gxmpp_node_copy (iq);
  g_autoptr(GError) error = NULL;
  IqData *data = g_new0 (IqData, 1);

  g_task_set_source_tag (task, gxmpp_negotiation_iq_async);
  g_task_set_name (task, "[gxmpp] negotiation IQ");

  data->id = gxmpp_session_config_make_stanza_id (negotiation->config);
  data->negotiation = negotiation;
  g_task_set_task_data (task, data, (GDestroyNotify) iq_data_free);

  gxmpp_node_set_attribute (copy, "id", data->id);
  if (!gxmpp_stream_write (negotiation->stream, copy, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  gxmpp_stream_read_async (negotiation->stream, cancellable, on_iq_reply, g_steal_pointer (&task));
}

GXmppNode *
gxmpp_negotiation_iq_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* The driver */

typedef struct {
  GXmppNegotiation *negotiation;
  GPtrArray *steps;          /* GXmppStep */
  gboolean *done;            /* per step */
  guint current;
  guint redirects;
} DriverData;

static void
driver_data_free (DriverData *data)
{
  g_ptr_array_unref (data->steps);
  g_free (data->done);
  g_free (data);
}

static void open_stream (GTask *task);
static void run_steps (GTask *task);
static void connect_to (GTask *task, const char *host, guint16 port);

/* Ends the negotiation with @error, closing what there is of the stream:
 * the peer learns nothing more than that we left. */
static void
fail (GTask  *task,
      GError *error)
{
  DriverData *data = g_task_get_task_data (task);
  GXmppStream *stream = data->negotiation->stream;

  if (stream != NULL)
    gxmpp_stream_close_async (stream, 1000, NULL, NULL, NULL);
  g_task_return_error (task, error);
  g_object_unref (task);
}

/* see-other-host: "host", "host:port", "[v6]:port" (RFC 6120 4.9.3.19). */
static gboolean
parse_redirect (const char  *text,
                char       **host,
                guint16     *port)
{
  const char *colon;
  guint64 value = 5222;

  if (text == NULL || *text == '\0')
    return FALSE;

  if (text[0] == '[')
    {
      const char *end = strchr (text, ']');

      if (end == NULL)
        return FALSE;
      *host = g_strndup (text + 1, end - text - 1);
      colon = end[1] == ':' ? end + 1 : NULL;
      if (end[1] != '\0' && colon == NULL)
        {
          g_clear_pointer (host, g_free);
          return FALSE;
        }
    }
  else
    {
      colon = strrchr (text, ':');
      *host = colon != NULL ? g_strndup (text, colon - text) : g_strdup (text);
    }

  if (colon != NULL && !g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &value, NULL))
    {
      g_clear_pointer (host, g_free);
      return FALSE;
    }

  *port = (guint16) value;
  return **host != '\0';
}

/* A stream error during negotiation may be a redirect to follow. */
static gboolean
maybe_redirect (GTask        *task,
                const GError *error)
{
  DriverData *data = g_task_get_task_data (task);
  GXmppNode *element;
  GXmppNode *condition;
  g_autofree char *host = NULL;
  guint16 port;

  if (!g_error_matches (error, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_SEE_OTHER_HOST))
    return FALSE;

  element = gxmpp_stream_get_error_element (data->negotiation->stream);
  condition = element != NULL ? gxmpp_node_get_child (element, "see-other-host", GXMPP_NS_STREAM_ERRORS) : NULL;
  if (condition == NULL || !parse_redirect (gxmpp_node_get_text (condition), &host, &port))
    return FALSE;

  if (++data->redirects > MAX_REDIRECTS)
    {
      fail (task, g_error_new (GXMPP_ERROR, GXMPP_ERROR_CONNECTION_FAILED,
                               _("The server redirected the connection too many times")));
      return TRUE;
    }

  g_debug ("Redirected to %s port %u", host, port);
  gxmpp_stream_close_async (data->negotiation->stream, 0, NULL, NULL, NULL);
  g_clear_object (&data->negotiation->stream);
  g_clear_pointer (&data->negotiation->features, gxmpp_node_unref);
  memset (data->done, 0, data->steps->len * sizeof (gboolean));
  connect_to (task, host, port);
  return TRUE;
}

static void
on_step_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  DriverData *data = g_task_get_task_data (task);
  GXmppStep *step = GXMPP_STEP (source);
  GError *error = NULL;
  int outcome;

  outcome = GXMPP_STEP_GET_CLASS (step)->run_finish (step, result, &error);
  if (outcome < 0)
    {
      if (!maybe_redirect (task, error))
        fail (task, error);
      else
        g_error_free (error);
      return;
    }

  data->done[data->current] = TRUE;
  if (outcome == GXMPP_STEP_RESTART)
    open_stream (task);
  else
    run_steps (task);
}

static void
run_steps (GTask *task)
{
  DriverData *data = g_task_get_task_data (task);
  GXmppNegotiation *negotiation = data->negotiation;
  guint i;

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  for (i = 0; i < data->steps->len; i++)
    {
      GXmppStep *step = data->steps->pdata[i];
      GError *error = NULL;

      if (data->done[i])
        continue;

      if (!GXMPP_STEP_GET_CLASS (step)->applies (step, negotiation, &error))
        {
          if (error != NULL)
            {
              fail (task, error);
              return;
            }
          continue;
        }

      data->current = i;
      GXMPP_STEP_GET_CLASS (step)->run_async (step, negotiation, g_task_get_cancellable (task),
                                              on_step_done, task);
      return;
    }

  /* Nothing left to negotiate. An authenticated stream must have bound a
   * resource: a server without resource binding is no XMPP server. */
  if (negotiation->auth != NULL && negotiation->jid == NULL)
    {
      fail (task, g_error_new_literal (GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_UNSUPPORTED_FEATURE,
                                       _("The server does not offer resource binding")));
      return;
    }

  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
on_features (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  DriverData *data = g_task_get_task_data (task);
  GError *error = NULL;
  GXmppNode *features;

  features = gxmpp_stream_read_finish (GXMPP_STREAM (source), result, &error);
  if (features == NULL)
    {
      if (!maybe_redirect (task, error))
        fail (task, error);
      else
        g_error_free (error);
      return;
    }

  if (!gxmpp_node_is (features, "features", GXMPP_NS_STREAMS))
    {
      gxmpp_node_unref (features);
      gxmpp_stream_send_error (GXMPP_STREAM (source), GXMPP_STREAM_ERROR_BAD_FORMAT, NULL);
      fail (task, g_error_new_literal (GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_BAD_FORMAT,
                                       _("The server did not send its stream features")));
      return;
    }

  g_clear_pointer (&data->negotiation->features, gxmpp_node_unref);
  data->negotiation->features = features;
  run_steps (task);
}

static gboolean
version_supported (const char *version)
{
  guint64 major;
  const char *dot;

  /* RFC 6120 4.7.5: "1.0" or later in major version 1; no version at all
   * is a pre-XMPP-1.0 server, which has no stream features. */
  if (version == NULL)
    return FALSE;
  dot = strchr (version, '.');
  if (dot == NULL)
    return FALSE;
  {
    g_autofree char *major_text = g_strndup (version, dot - version);

    if (!g_ascii_string_to_unsigned (major_text, 10, 0, G_MAXUINT32, &major, NULL))
      return FALSE;
  }
  return major == 1;
}

static void
on_stream_opened (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  g_autoptr(GXmppNode) header = NULL;

  header = gxmpp_stream_open_finish (GXMPP_STREAM (source), result, &error);
  if (header == NULL)
    {
      if (!maybe_redirect (task, error))
        fail (task, error);
      else
        g_error_free (error);
      return;
    }

  if (!version_supported (gxmpp_node_get_attribute (header, "version")))
    {
      gxmpp_stream_send_error (GXMPP_STREAM (source), GXMPP_STREAM_ERROR_UNSUPPORTED_VERSION, NULL);
      fail (task, g_error_new (GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_UNSUPPORTED_VERSION,
                               _("The server speaks XMPP version “%s”; version 1.0 is needed"),
                               gxmpp_node_get_attribute (header, "version") != NULL
                                 ? gxmpp_node_get_attribute (header, "version") : ""));
      return;
    }

  gxmpp_stream_read_async (GXMPP_STREAM (source), g_task_get_cancellable (task), on_features, task);
}

static void
open_stream (GTask *task)
{
  DriverData *data = g_task_get_task_data (task);
  GXmppNegotiation *negotiation = data->negotiation;
  GXmppJid *to_jid = gxmpp_stream_config_get_to_jid (negotiation->stream_config);
  g_autofree char *from = NULL;

  /* Our address only over TLS (RFC 6120 4.7.1), so that it does not leak. */
  if (gxmpp_stream_is_secure (negotiation->stream) && negotiation->auth != NULL &&
      gxmpp_auth_get_username (negotiation->auth) != NULL)
    {
      g_autoptr(GXmppJid) bare = gxmpp_jid_new_from_parts (gxmpp_auth_get_username (negotiation->auth),
                                                           negotiation->domain, NULL, NULL);
      if (bare != NULL)
        from = g_strdup (gxmpp_jid_to_string (bare));
    }

  gxmpp_stream_open_async (negotiation->stream,
                           to_jid != NULL ? gxmpp_jid_to_string (to_jid) : negotiation->domain,
                           from,
                           gxmpp_stream_config_get_preferred_lang (negotiation->stream_config),
                           g_task_get_cancellable (task), on_stream_opened, task);
}

static void
start_stream (GTask     *task,
              GIOStream *base)
{
  DriverData *data = g_task_get_task_data (task);
  GXmppNegotiation *negotiation = data->negotiation;

  negotiation->stream = gxmpp_stream_new (base, GXMPP_NS_CLIENT);
  gxmpp_stream_set_max_stanza_size (negotiation->stream,
                                    gxmpp_stream_config_get_max_stanza_size (negotiation->stream_config));
  open_stream (task);
}

static void
on_direct_tls (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  g_autoptr(GTlsConnection) tls = NULL;

  tls = gxmpp_transport_start_tls_finish (result, &error);
  if (tls == NULL)
    {
      fail (task, error);
      return;
    }

  start_stream (task, G_IO_STREAM (tls));
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  DriverData *data = g_task_get_task_data (task);
  GXmppNegotiation *negotiation = data->negotiation;
  GError *error = NULL;
  g_autoptr(GIOStream) base = NULL;
  gboolean direct = FALSE;

  base = gxmpp_transport_connect_finish (result, &direct, &error);
  if (base == NULL)
    {
      fail (task, error);
      return;
    }

  if (direct)
    {
      gxmpp_transport_start_tls_async (base, negotiation->domain, negotiation->stream_config, TRUE,
                                       negotiation->accept_certificate, negotiation->accept_data,
                                       g_task_get_cancellable (task), on_direct_tls, task);
      return;
    }

  start_stream (task, base);
}

static void
connect_to (GTask      *task,
            const char *host,
            guint16     port)
{
  gxmpp_transport_connect_to_async (host, port, g_task_get_cancellable (task), on_connected, task);
}

void
gxmpp_negotiate_async (GXmppNegotiation    *negotiation,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  DriverData *data = g_new0 (DriverData, 1);

  g_task_set_source_tag (task, gxmpp_negotiate_async);
  g_task_set_name (task, "[gxmpp] negotiate");

  data->negotiation = negotiation;
  data->steps = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (data->steps, gxmpp_step_starttls_new ());
  g_ptr_array_add (data->steps, gxmpp_step_sasl_new ());
  /* XEP-0198: resume before any binding; enable after it. */
  g_ptr_array_add (data->steps, gxmpp_step_sm_resume_new ());
  g_ptr_array_add (data->steps, gxmpp_step_bind_new ());
  g_ptr_array_add (data->steps, gxmpp_step_session_new ());
  g_ptr_array_add (data->steps, gxmpp_step_sm_enable_new ());
  data->done = g_new0 (gboolean, data->steps->len);
  g_task_set_task_data (task, data, (GDestroyNotify) driver_data_free);

  gxmpp_transport_connect_async (negotiation->stream_config, negotiation->domain, cancellable,
                                 on_connected, task);
}

gboolean
gxmpp_negotiate_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
