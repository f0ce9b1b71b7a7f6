/* fuzz-xml-reader.c: libFuzzer target for the stream codec
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Feeds the input to the reader twice, whole and in chunks whose sizes come
 * from the input itself, and checks that
 *  - how bytes arrive never changes what the stream delivers: the same
 *    events, and none past the point where the other run failed;
 *  - every element the reader produces can be written and parsed back to
 *    an equal element: the writer can carry anything the reader accepts.
 * Crashes, leaks and sanitizer reports are failures too.
 */

#include <string.h>

#include "fuzz-common.h"

#include "gxmpp-error.h"
#include "gxmpp-node-private.h"
#include "gxmpp-xml-reader-private.h"

typedef struct {
  GPtrArray *events;
  int error_code;
} Run;

static void
collect (GXmppXmlReader *reader,
         Run            *run)
{
  GXmppXmlEventType type;
  GXmppNode *node;

  while ((type = gxmpp_xml_reader_pop (reader, &node)) != GXMPP_XML_EVENT_NONE)
    {
      char *xml = NULL;

      if (node != NULL)
        {
          GError *error = NULL;

          xml = gxmpp_node_to_string (node, &error);
          if (xml == NULL)
            fuzz_fail ("an element the reader accepted cannot be written: %s", error->message);

          if (type == GXMPP_XML_EVENT_ELEMENT)
            {
              GXmppNode *back = gxmpp_node_new_from_string (xml, -1, NULL, &error);

              if (back == NULL)
                fuzz_fail ("a written element does not parse back: %s\n%s", error->message, xml);
              if (!gxmpp_node_equal (node, back))
                fuzz_fail ("an element changed through write and parse:\n%s", xml);
              gxmpp_node_unref (back);
            }
          gxmpp_node_unref (node);
        }
      g_ptr_array_add (run->events, g_strdup_printf ("%d %s", type, xml ? xml : ""));
      g_free (xml);
    }
}

static void
run_reader (const uint8_t *data,
            size_t         size,
            const uint8_t *sizes,
            size_t         n_sizes,
            Run           *run)
{
  GXmppXmlReader *reader = gxmpp_xml_reader_new ("jabber:client");
  size_t pos = 0, i = 0;

  run->events = g_ptr_array_new_with_free_func (g_free);
  run->error_code = -1;

  /* Small limits so that the limit paths are reached with small inputs. */
  gxmpp_xml_reader_set_max_stanza_size (reader, 4096);
  gxmpp_xml_reader_set_max_depth (reader, 16);

  while (pos < size)
    {
      size_t n = sizes != NULL ? (size_t) (sizes[i++ % n_sizes] % 64) + 1 : size;
      GError *error = NULL;

      n = MIN (n, size - pos);
      if (!gxmpp_xml_reader_feed (reader, (const char *) data + pos, n, &error))
        {
          g_assert (error->domain == GXMPP_STREAM_ERROR);
          run->error_code = error->code;
          g_error_free (error);
          break;
        }
      collect (reader, run);
      pos += n;
    }
  collect (reader, run);
  gxmpp_xml_reader_free (reader);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  /* The first bytes choose the chunk sizes; the rest is the stream. */
  size_t n_sizes = size > 0 ? MIN ((size_t) data[0] % 16 + 1, size - 1) : 0;
  const uint8_t *sizes = data + 1;
  const uint8_t *stream = data + 1 + n_sizes;
  size_t stream_size = size > n_sizes ? size - 1 - n_sizes : 0;
  Run whole, chunked;
  guint i;

  if (size == 0 || n_sizes == 0)
    return 0;

  run_reader (stream, stream_size, NULL, 0, &whole);
  run_reader (stream, stream_size, sizes, n_sizes, &chunked);

  /* libxml2's push parser sometimes needs more lookahead to reject
   * malformed input when it arrives in small pieces, and for input with
   * several faults which one it reports first can depend on that
   * lookahead. So one run may still be waiting where the other has failed,
   * and two failures may name different conditions. What must never
   * differ is what the stream delivered: the events are the same, and a
   * run never delivers an event beyond the point where the other failed. */
  if (whole.error_code != -1 && chunked.error_code != -1 && whole.events->len != chunked.events->len)
    fuzz_fail ("chunking changed the events before the error: %u whole, %u in chunks",
          whole.events->len, chunked.events->len);
  if (whole.error_code == -1 && chunked.error_code == -1 && whole.events->len != chunked.events->len)
    fuzz_fail ("chunking changed the events: %u whole, %u in chunks", whole.events->len, chunked.events->len);
  if (whole.error_code != -1 && chunked.error_code == -1 && chunked.events->len > whole.events->len)
    fuzz_fail ("chunked input delivered events past the point where whole input failed");
  if (chunked.error_code != -1 && whole.error_code == -1 && whole.events->len > chunked.events->len)
    fuzz_fail ("whole input delivered events past the point where chunked input failed");
  for (i = 0; i < MIN (whole.events->len, chunked.events->len); i++)
    if (strcmp (whole.events->pdata[i], chunked.events->pdata[i]) != 0)
      fuzz_fail ("chunking changed event %u:\n%s\n%s", i, (char *) whole.events->pdata[i],
            (char *) chunked.events->pdata[i]);

  g_ptr_array_unref (whole.events);
  g_ptr_array_unref (chunked.events);
  return 0;
}
