/* gxmpp-sm.c: the bookkeeping of stream management (XEP-0198)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "gxmpp-error.h"
#include "gxmpp-i18n-private.h"
#include "gxmpp-ns.h"
#include "gxmpp-sm-private.h"

void
gxmpp_sm_entry_free (GXmppSmEntry *entry)
{
  g_warn_if_fail (entry->task == NULL);
  g_clear_object (&entry->task);
  gxmpp_node_unref (entry->node);
  g_free (entry);
}

void
gxmpp_sm_init (GXmppSm *sm,
               guint    max_stanzas,
               gsize    max_bytes)
{
  memset (sm, 0, sizeof *sm);
  g_queue_init (&sm->queue);
  sm->max_stanzas = max_stanzas;
  sm->max_bytes = max_bytes;
}

void
gxmpp_sm_clear (GXmppSm *sm)
{
  g_queue_clear_full (&sm->queue, (GDestroyNotify) gxmpp_sm_entry_free);
  sm->n_unwritten = 0;
  sm->bytes = 0;
}

gboolean
gxmpp_sm_check_room (GXmppSm  *sm,
                     gsize     bytes,
                     GError  **error)
{
  if (sm->queue.length >= sm->max_stanzas)
    {
      g_set_error (error, GXMPP_ERROR, GXMPP_ERROR_QUEUE_FULL,
                   _("%u stanzas are waiting for the server to confirm them; no more can be queued"),
                   sm->queue.length);
      return FALSE;
    }
  if (bytes > sm->max_bytes || sm->bytes > sm->max_bytes - bytes)
    {
      g_set_error (error, GXMPP_ERROR, GXMPP_ERROR_QUEUE_FULL,
                   _("%" G_GSIZE_FORMAT " bytes are waiting for the server to confirm them; "
                     "a stanza of %" G_GSIZE_FORMAT " bytes more would exceed the limit of %" G_GSIZE_FORMAT),
                   sm->bytes, bytes, sm->max_bytes);
      return FALSE;
    }
  return TRUE;
}

GXmppSmEntry *
gxmpp_sm_push (GXmppSm   *sm,
               GXmppNode *node,
               gsize      bytes,
               GTask     *task,
               gboolean   written)
{
  GXmppSmEntry *entry;

  /* Nothing may overtake what waits to be written. */
  g_return_val_if_fail (!written || sm->n_unwritten == 0, NULL);

  entry = g_new0 (GXmppSmEntry, 1);
  entry->node = gxmpp_node_copy (node);
  entry->bytes = bytes;
  entry->task = task;
  entry->queued_at = g_get_real_time ();
  entry->written = written;
  g_queue_push_tail (&sm->queue, entry);
  sm->bytes += bytes;
  if (written)
    sm->sent++;
  else
    sm->n_unwritten++;
  return entry;
}

guint
gxmpp_sm_count_unacked (GXmppSm *sm)
{
  return sm->queue.length - sm->n_unwritten;
}

gboolean
gxmpp_sm_ack (GXmppSm  *sm,
              guint32   h,
              GQueue   *acked,
              GError  **error)
{
  guint32 n = gxmpp_sm_delta (h, sm->acked);

  /* Modulo 2^32: 'h' may be numerically smaller than 'acked' after the
   * wrap and still be ahead of it. */
  if (n > gxmpp_sm_delta (sm->sent, sm->acked) || n > gxmpp_sm_count_unacked (sm))
    {
      g_set_error (error, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_UNDEFINED_CONDITION,
                   _("The server acknowledged %u stanzas, but only %u were sent"),
                   (guint) h, (guint) sm->sent);
      return FALSE;
    }

  for (guint32 i = 0; i < n; i++)
    {
      GXmppSmEntry *entry = g_queue_pop_head (&sm->queue);

      sm->bytes -= entry->bytes;
      g_queue_push_tail (acked, entry);
    }
  sm->acked = h;
  return TRUE;
}

gboolean
gxmpp_sm_resumed (GXmppSm  *sm,
                  guint32   h,
                  GQueue   *acked,
                  GError  **error)
{
  if (!gxmpp_sm_ack (sm, h, acked, error))
    return FALSE;
  /* The server has 'h'; everything after it goes again, counted anew. */
  sm->sent = h;
  sm->n_unwritten = sm->queue.length;
  return TRUE;
}

GXmppSmEntry *
gxmpp_sm_next_unwritten (GXmppSm *sm)
{
  if (sm->n_unwritten == 0)
    return NULL;
  return g_queue_peek_nth (&sm->queue, sm->queue.length - sm->n_unwritten);
}

void
gxmpp_sm_wrote (GXmppSm      *sm,
                GXmppSmEntry *entry)
{
  g_return_if_fail (entry == gxmpp_sm_next_unwritten (sm));

  entry->written = TRUE;
  sm->n_unwritten--;
  sm->sent++;
}

void
gxmpp_sm_take_all (GXmppSm *sm,
                   GQueue  *entries)
{
  GXmppSmEntry *entry;

  while ((entry = g_queue_pop_head (&sm->queue)) != NULL)
    g_queue_push_tail (entries, entry);
  sm->bytes = 0;
  sm->n_unwritten = 0;
  gxmpp_sm_reset_counters (sm);
}

void
gxmpp_sm_reset_counters (GXmppSm *sm)
{
  g_return_if_fail (sm->n_unwritten == sm->queue.length);

  sm->sent = 0;
  sm->acked = 0;
  sm->handled = 0;
}

GXmppNode *
gxmpp_sm_make_too_high_error (GXmppSm *sm,
                              guint32  h)
{
  GXmppNode *error = gxmpp_node_new ("error", GXMPP_NS_STREAMS);
  GXmppNode *detail;
  char text[16];

  gxmpp_node_add_child (error, "undefined-condition", GXMPP_NS_STREAM_ERRORS);
  detail = gxmpp_node_add_child (error, "handled-count-too-high", GXMPP_NS_SM);
  g_snprintf (text, sizeof text, "%u", (guint) h);
  gxmpp_node_set_attribute (detail, "h", text);
  g_snprintf (text, sizeof text, "%u", (guint) sm->sent);
  gxmpp_node_set_attribute (detail, "send-count", text);
  return error;
}

gboolean
gxmpp_sm_parse_h (const char *text,
                  guint32    *h)
{
  guint64 value;

  if (text == NULL || !g_ascii_isdigit (*text))
    return FALSE;
  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT32, &value, NULL))
    return FALSE;
  *h = (guint32) value;
  return TRUE;
}
