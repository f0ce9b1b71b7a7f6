#!/usr/bin/python3
# test-python-fixture.py: smoke tests of tests/python/xmpp_test_server.py
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs the Python fixtures against real servers, with raw XMPP over the
standard library's ssl module (no xmpp-glib), and prints TAP.

Usage: test-python-fixture.py [unittest test names]
"""

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import unittest
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "python"))

from runner import TapResult  # noqa: E402

try:  # as in the PyGObject tests: the fixtures then iterate GLib's context
    from gi.repository import GLib
except ImportError:
    GLib = None
from xmpp_test_server import (  # noqa: E402
    SERVER_SCRIPT, ServerError, ServerUnavailable, SlixmppPeer, XmppTestServer)

NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
NS_TLS = "urn:ietf:params:xml:ns:xmpp-tls"
NS_BIND = "urn:ietf:params:xml:ns:xmpp-bind"
NS_TEST = "urn:xmpp-glib:test"


class RawStream:
    """A client stream over a socket, parsed with ElementTree."""

    def __init__(self, server, direct_tls=False):
        self.server = server
        self.sock = socket.create_connection(server.address(direct_tls), timeout=20)
        if direct_tls:
            self.sock = server.ssl_context().wrap_socket(self.sock, server_hostname=server.domain)

    def open(self):
        self.parser = ET.XMLPullParser(events=("start", "end"))
        self.depth = 0
        self.send(f"<?xml version='1.0'?><stream:stream to='{self.server.domain}' version='1.0' "
                  "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>")
        features = self.next()
        assert features.tag == "{http://etherx.jabber.org/streams}features", features.tag
        return features

    def send(self, text):
        self.sock.sendall(text.encode("utf-8"))

    def next(self):
        while True:
            for event, elem in self.parser.read_events():
                self.depth += 1 if event == "start" else -1
                if event == "end" and self.depth == 1:
                    return elem
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("the server closed the connection")
            self.parser.feed(data)

    def next_named(self, tag):
        while True:
            elem = self.next()
            if elem.tag == tag:
                return elem

    def starttls(self):
        self.send(f"<starttls xmlns='{NS_TLS}'/>")
        assert self.next().tag == f"{{{NS_TLS}}}proceed"
        self.sock = self.server.ssl_context().wrap_socket(self.sock,
                                                          server_hostname=self.server.domain)

    def login(self, user, password, resource="raw"):
        """STARTTLS, PLAIN, bind; returns the full JID."""
        self.starttls()
        self.open()
        token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode()
        self.send(f"<auth xmlns='{NS_SASL}' mechanism='PLAIN'>{token}</auth>")
        answer = self.next()
        if answer.tag != f"{{{NS_SASL}}}success":
            raise AssertionError(f"authentication failed: {ET.tostring(answer)}")
        self.open()
        self.send(f"<iq type='set' id='b'><bind xmlns='{NS_BIND}'><resource>{resource}</resource>"
                  "</bind></iq>")
        result = self.next_named("{jabber:client}iq")
        return result.find(f"{{{NS_BIND}}}bind/{{{NS_BIND}}}jid").text

    def close(self):
        try:
            self.send("</stream:stream>")
        except OSError:
            pass
        self.sock.close()


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


class ServerCase:
    kind = None

    @classmethod
    def setUpClass(cls):
        cls.server = None
        try:
            cls.server = XmppTestServer(cls.kind)
        except ServerUnavailable as e:
            cls.skip = str(e)

    @classmethod
    def tearDownClass(cls):
        if cls.server is not None:
            cls.server.stop()

    def setUp(self):
        if self.server is None:
            self.skipTest(self.skip)

    def test_1_login(self):
        s = self.server
        self.assertEqual(s.domain, "localhost")
        self.assertIn("PLAIN", s.mechanisms)
        raw = RawStream(s)
        features = raw.open()
        self.assertIsNotNone(features.find(f"{{{NS_TLS}}}starttls/{{{NS_TLS}}}required"))
        jid = raw.login("alice", s.password("alice"))
        self.assertEqual(jid, "alice@localhost/raw")
        self.assertEqual(raw.sock.version(), "TLSv" + s.tls_version)
        raw.close()

    def test_2_direct_tls(self):
        raw = RawStream(self.server, direct_tls=True)
        features = raw.open()
        self.assertIsNone(features.find(f"{{{NS_TLS}}}starttls"))
        raw.close()

    def test_3_peer(self):
        s = self.server
        with SlixmppPeer(s, "carol") as carol:
            raw = RawStream(s)
            raw.open()
            alice = raw.login("alice", s.password("alice"), "py")
            raw.send(f"<message type='chat' to='{carol.jid}'><body>hi</body></message>")
            event = carol.wait_event("message")
            self.assertEqual(event["from"], alice)
            self.assertEqual(event["body"], "hi")
            echo = raw.next_named("{jabber:client}message")
            self.assertEqual(echo.findtext("{jabber:client}body"), "echo: hi")
            raw.send(f"<iq type='get' id='t' to='{carol.jid}'><q xmlns='{NS_TEST}'>xyz</q></iq>")
            result = raw.next_named("{jabber:client}iq")
            self.assertEqual(result.get("type"), "result")
            self.assertEqual(result.findtext(f"{{{NS_TEST}}}q"), "zyx")
            carol.send_test_iq(s.domain, "to the server", tag="srv")
            error = carol.wait_event("iq-error")
            self.assertEqual(error["tag"], "srv")
            self.assertEqual(error["condition"], "service-unavailable")
            raw.close()
            carol.quit()

    def test_4_register_restart(self):
        s = self.server
        jid = s.register("frank", "fr\u00e4nk's word")
        self.assertEqual(jid, "frank@localhost")
        with self.assertRaises(ServerError):
            s._command("bogus", "a bogus command")
        port = s.port
        ticked = []
        if GLib is not None:
            GLib.timeout_add(20, lambda: ticked.append(True) and False)
        answer = s.restart()
        self.assertTrue(answer["ok"])
        if GLib is not None:
            self.assertTrue(ticked, "the GLib main context did not run during the restart")
        self.assertEqual(s.port, port)
        raw = RawStream(s)
        raw.open()
        self.assertEqual(raw.login("frank", s.password("frank")), "frank@localhost/raw")
        raw.close()


class TestProsody(ServerCase, unittest.TestCase):
    kind = "prosody"


class TestEjabberd(ServerCase, unittest.TestCase):
    kind = "ejabberd"


class TestScript(unittest.TestCase):
    def test_unavailable(self):
        env = dict(os.environ, PATH="/nonexistent")
        env.pop("GXMPP_TEST_REQUIRE_SERVERS", None)
        proc = subprocess.run([sys.executable, SERVER_SCRIPT], env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, timeout=60)
        self.assertEqual(proc.returncode, 77)
        answer = json.loads(proc.stdout)
        self.assertTrue(answer["unavailable"])
        self.assertIn("prosody", answer["error"])

        env["GXMPP_TEST_REQUIRE_SERVERS"] = "1"
        proc = subprocess.run([sys.executable, SERVER_SCRIPT], env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, timeout=60)
        self.assertEqual(proc.returncode, 1)
        self.assertFalse(json.loads(proc.stdout)["unavailable"])

    def test_unavailable_is_a_skip(self):
        old = os.environ.get("PATH")
        os.environ["PATH"] = "/nonexistent"
        required = os.environ.pop("GXMPP_TEST_REQUIRE_SERVERS", None)
        try:
            with self.assertRaises(unittest.SkipTest):
                XmppTestServer("prosody")
        finally:
            os.environ["PATH"] = old
            if required is not None:
                os.environ["GXMPP_TEST_REQUIRE_SERVERS"] = required

    def test_parent_death(self):
        """The parent dies but stdin stays open (another process holds the
        pipe): the script notices the new parent and stops the server."""
        code = f"""
import os, subprocess, sys, time
r, w = os.pipe()
holder = subprocess.Popen(["sleep", "120"], pass_fds=[w])
script = subprocess.Popen([sys.executable, {SERVER_SCRIPT!r}], stdin=r, stdout=subprocess.PIPE)
os.close(r)
print(holder.pid, script.stdout.readline().decode(), end="", flush=True)
time.sleep(120)
"""
        parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
        line = parent.stdout.readline().decode()
        holder, info = line.split(" ", 1)
        info = json.loads(info)
        if info.get("unavailable"):
            parent.kill()
            os.kill(int(holder), signal.SIGKILL)
            self.skipTest(info["error"])
        try:
            self.assertTrue(port_open(info["port"]))
            t0 = time.monotonic()
            parent.kill()
            parent.wait()
            while port_open(info["port"]) and time.monotonic() - t0 < 10:
                time.sleep(0.05)
            self.assertFalse(port_open(info["port"]))
            while os.path.exists(info["tmpdir"]) and time.monotonic() - t0 < 10:
                time.sleep(0.05)
            self.assertFalse(os.path.exists(info["tmpdir"]))
        finally:
            os.kill(int(holder), signal.SIGKILL)
            parent.stdout.close()


def main():
    names = sys.argv[1:]
    loader = unittest.defaultTestLoader
    suite = (loader.loadTestsFromNames(names, sys.modules[__name__]) if names
             else loader.loadTestsFromModule(sys.modules[__name__]))
    result = TapResult()
    suite.run(result)
    print(f"1..{result.count}")
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
