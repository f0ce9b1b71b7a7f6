/* hello.c: the smallest xmpp-glib program
 *
 * Builds a chat message, writes it as XML, reads the XML back and checks
 * that nothing was lost on the way. No network: this shows the value layer.
 *
 * Build it against an installed xmpp-glib:
 *
 *   cc -o hello hello.c $(pkg-config --cflags --libs xmpp-glib-1.0)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <stdlib.h>

#include <xmpp-glib/xmpp-glib.h>

/* The message to send, as an XML element tree. */
static GXmppNode *
build_message (void)
{
  GXmppNode *message = gxmpp_node_new ("message", GXMPP_NS_CLIENT);

  gxmpp_node_set_attribute (message, "to", "juliet@example.com");
  gxmpp_node_set_attribute (message, "type", "chat");
  gxmpp_node_set_attribute (message, "id", "hello-1");
  /* Markup in text is just text: it is escaped when written. */
  gxmpp_node_add_child_with_text (message, "body", NULL,
                                  "Art thou not Romeo, and a <Montague>?");
  return message;
}

/* Writes @message and parses the result, as the peer would. */
static gboolean
round_trip (GXmppNode  *message,
            GError    **error)
{
  g_autofree char *xml = NULL;
  g_autofree char *xml_again = NULL;
  g_autoptr(GXmppNode) parsed = NULL;

  xml = gxmpp_node_to_string (message, error);
  if (xml == NULL)
    return FALSE;
  printf ("sent:   %s\n", xml);

  parsed = gxmpp_node_new_from_string (xml, -1, GXMPP_NS_CLIENT, error);
  if (parsed == NULL)
    return FALSE;

  xml_again = gxmpp_node_to_string (parsed, error);
  if (xml_again == NULL)
    return FALSE;
  printf ("parsed: %s\n", xml_again);
  printf ("body:   %s\n", gxmpp_node_get_child_text (parsed, "body", GXMPP_NS_CLIENT));

  if (!gxmpp_node_equal (message, parsed))
    {
      g_set_error_literal (error, GXMPP_ERROR, GXMPP_ERROR_FAILED,
                           "the parsed message differs from the one written");
      return FALSE;
    }

  return TRUE;
}

int
main (void)
{
  g_autoptr(GXmppNode) message = NULL;
  g_autoptr(GError) error = NULL;

  printf ("xmpp-glib %s\n", GXMPP_VERSION_S);

  message = build_message ();
  if (!round_trip (message, &error))
    {
      fprintf (stderr, "hello: %s\n", error->message);
      return EXIT_FAILURE;
    }

  return EXIT_SUCCESS;
}
