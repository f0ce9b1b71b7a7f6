/* gxmpp-inbox.c: pulling received stanzas
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gxmpp-error.h"
#include "gxmpp-i18n-private.h"
#include "gxmpp-inbox.h"
#include "gxmpp-inbox-private.h"

/**
 * GXmppInbox:
 *
 * A queue of the stanzas a session receives, for the pull style of the
 * seed's `pullMessage`, `waitForMessage` and `waitForPresence`: a script
 * asks for the next stanza, or for the next message a filter accepts,
 * and waits.
 *
 * Each inbox sees every stanza the session receives from the moment it is
 * opened (replies to [method@GXmpp.Session.send_iq_async] aside),
 * whatever handlers do with them, so several parts of a program can each
 * have one (the seed's `dupSession`). An inbox keeps what it receives
 * until it is pulled: close inboxes that are no longer read.
 *
 * ```python
 * inbox = session.open_inbox()
 * message = await_result(inbox.wait_message_async,
 *                        lambda s, _: s.get_body(None) == "ping", None)
 * ```
 */

typedef enum {
  WAIT_ANY,
  WAIT_MESSAGE,
  WAIT_PRESENCE,
} WaitKind;

typedef struct {
  WaitKind kind;
  GXmppStanzaFilter filter;
  gpointer filter_data;
  GDestroyNotify filter_destroy;
  gulong cancelled_id;
} Wait;

struct _GXmppInbox
{
  GObject parent_instance;

  GXmppSession *session;
  GQueue queue;                 /* GXmppStanza */
  GError *closed;               /* why no more stanzas will come */
  GTask *task;                  /* the one pending pull or wait */
};

G_DEFINE_FINAL_TYPE (GXmppInbox, gxmpp_inbox, G_TYPE_OBJECT)

static void
wait_free (Wait *wait)
{
  if (wait->filter_destroy != NULL)
    wait->filter_destroy (wait->filter_data);
  g_free (wait);
}

static void
detach (GXmppInbox *self)
{
  if (self->session != NULL)
    {
      gxmpp_session_remove_inbox (self->session, self);
      g_clear_object (&self->session);
    }
}

static void
gxmpp_inbox_dispose (GObject *object)
{
  GXmppInbox *self = GXMPP_INBOX (object);

  detach (self);
  g_queue_clear_full (&self->queue, g_object_unref);

  G_OBJECT_CLASS (gxmpp_inbox_parent_class)->dispose (object);
}

static void
gxmpp_inbox_finalize (GObject *object)
{
  GXmppInbox *self = GXMPP_INBOX (object);

  g_clear_error (&self->closed);
  G_OBJECT_CLASS (gxmpp_inbox_parent_class)->finalize (object);
}

static void
gxmpp_inbox_class_init (GXmppInboxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gxmpp_inbox_dispose;
  object_class->finalize = gxmpp_inbox_finalize;
}

static void
gxmpp_inbox_init (GXmppInbox *self)
{
  g_queue_init (&self->queue);
}

/**
 * gxmpp_session_open_inbox:
 * @session: a session
 *
 * Opens an inbox that receives every stanza @session receives from now on.
 *
 * Returns: (transfer full): a new inbox
 */
GXmppInbox *
gxmpp_session_open_inbox (GXmppSession *session)
{
  GXmppInbox *inbox;

  g_return_val_if_fail (GXMPP_IS_SESSION (session), NULL);

  inbox = g_object_new (GXMPP_TYPE_INBOX, NULL);
  if (gxmpp_session_is_closed (session))
    inbox->closed = g_error_new_literal (GXMPP_ERROR, GXMPP_ERROR_CLOSED, _("The session is closed"));
  else
    {
      inbox->session = g_object_ref (session);
      gxmpp_session_add_inbox (session, inbox);
    }
  return inbox;
}

/**
 * gxmpp_inbox_get_length:
 * @inbox: an inbox
 *
 * Counts the stanzas waiting in the inbox.
 *
 * Returns: the number of stanzas not pulled yet
 */
guint
gxmpp_inbox_get_length (GXmppInbox *inbox)
{
  g_return_val_if_fail (GXMPP_IS_INBOX (inbox), 0);
  return inbox->queue.length;
}

static gboolean
accepts (Wait        *wait,
         GXmppStanza *stanza)
{
  switch (wait->kind)
    {
    case WAIT_MESSAGE:
      if (!GXMPP_IS_MESSAGE (stanza) || gxmpp_stanza_is_error (stanza))
        return FALSE;
      break;
    case WAIT_PRESENCE:
      if (!GXMPP_IS_PRESENCE (stanza) || gxmpp_stanza_is_error (stanza))
        return FALSE;
      break;
    case WAIT_ANY:
    default:
      break;
    }
  return wait->filter == NULL || wait->filter (stanza, wait->filter_data);
}

/* Serves the pending pull or wait from the queue: stanzas it does not
 * accept are dropped (the seed's waitForMessage does the same). */
static void
serve (GXmppInbox *self)
{
  g_autoptr(GXmppInbox) hold = g_object_ref (self);
  GTask *task;
  Wait *wait;

  while (self->task != NULL && !g_queue_is_empty (&self->queue))
    {
      g_autoptr(GXmppStanza) stanza = g_queue_pop_head (&self->queue);

      wait = g_task_get_task_data (self->task);
      if (!accepts (wait, stanza) || self->task == NULL)
        continue;

      task = g_steal_pointer (&self->task);
      g_cancellable_disconnect (g_task_get_cancellable (task), wait->cancelled_id);
      g_task_return_pointer (task, g_steal_pointer (&stanza), g_object_unref);
      g_object_unref (task);
      return;
    }

  if (self->task != NULL && self->closed != NULL)
    {
      task = g_steal_pointer (&self->task);
      wait = g_task_get_task_data (task);
      g_cancellable_disconnect (g_task_get_cancellable (task), wait->cancelled_id);
      g_task_return_error (task, g_error_copy (self->closed));
      g_object_unref (task);
    }
}

void
gxmpp_inbox_push (GXmppInbox  *inbox,
                  GXmppStanza *stanza)
{
  g_queue_push_tail (&inbox->queue, g_object_ref (stanza));
  serve (inbox);
}

void
gxmpp_inbox_session_closed (GXmppInbox   *inbox,
                            const GError *reason)
{
  if (inbox->closed == NULL)
    inbox->closed = g_error_copy (reason);
  serve (inbox);
}

void
gxmpp_inbox_session_gone (GXmppInbox *inbox)
{
  g_autoptr(GError) error = g_error_new_literal (GXMPP_ERROR, GXMPP_ERROR_CLOSED,
                                                 _("The session was destroyed"));

  /* Called from the session's dispose: the session's reference to us does
   * not exist, ours to it is about to be dropped by the caller. */
  inbox->session = NULL;
  gxmpp_inbox_session_closed (inbox, error);
}

/**
 * gxmpp_inbox_close:
 * @inbox: an inbox
 *
 * Stops the inbox receiving stanzas. Stanzas already in it can still be
 * pulled; after them, pulls fail with %GXMPP_ERROR_CLOSED.
 */
void
gxmpp_inbox_close (GXmppInbox *inbox)
{
  g_return_if_fail (GXMPP_IS_INBOX (inbox));

  detach (inbox);
  if (inbox->closed == NULL)
    inbox->closed = g_error_new_literal (GXMPP_ERROR, GXMPP_ERROR_CLOSED, _("The inbox is closed"));
  serve (inbox);
}

static gboolean
on_idle_cancel (gpointer user_data)
{
  GTask *task = user_data;
  GXmppInbox *self = g_task_get_source_object (task);

  /* Still the pending one: cancel it. */
  if (self->task == task)
    {
      Wait *wait = g_task_get_task_data (task);

      g_cancellable_disconnect (g_task_get_cancellable (task), wait->cancelled_id);
      self->task = NULL;
      g_task_return_error_if_cancelled (task);
      g_object_unref (task);
    }
  return G_SOURCE_REMOVE;
}

static void
on_cancelled (GCancellable *cancellable,
              gpointer      user_data)
{
  /* Never complete from inside the cancelled handler (it may run in the
   * middle of g_cancellable_cancel() anywhere): go through the loop. */
  GSource *idle = g_idle_source_new ();

  g_source_set_callback (idle, on_idle_cancel, g_object_ref (user_data), g_object_unref);
  g_source_attach (idle, g_task_get_context (user_data));
  g_source_unref (idle);
}

static void
start_wait (GXmppInbox          *inbox,
            WaitKind             kind,
            gpointer             source_tag,
            GXmppStanzaFilter    filter,
            gpointer             filter_data,
            GDestroyNotify       filter_destroy,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  GTask *task = g_task_new (inbox, cancellable, callback, user_data);
  Wait *wait = g_new0 (Wait, 1);

  g_task_set_source_tag (task, source_tag);
  g_task_set_name (task, "[gxmpp] inbox wait");

  wait->kind = kind;
  wait->filter = filter;
  wait->filter_data = filter_data;
  wait->filter_destroy = filter_destroy;
  g_task_set_task_data (task, wait, (GDestroyNotify) wait_free);

  if (inbox->task != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _("The inbox is already being waited on"));
      g_object_unref (task);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  inbox->task = task;
  if (cancellable != NULL)
    wait->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), task, NULL);
  serve (inbox);
}

/**
 * gxmpp_inbox_pull_async:
 * @inbox: an inbox
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the next stanza
 * @user_data: data for @callback
 *
 * Takes the next stanza, waiting for one if the inbox is empty. Only one
 * pull or wait can be pending at a time.
 */
void
gxmpp_inbox_pull_async (GXmppInbox          *inbox,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_return_if_fail (GXMPP_IS_INBOX (inbox));

  start_wait (inbox, WAIT_ANY, gxmpp_inbox_pull_async, NULL, NULL, NULL,
              cancellable, callback, user_data);
}

/**
 * gxmpp_inbox_pull_finish:
 * @inbox: an inbox
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@GXmpp.Inbox.pull_async]. Once the session has closed
 * and the inbox is empty, this fails with the reason the session closed.
 *
 * Returns: (transfer full): the stanza, or %NULL on error
 */
GXmppStanza *
gxmpp_inbox_pull_finish (GXmppInbox    *inbox,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, inbox), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gxmpp_inbox_pull_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * gxmpp_inbox_wait_message_async:
 * @inbox: an inbox
 * @filter: (nullable) (scope notified) (closure filter_data) (destroy filter_destroy):
 *   decides which message is the one, or %NULL for any
 * @filter_data: data for @filter
 * @filter_destroy: (nullable): frees @filter_data when the wait is over
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the message
 * @user_data: data for @callback
 *
 * Takes stanzas until a message that is not an error and that @filter
 * accepts, and gives that message (the seed's `waitForMessage`). The
 * stanzas taken before it are dropped from this inbox.
 */
void
gxmpp_inbox_wait_message_async (GXmppInbox          *inbox,
                                GXmppStanzaFilter    filter,
                                gpointer             filter_data,
                                GDestroyNotify       filter_destroy,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (GXMPP_IS_INBOX (inbox));

  start_wait (inbox, WAIT_MESSAGE, gxmpp_inbox_wait_message_async, filter, filter_data, filter_destroy,
              cancellable, callback, user_data);
}

/**
 * gxmpp_inbox_wait_message_finish:
 * @inbox: an inbox
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@GXmpp.Inbox.wait_message_async].
 *
 * Returns: (transfer full): the message, or %NULL on error
 */
GXmppMessage *
gxmpp_inbox_wait_message_finish (GXmppInbox    *inbox,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, inbox), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gxmpp_inbox_wait_message_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * gxmpp_inbox_wait_presence_async:
 * @inbox: an inbox
 * @filter: (nullable) (scope notified) (closure filter_data) (destroy filter_destroy):
 *   decides which presence is the one, or %NULL for any
 * @filter_data: data for @filter
 * @filter_destroy: (nullable): frees @filter_data when the wait is over
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the presence
 * @user_data: data for @callback
 *
 * Takes stanzas until a presence that is not an error and that @filter
 * accepts (the seed's `waitForPresence`). The stanzas taken before it are
 * dropped from this inbox.
 */
void
gxmpp_inbox_wait_presence_async (GXmppInbox          *inbox,
                                 GXmppStanzaFilter    filter,
                                 gpointer             filter_data,
                                 GDestroyNotify       filter_destroy,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (GXMPP_IS_INBOX (inbox));

  start_wait (inbox, WAIT_PRESENCE, gxmpp_inbox_wait_presence_async, filter, filter_data, filter_destroy,
              cancellable, callback, user_data);
}

/**
 * gxmpp_inbox_wait_presence_finish:
 * @inbox: an inbox
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@GXmpp.Inbox.wait_presence_async].
 *
 * Returns: (transfer full): the presence, or %NULL on error
 */
GXmppPresence *
gxmpp_inbox_wait_presence_finish (GXmppInbox    *inbox,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, inbox), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gxmpp_inbox_wait_presence_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
