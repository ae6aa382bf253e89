// SPDX-License-Identifier: BSD-3-Clause
// Seeded test signals for VAD/AGC quality: white, pink and babble noise, mixing at an SNR, frame labels.
//
// Levels are in dBFS of mean square (0 dBFS = full-scale square wave). The SNR of a
// mix is the clean speech's active level (mean power over its labelled speech
// frames, a frame-based simplification of ITU-T P.56) over the noise's mean power.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace test {

// Gaussian white noise at `dbfs` RMS.
std::vector<std::int16_t> white_noise(unsigned seed, std::size_t samples, double dbfs);

// Pink (1/f) noise at `dbfs` RMS: white noise through Paul Kellet's "economy"
// three-pole filter (music-dsp.org archive, "Filter to make pink noise from white",
// 1999; designed for 44.1 kHz, where it is within 0.5 dB of -3 dB/octave; at 8 kHz
// the same poles still give a falling, 1/f-like spectrum over the telephone band,
// which is all the tests need: a coloured stationary noise).
std::vector<std::int16_t> pink_noise(unsigned seed, std::size_t samples, double dbfs);

// Babble at `dbfs` RMS: `talkers` speech_corpus_8k streams with seeds derived from
// `seed`, each delayed randomly and summed, so several voices always overlap and
// the background has speech's spectrum and modulation, as recorded canteen babble
// does.
std::vector<std::int16_t> babble_noise(unsigned seed, std::size_t samples, double dbfs, int talkers = 6);

enum class noise_kind { white, pink, babble };
const char* to_string(noise_kind k);
std::vector<std::int16_t> make_noise(noise_kind k, unsigned seed, std::size_t samples, double dbfs);

// Mean power in dBFS; -120 for all zeros.
double level_dbfs(std::span<const std::int16_t> x);

// Labels per frame of the clean speech. Rule: the active level A is the mean power
// over frames louder than -55 dBFS; a frame is speech when its energy is at least
// A - 15.9 dB, the margin between active level and activity threshold in ITU-T
// P.56 (method B, M = 15.9 dB). Weaker frames (breath, the tail of a fricative)
// count as non-speech: they sit under the noise at every SNR tested here.
std::vector<bool> frame_labels(std::span<const std::int16_t> clean, std::size_t frame_samples);

// Active speech level A (dBFS) by the frame rule above.
double active_level_dbfs(std::span<const std::int16_t> clean, std::size_t frame_samples = 160);

// clean + noise scaled so that active_level(clean) - level(noise) = snr_db.
// Saturates at int16 (the tests' levels stay well clear of it).
std::vector<std::int16_t> mix_at_snr(std::span<const std::int16_t> clean, std::span<const std::int16_t> noise,
                                     double snr_db);

// x scaled by gain_db, saturating.
std::vector<std::int16_t> scaled(std::span<const std::int16_t> x, double gain_db);

}  // namespace test
