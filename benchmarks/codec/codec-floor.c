/* codec-floor.c: the floors of figures 1 and 2 (benchmarks/codec)
 *
 *   codec-floor in FILE COUNT
 *   codec-floor out COUNT
 *
 * in:  the libxml2 floor. Reads FILE (stream.py's floor file: the stream
 *      header, the recorded stanzas, the closing tag) into memory, then
 *      feeds it to libxml2's SAX2 push parser in chunks of 4 KiB, as a
 *      socket read would, with the options xmpp-glib's reader uses
 *      (XML_PARSE_NONET | XML_PARSE_NOCDATA) and SAX2 callbacks that do
 *      nothing but track the depth and count the stanzas, the check that
 *      the bytes were parsed: there must be COUNT, and the document must
 *      be well-formed.
 * out: the GString floor. Builds COUNT chat messages of codec-common.h's
 *      shape with g_string_append() and g_markup_escape_text() for the
 *      attribute values and the body, and writes each to /dev/null: what
 *      serialising costs at least, without a tree or a session.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <libxml/parser.h>

#include "codec-common.h"

#define CHUNK_SIZE 4096

typedef struct {
  guint depth;
  guint stanzas;
} Floor;

static void
start_element (void           *user_data,
               const xmlChar  *localname,
               const xmlChar  *prefix,
               const xmlChar  *uri,
               int             n_namespaces,
               const xmlChar **namespaces,
               int             n_attributes,
               int             n_defaulted,
               const xmlChar **attributes)
{
  Floor *floor = user_data;

  if (floor->depth++ == 1)
    floor->stanzas++;
}

static void
end_element (void          *user_data,
             const xmlChar *localname,
             const xmlChar *prefix,
             const xmlChar *uri)
{
  Floor *floor = user_data;

  floor->depth--;
}

static void
characters (void          *user_data,
            const xmlChar *ch,
            int            len)
{
}

static int
parse (const char *path,
       guint       count)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;
  xmlSAXHandler sax = { 0 };
  xmlParserCtxtPtr ctxt;
  Floor floor = { 0 };
  gsize length, offset;
  gboolean well_formed;

  if (!g_file_get_contents (path, &data, &length, &error))
    {
      fprintf (stderr, "codec-floor: %s\n", error->message);
      return 2;
    }

  sax.initialized = XML_SAX2_MAGIC;
  sax.startElementNs = start_element;
  sax.endElementNs = end_element;
  sax.characters = characters;
  ctxt = xmlCreatePushParserCtxt (&sax, &floor, NULL, 0, NULL);
  xmlCtxtUseOptions (ctxt, XML_PARSE_NONET | XML_PARSE_NOCDATA);

  for (offset = 0; offset < length; offset += CHUNK_SIZE)
    {
      int n = (int) MIN (CHUNK_SIZE, length - offset);

      if (xmlParseChunk (ctxt, data + offset, n, 0) != 0)
        break;
    }
  xmlParseChunk (ctxt, NULL, 0, 1);
  well_formed = ctxt->wellFormed;
  xmlFreeParserCtxt (ctxt);

  if (!well_formed || floor.stanzas != count)
    {
      fprintf (stderr, "codec-floor: %s: %s, %u stanzas, expected %u\n", path,
               well_formed ? "well-formed" : "not well-formed", floor.stanzas, count);
      return 1;
    }
  printf ("RESULT library=libxml2-floor mode=in messages=%u\n", floor.stanzas);
  return 0;
}

static void
append_escaped (GString    *out,
                const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);

  g_string_append (out, escaped);
}

static int
build (guint count)
{
  g_autoptr(GString) out = g_string_sized_new (512);
  char id[32];
  int fd = open ("/dev/null", O_WRONLY);
  gsize total = 0;

  if (fd < 0)
    {
      perror ("/dev/null");
      return 2;
    }
  for (guint i = 0; i < count; i++)
    {
      snprintf (id, sizeof id, CODEC_ID_FORMAT, i);
      g_string_truncate (out, 0);
      g_string_append (out, "<message type='chat' to='");
      append_escaped (out, CODEC_TO);
      g_string_append (out, "' id='");
      append_escaped (out, id);
      g_string_append (out, "'><body>");
      append_escaped (out, CODEC_BODY);
      g_string_append (out, "</body></message>");
      if (write (fd, out->str, out->len) != (ssize_t) out->len)
        {
          perror ("write");
          return 1;
        }
      total += out->len;
    }
  close (fd);
  printf ("RESULT library=gstring-floor mode=out messages=%u bytes=%" G_GSIZE_FORMAT "\n", count, total);
  return 0;
}

int
main (int    argc,
      char **argv)
{
  if (argc == 4 && strcmp (argv[1], "in") == 0)
    return parse (argv[2], (guint) strtoul (argv[3], NULL, 10));
  if (argc == 3 && strcmp (argv[1], "out") == 0)
    return build ((guint) strtoul (argv[2], NULL, 10));
  fprintf (stderr, "usage: codec-floor in FILE COUNT | out COUNT\n");
  return 2;
}
