# test_fault_proxy.py: the fault-injecting proxy of fault_proxy.py
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""FaultProxy in front of an echo server of the test's own (a thread per
connection, recording what each received and how it ended); the test's side
uses blocking sockets with a timeout."""

import select
import socket
import threading
import time
import unittest

from fault_proxy import FaultProxy

GUARD = 30.0  # a guard against a wedged test, not an assertion on timing


def wait_for(condition, what):
    deadline = time.monotonic() + GUARD
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {GUARD} seconds for {what}")
        time.sleep(0.002)


class EchoServer:
    """Sends back what it reads, or with echo=False never reads."""

    def __init__(self, echo=True):
        self.echo = echo
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.connections = []  # dicts: socket, received, ended
        self.stopping = False
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def _accept(self):
        while not self.stopping:
            try:
                sock, _ = self.listener.accept()
            except socket.timeout:
                continue
            record = {"socket": sock, "received": 0, "ended": None}
            with self.lock:
                self.connections.append(record)
            thread = threading.Thread(target=self._serve, args=(record,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _serve(self, record):
        sock = record["socket"]
        sock.settimeout(0.05)
        while not self.stopping:
            if not self.echo:
                time.sleep(0.05)
                continue
            try:
                data = sock.recv(4096)
            except socket.timeout:
                continue
            except OSError as e:
                with self.lock:
                    record["ended"] = f"error: {e}"
                break
            if not data:
                with self.lock:
                    record["ended"] = "eof"
                break
            with self.lock:
                record["received"] += len(data)
            try:
                sock.sendall(data)
            except OSError as e:
                with self.lock:
                    record["ended"] = f"error: {e}"
                break
        sock.close()

    def count(self):
        with self.lock:
            return len(self.connections)

    def received(self, i):
        with self.lock:
            return self.connections[i]["received"]

    def ended(self, i):
        with self.lock:
            return self.connections[i]["ended"]

    def close(self):
        self.stopping = True
        for thread in list(self.threads):
            thread.join()
        self.listener.close()


def connect(port):
    return socket.create_connection(("127.0.0.1", port), timeout=GUARD)


def receive(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise AssertionError(f"end of stream after {data!r}")
        data += chunk
    return data


def round_trip(sock, data):
    sock.sendall(data)
    return receive(sock, len(data))


def expect_reset(sock):
    """Reads until the connection fails, which must be a reset, not a clean
    end of stream; returns what came first."""
    data = b""
    while True:
        try:
            chunk = sock.recv(1024)
        except socket.timeout:
            raise AssertionError("no reset came") from None
        except OSError:
            return data
        if not chunk:
            raise AssertionError(f"a clean end of stream after {data!r}, not a reset")
        data += chunk


def expect_end(sock):
    """Reads until the connection ends, cleanly or not."""
    while True:
        try:
            if not sock.recv(1024):
                return
        except socket.timeout:
            raise AssertionError("the connection did not end") from None
        except OSError:
            return


class TestFaultProxy(unittest.TestCase):
    def setUp(self):
        self.server = EchoServer()
        self.addCleanup(self.server.close)
        self.proxy = FaultProxy("127.0.0.1", self.server.port)
        self.addCleanup(self.proxy.close)

    def connect(self):
        sock = connect(self.proxy.port)
        self.addCleanup(sock.close)
        return sock

    def test_forward(self):
        proxy = self.proxy
        self.assertEqual(proxy.address, ("127.0.0.1", proxy.port))
        sock = self.connect()
        self.assertEqual(round_trip(sock, b"hello"), b"hello")
        big = bytes(range(256)) * 256
        for _ in range(4):
            self.assertEqual(round_trip(sock, big), big)
        total = 5 + 4 * len(big)
        wait_for(lambda: proxy.forwarded(FaultProxy.SERVER_TO_CLIENT) == total, "the counter")
        self.assertEqual(proxy.forwarded(FaultProxy.CLIENT_TO_SERVER), total)
        self.assertEqual(proxy.accepted, 1)
        self.assertEqual(proxy.open_count, 1)
        self.assertEqual(self.server.received(0), total)

        # Half-close: the echo server's end of stream comes back.
        sock.shutdown(socket.SHUT_WR)
        self.assertEqual(sock.recv(16), b"")
        self.assertEqual(self.server.ended(0), "eof")
        wait_for(lambda: proxy.open_count == 0, "the pair to close")

    def test_cut(self):
        sock = self.connect()
        round_trip(sock, b"hello")
        self.proxy.set_delay(10000)
        sock.sendall(b"late")  # held back by the delay: never forwarded
        time.sleep(0.05)
        self.proxy.cut()
        self.assertEqual(self.proxy.open_count, 0)
        self.assertEqual(expect_reset(sock), b"")
        wait_for(lambda: self.server.ended(0) is not None, "the server to see the cut")
        self.assertEqual(self.server.received(0), 5)

        self.proxy.set_delay(0)
        again = self.connect()
        self.assertEqual(round_trip(again, b"again"), b"again")

    def test_cut_after(self):
        text = b"<message to='romeo@example.net'><body>Wherefore art thou?</body></message>"
        first = self.connect()
        round_trip(first, b"hello")
        self.proxy.cut_after(FaultProxy.CLIENT_TO_SERVER, 10)
        first.sendall(text)
        self.assertEqual(expect_reset(first), b"")
        wait_for(lambda: self.server.ended(0) is not None, "the server to see the cut")
        self.assertEqual(self.server.received(0), 5 + 10)
        self.assertEqual(self.proxy.forwarded(FaultProxy.CLIENT_TO_SERVER), 5 + 10)

        second = self.connect()
        round_trip(second, b"hello")
        self.proxy.cut_after(FaultProxy.SERVER_TO_CLIENT, 7)
        second.sendall(text)
        self.assertEqual(expect_reset(second), text[:7])
        self.assertEqual(self.proxy.open_count, 0)

    def test_blackhole(self):
        dead = self.connect()
        round_trip(dead, b"hello")
        self.assertEqual(self.proxy.blackhole(), 1)
        self.assertEqual(self.proxy.open_count, 1)
        dead.sendall(b"ping")
        dead.settimeout(0.3)
        with self.assertRaises(socket.timeout):
            dead.recv(16)  # neither data nor an end of stream
        self.assertEqual(self.server.received(0), 5)
        self.assertIsNone(self.server.ended(0))

        fresh = self.connect()
        self.assertEqual(round_trip(fresh, b"fresh"), b"fresh")
        self.assertEqual(self.proxy.open_count, 2)

        dead.shutdown(socket.SHUT_WR)  # lost on the dead path too
        time.sleep(0.1)
        self.assertIsNone(self.server.ended(0))

    def test_delay(self):
        sock = self.connect()
        round_trip(sock, b"hello")
        self.proxy.set_delay(200)
        start = time.monotonic()
        round_trip(sock, b"slow")
        self.assertGreaterEqual(time.monotonic() - start, 2 * 0.200)

        # "b" must not overtake "a", though it is read after the delay is off.
        self.proxy.set_delay(300)
        sock.sendall(b"a")
        time.sleep(0.05)
        self.proxy.set_delay(0)
        sock.sendall(b"b")
        self.assertEqual(receive(sock, 2), b"ab")

    def test_refuse(self):
        self.proxy.set_refuse(True)
        try:
            refused = self.connect()
        except OSError:
            pass  # the reset came before the connect returned
        else:
            self.assertEqual(expect_reset(refused), b"")
        wait_for(lambda: self.proxy.accepted == 1, "the accept")
        self.assertEqual(self.proxy.open_count, 0)
        self.assertEqual(self.server.count(), 0)

        self.proxy.set_refuse(False)
        sock = self.connect()
        self.assertEqual(round_trip(sock, b"hello"), b"hello")
        self.assertEqual(self.server.count(), 1)

    def test_close_with_open_connections(self):
        dead = self.connect()
        round_trip(dead, b"hello")
        self.proxy.blackhole()
        plain = self.connect()
        round_trip(plain, b"hello")
        self.proxy.set_delay(10000)
        plain.sendall(b"late")
        self.proxy.close()
        expect_end(dead)
        expect_end(plain)
        wait_for(lambda: self.server.ended(0) and self.server.ended(1), "the server to see the end")
        self.assertEqual(self.server.received(1), 5)
        with self.assertRaises(RuntimeError):
            self.proxy.cut()


class TestBackpressure(unittest.TestCase):
    def test_server_that_does_not_read(self):
        server = EchoServer(echo=False)
        self.addCleanup(server.close)
        with FaultProxy("127.0.0.1", server.port) as proxy:
            sock = connect(proxy.port)
            self.addCleanup(sock.close)
            wait_for(lambda: server.count() == 1, "the upstream connection")
            sock.setblocking(False)
            block = bytes(65536)
            sent = 0
            limit = 256 * 1024 * 1024
            while sent < limit:
                try:
                    sent += sock.send(block)
                except BlockingIOError:
                    _, writable, _ = select.select([], [sock], [], 0.5)
                    if not writable:
                        break
            self.assertLess(sent, limit)
            self.assertLessEqual(proxy.forwarded(FaultProxy.CLIENT_TO_SERVER), sent)


if __name__ == "__main__":
    unittest.main()
