/* gxmpp-xml-writer-private.h: serialising nodes and stream framing
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gxmpp-node.h"

G_BEGIN_DECLS

gboolean gxmpp_xml_append_escaped (GString     *out,
                                   const char  *text,
                                   gboolean     attribute,
                                   GError     **error);

/* Writes @node; @default_ns is the default namespace already in scope
 * (NULL at the top of a document). */
gboolean gxmpp_xml_write_node (GString     *out,
                               GXmppNode   *node,
                               const char  *default_ns,
                               GError     **error);

/* Writes a top-level element inside an open stream whose content namespace
 * is @content_ns and where the `stream` prefix is bound. */
gboolean gxmpp_xml_write_stream_element (GString     *out,
                                         GXmppNode   *node,
                                         const char  *content_ns,
                                         GError     **error);

gboolean gxmpp_xml_write_stream_open (GString     *out,
                                      const char  *content_ns,
                                      const char  *to,
                                      const char  *from,
                                      const char  *lang,
                                      const char  *id,
                                      GError     **error);

void gxmpp_xml_write_stream_close (GString *out);

G_END_DECLS
