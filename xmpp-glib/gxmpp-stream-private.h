/* gxmpp-stream-private.h: the session's side of the stream
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gxmpp-stream.h"

G_BEGIN_DECLS

/* Push mode, for the session: every element is handed to @element_func as
 * soon as it is parsed (no GTask per element), and the end of the stream,
 * its error or the connection's, to @error_func once (@error is
 * GXMPP_ERROR_CLOSED for an orderly close by the peer). Both run on the
 * stream's main context; the stream is kept alive while they run. */
typedef void (* GXmppStreamElementFunc) (GXmppStream *stream,
                                         GXmppNode   *element,
                                         gpointer     user_data);
typedef void (* GXmppStreamEndFunc)     (GXmppStream  *stream,
                                         const GError *error,
                                         gpointer      user_data);

void gxmpp_stream_start_receiving (GXmppStream            *stream,
                                   GXmppStreamElementFunc  element_func,
                                   GXmppStreamEndFunc      end_func,
                                   gpointer                user_data);
void gxmpp_stream_stop_receiving (GXmppStream *stream);

/* Fails with GXMPP_STREAM_ERROR_BAD_FORMAT if the peer sent anything
 * after the last element read (bytes after <proceed/> are an injection). */
gboolean gxmpp_stream_check_nothing_pending (GXmppStream  *stream,
                                             GError      **error);

/* Bytes queued for writing and not yet written. */
gsize gxmpp_stream_get_unwritten (GXmppStream *stream);

/* Bytes ever queued for writing, and ever read: they tell the session's
 * keep-alive whether the stream has been idle. */
guint64 gxmpp_stream_get_bytes_queued (GXmppStream *stream);
guint64 gxmpp_stream_get_bytes_received (GXmppStream *stream);

/* gxmpp_stream_write(), telling in @bytes how many bytes @element takes;
 * if more than @max_bytes, it is not written and FALSE is returned with
 * no error. */
gboolean gxmpp_stream_write_within (GXmppStream  *stream,
                                    GXmppNode    *element,
                                    gsize         max_bytes,
                                    gsize        *bytes,
                                    GError      **error);

/* Waits until everything queued so far has been written (finish with
 * gxmpp_stream_write_finish()). */
void gxmpp_stream_wait_written_async (GXmppStream         *stream,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);

/* A whitespace keep-alive: one space between top-level elements. */
void gxmpp_stream_write_whitespace (GXmppStream *stream);

/* gxmpp_stream_send_error() with an element of our own making (for
 * application-specific conditions). */
void gxmpp_stream_send_error_element (GXmppStream *stream,
                                      GXmppNode   *error);

/* The <stream:error/> the peer sent, if any (for see-other-host). */
GXmppNode *gxmpp_stream_get_error_element (GXmppStream *stream);

/* How many streams exist in the process: a stream dropped with its session
 * closes in the background for a bounded time, and test programs wait for
 * those before they exit, so that leak checkers see them finalized. */
guint gxmpp_stream_count_alive (void);

/* Turns a received <stream:error/> into a GError in GXMPP_STREAM_ERROR. */
GError *gxmpp_stream_error_from_node (GXmppNode *element);

G_END_DECLS
