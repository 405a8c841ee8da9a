// AES-128 encryption only (every Welkom scheme encrypts single blocks), with the bulk shapes the
// recogniser needs: many keys on one block (a WLK1 window roll, EID temporary keys) and many
// expanded schedules on one block (RPA trials). Three implementations, chosen at run time:
// AES-NI on x86-64 (cpuid), the ARMv8 crypto extensions on arm64 (getauxval), and a portable
// byte-oriented fallback. Each takes the implementation explicitly so that the tests can hold
// every one of them against the spec vectors and against Python's `cryptography`.
//
// Why a C target: swift-crypto offers AES only through a SymmetricKey per call, which expands the
// key and allocates every time; the RPA and roll-over benchmarks show that overhead dominates
// (Benchmarks/RecogniserBenchmarks: "AES single block: swift-crypto" vs "… C core").
//
// Byte order: keys, blocks and schedules are bytes as the specs print them (FIPS-197 order).
#ifndef CWELKOM_AES_H
#define CWELKOM_AES_H

#include <stddef.h>
#include <stdint.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    WELKOM_AES_PORTABLE = 0,
    WELKOM_AES_X86_AESNI = 1,
    WELKOM_AES_ARMV8 = 2,
} welkom_aes_impl;

/// The bytes of one expanded AES-128 key schedule (11 round keys).
#define WELKOM_AES128_SCHEDULE_BYTES 176

/// The fastest implementation this CPU runs (detected once).
welkom_aes_impl welkom_aes_best(void);
/// Whether `impl` can run on this CPU (the portable one always can).
int welkom_aes_available(welkom_aes_impl impl);
/// "portable", "aes-ni", "armv8-ce".
const char *welkom_aes_name(welkom_aes_impl impl);

/// Expands `key` into `schedule` (176 bytes).
void welkom_aes128_expand(welkom_aes_impl impl, const uint8_t key[16], uint8_t schedule[176]);

/// `n` blocks under one schedule (ECB). `in` and `out` may be the same buffer.
void welkom_aes128_encrypt_blocks(welkom_aes_impl impl, const uint8_t schedule[176],
                                  const uint8_t *in, uint8_t *out, size_t n);

/// One block under each of `n` raw keys (16 bytes apart): out[i] = AES(keys[i], block).
void welkom_aes128_encrypt_keys(welkom_aes_impl impl, const uint8_t *keys, size_t n,
                                const uint8_t block[16], uint8_t *out);

/// One block under each of `n` expanded schedules (176 bytes apart).
void welkom_aes128_encrypt_schedules(welkom_aes_impl impl, const uint8_t *schedules, size_t n,
                                     const uint8_t block[16], uint8_t *out);

/// Bluetooth's ah (Core Vol 3 Part H §2.2.2): the first index in [start, n) whose schedule
/// gives ah(irk, prand) == hash (24 bits each), or -1. Call again from the result + 1 to see
/// whether a second IRK matches too.
long welkom_rpa_find(welkom_aes_impl impl, const uint8_t *schedules, size_t start, size_t n,
                     uint32_t prand, uint32_t hash);

/// A hint to start loading `p` into the cache: the recogniser issues the loads of all its window
/// tables before comparing any, so their memory latencies overlap.
static inline void welkom_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

/// Asks the kernel to back [p, p + n) with huge pages (Linux transparent huge pages in "madvise"
/// mode); only the 2 MiB-aligned interior is advised. A hint for the recogniser's big tables,
/// whose random probes otherwise pay a TLB miss each: failure changes nothing but speed.
static inline void welkom_advise_huge_pages(void *p, size_t n) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    uintptr_t a = ((uintptr_t)p + 0x1FFFFF) & ~(uintptr_t)0x1FFFFF;
    uintptr_t e = ((uintptr_t)p + n) & ~(uintptr_t)0x1FFFFF;
    if (e > a) (void)madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
    (void)p; (void)n;
#endif
}

/// Like welkom_advise_huge_pages, and also turns pages already in use into huge pages now
/// (MADV_COLLAPSE, Linux 6.1+; older kernels refuse it and nothing changes): for arrays filled
/// before they could be advised, e.g. from reused heap memory.
static inline void welkom_collapse_huge_pages(void *p, size_t n) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    uintptr_t a = ((uintptr_t)p + 0x1FFFFF) & ~(uintptr_t)0x1FFFFF;
    uintptr_t e = ((uintptr_t)p + n) & ~(uintptr_t)0x1FFFFF;
    if (e > a) {
        (void)madvise((void *)a, e - a, MADV_HUGEPAGE);
        (void)madvise((void *)a, e - a, 25 /* MADV_COLLAPSE, absent from older headers */);
    }
#else
    (void)p; (void)n;
#endif
}

#ifdef __cplusplus
}
#endif
#endif
