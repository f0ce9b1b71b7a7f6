/* gxmpp-lang-tag.c: language tags (RFC 5646)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stddef.h>
#include <string.h>

#include "gxmpp-error.h"
#include "gxmpp-i18n-private.h"
#include "gxmpp-lang-tag.h"

/**
 * GXmppLangTag:
 *
 * A language tag (RFC 5646, "BCP 47"), as carried by `xml:lang`: `en`,
 * `de-CH`, `zh-Hant-TW`, `es-419`, `sl-rozaj-biske`, `en-x-pirate`.
 *
 * [ctor@GXmpp.LangTag.new] accepts every *well-formed* tag, that is every
 * string that matches the ABNF of RFC 5646 section 2.1, including extended
 * language subtags, variants, extensions, private-use tags and the
 * grandfathered tags. It does not consult the IANA registry, so a
 * well-formed tag with an unregistered subtag (`qq-ZZ`), a repeated
 * variant or a repeated extension singleton is accepted.
 *
 * Tags are compared case-insensitively, and [method@GXmpp.LangTag.to_string]
 * gives the case RFC 5646 section 2.1.1 recommends: `zh-hant-tw` becomes
 * `zh-Hant-TW`. [method@GXmpp.LangTag.matches] implements the basic
 * filtering of RFC 4647 section 3.3.1, which is how `xml:lang` alternatives
 * of a message body are picked for a preferred language.
 *
 * Language tags are immutable and reference counted; they can be used as
 * #GHashTable keys with [method@GXmpp.LangTag.hash] and
 * [method@GXmpp.LangTag.equal] (cast to #GHashFunc and #GEqualFunc in C).
 */

G_DEFINE_BOXED_TYPE (GXmppLangTag, gxmpp_lang_tag, gxmpp_lang_tag_ref, gxmpp_lang_tag_unref)

struct _GXmppLangTag {
  gatomicrefcount ref_count;
  guint hash;
  const char *string;           /* the canonical tag */
  gsize n_subtags;
  /* n_subtags + 1 pointers, then the canonical tag and, NUL-terminated,
   * each subtag */
  const char *subtags[];
};

/* RFC 5646 section 2.2.8 */
static const char * const grandfathered[] = {
  /* irregular */
  "en-GB-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak",
  "i-klingon", "i-lux", "i-mingo", "i-navajo", "i-pwn", "i-tao", "i-tay",
  "i-tsu", "sgn-BE-FR", "sgn-BE-NL", "sgn-CH-DE",
  /* regular */
  "art-lojban", "cel-gaulish", "no-bok", "no-nyn", "zh-guoyu", "zh-hakka",
  "zh-min", "zh-min-nan", "zh-xiang",
};

typedef struct {
  const char *start;
  gsize len;
} Subtag;

static gboolean
all_alpha (const Subtag *s)
{
  for (gsize i = 0; i < s->len; i++)
    if (!g_ascii_isalpha (s->start[i]))
      return FALSE;
  return TRUE;
}

static gboolean
all_digit (const Subtag *s)
{
  for (gsize i = 0; i < s->len; i++)
    if (!g_ascii_isdigit (s->start[i]))
      return FALSE;
  return TRUE;
}

static gboolean
is_x (const Subtag *s)
{
  return s->len == 1 && g_ascii_tolower (s->start[0]) == 'x';
}

static gboolean
is_variant (const Subtag *s)
{
  /* 5*8alphanum / (DIGIT 3alphanum); alphanum is already checked */
  return (s->len >= 5 && s->len <= 8) ||
         (s->len == 4 && g_ascii_isdigit (s->start[0]));
}

/* Splits @text into subtags of 1 to 8 ASCII letters and digits. Returns the
 * number of subtags, or 0 if @text is not such a sequence. With @subtags
 * NULL only counts. */
static gsize
split (const char *text,
       gsize       len,
       Subtag     *subtags)
{
  gsize n = 0, start = 0;

  for (gsize i = 0; i <= len; i++)
    {
      if (i < len && text[i] != '-')
        {
          if (!g_ascii_isalnum (text[i]))
            return 0;
          continue;
        }
      if (i == start || i - start > 8)
        return 0;
      if (subtags != NULL)
        {
          subtags[n].start = text + start;
          subtags[n].len = i - start;
        }
      n++;
      start = i + 1;
    }
  return n;
}

/* The langtag and privateuse productions of RFC 5646 section 2.1. */
static gboolean
well_formed (const Subtag *s,
             gsize         n)
{
  gsize i = 0;

  /* privateuse = "x" 1*("-" (1*8alphanum)) */
  if (is_x (&s[0]))
    return n >= 2;

  /* language = 2*3ALPHA ["-" extlang] / 4ALPHA / 5*8ALPHA */
  if (s[0].len < 2 || !all_alpha (&s[0]))
    return FALSE;
  i = 1;

  /* extlang = 3ALPHA *2("-" 3ALPHA) */
  if (s[0].len <= 3)
    for (int k = 0; k < 3 && i < n && s[i].len == 3 && all_alpha (&s[i]); k++)
      i++;

  /* script = 4ALPHA */
  if (i < n && s[i].len == 4 && all_alpha (&s[i]))
    i++;

  /* region = 2ALPHA / 3DIGIT */
  if (i < n && ((s[i].len == 2 && all_alpha (&s[i])) ||
                (s[i].len == 3 && all_digit (&s[i]))))
    i++;

  /* *("-" variant) */
  while (i < n && is_variant (&s[i]))
    i++;

  /* *("-" extension); extension = singleton 1*("-" (2*8alphanum)) */
  while (i < n && s[i].len == 1 && !is_x (&s[i]))
    {
      gsize first = ++i;

      while (i < n && s[i].len >= 2)
        i++;
      if (i == first)
        return FALSE;
    }

  /* ["-" privateuse] */
  if (i < n && is_x (&s[i]))
    return n - i >= 2;

  return i == n;
}

static gboolean
is_grandfathered (const char *text,
                  gsize       len)
{
  for (gsize i = 0; i < G_N_ELEMENTS (grandfathered); i++)
    if (strlen (grandfathered[i]) == len &&
        g_ascii_strncasecmp (grandfathered[i], text, len) == 0)
      return TRUE;
  return FALSE;
}

/* Returns the number of subtags if @text is well-formed, else 0, and fills
 * @subtags (which has room for len / 2 + 1) if not NULL. */
static gsize
parse (const char *text,
       gsize       len,
       Subtag     *subtags)
{
  Subtag stack[16];
  Subtag *s = subtags;
  g_autofree Subtag *heap = NULL;
  gsize n = split (text, len, NULL);

  if (n == 0)
    return 0;

  if (s == NULL)
    {
      if (n <= G_N_ELEMENTS (stack))
        s = stack;
      else
        s = heap = g_new (Subtag, n);
    }
  split (text, len, s);

  if (is_grandfathered (text, len))
    return n;
  return well_formed (s, n) ? n : 0;
}

/**
 * gxmpp_lang_tag_is_valid:
 * @text: a string
 *
 * Checks whether @text is a well-formed language tag (RFC 5646 section
 * 2.2.9), that is whether [ctor@GXmpp.LangTag.new] would accept it.
 *
 * Returns: %TRUE if @text is a well-formed language tag
 */
gboolean
gxmpp_lang_tag_is_valid (const char *text)
{
  g_return_val_if_fail (text != NULL, FALSE);

  return parse (text, strlen (text), NULL) > 0;
}

/**
 * gxmpp_lang_tag_new:
 * @text: a language tag, such as `en` or `de-CH`
 * @error: return location for a #GError
 *
 * Parses a language tag. A tag that is not well-formed (RFC 5646 section
 * 2.2.9) fails with %GXMPP_ERROR_INVALID_LANG_TAG.
 *
 * Returns: (transfer full) (nullable): the language tag, or %NULL on error
 */
GXmppLangTag *
gxmpp_lang_tag_new (const char  *text,
                    GError     **error)
{
  Subtag stack[16];
  g_autofree Subtag *heap = NULL;
  Subtag *s = stack;
  GXmppLangTag *tag;
  gsize len, n, size;
  gboolean after_singleton = FALSE;
  char *string, *p;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  len = strlen (text);
  if (len / 2 + 1 > G_N_ELEMENTS (stack))
    s = heap = g_new (Subtag, len / 2 + 1);
  n = parse (text, len, s);
  if (n == 0)
    {
      /* Do not quote the text: it may be anything, also invalid UTF-8. */
      g_set_error_literal (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_LANG_TAG,
                           _("The language tag is not well-formed (RFC 5646)"));
      return NULL;
    }

  /* The struct, n + 1 pointers, the tag, and each subtag with its NUL
   * (the subtags take len - (n - 1) + n bytes). */
  size = offsetof (GXmppLangTag, subtags) + (n + 1) * sizeof (char *) + (len + 1) + (len + 1);
  tag = g_malloc (size);
  g_atomic_ref_count_init (&tag->ref_count);
  tag->n_subtags = n;

  string = (char *) &tag->subtags[n + 1];
  p = string + len + 1;

  /* RFC 5646 section 2.1.1: lower case, except two-letter subtags (upper
   * case) and four-letter subtags (title case) that neither start the tag
   * nor follow a singleton. The rule covers the grandfathered tags too. */
  for (gsize i = 0; i < n; i++)
    {
      gsize offset = (gsize) (s[i].start - text);
      gboolean upper = FALSE, title = FALSE;

      if (i > 0 && !after_singleton)
        {
          upper = s[i].len == 2 && all_alpha (&s[i]);
          title = s[i].len == 4 && all_alpha (&s[i]);
        }
      if (s[i].len == 1)
        after_singleton = TRUE;

      tag->subtags[i] = p;
      for (gsize k = 0; k < s[i].len; k++)
        {
          char c = s[i].start[k];

          c = (upper || (title && k == 0)) ? g_ascii_toupper (c) : g_ascii_tolower (c);
          string[offset + k] = c;
          *p++ = c;
        }
      *p++ = '\0';
      if (i + 1 < n)
        string[offset + s[i].len] = '-';
    }
  string[len] = '\0';
  tag->subtags[n] = NULL;
  tag->string = string;
  tag->hash = g_str_hash (string);

  g_assert ((gsize) (p - (char *) tag) <= size);
  return tag;
}

/**
 * gxmpp_lang_tag_ref:
 * @tag: a language tag
 *
 * Adds a reference to @tag.
 *
 * Returns: (transfer full): @tag
 */
GXmppLangTag *
gxmpp_lang_tag_ref (GXmppLangTag *tag)
{
  g_return_val_if_fail (tag != NULL, NULL);

  g_atomic_ref_count_inc (&tag->ref_count);
  return tag;
}

/**
 * gxmpp_lang_tag_unref:
 * @tag: (transfer full): a language tag
 *
 * Drops a reference to @tag, and frees it when that was the last one.
 */
void
gxmpp_lang_tag_unref (GXmppLangTag *tag)
{
  g_return_if_fail (tag != NULL);

  if (g_atomic_ref_count_dec (&tag->ref_count))
    g_free (tag);
}

/**
 * gxmpp_lang_tag_get_primary:
 * @tag: a language tag
 *
 * Gets the first subtag in lower case: the primary language (`de` for
 * `de-CH`), `x` for a private-use tag, `i` for grandfathered tags such as
 * `i-klingon`.
 *
 * Returns: the primary subtag
 */
const char *
gxmpp_lang_tag_get_primary (GXmppLangTag *tag)
{
  g_return_val_if_fail (tag != NULL, NULL);

  return tag->subtags[0];
}

/**
 * gxmpp_lang_tag_get_subtags:
 * @tag: a language tag
 *
 * Gets all subtags, the primary one first, in canonical case: `zh`, `Hant`,
 * `TW` for `zh-hant-tw`.
 *
 * Returns: (transfer none) (array zero-terminated=1): the subtags
 */
const char * const *
gxmpp_lang_tag_get_subtags (GXmppLangTag *tag)
{
  g_return_val_if_fail (tag != NULL, NULL);

  return tag->subtags;
}

/**
 * gxmpp_lang_tag_to_string:
 * @tag: a language tag
 *
 * Gets the tag in the case RFC 5646 section 2.1.1 recommends: subtags in
 * lower case, except regions in upper case and scripts in title case
 * (`mn-Cyrl-MN`, `es-419`, `en-CA-x-ca`).
 *
 * Returns: (transfer none): the tag as a string
 */
const char *
gxmpp_lang_tag_to_string (GXmppLangTag *tag)
{
  g_return_val_if_fail (tag != NULL, NULL);

  return tag->string;
}

/**
 * gxmpp_lang_tag_equal:
 * @a: a language tag
 * @b: another language tag
 *
 * Compares two tags, ignoring case. Fits #GEqualFunc (cast it in C).
 *
 * Returns: %TRUE if @a and @b are the same tag
 */
gboolean
gxmpp_lang_tag_equal (GXmppLangTag *a,
                      GXmppLangTag *b)
{
  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);

  /* The canonical case depends only on the tag's structure, so equal tags
   * have equal strings. */
  return a == b || (a->hash == b->hash && strcmp (a->string, b->string) == 0);
}

/**
 * gxmpp_lang_tag_hash:
 * @tag: a language tag
 *
 * Gets a hash of @tag, consistent with [method@GXmpp.LangTag.equal]. Fits
 * #GHashFunc (cast it in C).
 *
 * Returns: the hash
 */
guint
gxmpp_lang_tag_hash (GXmppLangTag *tag)
{
  g_return_val_if_fail (tag != NULL, 0);

  return tag->hash;
}

static gboolean
basic_range_is_valid (const char *range,
                      gsize       len)
{
  gsize start = 0;

  /* language-range = (1*8ALPHA *("-" 1*8alphanum)) / "*" */
  for (gsize i = 0; i <= len; i++)
    {
      if (i < len && range[i] != '-')
        {
          if (start == 0 ? !g_ascii_isalpha (range[i]) : !g_ascii_isalnum (range[i]))
            return FALSE;
          continue;
        }
      if (i == start || i - start > 8)
        return FALSE;
      start = i + 1;
    }
  return TRUE;
}

/**
 * gxmpp_lang_tag_matches:
 * @tag: a language tag
 * @range: a basic language range (RFC 4647 section 2.1), such as `de` or `*`
 *
 * Checks whether @range matches @tag by the basic filtering of RFC 4647
 * section 3.3.1: `*` matches every tag; any other range matches a tag that
 * equals it or begins with it followed by `-`, ignoring case. So `de`
 * matches `de` and `de-CH` but not `dec`, and `de-ch` matches `de-CH-1996`.
 * A range that is not a basic language range (such as `de-*` or an empty
 * string) matches nothing.
 *
 * Returns: %TRUE if @range matches @tag
 */
gboolean
gxmpp_lang_tag_matches (GXmppLangTag *tag,
                        const char   *range)
{
  gsize len;

  g_return_val_if_fail (tag != NULL, FALSE);
  g_return_val_if_fail (range != NULL, FALSE);

  if (strcmp (range, "*") == 0)
    return TRUE;

  len = strlen (range);
  if (!basic_range_is_valid (range, len))
    return FALSE;

  return g_ascii_strncasecmp (tag->string, range, len) == 0 &&
         (tag->string[len] == '\0' || tag->string[len] == '-');
}
