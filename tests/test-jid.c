/* test-jid.c: GXmppJid (RFC 7622)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <locale.h>
#include <string.h>

#include <xmpp-glib/xmpp-glib.h>

#include "gxmpp-jid-private.h"

/* Helpers */

static GXmppJid *
parse_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  GXmppJid *jid = gxmpp_jid_new (text, &error);

  if (error != NULL)
    g_error ("\"%s\": %s", text, error->message);
  g_assert_nonnull (jid);
  return jid;
}

static void
assert_parses_to (const char *text,
                  const char *expected)
{
  g_autoptr(GXmppJid) jid = parse_ok (text);

  g_assert_cmpstr (gxmpp_jid_to_string (jid), ==, expected);
}

static void
assert_error (const GError *error,
              const char   *what,
              int           code,
              const char   *needle)
{
  if (error == NULL)
    g_error ("\"%s\": accepted, expected error %d", what, code);
  g_assert_true (error->domain == GXMPP_JID_ERROR);
  if (error->code != code)
    g_error ("\"%s\": error %d (%s), expected %d", what, error->code, error->message, code);
  if (needle != NULL && strstr (error->message, needle) == NULL)
    g_error ("\"%s\": message \"%s\" does not mention \"%s\"", what, error->message, needle);
}

static void
assert_refused (const char *text,
                int         code,
                const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppJid) jid = gxmpp_jid_new (text, &error);

  g_assert_null (jid);
  assert_error (error, text, code, needle);
}

static gboolean
jids_equal (const char *a,
            const char *b)
{
  g_autoptr(GXmppJid) ja = parse_ok (a);
  g_autoptr(GXmppJid) jb = parse_ok (b);
  gboolean equal = gxmpp_jid_equal (ja, jb);

  /* equal strings and equal hashes go with equality */
  g_assert_cmpint (equal, ==, strcmp (gxmpp_jid_to_string (ja), gxmpp_jid_to_string (jb)) == 0);
  if (equal)
    g_assert_cmpuint (gxmpp_jid_hash (ja), ==, gxmpp_jid_hash (jb));
  return equal;
}

static char *
repeat (const char *s,
        guint       n)
{
  GString *str = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append (str, s);
  return g_string_free (str, FALSE);
}

/* RFC 7622 section 3.5 */

static void
test_rfc7622_valid (void)
{
  static const struct {
    const char *text;
    const char *local;
    const char *domain;
    const char *resource;
  } cases[] = {
    /* Table 1 */
    { "juliet@example.com", "juliet", "example.com", NULL },
    { "juliet@example.com/foo", "juliet", "example.com", "foo" },
    { "juliet@example.com/foo bar", "juliet", "example.com", "foo bar" },
    { "juliet@example.com/foo@bar", "juliet", "example.com", "foo@bar" },
    { "foo\\20bar@example.com", "foo\\20bar", "example.com", NULL },
    { "fussball@example.com", "fussball", "example.com", NULL },
    { "fußball@example.com", "fußball", "example.com", NULL },
    { "π@example.com", "π", "example.com", NULL },
    { "Σ@example.com/foo", "σ", "example.com", "foo" },
    { "σ@example.com/foo", "σ", "example.com", "foo" },
    { "ς@example.com/foo", "ς", "example.com", "foo" },
    { "king@example.com/♚", "king", "example.com", "♚" },
    { "example.com", NULL, "example.com", NULL },
    { "example.com/foobar", NULL, "example.com", "foobar" },
    { "a.example.com/b@example.net", NULL, "a.example.com", "b@example.net" },
    /* Table 2 lists a leading space in the resourcepart as invalid, but
     * OpaqueString allows it (erratum 4560). */
    { "juliet@example.com/ foo", "juliet", "example.com", " foo" },
    /* The first '/' starts the resourcepart, which may hold '/' and '@' */
    { "server/resource@foo", NULL, "server", "resource@foo" },
    { "server/resource@foo/bar", NULL, "server", "resource@foo/bar" },
    { "a/b@c", NULL, "a", "b@c" },
    { "a@b/c/d", "a", "b", "c/d" },
    { "a@b/c@d/e", "a", "b", "c@d/e" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GXmppJid) jid = parse_ok (cases[i].text);
      g_autoptr(GXmppJid) again = NULL;

      g_assert_cmpstr (gxmpp_jid_get_local (jid), ==, cases[i].local);
      g_assert_cmpstr (gxmpp_jid_get_domain (jid), ==, cases[i].domain);
      g_assert_cmpstr (gxmpp_jid_get_resource (jid), ==, cases[i].resource);

      /* The canonical string parses to the same JID. */
      again = parse_ok (gxmpp_jid_to_string (jid));
      g_assert_true (gxmpp_jid_equal (jid, again));
    }
}

static void
test_rfc7622_invalid (void)
{
  static const struct {
    const char *text;
    GXmppJidError code;
    const char *needle;
  } cases[] = {
    /* Table 2 */
    { "\"juliet\"@example.com", GXMPP_JID_ERROR_LOCALPART, "U+0022" },
    { "foo bar@example.com", GXMPP_JID_ERROR_LOCALPART, "U+0020" },
    { "@example.com/", GXMPP_JID_ERROR_LOCALPART, "empty" },
    { "henryⅣ@example.com", GXMPP_JID_ERROR_LOCALPART, "U+2173" },
    { "♚@example.com", GXMPP_JID_ERROR_LOCALPART, "U+265A" },
    { "juliet@", GXMPP_JID_ERROR_DOMAINPART, "empty" },
    { "/foobar", GXMPP_JID_ERROR_DOMAINPART, "empty" },
    /* More empty parts; the first part at fault is reported */
    { "", GXMPP_JID_ERROR_INVALID, "empty" },
    { "node@/server", GXMPP_JID_ERROR_DOMAINPART, "empty" },
    { "@server", GXMPP_JID_ERROR_LOCALPART, "empty" },
    { "@server/resource", GXMPP_JID_ERROR_LOCALPART, "empty" },
    { "@/resource", GXMPP_JID_ERROR_LOCALPART, "empty" },
    { "@/", GXMPP_JID_ERROR_LOCALPART, "empty" },
    { "/", GXMPP_JID_ERROR_DOMAINPART, "empty" },
    { "@", GXMPP_JID_ERROR_LOCALPART, "empty" },
    { "user@", GXMPP_JID_ERROR_DOMAINPART, "empty" },
    { "juliet@example.com/", GXMPP_JID_ERROR_RESOURCEPART, "empty" },
    { "example.com/", GXMPP_JID_ERROR_RESOURCEPART, "empty" },
    /* A second '@' belongs to the domainpart, which refuses it */
    { "user@@", GXMPP_JID_ERROR_DOMAINPART, NULL },
    { "user@@host", GXMPP_JID_ERROR_DOMAINPART, "U+0040" },
    { "user@@host/resource", GXMPP_JID_ERROR_DOMAINPART, "U+0040" },
    { "user@@host/", GXMPP_JID_ERROR_DOMAINPART, "U+0040" },
    { "a@b@c", GXMPP_JID_ERROR_DOMAINPART, "U+0040" },
    /* The other characters RFC 7622 forbids in localparts */
    { "a&b@example.com", GXMPP_JID_ERROR_LOCALPART, "U+0026" },
    { "a'b@example.com", GXMPP_JID_ERROR_LOCALPART, "U+0027" },
    { "a:b@example.com", GXMPP_JID_ERROR_LOCALPART, "U+003A" },
    { "a<b@example.com", GXMPP_JID_ERROR_LOCALPART, "U+003C" },
    { "a>b@example.com", GXMPP_JID_ERROR_LOCALPART, "U+003E" },
    { "a\x01" "b@example.com", GXMPP_JID_ERROR_LOCALPART, "U+0001" },
    { "juliet@example.com/a\tb", GXMPP_JID_ERROR_RESOURCEPART, "U+0009" },
    { "juliet@example.com/a\x7f", GXMPP_JID_ERROR_RESOURCEPART, "U+007F" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_refused (cases[i].text, cases[i].code, cases[i].needle);
}

static void
test_invalid_utf8 (void)
{
  static const char * const cases[] = {
    "\xff@example.com",
    "juliet@example.com/\xc3",
    "juliet@exa\xe2\x82mple.com",
    "\xc0\xaf@example.com",                     /* overlong '/' */
    "a\xed\xa0\x80@example.com",                /* surrogate */
    "a@example.com/\xf4\x90\x80\x80",           /* beyond U+10FFFF */
  };
  g_autoptr(GXmppJid) base = parse_ok ("juliet@example.com");

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_refused (cases[i], GXMPP_JID_ERROR_INVALID, "UTF-8");

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GXmppJid) jid = gxmpp_jid_new_from_parts ("a", "example.com", "\xff", &error);

    g_assert_null (jid);
    assert_error (error, "from parts", GXMPP_JID_ERROR_INVALID, "UTF-8");
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GXmppJid) jid = gxmpp_jid_new_from_parts (NULL, "ex\xc3" "ample.com", NULL, &error);

    g_assert_null (jid);
    assert_error (error, "from parts", GXMPP_JID_ERROR_INVALID, "UTF-8");
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GXmppJid) jid = gxmpp_jid_with_resource (base, "a\x80", &error);

    g_assert_null (jid);
    assert_error (error, "with resource", GXMPP_JID_ERROR_INVALID, "UTF-8");
  }
}

/* Length limits */

static void
test_length_limits (void)
{
  g_autofree char *a1023 = repeat ("a", 1023);
  g_autofree char *a1024 = repeat ("a", 1024);
  g_autofree char *han1023 = repeat ("中", 341);       /* 3 bytes each */
  g_autofree char *han1024 = g_strconcat (han1023, "a", NULL);
  g_autofree char *wide1023 = repeat ("Ａ", 1023);     /* 3069 bytes, prepared to 1023 */
  g_autofree char *wide1024 = repeat ("Ａ", 1024);
  g_autofree char *text = NULL;
  g_autoptr(GXmppJid) jid = NULL;

  g_assert_cmpuint (strlen (han1023), ==, 1023);

  /* localpart */
  text = g_strconcat (a1023, "@example.com", NULL);
  jid = parse_ok (text);
  g_assert_cmpuint (strlen (gxmpp_jid_get_local (jid)), ==, 1023);
  g_clear_pointer (&jid, gxmpp_jid_unref);
  g_free (text);
  text = g_strconcat (a1024, "@example.com", NULL);
  assert_refused (text, GXMPP_JID_ERROR_LOCALPART, "1023");
  g_free (text);
  text = g_strconcat (han1023, "@example.com", NULL);
  jid = parse_ok (text);
  g_clear_pointer (&jid, gxmpp_jid_unref);
  g_free (text);
  text = g_strconcat (han1024, "@example.com", NULL);
  assert_refused (text, GXMPP_JID_ERROR_LOCALPART, "1023");
  g_free (text);

  /* The limit applies to the prepared localpart */
  text = g_strconcat (wide1023, "@example.com", NULL);
  jid = parse_ok (text);
  g_assert_cmpstr (gxmpp_jid_get_local (jid), ==, a1023);
  g_clear_pointer (&jid, gxmpp_jid_unref);
  g_free (text);
  text = g_strconcat (wide1024, "@example.com", NULL);
  assert_refused (text, GXMPP_JID_ERROR_LOCALPART, "1023");
  g_free (text);

  /* resourcepart */
  text = g_strconcat ("juliet@example.com/", a1023, NULL);
  jid = parse_ok (text);
  g_assert_cmpuint (strlen (gxmpp_jid_get_resource (jid)), ==, 1023);
  g_clear_pointer (&jid, gxmpp_jid_unref);
  g_free (text);
  text = g_strconcat ("juliet@example.com/", a1024, NULL);
  assert_refused (text, GXMPP_JID_ERROR_RESOURCEPART, "1023");
  g_free (text);
  text = g_strconcat ("juliet@example.com/", han1023, NULL);
  jid = parse_ok (text);
  g_clear_pointer (&jid, gxmpp_jid_unref);
  g_free (text);
  text = g_strconcat ("juliet@example.com/", han1024, NULL);
  assert_refused (text, GXMPP_JID_ERROR_RESOURCEPART, "1023");
  g_free (text);

  /* domainpart: 1023 and 1024 bytes are both too long for DNS */
  text = g_strconcat ("juliet@", a1023, NULL);
  assert_refused (text, GXMPP_JID_ERROR_DOMAINPART, NULL);
  g_free (text);
  text = g_strconcat ("juliet@", a1024, NULL);
  assert_refused (text, GXMPP_JID_ERROR_DOMAINPART, NULL);
  g_free (text);
  text = NULL;
}

static void
test_length_input_bound (void)
{
  /* Input parts over 4 * 1023 bytes are refused before any Unicode work,
   * even when they would prepare to something short. */
  g_autofree char *shy_ok = repeat ("\xc2\xad", 2000);          /* 4000 bytes */
  g_autofree char *shy_long = repeat ("\xc2\xad", 2047);        /* 4094 bytes */
  g_autofree char *text = NULL;
  g_autoptr(GXmppJid) jid = NULL;
  g_autofree char *a4093 = repeat ("a", 4093);
  g_autofree char *garbage = NULL;

  /* U+00AD SOFT HYPHEN is dropped by the UTS #46 mapping of domain names */
  text = g_strconcat ("juliet@ex", shy_ok, "ample.com", NULL);
  jid = parse_ok (text);
  g_assert_cmpstr (gxmpp_jid_get_domain (jid), ==, "example.com");
  g_free (text);
  text = g_strconcat ("juliet@ex", shy_long, "ample.com", NULL);
  assert_refused (text, GXMPP_JID_ERROR_DOMAINPART, "1023");
  g_free (text);

  text = g_strconcat (a4093, "@example.com", NULL);
  assert_refused (text, GXMPP_JID_ERROR_LOCALPART, "1023");
  g_free (text);
  text = g_strconcat ("example.com/", a4093, NULL);
  assert_refused (text, GXMPP_JID_ERROR_RESOURCEPART, "1023");
  g_free (text);

  /* The bound comes before UTF-8 validation */
  garbage = g_strdup (a4093);
  garbage[0] = '\xff';
  text = g_strconcat (garbage, "@example.com", NULL);
  assert_refused (text, GXMPP_JID_ERROR_LOCALPART, "1023");
  g_free (text);
  text = NULL;
}

static void
test_length_dns (void)
{
  g_autofree char *l63 = repeat ("a", 63);
  g_autofree char *l64 = repeat ("a", 64);
  g_autofree char *l55 = repeat ("a", 55);
  g_autofree char *l56 = repeat ("a", 56);
  g_autofree char *text = NULL;
  g_autoptr(GXmppJid) jid = NULL;
  GString *name;

  text = g_strconcat ("x@", l63, ".com", NULL);
  jid = parse_ok (text);
  g_clear_pointer (&jid, gxmpp_jid_unref);
  g_free (text);
  text = g_strconcat ("x@", l64, ".com", NULL);
  assert_refused (text, GXMPP_JID_ERROR_DOMAINPART, "63");
  g_free (text);

  /* The label limit is on the A-label: "ü" and 55 "a" make a 63-byte
   * A-label ("xn--", 55 "a", "-oxf"), 56 "a" a 64-byte one. */
  text = g_strconcat ("x@ü", l55, ".com", NULL);
  jid = parse_ok (text);
  g_clear_pointer (&jid, gxmpp_jid_unref);
  g_free (text);
  text = g_strconcat ("x@ü", l56, ".com", NULL);
  assert_refused (text, GXMPP_JID_ERROR_DOMAINPART, NULL);
  g_free (text);

  /* 253 bytes in all, 254 too long (also with a trailing dot) */
  name = g_string_new (NULL);
  while (name->len < 253)
    g_string_append (name, name->len == 0 ? "a" : ".a");
  g_assert_cmpuint (name->len, ==, 253);
  jid = parse_ok (name->str);
  g_clear_pointer (&jid, gxmpp_jid_unref);
  g_string_append (name, ".");
  jid = parse_ok (name->str);
  g_assert_cmpuint (strlen (gxmpp_jid_get_domain (jid)), ==, 253);
  g_clear_pointer (&jid, gxmpp_jid_unref);
  g_string_truncate (name, 253);
  g_string_prepend (name, "b");
  assert_refused (name->str, GXMPP_JID_ERROR_DOMAINPART, NULL);
  g_string_free (name, TRUE);
  text = NULL;
}

/* Which strings are the same address (documented in GXmppJid) */

static void
test_same_final_sigma (void)
{
  g_autoptr(GXmppJid) jid = parse_ok ("ΌΣΟΣ@example.com");

  g_assert_cmpstr (gxmpp_jid_get_local (jid), ==, "όσος");
  g_assert_true (jids_equal ("ΌΣΟΣ@example.com", "όσος@example.com"));
  g_assert_false (jids_equal ("ΌΣΟΣ@example.com", "όσοσ@example.com"));
  g_assert_true (jids_equal ("Σ@example.com", "σ@example.com"));
  g_assert_false (jids_equal ("ς@example.com", "σ@example.com"));
  g_assert_true (jids_equal ("ΣΑΣ@example.com", "σας@example.com"));
}

static void
test_same_sharp_s (void)
{
  g_autoptr(GXmppJid) jid = parse_ok ("STRAẞE@example.com");

  g_assert_cmpstr (gxmpp_jid_get_local (jid), ==, "straße");
  g_assert_true (jids_equal ("STRAẞE@example.com", "straße@example.com"));
  g_assert_false (jids_equal ("straße@example.com", "strasse@example.com"));
}

static void
test_same_case (void)
{
  g_autoptr(GXmppJid) jid = parse_ok ("İ@example.com");

  g_assert_true (jids_equal ("Juliet@example.com", "juliet@example.com"));
  g_assert_true (jids_equal ("JULIET@EXAMPLE.COM/balcony", "juliet@example.com/balcony"));
  /* resources are case-sensitive */
  g_assert_false (jids_equal ("juliet@example.com/Home", "juliet@example.com/home"));
  /* locale-independent lower case */
  g_assert_cmpstr (gxmpp_jid_get_local (jid), ==, "i\xcc\x87");
  g_assert_false (jids_equal ("İ@example.com", "i@example.com"));
  g_assert_true (jids_equal ("I@example.com", "i@example.com"));
  /* circled letters and Roman numerals are lower-cased before they are
   * refused: the message names the lower-case character */
  assert_refused ("Ⓙ@example.com", GXMPP_JID_ERROR_LOCALPART, "U+24D9");
}

static void
test_same_width (void)
{
  g_autoptr(GXmppJid) jid = parse_ok ("ＪＵＬＩＥＴ@example.com");

  g_assert_cmpstr (gxmpp_jid_get_local (jid), ==, "juliet");
  g_assert_true (jids_equal ("ＪＵＬＩＥＴ@example.com", "juliet@example.com"));
  g_assert_true (jids_equal ("ｶﾞ@example.com", "ガ@example.com"));
  /* the mapping can produce a forbidden character */
  assert_refused ("a＠b@example.com", GXMPP_JID_ERROR_LOCALPART, "U+0040");
  assert_refused ("a／b@example.com", GXMPP_JID_ERROR_LOCALPART, "U+002F");
  /* no width mapping in resources */
  g_assert_false (jids_equal ("juliet@example.com/ＡＢ", "juliet@example.com/AB"));
}

static void
test_same_compatibility (void)
{
  g_autoptr(GXmppJid) jid = parse_ok ("juliet@example.com/ﬁ");

  /* refused in localparts */
  assert_refused ("ﬁ@example.com", GXMPP_JID_ERROR_LOCALPART, "U+FB01");
  assert_refused ("ⓙuliet@example.com", GXMPP_JID_ERROR_LOCALPART, "U+24D9");
  assert_refused ("x²@example.com", GXMPP_JID_ERROR_LOCALPART, "U+00B2");
  /* kept in resourceparts: NFC, never NFKC */
  g_assert_cmpstr (gxmpp_jid_get_resource (jid), ==, "ﬁ");
  g_assert_false (jids_equal ("juliet@example.com/ﬁ", "juliet@example.com/fi"));
  g_assert_false (jids_equal ("juliet@example.com/x²", "juliet@example.com/x2"));
  g_assert_false (jids_equal ("juliet@example.com/ⓙ", "juliet@example.com/j"));
  /* NFC applies */
  g_assert_true (jids_equal ("juliet@example.com/e\xcc\x81", "juliet@example.com/é"));
  g_assert_true (jids_equal ("juliet@example.com/\xe2\x84\xa6", "juliet@example.com/Ω"));
  g_assert_true (jids_equal ("e\xcc\x81@example.com", "é@example.com"));
}

static void
test_same_emoji (void)
{
  g_autoptr(GXmppJid) jid = parse_ok ("juliet@example.com/\xf0\x9f\x98\x80");

  g_assert_cmpstr (gxmpp_jid_get_resource (jid), ==, "\xf0\x9f\x98\x80");
  assert_refused ("\xf0\x9f\x98\x80@example.com", GXMPP_JID_ERROR_LOCALPART, "U+1F600");
  assert_refused ("king♚@example.com", GXMPP_JID_ERROR_LOCALPART, "U+265A");
  assert_parses_to ("juliet@example.com/€ & ♚", "juliet@example.com/€ & ♚");
  /* ZWJ sequences and variation selectors are refused everywhere */
  assert_refused ("juliet@example.com/\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9",
                  GXMPP_JID_ERROR_RESOURCEPART, "U+200D");
  assert_refused ("juliet@example.com/\xe2\x9d\xa4\xef\xb8\x8f",
                  GXMPP_JID_ERROR_RESOURCEPART, "U+FE0F");
  assert_parses_to ("juliet@example.com/\xe2\x9d\xa4", "juliet@example.com/\xe2\x9d\xa4");
}

static void
test_same_spaces (void)
{
  g_autoptr(GXmppJid) jid = parse_ok ("juliet@example.com/a\xc2\xa0" "b\xe3\x80\x80" "c");

  g_assert_cmpstr (gxmpp_jid_get_resource (jid), ==, "a b c");
  assert_refused ("a\xc2\xa0" "b@example.com", GXMPP_JID_ERROR_LOCALPART, "U+00A0");
  assert_refused ("a\xe3\x80\x80" "b@example.com", GXMPP_JID_ERROR_LOCALPART, "U+0020");
  assert_refused ("juliet@example.com/a\xe2\x80\xa8" "b", GXMPP_JID_ERROR_RESOURCEPART, "U+2028");
}

static void
test_unassigned (void)
{
  assert_refused ("a\xcd\xb8@example.com", GXMPP_JID_ERROR_LOCALPART, "U+0378");
  assert_refused ("juliet@example.com/\xcd\xb8", GXMPP_JID_ERROR_RESOURCEPART, "U+0378");
  /* new in Unicode 15.1 */
  assert_refused ("juliet@example.com/\xf0\xae\xaf\xb0", GXMPP_JID_ERROR_RESOURCEPART, "U+2EBF0");
  /* new in Unicode 15.0 */
  assert_parses_to ("\xf0\xb1\x8d\x90@example.com", "\xf0\xb1\x8d\x90@example.com");
}

static void
test_bidi (void)
{
  assert_parses_to ("שלום@example.com", "שלום@example.com");
  assert_parses_to ("مرحبا@example.com", "مرحبا@example.com");
  assert_refused ("aא@example.com", GXMPP_JID_ERROR_LOCALPART, "U+05D0");
  assert_refused ("1א@example.com", GXMPP_JID_ERROR_LOCALPART, "U+0031");
  assert_refused ("א-@example.com", GXMPP_JID_ERROR_LOCALPART, "Bidi");
  /* no Bidi Rule in resources */
  assert_parses_to ("juliet@example.com/aא", "juliet@example.com/aא");
  /* nor in a localpart without right-to-left characters */
  assert_parses_to ("-a-@example.com", "-a-@example.com");
}

static void
test_context_rules (void)
{
  assert_parses_to ("L·L@example.com", "l·l@example.com");
  assert_refused ("a·b@example.com", GXMPP_JID_ERROR_LOCALPART, "U+00B7");
  assert_parses_to ("juliet@example.com/क्\u200Dष", "juliet@example.com/क्\u200Dष");
  assert_refused ("a\u200Cb@example.com", GXMPP_JID_ERROR_LOCALPART, "U+200C");
  assert_parses_to ("ب\u200Cب@example.com", "ب\u200Cب@example.com");
  assert_refused ("juliet@example.com/٣۳", GXMPP_JID_ERROR_RESOURCEPART, "U+0663");
  assert_parses_to ("צה״ל@example.com", "צה״ל@example.com");
  assert_refused ("juliet@example.com/a״", GXMPP_JID_ERROR_RESOURCEPART, "U+05F4");
}

/* Domainparts */

static void
test_domain_idn (void)
{
  static const char * const same[][2] = {
    { "juliet@MÜLLER.example", "juliet@müller.example" },
    { "juliet@xn--mller-kva.example", "juliet@müller.example" },
    { "juliet@XN--MLLER-KVA.EXAMPLE", "juliet@müller.example" },
    { "juliet@mu\xcc\x88ller.example", "juliet@müller.example" },       /* NFC */
    { "EXAMPLE.COM", "example.com" },
    { "example.com.", "example.com" },
    { "juliet@example.com./r", "juliet@example.com/r" },
    { "example.com\xe3\x80\x82", "example.com" },                      /* U+3002 */
    { "日本語。ＪＰ", "日本語.jp" },
    { "xn--55qx5d.cn", "公司.cn" },
    { "faß.de", "faß.de" },
    { "xn--zca.de", "ß.de" },
    { "ΌΣΟΣ.gr", "όσοσ.gr" },
    { "ｅｘａｍｐｌｅ.com", "example.com" },
    { "ex\xc2\xad" "ample.com", "example.com" },                       /* soft hyphen */
    { "localhost", "localhost" },
    { "a-b.example", "a-b.example" },
    { "1password.com", "1password.com" },
    { "example.123", "example.123" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (same); i++)
    assert_parses_to (same[i][0], same[i][1]);

  g_assert_true (jids_equal ("juliet@MÜLLER.example", "juliet@xn--mller-kva.example"));
}

static void
test_domain_invalid (void)
{
  static const struct {
    const char *text;
    const char *needle;
  } cases[] = {
    { "ex_ample.com", "U+005F" },
    { "a b.com", "U+0020" },
    { "a:b", "U+003A" },
    { "a%b.com", "U+0025" },
    { "::1", "U+003A" },
    { "-abc.com", NULL },
    { "abc-.com", NULL },
    { "ab--cd.com", NULL },
    /* A-labels must decode to valid U-labels (RFC 5891 5.4): these decode
     * to disallowed characters (found by tests/fuzz/fuzz-jid.c). */
    { "xn--mmkva.ex", "A-label" },
    { "xn--a.example", NULL },
    { "xn--a.com", NULL },
    { "xn--ss-zzz.com", NULL },
    { "a..b", "empty label" },
    { ".example.com", "empty label" },
    { "example.com..", "empty label" },
    { "example.com.\xe3\x80\x82", "empty label" },
    { ".", "empty" },
    { "a\u200Db.com", NULL },
    { "aא.com", NULL },
    { "\xf0\x9f\x98\x80.com", NULL },
    { "ex\xe2\x80\xa8" "ample.com", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_refused (cases[i].text, GXMPP_JID_ERROR_DOMAINPART, cases[i].needle);
}

static void
test_domain_ip (void)
{
  static const char * const ok[][2] = {
    { "[::1]", "[::1]" },
    { "juliet@[::1]/r", "juliet@[::1]/r" },
    { "[2001:DB8:0:0:0:0:0:1]", "[2001:db8::1]" },
    { "[2001:db8::1]", "[2001:db8::1]" },
    { "[::ffff:192.0.2.1]", "[::ffff:192.0.2.1]" },
    { "[::1].", "[::1]" },
    { "192.0.2.1", "192.0.2.1" },
    { "juliet@192.0.2.1/r", "juliet@192.0.2.1/r" },
    { "0.0.0.0", "0.0.0.0" },
    { "255.255.255.255", "255.255.255.255" },
    { "192.0.2.1.", "192.0.2.1" },
  };
  static const char * const bad[] = {
    "[::1", "[]", "[", "[1.2.3.4]", "[fe80::1%eth0]", "[v1.x]", "[::g]",
    "[::1]x", "[[::1]]", "[ ::1]", "[1:2:3:4:5:6:7:8:9]",
    "1.2.3.999", "256.0.0.1", "127.1", "010.0.0.1", "1.2.3.4.5", "1.2.3",
    "123", "1..2.3",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (ok); i++)
    assert_parses_to (ok[i][0], ok[i][1]);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_refused (bad[i], GXMPP_JID_ERROR_DOMAINPART, NULL);

  assert_refused ("[::1", GXMPP_JID_ERROR_DOMAINPART, "IPv6");
  assert_refused ("1.2.3.999", GXMPP_JID_ERROR_DOMAINPART, "IPv4");
}

/* The ASCII fast paths must agree with the general code. */

static void
compare_paths (const char *text)
{
  g_autoptr(GError) fast_error = NULL;
  g_autoptr(GError) slow_error = NULL;
  g_autoptr(GXmppJid) fast = NULL;
  g_autoptr(GXmppJid) slow = NULL;

  gxmpp_jid_set_fast_paths (TRUE);
  fast = gxmpp_jid_new (text, &fast_error);
  gxmpp_jid_set_fast_paths (FALSE);
  slow = gxmpp_jid_new (text, &slow_error);
  gxmpp_jid_set_fast_paths (TRUE);

  if ((fast == NULL) != (slow == NULL))
    g_error ("\"%s\": fast path %s, general path %s", text,
             fast ? gxmpp_jid_to_string (fast) : fast_error->message,
             slow ? gxmpp_jid_to_string (slow) : slow_error->message);
  if (fast != NULL)
    {
      g_assert_cmpstr (gxmpp_jid_to_string (fast), ==, gxmpp_jid_to_string (slow));
      g_assert_cmpstr (gxmpp_jid_get_local (fast), ==, gxmpp_jid_get_local (slow));
      g_assert_cmpstr (gxmpp_jid_get_domain (fast), ==, gxmpp_jid_get_domain (slow));
      g_assert_cmpstr (gxmpp_jid_get_resource (fast), ==, gxmpp_jid_get_resource (slow));
      g_assert_cmpuint (gxmpp_jid_hash (fast), ==, gxmpp_jid_hash (slow));
    }
  else
    {
      g_assert_error (slow_error, GXMPP_JID_ERROR, fast_error->code);
    }
}

static void
test_fast_path_agrees (void)
{
  static const char * const cases[] = {
    "juliet@example.com", "Juliet@Example.COM/Balcony", "example.com",
    "a.b-c.d", "localhost/x", "a1@b2.c3", "x@1.2.3.4", "x@1.2.3.999",
    "x@-a.com", "x@a-.com", "x@ab--c.com", "x@abc--d.com", "x@xn--mller-kva.example",
    "x@XN--MLLER-KVA.example", "x@a..b", "x@.a", "x@a.", "x@a..", "x@123",
    "!#$%*+-.=?^_`{|}~@example.com", "x@example.com/ !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
  };
  g_autofree char *l63 = repeat ("a", 63);
  g_autofree char *l64 = repeat ("a", 64);
  g_autofree char *text = NULL;
  GString *name;

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    compare_paths (cases[i]);

  /* every ASCII character in every part */
  for (int c = 1; c < 0x80; c++)
    {
      char *texts[] = {
        g_strdup_printf ("a%cb@example.com", c),
        g_strdup_printf ("%c@example.com", c),
        g_strdup_printf ("x@a%cb.com", c),
        g_strdup_printf ("x@%c.com", c),
        g_strdup_printf ("x@example.com/a%cb", c),
        g_strdup_printf ("x@example.com/%c", c),
      };

      for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
        {
          compare_paths (texts[i]);
          g_free (texts[i]);
        }
    }

  /* labels and names at the limits */
  text = g_strconcat ("x@", l63, ".com", NULL);
  compare_paths (text);
  g_free (text);
  text = g_strconcat ("x@", l64, ".com", NULL);
  compare_paths (text);
  g_free (text);
  name = g_string_new ("x@");
  while (name->len < 2 + 255)
    {
      g_string_append (name, name->len == 2 ? "a" : ".a");
      compare_paths (name->str);
    }
  g_string_free (name, TRUE);
  text = NULL;
}

/* Building and deriving */

static void
test_from_parts (void)
{
  static const struct {
    const char *local, *domain, *resource;
    const char *expected;
    int code;
    const char *needle;
  } cases[] = {
    { "Juliet", "Example.COM", "Balcony", "juliet@example.com/Balcony", -1, NULL },
    { NULL, "example.com", NULL, "example.com", -1, NULL },
    { NULL, "example.com", "a/b@c", "example.com/a/b@c", -1, NULL },
    { "juliet", "example.com.", NULL, "juliet@example.com", -1, NULL },
    { "a@b", "example.com", NULL, NULL, GXMPP_JID_ERROR_LOCALPART, "U+0040" },
    { "a/b", "example.com", NULL, NULL, GXMPP_JID_ERROR_LOCALPART, "U+002F" },
    { "", "example.com", NULL, NULL, GXMPP_JID_ERROR_LOCALPART, "empty" },
    { NULL, "", NULL, NULL, GXMPP_JID_ERROR_DOMAINPART, "empty" },
    { NULL, "a/b", NULL, NULL, GXMPP_JID_ERROR_DOMAINPART, "U+002F" },
    { NULL, "a@b", NULL, NULL, GXMPP_JID_ERROR_DOMAINPART, "U+0040" },
    { NULL, "example.com", "", NULL, GXMPP_JID_ERROR_RESOURCEPART, "empty" },
    { "a b", "-", "", NULL, GXMPP_JID_ERROR_LOCALPART, "U+0020" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GXmppJid) jid = gxmpp_jid_new_from_parts (cases[i].local, cases[i].domain,
                                                          cases[i].resource, &error);

      if (cases[i].expected != NULL)
        {
          g_autoptr(GXmppJid) again = NULL;

          g_assert_no_error (error);
          g_assert_cmpstr (gxmpp_jid_to_string (jid), ==, cases[i].expected);
          again = parse_ok (gxmpp_jid_to_string (jid));
          g_assert_true (gxmpp_jid_equal (jid, again));
          g_assert_cmpstr (gxmpp_jid_get_resource (again), ==, gxmpp_jid_get_resource (jid));
        }
      else
        {
          g_assert_null (jid);
          assert_error (error, cases[i].expected ? cases[i].expected : "from parts",
                        cases[i].code, cases[i].needle);
        }
    }
}

static void
test_kinds (void)
{
  static const struct {
    const char *text;
    gboolean bare, full, domain;
  } cases[] = {
    { "example.com", TRUE, FALSE, TRUE },
    { "example.com/r", FALSE, TRUE, FALSE },
    { "juliet@example.com", TRUE, FALSE, FALSE },
    { "juliet@example.com/r", FALSE, TRUE, FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GXmppJid) jid = parse_ok (cases[i].text);

      g_assert_cmpint (gxmpp_jid_is_bare (jid), ==, cases[i].bare);
      g_assert_cmpint (gxmpp_jid_is_full (jid), ==, cases[i].full);
      g_assert_cmpint (gxmpp_jid_is_domain (jid), ==, cases[i].domain);
    }
}

static void
test_to_bare (void)
{
  g_autoptr(GXmppJid) full = parse_ok ("Juliet@Example.com/Balcony");
  g_autoptr(GXmppJid) bare = gxmpp_jid_to_bare (full);
  g_autoptr(GXmppJid) bare2 = gxmpp_jid_to_bare (bare);
  g_autoptr(GXmppJid) server = parse_ok ("example.com/admin");
  g_autoptr(GXmppJid) server_bare = gxmpp_jid_to_bare (server);
  g_autoptr(GXmppJid) expected = parse_ok ("juliet@example.com");

  g_assert_true (bare != full);
  g_assert_cmpstr (gxmpp_jid_to_string (bare), ==, "juliet@example.com");
  g_assert_cmpstr (gxmpp_jid_get_local (bare), ==, "juliet");
  g_assert_cmpstr (gxmpp_jid_get_domain (bare), ==, "example.com");
  g_assert_null (gxmpp_jid_get_resource (bare));
  g_assert_true (gxmpp_jid_equal (bare, expected));
  g_assert_cmpuint (gxmpp_jid_hash (bare), ==, gxmpp_jid_hash (expected));
  /* already bare: the same object */
  g_assert_true (bare2 == bare);
  g_assert_cmpstr (gxmpp_jid_to_string (server_bare), ==, "example.com");
  g_assert_true (gxmpp_jid_is_domain (server_bare));
}

static void
test_with_resource (void)
{
  g_autoptr(GXmppJid) bare = parse_ok ("juliet@example.com");
  g_autoptr(GXmppJid) full = gxmpp_jid_with_resource (bare, "Balcony\xc2\xa0" "2", NULL);
  g_autoptr(GXmppJid) other = gxmpp_jid_with_resource (full, "a/b@c", NULL);
  g_autoptr(GXmppJid) none = gxmpp_jid_with_resource (full, NULL, NULL);
  g_autoptr(GXmppJid) server = parse_ok ("example.com");
  g_autoptr(GXmppJid) server_full = gxmpp_jid_with_resource (server, "r", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppJid) bad = NULL;

  g_assert_cmpstr (gxmpp_jid_to_string (full), ==, "juliet@example.com/Balcony 2");
  g_assert_cmpstr (gxmpp_jid_get_resource (full), ==, "Balcony 2");
  g_assert_cmpstr (gxmpp_jid_get_domain (full), ==, "example.com");
  g_assert_cmpstr (gxmpp_jid_get_local (full), ==, "juliet");
  g_assert_cmpstr (gxmpp_jid_to_string (other), ==, "juliet@example.com/a/b@c");
  g_assert_true (gxmpp_jid_equal (none, bare));
  g_assert_cmpstr (gxmpp_jid_to_string (server_full), ==, "example.com/r");
  g_assert_null (gxmpp_jid_get_local (server_full));

  bad = gxmpp_jid_with_resource (bare, "a\tb", &error);
  g_assert_null (bad);
  assert_error (error, "with_resource", GXMPP_JID_ERROR_RESOURCEPART, "U+0009");
  g_clear_error (&error);
  bad = gxmpp_jid_with_resource (bare, "", &error);
  g_assert_null (bad);
  assert_error (error, "with_resource", GXMPP_JID_ERROR_RESOURCEPART, "empty");
}

/* Equality, hashing, reference counting */

static void
test_equal_bare (void)
{
  g_autoptr(GXmppJid) a = parse_ok ("juliet@example.com/balcony");
  g_autoptr(GXmppJid) b = parse_ok ("Juliet@EXAMPLE.com/garden");
  g_autoptr(GXmppJid) c = parse_ok ("juliet@example.com");
  g_autoptr(GXmppJid) d = parse_ok ("romeo@example.com/balcony");
  g_autoptr(GXmppJid) e = parse_ok ("example.com/balcony");
  g_autoptr(GXmppJid) f = parse_ok ("juliet@example.net/balcony");

  g_assert_false (gxmpp_jid_equal (a, b));
  g_assert_true (gxmpp_jid_equal_bare (a, b));
  g_assert_true (gxmpp_jid_equal_bare (a, c));
  g_assert_true (gxmpp_jid_equal_bare (a, a));
  g_assert_false (gxmpp_jid_equal_bare (a, d));
  g_assert_false (gxmpp_jid_equal_bare (a, e));
  g_assert_false (gxmpp_jid_equal_bare (e, a));
  g_assert_false (gxmpp_jid_equal_bare (a, f));
  g_assert_false (gxmpp_jid_equal (a, c));
  g_assert_true (gxmpp_jid_equal (a, a));
}

static void
test_hash_table (void)
{
  g_autoptr(GHashTable) table = g_hash_table_new_full ((GHashFunc) gxmpp_jid_hash,
                                                       (GEqualFunc) gxmpp_jid_equal,
                                                       (GDestroyNotify) gxmpp_jid_unref,
                                                       g_free);
  static const char * const keys[] = {
    "juliet@example.com", "juliet@example.com/balcony", "juliet@example.com/Balcony",
    "romeo@example.com", "example.com", "ΌΣΟΣ@example.com",
  };
  g_autoptr(GXmppJid) probe = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    g_hash_table_insert (table, parse_ok (keys[i]), g_strdup (keys[i]));
  g_assert_cmpuint (g_hash_table_size (table), ==, G_N_ELEMENTS (keys));

  probe = parse_ok ("JULIET@Example.COM/balcony");
  g_assert_cmpstr (g_hash_table_lookup (table, probe), ==, "juliet@example.com/balcony");
  g_clear_pointer (&probe, gxmpp_jid_unref);
  probe = parse_ok ("όσος@example.com");
  g_assert_cmpstr (g_hash_table_lookup (table, probe), ==, "ΌΣΟΣ@example.com");
  g_clear_pointer (&probe, gxmpp_jid_unref);
  probe = parse_ok ("juliet@example.com/BALCONY");
  g_assert_null (g_hash_table_lookup (table, probe));
  g_clear_pointer (&probe, gxmpp_jid_unref);

  /* inserting an equal key replaces the value, not adds an entry */
  g_hash_table_insert (table, parse_ok ("Romeo@example.com."), g_strdup ("again"));
  g_assert_cmpuint (g_hash_table_size (table), ==, G_N_ELEMENTS (keys));
  probe = parse_ok ("romeo@example.com");
  g_assert_cmpstr (g_hash_table_lookup (table, probe), ==, "again");
}

static void
test_refcount (void)
{
  GXmppJid *jid = parse_ok ("juliet@example.com/balcony");
  GXmppJid *copy;
  const char *string = gxmpp_jid_to_string (jid);

  g_assert_true (gxmpp_jid_ref (jid) == jid);
  gxmpp_jid_unref (jid);

  /* the boxed type copies by reference */
  g_assert_true (g_type_is_a (GXMPP_TYPE_JID, G_TYPE_BOXED));
  g_assert_cmpstr (g_type_name (GXMPP_TYPE_JID), ==, "GXmppJid");
  copy = g_boxed_copy (GXMPP_TYPE_JID, jid);
  g_assert_true (copy == jid);
  g_boxed_free (GXMPP_TYPE_JID, copy);

  /* still alive, same string */
  g_assert_true (gxmpp_jid_to_string (jid) == string);
  g_assert_cmpstr (string, ==, "juliet@example.com/balcony");

  {
    GValue value = G_VALUE_INIT;

    g_value_init (&value, GXMPP_TYPE_JID);
    g_value_set_boxed (&value, jid);
    g_assert_true (g_value_get_boxed (&value) == jid);
    g_value_unset (&value);
  }

  gxmpp_jid_unref (jid);
}

static gpointer
ref_unref_thread (gpointer data)
{
  for (int i = 0; i < 100000; i++)
    {
      gxmpp_jid_ref (data);
      gxmpp_jid_unref (data);
    }
  return NULL;
}

static void
test_refcount_threads (void)
{
  GXmppJid *jid = parse_ok ("juliet@example.com/balcony");
  GThread *threads[4];

  for (gsize i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("ref-unref", ref_unref_thread, jid);
  for (gsize i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);

  /* exactly one reference left: the JID is intact, and the last unref
   * frees it (valgrind and ASan check that) */
  g_assert_cmpstr (gxmpp_jid_to_string (jid), ==, "juliet@example.com/balcony");
  gxmpp_jid_unref (jid);
}

/* gxmpp_jid_new_cached() gives what gxmpp_jid_new() gives, whatever was
 * parsed before: hits, misses, more texts than the cache holds, invalid
 * and over-long texts, and texts that differ only after a common prefix. */
static void
cached_agrees (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) cached_error = NULL;
  g_autoptr(GXmppJid) jid = gxmpp_jid_new (text, &error);
  g_autoptr(GXmppJid) cached = gxmpp_jid_new_cached (text, &cached_error);

  if (jid == NULL)
    {
      g_assert_null (cached);
      g_assert_nonnull (cached_error);
      g_assert_cmpuint (cached_error->domain, ==, error->domain);
      g_assert_cmpint (cached_error->code, ==, error->code);
      g_assert_cmpstr (cached_error->message, ==, error->message);
    }
  else
    {
      g_assert_no_error (cached_error);
      g_assert_nonnull (cached);
      g_assert_true (gxmpp_jid_equal (jid, cached));
      g_assert_cmpstr (gxmpp_jid_to_string (cached), ==, gxmpp_jid_to_string (jid));
    }
}

static void
test_cached (void)
{
  g_autofree char *long_resource = g_strdup_printf ("a@example.com/%0300d", 7);
  const char *texts[] = {
    "Juliet@Example.COM/balcony", "juliet@example.com/balcony", "juliet@example.com/Balcony",
    "romeo@example.net", "example.org", "a@b/c/d@e", "", "@example.com",
    "juliet@example.com/", "juliet@exa mple.com", "ＪＵＬＩＥＴ@example.com",
    "juliet@example.com/balcony2", long_resource,
  };

  for (guint round = 0; round < 3; round++)
    for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
      {
        cached_agrees (texts[i]);
        /* a hit right after a miss */
        cached_agrees (texts[i]);
        cached_agrees (texts[(i * 7 + round) % G_N_ELEMENTS (texts)]);
      }
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/jid/rfc7622/valid", test_rfc7622_valid);
  g_test_add_func ("/jid/rfc7622/invalid", test_rfc7622_invalid);
  g_test_add_func ("/jid/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/jid/length/limits", test_length_limits);
  g_test_add_func ("/jid/length/input-bound", test_length_input_bound);
  g_test_add_func ("/jid/length/dns", test_length_dns);
  g_test_add_func ("/jid/same/final-sigma", test_same_final_sigma);
  g_test_add_func ("/jid/same/sharp-s", test_same_sharp_s);
  g_test_add_func ("/jid/same/case", test_same_case);
  g_test_add_func ("/jid/same/width", test_same_width);
  g_test_add_func ("/jid/same/compatibility", test_same_compatibility);
  g_test_add_func ("/jid/same/emoji", test_same_emoji);
  g_test_add_func ("/jid/same/spaces", test_same_spaces);
  g_test_add_func ("/jid/unassigned", test_unassigned);
  g_test_add_func ("/jid/bidi", test_bidi);
  g_test_add_func ("/jid/context-rules", test_context_rules);
  g_test_add_func ("/jid/domain/idn", test_domain_idn);
  g_test_add_func ("/jid/domain/invalid", test_domain_invalid);
  g_test_add_func ("/jid/domain/ip", test_domain_ip);
  g_test_add_func ("/jid/fast-path-agrees", test_fast_path_agrees);
  g_test_add_func ("/jid/from-parts", test_from_parts);
  g_test_add_func ("/jid/kinds", test_kinds);
  g_test_add_func ("/jid/to-bare", test_to_bare);
  g_test_add_func ("/jid/with-resource", test_with_resource);
  g_test_add_func ("/jid/equal-bare", test_equal_bare);
  g_test_add_func ("/jid/hash-table", test_hash_table);
  g_test_add_func ("/jid/refcount", test_refcount);
  g_test_add_func ("/jid/refcount-threads", test_refcount_threads);
  g_test_add_func ("/jid/cached", test_cached);

  return g_test_run ();
}
