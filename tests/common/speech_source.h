// SPDX-License-Identifier: BSD-3-Clause
// Synthetic speech for DSP tests: espeak-ng sentences resampled to 8 kHz mono int16, cached on disk.
//
// Real speech (not noise or tones) is what echo cancellers, VADs and AGCs are
// judged on; espeak-ng makes it reproducibly without shipping recordings.
// Rendering is done once per (text, voice, rate) and cached under
// $VOXGATE_SPEECH_CACHE, else $TMPDIR/voxgate-speech-cache, else
// /tmp/voxgate-speech-cache, keyed by a hash of the request. The cached bytes
// are what espeak-ng + sox produce on this machine; tests assert measured floors
// on them, not digests of them.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace test {

// One utterance of `text` spoken by espeak-ng voice `voice` ("en", "en-us+f3", ...),
// 8 kHz mono int16. Throws std::runtime_error naming the missing tool when
// espeak-ng or sox is not installed, or when rendering fails.
std::vector<std::int16_t> speech_8k(std::string_view text, std::string_view voice = "en");

// About `seconds` of speech (exactly round(seconds * 8000) samples): sentences, voices,
// speaking rates and levels chosen by `seed`, joined with pauses of 0.15..1.2 s
// (seeded), so that talk spurts and silences alternate as in conversation.
// Deterministic per seed. Active speech level is about -26 dBFS +-4 dB (ITU-T P.56's
// nominal -26 dBov), peaks well below clipping.
std::vector<std::int16_t> speech_corpus_8k(unsigned seed, double seconds);

}  // namespace test
