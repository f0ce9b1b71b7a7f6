/* test-lang-tag.c: GXmppLangTag (RFC 5646, RFC 4647)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <xmpp-glib/xmpp-glib.h>

static GXmppLangTag *
parse_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  GXmppLangTag *tag = gxmpp_lang_tag_new (text, &error);

  if (error != NULL)
    g_error ("\"%s\": %s", text, error->message);
  g_assert_nonnull (tag);
  g_assert_true (gxmpp_lang_tag_is_valid (text));
  return tag;
}

static void
assert_refused (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppLangTag) tag = gxmpp_lang_tag_new (text, &error);

  if (tag != NULL)
    g_error ("\"%s\": accepted as \"%s\"", text, gxmpp_lang_tag_to_string (tag));
  g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_LANG_TAG);
  g_assert_false (gxmpp_lang_tag_is_valid (text));
}

/* RFC 5646 appendix A, and the productions of section 2.1 */
static void
test_well_formed (void)
{
  static const char * const cases[] = {
    /* Simple language subtag */
    "de", "fr", "ja", "i-enochian",
    /* Language subtag plus script */
    "zh-Hant", "zh-Hans", "sr-Cyrl", "sr-Latn",
    /* Extended language subtags */
    "zh-cmn-Hans-CN", "cmn-Hans-CN", "zh-yue-HK", "yue-HK",
    /* Language-script-region */
    "zh-Hans-CN", "sr-Latn-RS",
    /* Language-variant */
    "sl-rozaj", "sl-rozaj-biske", "sl-nedis",
    /* Language-region-variant */
    "de-CH-1901", "sl-IT-nedis",
    /* Language-script-region-variant */
    "hy-Latn-IT-arevela",
    /* Language-region */
    "de-DE", "en-US", "es-419",
    /* Private use subtags */
    "de-CH-x-phonebk", "az-Arab-x-AZE-derbend",
    /* Private use registry values */
    "x-whatever", "qaa-Qaaa-QM-x-southern", "de-Qaaa", "sr-Latn-QM", "sr-Qaaa-RS",
    /* Extensions */
    "en-US-u-islamcal", "zh-CN-a-myext-x-private", "en-a-myext-b-another",
    /* Well-formed though not valid (repeated singleton, repeated variant,
     * unregistered subtags) */
    "ar-a-aaa-b-bbb-a-ccc", "de-1996-1996", "qq-ZZ",
    /* More of the grammar */
    "abcd", "abcdefgh", "abcde-Latn", "zh-abc-def-ghi", "en-0abc", "en-Latn-0abc",
    "en-a-12", "en-x-1", "x-a-b-c", "en-US-1996-abcde-a-bb-ccc-x-d",
    /* Grandfathered, irregular and regular */
    "en-GB-oed", "i-ami", "i-bnn", "i-default", "i-hak", "i-klingon", "i-lux",
    "i-mingo", "i-navajo", "i-pwn", "i-tao", "i-tay", "i-tsu", "sgn-BE-FR",
    "sgn-BE-NL", "sgn-CH-DE", "art-lojban", "cel-gaulish", "no-bok", "no-nyn",
    "zh-guoyu", "zh-hakka", "zh-min", "zh-min-nan", "zh-xiang",
    /* Case does not matter */
    "EN-us", "I-KLINGON", "X-WHATEVER",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GXmppLangTag) tag = parse_ok (cases[i]);

      g_assert_cmpint (g_ascii_strcasecmp (gxmpp_lang_tag_to_string (tag), cases[i]), ==, 0);
    }
}

static void
test_not_well_formed (void)
{
  static const char * const cases[] = {
    /* RFC 5646 appendix A: two regions; a singleton first */
    "de-419-DE", "a-DE",
    /* empty and misplaced hyphens */
    "", "-", "en-", "-en", "en--US", "en-US-",
    /* bad subtags */
    "e", "en_US", "en US", "123", "1234", "toolongtag", "en-123456789", "dé",
    "en-Latn-Latn", "en-US-US", "zh-abc-def-ghi-jkl", "i-foo", "en-GB-oed-x",
    "sgn-BE-FR-x-foo",
    /* extensions need at least one subtag of 2 to 8 characters */
    "en-a", "en-a-b-c", "en-a-x-foo", "en-u-1", "en-a-123456789",
    /* private use needs at least one subtag of 1 to 8 characters */
    "x", "x-", "en-x", "x-123456789", "en-x-",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_refused (cases[i]);

  /* Invalid UTF-8 is simply not a tag */
  assert_refused ("e\xff");
}

static void
test_many_subtags (void)
{
  GString *text = g_string_new ("x");
  g_autoptr(GXmppLangTag) tag = NULL;
  const char * const *subtags;

  for (int i = 0; i < 40; i++)
    g_string_append_printf (text, "-S%d", i);
  g_assert_true (gxmpp_lang_tag_is_valid (text->str));
  tag = parse_ok (text->str);
  subtags = gxmpp_lang_tag_get_subtags (tag);
  g_assert_cmpuint (g_strv_length ((char **) subtags), ==, 41);
  g_assert_cmpstr (subtags[40], ==, "s39");
  g_string_append (text, "-");
  g_assert_false (gxmpp_lang_tag_is_valid (text->str));
  g_string_free (text, TRUE);
}

/* RFC 5646 section 2.1.1 */
static void
test_canonical_case (void)
{
  static const char * const cases[][2] = {
    { "mn-cyrl-mn", "mn-Cyrl-MN" },
    { "MN-CYRL-MN", "mn-Cyrl-MN" },
    { "zh-hant-tw", "zh-Hant-TW" },
    { "ES-419", "es-419" },
    { "de-ch-1996", "de-CH-1996" },
    { "EN-ca-X-CA", "en-CA-x-ca" },
    { "AZ-latn-X-LATN", "az-Latn-x-latn" },
    { "en-a-BBBB-CC", "en-a-bbbb-cc" },
    { "SGN-be-fr", "sgn-BE-FR" },
    { "en-gb-OED", "en-GB-oed" },
    { "I-KLINGON", "i-klingon" },
    { "ZH-MIN-NAN", "zh-min-nan" },
    { "X-WHATEVER-AB", "x-whatever-ab" },
    { "ZH-CMN-HANS-CN", "zh-cmn-Hans-CN" },
    { "SL-ROZAJ-BISKE", "sl-rozaj-biske" },
    { "en-LATN-0ABC", "en-Latn-0abc" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GXmppLangTag) tag = parse_ok (cases[i][0]);

      g_assert_cmpstr (gxmpp_lang_tag_to_string (tag), ==, cases[i][1]);
    }
}

static void
test_subtags (void)
{
  g_autoptr(GXmppLangTag) tag = parse_ok ("zh-hant-tw");
  g_autoptr(GXmppLangTag) priv = parse_ok ("X-Foo");
  g_autoptr(GXmppLangTag) klingon = parse_ok ("i-klingon");
  g_autoptr(GXmppLangTag) single = parse_ok ("DE");
  const char * const *subtags = gxmpp_lang_tag_get_subtags (tag);

  g_assert_cmpstr (gxmpp_lang_tag_get_primary (tag), ==, "zh");
  g_assert_cmpstr (subtags[0], ==, "zh");
  g_assert_cmpstr (subtags[1], ==, "Hant");
  g_assert_cmpstr (subtags[2], ==, "TW");
  g_assert_null (subtags[3]);
  g_assert_true (gxmpp_lang_tag_get_primary (tag) == subtags[0]);

  g_assert_cmpstr (gxmpp_lang_tag_get_primary (priv), ==, "x");
  g_assert_cmpstr (gxmpp_lang_tag_get_subtags (priv)[1], ==, "foo");
  g_assert_cmpstr (gxmpp_lang_tag_get_primary (klingon), ==, "i");
  g_assert_cmpstr (gxmpp_lang_tag_get_primary (single), ==, "de");
  g_assert_cmpuint (g_strv_length ((char **) gxmpp_lang_tag_get_subtags (single)), ==, 1);
}

/* RFC 4647 section 3.3.1 */
static void
test_matches (void)
{
  static const struct {
    const char *tag;
    const char *range;
    gboolean matches;
  } cases[] = {
    { "de", "de", TRUE },
    { "de-CH", "de", TRUE },
    { "de-CH-1996", "de", TRUE },
    { "de-CH-1996", "de-ch", TRUE },
    { "de-CH-1996", "DE-CH-1996", TRUE },
    { "dec", "de", FALSE },
    { "de", "de-CH", FALSE },
    { "de-Latn-CH", "de-CH", FALSE },
    { "en", "de", FALSE },
    { "en-US-u-islamcal", "en-us-u", TRUE },
    { "x-foo", "x", TRUE },
    { "i-klingon", "i", TRUE },
    { "de", "*", TRUE },
    { "x-whatever", "*", TRUE },
    { "i-klingon", "*", TRUE },
    /* not basic language ranges */
    { "de-CH", "de-*", FALSE },
    { "de", "", FALSE },
    { "de", "de-", FALSE },
    { "de", "-de", FALSE },
    { "es-419", "419", FALSE },
    { "de", "**", FALSE },
    { "de-CH", "de--CH", FALSE },
    { "de", "toolongxx", FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GXmppLangTag) tag = parse_ok (cases[i].tag);

      if (gxmpp_lang_tag_matches (tag, cases[i].range) != cases[i].matches)
        g_error ("range \"%s\" %s tag \"%s\"", cases[i].range,
                 cases[i].matches ? "does not match" : "matches", cases[i].tag);
    }
}

static void
test_equal_hash (void)
{
  g_autoptr(GXmppLangTag) a = parse_ok ("EN-us");
  g_autoptr(GXmppLangTag) b = parse_ok ("en-US");
  g_autoptr(GXmppLangTag) c = parse_ok ("en");
  g_autoptr(GXmppLangTag) probe = parse_ok ("ZH-hant");
  g_autoptr(GHashTable) table = g_hash_table_new_full ((GHashFunc) gxmpp_lang_tag_hash,
                                                       (GEqualFunc) gxmpp_lang_tag_equal,
                                                       (GDestroyNotify) gxmpp_lang_tag_unref,
                                                       NULL);

  g_assert_true (gxmpp_lang_tag_equal (a, b));
  g_assert_cmpuint (gxmpp_lang_tag_hash (a), ==, gxmpp_lang_tag_hash (b));
  g_assert_false (gxmpp_lang_tag_equal (a, c));
  g_assert_true (gxmpp_lang_tag_equal (c, c));

  g_hash_table_add (table, parse_ok ("en-US"));
  g_hash_table_add (table, parse_ok ("zh-Hant"));
  g_hash_table_add (table, parse_ok ("EN-us"));
  g_assert_cmpuint (g_hash_table_size (table), ==, 2);
  g_assert_true (g_hash_table_contains (table, probe));
  g_assert_false (g_hash_table_contains (table, c));
}

static void
test_refcount (void)
{
  GXmppLangTag *tag = parse_ok ("de-CH");
  GXmppLangTag *copy;

  g_assert_true (gxmpp_lang_tag_ref (tag) == tag);
  gxmpp_lang_tag_unref (tag);
  g_assert_cmpstr (g_type_name (GXMPP_TYPE_LANG_TAG), ==, "GXmppLangTag");
  copy = g_boxed_copy (GXMPP_TYPE_LANG_TAG, tag);
  g_assert_true (copy == tag);
  g_boxed_free (GXMPP_TYPE_LANG_TAG, copy);
  g_assert_cmpstr (gxmpp_lang_tag_to_string (tag), ==, "de-CH");
  gxmpp_lang_tag_unref (tag);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lang-tag/well-formed", test_well_formed);
  g_test_add_func ("/lang-tag/not-well-formed", test_not_well_formed);
  g_test_add_func ("/lang-tag/many-subtags", test_many_subtags);
  g_test_add_func ("/lang-tag/canonical-case", test_canonical_case);
  g_test_add_func ("/lang-tag/subtags", test_subtags);
  g_test_add_func ("/lang-tag/matches", test_matches);
  g_test_add_func ("/lang-tag/equal-hash", test_equal_hash);
  g_test_add_func ("/lang-tag/refcount", test_refcount);

  return g_test_run ();
}
