#!/usr/bin/env python3
# replay-server.py: the server side of figures 1 and 2 (benchmarks/codec)
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A minimal XMPP server on 127.0.0.1 for one client connection, so that
the client's instructions can be counted without a real server's.

It negotiates just enough, in plaintext: stream header and features,
SASL ANONYMOUS (RFC 4505; the one mechanism that xmpp-glib and libstrophe
both use on a connection without TLS), a stream restart, resource binding
(the client is bound to alice@localhost/bench). Then:

  replay FILE   writes the bytes of FILE (the recorded stanzas of
                stream.py) and closes the stream, then waits for the
                client's closing tag or the end of the connection;
  sink          reads and discards what the client sends until its
                closing tag, counting the chat messages with a body,
                then closes the stream.

It prints "PORT n" once listening, and at the end
"RESULT received=K other=J" (the chat messages with a body the client
sent after binding, and any other top-level elements). It exits non-zero
if the negotiation goes wrong.

Standard library only (pyexpat parses what the client sends).
"""

import os
import socket
import sys
import xml.parsers.expat

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stream  # noqa: E402

NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
NS_BIND = "urn:ietf:params:xml:ns:xmpp-bind"
BOUND_JID = "alice@localhost/bench"
TIMEOUT = 900

FIRST_HEADER = stream.STREAM_HEADER.replace("bench-stream-2", "bench-stream-1")
FIRST_FEATURES = ("<stream:features>"
                  f"<mechanisms xmlns='{NS_SASL}'><mechanism>ANONYMOUS</mechanism></mechanisms>"
                  "</stream:features>")
SECOND_FEATURES = f"<stream:features><bind xmlns='{NS_BIND}'/></stream:features>"


class Failed(Exception):
    pass


class Element:
    def __init__(self, name, attrs):
        self.name = name
        self.attrs = attrs
        self.children = []
        self.text = ""


class ClientStream:
    """The client's side of the connection, as events: ("open", attrs),
    ("element", Element) for each top-level element, ("close", None)."""

    def __init__(self, sock):
        self.sock = sock
        self.events = []
        self.restart()

    def restart(self):
        self.parser = xml.parsers.expat.ParserCreate()
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._text
        self.stack = []

    def _start(self, name, attrs):
        if not self.stack and name == "stream:stream":
            self.stack.append(None)
            self.events.append(("open", attrs))
            return
        element = Element(name, attrs)
        if len(self.stack) > 1:
            self.stack[-1].children.append(element)
        self.stack.append(element)

    def _end(self, name):
        element = self.stack.pop()
        if element is None:
            self.events.append(("close", None))
        elif len(self.stack) == 1:
            self.events.append(("element", element))

    def _text(self, data):
        if len(self.stack) > 1:
            self.stack[-1].text += data

    def next(self):
        while not self.events:
            try:
                data = self.sock.recv(65536)
            except ConnectionResetError:
                data = b""
            if not data:
                return ("eof", None)
            self.parser.Parse(data, False)
        return self.events.pop(0)

    def expect(self, kind, name=None):
        event, value = self.next()
        if event != kind or (name is not None and value.name != name):
            got = value.name if event == "element" else event
            raise Failed(f"expected {kind} {name or ''}, got {got}")
        return value


def negotiate(sock, client):
    client.expect("open")
    sock.sendall((FIRST_HEADER + FIRST_FEATURES).encode())

    auth = client.expect("element", "auth")
    if auth.attrs.get("xmlns") != NS_SASL or auth.attrs.get("mechanism") != "ANONYMOUS":
        raise Failed(f"unexpected auth: {auth.attrs}")
    client.restart()
    sock.sendall(f"<success xmlns='{NS_SASL}'/>".encode())

    client.expect("open")
    sock.sendall((stream.STREAM_HEADER + SECOND_FEATURES).encode())

    iq = client.expect("element", "iq")
    if (iq.attrs.get("type") != "set" or not iq.children
            or iq.children[0].name != "bind" or iq.children[0].attrs.get("xmlns") != NS_BIND):
        raise Failed(f"expected a bind request, got {iq.name} {iq.attrs}")
    sock.sendall((f"<iq type='result' id='{iq.attrs.get('id', '')}'>"
                  f"<bind xmlns='{NS_BIND}'><jid>{BOUND_JID}</jid></bind></iq>").encode())


def drain(client):
    """Reads until the client's closing tag or the end; counts."""
    received = other = 0
    while True:
        event, value = client.next()
        if event in ("close", "eof"):
            return received, other
        if event == "element":
            if (value.name == "message" and value.attrs.get("type") == "chat"
                    and any(c.name == "body" for c in value.children)):
                received += 1
            else:
                other += 1
                print(f"replay-server: client sent <{value.name}> {value.attrs}", file=sys.stderr)


def main(argv):
    if len(argv) < 2 or argv[1] not in ("replay", "sink") or (argv[1] == "replay") != (len(argv) == 3):
        print(__doc__, file=sys.stderr)
        return 2
    payload = b""
    if argv[1] == "replay":
        with open(argv[2], "rb") as f:
            payload = f.read()

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(TIMEOUT)
    print(f"PORT {listener.getsockname()[1]}", flush=True)

    sock, _ = listener.accept()
    listener.close()
    sock.settimeout(TIMEOUT)
    client = ClientStream(sock)
    try:
        negotiate(sock, client)
        if argv[1] == "replay":
            sock.sendall(payload + stream.STREAM_CLOSE.encode())
            received, other = drain(client)
        else:
            received, other = drain(client)
            sock.sendall(stream.STREAM_CLOSE.encode())
    except (Failed, OSError, xml.parsers.expat.ExpatError) as e:
        print(f"replay-server: {e}", file=sys.stderr)
        return 1
    finally:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()
    print(f"RESULT received={received} other={other}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
