# stream.py: the recorded inbound stream of figures 1 (benchmarks/codec)
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Generates, deterministically, the chat messages that the replay server
writes to a client and that the libxml2 floor parses.

Each stanza is about 200 bytes:

  <message type='chat' from='bob@localhost/res' to='alice@localhost/bench'
           id='...'><body>...</body></message>

varied a little: the ids, the length and words of the bodies, entities
(&amp; &lt; &gt; &quot; &apos;) in some bodies, some non-ASCII text, and
an XEP-0085 <active/> chat state in every fifth message. Stanza i is the
same whatever the count, so a stream of N is the first N of the stream of
10,000.

Standard library only. As a program:

  stream.py COUNT STANZAS_FILE FLOOR_FILE LAST_BODY_FILE

writes the stanzas (what the replay server sends after resource binding),
the floor's input (the stream header, the same stanzas, the closing tag)
and the text of the last body as a client must see it, entities decoded
(empty for COUNT 0).
"""

import sys

# What the replay server sends after the SASL restart, before the
# features: the stream header the stanzas come in.
STREAM_HEADER = ("<?xml version='1.0'?>"
                 "<stream:stream xmlns='jabber:client' "
                 "xmlns:stream='http://etherx.jabber.org/streams' "
                 "id='bench-stream-2' from='localhost' version='1.0' xml:lang='en'>")
STREAM_CLOSE = "</stream:stream>"

CHAT_STATE = "<active xmlns='http://jabber.org/protocol/chatstates'/>"

WORDS = ("hello", "there", "meeting", "at", "noon", "see", "you", "soon", "the",
         "build", "passed", "again", "lunch", "tomorrow", "coffee", "is", "ready",
         "did", "read", "my", "mail", "about", "release", "notes", "thanks", "ok",
         "sounds", "good", "let", "me", "check", "later", "tonight", "café",
         "naïve", "déjà", "vu", "über", "fine")

# (escaped, decoded): what some bodies carry besides words.
SPECIALS = (("fish &amp; chips", "fish & chips"),
            ("a &lt; b &amp;&amp; b &gt; c", "a < b && b > c"),
            ("&quot;quoted&quot;", "\"quoted\""),
            ("it&apos;s", "it's"),
            ("R&amp;D", "R&D"))


class _Rng:
    """A small LCG, so that the stream does not depend on the random
    module's algorithms."""

    def __init__(self, seed):
        self.state = seed & 0xFFFFFFFFFFFFFFFF

    def next(self, bound):
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        return (self.state >> 33) % bound


def stanza(i):
    """Stanza @i, as (the XML text, the decoded body)."""
    rng = _Rng(i * 7919 + 17)
    target = 50 + rng.next(40)          # body characters: about 50..95
    xml_parts, text_parts = [], []
    length = 0
    if i % 7 == 3:
        escaped, decoded = SPECIALS[(i // 7) % len(SPECIALS)]
        xml_parts.append(escaped)
        text_parts.append(decoded)
        length += len(escaped)
    while length < target:
        word = WORDS[rng.next(len(WORDS))]
        xml_parts.append(word)
        text_parts.append(word)
        length += len(word) + 1
    xml_body = " ".join(xml_parts)
    text_body = " ".join(text_parts)
    msg_id = f"m{i:05d}-{rng.next(1 << 24):06x}"
    extra = CHAT_STATE if i % 5 == 4 else ""
    xml = (f"<message type='chat' from='bob@localhost/res' to='alice@localhost/bench' "
           f"id='{msg_id}'>{extra}<body>{xml_body}</body></message>")
    return xml, text_body


def generate(count):
    """The first @count stanzas as bytes, and the last decoded body."""
    parts = []
    last = ""
    for i in range(count):
        xml, last = stanza(i)
        parts.append(xml)
    return "".join(parts).encode("utf-8"), last


def write(count, stanzas_file, floor_file, last_body_file):
    data, last = generate(count)
    with open(stanzas_file, "wb") as f:
        f.write(data)
    with open(floor_file, "wb") as f:
        f.write(STREAM_HEADER.encode("utf-8") + data + STREAM_CLOSE.encode("utf-8"))
    with open(last_body_file, "wb") as f:
        f.write(last.encode("utf-8"))
    return len(data)


def main(argv):
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    size = write(int(argv[1]), argv[2], argv[3], argv[4])
    count = int(argv[1])
    print(f"RESULT stanzas={count} bytes={size} mean={size / count if count else 0:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
