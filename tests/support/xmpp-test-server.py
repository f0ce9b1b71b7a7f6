#!/usr/bin/env python3
# xmpp-test-server.py: a private Prosody or ejabberd for the integration tests
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Start a private XMPP server on 127.0.0.1 and keep it until stdin closes.

Usage: xmpp-test-server.py [--server prosody|ejabberd] [options]

The server runs in a new temporary directory with its own CA, certificate,
configuration, data and log, on free loopback ports. When it accepts
streams, one line of JSON describing it goes to stdout:

  {"server": "prosody", "version": "0.12.3",
   "domain": "localhost", "host": "127.0.0.1",
   "port": 40001,                    c2s with STARTTLS
   "direct_tls_port": 40002,         XEP-0368 TLS from the first byte
   "ca_file": ".../ca.pem",          the only CA the server's certificate
                                     chains to (names: localhost,
                                     anon.localhost; no IP address)
   "tls": "1.3",                     what our own STARTTLS negotiated
   "starttls_required": true,
   "mechanisms": ["PLAIN", "SCRAM-SHA-1", ...],   offered after STARTTLS
   "mechanisms_before_tls": [],      offered in the clear
   "features": [...],                stream features after STARTTLS
   "direct_tls": "1.3", "direct_tls_mechanisms": [...],
   "anonymous_domain": "anon.localhost" or null,
   "anonymous_mechanisms": ["ANONYMOUS", ...] or null,
   "accounts": {"alice": {"jid": "alice@localhost", "password": "..."},
                "bob": ..., "carol": ..., "dave": ...},
   "dave_password_nfd": "...",       dave's password (stored NFC) decomposed
   "options": {...},                 the options in effect
   "tmpdir": "...", "log": "...",    the server's log file
   "pid": 1234,                      this script
   "start_seconds": 0.6}

Then it reads commands from stdin, one a line, and answers each with one
line of JSON ({"command": NAME, "ok": true, ...} or "ok": false with
"error"). A command is either plain words or a JSON object:

  restart                    stop the server and start it again, same ports
                             and data; answered when it accepts streams
  register USER PASSWORD     create an account (the password is the rest of
                             the line); or {"command": "register",
                             "user": "...", "password": "..."}
  stop                       stop the server; the program exits

The server is stopped and the temporary directory removed when stdin
reaches EOF, on SIGTERM, SIGINT or SIGHUP, and when the parent process goes
away. A watchdog process in its own session does the same if this program
is killed with SIGKILL.

Failures print {"error": "...", "unavailable": true|false} and exit with 1;
"unavailable" (and exit status 77) means the server program cannot run here
(not installed, or ejabberd without root), which tests report as a skip
unless GXMPP_TEST_REQUIRE_SERVERS=1 is set in the environment.

Runs with any python3 >= 3.9, standard library only.
"""

import argparse
import json
import os
import pwd
import secrets
import select
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

DOMAIN = "localhost"
# How long Prosody has to stop when asked on its admin socket.
ADMIN_STOP_GRACE = 5.0
ANON_DOMAIN = "anon.localhost"
HOST = "127.0.0.1"
ACCOUNTS = ("alice", "bob", "carol", "dave")
# Non-ASCII, so that SASLprep (RFC 4013) / PRECIS OpaqueString (RFC 8265)
# matter: the server stores the NFC form; a client may be given the
# decomposed one and has to normalise it before SCRAM.
DAVE_PASSWORD = unicodedata.normalize("NFC", "p\u00e4ssw\u00f6rd\u20ac")
DAVE_PASSWORD_NFD = unicodedata.normalize("NFD", DAVE_PASSWORD)

NS_STREAM = "http://etherx.jabber.org/streams"
NS_TLS = "urn:ietf:params:xml:ns:xmpp-tls"
NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
NS_SM = "urn:xmpp:sm:3"

START_TIMEOUT = {"prosody": 30.0, "ejabberd": 90.0}
STOP_TIMEOUT = 15.0


class Unavailable(Exception):
    """The server program cannot run here: tests skip."""


class Failure(Exception):
    """Something went wrong starting or driving the server."""


class Terminate(BaseException):
    """A signal asked us to stop."""


def log(message):
    print(f"xmpp-test-server[{os.getpid()}]: {message}", file=sys.stderr, flush=True)


def emit(obj):
    """One line of JSON on stdout. ASCII only, so any reader can take it.
    Returns False if nobody reads stdout any more."""
    data = (json.dumps(obj, ensure_ascii=True) + "\n").encode("ascii")
    try:
        while data:
            data = data[os.write(1, data):]
        return True
    except BrokenPipeError:
        return False


def tail(path, lines=30):
    try:
        with open(path, "rb") as f:
            data = f.read()[-16384:]
    except OSError:
        return ""
    return "\n".join(data.decode("utf-8", "replace").splitlines()[-lines:])


# ---------------------------------------------------------------------------
# Watchdog: a process in its own session that outlives us if we are killed
# with SIGKILL (for instance with the test's whole process group, as meson
# does on a timeout) and then stops the servers and removes the directory.
# We tell it over a pipe what to clean; it acts when the pipe reaches EOF.

def watchdog_main():
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    groups = set()
    dirs = set()
    buf = b""
    while True:
        try:
            chunk = os.read(0, 4096)
        except InterruptedError:
            continue
        if not chunk:
            break
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            words = line.decode("utf-8", "surrogateescape").split(" ", 1)
            if len(words) != 2:
                continue
            verb, arg = words
            if verb == "group":
                groups.add(int(arg))
            elif verb == "group-done":
                groups.discard(int(arg))
            elif verb == "dir":
                dirs.add(arg)
            elif verb == "dir-done":
                dirs.discard(arg)
    if not groups and not dirs:
        return 0
    print(f"xmpp-test-server watchdog: the server script went away; cleaning up "
          f"{sorted(groups)} {sorted(dirs)}", file=sys.stderr, flush=True)
    # Nothing of the server is worth a clean shutdown now.
    for pgid in groups:
        signal_group(pgid, signal.SIGKILL)
    deadline = time.monotonic() + STOP_TIMEOUT
    while groups and time.monotonic() < deadline:
        groups = {g for g in groups if group_alive(g)}
        time.sleep(0.05)
    for d in dirs:
        shutil.rmtree(d, ignore_errors=True)
    return 0


def signal_group(pgid, sig):
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def group_members(pgid):
    """The live (not zombie) processes of a process group, from /proc.

    Zombies do not count: an orphan whose new parent never reaps it (init in
    some containers) must not look like a server that is still running.
    """
    members = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        entries = []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode("ascii", "replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) >= 3 and int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry))
    return members


def process_name(pid):
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as f:
            return f.read().strip()
    except OSError:
        return None


def group_alive(pgid):
    if not os.path.isdir("/proc/self"):
        try:
            os.killpg(pgid, 0)
            return True
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
    return bool(group_members(pgid))


class Watchdog:
    def __init__(self):
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--watchdog"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            start_new_session=True, close_fds=True)

    def tell(self, verb, arg):
        try:
            self.proc.stdin.write(f"{verb} {arg}\n".encode("utf-8", "surrogateescape"))
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass

    def close(self):
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        try:
            self.proc.wait(timeout=STOP_TIMEOUT + 5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# ---------------------------------------------------------------------------
# Ports, certificates, probing

def free_ports(count):
    """Distinct free ports on HOST, from the kernel (bind to port 0)."""
    socks = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((HOST, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def port_open(port):
    try:
        with socket.create_connection((HOST, port), timeout=1.0):
            return True
    except OSError:
        return False


def log_size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def run(argv, **kwargs):
    """Runs a helper program; its output goes into the exception on failure."""
    kwargs.setdefault("stdin", subprocess.DEVNULL)
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          **kwargs)
    if proc.returncode != 0:
        out = proc.stdout.decode("utf-8", "replace").strip()
        raise Failure(f"{' '.join(argv[:3])} ... exited with {proc.returncode}: {out}")
    return proc.stdout.decode("utf-8", "replace")


def make_certificates(d):
    """A CA and a certificate for DOMAIN signed by it (ECDSA P-256: fast).

    The server certificate names DOMAIN and ANON_DOMAIN as dNSName and as
    XmppAddr (id-on-xmppAddr, RFC 6120 13.7.1.4). No IP address: a client
    has to check the domain, not the address it connected to.
    """
    if shutil.which("openssl") is None:
        raise Unavailable("openssl is not installed (Debian package openssl)")
    ca_key, ca_pem = os.path.join(d, "ca.key"), os.path.join(d, "ca.pem")
    key, csr, crt = (os.path.join(d, n) for n in ("server.key", "server.csr", "server.crt"))
    ext = os.path.join(d, "server.ext")
    with open(ext, "w", encoding="utf-8") as f:
        f.write("basicConstraints = critical, CA:FALSE\n"
                "keyUsage = critical, digitalSignature, keyEncipherment\n"
                "extendedKeyUsage = serverAuth\n"
                "subjectKeyIdentifier = hash\n"
                "authorityKeyIdentifier = keyid\n"
                "subjectAltName = @alt\n"
                "[alt]\n"
                f"DNS.1 = {DOMAIN}\n"
                f"DNS.2 = {ANON_DOMAIN}\n"
                f"otherName.1 = 1.3.6.1.5.5.7.8.5;UTF8:{DOMAIN}\n"
                f"otherName.2 = 1.3.6.1.5.5.7.8.5;UTF8:{ANON_DOMAIN}\n")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    run(["openssl", "req", "-x509", *ec, "-keyout", ca_key, "-out", ca_pem,
         "-days", "7", "-subj", "/O=xmpp-glib tests/CN=xmpp-glib test CA",
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    run(["openssl", "req", "-new", *ec, "-keyout", key, "-out", csr,
         "-subj", f"/O=xmpp-glib tests/CN={DOMAIN}"])
    run(["openssl", "x509", "-req", "-in", csr, "-CA", ca_pem, "-CAkey", ca_key,
         "-set_serial", str(secrets.randbits(63)), "-days", "7",
         "-extfile", ext, "-out", crt])
    pem = os.path.join(d, "server.pem")
    with open(pem, "w", encoding="ascii") as out:
        for part in (key, crt):
            with open(part, encoding="ascii") as f:
                out.write(f.read())
    os.unlink(csr)
    os.unlink(ca_key)  # nothing else is ever signed with it
    return {"ca": ca_pem, "key": key, "cert": crt, "pem": pem}


class StreamProbe:
    """Just enough of a client stream to read the stream features."""

    def __init__(self, sock, domain):
        self.sock = sock
        self.domain = domain

    def open(self, timeout):
        self.sock.settimeout(timeout)
        self.sock.sendall(
            (f"<?xml version='1.0'?><stream:stream to='{self.domain}' version='1.0' "
             "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>").encode())
        self.parser = ET.XMLPullParser(events=("start", "end"))
        self.depth = 0
        return self.read_element()

    def read_element(self):
        """Returns the next complete child of the stream element."""
        while True:
            for event, elem in self.parser.read_events():
                if event == "start":
                    self.depth += 1
                elif event == "end":
                    self.depth -= 1
                    if self.depth == 0:
                        raise Failure("the server closed the stream")
                    if self.depth == 1:
                        return elem
            data = self.sock.recv(65536)
            if not data:
                raise Failure("the server closed the connection")
            self.parser.feed(data)

    def close(self):
        try:
            self.sock.sendall(b"</stream:stream>")
        except OSError:
            pass
        self.sock.close()


def mechanisms_of(features):
    mechs = features.find(f"{{{NS_SASL}}}mechanisms")
    if mechs is None:
        return []
    return sorted(m.text.strip() for m in mechs.findall(f"{{{NS_SASL}}}mechanism") if m.text)


def feature_names(features):
    return sorted(child.tag.replace("{", "").replace("}", " ") for child in features)


def tls_version_name(ssl_sock):
    return {"TLSv1.3": "1.3", "TLSv1.2": "1.2", "TLSv1.1": "1.1",
            "TLSv1": "1.0"}.get(ssl_sock.version(), ssl_sock.version())


def probe(port, ca_file, direct_tls, domain=DOMAIN, timeout=10.0):
    """Opens a stream, does STARTTLS (or direct TLS) verified against the CA
    and returns what the server offered before and after TLS."""
    ctx = ssl.create_default_context(cafile=ca_file)
    ctx.set_alpn_protocols(["xmpp-client"])
    result = {}
    sock = socket.create_connection((HOST, port), timeout=timeout)
    try:
        if direct_tls:
            sock = ctx.wrap_socket(sock, server_hostname=domain)
        else:
            stream = StreamProbe(sock, domain)
            features = stream.open(timeout)
            starttls = features.find(f"{{{NS_TLS}}}starttls")
            if starttls is None:
                raise Failure("no <starttls/> in the stream features")
            result["starttls_required"] = starttls.find(f"{{{NS_TLS}}}required") is not None
            result["mechanisms_before_tls"] = mechanisms_of(features)
            sock.sendall(f"<starttls xmlns='{NS_TLS}'/>".encode())
            answer = stream.read_element()
            if answer.tag != f"{{{NS_TLS}}}proceed":
                raise Failure(f"STARTTLS answered with {answer.tag}")
            sock = ctx.wrap_socket(sock, server_hostname=domain)
        stream = StreamProbe(sock, domain)
        features = stream.open(timeout)
        result["tls"] = tls_version_name(sock)
        result["mechanisms"] = mechanisms_of(features)
        result["features"] = feature_names(features)
        stream.close()
    finally:
        sock.close()
    return result


# ---------------------------------------------------------------------------
# Servers

class Server:
    name = None
    program = None

    def __init__(self, opts, tmpdir, watchdog):
        self.opts = opts
        self.tmpdir = tmpdir
        self.watchdog = watchdog
        self.proc = None
        self.signalled = {}
        self.port = self.direct_tls_port = None
        self.certs = None
        self.log_offset = 0
        self.log_path = os.path.join(tmpdir, f"{self.name}.log")
        self.output_path = os.path.join(tmpdir, f"{self.name}.out")

    # ports, overridden by servers that need more
    def pick_ports(self):
        self.port, self.direct_tls_port = free_ports(2)

    def spawn(self, argv, **kwargs):
        out = open(self.output_path, "ab")
        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, close_fds=True,
                                         start_new_session=True, **kwargs)
        finally:
            out.close()
        self.watchdog.tell("group", self.proc.pid)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, graceful=True):
        """SIGTERM to the server, SIGKILL if it lingers (at once if not
        graceful: a start that failed or was interrupted leaves no data worth
        a clean shutdown); returns when no process of its group is left."""
        if self.proc is None:
            return
        pgid = self.proc.pid
        self.signalled = {}
        deadline = time.monotonic() + (STOP_TIMEOUT if graceful else 0)
        while group_alive(pgid) and time.monotonic() < deadline:
            # Again and again: a process that should get the signal may
            # appear only now (the Erlang VM while ejabberdctl starts up),
            # and a VM still booting loses it.
            self.terminate()
            self.proc.poll()
            time.sleep(0.02)
        if group_alive(pgid):
            if graceful:
                log(f"{self.name} did not stop within {STOP_TIMEOUT} s; killing it")
            signal_group(pgid, signal.SIGKILL)
            while group_alive(pgid):
                self.proc.poll()
                time.sleep(0.02)
        self.proc.wait()
        self.watchdog.tell("group-done", pgid)
        self.proc = None

    def new_log(self):
        """What the server logged since the last launch."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(self.log_offset)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def signal_once(self, what, pid_or_group, every=None):
        """SIGTERM to a process (or a group: negative), unless it had one
        less than @every seconds ago (never again if @every is None)."""
        now = time.monotonic()
        last = self.signalled.get(what)
        if last is not None and (every is None or now - last < every):
            return
        self.signalled[what] = now
        try:
            if pid_or_group < 0:
                os.killpg(-pid_or_group, signal.SIGTERM)
            else:
                os.kill(pid_or_group, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            pass

    def terminate(self):
        """Asks the server to stop; stop() calls this repeatedly."""
        self.signal_once("group", -self.proc.pid)

    def failed_to_bind(self):
        return False

    def wait_ready(self, timeout):
        """Waits for the c2s and direct TLS ports to accept streams, then reads
        what a real negotiation offers."""
        deadline = time.monotonic() + timeout
        while True:
            if self.failed_to_bind():
                raise PortInUse()
            if not self.running():
                raise Failure(f"{self.name} exited with status {self.proc.returncode}")
            if port_open(self.port) and port_open(self.direct_tls_port):
                break
            if time.monotonic() > deadline:
                raise Failure(f"{self.name} did not open its ports within {timeout} s")
            time.sleep(0.05)
        last = None
        while time.monotonic() < deadline:
            try:
                starttls = probe(self.port, self.certs["ca"], direct_tls=False)
                direct = probe(self.direct_tls_port, self.certs["ca"], direct_tls=True)
                anon = None
                if self.opts.anonymous:
                    anon = probe(self.port, self.certs["ca"], direct_tls=False,
                                 domain=ANON_DOMAIN)
                return starttls, direct, anon
            except (OSError, Failure, ET.ParseError) as e:
                last = e
                if not self.running():
                    break
                time.sleep(0.1)
        raise Failure(f"{self.name} accepts connections but no streams: {last}")

    def start_first(self, accounts):
        """Picks the ports, writes the configuration, starts the server and
        creates the accounts; if a port was taken before the server could
        bind it, picks new ones. Returns the probe results."""
        for attempt in range(5):
            self.pick_ports()
            self.configure()
            if self.register_offline:
                if attempt == 0:
                    register_all(self, accounts)
            try:
                result = self.start()
            except PortInUse:
                log(f"a port was taken before {self.name} could bind it; retrying")
                continue
            if not self.register_offline:
                register_all(self, accounts)
            return result
        raise Failure("no free ports after several attempts")

    def start(self):
        """Starts the server as configured and waits until it is ready."""
        # What an earlier run logged must not count for this one.
        self.log_offset = log_size(self.log_path)
        self.launch()
        try:
            return self.wait_ready(START_TIMEOUT[self.name])
        except BaseException:
            self.stop(graceful=False)
            raise

    def module_name(self, name):
        return name


class PortInUse(Failure):
    def __init__(self):
        super().__init__("one of the server's ports is in use by another process")


class Prosody(Server):
    name = "prosody"
    program = "prosody"
    register_offline = True  # prosodyctl writes the data files itself

    def version(self):
        try:
            with open("/usr/lib/prosody/prosody.version", encoding="utf-8") as f:
                return f.read().strip()
        except OSError:
            return None

    def configure(self):
        o = self.opts
        self.config_path = os.path.join(self.tmpdir, "prosody.cfg.lua")
        self.data_path = os.path.join(self.tmpdir, "data")
        os.makedirs(self.data_path, exist_ok=True)
        # Where Prosody looks for more certificates: nothing there, but it
        # logs an error if the directory is missing.
        certs_dir = os.path.join(self.tmpdir, "certs")
        os.makedirs(certs_dir, exist_ok=True)
        modules = ["roster", "saslauth", "tls", "disco", "ping", "time", "version",
                   "private", "vcard_legacy", "carbons", "blocklist", "posix",
                   # For stop(): see terminate().
                   "admin_shell"]
        if o.smacks:
            modules.append("smacks")
        for m in o.modules:
            m = self.module_name(m)
            if m not in modules:
                modules.append(m)
        disabled = ["s2s", "s2s_auth_certs"]
        if not o.offline:
            disabled.append("offline")
        else:
            modules.append("offline")

        def lua_list(items):
            return "{ " + ", ".join(lua_str(i) for i in items) + " }"

        ssl_opts = {"certificate": self.certs["cert"], "key": self.certs["key"]}
        if o.tls12_only:
            ssl_opts["protocol"] = "tlsv1_2"
        ssl_lua = "{ " + ", ".join(f"{k} = {lua_str(v)}" for k, v in ssl_opts.items()) + " }"
        auth = "internal_hashed" if o.hashed_passwords else "internal_plain"
        lines = [
            "-- Written by tests/support/xmpp-test-server.py",
            "run_as_root = true",
            "daemonize = false",
            f"pidfile = {lua_str(os.path.join(self.tmpdir, 'prosody.pid'))}",
            f"data_path = {lua_str(self.data_path)}",
            f"interfaces = {lua_list([HOST])}",
            f"local_interfaces = {lua_list([HOST])}",
            f"c2s_ports = {{ {self.port} }}",
            f"c2s_direct_tls_ports = {{ {self.direct_tls_port} }}",
            "s2s_ports = { }",
            "component_ports = { }",
            "http_ports = { }",
            "https_ports = { }",
            f"c2s_require_encryption = {'true' if o.require_tls else 'false'}",
            "allow_registration = false",
            f"authentication = {lua_str(auth)}",
            'storage = "internal"',
            f"certificates = {lua_str(certs_dir)}",
            f"ssl = {ssl_lua}",
            f"log = {{ {{ levels = {{ min = {lua_str(o.log_level)} }}, "
            f"to = \"file\", filename = {lua_str(self.log_path)} }} }}",
            f"modules_enabled = {lua_list(modules)}",
            f"modules_disabled = {lua_list(disabled)}",
            f"admin_socket = {lua_str(self.admin_socket_path())}",
            # Limits and delays that only get in the way of tests.
            "limits = { }",
            "c2s_close_timeout = 1",
        ]
        if o.smacks:
            lines.append(f"smacks_hibernation_time = {o.resume_timeout}")
            if o.smacks_queue:
                # Prosody 0.12 keeps at most this many unacked stanzas for a
                # session (default 500) and overwrites the oldest beyond it:
                # lost for good, whatever the client does.
                lines.append(f"smacks_max_queue_size = {o.smacks_queue}")
        lines += ["", f"VirtualHost {lua_str(DOMAIN)}"]
        if o.anonymous:
            lines += ["", f"VirtualHost {lua_str(ANON_DOMAIN)}",
                      '    authentication = "anonymous"']
        with open(self.config_path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")

    def register(self, user, password):
        run(["prosodyctl", "--config", self.config_path, "register", user, DOMAIN, password],
            env=self.env())

    def env(self):
        env = dict(os.environ)
        env.setdefault("LC_ALL", "C.UTF-8")
        return env

    def launch(self):
        self.spawn(["prosody", "-F", "--config", self.config_path], env=self.env())

    def admin_socket_path(self):
        return os.path.join(self.tmpdir, "prosody.sock")

    def terminate(self):
        """Asks Prosody to shut down through its admin socket, and only if
        that has not worked within ADMIN_STOP_GRACE seconds with SIGTERM.

        Prosody 0.12 runs its SIGTERM handler from a Lua hook, at whatever
        instruction it is executing: in the middle of a stanza, after
        mod_smacks has counted it and before it is routed. The count it
        saves for <failed h/> then includes a stanza it never delivered,
        and the client, told that the server has it, rightly forgets it
        (seen in prosody.log: "Handled 2537 incoming stanzas", then
        "Received SIGTERM", and the 2537th never routed). A shutdown asked
        for on the admin socket runs from the event loop, between stanzas:
        the graceful restart the tests mean."""
        now = time.monotonic()
        asked = self.signalled.get("admin")
        if asked is None and os.path.exists(self.admin_socket_path()):
            self.signalled["admin"] = now
            self.admin_stop = subprocess.Popen(
                ["prosodyctl", "--config", self.config_path, "shell", "server", "shutdown",
                 "Restarting"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                env=self.env())
            return
        if asked is not None and now - asked < ADMIN_STOP_GRACE:
            self.admin_stop.poll()
            return
        super().terminate()

    def failed_to_bind(self):
        return "Failed to open server port" in self.new_log()

    def module_name(self, name):
        return name[4:] if name.startswith("mod_") else name


def lua_str(s):
    return json.dumps(s)  # a JSON string is a valid Lua string literal


class Ejabberd(Server):
    name = "ejabberd"
    program = "ejabberdctl"
    user = "ejabberd"
    register_offline = False  # ejabberdctl asks the running node

    def version(self):
        for d in sorted(os.listdir("/usr/lib/x86_64-linux-gnu")) if os.path.isdir(
                "/usr/lib/x86_64-linux-gnu") else []:
            if d.startswith("ejabberd-"):
                return d[len("ejabberd-"):]
        return None

    def pick_ports(self):
        self.port, self.direct_tls_port, self.dist_port, self.api_port = free_ports(4)

    def configure(self):
        o = self.opts
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam(self.user)
            except KeyError:
                raise Unavailable(f"there is no user {self.user!r} (Debian package ejabberd)")
            self.run_as = pw.pw_uid, pw.pw_gid
        elif pwd.getpwuid(os.geteuid()).pw_name == self.user:
            self.run_as = None
        else:
            raise Unavailable("ejabberdctl runs only as root or as the user ejabberd")
        # One node name per instance (the Mnesia data belong to it).
        if not hasattr(self, "node"):
            self.node = f"xmpptest{os.getpid()}x{secrets.token_hex(3)}@localhost"
        self.config_path = os.path.join(self.tmpdir, "ejabberd.yml")
        self.ctl_config_path = os.path.join(self.tmpdir, "ejabberdctl.cfg")
        self.spool = os.path.join(self.tmpdir, "spool")
        self.logs = os.path.join(self.tmpdir, "logs")
        self.home = os.path.join(self.tmpdir, "home")
        self.log_path = os.path.join(self.logs, "ejabberd.log")
        # configure() runs before the first start only (again if a port was
        # taken): a failed attempt's database goes.
        shutil.rmtree(self.spool, ignore_errors=True)
        for d in (self.spool, self.logs, self.home):
            os.makedirs(d, exist_ok=True)

        tls_options = ["no_sslv3", "no_tlsv1", "no_tlsv1_1", "no_compression"]
        if o.tls12_only:
            tls_options.append("no_tlsv1_3")
        modules = {
            "mod_roster": {},
            "mod_disco": {},
            "mod_ping": {},
            "mod_time": {},
            "mod_version": {"show_os": False},
            "mod_private": {},
            "mod_vcard": {},
            "mod_carboncopy": {},
            "mod_blocking": {},
            "mod_privacy": {},
        }
        if o.smacks:
            modules["mod_stream_mgmt"] = {"resume_timeout": o.resume_timeout}
            if o.offline:
                # What Prosody does: the messages of a session given up go
                # to offline storage (ejabberd's default bounces them).
                modules["mod_stream_mgmt"]["resend_on_timeout"] = "if_offline"
            if o.smacks_queue:
                modules["mod_stream_mgmt"]["max_ack_queue"] = o.smacks_queue
        if o.offline:
            modules["mod_offline"] = {}
        for m in o.modules:
            modules.setdefault(self.module_name(m), {})

        def c2s(port, direct):
            listener = {
                "port": port, "ip": HOST, "module": "ejabberd_c2s",
                "access": "c2s", "max_stanza_size": 262144,
                "protocol_options": tls_options,
            }
            if direct:
                listener["tls"] = True
            else:
                listener["starttls"] = True
                listener["starttls_required"] = o.require_tls
            return listener

        config = {
            "loglevel": {"warn": "warning"}.get(o.log_level, o.log_level),
            "log_rotate_count": 0,
            "hosts": [DOMAIN] + ([ANON_DOMAIN] if o.anonymous else []),
            "certfiles": [self.certs["pem"]],
            "ca_file": self.certs["ca"],
            "listen": [
                c2s(self.port, False),
                c2s(self.direct_tls_port, True),
                # The HTTP API creates the accounts: much faster than one
                # ejabberdctl (a new Erlang VM) for each.
                {"port": self.api_port, "ip": HOST, "module": "ejabberd_http",
                 "request_handlers": {"/api": "mod_http_api"}},
            ],
            "api_permissions": {"register from the test script": {
                "from": ["mod_http_api"],
                "who": [{"ip": "127.0.0.1/32"}],
                "what": ["register"],
            }},
            "s2s_access": "none",
            "auth_method": ["internal"],
            "auth_password_format": "scram" if o.hashed_passwords else "plain",
            "disable_sasl_mechanisms": ["digest-md5", "x-oauth2"],
            "acl": {"local": {"user_regexp": ""}},
            "access_rules": {"c2s": {"allow": "all"}, "local": {"allow": "local"}},
            "shaper_rules": {},
            "modules": modules,
        }
        if o.anonymous:
            config["host_config"] = {ANON_DOMAIN: {
                "auth_method": ["anonymous"], "anonymous_protocol": "sasl_anon"}}
        # JSON is YAML.
        with open(self.config_path, "w", encoding="utf-8") as f:
            json.dump(config, f, indent=1)
            f.write("\n")
        # No epmd: the node listens on a port of its own (ERL_DIST_PORT) on
        # the loopback interface; ejabberdctl's commands connect to it there.
        with open(self.ctl_config_path, "w", encoding="utf-8") as f:
            f.write('ERL_OPTIONS="-env ERL_CRASH_DUMP_BYTES 0 '
                    '-kernel inet_dist_use_interface {127,0,0,1}"\n')
        if self.run_as is not None:
            uid, gid = self.run_as
            os.chmod(self.tmpdir, 0o750)
            for root, dirs, files in os.walk(self.tmpdir):
                os.chown(root, uid, gid)
                for name in files:
                    os.chown(os.path.join(root, name), uid, gid)

    def env(self):
        env = {
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": self.home,  # the Erlang cookie lives here, one per instance
            "LANG": "C.UTF-8",
            "ERL_EPMD_ADDRESS": HOST,
            "ERL_DIST_PORT": str(self.dist_port),
        }
        return env

    def ctl(self, *args):
        return ["ejabberdctl", "--config", self.config_path,
                "--ctl-config", self.ctl_config_path, "--spool", self.spool,
                "--logs", self.logs, "--node", self.node, *args]

    def popen_user(self):
        if self.run_as is None:
            return {}
        uid, gid = self.run_as
        return {"user": uid, "group": gid, "extra_groups": []}

    def launch(self):
        self.spawn(self.ctl("foreground"), env=self.env(), cwd=self.spool,
                   **self.popen_user())

    def terminate(self):
        """SIGTERM to the Erlang VM only: ejabberdctl's shell waits for it and
        then exits (a SIGTERM to the shell as well would orphan the VM). If
        there is no VM yet, the shell is still starting it: SIGTERM to the
        whole group then, which stops the shell and whatever it started."""
        members = group_members(self.proc.pid)
        vms = [pid for pid in members if process_name(pid) == "beam.smp"]
        for pid in vms:
            self.signal_once(pid, pid, every=1.0)
        if not vms:
            self.signal_once("group", -self.proc.pid)

    def failed_to_bind(self):
        return "eaddrinuse" in self.new_log()

    def register(self, user, password):
        body = json.dumps({"user": user, "host": DOMAIN, "password": password}).encode()
        request = urllib.request.Request(
            f"http://{HOST}:{self.api_port}/api/register", data=body,
            headers={"Content-Type": "application/json"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + 10
        while True:
            try:
                with opener.open(request, timeout=30) as response:
                    response.read()
                return
            except urllib.error.HTTPError as e:
                raise Failure(f"registering {user}: HTTP {e.code}: "
                              f"{e.read().decode('utf-8', 'replace')}")
            except urllib.error.URLError as e:
                # The HTTP listener starts with the others, but just in case.
                if (isinstance(e.reason, ConnectionRefusedError)
                        and time.monotonic() < deadline and self.running()):
                    time.sleep(0.05)
                    continue
                raise Failure(f"registering {user}: {e}")
            except OSError as e:
                raise Failure(f"registering {user}: {e}")

    def module_name(self, name):
        return name if name.startswith("mod_") else "mod_" + name


SERVERS = {"prosody": Prosody, "ejabberd": Ejabberd}


# ---------------------------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--server", choices=sorted(SERVERS), default="prosody")
    p.add_argument("--no-require-tls", dest="require_tls", action="store_false",
                   help="allow streams without TLS (default: TLS is required)")
    p.add_argument("--tls12-only", action="store_true",
                   help="TLS 1.2 only, for tls-unique channel binding")
    p.add_argument("--anonymous", action="store_true",
                   help=f"add the virtual host {ANON_DOMAIN} with SASL ANONYMOUS")
    p.add_argument("--hashed-passwords", action="store_true",
                   help="store SCRAM hashes instead of plain passwords")
    p.add_argument("--smacks", action="store_true", help="enable stream management")
    p.add_argument("--resume-timeout", type=int, default=5, metavar="N",
                   help="seconds a stream management session stays resumable (default 5)")
    p.add_argument("--smacks-queue", type=int, default=0, metavar="N",
                   help="unacked stanzas the server keeps per session (default: the server's)")
    p.add_argument("--offline", action="store_true", help="store messages for offline users")
    p.add_argument("--module", dest="modules", action="append", default=[], metavar="NAME",
                   help="enable another module (repeatable)")
    p.add_argument("--log-level", choices=["debug", "info", "warn", "error"], default="info")
    p.add_argument("--keep", action="store_true",
                   help="keep the temporary directory (for debugging)")
    return p.parse_args(argv)


def available(cls):
    if shutil.which(cls.program, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin") is None:
        raise Unavailable(f"{cls.program} is not installed (Debian package {cls.name})")


def description(server, starttls, direct, anon, accounts, seconds):
    o = server.opts
    return {
        "server": server.name,
        "version": server.version(),
        "domain": DOMAIN,
        "host": HOST,
        "port": server.port,
        "direct_tls_port": server.direct_tls_port,
        "ca_file": server.certs["ca"],
        "tls": starttls["tls"],
        "starttls_required": starttls["starttls_required"],
        "mechanisms": starttls["mechanisms"],
        "mechanisms_before_tls": starttls["mechanisms_before_tls"],
        "features": starttls["features"],
        "direct_tls": direct["tls"],
        "direct_tls_mechanisms": direct["mechanisms"],
        "anonymous_domain": ANON_DOMAIN if o.anonymous else None,
        "anonymous_mechanisms": anon["mechanisms"] if anon else None,
        "accounts": {name: {"jid": f"{name}@{DOMAIN}", "password": pw}
                     for name, pw in accounts.items()},
        "dave_password_nfd": DAVE_PASSWORD_NFD,
        "options": {
            "require_tls": o.require_tls, "tls12_only": o.tls12_only,
            "anonymous": o.anonymous, "hashed_passwords": o.hashed_passwords,
            "smacks": o.smacks, "resume_timeout": o.resume_timeout if o.smacks else None,
            "smacks_queue": o.smacks_queue or None,
            "offline": o.offline, "modules": o.modules, "log_level": o.log_level,
        },
        "tmpdir": server.tmpdir,
        "log": server.log_path,
        "pid": os.getpid(),
        "start_seconds": round(seconds, 3),
    }


class Supervisor:
    """Reads commands from stdin; notices when the parent goes away."""

    def __init__(self, server, parent):
        self.server = server
        self.parent = parent
        self.buf = b""

    def lines(self):
        while True:
            if os.getppid() != self.parent:
                log("the parent process went away")
                return
            if not self.server.running() and self.server.proc is not None:
                log(f"{self.server.name} exited by itself with status "
                    f"{self.server.proc.returncode}; see {self.server.log_path}")
                self.server.watchdog.tell("group-done", self.server.proc.pid)
                self.server.proc = None
            try:
                ready, _, _ = select.select([0], [], [], 0.5)
            except InterruptedError:
                continue
            if not ready:
                continue
            chunk = os.read(0, 4096)
            if not chunk:
                return
            self.buf += chunk
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                line = line.decode("utf-8", "replace").rstrip("\r")
                if line.strip():
                    yield line

    @staticmethod
    def parse(line):
        """A command line as a dict with at least "command"."""
        if line.lstrip().startswith("{"):
            cmd = json.loads(line)
            if not isinstance(cmd, dict) or not isinstance(cmd.get("command"), str):
                raise ValueError("a JSON command is an object with a \"command\" string")
            return cmd
        words = line.strip().split(" ", 2)
        cmd = {"command": words[0]}
        if words[0] == "register":
            if len(words) != 3:
                raise ValueError("usage: register USER PASSWORD")
            cmd["user"], cmd["password"] = words[1], words[2]
        return cmd

    def handle(self, cmd):
        name = cmd["command"]
        if name == "restart":
            t0 = time.monotonic()
            self.server.stop()
            stopped = time.monotonic()
            self.server.start()
            return {"stop_seconds": round(stopped - t0, 3),
                    "start_seconds": round(time.monotonic() - stopped, 3)}
        if name == "register":
            user, password = cmd.get("user"), cmd.get("password")
            if not isinstance(user, str) or not isinstance(password, str):
                raise Failure("register needs a user and a password")
            self.server.register(user, password)
            return {"jid": f"{user}@{DOMAIN}"}
        if name == "stop":
            raise StopRequested()
        raise ValueError(f"unknown command {name!r}")


class StopRequested(Exception):
    pass


def on_signal(signum, frame):
    raise Terminate(signum)


def main(argv):
    if argv[:1] == ["--watchdog"]:
        return watchdog_main()
    # Before anything else: the parent may die as soon as it has read our
    # first line, and we must not take init for our parent then.
    parent = os.getppid()
    opts = parse_args(argv)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)

    cls = SERVERS[opts.server]
    watchdog = Watchdog()
    tmpdir = None
    server = None
    status = 0
    try:
        try:
            available(cls)
            t0 = time.monotonic()
            tmpdir = tempfile.mkdtemp(prefix=f"xmpp-test-{cls.name}-")
            watchdog.tell("dir", tmpdir)
            server = cls(opts, tmpdir, watchdog)
            server.certs = make_certificates(tmpdir)
            # Never starting with "-": command lines (prosodyctl, the slixmpp
            # peer) would take such a password for an option.
            accounts = {name: "pw" + secrets.token_urlsafe(12) for name in ACCOUNTS}
            accounts["dave"] = DAVE_PASSWORD
            starttls, direct, anon = server.start_first(accounts)
            info = description(server, starttls, direct, anon, accounts,
                               time.monotonic() - t0)
            if not emit(info):
                log("nobody reads stdout: stopping")
                return 0
        except Unavailable as e:
            required = os.environ.get("GXMPP_TEST_REQUIRE_SERVERS") == "1"
            emit({"error": str(e), "unavailable": not required})
            status = 1 if required else 77
            return status
        except Failure as e:
            log_path = server.log_path if server else None
            emit({"error": str(e), "unavailable": False, "log": log_path,
                  "log_tail": tail(log_path) if log_path else ""})
            status = 1
            return status

        sup = Supervisor(server, parent)
        for line in sup.lines():
            name = None
            try:
                cmd = sup.parse(line)
                name = cmd["command"]
                answer = sup.handle(cmd)
                if not emit({"command": name, "ok": True, **(answer or {})}):
                    log("nobody reads stdout: stopping")
                    break
            except StopRequested:
                server.stop()
                emit({"command": "stop", "ok": True})
                break
            except ValueError as e:
                emit({"command": name, "ok": False, "error": str(e)})
            except (Failure, OSError) as e:
                emit({"command": name, "ok": False, "error": str(e),
                      "log_tail": tail(server.log_path)})
    except Terminate as e:
        log(f"signal {e.args[0]}: stopping")
        status = 0
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        if server is not None:
            server.stop()
        if tmpdir is not None:
            if opts.keep:
                log(f"keeping {tmpdir}")
            else:
                shutil.rmtree(tmpdir, ignore_errors=True)
            watchdog.tell("dir-done", tmpdir)
        watchdog.close()
    return status


def register_all(server, accounts):
    """Creates the accounts in parallel (each ejabberdctl is a new Erlang VM)."""
    errors = []

    def one(user, password):
        try:
            server.register(user, password)
        except Failure as e:
            errors.append(e)

    threads = [threading.Thread(target=one, args=item) for item in accounts.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
