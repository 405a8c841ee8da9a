// AES-NI (x86-64). Compiled with per-function target attributes so the rest of the binary does
// not require AES-NI; the dispatcher calls in here only after cpuid said the CPU has it.
#include "aes_internal.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#include <immintrin.h>

#define WELKOM_X86 __attribute__((target("aes,sse4.1")))

int welkom_x86_supported(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    return (c & bit_AES) && (c & bit_SSE4_1);
}

WELKOM_X86 static inline __m128i step(__m128i key, __m128i assist) {
    assist = _mm_shuffle_epi32(assist, 0xff);
    // The prefix XOR of the key's words as a tree (k ^ k<<4 ^ k<<8 ^ k<<12): three steps deep
    // instead of six, which shortens the key schedule's serial chain.
    __m128i a = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    __m128i b = _mm_xor_si128(_mm_slli_si128(key, 8), _mm_slli_si128(key, 12));
    return _mm_xor_si128(_mm_xor_si128(a, b), assist);
}
// aeskeygenassist takes its round constant as an immediate, so the rounds are spelled out.
#define NEXT(k, rcon) step((k), _mm_aeskeygenassist_si128((k), (rcon)))

WELKOM_X86 static inline void expand(__m128i k, __m128i rk[11]) {
    rk[0] = k;
    rk[1] = NEXT(rk[0], 0x01); rk[2] = NEXT(rk[1], 0x02); rk[3] = NEXT(rk[2], 0x04);
    rk[4] = NEXT(rk[3], 0x08); rk[5] = NEXT(rk[4], 0x10); rk[6] = NEXT(rk[5], 0x20);
    rk[7] = NEXT(rk[6], 0x40); rk[8] = NEXT(rk[7], 0x80); rk[9] = NEXT(rk[8], 0x1b);
    rk[10] = NEXT(rk[9], 0x36);
}

WELKOM_X86 void welkom_x86_expand(const uint8_t key[16], uint8_t schedule[176]) {
    __m128i rk[11];
    expand(_mm_loadu_si128((const __m128i *)key), rk);
    for (int i = 0; i < 11; i++) _mm_storeu_si128((__m128i *)(schedule + 16 * i), rk[i]);
}

WELKOM_X86 static inline __m128i encrypt(const __m128i rk[11], __m128i s) {
    s = _mm_xor_si128(s, rk[0]);
    for (int r = 1; r < 10; r++) s = _mm_aesenc_si128(s, rk[r]);
    return _mm_aesenclast_si128(s, rk[10]);
}

WELKOM_X86 void welkom_x86_encrypt_blocks(const uint8_t schedule[176], const uint8_t *in, uint8_t *out, size_t n) {
    __m128i rk[11];
    for (int i = 0; i < 11; i++) rk[i] = _mm_loadu_si128((const __m128i *)(schedule + 16 * i));
    size_t i = 0;
    // Four independent blocks in flight hide aesenc's latency.
    for (; i + 4 <= n; i += 4) {
        __m128i s0 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(in + 16 * i)), rk[0]);
        __m128i s1 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(in + 16 * i + 16)), rk[0]);
        __m128i s2 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(in + 16 * i + 32)), rk[0]);
        __m128i s3 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(in + 16 * i + 48)), rk[0]);
        for (int r = 1; r < 10; r++) {
            s0 = _mm_aesenc_si128(s0, rk[r]); s1 = _mm_aesenc_si128(s1, rk[r]);
            s2 = _mm_aesenc_si128(s2, rk[r]); s3 = _mm_aesenc_si128(s3, rk[r]);
        }
        _mm_storeu_si128((__m128i *)(out + 16 * i), _mm_aesenclast_si128(s0, rk[10]));
        _mm_storeu_si128((__m128i *)(out + 16 * i + 16), _mm_aesenclast_si128(s1, rk[10]));
        _mm_storeu_si128((__m128i *)(out + 16 * i + 32), _mm_aesenclast_si128(s2, rk[10]));
        _mm_storeu_si128((__m128i *)(out + 16 * i + 48), _mm_aesenclast_si128(s3, rk[10]));
    }
    for (; i < n; i++)
        _mm_storeu_si128((__m128i *)(out + 16 * i), encrypt(rk, _mm_loadu_si128((const __m128i *)(in + 16 * i))));
}

WELKOM_X86 void welkom_x86_encrypt_keys(const uint8_t *keys, size_t n, const uint8_t block[16], uint8_t *out) {
    const __m128i b = _mm_loadu_si128((const __m128i *)block);
    size_t i = 0;
    // Four keys expanded and applied in lockstep: each round key is used as soon as it exists,
    // and the four chains overlap.
    for (; i + 4 <= n; i += 4) {
        __m128i k0 = _mm_loadu_si128((const __m128i *)(keys + 16 * i));
        __m128i k1 = _mm_loadu_si128((const __m128i *)(keys + 16 * i + 16));
        __m128i k2 = _mm_loadu_si128((const __m128i *)(keys + 16 * i + 32));
        __m128i k3 = _mm_loadu_si128((const __m128i *)(keys + 16 * i + 48));
        __m128i s0 = _mm_xor_si128(b, k0), s1 = _mm_xor_si128(b, k1);
        __m128i s2 = _mm_xor_si128(b, k2), s3 = _mm_xor_si128(b, k3);
#define ROUND(rcon) \
        k0 = NEXT(k0, rcon); k1 = NEXT(k1, rcon); k2 = NEXT(k2, rcon); k3 = NEXT(k3, rcon); \
        s0 = _mm_aesenc_si128(s0, k0); s1 = _mm_aesenc_si128(s1, k1); \
        s2 = _mm_aesenc_si128(s2, k2); s3 = _mm_aesenc_si128(s3, k3);
        ROUND(0x01) ROUND(0x02) ROUND(0x04) ROUND(0x08) ROUND(0x10)
        ROUND(0x20) ROUND(0x40) ROUND(0x80) ROUND(0x1b)
#undef ROUND
        k0 = NEXT(k0, 0x36); k1 = NEXT(k1, 0x36); k2 = NEXT(k2, 0x36); k3 = NEXT(k3, 0x36);
        _mm_storeu_si128((__m128i *)(out + 16 * i), _mm_aesenclast_si128(s0, k0));
        _mm_storeu_si128((__m128i *)(out + 16 * i + 16), _mm_aesenclast_si128(s1, k1));
        _mm_storeu_si128((__m128i *)(out + 16 * i + 32), _mm_aesenclast_si128(s2, k2));
        _mm_storeu_si128((__m128i *)(out + 16 * i + 48), _mm_aesenclast_si128(s3, k3));
    }
    // The rest one at a time (a WLK1 hit verifies one key): each round key is used as soon as it
    // exists, so the latency is the key schedule's chain plus one round, not the two in a row.
    for (; i < n; i++) {
        __m128i k = _mm_loadu_si128((const __m128i *)(keys + 16 * i));
        __m128i s = _mm_xor_si128(b, k);
#define ROUND1(rcon) k = NEXT(k, rcon); s = _mm_aesenc_si128(s, k);
        ROUND1(0x01) ROUND1(0x02) ROUND1(0x04) ROUND1(0x08) ROUND1(0x10)
        ROUND1(0x20) ROUND1(0x40) ROUND1(0x80) ROUND1(0x1b)
#undef ROUND1
        k = NEXT(k, 0x36);
        _mm_storeu_si128((__m128i *)(out + 16 * i), _mm_aesenclast_si128(s, k));
    }
}

#define LOADRK(p, r) _mm_loadu_si128((const __m128i *)((p) + 16 * (r)))

WELKOM_X86 void welkom_x86_encrypt_schedules(const uint8_t *schedules, size_t n, const uint8_t block[16], uint8_t *out) {
    const __m128i b = _mm_loadu_si128((const __m128i *)block);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = schedules + 176 * i;
        __m128i s = _mm_xor_si128(b, LOADRK(p, 0));
        for (int r = 1; r < 10; r++) s = _mm_aesenc_si128(s, LOADRK(p, r));
        _mm_storeu_si128((__m128i *)(out + 16 * i), _mm_aesenclast_si128(s, LOADRK(p, 10)));
    }
}

WELKOM_X86 long welkom_x86_rpa_find(const uint8_t *schedules, size_t start, size_t n, uint32_t prand, uint32_t hash) {
    uint8_t plain[16];
    welkom_ah_block(prand, plain);
    const __m128i b = _mm_loadu_si128((const __m128i *)plain);
    // Bytes 12…15 of the ciphertext read little-endian: the hash sits in bytes 13…15.
    const uint32_t want = ((hash >> 16) & 0xff) << 8 | ((hash >> 8) & 0xff) << 16 | (hash & 0xff) << 24;
    const uint32_t mask = 0xffffff00u;
    size_t i = start;
    // Eight IRKs in flight: enough independent aesenc chains to keep the unit busy.
    for (; i + 8 <= n; i += 8) {
        const uint8_t *p = schedules + 176 * i;
        __m128i s[8];
        for (int k = 0; k < 8; k++) s[k] = _mm_xor_si128(b, LOADRK(p + 176 * k, 0));
        for (int r = 1; r < 10; r++)
            for (int k = 0; k < 8; k++) s[k] = _mm_aesenc_si128(s[k], LOADRK(p + 176 * k, r));
        for (int k = 0; k < 8; k++) s[k] = _mm_aesenclast_si128(s[k], LOADRK(p + 176 * k, 10));
        for (int k = 0; k < 8; k++)
            if (((uint32_t)_mm_extract_epi32(s[k], 3) & mask) == want) return (long)(i + (size_t)k);
    }
    for (; i < n; i++) {
        const uint8_t *p = schedules + 176 * i;
        __m128i s = _mm_xor_si128(b, LOADRK(p, 0));
        for (int r = 1; r < 10; r++) s = _mm_aesenc_si128(s, LOADRK(p, r));
        s = _mm_aesenclast_si128(s, LOADRK(p, 10));
        if (((uint32_t)_mm_extract_epi32(s, 3) & mask) == want) return (long)i;
    }
    return -1;
}

#else
int welkom_x86_supported(void) { return 0; }
void welkom_x86_expand(const uint8_t key[16], uint8_t schedule[176]) { (void)key; (void)schedule; }
void welkom_x86_encrypt_blocks(const uint8_t schedule[176], const uint8_t *in, uint8_t *out, size_t n) {
    (void)schedule; (void)in; (void)out; (void)n;
}
void welkom_x86_encrypt_keys(const uint8_t *keys, size_t n, const uint8_t block[16], uint8_t *out) {
    (void)keys; (void)n; (void)block; (void)out;
}
void welkom_x86_encrypt_schedules(const uint8_t *schedules, size_t n, const uint8_t block[16], uint8_t *out) {
    (void)schedules; (void)n; (void)block; (void)out;
}
long welkom_x86_rpa_find(const uint8_t *schedules, size_t start, size_t n, uint32_t prand, uint32_t hash) {
    (void)schedules; (void)start; (void)n; (void)prand; (void)hash;
    return -1;
}
#endif
