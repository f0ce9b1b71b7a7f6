/* gxmpp-xml-reader.c: the restricted-XML stream parser
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A libxml2 SAX2 push parser that turns the bytes of an XMPP stream into
 * events: the stream header, each complete top-level element as a sealed
 * GXmppNode, and the end of the stream.
 *
 * RFC 6120 section 11.1 restricts the XML a stream may carry. Each
 * construct it forbids is refused with a stream error as soon as libxml2
 * reports it, before anything in it takes effect:
 *
 *  - a DTD (internal or external subset) and any declaration in one,
 *    comments and processing instructions: restricted-xml;
 *  - an entity reference other than the five predefined ones:
 *    restricted-xml. libxml2 only asks for entities through getEntity and
 *    entity substitution (XML_PARSE_NOENT) is never enabled, nothing is
 *    loaded (XML_PARSE_NONET, no resolveEntity);
 *  - malformed XML, invalid UTF-8, characters XML forbids (also written
 *    as character references), a second XML declaration: not-well-formed;
 *  - an encoding declaration other than UTF-8: unsupported-encoding;
 *  - a stream header in the wrong namespace or a content namespace other
 *    than the expected one: invalid-namespace; an unbound prefix:
 *    bad-namespace-prefix;
 *  - a stream header inside the stream, or text between stanzas:
 *    bad-format (never a resynchronisation);
 *  - a top-level element larger than the size limit or nested deeper than
 *    the depth limit, or a single tag longer than 64 KiB: policy-violation.
 *
 * Memory stays bounded: input is given to libxml2 in slices, and after
 * each slice the bytes since the end of the last complete top-level
 * element are checked against the size limit, so neither libxml2's input
 * buffer nor the tree under construction can outgrow the limit by more
 * than a slice.
 */

#include "config.h"

#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include "gxmpp-error.h"
#include "gxmpp-i18n-private.h"
#include "gxmpp-node-private.h"
#include "gxmpp-xml-reader-private.h"
#include "gxmpp-xml-writer-private.h"

#define FEED_SLICE 16384
/* libxml2 delivers character data as it goes, but holds a tag (with its
 * attributes) or an entity reference until it is complete, in a buffer
 * that grows by doubling. Bounding that backlog keeps an endless start tag
 * from costing several times the stanza limit. No real XMPP start tag
 * comes near this. */
#define MAX_MARKUP_BACKLOG (64 * 1024)
/* The tree built for one top-level element may cost at most this many
 * times the size limit. Names and namespaces are shared, so what is left
 * is the per-node overhead: a 4-byte "<a/>" costs about 100 bytes. Real
 * stanzas, rosters included, stay well under a factor of 5. */
#define MAX_TREE_COST_FACTOR 8
/* Shared names and namespaces, keyed by libxml2's dictionary pointers. */
#define STRING_CACHE_SIZE 64
/* Text buffers bigger than this are handed to the text node instead of
 * copied, so that the reader's buffer never stays large. */
#define TEXT_HANDOVER_SIZE 4096
#define FRAGMENT_WRAPPER "gxmpp-fragment"

typedef struct {
  GXmppXmlEventType type;
  GXmppNode *node;
} Event;

typedef struct {
  const xmlChar *key;      /* libxml2 dictionary string, stable for the parser */
  char *value;             /* GRefString holding the same text */
} CachedString;

struct _GXmppXmlReader {
  xmlParserCtxtPtr ctxt;
  char *content_ns;        /* stream: expected content namespace;
                            * fragment: default namespace or NULL */
  gboolean fragment;
  gsize max_stanza_size;
  guint max_depth;

  gboolean in_stream;      /* the stream element (or wrapper) is open */
  gboolean closed;         /* ... and has been closed */
  GPtrArray *stack;        /* open elements inside the stream; [0] is owned */
  GString *text;           /* character data not yet attached */
  guint64 fed;             /* bytes given to libxml2 */
  guint64 boundary;        /* input position after the last complete event */
  guint n_elements;        /* top-level elements completed */
  gsize tree_cost;         /* bytes the current top-level element costs */
  CachedString strings[STRING_CACHE_SIZE];
  guint next_string;       /* next cache slot to replace */
  GQueue events;
  GError *error;
};

static void reader_fail (GXmppXmlReader   *r,
                         GXmppStreamError  condition,
                         const char       *format,
                         ...) G_GNUC_PRINTF (3, 4);

static void
reader_fail (GXmppXmlReader   *r,
             GXmppStreamError  condition,
             const char       *format,
             ...)
{
  va_list args;

  if (r->error != NULL)
    return;

  va_start (args, format);
  r->error = g_error_new_valist (GXMPP_STREAM_ERROR, condition, format, args);
  va_end (args);

  if (r->ctxt != NULL)
    xmlStopParser (r->ctxt);
}

/* Position in the input of the parser's cursor. No transcoding ever
 * happens (the input is UTF-8 or refused), so buffer bytes are input
 * bytes. */
static guint64
parse_position (GXmppXmlReader *r)
{
  xmlParserInputPtr input = r->ctxt->input;

  if (input == NULL || input->cur == NULL || input->end == NULL)
    return r->fed;
  return r->fed - (guint64) (input->end - input->cur);
}

static void
fail_too_large (GXmppXmlReader *r)
{
  reader_fail (r, GXMPP_STREAM_ERROR_POLICY_VIOLATION,
               _("An element is larger than the limit of %" G_GSIZE_FORMAT " bytes"),
               r->max_stanza_size);
}

/* Whether the input from the end of the last complete top-level event up
 * to @end fits the limit. */
static gboolean
check_size (GXmppXmlReader *r,
            guint64         end)
{
  if (end - r->boundary <= r->max_stanza_size)
    return TRUE;

  fail_too_large (r);
  return FALSE;
}

static void
push_event (GXmppXmlReader    *r,
            GXmppXmlEventType  type,
            GXmppNode         *node)
{
  Event *event = g_new (Event, 1);

  event->type = type;
  event->node = node;
  g_queue_push_tail (&r->events, event);
}

static void
flush_text (GXmppXmlReader *r,
            GXmppNode      *node)
{
  char *text;

  if (r->text->len == 0)
    return;

  if (r->text->allocated_len > TEXT_HANDOVER_SIZE)
    {
      /* A large text: give the buffer away rather than copy it, and start
       * again small. */
      text = g_string_free (r->text, FALSE);
      r->text = g_string_sized_new (256);
    }
  else
    {
      text = g_strndup (r->text->str, r->text->len);
      g_string_truncate (r->text, 0);
    }
  gxmpp_node_append_take (node, gxmpp_node_new_text_take (text));
}

/* The shared string for a libxml2 dictionary string (element and attribute
 * local names, namespace URIs): a new reference to it. */
static char *
shared_string (GXmppXmlReader *r,
               const xmlChar  *key)
{
  CachedString *slot;
  guint i;

  for (i = 0; i < STRING_CACHE_SIZE; i++)
    if (r->strings[i].key == key)
      return g_ref_string_acquire (r->strings[i].value);

  /* Round-robin replacement: names repeat from stanza to stanza, so a
   * small cache holds all of them in practice. */
  slot = &r->strings[r->next_string];
  r->next_string = (r->next_string + 1) % STRING_CACHE_SIZE;
  if (slot->value != NULL)
    g_ref_string_release (slot->value);
  slot->key = key;
  slot->value = g_ref_string_new ((const char *) key);
  r->tree_cost += strlen ((const char *) key);
  return g_ref_string_acquire (slot->value);
}

static void
clear_string_cache (GXmppXmlReader *r)
{
  guint i;

  for (i = 0; i < STRING_CACHE_SIZE; i++)
    {
      if (r->strings[i].value != NULL)
        g_ref_string_release (r->strings[i].value);
      r->strings[i].key = NULL;
      r->strings[i].value = NULL;
    }
  r->next_string = 0;
}

/* With entity substitution off, libxml2 hands an '&' in an attribute value
 * (written as &amp; or &#38;) to SAX as the five characters "&#38;", so
 * that a tree builder could tell it from an entity reference. Nothing
 * else can put an '&' there, so undo exactly that. */
static char *
attribute_value (const xmlChar *start,
                 const xmlChar *end)
{
  const char *amp = memchr (start, '&', end - start);
  GString *value;
  const char *p;

  if (amp == NULL)
    return g_strndup ((const char *) start, end - start);

  value = g_string_sized_new (end - start);
  p = (const char *) start;
  while (amp != NULL)
    {
      g_string_append_len (value, p, amp - p);
      g_string_append_c (value, '&');
      p = amp + 1;
      if ((const xmlChar *) p + 4 <= end && memcmp (p, "#38;", 4) == 0)
        p += 4;
      amp = memchr (p, '&', (const char *) end - p);
    }
  g_string_append_len (value, p, (const char *) end - p);
  return g_string_free (value, FALSE);
}

static GXmppNode *
build_element (GXmppXmlReader  *r,
               const xmlChar   *localname,
               const xmlChar   *uri,
               int              nb_attributes,
               const xmlChar  **attributes)
{
  GXmppNode *node;
  int i;

  node = gxmpp_node_new_element_take (shared_string (r, localname),
                                      uri != NULL ? shared_string (r, uri) : NULL);
  r->tree_cost += sizeof (GXmppNode) + sizeof (GXmppNode *);

  for (i = 0; i < nb_attributes; i++)
    {
      const xmlChar **attr = attributes + i * 5;

      gxmpp_node_add_attribute_take (node,
                                     attr[2] != NULL ? shared_string (r, attr[2]) : NULL,
                                     shared_string (r, attr[0]),
                                     attribute_value (attr[3], attr[4]));
      r->tree_cost += sizeof (GXmppNodeAttr) + (attr[4] - attr[3]) + 1;
    }

  return node;
}

/* Whether the tree of the current top-level element still fits. */
static gboolean
check_tree_cost (GXmppXmlReader *r)
{
  if (r->tree_cost <= MAX_TREE_COST_FACTOR * r->max_stanza_size)
    return TRUE;

  reader_fail (r, GXMPP_STREAM_ERROR_POLICY_VIOLATION,
               _("An element would take more than %" G_GSIZE_FORMAT " bytes of memory"),
               MAX_TREE_COST_FACTOR * r->max_stanza_size);
  return FALSE;
}

static void
start_stream (GXmppXmlReader  *r,
              const xmlChar   *localname,
              const xmlChar   *uri,
              int              nb_namespaces,
              const xmlChar  **namespaces,
              int              nb_attributes,
              const xmlChar  **attributes)
{
  const char *declared_default = NULL;
  int i;

  if (uri == NULL || strcmp ((const char *) uri, GXMPP_NS_STREAMS) != 0)
    {
      reader_fail (r, GXMPP_STREAM_ERROR_INVALID_NAMESPACE,
                   _("The stream header is not in the stream namespace"));
      return;
    }
  if (strcmp ((const char *) localname, "stream") != 0)
    {
      reader_fail (r, GXMPP_STREAM_ERROR_BAD_FORMAT,
                   _("The stream does not begin with a stream header"));
      return;
    }

  for (i = 0; i < nb_namespaces; i++)
    if (namespaces[2 * i] == NULL)
      declared_default = (const char *) namespaces[2 * i + 1];

  if (declared_default != NULL && strcmp (declared_default, r->content_ns) != 0)
    {
      reader_fail (r, GXMPP_STREAM_ERROR_INVALID_NAMESPACE,
                   _("The stream’s content namespace is “%s” instead of “%s”"),
                   declared_default, r->content_ns);
      return;
    }

  r->in_stream = TRUE;
  push_event (r, GXMPP_XML_EVENT_STREAM_OPEN,
              build_element (r, localname, uri, nb_attributes, attributes));

  /* libxml2 reports a start tag while its cursor is still on the closing
   * '>' (or "/>"); the stream's first stanza starts after it. */
  r->boundary = parse_position (r) + (r->ctxt->input->cur[0] == '/' ? 2 : 1);
}

static void
on_start_element (void           *user_data,
                  const xmlChar  *localname,
                  const xmlChar  *prefix,
                  const xmlChar  *uri,
                  int             nb_namespaces,
                  const xmlChar **namespaces,
                  int             nb_attributes,
                  int             nb_defaulted,
                  const xmlChar **attributes)
{
  GXmppXmlReader *r = user_data;
  GXmppNode *node;
  guint level;

  if (r->error != NULL)
    return;

  if (!r->in_stream)
    {
      if (r->fragment)
        r->in_stream = TRUE;
      else
        start_stream (r, localname, uri, nb_namespaces, namespaces,
                      nb_attributes, attributes);
      return;
    }

  if (uri != NULL && strcmp ((const char *) localname, "stream") == 0 &&
      strcmp ((const char *) uri, GXMPP_NS_STREAMS) == 0)
    {
      reader_fail (r, GXMPP_STREAM_ERROR_BAD_FORMAT,
                   _("A stream header appeared inside the stream"));
      return;
    }

  level = r->stack->len + 1;
  if (level > r->max_depth)
    {
      reader_fail (r, GXMPP_STREAM_ERROR_POLICY_VIOLATION,
                   _("Elements are nested deeper than the limit of %u levels"),
                   r->max_depth);
      return;
    }

  if (level == 1 && uri == NULL && !r->fragment)
    {
      reader_fail (r, GXMPP_STREAM_ERROR_INVALID_NAMESPACE,
                   _("The element “%s” has no namespace"), (const char *) localname);
      return;
    }

  /* libxml2 binds the prefix "xml" without a declaration; an element in
   * that namespace could never be written back. */
  if (uri != NULL && strcmp ((const char *) uri, GXMPP_NS_XML) == 0)
    {
      reader_fail (r, GXMPP_STREAM_ERROR_BAD_NAMESPACE_PREFIX,
                   _("The element “%s” uses the prefix reserved for XML attributes"),
                   (const char *) localname);
      return;
    }

  if (level == 1)
    r->tree_cost = 0;
  node = build_element (r, localname, uri, nb_attributes, attributes);

  if (r->stack->len > 0)
    {
      GXmppNode *parent = g_ptr_array_index (r->stack, r->stack->len - 1);

      flush_text (r, parent);
      gxmpp_node_append_take (parent, node);
    }

  g_ptr_array_add (r->stack, node);
  check_tree_cost (r);
}

static void
on_end_element (void          *user_data,
                const xmlChar *localname,
                const xmlChar *prefix,
                const xmlChar *uri)
{
  GXmppXmlReader *r = user_data;
  GXmppNode *node;

  if (r->error != NULL)
    return;

  if (r->stack->len == 0)
    {
      r->in_stream = FALSE;
      r->closed = TRUE;
      if (!r->fragment)
        push_event (r, GXMPP_XML_EVENT_STREAM_CLOSE, NULL);
      return;
    }

  node = g_ptr_array_steal_index (r->stack, r->stack->len - 1);
  flush_text (r, node);

  if (r->stack->len == 0)
    {
      guint64 end = parse_position (r);

      if (!check_size (r, end))
        {
          gxmpp_node_unref (node);
          return;
        }
      if (!r->fragment)
        gxmpp_node_seal (node);
      push_event (r, GXMPP_XML_EVENT_ELEMENT, node);
      r->n_elements++;
      r->boundary = end;
    }
}

static gboolean
is_xml_space (const xmlChar *ch,
              int            len)
{
  int i;

  for (i = 0; i < len; i++)
    if (ch[i] != ' ' && ch[i] != '\t' && ch[i] != '\n' && ch[i] != '\r')
      return FALSE;
  return TRUE;
}

static void
on_characters (void          *user_data,
               const xmlChar *ch,
               int            len)
{
  GXmppXmlReader *r = user_data;

  if (r->error != NULL)
    return;

  if (r->stack->len > 0)
    {
      /* The text can never be larger than the bytes that carried it; the
       * check here keeps the buffer's capacity within the limit too. */
      if (r->text->len + len >= r->max_stanza_size)
        {
          fail_too_large (r);
          return;
        }
      if (r->text->len == 0)
        r->tree_cost += sizeof (GXmppNode) + sizeof (GXmppNode *);
      r->tree_cost += len;
      g_string_append_len (r->text, (const char *) ch, len);
      check_tree_cost (r);
      return;
    }

  /* Between top-level elements only whitespace (keep-alives) may appear. */
  if (!is_xml_space (ch, len))
    {
      reader_fail (r, GXMPP_STREAM_ERROR_BAD_FORMAT,
                   _("Text appeared outside any element"));
      return;
    }
  r->boundary = parse_position (r);
}

/* libxml2 2.9 lets overlong two-byte sequences (lead byte 0xC0 or 0xC1,
 * an overlong "<" among them) through inside CDATA sections, and only
 * there (its xmlCheckCdataPush() checks the lead byte's bit pattern, not
 * its range); found by tests/fuzz/fuzz-node. CDATA is rare in XMPP, so its
 * text is checked again here rather than all text everywhere. libxml2
 * hands CDATA over in pieces that end on a character boundary. */
static void
on_cdata (void          *user_data,
          const xmlChar *ch,
          int            len)
{
  GXmppXmlReader *r = user_data;

  if (r->error != NULL)
    return;
  if (!g_utf8_validate ((const char *) ch, len, NULL))
    {
      reader_fail (r, GXMPP_STREAM_ERROR_NOT_WELL_FORMED,
                   _("The stream is not proper UTF-8 (in a CDATA section)"));
      return;
    }
  on_characters (user_data, ch, len);
}

static void
on_start_document (void *user_data)
{
  GXmppXmlReader *r = user_data;
  xmlParserCtxtPtr ctxt = r->ctxt;
  const char *declared = NULL;

  if (r->error != NULL)
    return;

  /* libxml2 keeps a declared encoding it has to transcode in
   * input->encoding, and a declared UTF-8 or UTF-16 in ctxt->encoding. */
  if (ctxt->input != NULL && ctxt->input->encoding != NULL)
    declared = (const char *) ctxt->input->encoding;
  else if (ctxt->encoding != NULL)
    declared = (const char *) ctxt->encoding;

  if (declared != NULL &&
      g_ascii_strcasecmp (declared, "UTF-8") != 0 &&
      g_ascii_strcasecmp (declared, "UTF8") != 0)
    {
      reader_fail (r, GXMPP_STREAM_ERROR_UNSUPPORTED_ENCODING,
                   _("The stream declares the encoding “%s”; XMPP allows only UTF-8"),
                   declared);
      return;
    }

  if (ctxt->version != NULL && strcmp ((const char *) ctxt->version, "1.0") != 0)
    reader_fail (r, GXMPP_STREAM_ERROR_NOT_WELL_FORMED,
                 _("The stream declares XML version “%s”; XMPP uses XML 1.0"),
                 (const char *) ctxt->version);
}

static void
on_comment (void          *user_data,
            const xmlChar *value)
{
  reader_fail (user_data, GXMPP_STREAM_ERROR_RESTRICTED_XML,
               _("The stream contains an XML comment"));
}

static void
on_processing_instruction (void          *user_data,
                           const xmlChar *target,
                           const xmlChar *data)
{
  reader_fail (user_data, GXMPP_STREAM_ERROR_RESTRICTED_XML,
               _("The stream contains a processing instruction"));
}

static void
on_subset (void          *user_data,
           const xmlChar *name,
           const xmlChar *external_id,
           const xmlChar *system_id)
{
  reader_fail (user_data, GXMPP_STREAM_ERROR_RESTRICTED_XML,
               _("The stream contains a document type declaration"));
}

static void
on_entity_decl (void          *user_data,
                const xmlChar *name,
                int            type,
                const xmlChar *public_id,
                const xmlChar *system_id,
                xmlChar       *content)
{
  reader_fail (user_data, GXMPP_STREAM_ERROR_RESTRICTED_XML,
               _("The stream declares an entity"));
}

static xmlEntityPtr
on_get_entity (void          *user_data,
               const xmlChar *name)
{
  reader_fail (user_data, GXMPP_STREAM_ERROR_RESTRICTED_XML,
               _("The stream refers to the entity “%s”; only the five predefined entities are allowed"),
               (const char *) name);
  return NULL;
}

static void
on_reference (void          *user_data,
              const xmlChar *name)
{
  reader_fail (user_data, GXMPP_STREAM_ERROR_RESTRICTED_XML,
               _("The stream refers to the entity “%s”; only the five predefined entities are allowed"),
               (const char *) name);
}

/* "<!" followed by a letter: DOCTYPE, ENTITY, ELEMENT, ATTLIST, NOTATION.
 * Comments ("<!--") and CDATA ("<![CDATA[") do not match. */
static gboolean
looks_like_declaration (GXmppXmlReader *r)
{
  xmlParserInputPtr input = r->ctxt->input;

  return input != NULL && input->cur != NULL && input->end - input->cur >= 3 &&
         input->cur[0] == '<' && input->cur[1] == '!' && g_ascii_isupper (input->cur[2]);
}

static void
on_structured_error (void        *user_data,
                     xmlErrorPtr  err)
{
  GXmppXmlReader *r = user_data;
  GXmppStreamError condition = GXMPP_STREAM_ERROR_NOT_WELL_FORMED;
  g_autofree char *detail = NULL;

  if (err == NULL || err->level == XML_ERR_WARNING || r->error != NULL)
    return;

  if (err->domain == XML_FROM_NAMESPACE)
    condition = GXMPP_STREAM_ERROR_BAD_NAMESPACE_PREFIX;
  else
    switch (err->code)
      {
      case XML_ERR_UNSUPPORTED_ENCODING:
      case XML_ERR_UNKNOWN_ENCODING:
      case XML_ERR_INVALID_ENCODING:   /* "labelled UTF-16 but has UTF-8 content" */
        condition = GXMPP_STREAM_ERROR_UNSUPPORTED_ENCODING;
        break;
      case XML_ERR_UNDECLARED_ENTITY:
      case XML_WAR_UNDECLARED_ENTITY:
      case XML_ERR_ENTITY_PE_INTERNAL:
      case XML_ERR_PEREF_IN_PROLOG:
      case XML_ERR_PEREF_IN_EPILOG:
      case XML_ERR_PEREF_IN_INT_SUBSET:
        condition = GXMPP_STREAM_ERROR_RESTRICTED_XML;
        break;
      default:
        break;
      }

  /* Inside the root element libxml2 does not recognise a document type
   * declaration at all and reports a generic content error; it is still
   * DTD syntax, which RFC 6120 forbids, so report it as such. */
  if (condition == GXMPP_STREAM_ERROR_NOT_WELL_FORMED && looks_like_declaration (r))
    {
      reader_fail (r, GXMPP_STREAM_ERROR_RESTRICTED_XML,
                   _("The stream contains a document type declaration"));
      return;
    }

  detail = g_strdup (err->message != NULL ? err->message : "");
  g_strstrip (detail);
  if (condition == GXMPP_STREAM_ERROR_BAD_NAMESPACE_PREFIX)
    reader_fail (r, condition, _("The stream uses a namespace prefix wrongly: %s"), detail);
  else if (condition == GXMPP_STREAM_ERROR_UNSUPPORTED_ENCODING)
    reader_fail (r, condition, _("The stream uses an unsupported encoding: %s"), detail);
  else if (condition == GXMPP_STREAM_ERROR_RESTRICTED_XML)
    reader_fail (r, condition, _("The stream uses an entity XMPP forbids: %s"), detail);
  else
    reader_fail (r, condition, _("The stream is not well-formed XML: %s"), detail);
}

static const xmlSAXHandler sax_handler = {
  .internalSubset = on_subset,
  .externalSubset = on_subset,
  .getEntity = on_get_entity,
  .getParameterEntity = on_get_entity,
  .entityDecl = on_entity_decl,
  .reference = on_reference,
  .startDocument = on_start_document,
  .characters = on_characters,
  .ignorableWhitespace = on_characters,
  .cdataBlock = on_cdata,
  .processingInstruction = on_processing_instruction,
  .comment = on_comment,
  .initialized = XML_SAX2_MAGIC,
  .startElementNs = on_start_element,
  .endElementNs = on_end_element,
  .serror = on_structured_error,
};

static gpointer
init_libxml (gpointer data)
{
  xmlInitParser ();
  return NULL;
}

static void
reader_clear_state (GXmppXmlReader *r)
{
  Event *event;

  if (r->ctxt != NULL)
    {
      xmlFreeParserCtxt (r->ctxt);
      r->ctxt = NULL;
    }

  if (r->stack->len > 0)
    gxmpp_node_unref (g_ptr_array_index (r->stack, 0));
  g_ptr_array_set_size (r->stack, 0);
  g_string_truncate (r->text, 0);

  while ((event = g_queue_pop_head (&r->events)) != NULL)
    {
      g_clear_pointer (&event->node, gxmpp_node_unref);
      g_free (event);
    }

  /* The cache is keyed by the old parser's dictionary. */
  clear_string_cache (r);
  g_clear_error (&r->error);
  r->tree_cost = 0;
  r->in_stream = FALSE;
  r->closed = FALSE;
  r->fed = 0;
  r->boundary = 0;
  r->n_elements = 0;
}

static void
reader_start (GXmppXmlReader *r)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, init_libxml, NULL);

  /* No initial chunk, so libxml2 does not sniff an encoding: the input is
   * UTF-8, and anything else fails as such. */
  r->ctxt = xmlCreatePushParserCtxt ((xmlSAXHandlerPtr) &sax_handler, r, NULL, 0, NULL);
  if (r->ctxt == NULL)
    g_error ("libxml2 could not create a parser context");

  /* Not XML_PARSE_NOCDATA: it would hand CDATA to characters(), and
   * on_cdata() must see it. */
  xmlCtxtUseOptions (r->ctxt, XML_PARSE_NONET);
  r->ctxt->replaceEntities = 0;
  r->ctxt->loadsubset = 0;
  r->ctxt->validate = 0;
}

static GXmppXmlReader *
reader_new (const char *ns,
            gboolean    fragment)
{
  GXmppXmlReader *r = g_new0 (GXmppXmlReader, 1);

  r->content_ns = g_strdup (ns);
  r->fragment = fragment;
  r->max_stanza_size = GXMPP_XML_DEFAULT_MAX_STANZA_SIZE;
  r->max_depth = GXMPP_XML_DEFAULT_MAX_DEPTH;
  r->stack = g_ptr_array_new ();
  r->text = g_string_new (NULL);
  g_queue_init (&r->events);
  reader_start (r);
  return r;
}

GXmppXmlReader *
gxmpp_xml_reader_new (const char *content_ns)
{
  g_return_val_if_fail (content_ns != NULL, NULL);

  return reader_new (content_ns, FALSE);
}

void
gxmpp_xml_reader_free (GXmppXmlReader *reader)
{
  if (reader == NULL)
    return;

  reader_clear_state (reader);
  g_ptr_array_unref (reader->stack);
  g_string_free (reader->text, TRUE);
  g_free (reader->content_ns);
  g_free (reader);
}

void
gxmpp_xml_reader_set_max_stanza_size (GXmppXmlReader *reader,
                                      gsize           max_size)
{
  g_return_if_fail (max_size > 0);

  reader->max_stanza_size = max_size;
}

gsize
gxmpp_xml_reader_get_max_stanza_size (GXmppXmlReader *reader)
{
  return reader->max_stanza_size;
}

void
gxmpp_xml_reader_set_max_depth (GXmppXmlReader *reader,
                                guint           max_depth)
{
  g_return_if_fail (max_depth > 0 && max_depth <= GXMPP_XML_MAX_DEPTH_LIMIT);

  reader->max_depth = max_depth;
}

guint
gxmpp_xml_reader_get_max_depth (GXmppXmlReader *reader)
{
  return reader->max_depth;
}

void
gxmpp_xml_reader_reset (GXmppXmlReader *reader)
{
  reader_clear_state (reader);
  reader_start (reader);
}

static gboolean
parse_slice (GXmppXmlReader *r,
             const char     *data,
             gsize           len,
             gboolean        terminate)
{
  int rc;

  r->fed += len;
  rc = xmlParseChunk (r->ctxt, data, (int) len, terminate);

  if (r->error == NULL && rc != XML_ERR_OK)
    reader_fail (r, GXMPP_STREAM_ERROR_NOT_WELL_FORMED,
                 _("The stream is not well-formed XML"));
  if (r->error != NULL)
    {
      /* libxml2 keeps a copy of its last error, text from the stream
       * included, in a per-thread global; the error is ours now. */
      xmlResetLastError ();
      return FALSE;
    }

  if (!check_size (r, r->fed))
    return FALSE;

  if (r->ctxt->input != NULL && r->ctxt->input->cur != NULL &&
      (gsize) (r->ctxt->input->end - r->ctxt->input->cur) > MIN (MAX_MARKUP_BACKLOG, r->max_stanza_size))
    {
      reader_fail (r, GXMPP_STREAM_ERROR_POLICY_VIOLATION,
                   _("A tag is longer than the limit of %u bytes"),
                   (guint) MIN (MAX_MARKUP_BACKLOG, r->max_stanza_size));
      return FALSE;
    }

  return TRUE;
}

gboolean
gxmpp_xml_reader_feed (GXmppXmlReader  *reader,
                       const char      *data,
                       gsize            len,
                       GError         **error)
{
  const char *nul;

  g_return_val_if_fail (reader != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  /* libxml2 would take a stream that starts with a UTF-16 byte order mark
   * for a document still to come. */
  if (reader->error == NULL && reader->fed == 0 && len > 0 &&
      ((guchar) data[0] == 0xFE || (guchar) data[0] == 0xFF))
    reader_fail (reader, GXMPP_STREAM_ERROR_UNSUPPORTED_ENCODING,
                 _("The stream is not UTF-8 (it starts with a UTF-16 byte order mark)"));

  /* A NUL byte is never part of XML: parse what comes before it, then
   * fail there. */
  nul = len > 0 ? memchr (data, '\0', len) : NULL;

  while (reader->error == NULL && len > 0)
    {
      gsize n = MIN (len, FEED_SLICE);

      if (nul != NULL)
        n = MIN (n, (gsize) (nul - data));
      if (n == 0)
        {
          reader_fail (reader, GXMPP_STREAM_ERROR_NOT_WELL_FORMED,
                       _("The stream contains a NUL byte"));
          break;
        }
      if (!parse_slice (reader, data, n, FALSE))
        break;
      data += n;
      len -= n;
    }

  if (reader->error != NULL)
    {
      if (error != NULL)
        *error = g_error_copy (reader->error);
      return FALSE;
    }

  return TRUE;
}

GXmppXmlEventType
gxmpp_xml_reader_pop (GXmppXmlReader  *reader,
                      GXmppNode      **node)
{
  Event *event = g_queue_pop_head (&reader->events);
  GXmppXmlEventType type;

  if (event == NULL)
    {
      if (node != NULL)
        *node = NULL;
      return GXMPP_XML_EVENT_NONE;
    }

  type = event->type;
  if (node != NULL)
    *node = event->node;
  else
    g_clear_pointer (&event->node, gxmpp_node_unref);
  g_free (event);
  return type;
}

gboolean
gxmpp_xml_reader_has_pending (GXmppXmlReader *reader)
{
  xmlParserInputPtr input;

  if (!g_queue_is_empty (&reader->events) || reader->stack->len > 0 || reader->text->len > 0)
    return TRUE;

  input = reader->ctxt->input;
  if (input != NULL && input->cur != NULL && input->end != NULL)
    return !is_xml_space (input->cur, input->end - input->cur);

  return FALSE;
}

gsize
gxmpp_xml_reader_get_buffered_size (GXmppXmlReader *reader)
{
  return reader->text->allocated_len;
}

GXmppNode *
gxmpp_xml_parse_element (const char  *xml,
                         gsize        len,
                         const char  *default_ns,
                         GError     **error)
{
  GXmppXmlReader *r = reader_new (default_ns, TRUE);
  GString *wrapper = g_string_new ("<" FRAGMENT_WRAPPER);
  GXmppNode *node = NULL;
  gboolean ok;

  if (default_ns != NULL)
    {
      g_string_append (wrapper, " xmlns='");
      if (!gxmpp_xml_append_escaped (wrapper, default_ns, TRUE, error))
        goto out;
      g_string_append_c (wrapper, '\'');
    }
  g_string_append_c (wrapper, '>');

  ok = parse_slice (r, wrapper->str, wrapper->len, FALSE);
  r->boundary = r->fed;
  if (ok)
    ok = gxmpp_xml_reader_feed (r, xml, len, NULL);
  if (ok)
    ok = parse_slice (r, "</" FRAGMENT_WRAPPER ">", strlen ("</" FRAGMENT_WRAPPER ">"), TRUE);

  if (ok && (r->n_elements != 1 || !r->closed))
    reader_fail (r, GXMPP_STREAM_ERROR_BAD_FORMAT,
                 r->n_elements == 0 ? _("The text holds no element")
                                    : _("The text holds more than one element"));

  if (r->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&r->error));
      goto out;
    }

  gxmpp_xml_reader_pop (r, &node);

out:
  g_string_free (wrapper, TRUE);
  gxmpp_xml_reader_free (r);
  return node;
}
