/* hello.c: the smallest xmpp-glib program
 *
 * Parses a few addresses, builds a chat message, writes it as XML and reads
 * it back as the peer would. No network: this shows the value layer.
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

static void
show_jid (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppJid) jid = gxmpp_jid_new (text, &error);

  if (jid == NULL)
    printf ("  %-32s refused: %s\n", text, error->message);
  else
    printf ("  %-32s -> %s (%s)\n", text, gxmpp_jid_to_string (jid),
            gxmpp_jid_is_full (jid) ? "full" : "bare");
}

int
main (void)
{
  static const char * const addresses[] = {
    "Juliet@Example.COM/balcony",
    "romeo@MÜLLER.example",
    "ΌΣΟΣ@example.gr",
    "nurse@example.com/a/b@c",
    "juliet@@example.com",
    "juliet@example.com/",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppJid) romeo = NULL;
  g_autoptr(GXmppMessage) message = NULL;
  g_autoptr(GXmppNode) parsed = NULL;
  g_autoptr(GXmppStanza) received = NULL;
  g_autofree char *xml = NULL;
  guint i;

  printf ("xmpp-glib %s\n\nAddresses (RFC 7622):\n", GXMPP_VERSION_S);
  for (i = 0; i < G_N_ELEMENTS (addresses); i++)
    show_jid (addresses[i]);

  /* A chat message; markup in the body is just text. */
  romeo = gxmpp_jid_new ("romeo@example.net", &error);
  message = gxmpp_message_new (GXMPP_MESSAGE_TYPE_CHAT, romeo);
  gxmpp_stanza_set_id (GXMPP_STANZA (message), "hello-1");
  gxmpp_message_set_body (message, NULL, "Art thou not Romeo, and a <Montague>?");
  gxmpp_message_set_body (message, "cs", "Nejsi Romeo, a Montek?");
  gxmpp_message_set_thread (message, "balcony-scene", NULL);

  xml = gxmpp_stanza_to_string (GXMPP_STANZA (message), &error);
  if (xml == NULL)
    goto fail;
  printf ("\nMessage stanza:\n  %s\n", xml);

  /* Read it back, as the recipient's library would. */
  parsed = gxmpp_node_new_from_string (xml, -1, NULL, &error);
  if (parsed == NULL)
    goto fail;
  received = gxmpp_stanza_new_from_node (parsed, &error);
  if (received == NULL)
    goto fail;

  printf ("\nRead back:\n");
  printf ("  to:      %s\n", gxmpp_jid_to_string (gxmpp_stanza_get_to (received)));
  printf ("  body:    %s\n", gxmpp_message_get_body (GXMPP_MESSAGE (received), NULL));
  printf ("  body@cs: %s\n", gxmpp_message_get_body (GXMPP_MESSAGE (received), "cs"));
  printf ("  thread:  %s\n", gxmpp_message_get_thread (GXMPP_MESSAGE (received)));

  if (!gxmpp_node_equal (gxmpp_stanza_get_node (received), gxmpp_stanza_get_node (GXMPP_STANZA (message))))
    {
      fprintf (stderr, "hello: the message changed on the way\n");
      return EXIT_FAILURE;
    }
  return EXIT_SUCCESS;

fail:
  fprintf (stderr, "hello: %s\n", error->message);
  return EXIT_FAILURE;
}
