# delay_proxy.py: a loopback TCP proxy that delays each direction, for figure 4
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A TCP proxy from 127.0.0.1:port to an upstream, delaying every chunk by
a fixed time in each direction, keeping the order.

    with DelayProxy("127.0.0.1", server_port, delay_ms=25) as proxy:
        ... connect to proxy.port ...
        proxy.set_delay(50)

It differs from tests/python/fault_proxy.py in one way that matters for
counting round trips: it acknowledges what it reads at once (TCP_QUICKACK
after every read, where the platform has it). Prosody and most clients
keep Nagle's algorithm on, so a sender with an unacknowledged small
segment holds the next one until the ACK; a proxy that sits on its data
for the delay leaves the ACK to the delayed-ACK timer (40 ms and more, and
growing with the gaps between segments), and the stall grows with the
delay, which makes the round trips look like more than they are. Here the
only waits are the delays.

Two threads per direction (one reads, one writes when each chunk is due);
standard library only, any python3 >= 3.9.
"""

import collections
import socket
import threading
import time

QUICKACK = getattr(socket, "TCP_QUICKACK", None)


def _quickack(sock):
    if QUICKACK is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, QUICKACK, 1)
        except OSError:
            pass


def _nodelay(sock):
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:
        pass


class _Pair:
    """The two sockets of one connection, closed when both directions ended."""

    def __init__(self, proxy, client, upstream):
        self.proxy = proxy
        self.sockets = (client, upstream)
        self.lock = threading.Lock()
        self.ended = 0
        _Direction(self, client, upstream)
        _Direction(self, upstream, client)

    def direction_ended(self):
        with self.lock:
            self.ended += 1
            if self.ended < 2:
                return
        for s in self.sockets:
            s.close()
        self.proxy._forget(self)


class _Direction:
    def __init__(self, pair, src, dst):
        self.pair = pair
        self.proxy = pair.proxy
        self.src = src
        self.dst = dst
        self.queue = collections.deque()
        self.cond = threading.Condition()
        for target in (self._read, self._write):
            threading.Thread(target=target, daemon=True).start()

    def _read(self):
        while True:
            _quickack(self.src)
            try:
                data = self.src.recv(65536)
            except OSError:
                data = b""
            with self.cond:
                self.queue.append((time.monotonic() + self.proxy.delay, data))
                self.cond.notify()
            if not data:
                return

    def _write(self):
        while True:
            with self.cond:
                while not self.queue:
                    self.cond.wait()
                due, data = self.queue.popleft()
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                if not data:
                    self.dst.shutdown(socket.SHUT_WR)
                else:
                    self.dst.sendall(data)
            except OSError:
                data = b""
            if not data:
                self.pair.direction_ended()
                return


class DelayProxy:
    def __init__(self, upstream_host, upstream_port, delay_ms=0):
        self.upstream = (upstream_host, upstream_port)
        self.delay = delay_ms / 1000.0
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._pairs = set()
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def set_delay(self, ms):
        """The delay, each way, for chunks read from now on."""
        self.delay = ms / 1000.0

    def _accept(self):
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            for s in (client, upstream):
                _nodelay(s)
            with self._lock:
                self._pairs.add(_Pair(self, client, upstream))

    def _forget(self, pair):
        with self._lock:
            self._pairs.discard(pair)

    def close(self):
        """Stops accepting and ends the open connections (their threads
        see the end and close the sockets)."""
        self._closed = True
        try:
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._listener.close()
        with self._lock:
            pairs = list(self._pairs)
        for pair in pairs:
            for s in pair.sockets:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
