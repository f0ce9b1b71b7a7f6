# fault_proxy.py: a TCP proxy on loopback that injects network faults
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A fault-injecting TCP proxy for the Python tests, as tests/support/fault-proxy.h
is for the C tests.

    from fault_proxy import FaultProxy

    with FaultProxy("127.0.0.1", server.port) as proxy:
        # point the session at ("127.0.0.1", proxy.port)
        proxy.cut()                 # reset every open connection (RST, no FIN)
        proxy.cut_after(FaultProxy.CLIENT_TO_SERVER, 10)
                                    # the same once 10 more bytes went that way
        proxy.blackhole()           # open connections become a dead path
        proxy.set_delay(200)        # every chunk waits 200 ms, both ways
        proxy.set_refuse(True)      # new connections are accepted and reset
        proxy.accepted, proxy.open_count, proxy.forwarded(FaultProxy.SERVER_TO_CLIENT)

The proxy listens on 127.0.0.1, a free port, and forwards each connection
it accepts to the upstream as plain TCP (TLS passes through untouched). It
runs in a thread of its own (a selectors loop), so it keeps forwarding while
the test blocks or iterates a GLib main context; every method may be called
from any thread and returns once its effect has taken place (after cut(),
the resets have been sent).

An end of stream from one side shuts down the write half of the other once
everything before it has been forwarded; a pair is closed when both
directions have ended; an error on either side resets both. The proxy holds
at most a few tens of kilobytes per direction and stops reading from a side
whose peer does not read. Standard library only; works with any
python3 >= 3.9.
"""

import collections
import errno
import heapq
import selectors
import socket
import struct
import threading
import time

CHUNK_SIZE = 16384
FLOW_LIMIT = 4 * CHUNK_SIZE


class _Flow:
    """One direction of a pair: chunks read from src, not yet written to dst."""

    def __init__(self, pair, direction):
        self.pair = pair
        self.direction = direction
        self.src = None  # _Side; None while connecting
        self.dst = None
        self.chunks = collections.deque()  # [due, memoryview]
        self.queued = 0
        self.ended = False  # end of stream from src (or, blackholed, an error)
        self.shut = False  # dst shut down for writing
        self.blocked = False  # waiting for dst to be writable
        self.timer_due = None

    def wants_read(self):
        return self.src is not None and not self.ended and self.queued < FLOW_LIMIT


class _Side:
    """One socket of a pair, registered with the selector as its flows need."""

    def __init__(self, pair, sock):
        self.pair = pair
        self.sock = sock
        self.mask = 0
        self.out_flow = None  # reads from this side
        self.in_flow = None  # writes to this side


class _Pair:
    def __init__(self, client):
        self.client = client
        self.upstream = None
        self.connecting = None  # the upstream socket while it connects
        self.sides = []
        self.flows = [_Flow(self, FaultProxy.CLIENT_TO_SERVER),
                      _Flow(self, FaultProxy.SERVER_TO_CLIENT)]
        self.blackholed = False
        self.closed = False


def _reset(sock):
    """Closes sock with a RST instead of a FIN (SO_LINGER {1, 0})."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


def _nodelay(sock):
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:
        pass


class FaultProxy:
    """A TCP proxy from 127.0.0.1:port to upstream_host:upstream_port."""

    CLIENT_TO_SERVER = 0
    SERVER_TO_CLIENT = 1

    def __init__(self, upstream_host, upstream_port):
        infos = socket.getaddrinfo(upstream_host, upstream_port, type=socket.SOCK_STREAM)
        self._upstream_family, _, _, _, self._upstream_address = infos[0]

        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.setblocking(False)
        self.host = "127.0.0.1"
        self.port = self._listener.getsockname()[1]

        self._sel = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._sel.register(self._listener, selectors.EVENT_READ, "accept")
        self._sel.register(self._wake_r, selectors.EVENT_READ, "wake")

        # Only touched in the proxy's thread.
        self._pairs = set()
        self._timers = []  # (due, seq, flow)
        self._seq = 0
        self._delay = 0.0
        self._refuse = False
        self._cut_dir = None  # armed by cut_after()
        self._cut_remaining = 0
        self._stopping = False

        # Under _lock: read from any thread.
        self._lock = threading.Lock()
        self._accepted = 0
        self._open = 0
        self._bytes = [0, 0]

        self._calls = collections.deque()
        self._failure = None
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="fault-proxy", daemon=True)
        self._thread.start()

    # Public API

    @property
    def address(self):
        """("127.0.0.1", port)."""
        return (self.host, self.port)

    @property
    def accepted(self):
        """Connections accepted so far, refused ones included."""
        with self._lock:
            return self._accepted

    @property
    def open_count(self):
        """Connection pairs open now (blackholed ones included)."""
        with self._lock:
            return self._open

    def forwarded(self, direction):
        """Bytes forwarded in direction (CLIENT_TO_SERVER or SERVER_TO_CLIENT) so far."""
        with self._lock:
            return self._bytes[direction]

    def cut(self):
        """Resets both sockets of every open connection; nothing buffered is forwarded."""
        self._call(self._cut_all)

    def cut_after(self, direction, n):
        """Once n more bytes have been forwarded in direction (over all
        connections), cuts everything as cut() does; n = 0 cuts at once."""
        if direction not in (self.CLIENT_TO_SERVER, self.SERVER_TO_CLIENT):
            raise ValueError(f"no such direction: {direction!r}")
        self._call(self._arm_cut, direction, n)

    def blackhole(self):
        """Turns every open connection into a dead path: what either side sends
        is discarded, no FIN or RST reaches anyone; new connections work.
        Returns how many connections it blackholed (not counting those that
        already were)."""
        return self._call(self._blackhole_all)

    def set_delay(self, ms):
        """Delays every chunk read from now on by ms milliseconds, both ways,
        keeping the order; 0 stops delaying."""
        self._call(setattr, self, "_delay", ms / 1000.0)

    def set_refuse(self, refuse):
        """While True, new connections are accepted and reset at once."""
        self._call(setattr, self, "_refuse", bool(refuse))

    def close(self):
        """Stops the thread; closes every connection (with a FIN) and the listener."""
        if self._closed:
            return
        self._closed = True
        if self._thread.is_alive():
            try:
                self._call(self._shutdown)
            except RuntimeError:
                pass
        self._thread.join()
        self._sel.close()
        self._wake_r.close()
        self._wake_w.close()
        self._listener.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # Calls into the proxy's thread

    def _call(self, fn, *args):
        if threading.current_thread() is self._thread:
            return fn(*args)
        if self._closed and fn != self._shutdown:
            raise RuntimeError("the fault proxy is closed")
        done = threading.Event()
        outcome = []
        self._calls.append((fn, args, done, outcome))
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        while not done.wait(0.1):
            if not self._thread.is_alive():
                raise RuntimeError(f"the fault proxy's thread died: {self._failure!r}")
        if outcome[0] == "error":
            raise outcome[1]
        return outcome[1]

    def _run_calls(self):
        try:
            while self._wake_r.recv(4096):
                pass
        except BlockingIOError:
            pass
        while self._calls:
            fn, args, done, outcome = self._calls.popleft()
            try:
                outcome[:] = ["ok", fn(*args)]
            except Exception as e:  # noqa: BLE001 - handed to the caller
                outcome[:] = ["error", e]
            done.set()

    # The loop

    def _run(self):
        try:
            while not self._stopping:
                timeout = None
                if self._timers:
                    timeout = max(0.0, self._timers[0][0] - time.monotonic())
                for key, mask in self._sel.select(timeout):
                    self._dispatch(key.data, mask)
                self._run_timers()
        except BaseException as e:  # noqa: BLE001 - a bug: reported by _call()
            self._failure = e
            for pair in list(self._pairs):
                self._pair_close(pair, reset=False)
            raise
        finally:
            # Calls that came too late still return.
            while self._calls:
                _, _, done, outcome = self._calls.popleft()
                outcome[:] = ["ok", None]
                done.set()

    def _dispatch(self, data, mask):
        if data == "accept":
            self._on_accept()
        elif data == "wake":
            self._run_calls()
        elif isinstance(data, _Pair):
            self._on_connected(data)
        else:
            side = data
            if side.pair.closed:
                return
            if mask & selectors.EVENT_READ:
                self._on_readable(side)
            if mask & selectors.EVENT_WRITE and not side.pair.closed and side.in_flow is not None:
                side.in_flow.blocked = False
                self._flow_update(side.in_flow)

    def _run_timers(self):
        now = time.monotonic()
        while self._timers and self._timers[0][0] <= now:
            due, _, flow = heapq.heappop(self._timers)
            if flow.timer_due == due:
                flow.timer_due = None
                self._flow_update(flow)

    def _schedule(self, flow, due):
        if flow.timer_due == due:
            return
        flow.timer_due = due
        self._seq += 1
        heapq.heappush(self._timers, (due, self._seq, flow))

    # Connections

    def _on_accept(self):
        while True:
            try:
                sock, _ = self._listener.accept()
            except BlockingIOError:
                return
            except OSError:
                return
            with self._lock:
                self._accepted += 1
            if self._refuse:
                _reset(sock)
                continue
            sock.setblocking(False)
            _nodelay(sock)
            self._pair_start(sock)

    def _pair_start(self, client):
        pair = _Pair(client)
        self._pairs.add(pair)
        with self._lock:
            self._open += 1
        upstream = socket.socket(self._upstream_family, socket.SOCK_STREAM)
        upstream.setblocking(False)
        err = upstream.connect_ex(self._upstream_address)
        if err not in (0, errno.EINPROGRESS):
            upstream.close()
            self._pair_close(pair, reset=True)
            return
        pair.connecting = upstream
        self._sel.register(upstream, selectors.EVENT_WRITE, pair)

    def _on_connected(self, pair):
        if pair.closed or pair.connecting is None:
            return
        upstream = pair.connecting
        pair.connecting = None
        self._sel.unregister(upstream)
        err = upstream.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err == 0:
            _nodelay(upstream)
            pair.upstream = upstream
        else:
            upstream.close()
            if not pair.blackholed:
                # As if the server refused: the client gets a reset.
                self._pair_close(pair, reset=True)
                return

        c2s, s2c = pair.flows
        client_side = _Side(pair, pair.client)
        pair.sides.append(client_side)
        c2s.src = client_side
        client_side.out_flow = c2s
        s2c.dst = client_side
        client_side.in_flow = s2c
        if pair.upstream is not None:
            upstream_side = _Side(pair, pair.upstream)
            pair.sides.append(upstream_side)
            s2c.src = upstream_side
            upstream_side.out_flow = s2c
            c2s.dst = upstream_side
            upstream_side.in_flow = c2s
        else:
            s2c.ended = True  # blackholed, and the connect failed
        self._flow_update(c2s)
        self._flow_update(s2c)

    def _update_interest(self, side):
        if side.pair.closed:
            return
        mask = 0
        if side.out_flow is not None and side.out_flow.wants_read():
            mask |= selectors.EVENT_READ
        if side.in_flow is not None and side.in_flow.blocked:
            mask |= selectors.EVENT_WRITE
        if mask == side.mask:
            return
        if side.mask == 0:
            self._sel.register(side.sock, mask, side)
        elif mask == 0:
            self._sel.unregister(side.sock)
        else:
            self._sel.modify(side.sock, mask, side)
        side.mask = mask

    def _on_readable(self, side):
        flow = side.out_flow
        pair = side.pair
        if flow is None or not flow.wants_read():
            return
        try:
            data = side.sock.recv(CHUNK_SIZE)
        except BlockingIOError:
            return
        except OSError:
            if not pair.blackholed:
                self._pair_close(pair, reset=True)
                return
            data = b""
        if not data:
            flow.ended = True
        elif not pair.blackholed:
            flow.chunks.append([time.monotonic() + self._delay, memoryview(data)])
            flow.queued += len(data)
        # else: a dead path loses it
        self._flow_update(flow)

    def _flow_write(self, flow):
        """Writes what is due; False if the pair was closed (or all was cut)."""
        while flow.chunks:
            chunk = flow.chunks[0]
            due, data = chunk
            if due > time.monotonic():
                self._schedule(flow, due)
                return True
            counting = self._cut_dir == flow.direction
            length = min(len(data), self._cut_remaining) if counting else len(data)
            # Under the lock, so that whoever saw the bytes arrive sees them counted.
            with self._lock:
                try:
                    n = flow.dst.sock.send(data[:length])
                except BlockingIOError:
                    n = None
                except OSError:
                    n = -1
                else:
                    self._bytes[flow.direction] += n
            if n is None:
                flow.blocked = True
                return True
            if n < 0:
                self._pair_close(flow.pair, reset=True)
                return False
            flow.queued -= n
            if n == len(data):
                flow.chunks.popleft()
            else:
                chunk[1] = data[n:]
            if counting:
                self._cut_remaining -= n
                if self._cut_remaining == 0:
                    self._cut_all()
                    return False
        return True

    def _flow_update(self, flow):
        pair = flow.pair
        if pair.closed:
            return
        if not pair.blackholed and not self._flow_write(flow):
            return
        if not pair.blackholed and flow.ended and not flow.shut and not flow.chunks:
            flow.shut = True
            try:
                flow.dst.sock.shutdown(socket.SHUT_WR)
            except OSError:
                self._pair_close(pair, reset=True)
                return
        for side in pair.sides:
            self._update_interest(side)
        c2s, s2c = pair.flows
        if (c2s.ended and s2c.ended) if pair.blackholed else (c2s.shut and s2c.shut):
            self._pair_close(pair, reset=False)

    def _pair_close(self, pair, reset):
        if pair.closed:
            return
        pair.closed = True
        # Before the peers can see the end: a test that saw it sees the count.
        with self._lock:
            self._open -= 1
        for flow in pair.flows:
            flow.chunks.clear()
            flow.queued = 0
            flow.timer_due = None
        for sock in (pair.client, pair.upstream, pair.connecting):
            if sock is None:
                continue
            try:
                self._sel.unregister(sock)
            except (KeyError, ValueError):
                pass
            if reset:
                _reset(sock)
            else:
                sock.close()
        self._pairs.discard(pair)

    # The operations, in the proxy's thread

    def _cut_all(self):
        self._cut_dir = None
        for pair in list(self._pairs):
            self._pair_close(pair, reset=True)

    def _arm_cut(self, direction, n):
        if n == 0:
            self._cut_all()
            return
        self._cut_dir = direction
        self._cut_remaining = n

    def _blackhole_all(self):
        count = 0
        for pair in list(self._pairs):
            if pair.blackholed or pair.closed:
                continue
            pair.blackholed = True
            count += 1
            for flow in pair.flows:
                flow.chunks.clear()
                flow.queued = 0
                flow.blocked = False
                flow.timer_due = None
            for flow in pair.flows:
                self._flow_update(flow)
        return count

    def _shutdown(self):
        self._stopping = True
        try:
            self._sel.unregister(self._listener)
        except (KeyError, ValueError):
            pass
        for pair in list(self._pairs):
            self._pair_close(pair, reset=False)
