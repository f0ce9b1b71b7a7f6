/* gxmpp-stream.h: an XML stream over a connection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GXMPP_INSIDE) && !defined(GXMPP_COMPILATION)
#error "Only <xmpp-glib/xmpp-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "gxmpp-version-macros.h"
#include "gxmpp-error.h"
#include "gxmpp-node.h"

G_BEGIN_DECLS

#define GXMPP_TYPE_STREAM (gxmpp_stream_get_type ())

GXMPP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GXmppStream, gxmpp_stream, GXMPP, STREAM, GObject)

GXMPP_AVAILABLE_IN_ALL
GXmppStream *gxmpp_stream_new (GIOStream  *base_stream,
                               const char *content_ns);

GXMPP_AVAILABLE_IN_ALL
GIOStream *gxmpp_stream_get_base_stream (GXmppStream *stream);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_stream_replace_base_stream (GXmppStream  *stream,
                                           GIOStream    *base_stream,
                                           GError      **error);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_stream_is_secure (GXmppStream *stream);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stream_set_max_stanza_size (GXmppStream *stream,
                                       gsize        max_size);

GXMPP_AVAILABLE_IN_ALL
void gxmpp_stream_open_async (GXmppStream         *stream,
                              const char          *to,
                              const char          *from,
                              const char          *lang,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data);
GXMPP_AVAILABLE_IN_ALL
GXmppNode *gxmpp_stream_open_finish (GXmppStream   *stream,
                                     GAsyncResult  *result,
                                     GError       **error);

GXMPP_AVAILABLE_IN_ALL
void gxmpp_stream_read_async (GXmppStream         *stream,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data);
GXMPP_AVAILABLE_IN_ALL
GXmppNode *gxmpp_stream_read_finish (GXmppStream   *stream,
                                     GAsyncResult  *result,
                                     GError       **error);

GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_stream_write (GXmppStream  *stream,
                             GXmppNode    *element,
                             GError      **error);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stream_write_async (GXmppStream         *stream,
                               GXmppNode           *element,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_stream_write_finish (GXmppStream   *stream,
                                    GAsyncResult  *result,
                                    GError       **error);

GXMPP_AVAILABLE_IN_ALL
void gxmpp_stream_send_error (GXmppStream      *stream,
                              GXmppStreamError  condition,
                              const char       *text);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stream_close_async (GXmppStream         *stream,
                               guint                timeout_ms,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_stream_close_finish (GXmppStream   *stream,
                                    GAsyncResult  *result,
                                    GError       **error);

G_END_DECLS
