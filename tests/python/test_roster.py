# test_roster.py: GXmpp.Roster through PyGObject against a private Prosody
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The roster the way a PyGObject application uses it: a Gio.ListModel
(get_n_items, get_item, len() and iteration, items-changed), items with
properties, add/update/remove through the main loop, errors as
GLib.Error, a roster push forged by another account refused, and the file
store.

One Prosody serves the whole module; each test registers accounts of its
own, so that no test sees another's roster.
"""

import itertools
import os
import shutil
import tempfile
import unittest

import gi

gi.require_version("GXmpp", "1.0")
from gi.repository import Gio, GLib, GXmpp  # noqa: E402

from session_fixture import SessionTestCase  # noqa: E402
from xmpp_test_server import XmppTestServer  # noqa: E402

server = None
serial = itertools.count(1)


def setUpModule():
    global server
    server = XmppTestServer("prosody")


def tearDownModule():
    if server is not None:
        server.stop()


def new_account(prefix):
    user = f"py{prefix}{next(serial)}"
    server.register(user, f"pw-{user}-{os.getpid()}")
    return user


def jid(text):
    return GXmpp.Jid.new(text)


class RosterTestCase(SessionTestCase):
    def fetch(self, roster):
        return self.call_async(lambda cb: roster.fetch_async(None, cb),
                               lambda source, result: source.fetch_finish(result),
                               "fetching the roster")

    def add(self, roster, address, name=None, groups=None):
        return self.call_async(lambda cb: roster.add_async(jid(address), name, groups, None, cb),
                               lambda source, result: source.add_finish(result),
                               f"adding {address}")

    def update(self, roster, address, name=None, groups=None):
        return self.call_async(lambda cb: roster.update_async(jid(address), name, groups, None, cb),
                               lambda source, result: source.update_finish(result),
                               f"updating {address}")

    def remove(self, roster, address):
        return self.call_async(lambda cb: roster.remove_async(jid(address), None, cb),
                               lambda source, result: source.remove_finish(result),
                               f"removing {address}")

    def save(self, roster):
        return self.call_async(lambda cb: roster.save_async(None, cb),
                               lambda source, result: source.save_finish(result),
                               "saving the roster")

    def watch(self, roster):
        """A list that receives (position, removed, added) of each
        items-changed."""
        changes = []
        roster.connect("items-changed", self.guarded(
            lambda _model, position, removed, added: changes.append((position, removed, added))))
        return changes

    @staticmethod
    def jids(roster):
        return [item.props.jid.to_string() for item in roster]


class TestRosterModel(RosterTestCase):
    def test_list_model(self):
        session = self.connect(server, new_account("model"))
        roster = GXmpp.Roster.new(session, None)
        self.assertIsInstance(roster, Gio.ListModel)
        self.assertEqual(roster.get_item_type(), GXmpp.RosterItem.__gtype__)
        self.assertFalse(roster.props.loaded)
        self.assertIsNone(roster.props.version)
        changes = self.watch(roster)

        self.assertTrue(self.fetch(roster))
        self.assertTrue(roster.props.loaded)
        self.assertIsNotNone(roster.props.version)
        self.assertEqual(roster.get_n_items(), 0)
        self.assertEqual(changes, [])

        # Each change at its position, by the time the call returns.
        self.add(roster, "romeo@montague.example", "Romeo", ["Verona", "Montague", "Verona"])
        self.assertEqual(changes, [(0, 0, 1)])
        self.add(roster, "benvolio@montague.example")
        self.assertEqual(changes[1:], [(0, 0, 1)])
        self.add(roster, "tybalt@capulet.example", "Tybalt", ["Capulet"])
        self.assertEqual(changes[2:], [(2, 0, 1)])

        self.assertEqual(roster.get_n_items(), 3)
        self.assertEqual(len(roster), 3)
        self.assertEqual(roster.props.n_items, 3)
        self.assertEqual(self.jids(roster), ["benvolio@montague.example", "romeo@montague.example",
                                             "tybalt@capulet.example"])
        romeo = roster.get_item(1)
        self.assertIsInstance(romeo, GXmpp.RosterItem)
        self.assertEqual(romeo.props.jid.to_string(), "romeo@montague.example")
        self.assertEqual(romeo.props.name, "Romeo")
        self.assertEqual(romeo.props.groups, ["Montague", "Verona"])
        self.assertEqual(romeo.get_groups(), ["Montague", "Verona"])
        self.assertTrue(romeo.has_group("Verona"))
        self.assertEqual(romeo.props.subscription, GXmpp.Subscription.NONE)
        self.assertFalse(romeo.props.ask)
        self.assertIsNone(roster.get_item(3))
        self.assertIs(roster.lookup(jid("Romeo@Montague.Example")), romeo)
        self.assertIsNone(roster.lookup(jid("paris@verona.example")))

        # An update changes the same object in place and notifies.
        notified = []
        romeo.connect("notify", self.guarded(lambda _item, pspec: notified.append(pspec.name)))
        self.update(roster, "romeo@montague.example", "Romeo Montague", romeo.get_groups())
        self.assertEqual(changes[3:], [(1, 1, 1)])
        self.assertEqual(notified, ["name"])
        self.assertEqual(romeo.props.name, "Romeo Montague")
        self.assertIs(roster.get_item(1), romeo)

        self.remove(roster, "benvolio@montague.example")
        self.assertEqual(changes[4:], [(0, 1, 0)])
        self.assertEqual(self.jids(roster), ["romeo@montague.example", "tybalt@capulet.example"])

    def test_errors(self):
        session = self.connect(server, new_account("errors"))
        roster = GXmpp.Roster.new(session, None)
        self.fetch(roster)
        self.add(roster, "romeo@montague.example")
        changes = self.watch(roster)

        with self.assertRaises(GLib.Error) as caught:
            self.add(roster, "romeo@montague.example")
        self.assertGError(caught.exception, Gio.io_error_quark(), Gio.IOErrorEnum.EXISTS)
        with self.assertRaises(GLib.Error) as caught:
            self.update(roster, "paris@verona.example", "Paris")
        self.assertGError(caught.exception, Gio.io_error_quark(), Gio.IOErrorEnum.NOT_FOUND)
        # The server's refusals: GXmpp.StanzaError codes.
        with self.assertRaises(GLib.Error) as caught:
            self.remove(roster, "paris@verona.example")
        self.assertGError(caught.exception, GXmpp.stanza_error_quark(), GXmpp.StanzaError.ITEM_NOT_FOUND)
        with self.assertRaises(GLib.Error) as caught:
            self.add(roster, session.get_jid().to_bare().to_string())
        self.assertGError(caught.exception, GXmpp.stanza_error_quark(), GXmpp.StanzaError.NOT_ALLOWED)
        with self.assertRaises(GLib.Error) as caught:
            self.save(roster)
        self.assertGError(caught.exception, Gio.io_error_quark(), Gio.IOErrorEnum.NOT_SUPPORTED)
        self.assertEqual(changes, [])

    def test_push_from_second_resource(self):
        user = new_account("resource")
        desk = self.connect(server, user, resource="desk")
        phone = self.connect(server, user, resource="phone")
        roster = GXmpp.Roster.new(desk, None)
        other = GXmpp.Roster.new(phone, None)
        self.fetch(roster)
        self.fetch(other)
        changes = self.watch(roster)

        self.add(other, "romeo@montague.example", "Romeo")
        self.wait_until(lambda: changes, "the push of the addition")
        self.assertEqual(changes, [(0, 0, 1)])
        self.add(other, "benvolio@montague.example")
        self.wait_until(lambda: len(changes) == 2, "the push of the second addition")
        self.assertEqual(changes[1], (0, 0, 1))
        self.remove(other, "romeo@montague.example")
        self.wait_until(lambda: len(changes) == 3, "the push of the removal")
        self.assertEqual(changes[2], (1, 1, 0))
        self.assertEqual(self.jids(roster), ["benvolio@montague.example"])
        self.assertEqual(roster.props.version, other.props.version)


class TestRosterSecurity(RosterTestCase):
    def test_spoofed_push_refused(self):
        """CVE-2015-8688: another account sends a roster push to the
        victim's full JID; the victim answers service-unavailable and its
        roster does not change."""
        victim = self.connect(server, new_account("victim"))
        mallory_user = new_account("mallory")
        mallory = self.connect(server, mallory_user)
        roster = GXmpp.Roster.new(victim, None)
        self.fetch(roster)
        self.add(roster, "romeo@montague.example", "Romeo")
        version = roster.props.version
        changes = self.watch(roster)

        query = GXmpp.Node.new("query", GXmpp.NS_ROSTER)
        query.set_attribute("ver", "999")
        item = query.add_child("item", GXmpp.NS_ROSTER)
        item.set_attribute("jid", server.jid(mallory_user))
        item.set_attribute("name", "Romeo")
        item.set_attribute("subscription", "both")
        push = GXmpp.Iq.new(GXmpp.IqType.SET, victim.get_jid(), query)
        reply = self.send_iq(mallory, push, finish=GXmpp.Session.send_iq_finish_reply)

        self.assertEqual(reply.get_iq_type(), GXmpp.IqType.ERROR)
        self.assertEqual(reply.get_error().get_condition(), GXmpp.StanzaError.SERVICE_UNAVAILABLE)
        self.assertEqual(changes, [])
        self.assertEqual(self.jids(roster), ["romeo@montague.example"])
        self.assertEqual(roster.get_item(0).props.name, "Romeo")
        self.assertEqual(roster.get_item(0).props.subscription, GXmpp.Subscription.NONE)
        self.assertEqual(roster.props.version, version)


class TestRosterStore(RosterTestCase):
    def setUp(self):
        super().setUp()
        self.dir = tempfile.mkdtemp(prefix="test-roster-py-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)

    def test_file_store_round_trip(self):
        user = new_account("store")
        store = GXmpp.RosterFileStore.new(Gio.File.new_for_path(self.dir))
        self.assertIsInstance(store, GXmpp.RosterStore)
        session = self.connect(server, user, resource="first")
        roster = GXmpp.Roster.new(session, store)
        self.assertIs(roster.props.store, store)
        self.fetch(roster)
        self.add(roster, "romeo@montague.example", "Romeo", ["Montague"])
        self.add(roster, "nurse@capulet.example", "Nurse")
        # The pushes bring the version of the roster with both.
        self.wait_until(lambda: roster.props.version not in (None, "1"), "the pushes")
        self.assertTrue(self.save(roster))
        version = roster.props.version
        path = store.get_file(session.get_jid()).get_path()
        self.assertEqual(os.path.basename(path), f"{server.jid(user)}.roster")
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)

        later = self.connect(server, user, resource="second")
        cached = GXmpp.Roster.new(later, GXmpp.RosterFileStore.new(Gio.File.new_for_path(self.dir)))
        changes = self.watch(cached)
        errors = []
        cached.connect("store-error", self.guarded(lambda _roster, error: errors.append(error)))
        self.fetch(cached)
        self.assertEqual(changes, [(0, 0, 2)])
        self.assertEqual(errors, [])
        self.assertEqual(cached.props.version, version)
        self.assertEqual(self.jids(cached), ["nurse@capulet.example", "romeo@montague.example"])
        self.assertEqual(cached.get_item(1).props.groups, ["Montague"])

    def test_corrupt_file(self):
        user = new_account("corrupt")
        store = GXmpp.RosterFileStore.new(Gio.File.new_for_path(self.dir))
        with open(store.get_file(jid(server.jid(user))).get_path(), "wb") as f:
            f.write(b"not a roster cache")
        session = self.connect(server, user)
        roster = GXmpp.Roster.new(session, store)
        errors = []
        roster.connect("store-error", self.guarded(lambda _roster, error: errors.append(error)))
        self.fetch(roster)
        self.assertEqual(len(errors), 1)
        self.assertGError(errors[0], Gio.io_error_quark(), Gio.IOErrorEnum.INVALID_DATA)
        self.assertTrue(roster.props.loaded)
        self.assertTrue(self.save(roster))


if __name__ == "__main__":
    unittest.main()
