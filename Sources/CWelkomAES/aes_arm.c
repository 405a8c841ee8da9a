// The ARMv8 cryptography extensions (arm64, e.g. a Raspberry Pi 5's Cortex-A76). Per-function
// target attributes keep the rest of the binary runnable on a core without them; the dispatcher
// calls in here only after getauxval (Linux) said the CPU has AES.
#include "aes_internal.h"

#if defined(__aarch64__)
#include <arm_neon.h>
#include <string.h>
#if defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_AES
#define HWCAP_AES (1 << 3)
#endif
#endif

// GCC rejects a bare "aes", and GCC 12's arm_neon.h gates vaeseq_u8 on "+crypto" when the file is
// built for plain armv8-a (as Tests/WelkomIdentifiersTests/ARM64AESTests.swift cross-compiles it).
#if defined(__clang__)
#define WELKOM_ARM __attribute__((target("aes")))
#else
#define WELKOM_ARM __attribute__((target("+crypto")))
#endif

int welkom_arm_supported(void) {
#if defined(__linux__)
    return (getauxval(AT_HWCAP) & HWCAP_AES) != 0;
#elif defined(__APPLE__)
    return 1;  // every Apple arm64 core has the AES instructions
#else
    return 0;
#endif
}

// vaeseq_u8(s, k) = ShiftRows(SubBytes(s ^ k)); vaesmcq_u8 = MixColumns. So a round of FIPS-197
// (SubBytes, ShiftRows, MixColumns, AddRoundKey) is shifted by one key: rk[0] enters first.
WELKOM_ARM static inline uint8x16_t encrypt(const uint8x16_t rk[11], uint8x16_t s) {
    for (int r = 0; r < 9; r++) s = vaesmcq_u8(vaeseq_u8(s, rk[r]));
    return veorq_u8(vaeseq_u8(s, rk[9]), rk[10]);
}

// SubWord through the AES unit: with the word in all four lanes, ShiftRows moves nothing that matters.
WELKOM_ARM static inline uint32_t sub_word(uint32_t w) {
    uint8x16_t x = vreinterpretq_u8_u32(vdupq_n_u32(w));
    return vgetq_lane_u32(vreinterpretq_u32_u8(vaeseq_u8(x, vdupq_n_u8(0))), 0);
}

WELKOM_ARM static inline void expand(const uint8_t key[16], uint8x16_t rk[11]) {
    static const uint8_t rcon[10] = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1b, 0x36};
    uint32_t w[44];
    memcpy(w, key, 16);  // words in memory order; arm64 Linux and macOS are little-endian
    for (int i = 4; i < 44; i++) {
        uint32_t t = w[i - 1];
        if (i % 4 == 0) {
            uint32_t s = sub_word(t);
            t = ((s >> 8) | (s << 24)) ^ rcon[i / 4 - 1];  // RotWord after SubWord: the same bytes
        }
        w[i] = w[i - 4] ^ t;
    }
    for (int r = 0; r < 11; r++) rk[r] = vreinterpretq_u8_u32(vld1q_u32(w + 4 * r));
}

WELKOM_ARM void welkom_arm_encrypt_blocks(const uint8_t schedule[176], const uint8_t *in, uint8_t *out, size_t n) {
    uint8x16_t rk[11];
    for (int r = 0; r < 11; r++) rk[r] = vld1q_u8(schedule + 16 * r);
    for (size_t i = 0; i < n; i++) vst1q_u8(out + 16 * i, encrypt(rk, vld1q_u8(in + 16 * i)));
}

WELKOM_ARM void welkom_arm_encrypt_keys(const uint8_t *keys, size_t n, const uint8_t block[16], uint8_t *out) {
    const uint8x16_t b = vld1q_u8(block);
    for (size_t i = 0; i < n; i++) {
        uint8x16_t rk[11];
        expand(keys + 16 * i, rk);
        vst1q_u8(out + 16 * i, encrypt(rk, b));
    }
}

WELKOM_ARM void welkom_arm_encrypt_schedules(const uint8_t *schedules, size_t n, const uint8_t block[16], uint8_t *out) {
    const uint8x16_t b = vld1q_u8(block);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = schedules + 176 * i;
        uint8x16_t s = b;
        for (int r = 0; r < 9; r++) s = vaesmcq_u8(vaeseq_u8(s, vld1q_u8(p + 16 * r)));
        vst1q_u8(out + 16 * i, veorq_u8(vaeseq_u8(s, vld1q_u8(p + 144)), vld1q_u8(p + 160)));
    }
}

WELKOM_ARM long welkom_arm_rpa_find(const uint8_t *schedules, size_t start, size_t n, uint32_t prand, uint32_t hash) {
    uint8_t plain[16];
    welkom_ah_block(prand, plain);
    const uint8x16_t b = vld1q_u8(plain);
    const uint32_t want = ((hash >> 16) & 0xff) << 8 | ((hash >> 8) & 0xff) << 16 | (hash & 0xff) << 24;
    size_t i = start;
    // Four IRKs in flight hide the AES unit's latency.
    for (; i + 4 <= n; i += 4) {
        const uint8_t *p = schedules + 176 * i;
        uint8x16_t s[4] = {b, b, b, b};
        for (int r = 0; r < 9; r++)
            for (int k = 0; k < 4; k++) s[k] = vaesmcq_u8(vaeseq_u8(s[k], vld1q_u8(p + 176 * k + 16 * r)));
        for (int k = 0; k < 4; k++) {
            uint8x16_t c = veorq_u8(vaeseq_u8(s[k], vld1q_u8(p + 176 * k + 144)), vld1q_u8(p + 176 * k + 160));
            if ((vgetq_lane_u32(vreinterpretq_u32_u8(c), 3) & 0xffffff00u) == want) return (long)(i + (size_t)k);
        }
    }
    for (; i < n; i++) {
        uint8_t out[16];
        welkom_arm_encrypt_schedules(schedules + 176 * i, 1, plain, out);
        if (welkom_ah_hash(out) == (hash & 0xffffff)) return (long)i;  // 24 bits, as the 4-wide loop compares
    }
    return -1;
}

#else
int welkom_arm_supported(void) { return 0; }
void welkom_arm_encrypt_blocks(const uint8_t schedule[176], const uint8_t *in, uint8_t *out, size_t n) {
    (void)schedule; (void)in; (void)out; (void)n;
}
void welkom_arm_encrypt_keys(const uint8_t *keys, size_t n, const uint8_t block[16], uint8_t *out) {
    (void)keys; (void)n; (void)block; (void)out;
}
void welkom_arm_encrypt_schedules(const uint8_t *schedules, size_t n, const uint8_t block[16], uint8_t *out) {
    (void)schedules; (void)n; (void)block; (void)out;
}
long welkom_arm_rpa_find(const uint8_t *schedules, size_t start, size_t n, uint32_t prand, uint32_t hash) {
    (void)schedules; (void)start; (void)n; (void)prand; (void)hash;
    return -1;
}
#endif
