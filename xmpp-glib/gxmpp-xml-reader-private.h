/* gxmpp-xml-reader-private.h: the restricted-XML stream parser
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gxmpp-node.h"

G_BEGIN_DECLS

#define GXMPP_XML_DEFAULT_MAX_STANZA_SIZE (512 * 1024)
#define GXMPP_XML_DEFAULT_MAX_DEPTH 64
/* libxml2 refuses to nest deeper than 256 without XML_PARSE_HUGE; our own
 * check must fire first so that the error is ours. */
#define GXMPP_XML_MAX_DEPTH_LIMIT 250

typedef enum {
  GXMPP_XML_EVENT_NONE,
  GXMPP_XML_EVENT_STREAM_OPEN,   /* node: the stream element, no children */
  GXMPP_XML_EVENT_ELEMENT,       /* node: a complete, sealed top-level element */
  GXMPP_XML_EVENT_STREAM_CLOSE,
} GXmppXmlEventType;

typedef struct _GXmppXmlReader GXmppXmlReader;

GXmppXmlReader *gxmpp_xml_reader_new (const char *content_ns);
void gxmpp_xml_reader_free (GXmppXmlReader *reader);

void gxmpp_xml_reader_set_max_stanza_size (GXmppXmlReader *reader,
                                           gsize           max_size);
gsize gxmpp_xml_reader_get_max_stanza_size (GXmppXmlReader *reader);
void gxmpp_xml_reader_set_max_depth (GXmppXmlReader *reader,
                                     guint           max_depth);
guint gxmpp_xml_reader_get_max_depth (GXmppXmlReader *reader);

/* Starts a new stream (after STARTTLS or SASL): a fresh parser, no events,
 * no error; the limits stay. */
void gxmpp_xml_reader_reset (GXmppXmlReader *reader);

/* Parses @len bytes. Complete events are queued for gxmpp_xml_reader_pop().
 * On a fatal error returns FALSE and sets @error in GXMPP_STREAM_ERROR;
 * events that completed before the error stay queued, and every later call
 * fails with the same error. */
gboolean gxmpp_xml_reader_feed (GXmppXmlReader  *reader,
                                const char      *data,
                                gsize            len,
                                GError         **error);

/* Takes the next event; @node (transfer full) is set for STREAM_OPEN and
 * ELEMENT. Returns GXMPP_XML_EVENT_NONE when the queue is empty. */
GXmppXmlEventType gxmpp_xml_reader_pop (GXmppXmlReader  *reader,
                                        GXmppNode      **node);

/* TRUE if the parser holds bytes that are not yet part of a complete event
 * (other than whitespace), or events wait to be popped. */
gboolean gxmpp_xml_reader_has_pending (GXmppXmlReader *reader);

/* Bytes the reader holds for text not yet attached to the tree (the
 * capacity of its buffer). For tests of the memory bound. */
gsize gxmpp_xml_reader_get_buffered_size (GXmppXmlReader *reader);

/* One element from a string, through a reader in fragment mode. */
GXmppNode *gxmpp_xml_parse_element (const char  *xml,
                                    gsize        len,
                                    const char  *default_ns,
                                    GError     **error);

G_END_DECLS
