/* gxmpp-jid.c: XMPP addresses (RFC 7622)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stddef.h>
#include <string.h>

#include <gio/gio.h>
#include <idn2.h>

#include "gxmpp-error.h"
#include "gxmpp-i18n-private.h"
#include "gxmpp-jid.h"
#include "gxmpp-jid-private.h"
#include "gxmpp-precis-private.h"

/**
 * GXmppJid:
 *
 * An XMPP address ("JID", RFC 7622): `localpart@domainpart/resourcepart`,
 * where the localpart and the resourcepart are optional.
 *
 * A JID is immutable and reference counted, so it can be shared freely,
 * also between threads. It is always in canonical form: the constructors
 * prepare every part as RFC 7622 prescribes and refuse what cannot be
 * prepared, so two JIDs are the same address exactly when their strings
 * ([method@GXmpp.Jid.to_string]) are equal.
 *
 * ```c
 * g_autoptr(GError) error = NULL;
 * g_autoptr(GXmppJid) jid = gxmpp_jid_new ("Juliet@Example.COM/balcony", &error);
 *
 * if (jid == NULL)
 *   g_printerr ("%s\n", error->message);
 * else
 *   g_print ("%s\n", gxmpp_jid_to_string (jid)); // juliet@example.com/balcony
 * ```
 *
 * ## Parsing
 *
 * The text is split at the first `/`: what follows is the resourcepart,
 * which may itself contain `/` and `@`. Before that, the first `@` ends the
 * localpart. Errors are in the %GXMPP_JID_ERROR domain; the code names the
 * part that is at fault (%GXMPP_JID_ERROR_INVALID for an empty address or one
 * that is not valid UTF-8), the message says why, and names the offending
 * character where there is one. Each part may be at most 1023 bytes long
 * once prepared; input parts longer than 4092 bytes are refused before any
 * Unicode processing.
 *
 * - The **localpart** is prepared with the PRECIS UsernameCaseMapped profile
 *   (RFC 8265 section 3.3): fullwidth and halfwidth characters are mapped to
 *   their ordinary forms, letters are lower-cased, the result is normalized
 *   to NFC, the Bidi Rule of RFC 5893 applies to right-to-left text, and
 *   then only letters and digits (the PRECIS IdentifierClass) remain
 *   allowed. RFC 7622 also forbids `"`, `&`, `'`, `/`, `:`, `<`, `>` and `@`.
 * - The **resourcepart** is prepared with the PRECIS OpaqueString profile
 *   (RFC 8265 section 4.2): non-ASCII spaces become U+0020 SPACE and the
 *   result is normalized to NFC; letters, digits, spaces, symbols and
 *   punctuation (the PRECIS FreeformClass) are allowed, control characters
 *   and unassigned code points are not.
 * - The **domainpart** is an IPv6 literal in brackets (`[2001:db8::1]`,
 *   stored in the lower-case, compressed form), an IPv4 address in
 *   dotted-quad form (`192.0.2.1`), or a domain name. Domain names go
 *   through IDNA2008 (libidn2, with the non-transitional mapping of UTS #46)
 *   and are stored as lower-case U-labels in NFC. One trailing dot is
 *   removed (RFC 7622 section 3.2).
 *
 * ## Which strings are the same address
 *
 * Because of the preparation, different strings can give the same JID.
 * These are the rules, with the decisions where the RFCs leave room:
 *
 * - Localparts are case-insensitive, with Unicode's default,
 *   locale-independent toLowerCase: `Juliet@example.com` and
 *   `juliet@example.com` are the same address in every locale, and
 *   U+0130 `İ` becomes `i` followed by U+0307 COMBINING DOT ABOVE also under
 *   a Turkish locale.
 * - Capital sigma follows Unicode's Final_Sigma rule: `ΌΣΟΣ` becomes
 *   `όσος` (with U+03C2 final sigma at the end), which is the same localpart
 *   as `όσος` typed in lower case; a `Σ` that does not end a word, or stands
 *   alone, becomes `σ`. So `ΌΣΟΣ` and `όσοσ` are different localparts, and
 *   so are `ς` and `σ` typed in lower case.
 * - `ß` stays `ß` and is not the same as `ss`; U+1E9E `ẞ` lower-cases
 *   to `ß`.
 * - Fullwidth and halfwidth forms in a localpart are mapped: `ＪＵＬＩＥＴ`
 *   is `juliet`, halfwidth katakana become ordinary katakana. Other
 *   compatibility characters, such as the ligature U+FB01 `ﬁ`, circled
 *   letters (`ⓙ`) or superscript digits, are refused in localparts and
 *   kept as they are in resourceparts: resourceparts are normalized to NFC
 *   only, never NFKC, so `ﬁ` and `fi` are different resources.
 * - Resourceparts are case-sensitive: `/Home` and `/home` differ.
 * - Emoji and other symbols are refused in localparts and allowed in
 *   resourceparts. Emoji sequences joined with U+200D ZERO WIDTH JOINER and
 *   emoji with the variation selector U+FE0F are refused in both, because
 *   PRECIS allows the joiner only after a virama (RFC 5892 appendix A.2)
 *   and disallows default-ignorable code points.
 * - Spaces are refused in localparts; in resourceparts every space
 *   character (such as U+00A0 NO-BREAK SPACE or U+3000 IDEOGRAPHIC SPACE)
 *   becomes U+0020.
 * - Domain names are case-insensitive and their internationalized forms are
 *   equivalent: `MÜLLER.example`, `müller.example` and
 *   `xn--mller-kva.example` are one domain, stored as `müller.example`. The
 *   UTS #46 mapping also maps fullwidth forms and the ideographic full stop
 *   `。`, and drops default-ignorable characters such as U+00AD SOFT
 *   HYPHEN; it keeps `ß` (non-transitional), and lower-cases `Σ` to `σ`
 *   everywhere. `example.com.` is `example.com`.
 * - Labels of domain names must follow the host name rules (STD 3: ASCII
 *   letters, digits and `-`, not at the start or end of a label) once in
 *   A-label form, be 1 to 63 bytes long, and the whole name at most 253:
 *   `localhost`, `example.com` and `müller.example` are accepted,
 *   `ex_ample.com` and `a b.com` are refused. The library checks this
 *   itself rather than passing IDN2_USE_STD3_ASCII_RULES to libidn2, which
 *   in libidn2 2.3 silently drops such characters (it would turn
 *   `ex_ample.com` into `example.com`).
 * - A domainpart made only of digits and dots must be a dotted-quad IPv4
 *   address without leading zeros; `1.2.3.999`, `127.1` and `010.0.0.1` are
 *   refused.
 *
 * ## Unicode version
 *
 * Localparts and resourceparts are prepared with Unicode 15.0.0: the PRECIS
 * derived property table is generated from the Unicode 15.0.0 Character
 * Database, and GLib 2.74, whose case mapping, normalization and script
 * data the library uses, implements Unicode 15.0 as well (the table also
 * supplies the lowercase mappings of circled letters and Roman numerals,
 * which g_unichar_tolower() does not apply). Code points that are not
 * assigned in Unicode 15.0 are refused. Domain names are checked with the
 * IDNA tables of the libidn2 the library is linked with.
 *
 * ## JIDs as hash table keys
 *
 * [method@GXmpp.Jid.hash] and [method@GXmpp.Jid.equal] fit #GHashTable; in C
 * cast them:
 *
 * ```c
 * GHashTable *contacts = g_hash_table_new_full ((GHashFunc) gxmpp_jid_hash,
 *                                               (GEqualFunc) gxmpp_jid_equal,
 *                                               (GDestroyNotify) gxmpp_jid_unref,
 *                                               g_object_unref);
 * ```
 *
 * The hash is computed once, when the JID is built.
 */

G_DEFINE_BOXED_TYPE (GXmppJid, gxmpp_jid, gxmpp_jid_ref, gxmpp_jid_unref)

struct _GXmppJid {
  gatomicrefcount ref_count;
  guint hash;
  const char *local;            /* NULL or inside data */
  const char *domain;           /* inside data */
  const char *resource;         /* NULL or inside data (a suffix of the string) */
  gsize domain_len;
  /* "local@domain/resource\0", then "local\0" if there is a localpart, then
   * "domain\0" if there is a resourcepart (otherwise the domain is a suffix
   * of the string) */
  char data[];
};

/* RFC 7622 sections 3.2 to 3.4 */
#define MAX_PART_BYTES 1023
/* Input parts longer than this are refused before any Unicode work, to bound
 * the work done on hostile input. The mappings can shrink a string
 * (fullwidth forms become ASCII, NFC composes, UTS #46 drops ignorable
 * characters in domain names), but no sensible address needs more. */
#define MAX_INPUT_BYTES (4 * MAX_PART_BYTES)
/* RFC 1035 (a 255-byte name in wire format), as libidn2 checks it */
#define MAX_DNS_NAME_BYTES 253
#define MAX_DNS_LABEL_BYTES 63

typedef enum {
  PART_LOCAL,
  PART_DOMAIN,
  PART_RESOURCE,
} PartKind;

/* A prepared part: either newly allocated text (owned), or the input itself
 * when it needed at most ASCII lower-casing. */
typedef struct {
  const char *str;
  gsize len;
  char *owned;
  gboolean lower;
} Part;

/* Tests turn the ASCII fast paths off to compare them with the general
 * ones. */
static gboolean gxmpp_jid_fast_paths = TRUE;

void
gxmpp_jid_set_fast_paths (gboolean enabled)
{
  gxmpp_jid_fast_paths = enabled;
}

static void
part_clear (Part *part)
{
  g_clear_pointer (&part->owned, g_free);
}

static inline gboolean
is_local_forbidden (guchar c)
{
  /* RFC 7622 section 3.3.1 */
  switch (c)
    {
    case '"': case '&': case '\'': case '/': case ':': case '<': case '>': case '@':
      return TRUE;
    default:
      return FALSE;
    }
}

/* Messages. One sentence per part and reason, so that translators never have
 * to fit a part name into a sentence. */

static void
set_too_long_error (GError   **error,
                    PartKind   kind)
{
  switch (kind)
    {
    case PART_LOCAL:
      g_set_error (error, GXMPP_JID_ERROR, GXMPP_JID_ERROR_LOCALPART,
                   _("The localpart is longer than %d bytes"), MAX_PART_BYTES);
      break;
    case PART_DOMAIN:
      g_set_error (error, GXMPP_JID_ERROR, GXMPP_JID_ERROR_DOMAINPART,
                   _("The domainpart is longer than %d bytes"), MAX_PART_BYTES);
      break;
    case PART_RESOURCE:
    default:
      g_set_error (error, GXMPP_JID_ERROR, GXMPP_JID_ERROR_RESOURCEPART,
                   _("The resourcepart is longer than %d bytes"), MAX_PART_BYTES);
      break;
    }
}

static void
set_empty_error (GError   **error,
                 PartKind   kind)
{
  switch (kind)
    {
    case PART_LOCAL:
      g_set_error_literal (error, GXMPP_JID_ERROR, GXMPP_JID_ERROR_LOCALPART,
                           _("The localpart is empty"));
      break;
    case PART_DOMAIN:
      g_set_error_literal (error, GXMPP_JID_ERROR, GXMPP_JID_ERROR_DOMAINPART,
                           _("The domainpart is empty"));
      break;
    case PART_RESOURCE:
    default:
      g_set_error_literal (error, GXMPP_JID_ERROR, GXMPP_JID_ERROR_RESOURCEPART,
                           _("The resourcepart is empty"));
      break;
    }
}

static void
set_precis_error (GError            **error,
                  PartKind            kind,
                  GXmppPrecisStatus   status,
                  gunichar            c)
{
  guint cp = c;

  if (status == GXMPP_PRECIS_ERROR_EMPTY)
    {
      set_empty_error (error, kind);
      return;
    }

  if (kind == PART_LOCAL)
    {
      switch (status)
        {
        case GXMPP_PRECIS_ERROR_UNASSIGNED:
          g_set_error (error, GXMPP_JID_ERROR, GXMPP_JID_ERROR_LOCALPART,
                       _("The localpart contains the code point U+%04X, which is not assigned in Unicode %s"),
                       cp, gxmpp_precis_get_unicode_version ());
          break;
        case GXMPP_PRECIS_ERROR_CONTEXT:
          g_set_error (error, GXMPP_JID_ERROR, GXMPP_JID_ERROR_LOCALPART,
                       _("The localpart contains the character U+%04X in a position where it is not allowed"),
                       cp);
          break;
        case GXMPP_PRECIS_ERROR_BIDI:
          g_set_error (error, GXMPP_JID_ERROR, GXMPP_JID_ERROR_LOCALPART,
                       _("The localpart mixes text directions in a way the Bidi Rule (RFC 5893) forbids, at the character U+%04X"),
                       cp);
          break;
        case GXMPP_PRECIS_ERROR_DISALLOWED:
        default:
          g_set_error (error, GXMPP_JID_ERROR, GXMPP_JID_ERROR_LOCALPART,
                       _("The localpart contains the character U+%04X, which is not allowed"),
                       cp);
          break;
        }
    }
  else
    {
      switch (status)
        {
        case GXMPP_PRECIS_ERROR_UNASSIGNED:
          g_set_error (error, GXMPP_JID_ERROR, GXMPP_JID_ERROR_RESOURCEPART,
                       _("The resourcepart contains the code point U+%04X, which is not assigned in Unicode %s"),
                       cp, gxmpp_precis_get_unicode_version ());
          break;
        case GXMPP_PRECIS_ERROR_CONTEXT:
          g_set_error (error, GXMPP_JID_ERROR, GXMPP_JID_ERROR_RESOURCEPART,
                       _("The resourcepart contains the character U+%04X in a position where it is not allowed"),
                       cp);
          break;
        case GXMPP_PRECIS_ERROR_DISALLOWED:
        case GXMPP_PRECIS_ERROR_BIDI:   /* OpaqueString has no Bidi Rule */
        default:
          g_set_error (error, GXMPP_JID_ERROR, GXMPP_JID_ERROR_RESOURCEPART,
                       _("The resourcepart contains the character U+%04X, which is not allowed"),
                       cp);
          break;
        }
    }
}

/* Valid UTF-8, with a fast scan over the ASCII prefix. */
static gboolean
utf8_valid (const char *text,
            gsize       len)
{
  gsize i = 0;

  while (i < len && (guchar) text[i] < 0x80)
    i++;
  return i == len || g_utf8_validate_len (text + i, len - i, NULL);
}

/* Localparts. The fast path takes printable ASCII other than the forbidden
 * characters: for those, UsernameCaseMapped is ASCII lower-casing. */

static gboolean
local_is_simple (const char *in,
                 gsize       len)
{
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) in[i];

      if (c < 0x21 || c > 0x7E || is_local_forbidden (c))
        return FALSE;
    }
  return TRUE;
}

static gboolean
prepare_local (const char  *in,
               gsize        len,
               Part        *part,
               GError     **error)
{
  GXmppPrecisStatus status;
  gunichar bad = 0;

  if (len == 0)
    {
      set_empty_error (error, PART_LOCAL);
      return FALSE;
    }

  if (gxmpp_jid_fast_paths && local_is_simple (in, len))
    {
      part->str = in;
      part->len = len;
      part->lower = TRUE;
    }
  else
    {
      status = gxmpp_precis_enforce (GXMPP_PRECIS_USERNAME_CASE_MAPPED, in, len,
                                     &part->owned, &part->len, &bad);
      if (status != GXMPP_PRECIS_OK)
        {
          set_precis_error (error, PART_LOCAL, status, bad);
          return FALSE;
        }
      part->str = part->owned;

      /* The forbidden characters are ASCII; check after the mapping, which
       * can produce them (U+FF20 FULLWIDTH COMMERCIAL AT becomes '@'). */
      for (gsize i = 0; i < part->len; i++)
        if (is_local_forbidden ((guchar) part->str[i]))
          {
            set_precis_error (error, PART_LOCAL, GXMPP_PRECIS_ERROR_DISALLOWED,
                              (guchar) part->str[i]);
            return FALSE;
          }
    }

  if (part->len > MAX_PART_BYTES)
    {
      set_too_long_error (error, PART_LOCAL);
      return FALSE;
    }
  return TRUE;
}

/* Resourceparts. The fast path takes printable ASCII and the space, which
 * OpaqueString leaves as they are. */

static gboolean
resource_is_simple (const char *in,
                    gsize       len)
{
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) in[i];

      if (c < 0x20 || c > 0x7E)
        return FALSE;
    }
  return TRUE;
}

static gboolean
prepare_resource (const char  *in,
                  gsize        len,
                  Part        *part,
                  GError     **error)
{
  GXmppPrecisStatus status;
  gunichar bad = 0;

  if (len == 0)
    {
      set_empty_error (error, PART_RESOURCE);
      return FALSE;
    }

  if (gxmpp_jid_fast_paths && resource_is_simple (in, len))
    {
      part->str = in;
      part->len = len;
    }
  else
    {
      status = gxmpp_precis_enforce (GXMPP_PRECIS_OPAQUE_STRING, in, len,
                                     &part->owned, &part->len, &bad);
      if (status != GXMPP_PRECIS_OK)
        {
          set_precis_error (error, PART_RESOURCE, status, bad);
          return FALSE;
        }
      part->str = part->owned;
    }

  if (part->len > MAX_PART_BYTES)
    {
      set_too_long_error (error, PART_RESOURCE);
      return FALSE;
    }
  return TRUE;
}

/* Domainparts */

static gboolean
is_ldh (guchar c)
{
  return g_ascii_isalnum (c) || c == '-';
}

/* What the IDNA2008 lookup leaves unchanged apart from ASCII lower-casing:
 * labels of 1 to 63 letters, digits and hyphens, no hyphen at the start or
 * the end, no "--" at the third and fourth position (that would be an
 * A-label or a reserved form, for libidn2 to judge). */
static gboolean
domain_is_simple (const char *in,
                  gsize       len)
{
  gsize start = 0;

  if (len > MAX_DNS_NAME_BYTES)
    return FALSE;

  for (gsize i = 0; i <= len; i++)
    {
      gsize label_len;

      if (i < len && in[i] != '.')
        {
          if (!is_ldh ((guchar) in[i]))
            return FALSE;
          continue;
        }

      label_len = i - start;
      if (label_len == 0 || label_len > MAX_DNS_LABEL_BYTES)
        return FALSE;
      if (in[start] == '-' || in[i - 1] == '-')
        return FALSE;
      if (label_len >= 4 && in[start + 2] == '-' && in[start + 3] == '-')
        return FALSE;
      start = i + 1;
    }
  return TRUE;
}

/* RFC 3986 IPv4address: four dec-octets, no leading zeros. */
static gboolean
is_dotted_quad (const char *s,
                gsize       len)
{
  gsize i = 0;

  for (int octet = 0; octet < 4; octet++)
    {
      guint value = 0;
      gsize start = i;

      if (octet > 0)
        {
          if (i >= len || s[i] != '.')
            return FALSE;
          start = ++i;
        }
      while (i < len && g_ascii_isdigit (s[i]) && i - start < 3)
        value = value * 10 + (guint) (s[i++] - '0');
      if (i == start || value > 255 || (s[start] == '0' && i - start > 1))
        return FALSE;
    }
  return i == len;
}

static gboolean
check_numeric_domain (const char  *s,
                      gsize        len,
                      GError     **error)
{
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (s[i]) && s[i] != '.')
      return TRUE;

  if (is_dotted_quad (s, len))
    return TRUE;

  g_set_error_literal (error, GXMPP_JID_ERROR, GXMPP_JID_ERROR_DOMAINPART,
                       _("The domainpart looks like an IPv4 address but is not one in dotted-quad form"));
  return FALSE;
}

static gboolean
prepare_ip_literal (const char  *in,
                    gsize        len,
                    Part        *part,
                    GError     **error)
{
  g_autofree char *inner = NULL;
  g_autoptr(GInetAddress) address = NULL;
  g_autofree char *text = NULL;

  /* RFC 3986 IP-literal with an IPv6address; no zone identifiers, no
   * IPvFuture. */
  if (len < 3 || in[len - 1] != ']')
    goto invalid;
  for (gsize i = 1; i < len - 1; i++)
    if (!g_ascii_isxdigit (in[i]) && in[i] != ':' && in[i] != '.')
      goto invalid;

  inner = g_strndup (in + 1, len - 2);
  address = g_inet_address_new_from_string (inner);
  if (address == NULL ||
      g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV6)
    goto invalid;

  text = g_inet_address_to_string (address);
  part->owned = g_strdup_printf ("[%s]", text);
  part->str = part->owned;
  part->len = strlen (part->owned);
  return TRUE;

invalid:
  g_set_error_literal (error, GXMPP_JID_ERROR, GXMPP_JID_ERROR_DOMAINPART,
                       _("The domainpart is not a valid IPv6 address literal"));
  return FALSE;
}

/* The IDNA2008 lookup with libidn2, for everything domain_is_simple() does
 * not take. */
static gboolean
prepare_idn (const char  *in,
             gsize        len,
             gboolean     dot_removed,
             Part        *part,
             GError     **error)
{
  g_autofree char *input = g_strndup (in, len);
  char *ascii = NULL;
  gsize ascii_len, start = 0;
  gboolean has_a_label = FALSE;
  int rc;

  rc = idn2_lookup_u8 ((const uint8_t *) input, (uint8_t **) &ascii,
                       IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
  if (rc != IDN2_OK)
    {
      g_set_error (error, GXMPP_JID_ERROR, GXMPP_JID_ERROR_DOMAINPART,
                   _("The domainpart is not a valid domain name: %s"),
                   idn2_strerror (rc));
      return FALSE;
    }

  /* The mapping may have turned a final U+3002 IDEOGRAPHIC FULL STOP or
   * similar into the trailing dot; remove it if none was removed yet. */
  ascii_len = strlen (ascii);
  if (!dot_removed && ascii_len > 0 && ascii[ascii_len - 1] == '.')
    ascii[--ascii_len] = '\0';

  if (ascii_len == 0)
    {
      idn2_free (ascii);
      set_empty_error (error, PART_DOMAIN);
      return FALSE;
    }

  /* STD 3 host name rules on the A-label form. */
  for (gsize i = 0; i <= ascii_len; i++)
    {
      gsize label_len;

      if (i < ascii_len && ascii[i] != '.')
        {
          if (!is_ldh ((guchar) ascii[i]) || g_ascii_isupper (ascii[i]))
            {
              guint cp = (guchar) ascii[i];

              idn2_free (ascii);
              g_set_error (error, GXMPP_JID_ERROR, GXMPP_JID_ERROR_DOMAINPART,
                           _("The domainpart contains the character U+%04X, which is not allowed in a domain name"),
                           cp);
              return FALSE;
            }
          continue;
        }

      label_len = i - start;
      if (label_len == 0)
        {
          idn2_free (ascii);
          g_set_error_literal (error, GXMPP_JID_ERROR, GXMPP_JID_ERROR_DOMAINPART,
                               _("The domainpart contains an empty label"));
          return FALSE;
        }
      if (label_len > MAX_DNS_LABEL_BYTES)
        {
          idn2_free (ascii);
          g_set_error (error, GXMPP_JID_ERROR, GXMPP_JID_ERROR_DOMAINPART,
                       _("The domainpart contains a label longer than %d bytes"),
                       MAX_DNS_LABEL_BYTES);
          return FALSE;
        }
      if (label_len >= 4 && g_ascii_strncasecmp (ascii + start, "xn--", 4) == 0)
        has_a_label = TRUE;
      start = i + 1;
    }

  if (ascii_len > MAX_DNS_NAME_BYTES)
    {
      idn2_free (ascii);
      g_set_error (error, GXMPP_JID_ERROR, GXMPP_JID_ERROR_DOMAINPART,
                   _("The domainpart is longer than %d bytes, the limit for domain names"),
                   MAX_DNS_NAME_BYTES);
      return FALSE;
    }

  if (!check_numeric_domain (ascii, ascii_len, error))
    {
      idn2_free (ascii);
      return FALSE;
    }

  if (has_a_label)
    {
      char *unicode = NULL;
      char *again = NULL;

      rc = idn2_to_unicode_8z8z (ascii, &unicode, 0);
      if (rc != IDN2_OK)
        {
          idn2_free (ascii);
          g_set_error (error, GXMPP_JID_ERROR, GXMPP_JID_ERROR_DOMAINPART,
                       _("The domainpart is not a valid domain name: %s"),
                       idn2_strerror (rc));
          return FALSE;
        }

      /* An A-label is only valid if what it decodes to is a valid U-label
       * that encodes back to it (RFC 5891 section 5.4); libidn2 decodes
       * Punycode without that check, so "xn--mmkva" would give U+3215
       * U+320A, which IDNA2008 disallows, and a domain that no longer
       * parses once written out. */
      rc = idn2_lookup_u8 ((const uint8_t *) unicode, (uint8_t **) &again,
                           IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
      if (rc != IDN2_OK || g_ascii_strcasecmp (again, ascii) != 0)
        {
          idn2_free (again);
          idn2_free (unicode);
          idn2_free (ascii);
          g_set_error_literal (error, GXMPP_JID_ERROR, GXMPP_JID_ERROR_DOMAINPART,
                               _("The domainpart contains an A-label (“xn--”) that does not encode a valid internationalized label"));
          return FALSE;
        }
      idn2_free (again);
      idn2_free (ascii);
      part->owned = g_strdup (unicode);
      idn2_free (unicode);
    }
  else
    {
      part->owned = g_strndup (ascii, ascii_len);
      idn2_free (ascii);
    }

  part->str = part->owned;
  part->len = strlen (part->owned);
  return TRUE;
}

static gboolean
prepare_domain (const char  *in,
                gsize        len,
                Part        *part,
                GError     **error)
{
  gboolean dot_removed = FALSE;

  /* RFC 7622 section 3.2: a trailing dot is removed. */
  if (len > 0 && in[len - 1] == '.')
    {
      len--;
      dot_removed = TRUE;
    }

  if (len == 0)
    {
      set_empty_error (error, PART_DOMAIN);
      return FALSE;
    }

  if (in[0] == '[')
    {
      if (!prepare_ip_literal (in, len, part, error))
        return FALSE;
    }
  else if (gxmpp_jid_fast_paths && domain_is_simple (in, len))
    {
      if (!check_numeric_domain (in, len, error))
        return FALSE;
      part->str = in;
      part->len = len;
      part->lower = TRUE;
    }
  else if (!prepare_idn (in, len, dot_removed, part, error))
    {
      return FALSE;
    }

  if (part->len > MAX_PART_BYTES)
    {
      set_too_long_error (error, PART_DOMAIN);
      return FALSE;
    }
  return TRUE;
}

/* Construction */

static char *
copy_part (char       *dest,
           const Part *part)
{
  if (part->lower)
    {
      for (gsize i = 0; i < part->len; i++)
        dest[i] = g_ascii_tolower (part->str[i]);
    }
  else
    {
      memcpy (dest, part->str, part->len);
    }
  return dest + part->len;
}

/* One allocation holds the struct and all strings. */
static GXmppJid *
jid_new_prepared (const Part *local,
                  const Part *domain,
                  const Part *resource)
{
  gsize full_len, size;
  GXmppJid *jid;
  char *p;

  full_len = domain->len;
  if (local != NULL)
    full_len += local->len + 1;
  if (resource != NULL)
    full_len += resource->len + 1;

  size = offsetof (GXmppJid, data) + full_len + 1;
  if (local != NULL)
    size += local->len + 1;
  if (resource != NULL)
    size += domain->len + 1;

  jid = g_malloc (size);
  g_atomic_ref_count_init (&jid->ref_count);
  jid->domain_len = domain->len;

  p = jid->data;
  if (local != NULL)
    {
      p = copy_part (p, local);
      *p++ = '@';
    }
  jid->domain = p;
  p = copy_part (p, domain);
  if (resource != NULL)
    {
      *p++ = '/';
      jid->resource = p;
      p = copy_part (p, resource);
    }
  else
    {
      jid->resource = NULL;
    }
  *p++ = '\0';

  if (local != NULL)
    {
      jid->local = p;
      memcpy (p, jid->data, local->len);
      p += local->len;
      *p++ = '\0';
    }
  else
    {
      jid->local = NULL;
    }

  if (resource != NULL)
    {
      memcpy (p, jid->domain, domain->len);
      jid->domain = p;
      p += domain->len;
      *p++ = '\0';
    }

  g_assert ((gsize) (p - (char *) jid) == size);

  jid->hash = g_str_hash (jid->data);
  return jid;
}

static gboolean
check_input_length (gsize      len,
                    PartKind   kind,
                    GError   **error)
{
  if (len <= MAX_INPUT_BYTES)
    return TRUE;
  set_too_long_error (error, kind);
  return FALSE;
}

/* Parts as (pointer, length); local and resource may be NULL. The text must
 * be valid UTF-8. */
static GXmppJid *
jid_new_from_parts_len (const char  *local,
                        gsize        local_len,
                        const char  *domain,
                        gsize        domain_len,
                        const char  *resource,
                        gsize        resource_len,
                        GError     **error)
{
  Part local_part = { 0 }, domain_part = { 0 }, resource_part = { 0 };
  GXmppJid *jid = NULL;

  if (local != NULL && !prepare_local (local, local_len, &local_part, error))
    goto out;
  if (!prepare_domain (domain, domain_len, &domain_part, error))
    goto out;
  if (resource != NULL && !prepare_resource (resource, resource_len, &resource_part, error))
    goto out;

  jid = jid_new_prepared (local != NULL ? &local_part : NULL,
                          &domain_part,
                          resource != NULL ? &resource_part : NULL);

out:
  part_clear (&local_part);
  part_clear (&domain_part);
  part_clear (&resource_part);
  return jid;
}

static void
set_invalid_utf8_error (GError **error)
{
  g_set_error_literal (error, GXMPP_JID_ERROR, GXMPP_JID_ERROR_INVALID,
                       _("The address is not valid UTF-8"));
}

/**
 * gxmpp_jid_new:
 * @text: the address, such as `juliet@example.com/balcony`
 * @error: return location for a #GError
 *
 * Parses and prepares an address as RFC 7622 describes (see [struct@GXmpp.Jid]
 * for the details). On failure @error is set in the %GXMPP_JID_ERROR domain,
 * with the code naming the part that is at fault.
 *
 * Returns: (transfer full) (nullable): the JID, or %NULL on error
 */
GXmppJid *
gxmpp_jid_new (const char  *text,
               GError     **error)
{
  const char *slash, *at, *domain;
  gsize len, domain_len;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  len = strlen (text);
  if (len == 0)
    {
      g_set_error_literal (error, GXMPP_JID_ERROR, GXMPP_JID_ERROR_INVALID,
                           _("The address is empty"));
      return NULL;
    }

  /* RFC 7622 section 3.1: '/' and '@' never occur inside a multi-byte UTF-8
   * sequence, so the split can be done on bytes before validating. */
  slash = memchr (text, '/', len);
  domain_len = (slash != NULL ? (gsize) (slash - text) : len);
  at = memchr (text, '@', domain_len);
  domain = at != NULL ? at + 1 : text;
  domain_len -= (gsize) (domain - text);

  if ((at != NULL && !check_input_length ((gsize) (at - text), PART_LOCAL, error)) ||
      !check_input_length (domain_len, PART_DOMAIN, error) ||
      (slash != NULL && !check_input_length (len - (gsize) (slash + 1 - text), PART_RESOURCE, error)))
    return NULL;

  if (!utf8_valid (text, len))
    {
      set_invalid_utf8_error (error);
      return NULL;
    }

  return jid_new_from_parts_len (at != NULL ? text : NULL,
                                 at != NULL ? (gsize) (at - text) : 0,
                                 domain, domain_len,
                                 slash != NULL ? slash + 1 : NULL,
                                 slash != NULL ? len - (gsize) (slash + 1 - text) : 0,
                                 error);
}

/* The cache of gxmpp_jid_new_cached(): a few entries per thread (a JID is
 * immutable, so handing out the same one again is safe), replaced round
 * robin. Every stanza on a stream names the account as its recipient and
 * mostly a handful of senders; preparing an address (PRECIS, IDNA) costs
 * far more than the few strcmp() that find it here. Long texts are not
 * kept, so the cache stays a few hundred bytes per thread. */
#define JID_CACHE_SIZE 4
#define JID_CACHE_MAX_TEXT 256

typedef struct {
  char *text[JID_CACHE_SIZE];
  GXmppJid *jid[JID_CACHE_SIZE];
  guint next;
} JidCache;

static void
jid_cache_free (gpointer data)
{
  JidCache *cache = data;

  for (guint i = 0; i < JID_CACHE_SIZE; i++)
    {
      g_free (cache->text[i]);
      if (cache->jid[i] != NULL)
        gxmpp_jid_unref (cache->jid[i]);
    }
  g_free (cache);
}

static GPrivate jid_cache_key = G_PRIVATE_INIT (jid_cache_free);

GXmppJid *
gxmpp_jid_new_cached (const char  *text,
                      GError     **error)
{
  JidCache *cache;
  GXmppJid *jid;
  guint i;

  g_return_val_if_fail (text != NULL, NULL);

  /* Tests that turn the fast paths off want the general code every time. */
  if (!gxmpp_jid_fast_paths)
    return gxmpp_jid_new (text, error);

  cache = g_private_get (&jid_cache_key);
  if (cache == NULL)
    {
      cache = g_new0 (JidCache, 1);
      g_private_set (&jid_cache_key, cache);
    }

  for (i = 0; i < JID_CACHE_SIZE && cache->text[i] != NULL; i++)
    if (strcmp (cache->text[i], text) == 0)
      return gxmpp_jid_ref (cache->jid[i]);

  /* Only valid addresses are kept: an invalid one fails every time with
   * its own error. */
  jid = gxmpp_jid_new (text, error);
  if (jid == NULL || strlen (text) > JID_CACHE_MAX_TEXT)
    return jid;

  i = cache->next;
  cache->next = (cache->next + 1) % JID_CACHE_SIZE;
  g_free (cache->text[i]);
  if (cache->jid[i] != NULL)
    gxmpp_jid_unref (cache->jid[i]);
  cache->text[i] = g_strdup (text);
  cache->jid[i] = gxmpp_jid_ref (jid);
  return jid;
}

/**
 * gxmpp_jid_new_from_parts:
 * @local: (nullable): the localpart, or %NULL for none
 * @domain: the domainpart
 * @resource: (nullable): the resourcepart, or %NULL for none
 * @error: return location for a #GError
 *
 * Builds an address from its parts, preparing each as [ctor@GXmpp.Jid.new]
 * does. The parts are taken as they are, without looking for separators:
 * a localpart holding `@` or `/` is refused (RFC 7622 forbids both), a
 * resourcepart may hold them. An empty string is an empty part and thus an
 * error; pass %NULL to leave a part out.
 *
 * Returns: (transfer full) (nullable): the JID, or %NULL on error
 */
GXmppJid *
gxmpp_jid_new_from_parts (const char  *local,
                          const char  *domain,
                          const char  *resource,
                          GError     **error)
{
  gsize local_len = 0, domain_len, resource_len = 0;

  g_return_val_if_fail (domain != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (local != NULL)
    {
      local_len = strlen (local);
      if (!check_input_length (local_len, PART_LOCAL, error))
        return NULL;
    }
  domain_len = strlen (domain);
  if (!check_input_length (domain_len, PART_DOMAIN, error))
    return NULL;
  if (resource != NULL)
    {
      resource_len = strlen (resource);
      if (!check_input_length (resource_len, PART_RESOURCE, error))
        return NULL;
    }

  if ((local != NULL && !utf8_valid (local, local_len)) ||
      !utf8_valid (domain, domain_len) ||
      (resource != NULL && !utf8_valid (resource, resource_len)))
    {
      set_invalid_utf8_error (error);
      return NULL;
    }

  return jid_new_from_parts_len (local, local_len, domain, domain_len,
                                 resource, resource_len, error);
}

/**
 * gxmpp_jid_ref:
 * @jid: a JID
 *
 * Adds a reference to @jid.
 *
 * Returns: (transfer full): @jid
 */
GXmppJid *
gxmpp_jid_ref (GXmppJid *jid)
{
  g_return_val_if_fail (jid != NULL, NULL);

  g_atomic_ref_count_inc (&jid->ref_count);
  return jid;
}

/**
 * gxmpp_jid_unref:
 * @jid: (transfer full): a JID
 *
 * Drops a reference to @jid, and frees it when that was the last one.
 */
void
gxmpp_jid_unref (GXmppJid *jid)
{
  g_return_if_fail (jid != NULL);

  if (g_atomic_ref_count_dec (&jid->ref_count))
    g_free (jid);
}

/**
 * gxmpp_jid_get_local:
 * @jid: a JID
 *
 * Gets the prepared localpart.
 *
 * Returns: (nullable): the localpart, or %NULL if @jid has none
 */
const char *
gxmpp_jid_get_local (GXmppJid *jid)
{
  g_return_val_if_fail (jid != NULL, NULL);

  return jid->local;
}

/**
 * gxmpp_jid_get_domain:
 * @jid: a JID
 *
 * Gets the prepared domainpart: a domain name in lower-case U-labels, an
 * IPv4 address, or an IPv6 address in brackets.
 *
 * Returns: the domainpart
 */
const char *
gxmpp_jid_get_domain (GXmppJid *jid)
{
  g_return_val_if_fail (jid != NULL, NULL);

  return jid->domain;
}

/**
 * gxmpp_jid_get_resource:
 * @jid: a JID
 *
 * Gets the prepared resourcepart.
 *
 * Returns: (nullable): the resourcepart, or %NULL if @jid has none
 */
const char *
gxmpp_jid_get_resource (GXmppJid *jid)
{
  g_return_val_if_fail (jid != NULL, NULL);

  return jid->resource;
}

/**
 * gxmpp_jid_is_bare:
 * @jid: a JID
 *
 * Checks whether @jid has no resourcepart, such as `juliet@example.com` or
 * `example.com`.
 *
 * Returns: %TRUE if @jid is a bare JID
 */
gboolean
gxmpp_jid_is_bare (GXmppJid *jid)
{
  g_return_val_if_fail (jid != NULL, FALSE);

  return jid->resource == NULL;
}

/**
 * gxmpp_jid_is_full:
 * @jid: a JID
 *
 * Checks whether @jid has a resourcepart, such as
 * `juliet@example.com/balcony` or `example.com/admin`.
 *
 * Returns: %TRUE if @jid is a full JID
 */
gboolean
gxmpp_jid_is_full (GXmppJid *jid)
{
  g_return_val_if_fail (jid != NULL, FALSE);

  return jid->resource != NULL;
}

/**
 * gxmpp_jid_is_domain:
 * @jid: a JID
 *
 * Checks whether @jid is only a domainpart, such as `example.com`: no
 * localpart and no resourcepart.
 *
 * Returns: %TRUE if @jid is a domain JID
 */
gboolean
gxmpp_jid_is_domain (GXmppJid *jid)
{
  g_return_val_if_fail (jid != NULL, FALSE);

  return jid->local == NULL && jid->resource == NULL;
}

static void
part_from_prepared (Part       *part,
                    const char *str,
                    gsize       len)
{
  part->str = str;
  part->len = len;
  part->owned = NULL;
  part->lower = FALSE;
}

/**
 * gxmpp_jid_to_bare:
 * @jid: a JID
 *
 * Gets the bare JID of @jid: the same address without its resourcepart.
 *
 * Returns: (transfer full): the bare JID; a new reference to @jid itself if
 *   it is already bare
 */
GXmppJid *
gxmpp_jid_to_bare (GXmppJid *jid)
{
  Part local, domain;

  g_return_val_if_fail (jid != NULL, NULL);

  if (jid->resource == NULL)
    return gxmpp_jid_ref (jid);

  if (jid->local != NULL)
    part_from_prepared (&local, jid->local, strlen (jid->local));
  part_from_prepared (&domain, jid->domain, jid->domain_len);

  return jid_new_prepared (jid->local != NULL ? &local : NULL, &domain, NULL);
}

/**
 * gxmpp_jid_with_resource:
 * @jid: a JID
 * @resource: (nullable): the new resourcepart, or %NULL for none
 * @error: return location for a #GError
 *
 * Builds the address with the localpart and domainpart of @jid and the
 * resourcepart @resource, which is prepared as [ctor@GXmpp.Jid.new] does; a
 * resource that cannot be prepared gives %GXMPP_JID_ERROR_RESOURCEPART (or
 * %GXMPP_JID_ERROR_INVALID if it is not valid UTF-8). %NULL gives the bare
 * JID, like [method@GXmpp.Jid.to_bare].
 *
 * Returns: (transfer full) (nullable): the JID, or %NULL on error
 */
GXmppJid *
gxmpp_jid_with_resource (GXmppJid    *jid,
                         const char  *resource,
                         GError     **error)
{
  Part local, domain, res = { 0 };
  GXmppJid *result;
  gsize len;

  g_return_val_if_fail (jid != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (resource == NULL)
    return gxmpp_jid_to_bare (jid);

  len = strlen (resource);
  if (!check_input_length (len, PART_RESOURCE, error))
    return NULL;
  if (!utf8_valid (resource, len))
    {
      set_invalid_utf8_error (error);
      return NULL;
    }
  if (!prepare_resource (resource, len, &res, error))
    {
      part_clear (&res);
      return NULL;
    }

  if (jid->local != NULL)
    part_from_prepared (&local, jid->local, strlen (jid->local));
  part_from_prepared (&domain, jid->domain, jid->domain_len);

  result = jid_new_prepared (jid->local != NULL ? &local : NULL, &domain, &res);
  part_clear (&res);
  return result;
}

/**
 * gxmpp_jid_equal:
 * @a: a JID
 * @b: another JID
 *
 * Compares two JIDs. Since both are prepared, this compares their canonical
 * strings; see [struct@GXmpp.Jid] for which strings give the same address.
 * Fits #GEqualFunc (cast it in C).
 *
 * Returns: %TRUE if @a and @b are the same address
 */
gboolean
gxmpp_jid_equal (GXmppJid *a,
                 GXmppJid *b)
{
  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);

  return a == b || (a->hash == b->hash && strcmp (a->data, b->data) == 0);
}

/**
 * gxmpp_jid_equal_bare:
 * @a: a JID
 * @b: another JID
 *
 * Compares the bare JIDs of @a and @b, that is their localparts and
 * domainparts, ignoring the resourceparts.
 *
 * Returns: %TRUE if @a and @b have the same bare JID
 */
gboolean
gxmpp_jid_equal_bare (GXmppJid *a,
                      GXmppJid *b)
{
  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);

  if (a == b)
    return TRUE;
  return a->domain_len == b->domain_len &&
         g_strcmp0 (a->local, b->local) == 0 &&
         strcmp (a->domain, b->domain) == 0;
}

/**
 * gxmpp_jid_hash:
 * @jid: a JID
 *
 * Gets a hash of @jid, consistent with [method@GXmpp.Jid.equal]. It is
 * computed when the JID is built. Fits #GHashFunc (cast it in C).
 *
 * Returns: the hash
 */
guint
gxmpp_jid_hash (GXmppJid *jid)
{
  g_return_val_if_fail (jid != NULL, 0);

  return jid->hash;
}

/**
 * gxmpp_jid_to_string:
 * @jid: a JID
 *
 * Gets the canonical string of @jid, built once when the JID was. Parsing
 * it with [ctor@GXmpp.Jid.new] gives an equal JID.
 *
 * Returns: (transfer none): the address as a string
 */
const char *
gxmpp_jid_to_string (GXmppJid *jid)
{
  g_return_val_if_fail (jid != NULL, NULL);

  return jid->data;
}
