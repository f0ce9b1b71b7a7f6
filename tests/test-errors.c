/* test-errors.c: error domains and the RFC condition names
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <xmpp-glib/xmpp-glib.h>

static void
test_stream_conditions (void)
{
  static const char * const names[] = {
    "bad-format", "bad-namespace-prefix", "conflict", "connection-timeout",
    "host-gone", "host-unknown", "improper-addressing", "internal-server-error",
    "invalid-from", "invalid-namespace", "invalid-xml", "not-authorized",
    "not-well-formed", "policy-violation", "remote-connection-failed", "reset",
    "resource-constraint", "restricted-xml", "see-other-host", "system-shutdown",
    "undefined-condition", "unsupported-encoding", "unsupported-feature",
    "unsupported-stanza-type", "unsupported-version",
  };
  GEnumClass *klass = g_type_class_ref (GXMPP_TYPE_STREAM_ERROR);
  guint i;

  /* Every RFC 6120 4.9.3 condition, and nothing else, in both directions. */
  g_assert_cmpuint (klass->n_values, ==, G_N_ELEMENTS (names));
  for (i = 0; i < G_N_ELEMENTS (names); i++)
    {
      GXmppStreamError condition = 999;

      g_assert_true (gxmpp_stream_error_from_string (names[i], &condition));
      g_assert_cmpint (condition, ==, i);
      g_assert_cmpstr (gxmpp_stream_error_to_string (condition), ==, names[i]);
      g_assert_cmpstr (gxmpp_stream_error_get_description (condition), !=, "");
    }
  g_assert_false (gxmpp_stream_error_from_string ("no-such-condition", NULL));
  g_assert_false (gxmpp_stream_error_from_string (NULL, NULL));
  g_assert_null (gxmpp_stream_error_to_string (G_N_ELEMENTS (names)));
  g_type_class_unref (klass);
}

static void
test_stanza_conditions (void)
{
  static const struct {
    const char *name;
    GXmppStanzaErrorType type;
  } conditions[] = {
    { "bad-request", GXMPP_STANZA_ERROR_TYPE_MODIFY },
    { "conflict", GXMPP_STANZA_ERROR_TYPE_CANCEL },
    { "feature-not-implemented", GXMPP_STANZA_ERROR_TYPE_CANCEL },
    { "forbidden", GXMPP_STANZA_ERROR_TYPE_AUTH },
    { "gone", GXMPP_STANZA_ERROR_TYPE_CANCEL },
    { "internal-server-error", GXMPP_STANZA_ERROR_TYPE_CANCEL },
    { "item-not-found", GXMPP_STANZA_ERROR_TYPE_CANCEL },
    { "jid-malformed", GXMPP_STANZA_ERROR_TYPE_MODIFY },
    { "not-acceptable", GXMPP_STANZA_ERROR_TYPE_MODIFY },
    { "not-allowed", GXMPP_STANZA_ERROR_TYPE_CANCEL },
    { "not-authorized", GXMPP_STANZA_ERROR_TYPE_AUTH },
    { "policy-violation", GXMPP_STANZA_ERROR_TYPE_MODIFY },
    { "recipient-unavailable", GXMPP_STANZA_ERROR_TYPE_WAIT },
    { "redirect", GXMPP_STANZA_ERROR_TYPE_MODIFY },
    { "registration-required", GXMPP_STANZA_ERROR_TYPE_AUTH },
    { "remote-server-not-found", GXMPP_STANZA_ERROR_TYPE_CANCEL },
    { "remote-server-timeout", GXMPP_STANZA_ERROR_TYPE_WAIT },
    { "resource-constraint", GXMPP_STANZA_ERROR_TYPE_WAIT },
    { "service-unavailable", GXMPP_STANZA_ERROR_TYPE_CANCEL },
    { "subscription-required", GXMPP_STANZA_ERROR_TYPE_AUTH },
    { "undefined-condition", GXMPP_STANZA_ERROR_TYPE_CANCEL },
    { "unexpected-request", GXMPP_STANZA_ERROR_TYPE_WAIT },
  };
  static const char * const types[] = { "auth", "cancel", "continue", "modify", "wait" };
  GEnumClass *klass = g_type_class_ref (GXMPP_TYPE_STANZA_ERROR);
  guint i;

  g_assert_cmpuint (klass->n_values, ==, G_N_ELEMENTS (conditions));
  for (i = 0; i < G_N_ELEMENTS (conditions); i++)
    {
      GXmppStanzaError condition = 999;

      g_assert_true (gxmpp_stanza_error_from_string (conditions[i].name, &condition));
      g_assert_cmpint (condition, ==, i);
      g_assert_cmpstr (gxmpp_stanza_error_to_string (condition), ==, conditions[i].name);
      g_assert_cmpint (gxmpp_stanza_error_get_default_type (condition), ==, conditions[i].type);
      g_assert_cmpstr (gxmpp_stanza_error_get_description (condition), !=, "");
    }
  g_assert_false (gxmpp_stanza_error_from_string ("bad-format", NULL));
  g_type_class_unref (klass);

  for (i = 0; i < G_N_ELEMENTS (types); i++)
    {
      GXmppStanzaErrorType type = 999;

      g_assert_true (gxmpp_stanza_error_type_from_string (types[i], &type));
      g_assert_cmpint (type, ==, i);
      g_assert_cmpstr (gxmpp_stanza_error_type_to_string (type), ==, types[i]);
    }
  g_assert_false (gxmpp_stanza_error_type_from_string ("Cancel", NULL));
}

static void
test_auth_conditions (void)
{
  static const char * const names[] = {
    "aborted", "account-disabled", "credentials-expired", "encryption-required",
    "incorrect-encoding", "invalid-authzid", "invalid-mechanism",
    "malformed-request", "mechanism-too-weak", "not-authorized",
    "temporary-auth-failure",
  };
  GEnumClass *klass = g_type_class_ref (GXMPP_TYPE_AUTH_ERROR);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++)
    {
      GXmppAuthError condition = 999;

      g_assert_true (gxmpp_auth_error_from_string (names[i], &condition));
      g_assert_cmpint (condition, ==, i);
      g_assert_cmpstr (gxmpp_auth_error_to_string (condition), ==, names[i]);
    }

  /* The library's own conditions have no element name and cannot be
   * spoofed by a server sending an element of that name. */
  for (i = G_N_ELEMENTS (names); i < klass->n_values; i++)
    {
      g_assert_null (gxmpp_auth_error_to_string (i));
      g_assert_cmpstr (gxmpp_auth_error_get_description (i), !=, "");
    }
  g_assert_false (gxmpp_auth_error_from_string ("server-signature-mismatch", NULL));
  g_type_class_unref (klass);
}

static void
test_domains (void)
{
  g_assert_cmpstr (g_quark_to_string (GXMPP_ERROR), ==, "gxmpp-error-quark");
  g_assert_cmpstr (g_quark_to_string (GXMPP_JID_ERROR), ==, "gxmpp-jid-error-quark");
  g_assert_cmpstr (g_quark_to_string (GXMPP_STREAM_ERROR), ==, "gxmpp-stream-error-quark");
  g_assert_cmpstr (g_quark_to_string (GXMPP_AUTH_ERROR), ==, "gxmpp-auth-error-quark");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/errors/stream-conditions", test_stream_conditions);
  g_test_add_func ("/errors/stanza-conditions", test_stanza_conditions);
  g_test_add_func ("/errors/auth-conditions", test_auth_conditions);
  g_test_add_func ("/errors/domains", test_domains);

  return g_test_run ();
}
