/* fuzz-jid.c: libFuzzer target for JID preparation
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Any input either fails with a GXMPP_JID_ERROR or gives a JID whose string
 * is a fixed point: parsing it again gives an equal JID with the same
 * string, parts no longer than 1023 bytes, valid UTF-8 throughout, and the
 * same JID when built from its parts.
 */

#include <string.h>

#include "fuzz-common.h"
#include "gxmpp-error.h"
#include "gxmpp-jid.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  char *text = g_strndup ((const char *) data, size);
  GError *error = NULL;
  GXmppJid *jid, *again, *from_parts;
  const char *string;

  jid = gxmpp_jid_new (text, &error);
  if (jid == NULL)
    {
      if (error == NULL || error->domain != GXMPP_JID_ERROR)
        fuzz_fail ("a refused JID must give a GXMPP_JID_ERROR");
      g_error_free (error);
      g_free (text);
      return 0;
    }

  string = gxmpp_jid_to_string (jid);
  if (!g_utf8_validate (string, -1, NULL))
    fuzz_fail ("a JID's string is not UTF-8");
  if (strlen (gxmpp_jid_get_domain (jid)) > 1023 ||
      (gxmpp_jid_get_local (jid) != NULL && strlen (gxmpp_jid_get_local (jid)) > 1023) ||
      (gxmpp_jid_get_resource (jid) != NULL && strlen (gxmpp_jid_get_resource (jid)) > 1023))
    fuzz_fail ("a part is longer than 1023 bytes: %s", string);

  again = gxmpp_jid_new (string, &error);
  if (again == NULL)
    fuzz_fail ("“%s” (from “%s”) does not parse again: %s", string, text, error->message);
  if (!gxmpp_jid_equal (jid, again) || strcmp (string, gxmpp_jid_to_string (again)) != 0 ||
      gxmpp_jid_hash (jid) != gxmpp_jid_hash (again))
    fuzz_fail ("“%s” is not a fixed point: it parses to “%s”", string, gxmpp_jid_to_string (again));

  from_parts = gxmpp_jid_new_from_parts (gxmpp_jid_get_local (jid), gxmpp_jid_get_domain (jid),
                                         gxmpp_jid_get_resource (jid), &error);
  if (from_parts == NULL)
    fuzz_fail ("the parts of “%s” are refused: %s", string, error->message);
  if (!gxmpp_jid_equal (jid, from_parts))
    fuzz_fail ("the parts of “%s” make “%s”", string, gxmpp_jid_to_string (from_parts));

  gxmpp_jid_unref (from_parts);
  gxmpp_jid_unref (again);
  gxmpp_jid_unref (jid);
  g_free (text);
  return 0;
}
