#!/usr/bin/env python3
# gen-precis-table.py: generate gxmpp-precis-table.h from the Unicode
# Character Database
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage:
#   gen-precis-table.py [UCD_DIR] > gxmpp-precis-table.h
#   gen-precis-table.py --check COMMITTED_HEADER [UCD_DIR]
#
# UCD_DIR defaults to /usr/share/unicode (Debian package unicode-data). With
# --check the table is regenerated in memory and compared with the committed
# header; the exit status is 0 when they are identical, 1 when they differ and
# 77 (skipped) when the UCD files are missing or of another Unicode version.
#
# The script computes the PRECIS derived property of RFC 8264 section 8 for
# every code point, with the categories of RFC 8264 section 9 and the
# exceptions of RFC 5892 section 2.6. It deliberately does not use Python's
# unicodedata module, whose Unicode version is that of the Python build, not
# that of the UCD files (and of GLib) the library is built against.

import os
import re
import sys

MAX_CP = 0x110000
BLOCK_SHIFT = 7
BLOCK_SIZE = 1 << BLOCK_SHIFT

# Values of the PRECIS derived property; keep in sync with
# gxmpp-precis-private.h.
DISALLOWED = 0
PVALID = 1
FREE_PVAL = 2           # "ID_DIS or FREE_PVAL"
CONTEXTJ = 3
CONTEXTO = 4
UNASSIGNED = 5

CLASS_NAMES = ['DISALLOWED', 'PVALID', 'FREE_PVAL', 'CONTEXTJ', 'CONTEXTO',
               'UNASSIGNED']

BIDI_CLASSES = ['L', 'R', 'AL', 'EN', 'ES', 'ET', 'AN', 'CS', 'NSM', 'BN',
                'B', 'S', 'WS', 'ON', 'LRE', 'LRO', 'RLE', 'RLO', 'PDF',
                'LRI', 'RLI', 'FSI', 'PDI']

JOINING_TYPES = ['U', 'C', 'D', 'R', 'L', 'T']

# Bit layout of a table entry; keep in sync with gxmpp-precis-private.h.
CLASS_SHIFT = 0         # 3 bits
BIDI_SHIFT = 3          # 5 bits
JOINING_SHIFT = 8       # 3 bits
CASED_BIT = 1 << 11
CASE_IGNORABLE_BIT = 1 << 12
WIDTH_BIT = 1 << 13     # has a <wide> or <narrow> decomposition
SPACE_BIT = 1 << 14     # General_Category Zs
NFC_MAYBE_BIT = 1 << 15  # NFC_Quick_Check is No or Maybe

# RFC 5892 section 2.6
EXCEPTIONS = {
    0x00DF: PVALID, 0x03C2: PVALID, 0x06FD: PVALID, 0x06FE: PVALID,
    0x0F0B: PVALID, 0x3007: PVALID,
    0x00B7: CONTEXTO, 0x0375: CONTEXTO, 0x05F3: CONTEXTO, 0x05F4: CONTEXTO,
    0x30FB: CONTEXTO,
    0x0640: DISALLOWED, 0x07FA: DISALLOWED, 0x302E: DISALLOWED,
    0x302F: DISALLOWED, 0x3031: DISALLOWED, 0x3032: DISALLOWED,
    0x3033: DISALLOWED, 0x3034: DISALLOWED, 0x3035: DISALLOWED,
    0x303B: DISALLOWED,
}
for _cp in range(0x0660, 0x066A):
    EXCEPTIONS[_cp] = CONTEXTO
for _cp in range(0x06F0, 0x06FA):
    EXCEPTIONS[_cp] = CONTEXTO

# RFC 8264 section 9.7: BackwardCompatible (G) is empty.
BACKWARD_COMPATIBLE = {}

SBASE, LBASE, VBASE, TBASE = 0xAC00, 0x1100, 0x1161, 0x11A7
LCOUNT, VCOUNT, TCOUNT = 19, 21, 28
NCOUNT = VCOUNT * TCOUNT
SCOUNT = LCOUNT * NCOUNT


def fail(msg):
    sys.stderr.write('gen-precis-table.py: %s\n' % msg)
    sys.exit(1)


def data_lines(path):
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                yield [field.strip() for field in line.split(';')]


def parse_range(text):
    if '..' in text:
        first, last = text.split('..')
        return range(int(first, 16), int(last, 16) + 1)
    return range(int(text, 16), int(text, 16) + 1)


def ucd_version(ucd):
    with open(os.path.join(ucd, 'DerivedCoreProperties.txt'),
              encoding='utf-8') as f:
        m = re.match(r'# DerivedCoreProperties-(\d+\.\d+\.\d+)\.txt',
                     f.readline())
    if not m:
        fail('cannot read the Unicode version of %s' % ucd)
    return m.group(1)


class UCD:
    def __init__(self, path):
        self.path = path
        self.version = ucd_version(path)
        self.gc = ['Cn'] * MAX_CP
        self.ccc = [0] * MAX_CP
        self.bidi = [None] * MAX_CP
        self.decomp = {}        # cp -> (tag or None, [cps])
        self.lower = {}         # simple lowercase mapping
        self.read_unicode_data()
        self.props = {}
        for name in ('DerivedCoreProperties.txt', 'PropList.txt'):
            self.read_binary_props(name)
        self.hst = {}
        for fields in data_lines(self.file('HangulSyllableType.txt')):
            for cp in parse_range(fields[0]):
                self.hst[cp] = fields[1]
        self.read_joining_types()
        self.read_normalization_props()

    def file(self, name):
        return os.path.join(self.path, name)

    def read_unicode_data(self):
        first = None
        for fields in data_lines(self.file('UnicodeData.txt')):
            cp = int(fields[0], 16)
            name = fields[1]
            if name.endswith(', First>'):
                first = cp
                continue
            if name.endswith(', Last>'):
                cps = range(first, cp + 1)
            else:
                cps = range(cp, cp + 1)
            for c in cps:
                self.gc[c] = fields[2]
                self.ccc[c] = int(fields[3])
                self.bidi[c] = fields[4]
            if fields[5]:
                parts = fields[5].split()
                tag = None
                if parts[0].startswith('<'):
                    tag = parts.pop(0)
                self.decomp[cp] = (tag, [int(p, 16) for p in parts])
            if fields[13]:
                self.lower[cp] = int(fields[13], 16)

    def read_binary_props(self, name):
        for fields in data_lines(self.file(name)):
            if len(fields) != 2:
                continue
            s = self.props.setdefault(fields[1], set())
            s.update(parse_range(fields[0]))

    def read_joining_types(self):
        # ArabicShaping.txt lists the explicit values; code points not listed
        # are T when their General_Category is Mn, Me or Cf, and U otherwise.
        self.jt = ['U'] * MAX_CP
        for cp in range(MAX_CP):
            if self.gc[cp] in ('Mn', 'Me', 'Cf'):
                self.jt[cp] = 'T'
        for fields in data_lines(self.file('ArabicShaping.txt')):
            self.jt[int(fields[0], 16)] = fields[2]
        derived = self.file('extracted/DerivedJoiningType.txt')
        if os.path.exists(derived):
            check = ['U'] * MAX_CP
            for fields in data_lines(derived):
                for cp in parse_range(fields[0]):
                    check[cp] = fields[1]
            for cp in range(MAX_CP):
                if check[cp] != self.jt[cp]:
                    fail('Joining_Type of U+%04X: %s, but %s says %s'
                         % (cp, self.jt[cp], derived, check[cp]))

    def read_normalization_props(self):
        self.nfkc_qc = {}
        self.nfc_qc = {}
        self.full_comp_ex = set()
        for fields in data_lines(self.file('DerivedNormalizationProps.txt')):
            if fields[1] == 'NFKC_QC':
                for cp in parse_range(fields[0]):
                    self.nfkc_qc[cp] = fields[2]
            elif fields[1] == 'NFC_QC':
                for cp in parse_range(fields[0]):
                    self.nfc_qc[cp] = fields[2]
            elif fields[1] == 'Full_Composition_Exclusion':
                self.full_comp_ex.update(parse_range(fields[0]))

        # Full_Composition_Exclusion is CompositionExclusions.txt plus the
        # singletons and the non-starter decompositions; check the file.
        exclusions = set()
        for fields in data_lines(self.file('CompositionExclusions.txt')):
            exclusions.update(parse_range(fields[0]))
        for cp, (tag, cps) in self.decomp.items():
            if tag is not None:
                continue
            if len(cps) == 1:
                exclusions.add(cp)
            elif self.ccc[cp] != 0 or self.ccc[cps[0]] != 0:
                exclusions.add(cp)
        if exclusions != self.full_comp_ex:
            fail('Full_Composition_Exclusion does not match '
                 'CompositionExclusions.txt + singletons + non-starters')

        self.compose_pairs = {}
        for cp, (tag, cps) in self.decomp.items():
            if tag is None and len(cps) == 2 and cp not in self.full_comp_ex:
                self.compose_pairs[(cps[0], cps[1])] = cp

    # Normalization of short sequences (UAX #15).

    def decompose(self, cp, compat):
        if SBASE <= cp < SBASE + SCOUNT:
            s = cp - SBASE
            out = [LBASE + s // NCOUNT, VBASE + (s % NCOUNT) // TCOUNT]
            if s % TCOUNT:
                out.append(TBASE + s % TCOUNT)
            return out
        d = self.decomp.get(cp)
        if d is None or (d[0] is not None and not compat):
            return [cp]
        out = []
        for c in d[1]:
            out.extend(self.decompose(c, compat))
        return out

    def canonical_order(self, seq):
        seq = list(seq)
        i = 1
        while i < len(seq):
            a, b = self.ccc[seq[i - 1]], self.ccc[seq[i]]
            if b != 0 and a > b:
                seq[i - 1], seq[i] = seq[i], seq[i - 1]
                if i > 1:
                    i -= 1
                    continue
            i += 1
        return seq

    def compose_pair(self, a, b):
        if LBASE <= a < LBASE + LCOUNT and VBASE <= b < VBASE + VCOUNT:
            return SBASE + ((a - LBASE) * VCOUNT + (b - VBASE)) * TCOUNT
        if (SBASE <= a < SBASE + SCOUNT and (a - SBASE) % TCOUNT == 0
                and TBASE < b < TBASE + TCOUNT):
            return a + (b - TBASE)
        return self.compose_pairs.get((a, b))

    def compose(self, seq):
        if not seq:
            return seq
        seq = list(seq)
        starter_pos = 0
        last_class = self.ccc[seq[0]]
        if last_class != 0:
            last_class = 256    # a leading non-starter blocks everything
        comp_pos = 1
        for ch in seq[1:]:
            ch_class = self.ccc[ch]
            composite = self.compose_pair(seq[starter_pos], ch)
            if composite is not None and (last_class < ch_class
                                          or last_class == 0):
                seq[starter_pos] = composite
                continue
            if ch_class == 0:
                starter_pos = comp_pos
            last_class = ch_class
            seq[comp_pos] = ch
            comp_pos += 1
        return seq[:comp_pos]

    def to_nfkc(self, cp):
        return self.compose(self.canonical_order(self.decompose(cp, True)))

    def to_nfc(self, cp):
        return self.compose(self.canonical_order(self.decompose(cp, False)))


def derive(ucd):
    """The PRECIS derived property of every code point (RFC 8264 s. 8)."""
    props = ucd.props
    join_control = props['Join_Control']
    noncharacter = props['Noncharacter_Code_Point']
    ignorable = props['Default_Ignorable_Code_Point'] | noncharacter
    letter_digits = {'Ll', 'Lu', 'Lo', 'Nd', 'Lm', 'Mn', 'Mc'}
    other_letter_digits = {'Lt', 'Nl', 'No', 'Me'}
    symbols = {'Sm', 'Sc', 'Sk', 'So'}
    punctuation = {'Pc', 'Pd', 'Ps', 'Pe', 'Pi', 'Pf', 'Po'}

    classes = [DISALLOWED] * MAX_CP
    for cp in range(MAX_CP):
        gc = ucd.gc[cp]
        has_compat = ucd.to_nfkc(cp) != [cp]
        # Cross-check the normalization code against the UCD.
        if has_compat != (ucd.nfkc_qc.get(cp, 'Y') == 'N'):
            fail('toNFKC(U+%04X) = %s disagrees with NFKC_QC = %s'
                 % (cp, ' '.join('%04X' % c for c in ucd.to_nfkc(cp)),
                    ucd.nfkc_qc.get(cp, 'Y')))
        if (ucd.to_nfc(cp) != [cp]) != (ucd.nfc_qc.get(cp, 'Y') == 'N'):
            fail('toNFC(U+%04X) disagrees with NFC_QC' % cp)

        if cp in EXCEPTIONS:
            c = EXCEPTIONS[cp]
        elif cp in BACKWARD_COMPATIBLE:
            c = BACKWARD_COMPATIBLE[cp]
        elif gc == 'Cn' and cp not in noncharacter:
            c = UNASSIGNED
        elif 0x21 <= cp <= 0x7E:
            c = PVALID
        elif cp in join_control:
            c = CONTEXTJ
        elif ucd.hst.get(cp) in ('L', 'V', 'T'):
            c = DISALLOWED
        elif cp in ignorable:
            c = DISALLOWED
        elif gc == 'Cc':
            c = DISALLOWED
        elif has_compat:
            c = FREE_PVAL
        elif gc in letter_digits:
            c = PVALID
        elif gc in other_letter_digits:
            c = FREE_PVAL
        elif gc == 'Zs':
            c = FREE_PVAL
        elif gc in symbols:
            c = FREE_PVAL
        elif gc in punctuation:
            c = FREE_PVAL
        else:
            c = DISALLOWED
        classes[cp] = c
    return classes


def check_case_mappings(ucd):
    # The library lower-cases with g_unichar_tolower() (the simple mapping)
    # and special-cases what SpecialCasing.txt adds for toLowerCase: the
    # unconditional U+0130 -> U+0069 U+0307 and the Final_Sigma rule.
    # Fail loudly if a new Unicode version adds anything else.
    unconditional = {}
    conditional = set()
    for fields in data_lines(ucd.file('SpecialCasing.txt')):
        cp = int(fields[0], 16)
        lower = [int(c, 16) for c in fields[1].split()]
        condition = fields[4] if len(fields) > 4 and fields[4] else None
        if condition is None:
            if lower != [ucd.lower.get(cp, cp)]:
                unconditional[cp] = lower
        elif not re.match(r'^[a-z]{2}\b', condition):
            conditional.add((cp, condition))
    if unconditional != {0x0130: [0x0069, 0x0307]}:
        fail('unexpected unconditional lowercase mappings: %r'
             % unconditional)
    if conditional != {(0x03A3, 'Final_Sigma')}:
        fail('unexpected language-independent conditional mappings: %r'
             % conditional)


def build_entries(ucd, classes):
    cased = ucd.props['Cased']
    case_ignorable = ucd.props['Case_Ignorable']
    entries = [0] * MAX_CP
    width_map = []
    for cp in range(MAX_CP):
        c = classes[cp]
        v = c << CLASS_SHIFT
        # Bidi class and joining type are only read for code points that a
        # profile accepts; leaving them 0 elsewhere makes the table smaller.
        if c not in (DISALLOWED, UNASSIGNED):
            bidi = ucd.bidi[cp]
            if bidi is None:
                fail('no bidi class for assigned U+%04X' % cp)
            v |= BIDI_CLASSES.index(bidi) << BIDI_SHIFT
            v |= JOINING_TYPES.index(ucd.jt[cp]) << JOINING_SHIFT
        if cp in cased:
            v |= CASED_BIT
        if cp in case_ignorable:
            v |= CASE_IGNORABLE_BIT
        d = ucd.decomp.get(cp)
        if d is not None and d[0] in ('<wide>', '<narrow>'):
            if len(d[1]) != 1 or cp > 0xFFFF or d[1][0] > 0xFFFF:
                fail('unexpected width decomposition of U+%04X' % cp)
            v |= WIDTH_BIT
            width_map.append((cp, d[1][0]))
        if ucd.gc[cp] == 'Zs':
            v |= SPACE_BIT
        if ucd.nfc_qc.get(cp, 'Y') != 'Y':
            v |= NFC_MAYBE_BIT
        entries[cp] = v
    return entries, width_map


def format_array(values, width, per_line):
    lines = []
    for i in range(0, len(values), per_line):
        chunk = values[i:i + per_line]
        lines.append('  ' + ', '.join('0x%0*x' % (width, v) for v in chunk)
                     + ',')
    return '\n'.join(lines)


def generate(ucd_dir):
    ucd = UCD(ucd_dir)
    check_case_mappings(ucd)
    classes = derive(ucd)
    entries, width_map = build_entries(ucd, classes)

    blocks = []
    block_index = {}
    stage1 = []
    for start in range(0, MAX_CP, BLOCK_SIZE):
        block = tuple(entries[start:start + BLOCK_SIZE])
        if block not in block_index:
            block_index[block] = len(blocks)
            blocks.append(block)
        stage1.append(block_index[block])

    # g_unichar_tolower() only lower-cases Lu and Lt; collect the other
    # simple lowercase mappings (circled letters, Roman numerals).
    lower_extra = sorted((cp, low) for cp, low in ucd.lower.items()
                         if ucd.gc[cp] not in ('Lu', 'Lt'))
    for cp, low in lower_extra:
        if cp > 0xFFFF or low > 0xFFFF:
            fail('lowercase mapping of U+%04X outside the BMP' % cp)

    stage1_type, stage1_width = ('guint8', 2) if len(blocks) <= 256 \
        else ('guint16', 4)
    stage1_size = len(stage1) * (1 if stage1_type == 'guint8' else 2)
    stage2_size = len(blocks) * BLOCK_SIZE * 2
    width_size = len(width_map) * 4
    lower_size = len(lower_extra) * 4

    counts = [0] * len(CLASS_NAMES)
    for c in classes:
        counts[c] += 1

    out = []
    out.append('/* gxmpp-precis-table.h: Unicode properties for PRECIS '
               '(RFC 8264)')
    out.append(' *')
    out.append(' * SPDX-License-Identifier: LGPL-2.1-or-later')
    out.append(' *')
    out.append(' * GENERATED FILE, DO NOT EDIT. Generated by '
               'gen-precis-table.py from the')
    out.append(' * Unicode %s Character Database. To regenerate (Debian '
               'package unicode-data):' % ucd.version)
    out.append(' *')
    out.append(' *   python3 xmpp-glib/gen-precis-table.py /usr/share/unicode '
               '> xmpp-glib/gxmpp-precis-table.h')
    out.append(' *')
    out.append(' * Code points per PRECIS derived property: '
               + ', '.join('%s %d' % (CLASS_NAMES[i], counts[i])
                           for i in range(len(CLASS_NAMES))) + '.')
    out.append(' * Size: stage 1 %d bytes, stage 2 %d bytes (%d blocks), '
               'width map %d bytes,'
               % (stage1_size, stage2_size, len(blocks), width_size))
    out.append(' * lowercase map %d bytes.' % lower_size)
    out.append(' */')
    out.append('')
    out.append('#pragma once')
    out.append('')
    out.append('#include <glib.h>')
    out.append('')
    out.append('#define GXMPP_PRECIS_UNICODE_VERSION "%s"' % ucd.version)
    out.append('#define GXMPP_PRECIS_BLOCK_SHIFT %d' % BLOCK_SHIFT)
    out.append('#define GXMPP_PRECIS_TABLE_SIZE %d'
               % (stage1_size + stage2_size + width_size + lower_size))
    out.append('')
    out.append('static const %s gxmpp_precis_stage1[%d] = {'
               % (stage1_type, len(stage1)))
    out.append(format_array(stage1, stage1_width, 16))
    out.append('};')
    out.append('')
    out.append('static const guint16 gxmpp_precis_stage2[%d][%d] = {'
               % (len(blocks), BLOCK_SIZE))
    for block in blocks:
        out.append(' {')
        out.append(format_array(block, 4, 8))
        out.append(' },')
    out.append('};')
    out.append('')
    out.append('/* Code points with a <wide> or <narrow> decomposition, '
               'sorted, and the')
    out.append(' * single code point each decomposes to. */')
    out.append('static const struct {')
    out.append('  guint16 from;')
    out.append('  guint16 to;')
    out.append('} gxmpp_precis_width_table[%d] = {' % len(width_map))
    for i in range(0, len(width_map), 4):
        out.append('  ' + ' '.join('{ 0x%04x, 0x%04x },' % pair
                                   for pair in width_map[i:i + 4]))
    out.append('};')
    out.append('')
    out.append('/* Simple lowercase mappings (UnicodeData.txt) of characters '
               'that are neither Lu')
    out.append(' * nor Lt, which g_unichar_tolower() leaves alone. */')
    out.append('#define GXMPP_PRECIS_LOWER_EXTRA_MIN 0x%04x' % lower_extra[0][0])
    out.append('#define GXMPP_PRECIS_LOWER_EXTRA_MAX 0x%04x' % lower_extra[-1][0])
    out.append('static const struct {')
    out.append('  guint16 from;')
    out.append('  guint16 to;')
    out.append('} gxmpp_precis_lower_extra[%d] = {' % len(lower_extra))
    for i in range(0, len(lower_extra), 4):
        out.append('  ' + ' '.join('{ 0x%04x, 0x%04x },' % pair
                                   for pair in lower_extra[i:i + 4]))
    out.append('};')
    out.append('')
    return ucd.version, '\n'.join(out)


def main(argv):
    args = argv[1:]
    check = None
    if args[:1] == ['--check']:
        if len(args) < 2:
            fail('--check needs the committed header')
        check = args[1]
        args = args[2:]
    ucd_dir = args[0] if args else '/usr/share/unicode'

    if not os.path.exists(os.path.join(ucd_dir, 'UnicodeData.txt')):
        if check:
            print('skipped: no %s/UnicodeData.txt' % ucd_dir)
            return 77
        fail('no %s/UnicodeData.txt' % ucd_dir)

    if check:
        with open(check, encoding='utf-8') as f:
            committed = f.read()
        m = re.search(r'GXMPP_PRECIS_UNICODE_VERSION "([^"]*)"', committed)
        if not m or m.group(1) != ucd_version(ucd_dir):
            print('skipped: %s holds Unicode %s, not the committed %s'
                  % (ucd_dir, ucd_version(ucd_dir),
                     m.group(1) if m else '?'))
            return 77
        _, text = generate(ucd_dir)
        if text != committed:
            print('%s differs from what %s generates from %s'
                  % (check, argv[0], ucd_dir))
            return 1
        print('%s is up to date' % check)
        return 0

    _, text = generate(ucd_dir)
    sys.stdout.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
