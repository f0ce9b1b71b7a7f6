/* gxmpp-sm-private.h: the bookkeeping of stream management (XEP-0198)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "gxmpp-node.h"
#include "gxmpp-ns.h"

G_BEGIN_DECLS


/* One stanza the server has not acknowledged yet. */
typedef struct {
  GXmppNode *node;     /* a copy of the stanza as it was sent */
  gsize bytes;         /* its size, serialised */
  GTask *task;         /* a send_async() waiting for the ack, or NULL */
  gint64 queued_at;    /* g_get_real_time() when it was sent first */
  gboolean written;    /* written to some stream at least once */
} GXmppSmEntry;

void gxmpp_sm_entry_free (GXmppSmEntry *entry);

/* The counters and the queue of unacknowledged stanzas. All counter
 * arithmetic is modulo 2^32 (XEP-0198 section 4: 'h' wraps from 2^32 - 1
 * to 0): differences are taken as guint32 and compared as such, never the
 * counters themselves.
 *
 * The queue holds, in sending order, the stanzas written on the current
 * stream and not acknowledged (as many as sent - acked), then those not
 * written on it yet (queued while disconnected, or to be written again
 * after a resumption). */
typedef struct {
  guint32 sent;        /* stanzas written since <enable/> or <resumed/> */
  guint32 acked;       /* the server's last 'h' */
  guint32 handled;     /* stanzas received since <enabled/> */
  GQueue queue;        /* GXmppSmEntry */
  guint n_unwritten;   /* entries at the tail not written on this stream */
  gsize bytes;
  guint max_stanzas;
  gsize max_bytes;
} GXmppSm;

void gxmpp_sm_init (GXmppSm *sm, guint max_stanzas, gsize max_bytes);
/* Frees the entries; their tasks must have been completed. */
void gxmpp_sm_clear (GXmppSm *sm);

/* (a - b) mod 2^32. */
static inline guint32
gxmpp_sm_delta (guint32 a, guint32 b)
{
  return (guint32) (a - b);
}

/* Fails with GXMPP_ERROR_QUEUE_FULL when one more stanza of @bytes would
 * exceed a limit. */
gboolean gxmpp_sm_check_room (GXmppSm *sm, gsize bytes, GError **error);

/* Appends a stanza (@node is copied; @task, if any, is taken). @written:
 * it has just been written on the current stream, which counts it;
 * otherwise it waits for gxmpp_sm_next_unwritten(). */
GXmppSmEntry *gxmpp_sm_push (GXmppSm *sm, GXmppNode *node, gsize bytes, GTask *task, gboolean written);

/* The server's 'h'. Fails with GXMPP_STREAM_ERROR_UNDEFINED_CONDITION if
 * it acknowledges more than was sent (handled-count-too-high), changing
 * nothing; otherwise moves the acknowledged entries, oldest first, to
 * @acked (the caller completes their tasks and frees them). */
gboolean gxmpp_sm_ack (GXmppSm *sm, guint32 h, GQueue *acked, GError **error);

/* A stream was resumed with the server's 'h' (taken as gxmpp_sm_ack()
 * takes it): everything still queued is to be written again, and the
 * outbound count goes on from 'h'. */
gboolean gxmpp_sm_resumed (GXmppSm *sm, guint32 h, GQueue *acked, GError **error);

/* The next entry to write (the oldest unwritten one), or NULL; the caller
 * writes it and calls gxmpp_sm_wrote(). */
GXmppSmEntry *gxmpp_sm_next_unwritten (GXmppSm *sm);
void gxmpp_sm_wrote (GXmppSm *sm, GXmppSmEntry *entry);

/* Takes every entry out (a fresh stream: what was not confirmed is the
 * caller's to resend or give back) and resets the counters. */
void gxmpp_sm_take_all (GXmppSm *sm, GQueue *entries);

/* Counters restart: after <enabled/> on a fresh stream. */
void gxmpp_sm_reset_counters (GXmppSm *sm);

/* How many entries were written on the stream and not acknowledged. */
guint gxmpp_sm_count_unacked (GXmppSm *sm);

/* The <handled-count-too-high/> stream error element of XEP-0198. */
GXmppNode *gxmpp_sm_make_too_high_error (GXmppSm *sm, guint32 h);

/* Parses an 'h' attribute: a decimal xs:unsignedInt. */
gboolean gxmpp_sm_parse_h (const char *text, guint32 *h);

G_END_DECLS
