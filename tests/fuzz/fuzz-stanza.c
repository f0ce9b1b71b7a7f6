/* fuzz-stanza.c: libFuzzer target for the stanza layer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Parses the input as an element, then as a stanza, and reads everything a
 * stanza offers. Invalid stanzas must fail with GXMPP_ERROR_INVALID_STANZA;
 * valid ones must survive writing and reading back as equal stanzas.
 */

#include <string.h>

#include "fuzz-common.h"
#include "gxmpp-error.h"
#include "gxmpp-iq.h"
#include "gxmpp-message.h"
#include "gxmpp-presence.h"
#include "gxmpp-stanza.h"

static void
read_everything (GXmppStanza *stanza)
{
  GXmppStanzaErrorDetails *error_details;
  GPtrArray *payload;
  char **langs;

  (void) gxmpp_stanza_get_id (stanza);
  (void) gxmpp_stanza_get_from (stanza);
  (void) gxmpp_stanza_get_to (stanza);
  (void) gxmpp_stanza_get_lang (stanza);
  payload = gxmpp_stanza_get_payload (stanza);
  g_ptr_array_unref (payload);
  error_details = gxmpp_stanza_get_error (stanza);
  if (error_details != NULL)
    {
      GError *gerror = gxmpp_stanza_error_details_to_gerror (error_details);
      GXmppNode *node = gxmpp_stanza_error_details_to_node (error_details);

      g_error_free (gerror);
      gxmpp_node_unref (node);
      gxmpp_stanza_error_details_free (error_details);
    }

  if (GXMPP_IS_MESSAGE (stanza))
    {
      GXmppMessage *m = GXMPP_MESSAGE (stanza);

      (void) gxmpp_message_get_message_type (m);
      (void) gxmpp_message_get_body (m, NULL);
      (void) gxmpp_message_get_body (m, "en");
      (void) gxmpp_message_get_subject (m, NULL);
      (void) gxmpp_message_get_thread (m);
      langs = gxmpp_message_get_body_langs (m);
      g_strfreev (langs);
    }
  else if (GXMPP_IS_PRESENCE (stanza))
    {
      GXmppPresence *p = GXMPP_PRESENCE (stanza);

      (void) gxmpp_presence_get_presence_type (p);
      (void) gxmpp_presence_get_show (p);
      (void) gxmpp_presence_get_status (p, NULL);
      (void) gxmpp_presence_get_priority (p);
    }
  else if (GXMPP_IS_IQ (stanza))
    {
      GXmppIq *iq = GXMPP_IQ (stanza);

      if (gxmpp_iq_get_iq_type (iq) == GXMPP_IQ_TYPE_ERROR && !gxmpp_stanza_is_error (stanza))
        fuzz_fail ("an error IQ that is not an error stanza");
      (void) gxmpp_iq_get_payload (iq);
      if (gxmpp_iq_is_request (iq) && gxmpp_iq_get_payload (iq) == NULL)
        fuzz_fail ("a valid request without payload");
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  GError *error = NULL;
  GXmppNode *node, *back_node;
  GXmppStanza *stanza, *back;
  char *xml;

  node = gxmpp_node_new_from_string ((const char *) data, size, GXMPP_NS_CLIENT, &error);
  if (node == NULL)
    {
      g_error_free (error);
      return 0;
    }
  gxmpp_node_seal (node);

  stanza = gxmpp_stanza_new_from_node (node, &error);
  if (stanza == NULL)
    {
      if (!g_error_matches (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_STANZA))
        fuzz_fail ("an invalid stanza must give GXMPP_ERROR_INVALID_STANZA");
      g_error_free (error);
      gxmpp_node_unref (node);
      return 0;
    }

  read_everything (stanza);

  xml = gxmpp_stanza_to_string (stanza, &error);
  if (xml == NULL)
    fuzz_fail ("a valid stanza cannot be written: %s", error->message);
  back_node = gxmpp_node_new_from_string (xml, -1, NULL, &error);
  if (back_node == NULL)
    fuzz_fail ("a written stanza does not parse: %s", error->message);
  back = gxmpp_stanza_new_from_node (back_node, &error);
  if (back == NULL)
    fuzz_fail ("a written stanza is no longer valid: %s\n%s", error->message, xml);
  if (!gxmpp_node_equal (gxmpp_stanza_get_node (stanza), gxmpp_stanza_get_node (back)))
    fuzz_fail ("a stanza changed through writing:\n%s", xml);

  g_object_unref (back);
  gxmpp_node_unref (back_node);
  g_free (xml);
  g_object_unref (stanza);
  gxmpp_node_unref (node);
  return 0;
}
