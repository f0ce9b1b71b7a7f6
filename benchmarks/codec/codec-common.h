/* codec-common.h: what the programs of figure 2 send (benchmarks/codec)
 *
 * The same message for every library: a chat message to CODEC_TO with the
 * id CODEC_ID_FORMAT of its number and the body CODEC_BODY, about 200
 * bytes with characters that must be escaped (& < > " ').
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#define CODEC_TO "bob@localhost/res"
#define CODEC_ID_FORMAT "out-%05u"
#define CODEC_BODY \
  "Fish & chips at noon? The build of <main> passed again & the release notes " \
  "say \"ready\": it's your turn to check them before tonight's meeting. See you " \
  "soon, and bring coffee for the whole team > 3 cups!"
