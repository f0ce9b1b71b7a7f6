#!/usr/bin/python3
# slixmpp-peer.py: a second XMPP client for the interop tests
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A client nobody here wrote (slixmpp) that the tests can talk to.

Usage: slixmpp-peer.py JID PASSWORD CA_FILE HOST PORT [MODE] [--direct-tls]
                       [--resource R] [--mechanism M]

Run it with Debian's /usr/bin/python3 (package python3-slixmpp).

It connects to HOST:PORT with STARTTLS (or direct TLS), verifying the
server's certificate for the JID's domain against CA_FILE, authenticates,
sends initial presence, and then:

  - MODE "echo" (the default): answers every chat or normal message that
    has a body with "echo: " + body, to the sender; MODE "quiet" only
    reports messages;
  - answers an IQ get whose payload is in the namespace urn:xmpp-glib:test
    with a result carrying an element of the same name and namespace whose
    text is the request's text reversed;
  - leaves subscription requests for the test to answer.

Each event is one line of JSON on stdout, flushed at once:

  {"event": "ready", "jid": FULL_JID, "mechanism": "SCRAM-SHA-1", "tls": "1.3"}
  {"event": "message", "from":, "to":, "type":, "id":, "body":}
  {"event": "echoed", "to":, "body":}
  {"event": "iq", "from":, "id":, "type":, "ns":, "name":, "text":}
  {"event": "iq-answered", "to":, "id":, "text":}
  {"event": "iq-result", "tag":, "from":, "id":, "ns":, "name":, "text":}
  {"event": "iq-error", "tag":, "from":, "id":, "condition":, "error_type":, "text":}
  {"event": "presence", "from":, "type":, "show":, "status":, "priority":}
  {"event": "subscription", "from":, "type": "subscribe"|"subscribed"|
                            "unsubscribe"|"unsubscribed"}
  {"event": "sent", "what": "message"|"presence"|..., "to":, "id":}
  {"event": "error", "message":}
  {"event": "disconnected", "reason":}

Commands on stdin, one JSON object a line:

  {"send": {"to": JID, "body": TEXT, "type": "chat"}}
  {"iq": {"to": JID, "ns": NS, "text": TEXT, "name": "query", "type": "get",
          "tag": ANYTHING}}                   -> iq-result or iq-error
  {"subscribe": JID}  {"unsubscribe": JID}
  {"approve": JID}    {"deny": JID}           answer a subscription request
  {"presence": {"show": "away", "status": TEXT, "to": JID}}
  {"quit": true}                              also on EOF

It exits with status 0 after "quit" or EOF, 1 if it could not connect or
authenticate (after an "error" event), 77 if slixmpp is not installed.
"""

import argparse
import asyncio
import json
import os
import sys

try:
    import slixmpp
    from slixmpp.exceptions import IqError, IqTimeout
    from slixmpp.xmlstream import ET
    from slixmpp.xmlstream.handler import Callback
    from slixmpp.xmlstream.matcher.base import MatcherBase
except ImportError:  # pragma: no cover
    print(json.dumps({"event": "error",
                      "message": "slixmpp is not installed (Debian package python3-slixmpp)"}),
          flush=True)
    sys.exit(77)

NS_TEST = "urn:xmpp-glib:test"


def emit(event, **fields):
    fields = {"event": event, **fields}
    try:
        sys.stdout.write(json.dumps(fields, ensure_ascii=True) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        os._exit(0)


def split_tag(tag):
    if tag.startswith("{"):
        ns, name = tag[1:].split("}", 1)
        return ns, name
    return None, tag


class PayloadIn(MatcherBase):
    """Matches an IQ get or set with a child in the given namespace."""

    def match(self, stanza):
        if stanza.name != "iq" or stanza["type"] not in ("get", "set"):
            return False
        return any(split_tag(child.tag)[0] == self._criteria for child in stanza.xml)


class Peer(slixmpp.ClientXMPP):
    def __init__(self, args):
        super().__init__(args.jid, args.password)
        self.args = args
        self.ca_certs = args.ca_file
        self.auto_authorize = None  # the test answers subscription requests
        self.auto_subscribe = False
        self.ready = False
        self.quitting = False
        if args.mechanism:
            self["feature_mechanisms"].use_mech = args.mechanism
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0199")  # answers pings
        self.add_event_handler("session_start", self.on_session_start)
        self.add_event_handler("message", self.on_message)
        self.add_event_handler("presence", self.on_presence)
        self.add_event_handler("failed_all_auth", self.on_auth_failed)
        self.add_event_handler("connection_failed", self.on_connection_failed)
        self.add_event_handler("disconnected", self.on_disconnected)
        self.add_event_handler("stream_error", self.on_stream_error)
        self.register_handler(Callback("xmpp-glib test IQ", PayloadIn(NS_TEST), self.on_test_iq))

    # -- events

    async def on_session_start(self, event):
        await self.get_roster()
        self.send_presence()
        mech = getattr(self["feature_mechanisms"], "mech", None)
        tls = None
        version = getattr(self.socket, "version", None)
        if callable(version):
            tls = {"TLSv1.3": "1.3", "TLSv1.2": "1.2"}.get(version(), version())
        self.ready = True
        emit("ready", jid=str(self.boundjid), mechanism=getattr(mech, "name", None), tls=tls)

    def on_message(self, msg):
        body = msg["body"]
        emit("message", **{"from": str(msg["from"]), "to": str(msg["to"]), "type": msg["type"],
                           "id": msg["id"] or None, "body": body})
        if self.args.mode == "echo" and body and msg["type"] in ("chat", "normal"):
            reply = self.make_message(mto=msg["from"], mbody="echo: " + body,
                                      mtype=msg["type"])
            if msg["thread"]:
                reply["thread"] = msg["thread"]
            reply.send()
            emit("echoed", to=str(msg["from"]), body="echo: " + body)

    def on_presence(self, pres):
        ptype = pres["type"]
        if ptype in ("subscribe", "subscribed", "unsubscribe", "unsubscribed"):
            emit("subscription", **{"from": str(pres["from"]), "type": ptype})
            return
        if ptype == "error":
            emit("presence", **{"from": str(pres["from"]), "type": ptype,
                                "condition": pres["error"]["condition"]})
            return
        emit("presence", **{"from": str(pres["from"]), "type": ptype,
                            "show": pres["show"] or None, "status": pres["status"] or None,
                            "priority": pres["priority"]})

    def on_test_iq(self, iq):
        child = next(c for c in iq.xml if split_tag(c.tag)[0] == NS_TEST)
        ns, name = split_tag(child.tag)
        text = child.text or ""
        emit("iq", **{"from": str(iq["from"]), "id": iq["id"], "type": iq["type"],
                      "ns": ns, "name": name, "text": text})
        if iq["type"] != "get":
            reply = iq.reply(clear=True)
            reply["type"] = "error"
            reply["error"]["type"] = "cancel"
            reply["error"]["condition"] = "feature-not-implemented"
            reply.send()
            return
        reply = iq.reply(clear=True)
        answer = ET.Element(child.tag)
        answer.text = text[::-1]
        reply.append(answer)
        reply.send()
        emit("iq-answered", to=str(iq["from"]), id=iq["id"], text=text[::-1])

    def on_auth_failed(self, event):
        emit("error", message="authentication failed")
        self.quit(1)

    def on_connection_failed(self, error):
        emit("error", message=f"connection failed: {error}")
        self.quit(1)

    def on_stream_error(self, error):
        emit("error", message=f"stream error: {error['condition']} {error['text']}".strip())

    def on_disconnected(self, reason):
        emit("disconnected", reason=str(reason) if reason else None)
        if not self.quitting:
            self.quit(1 if not self.ready else 0)

    # -- commands

    async def command(self, cmd):
        if "send" in cmd:
            c = cmd["send"]
            msg = self.make_message(mto=c["to"], mbody=c.get("body"), mtype=c.get("type", "chat"))
            if c.get("id"):
                msg["id"] = c["id"]
            msg.send()
            emit("sent", what="message", to=c["to"], id=msg["id"])
        elif "iq" in cmd:
            await self.send_test_iq(cmd["iq"])
        elif "subscribe" in cmd:
            self.send_presence(pto=cmd["subscribe"], ptype="subscribe")
            emit("sent", what="subscribe", to=cmd["subscribe"])
        elif "unsubscribe" in cmd:
            self.send_presence(pto=cmd["unsubscribe"], ptype="unsubscribe")
            emit("sent", what="unsubscribe", to=cmd["unsubscribe"])
        elif "approve" in cmd:
            self.send_presence(pto=cmd["approve"], ptype="subscribed")
            emit("sent", what="subscribed", to=cmd["approve"])
        elif "deny" in cmd:
            self.send_presence(pto=cmd["deny"], ptype="unsubscribed")
            emit("sent", what="unsubscribed", to=cmd["deny"])
        elif "presence" in cmd:
            c = cmd["presence"]
            self.send_presence(pto=c.get("to"), pshow=c.get("show"), pstatus=c.get("status"))
            emit("sent", what="presence", to=c.get("to"))
        elif cmd.get("quit"):
            self.quit(0)
        else:
            emit("error", message=f"unknown command {json.dumps(cmd)}")

    async def send_test_iq(self, c):
        iq = self.make_iq(ito=c["to"], itype=c.get("type", "get"))
        payload = ET.Element("{%s}%s" % (c.get("ns", NS_TEST), c.get("name", "query")))
        payload.text = c.get("text")
        iq.append(payload)
        tag = c.get("tag")
        try:
            result = await iq.send(timeout=c.get("timeout", 10))
        except IqError as e:
            err = e.iq["error"]
            emit("iq-error", **{"tag": tag, "from": str(e.iq["from"]), "id": e.iq["id"],
                                "condition": err["condition"], "error_type": err["type"],
                                "text": err["text"] or None})
            return
        except IqTimeout:
            emit("iq-error", tag=tag, id=iq["id"], condition="timeout", error_type=None,
                 text=None)
            return
        child = next(iter(result.xml), None)
        ns, name = split_tag(child.tag) if child is not None else (None, None)
        emit("iq-result", **{"tag": tag, "from": str(result["from"]), "id": result["id"],
                             "ns": ns, "name": name,
                             "text": child.text if child is not None else None})

    def quit(self, status):
        if self.quitting:
            return
        self.quitting = True
        self.exit_status = status
        self.disconnect(wait=0.5)

        def finish():
            if not self.done.done():
                self.done.set_result(None)
        self.loop.call_later(1.0, finish)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("jid")
    p.add_argument("password")
    p.add_argument("ca_file")
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("mode", nargs="?", choices=["echo", "quiet"], default="echo")
    p.add_argument("--direct-tls", action="store_true",
                   help="TLS from the first byte (XEP-0368) instead of STARTTLS")
    p.add_argument("--resource", default=None)
    p.add_argument("--mechanism", default=None, help="use only this SASL mechanism")
    args = p.parse_args()
    if args.resource:
        args.jid = f"{args.jid.split('/', 1)[0]}/{args.resource}"

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    peer = Peer(args)
    peer.loop = loop
    peer.done = loop.create_future()
    peer.exit_status = 1

    buf = bytearray()

    def on_stdin():
        try:
            chunk = os.read(0, 65536)
        except BlockingIOError:
            return
        if not chunk:
            loop.remove_reader(0)
            peer.quit(0)
            return
        buf.extend(chunk)
        while b"\n" in buf:
            i = buf.index(b"\n")
            line = bytes(buf[:i]).decode("utf-8", "replace").strip()
            del buf[:i + 1]
            if not line:
                continue
            try:
                cmd = json.loads(line)
                if not isinstance(cmd, dict):
                    raise ValueError("not an object")
            except ValueError as e:
                emit("error", message=f"bad command {line!r}: {e}")
                continue
            task = loop.create_task(peer.command(cmd))
            task.add_done_callback(report_failure)

    def report_failure(task):
        if not task.cancelled() and task.exception() is not None:
            emit("error", message=f"command failed: {task.exception()!r}")

    loop.add_reader(0, on_stdin)
    peer.connect(address=(args.host, args.port), use_ssl=args.direct_tls,
                 force_starttls=not args.direct_tls)
    loop.run_until_complete(peer.done)
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in pending:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.close()
    return peer.exit_status


if __name__ == "__main__":
    sys.exit(main())
