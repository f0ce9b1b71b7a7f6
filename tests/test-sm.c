/* test-sm.c: the bookkeeping of stream management (XEP-0198) and the
 * back-off schedule of reconnection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gxmpp-sm.c is pure bookkeeping, tested here without a session: the
 * counters modulo 2^32 (XEP-0198 section 4, SECURITY-NOTES 4.3: an 'h'
 * numerically smaller than the last one may be ahead of it after the
 * wrap, and an 'h' that acknowledges more than was sent is refused), the
 * <handled-count-too-high/> element, the bounded queue and its written
 * and unwritten entries. gxmpp-reconnect-policy.c, with the random draw
 * taken out, gives the back-off schedule.
 */

#include <gio/gio.h>

#include "gxmpp-error.h"
#include "gxmpp-node.h"
#include "gxmpp-ns.h"
#include "gxmpp-reconnect-policy.h"
#include "gxmpp-reconnect-policy-private.h"
#include "gxmpp-sm-private.h"

/* Helpers */

/* A stanza that says which one it is: <message id='m@n'/>. */
static GXmppNode *
numbered_stanza (guint n)
{
  GXmppNode *node = gxmpp_node_new ("message", GXMPP_NS_CLIENT);
  g_autofree char *id = g_strdup_printf ("m%u", n);

  gxmpp_node_set_attribute (node, "id", id);
  return node;
}

/* Pushes stanzas m@first .. m@(first + count - 1), @bytes each, without
 * tasks. */
static void
push_numbered (GXmppSm  *sm,
               guint     first,
               guint     count,
               gsize     bytes,
               gboolean  written)
{
  for (guint i = first; i < first + count; i++)
    {
      g_autoptr(GXmppNode) node = numbered_stanza (i);

      g_assert_nonnull (gxmpp_sm_push (sm, node, bytes, NULL, written));
    }
}

static const char *
entry_id (GXmppSmEntry *entry)
{
  return gxmpp_node_get_attribute (entry->node, "id");
}

/* Asserts that @entries holds exactly m@first .. m@(first + count - 1),
 * in order, and frees them. */
static void
assert_entries (GQueue *entries,
                guint   first,
                guint   count)
{
  GXmppSmEntry *entry;
  guint n = first;

  g_assert_cmpuint (g_queue_get_length (entries), ==, count);
  while ((entry = g_queue_pop_head (entries)) != NULL)
    {
      g_autofree char *expected = g_strdup_printf ("m%u", n++);

      g_assert_cmpstr (entry_id (entry), ==, expected);
      gxmpp_sm_entry_free (entry);
    }
}

/* The id of the @nth entry still queued. */
static const char *
queued_id (GXmppSm *sm,
           guint    nth)
{
  GXmppSmEntry *entry = g_queue_peek_nth (&sm->queue, nth);

  g_assert_nonnull (entry);
  return entry_id (entry);
}

#define WRAP_START (G_MAXUINT32 - 2)

/* Counters about to wrap: 5 stanzas written after 'h' = 2^32 - 3, so that
 * 'sent' wrapped to 2. */
static void
init_wrapped (GXmppSm *sm)
{
  gxmpp_sm_init (sm, 100, 100000);
  sm->sent = WRAP_START;
  sm->acked = WRAP_START;
  push_numbered (sm, 0, 5, 10, TRUE);
  g_assert_cmpuint (sm->sent, ==, 2);
  g_assert_cmpuint (gxmpp_sm_count_unacked (sm), ==, 5);
}

/* 1. Counters modulo 2^32 */

static void
test_delta (void)
{
  g_assert_cmpuint (gxmpp_sm_delta (5, 5), ==, 0);
  g_assert_cmpuint (gxmpp_sm_delta (7, 5), ==, 2);
  g_assert_cmpuint (gxmpp_sm_delta (0, G_MAXUINT32), ==, 1);
  g_assert_cmpuint (gxmpp_sm_delta (2, WRAP_START), ==, 5);
  g_assert_cmpuint (gxmpp_sm_delta (G_MAXUINT32, 0), ==, G_MAXUINT32);
  /* "Behind" is a long way ahead. */
  g_assert_cmpuint (gxmpp_sm_delta (4, 5), ==, G_MAXUINT32);
}

/* XEP-0198: 'h' goes from 2^32 - 1 back to 0, as a guint32 does. */
G_STATIC_ASSERT (sizeof ((GXmppSm *) NULL)->handled == 4);
G_STATIC_ASSERT (sizeof ((GXmppSm *) NULL)->sent == 4);
G_STATIC_ASSERT (sizeof ((GXmppSm *) NULL)->acked == 4);

static void
test_handled_wraps (void)
{
  GXmppSm sm;

  gxmpp_sm_init (&sm, 10, 1000);
  g_assert_cmpuint (sm.handled, ==, 0);
  sm.handled = G_MAXUINT32;
  sm.handled++;
  g_assert_cmpuint (sm.handled, ==, 0);
  gxmpp_sm_clear (&sm);
}

/* Writing wraps 'sent' the same way. */
static void
test_sent_wraps (void)
{
  GXmppSm sm;

  gxmpp_sm_init (&sm, 10, 1000);
  sm.sent = G_MAXUINT32;
  sm.acked = G_MAXUINT32;
  push_numbered (&sm, 0, 1, 10, TRUE);
  g_assert_cmpuint (sm.sent, ==, 0);
  push_numbered (&sm, 1, 1, 10, TRUE);
  g_assert_cmpuint (sm.sent, ==, 1);
  g_assert_cmpuint (gxmpp_sm_count_unacked (&sm), ==, 2);
  gxmpp_sm_clear (&sm);
}

/* An 'h' numerically smaller than the last one, after the wrap: 1 is four
 * stanzas past 2^32 - 3. They are acknowledged oldest first. */
static void
test_ack_across_wrap (void)
{
  GXmppSm sm;
  GQueue acked = G_QUEUE_INIT;
  g_autoptr(GError) error = NULL;

  init_wrapped (&sm);
  g_assert_true (gxmpp_sm_ack (&sm, 1, &acked, &error));
  g_assert_no_error (error);
  assert_entries (&acked, 0, 4);
  g_assert_cmpuint (sm.acked, ==, 1);
  g_assert_cmpuint (sm.sent, ==, 2);
  g_assert_cmpuint (sm.queue.length, ==, 1);
  g_assert_cmpstr (queued_id (&sm, 0), ==, "m4");
  g_assert_cmpuint (sm.bytes, ==, 10);

  /* The rest: 'h' equal to 'sent'. */
  g_assert_true (gxmpp_sm_ack (&sm, 2, &acked, &error));
  g_assert_no_error (error);
  assert_entries (&acked, 4, 1);
  g_assert_cmpuint (sm.acked, ==, 2);
  g_assert_cmpuint (sm.queue.length, ==, 0);
  g_assert_cmpuint (sm.bytes, ==, 0);
  gxmpp_sm_clear (&sm);
}

/* All of them at once, across the wrap. */
static void
test_ack_all_across_wrap (void)
{
  GXmppSm sm;
  GQueue acked = G_QUEUE_INIT;
  g_autoptr(GError) error = NULL;

  init_wrapped (&sm);
  g_assert_true (gxmpp_sm_ack (&sm, 2, &acked, &error));
  g_assert_no_error (error);
  assert_entries (&acked, 0, 5);
  g_assert_cmpuint (sm.acked, ==, 2);
  g_assert_cmpuint (gxmpp_sm_count_unacked (&sm), ==, 0);
  gxmpp_sm_clear (&sm);
}

/* The same 'h' again acknowledges nothing, and is no error. */
static void
test_ack_nothing_new (void)
{
  GXmppSm sm;
  GQueue acked = G_QUEUE_INIT;
  g_autoptr(GError) error = NULL;

  init_wrapped (&sm);
  g_assert_true (gxmpp_sm_ack (&sm, WRAP_START, &acked, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_queue_get_length (&acked), ==, 0);
  g_assert_cmpuint (sm.acked, ==, WRAP_START);
  g_assert_cmpuint (sm.queue.length, ==, 5);

  g_assert_true (gxmpp_sm_ack (&sm, 1, &acked, &error));
  assert_entries (&acked, 0, 4);
  g_assert_true (gxmpp_sm_ack (&sm, 1, &acked, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_queue_get_length (&acked), ==, 0);
  g_assert_cmpuint (sm.acked, ==, 1);
  g_assert_cmpuint (sm.queue.length, ==, 1);
  gxmpp_sm_clear (&sm);
}

/* Asserts that acknowledging @h is refused as handled-count-too-high and
 * changes nothing. */
static void
assert_ack_refused (GXmppSm *sm,
                    guint32  h)
{
  GQueue acked = G_QUEUE_INIT;
  g_autoptr(GError) error = NULL;
  guint32 sent = sm->sent, before = sm->acked;
  guint length = sm->queue.length;
  guint unacked = gxmpp_sm_count_unacked (sm);
  gsize bytes = sm->bytes;

  g_assert_false (gxmpp_sm_ack (sm, h, &acked, &error));
  g_assert_error (error, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_UNDEFINED_CONDITION);
  g_assert_cmpuint (g_queue_get_length (&acked), ==, 0);
  g_assert_cmpuint (sm->acked, ==, before);
  g_assert_cmpuint (sm->sent, ==, sent);
  g_assert_cmpuint (sm->queue.length, ==, length);
  g_assert_cmpuint (sm->bytes, ==, bytes);
  g_assert_cmpuint (gxmpp_sm_count_unacked (sm), ==, unacked);
}

/* SECURITY-NOTES 4.3: more than was sent is refused; one past 'sent', and
 * far past it. */
static void
test_ack_too_high (void)
{
  GXmppSm sm;

  init_wrapped (&sm);
  assert_ack_refused (&sm, 3);
  assert_ack_refused (&sm, 1000);
  assert_ack_refused (&sm, G_MAXUINT32 - 3);
  /* Still usable: the right 'h' after the wrong ones. */
  {
    GQueue acked = G_QUEUE_INIT;

    g_assert_true (gxmpp_sm_ack (&sm, 0, &acked, NULL));
    assert_entries (&acked, 0, 3);
  }
  gxmpp_sm_clear (&sm);
}

/* An 'h' behind the last one is, modulo 2^32, some 4 billion stanzas
 * ahead of it: refused too (Smack's SMACK-721 check gets the wrap wrong
 * the other way round). */
static void
test_ack_behind (void)
{
  GXmppSm sm;

  init_wrapped (&sm);
  assert_ack_refused (&sm, WRAP_START - 1);
  {
    GQueue acked = G_QUEUE_INIT;

    g_assert_true (gxmpp_sm_ack (&sm, G_MAXUINT32, &acked, NULL));
    assert_entries (&acked, 0, 2);
  }
  assert_ack_refused (&sm, G_MAXUINT32 - 1);
  gxmpp_sm_clear (&sm);
}

/* Nothing sent: any 'h' but the last is too high, including after the
 * counters start (XEP-0198: <enabled/> counts for nothing; Dino #1882). */
static void
test_ack_nothing_sent (void)
{
  GXmppSm sm;
  GQueue acked = G_QUEUE_INIT;

  gxmpp_sm_init (&sm, 10, 1000);
  g_assert_true (gxmpp_sm_ack (&sm, 0, &acked, NULL));
  g_assert_cmpuint (g_queue_get_length (&acked), ==, 0);
  assert_ack_refused (&sm, 1);
  gxmpp_sm_clear (&sm);
}

/* Entries waiting to be written are not acknowledged: the server cannot
 * have them. */
static void
test_ack_unwritten (void)
{
  GXmppSm sm;

  gxmpp_sm_init (&sm, 10, 1000);
  push_numbered (&sm, 0, 2, 10, TRUE);
  push_numbered (&sm, 2, 2, 10, FALSE);
  g_assert_cmpuint (sm.sent, ==, 2);
  g_assert_cmpuint (gxmpp_sm_count_unacked (&sm), ==, 2);
  assert_ack_refused (&sm, 3);
  {
    GQueue acked = G_QUEUE_INIT;

    g_assert_true (gxmpp_sm_ack (&sm, 2, &acked, NULL));
    assert_entries (&acked, 0, 2);
  }
  g_assert_cmpuint (sm.n_unwritten, ==, 2);
  g_assert_cmpstr (entry_id (gxmpp_sm_next_unwritten (&sm)), ==, "m2");
  gxmpp_sm_clear (&sm);
}

static void
test_parse_h (void)
{
  static const struct {
    const char *text;
    guint32 value;
  } good[] = {
    { "0", 0 },
    { "1", 1 },
    { "4294967295", G_MAXUINT32 },
    { "007", 7 },
  };
  static const char * const bad[] = {
    "", "-1", "-0", "+1", "4294967296", "18446744073709551616", " 1", "1 ", "1x", "0x10", "x",
    "1.5", "1e3",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      guint32 h = 12345;

      g_assert_true (gxmpp_sm_parse_h (good[i].text, &h));
      g_assert_cmpuint (h, ==, good[i].value);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      guint32 h = 12345;

      if (gxmpp_sm_parse_h (bad[i], &h))
        g_error ("“%s” parsed as %u", bad[i], (guint) h);
      g_assert_cmpuint (h, ==, 12345);
    }
  {
    guint32 h = 12345;

    g_assert_false (gxmpp_sm_parse_h (NULL, &h));
    g_assert_cmpuint (h, ==, 12345);
  }
}

/* 2. <handled-count-too-high/> */

static void
assert_too_high_element (GXmppNode  *error,
                         const char *h,
                         const char *send_count)
{
  GXmppNode *detail;

  g_assert_cmpstr (gxmpp_node_get_name (error), ==, "error");
  g_assert_cmpstr (gxmpp_node_get_namespace (error), ==, "http://etherx.jabber.org/streams");
  g_assert_cmpuint (gxmpp_node_get_n_children (error), ==, 2);
  g_assert_nonnull (gxmpp_node_get_child (error, "undefined-condition",
                                          "urn:ietf:params:xml:ns:xmpp-streams"));
  detail = gxmpp_node_get_child (error, "handled-count-too-high", "urn:xmpp:sm:3");
  g_assert_nonnull (detail);
  g_assert_cmpuint (gxmpp_node_get_n_attributes (detail), ==, 2);
  g_assert_cmpstr (gxmpp_node_get_attribute (detail, "h"), ==, h);
  g_assert_cmpstr (gxmpp_node_get_attribute (detail, "send-count"), ==, send_count);
  g_assert_cmpuint (gxmpp_node_get_n_children (detail), ==, 0);
}

static void
test_too_high_element (void)
{
  GXmppSm sm;

  gxmpp_sm_init (&sm, 10, 1000);
  push_numbered (&sm, 0, 1, 10, TRUE);
  {
    g_autoptr(GXmppNode) error = gxmpp_sm_make_too_high_error (&sm, 5);

    assert_too_high_element (error, "5", "1");
  }
  gxmpp_sm_clear (&sm);

  /* Full-range values, as unsigned decimals. */
  init_wrapped (&sm);
  {
    g_autoptr(GXmppNode) error = gxmpp_sm_make_too_high_error (&sm, G_MAXUINT32);
    g_autoptr(GXmppNode) round_trip = NULL;
    g_autofree char *xml = gxmpp_node_to_string (error, NULL);

    assert_too_high_element (error, "4294967295", "2");
    /* It serialises and parses back the same. */
    round_trip = gxmpp_node_new_from_string (xml, -1, NULL, NULL);
    g_assert_nonnull (round_trip);
    assert_too_high_element (round_trip, "4294967295", "2");
  }
  gxmpp_sm_clear (&sm);
}

/* 3. The bounded queue */

static void
test_room_stanzas (void)
{
  GXmppSm sm;
  GQueue acked = G_QUEUE_INIT;
  g_autoptr(GError) error = NULL;

  gxmpp_sm_init (&sm, 3, 100000);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_true (gxmpp_sm_check_room (&sm, 10, &error));
      g_assert_no_error (error);
      push_numbered (&sm, i, 1, 10, i != 2);
    }
  /* Written or not, three is the limit. */
  g_assert_false (gxmpp_sm_check_room (&sm, 10, &error));
  g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_QUEUE_FULL);
  g_clear_error (&error);
  g_assert_false (gxmpp_sm_check_room (&sm, 0, &error));
  g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_QUEUE_FULL);
  g_clear_error (&error);

  g_assert_true (gxmpp_sm_ack (&sm, 1, &acked, NULL));
  assert_entries (&acked, 0, 1);
  g_assert_true (gxmpp_sm_check_room (&sm, 10, &error));
  g_assert_no_error (error);
  gxmpp_sm_clear (&sm);
}

static void
test_room_bytes (void)
{
  GXmppSm sm;
  GQueue acked = G_QUEUE_INIT;
  g_autoptr(GError) error = NULL;

  gxmpp_sm_init (&sm, 100, 100);
  /* One stanza bigger than the whole limit. */
  g_assert_false (gxmpp_sm_check_room (&sm, 101, &error));
  g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_QUEUE_FULL);
  g_clear_error (&error);
  g_assert_false (gxmpp_sm_check_room (&sm, G_MAXSIZE, &error));
  g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_QUEUE_FULL);
  g_clear_error (&error);
  g_assert_true (gxmpp_sm_check_room (&sm, 100, &error));

  push_numbered (&sm, 0, 1, 60, TRUE);
  g_assert_cmpuint (sm.bytes, ==, 60);
  /* Up to the limit exactly, not a byte more. */
  g_assert_true (gxmpp_sm_check_room (&sm, 40, &error));
  g_assert_no_error (error);
  g_assert_false (gxmpp_sm_check_room (&sm, 41, &error));
  g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_QUEUE_FULL);
  g_clear_error (&error);
  /* No overflow in the sum. */
  g_assert_false (gxmpp_sm_check_room (&sm, G_MAXSIZE - 30, &error));
  g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_QUEUE_FULL);
  g_clear_error (&error);

  push_numbered (&sm, 1, 1, 40, FALSE);
  g_assert_cmpuint (sm.bytes, ==, 100);
  g_assert_false (gxmpp_sm_check_room (&sm, 1, &error));
  g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_QUEUE_FULL);
  g_clear_error (&error);

  /* Acknowledging gives the room back. */
  g_assert_true (gxmpp_sm_ack (&sm, 1, &acked, NULL));
  assert_entries (&acked, 0, 1);
  g_assert_cmpuint (sm.bytes, ==, 40);
  g_assert_true (gxmpp_sm_check_room (&sm, 60, &error));
  g_assert_no_error (error);
  gxmpp_sm_clear (&sm);
  g_assert_cmpuint (sm.bytes, ==, 0);
}

/* Unwritten entries wait in order behind the written ones, and go out
 * oldest first. */
static void
test_unwritten (void)
{
  GXmppSm sm;
  GXmppSmEntry *entry;

  gxmpp_sm_init (&sm, 10, 1000);
  g_assert_null (gxmpp_sm_next_unwritten (&sm));
  push_numbered (&sm, 0, 2, 10, TRUE);
  g_assert_null (gxmpp_sm_next_unwritten (&sm));
  push_numbered (&sm, 2, 3, 10, FALSE);
  g_assert_cmpuint (sm.sent, ==, 2);
  g_assert_cmpuint (sm.n_unwritten, ==, 3);
  g_assert_cmpuint (gxmpp_sm_count_unacked (&sm), ==, 2);
  g_assert_cmpuint (sm.bytes, ==, 50);

  for (guint i = 2; i < 5; i++)
    {
      g_autofree char *expected = g_strdup_printf ("m%u", i);

      entry = gxmpp_sm_next_unwritten (&sm);
      g_assert_nonnull (entry);
      g_assert_cmpstr (entry_id (entry), ==, expected);
      g_assert_false (entry->written);
      /* Asking again gives the same one until it is written. */
      g_assert_true (gxmpp_sm_next_unwritten (&sm) == entry);
      gxmpp_sm_wrote (&sm, entry);
      g_assert_true (entry->written);
      g_assert_cmpuint (sm.sent, ==, i + 1);
      g_assert_cmpuint (gxmpp_sm_count_unacked (&sm), ==, i + 1);
    }
  g_assert_null (gxmpp_sm_next_unwritten (&sm));
  g_assert_cmpuint (sm.n_unwritten, ==, 0);
  g_assert_cmpuint (sm.queue.length, ==, 5);
  /* Now written stanzas may follow. */
  push_numbered (&sm, 5, 1, 10, TRUE);
  g_assert_cmpuint (sm.sent, ==, 6);
  gxmpp_sm_clear (&sm);
}

/* The stanza is copied: changing it after it was queued does not change
 * what goes again. */
static void
test_push_copies (void)
{
  GXmppSm sm;
  g_autoptr(GXmppNode) node = numbered_stanza (0);
  GXmppSmEntry *entry;

  gxmpp_sm_init (&sm, 10, 1000);
  entry = gxmpp_sm_push (&sm, node, 10, NULL, TRUE);
  g_assert_true (entry->node != node);
  gxmpp_node_set_attribute (node, "id", "changed");
  g_assert_cmpstr (entry_id (entry), ==, "m0");
  g_assert_cmpint (entry->queued_at, >, 0);
  gxmpp_sm_clear (&sm);
}

/* <resumed h='2'/> after 5 written: 2 acknowledged, 3 to write again,
 * counted on from 2. */
static void
test_resumed (void)
{
  GXmppSm sm;
  GQueue acked = G_QUEUE_INIT;
  g_autoptr(GError) error = NULL;

  gxmpp_sm_init (&sm, 10, 1000);
  push_numbered (&sm, 0, 5, 10, TRUE);
  sm.handled = 7;
  g_assert_true (gxmpp_sm_resumed (&sm, 2, &acked, &error));
  g_assert_no_error (error);
  assert_entries (&acked, 0, 2);
  g_assert_cmpuint (sm.acked, ==, 2);
  g_assert_cmpuint (sm.sent, ==, 2);
  g_assert_cmpuint (sm.n_unwritten, ==, 3);
  g_assert_cmpuint (gxmpp_sm_count_unacked (&sm), ==, 0);
  g_assert_cmpuint (sm.bytes, ==, 30);
  /* The inbound count goes on: the server has it too. */
  g_assert_cmpuint (sm.handled, ==, 7);

  for (guint i = 2; i < 5; i++)
    {
      GXmppSmEntry *entry = gxmpp_sm_next_unwritten (&sm);
      g_autofree char *expected = g_strdup_printf ("m%u", i);

      g_assert_cmpstr (entry_id (entry), ==, expected);
      gxmpp_sm_wrote (&sm, entry);
    }
  g_assert_cmpuint (sm.sent, ==, 5);
  g_assert_true (gxmpp_sm_ack (&sm, 5, &acked, &error));
  assert_entries (&acked, 2, 3);
  gxmpp_sm_clear (&sm);
}

/* Stanzas queued while disconnected stay behind the ones to write again. */
static void
test_resumed_with_queued (void)
{
  GXmppSm sm;
  GQueue acked = G_QUEUE_INIT;

  gxmpp_sm_init (&sm, 10, 1000);
  push_numbered (&sm, 0, 3, 10, TRUE);
  push_numbered (&sm, 3, 2, 10, FALSE);
  g_assert_true (gxmpp_sm_resumed (&sm, 1, &acked, NULL));
  assert_entries (&acked, 0, 1);
  g_assert_cmpuint (sm.n_unwritten, ==, 4);
  g_assert_cmpuint (sm.sent, ==, 1);
  for (guint i = 1; i < 5; i++)
    {
      GXmppSmEntry *entry = gxmpp_sm_next_unwritten (&sm);
      g_autofree char *expected = g_strdup_printf ("m%u", i);

      g_assert_cmpstr (entry_id (entry), ==, expected);
      gxmpp_sm_wrote (&sm, entry);
    }
  g_assert_cmpuint (sm.sent, ==, 5);
  gxmpp_sm_clear (&sm);
}

/* Resumed across the wrap; and a <resumed/> claiming too much changes
 * nothing. */
static void
test_resumed_wrapped (void)
{
  GXmppSm sm;
  GQueue acked = G_QUEUE_INIT;
  g_autoptr(GError) error = NULL;

  init_wrapped (&sm);
  g_assert_false (gxmpp_sm_resumed (&sm, 3, &acked, &error));
  g_assert_error (error, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_UNDEFINED_CONDITION);
  g_clear_error (&error);
  g_assert_cmpuint (g_queue_get_length (&acked), ==, 0);
  g_assert_cmpuint (sm.queue.length, ==, 5);
  g_assert_cmpuint (sm.n_unwritten, ==, 0);
  g_assert_cmpuint (sm.sent, ==, 2);
  g_assert_cmpuint (sm.acked, ==, WRAP_START);

  g_assert_true (gxmpp_sm_resumed (&sm, G_MAXUINT32, &acked, &error));
  g_assert_no_error (error);
  assert_entries (&acked, 0, 2);
  g_assert_cmpuint (sm.sent, ==, G_MAXUINT32);
  g_assert_cmpuint (sm.acked, ==, G_MAXUINT32);
  g_assert_cmpuint (sm.n_unwritten, ==, 3);
  gxmpp_sm_wrote (&sm, gxmpp_sm_next_unwritten (&sm));
  g_assert_cmpuint (sm.sent, ==, 0);
  gxmpp_sm_clear (&sm);
}

/* A fresh stream: everything comes out, in order, and the counters start
 * again. */
static void
test_take_all (void)
{
  GXmppSm sm;
  GQueue entries = G_QUEUE_INIT;

  init_wrapped (&sm);
  push_numbered (&sm, 5, 2, 10, FALSE);
  sm.handled = 42;
  gxmpp_sm_take_all (&sm, &entries);
  assert_entries (&entries, 0, 7);
  g_assert_cmpuint (sm.queue.length, ==, 0);
  g_assert_cmpuint (sm.n_unwritten, ==, 0);
  g_assert_cmpuint (sm.bytes, ==, 0);
  g_assert_cmpuint (sm.sent, ==, 0);
  g_assert_cmpuint (sm.acked, ==, 0);
  g_assert_cmpuint (sm.handled, ==, 0);
  g_assert_null (gxmpp_sm_next_unwritten (&sm));
  /* The limits stay. */
  g_assert_cmpuint (sm.max_stanzas, ==, 100);
  g_assert_cmpuint (sm.max_bytes, ==, 100000);

  /* Empty, it is harmless. */
  gxmpp_sm_take_all (&sm, &entries);
  g_assert_cmpuint (g_queue_get_length (&entries), ==, 0);
  gxmpp_sm_clear (&sm);
}

/* Entries carry the send_async() waiting for them; whoever takes them out
 * completes it. */

typedef struct {
  GPtrArray *order;     /* the ids of the completed tasks, in order */
} TaskLog;

static void
on_task_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  TaskLog *log = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_task_propagate_boolean (G_TASK (result), &error));
  g_assert_no_error (error);
  g_ptr_array_add (log->order, g_strdup (g_task_get_task_data (G_TASK (result))));
}

static void
test_tasks (void)
{
  GXmppSm sm;
  GQueue acked = G_QUEUE_INIT;
  GQueue rest = G_QUEUE_INIT;
  TaskLog log = { g_ptr_array_new_with_free_func (g_free) };
  GXmppSmEntry *entry;

  gxmpp_sm_init (&sm, 10, 1000);
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(GXmppNode) node = numbered_stanza (i);
      GTask *task = g_task_new (NULL, NULL, on_task_done, &log);

      g_task_set_task_data (task, g_strdup_printf ("m%u", i), g_free);
      /* The entry takes the reference. */
      entry = gxmpp_sm_push (&sm, node, 10, task, TRUE);
      g_assert_true (entry->task == task);
    }

  g_assert_true (gxmpp_sm_ack (&sm, 3, &acked, NULL));
  g_assert_cmpuint (g_queue_get_length (&acked), ==, 3);
  while ((entry = g_queue_pop_head (&acked)) != NULL)
    {
      g_task_return_boolean (entry->task, TRUE);
      g_clear_object (&entry->task);
      gxmpp_sm_entry_free (entry);
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (log.order->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *expected = g_strdup_printf ("m%u", i);

      g_assert_cmpstr (log.order->pdata[i], ==, expected);
    }

  /* The last one is still waiting. */
  gxmpp_sm_take_all (&sm, &rest);
  entry = g_queue_pop_head (&rest);
  g_assert_nonnull (entry->task);
  g_task_return_boolean (entry->task, TRUE);
  g_clear_object (&entry->task);
  gxmpp_sm_entry_free (entry);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (log.order->len, ==, 4);
  g_assert_cmpstr (log.order->pdata[3], ==, "m3");
  gxmpp_sm_clear (&sm);
  g_ptr_array_unref (log.order);
}

/* 4. The back-off schedule */

static void
test_policy_defaults (void)
{
  g_autoptr(GXmppReconnectPolicy) policy = gxmpp_reconnect_policy_new ();

  g_assert_cmpuint (gxmpp_reconnect_policy_get_initial_delay (policy), ==, 1000);
  g_assert_cmpuint (gxmpp_reconnect_policy_get_max_delay (policy), ==, 60000);
  g_assert_cmpfloat (gxmpp_reconnect_policy_get_multiplier (policy), ==, 2.0);
  g_assert_cmpfloat (gxmpp_reconnect_policy_get_jitter (policy), ==, 0.5);
  g_assert_cmpuint (gxmpp_reconnect_policy_get_max_attempts (policy), ==, 0);
}

static void
test_policy_properties (void)
{
  g_autoptr(GXmppReconnectPolicy) policy = gxmpp_reconnect_policy_new_full (250, 9000, 3.5, 0.25, 7);
  guint initial, max, attempts;
  double multiplier, jitter;

  g_assert_cmpuint (gxmpp_reconnect_policy_get_initial_delay (policy), ==, 250);
  g_assert_cmpuint (gxmpp_reconnect_policy_get_max_delay (policy), ==, 9000);
  g_assert_cmpfloat (gxmpp_reconnect_policy_get_multiplier (policy), ==, 3.5);
  g_assert_cmpfloat (gxmpp_reconnect_policy_get_jitter (policy), ==, 0.25);
  g_assert_cmpuint (gxmpp_reconnect_policy_get_max_attempts (policy), ==, 7);

  g_object_get (policy, "initial-delay", &initial, "max-delay", &max, "multiplier", &multiplier,
                "jitter", &jitter, "max-attempts", &attempts, NULL);
  g_assert_cmpuint (initial, ==, 250);
  g_assert_cmpuint (max, ==, 9000);
  g_assert_cmpfloat (multiplier, ==, 3.5);
  g_assert_cmpfloat (jitter, ==, 0.25);
  g_assert_cmpuint (attempts, ==, 7);

  g_object_set (policy, "initial-delay", 10, "max-delay", 20, "multiplier", 1.0, "jitter", 1.0,
                "max-attempts", 0, NULL);
  g_assert_cmpuint (gxmpp_reconnect_policy_get_initial_delay (policy), ==, 10);
  g_assert_cmpuint (gxmpp_reconnect_policy_get_max_delay (policy), ==, 20);
  g_assert_cmpfloat (gxmpp_reconnect_policy_get_multiplier (policy), ==, 1.0);
  g_assert_cmpfloat (gxmpp_reconnect_policy_get_jitter (policy), ==, 1.0);
  g_assert_cmpuint (gxmpp_reconnect_policy_get_max_attempts (policy), ==, 0);
}

/* Out-of-range settings are refused. */
static void
test_policy_invalid (void)
{
  g_test_expect_message ("GXmpp", G_LOG_LEVEL_CRITICAL, "*multiplier*");
  g_assert_null (gxmpp_reconnect_policy_new_full (1000, 60000, 0.5, 0.5, 0));
  g_test_assert_expected_messages ();
  g_test_expect_message ("GXmpp", G_LOG_LEVEL_CRITICAL, "*jitter*");
  g_assert_null (gxmpp_reconnect_policy_new_full (1000, 60000, 2.0, 1.5, 0));
  g_test_assert_expected_messages ();
  g_test_expect_message ("GXmpp", G_LOG_LEVEL_CRITICAL, "*G_MAXINT*");
  g_assert_null (gxmpp_reconnect_policy_new_full (G_MAXUINT, 60000, 2.0, 0.5, 0));
  g_test_assert_expected_messages ();
}

static void
test_schedule (void)
{
  g_autoptr(GXmppReconnectPolicy) policy = gxmpp_reconnect_policy_new_full (1000, 60000, 2.0, 0.5, 0);
  static const guint bases[] = { 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000, 60000 };

  /* random 0 is the base delay, random 1 takes the whole jitter off. */
  g_assert_cmpuint (gxmpp_reconnect_policy_compute_delay (policy, 1, 0.0), ==, 1000);
  g_assert_cmpuint (gxmpp_reconnect_policy_compute_delay (policy, 1, 1.0), ==, 500);
  g_assert_cmpuint (gxmpp_reconnect_policy_compute_delay (policy, 1, 0.5), ==, 750);
  g_assert_cmpuint (gxmpp_reconnect_policy_compute_delay (policy, 2, 0.0), ==, 2000);
  g_assert_cmpuint (gxmpp_reconnect_policy_compute_delay (policy, 2, 1.0), ==, 1000);

  /* Growing by the multiplier up to max-delay, then staying there. */
  for (guint i = 0; i < G_N_ELEMENTS (bases); i++)
    {
      g_assert_cmpuint (gxmpp_reconnect_policy_compute_delay (policy, i + 1, 0.0), ==, bases[i]);
      g_assert_cmpuint (gxmpp_reconnect_policy_compute_delay (policy, i + 1, 1.0), ==, bases[i] / 2);
    }
  g_assert_cmpuint (gxmpp_reconnect_policy_compute_delay (policy, 10, 0.0), ==, 60000);
  g_assert_cmpuint (gxmpp_reconnect_policy_compute_delay (policy, 64, 0.0), ==, 60000);
  g_assert_cmpuint (gxmpp_reconnect_policy_compute_delay (policy, 1000000, 0.0), ==, 60000);
  g_assert_cmpuint (gxmpp_reconnect_policy_compute_delay (policy, G_MAXUINT, 0.0), ==, 60000);
  g_assert_cmpuint (gxmpp_reconnect_policy_compute_delay (policy, G_MAXUINT, 1.0), ==, 30000);
}

/* The largest settings do not overflow: the base stops at max-delay
 * however many attempts. */
static void
test_schedule_no_overflow (void)
{
  g_autoptr(GXmppReconnectPolicy) policy = gxmpp_reconnect_policy_new_full (G_MAXINT, G_MAXINT, 100.0, 0.0, 0);
  g_autoptr(GXmppReconnectPolicy) small = gxmpp_reconnect_policy_new_full (1, G_MAXINT, 100.0, 0.0, 0);

  g_assert_cmpuint (gxmpp_reconnect_policy_compute_delay (policy, 1, 0.0), ==, G_MAXINT);
  g_assert_cmpuint (gxmpp_reconnect_policy_compute_delay (policy, 2, 1.0), ==, G_MAXINT);
  g_assert_cmpuint (gxmpp_reconnect_policy_compute_delay (policy, 1000000, 0.5), ==, G_MAXINT);
  g_assert_cmpuint (gxmpp_reconnect_policy_compute_delay (small, 5, 0.0), ==, 100000000);
  g_assert_cmpuint (gxmpp_reconnect_policy_compute_delay (small, 6, 0.0), ==, G_MAXINT);
  g_assert_cmpuint (gxmpp_reconnect_policy_compute_delay (small, 1000000, 0.0), ==, G_MAXINT);
}

/* An initial delay above max-delay is capped from the first attempt. */
static void
test_schedule_initial_above_max (void)
{
  g_autoptr(GXmppReconnectPolicy) policy = gxmpp_reconnect_policy_new_full (5000, 3000, 2.0, 0.0, 0);

  g_assert_cmpuint (gxmpp_reconnect_policy_compute_delay (policy, 1, 0.0), ==, 3000);
  g_assert_cmpuint (gxmpp_reconnect_policy_compute_delay (policy, 2, 0.0), ==, 3000);
}

static void
test_schedule_jitter (void)
{
  g_autoptr(GXmppReconnectPolicy) none = gxmpp_reconnect_policy_new_full (1000, 60000, 2.0, 0.0, 0);
  g_autoptr(GXmppReconnectPolicy) full = gxmpp_reconnect_policy_new_full (1000, 60000, 2.0, 1.0, 0);

  /* No jitter: the exact base, whatever the draw. */
  for (double random = 0.0; random <= 1.0; random += 0.125)
    {
      g_assert_cmpuint (gxmpp_reconnect_policy_compute_delay (none, 1, random), ==, 1000);
      g_assert_cmpuint (gxmpp_reconnect_policy_compute_delay (none, 3, random), ==, 4000);
    }
  /* All jitter: anywhere from the base down to nothing. */
  g_assert_cmpuint (gxmpp_reconnect_policy_compute_delay (full, 1, 0.0), ==, 1000);
  g_assert_cmpuint (gxmpp_reconnect_policy_compute_delay (full, 1, 1.0), ==, 0);
  g_assert_cmpuint (gxmpp_reconnect_policy_compute_delay (full, 3, 0.25), ==, 3000);
  g_assert_cmpuint (gxmpp_reconnect_policy_compute_delay (full, 3, 1.0), ==, 0);
}

/* The draw stays within [base * (1 - jitter), base]. */
static void
test_get_delay_bounds (void)
{
  g_autoptr(GXmppReconnectPolicy) policy = gxmpp_reconnect_policy_new_full (1000, 60000, 2.0, 0.5, 0);
  g_autoptr(GXmppReconnectPolicy) full = gxmpp_reconnect_policy_new_full (1000, 60000, 2.0, 1.0, 0);
  static const guint bases[] = { 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000 };

  for (guint attempt = 1; attempt <= G_N_ELEMENTS (bases); attempt++)
    {
      guint base = bases[attempt - 1];
      guint lowest = G_MAXUINT, highest = 0;

      for (guint i = 0; i < 2000; i++)
        {
          guint delay = gxmpp_reconnect_policy_get_delay (policy, attempt);
          guint any = gxmpp_reconnect_policy_get_delay (full, attempt);

          g_assert_cmpuint (delay, >=, base / 2);
          g_assert_cmpuint (delay, <=, base);
          g_assert_cmpuint (any, <=, base);
          lowest = MIN (lowest, delay);
          highest = MAX (highest, delay);
        }
      /* Random, not constant: 2000 draws spread over the range. */
      g_assert_cmpuint (lowest, <, highest);
    }
}

static void
test_compute_delay_invalid (void)
{
  g_autoptr(GXmppReconnectPolicy) policy = gxmpp_reconnect_policy_new ();

  g_test_expect_message ("GXmpp", G_LOG_LEVEL_CRITICAL, "*attempt >= 1*");
  g_assert_cmpuint (gxmpp_reconnect_policy_compute_delay (policy, 0, 0.0), ==, 0);
  g_test_assert_expected_messages ();
  g_test_expect_message ("GXmpp", G_LOG_LEVEL_CRITICAL, "*random*");
  g_assert_cmpuint (gxmpp_reconnect_policy_compute_delay (policy, 1, 1.5), ==, 0);
  g_test_assert_expected_messages ();
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sm/counters/delta", test_delta);
  g_test_add_func ("/sm/counters/handled-wraps", test_handled_wraps);
  g_test_add_func ("/sm/counters/sent-wraps", test_sent_wraps);
  g_test_add_func ("/sm/ack/across-wrap", test_ack_across_wrap);
  g_test_add_func ("/sm/ack/all-across-wrap", test_ack_all_across_wrap);
  g_test_add_func ("/sm/ack/nothing-new", test_ack_nothing_new);
  g_test_add_func ("/sm/ack/too-high", test_ack_too_high);
  g_test_add_func ("/sm/ack/behind", test_ack_behind);
  g_test_add_func ("/sm/ack/nothing-sent", test_ack_nothing_sent);
  g_test_add_func ("/sm/ack/unwritten", test_ack_unwritten);
  g_test_add_func ("/sm/parse-h", test_parse_h);
  g_test_add_func ("/sm/too-high-element", test_too_high_element);

  g_test_add_func ("/sm/queue/room-stanzas", test_room_stanzas);
  g_test_add_func ("/sm/queue/room-bytes", test_room_bytes);
  g_test_add_func ("/sm/queue/unwritten", test_unwritten);
  g_test_add_func ("/sm/queue/push-copies", test_push_copies);
  g_test_add_func ("/sm/queue/resumed", test_resumed);
  g_test_add_func ("/sm/queue/resumed-with-queued", test_resumed_with_queued);
  g_test_add_func ("/sm/queue/resumed-wrapped", test_resumed_wrapped);
  g_test_add_func ("/sm/queue/take-all", test_take_all);
  g_test_add_func ("/sm/queue/tasks", test_tasks);

  g_test_add_func ("/sm/reconnect-policy/defaults", test_policy_defaults);
  g_test_add_func ("/sm/reconnect-policy/properties", test_policy_properties);
  g_test_add_func ("/sm/reconnect-policy/invalid", test_policy_invalid);
  g_test_add_func ("/sm/reconnect-policy/schedule", test_schedule);
  g_test_add_func ("/sm/reconnect-policy/no-overflow", test_schedule_no_overflow);
  g_test_add_func ("/sm/reconnect-policy/initial-above-max", test_schedule_initial_above_max);
  g_test_add_func ("/sm/reconnect-policy/jitter", test_schedule_jitter);
  g_test_add_func ("/sm/reconnect-policy/get-delay-bounds", test_get_delay_bounds);
  g_test_add_func ("/sm/reconnect-policy/compute-delay-invalid", test_compute_delay_invalid);

  return g_test_run ();
}
