/* gxmpp-test-process.c: a helper program that talks JSON lines
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gxmpp-test-process.h"

#include "gxmpp-test-json.h"

struct _GXmppTestProcess
{
  gint              ref_count;
  char             *name;
  GSubprocess      *proc;
  GMainContext     *context;
  GOutputStream    *in;
  GDataInputStream *out;
  GCancellable     *cancellable;
  GQueue            lines;      /* GVariant a{sv} */
  gboolean          eof;
  GError           *read_error;
  gboolean          finished;
  gboolean          reading;    /* a read_line_async is pending */
};

static GXmppTestProcess *
process_ref (GXmppTestProcess *self)
{
  self->ref_count++;
  return self;
}

static void
process_unref (GXmppTestProcess *self)
{
  if (--self->ref_count > 0)
    return;
  g_queue_clear_full (&self->lines, (GDestroyNotify) g_variant_unref);
  g_clear_error (&self->read_error);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->out);
  g_clear_object (&self->proc);
  g_main_context_unref (self->context);
  g_free (self->name);
  g_free (self);
}

static void read_next (GXmppTestProcess *self);

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GXmppTestProcess *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  gsize length = 0;

  line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result,
                                               &length, &error);
  self->reading = FALSE;
  if (g_cancellable_is_cancelled (self->cancellable))
    {
      process_unref (self);
      return;
    }
  if (line == NULL)
    {
      if (error != NULL)
        g_propagate_error (&self->read_error, g_steal_pointer (&error));
      self->eof = TRUE;
    }
  else
    {
      GVariant *v = gxmpp_test_json_parse (line, (gssize) length, &error);

      if (v == NULL || !g_variant_is_of_type (v, G_VARIANT_TYPE_VARDICT))
        {
          if (self->read_error == NULL)
            g_set_error (&self->read_error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                         "%s wrote a line that is not a JSON object: %s (%s)",
                         self->name, line, error ? error->message : "not an object");
          g_clear_pointer (&v, g_variant_unref);
        }
      else
        g_queue_push_tail (&self->lines, v);
      read_next (self);
    }
  process_unref (self);
}

static void
read_next (GXmppTestProcess *self)
{
  self->reading = TRUE;
  g_data_input_stream_read_line_async (self->out, G_PRIORITY_DEFAULT, self->cancellable,
                                       on_line, process_ref (self));
}

GXmppTestProcess *
gxmpp_test_process_spawn (const char * const *argv,
                          GError            **error)
{
  g_autoptr(GSubprocess) proc = NULL;
  GXmppTestProcess *self;

  g_return_val_if_fail (argv != NULL && argv[0] != NULL, NULL);

  proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                            error);
  if (proc == NULL)
    return NULL;

  self = g_new0 (GXmppTestProcess, 1);
  self->ref_count = 1;
  {
    g_autofree char *program = g_path_get_basename (argv[0]);
    gboolean interpreter = g_str_has_prefix (program, "python") && argv[1] != NULL;

    self->name = interpreter ? g_path_get_basename (argv[1]) : g_steal_pointer (&program);
  }
  self->proc = g_steal_pointer (&proc);
  self->context = g_main_context_ref_thread_default ();
  self->in = g_subprocess_get_stdin_pipe (self->proc);
  self->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->proc));
  g_data_input_stream_set_newline_type (self->out, G_DATA_STREAM_NEWLINE_TYPE_LF);
  self->cancellable = g_cancellable_new ();
  g_queue_init (&self->lines);
  read_next (self);
  return self;
}

const char *
gxmpp_test_process_get_name (GXmppTestProcess *self)
{
  return self->name;
}

const char *
gxmpp_test_process_get_identifier (GXmppTestProcess *self)
{
  return g_subprocess_get_identifier (self->proc);
}

gboolean
gxmpp_test_process_send (GXmppTestProcess *self,
                         const char       *line,
                         GError          **error)
{
  g_autofree char *text = g_strconcat (line, "\n", NULL);

  if (self->finished)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "%s has been stopped", self->name);
      return FALSE;
    }
  /* A pipe write of a short line does not block unless the child stopped
   * reading, which the child never does. */
  return g_output_stream_write_all (self->in, text, strlen (text), NULL, NULL, error) &&
         g_output_stream_flush (self->in, NULL, error);
}

static gboolean
on_timeout (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

GVariant *
gxmpp_test_process_wait_line (GXmppTestProcess  *self,
                              GXmppTestLineFunc  match,
                              gpointer           user_data,
                              gboolean           drop,
                              guint              timeout_ms,
                              GError           **error)
{
  gboolean timed_out = FALSE;
  GSource *timeout = g_timeout_source_new (timeout_ms);
  GVariant *found = NULL;

  g_source_set_callback (timeout, on_timeout, &timed_out, NULL);
  g_source_attach (timeout, self->context);

  for (;;)
    {
      for (GList *l = self->lines.head; l != NULL; l = l->next)
        {
          if (match == NULL || match (l->data, user_data))
            {
              found = l->data;
              if (drop)
                {
                  while (self->lines.head != l)
                    g_variant_unref (g_queue_pop_head (&self->lines));
                }
              g_queue_delete_link (&self->lines, l);
              break;
            }
        }
      if (found != NULL)
        break;
      if (self->read_error != NULL)
        {
          g_propagate_error (error, g_error_copy (self->read_error));
          break;
        }
      if (self->eof)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE,
                       "%s closed its output (it exited)", self->name);
          break;
        }
      if (timed_out)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "%s did not answer within %u ms", self->name, timeout_ms);
          break;
        }
      g_main_context_iteration (self->context, TRUE);
    }

  g_source_destroy (timeout);
  g_source_unref (timeout);
  return found;
}

GVariant *
gxmpp_test_process_pop_line (GXmppTestProcess *self)
{
  return g_queue_pop_head (&self->lines);
}

gboolean
gxmpp_test_process_at_eof (GXmppTestProcess *self)
{
  return self->eof;
}

static void
on_exited (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  gboolean *exited = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *exited = TRUE;
}

int
gxmpp_test_process_finish (GXmppTestProcess *self,
                           guint             timeout_ms)
{
  gboolean exited = FALSE, timed_out = FALSE;
  GSource *timeout;

  if (!self->finished)
    {
      self->finished = TRUE;
      g_output_stream_close (self->in, NULL, NULL);

      timeout = g_timeout_source_new (timeout_ms);
      g_source_set_callback (timeout, on_timeout, &timed_out, NULL);
      g_source_attach (timeout, self->context);
      g_subprocess_wait_async (self->proc, NULL, on_exited, &exited);
      while (!exited && !timed_out)
        g_main_context_iteration (self->context, TRUE);
      g_source_destroy (timeout);
      g_source_unref (timeout);
      if (!exited)
        {
          g_warning ("%s did not exit within %u ms; killing it", self->name, timeout_ms);
          g_subprocess_force_exit (self->proc);
          /* on_exited still points at our stack: let it run. */
          while (!exited)
            g_main_context_iteration (self->context, TRUE);
        }
    }
  if (g_subprocess_get_if_exited (self->proc))
    return g_subprocess_get_exit_status (self->proc);
  return -1;
}

void
gxmpp_test_process_free (GXmppTestProcess *self)
{
  if (self == NULL)
    return;
  gxmpp_test_process_finish (self, 60000);
  g_cancellable_cancel (self->cancellable);
  /* Let the pending read see the cancellation, so that nothing is left
   * behind on the context. */
  while (self->reading)
    g_main_context_iteration (self->context, TRUE);
  process_unref (self);
}
