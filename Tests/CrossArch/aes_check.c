// A test driver for Sources/CWelkomAES on arm64, cross-compiled on the x86-64 test machine and run
// under qemu-aarch64 by Tests/WelkomIdentifiersTests/ARM64AESTests.swift, so that the ARMv8 path
// is held against the spec vectors and Python's `cryptography` although no test machine is arm64.
//
// Reads one request per line on stdin, writes one answer line per request on stdout (hex, most
// significant byte first, as docs/identifiers.md prints it). IMPL is "armv8-ce" or "portable".
//     cpu                              -> "<welkom_aes_best() name> hwcap-aes=<0|1>"
//     schedule IMPL KEY                -> the 176-byte schedule of welkom_aes128_expand
//     blocks IMPL KEY BLOCK...         -> welkom_aes128_encrypt_blocks, one ciphertext per block
//     keys IMPL BLOCK KEY...           -> welkom_aes128_encrypt_keys, one ciphertext per key
//     schedules IMPL BLOCK KEY...      -> welkom_aes128_encrypt_schedules over the keys' schedules
//     rpa IMPL PRAND HASH KEY...       -> every index welkom_rpa_find reports, in order, or "none"
// A request for an implementation this CPU lacks is an error (exit 2), never a silent fallback:
// the dispatcher would quietly run the portable code and the cross-check would prove nothing.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/auxv.h>
#endif
#include "CWelkomAES.h"

#ifndef HWCAP_AES
#define HWCAP_AES (1 << 3)
#endif

static void fail(const char *what, const char *where) {
    fprintf(stderr, "aes_check: %s: '%s'\n", what, where);
    exit(2);
}

static void parse_hex(const char *s, uint8_t *out, size_t n) {
    if (strlen(s) != 2 * n) fail("wrong hex length", s);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1) fail("not hex", s);
        out[i] = (uint8_t)v;
    }
}

static void print_hex(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) printf("%02x", p[i]);
}

static welkom_aes_impl parse_impl(const char *s) {
    welkom_aes_impl impl;
    if (strcmp(s, "armv8-ce") == 0) impl = WELKOM_AES_ARMV8;
    else if (strcmp(s, "portable") == 0) impl = WELKOM_AES_PORTABLE;
    else fail("unknown implementation", s);
    if (!welkom_aes_available(impl)) fail("implementation not available on this CPU", s);
    return impl;
}

// The 16-byte hex arguments from argv-like `args[from..<count]`, packed.
static uint8_t *blocks_from(char **args, int from, int count) {
    int n = count - from;
    uint8_t *p = malloc(16 * (size_t)(n > 0 ? n : 1));
    if (!p) fail("out of memory", "blocks");
    for (int i = 0; i < n; i++) parse_hex(args[from + i], p + 16 * i, 16);
    return p;
}

static void print_blocks(const uint8_t *p, int n) {
    for (int i = 0; i < n; i++) {
        if (i) putchar(' ');
        print_hex(p + 16 * i, 16);
    }
    putchar('\n');
}

static uint8_t *schedules_of(welkom_aes_impl impl, const uint8_t *keys, int n) {
    uint8_t *s = malloc(WELKOM_AES128_SCHEDULE_BYTES * (size_t)(n > 0 ? n : 1));
    if (!s) fail("out of memory", "schedules");
    for (int i = 0; i < n; i++) welkom_aes128_expand(impl, keys + 16 * i, s + WELKOM_AES128_SCHEDULE_BYTES * i);
    return s;
}

int main(void) {
    char line[1 << 16];
    while (fgets(line, sizeof line, stdin)) {
        char *args[1024];
        int count = 0;
        for (char *t = strtok(line, " \t\r\n"); t && count < 1024; t = strtok(NULL, " \t\r\n")) args[count++] = t;
        if (count == 0) continue;
        const char *op = args[0];
        if (strcmp(op, "cpu") == 0) {
#if defined(__linux__) && defined(__aarch64__)
            int hw = (getauxval(AT_HWCAP) & HWCAP_AES) != 0;
#else
            int hw = 0;
#endif
            printf("%s hwcap-aes=%d\n", welkom_aes_name(welkom_aes_best()), hw);
            continue;
        }
        if (count < 3) fail("too few arguments", op);
        welkom_aes_impl impl = parse_impl(args[1]);
        if (strcmp(op, "schedule") == 0) {
            uint8_t key[16], s[WELKOM_AES128_SCHEDULE_BYTES];
            parse_hex(args[2], key, 16);
            welkom_aes128_expand(impl, key, s);
            print_hex(s, sizeof s);
            putchar('\n');
        } else if (strcmp(op, "blocks") == 0) {
            uint8_t key[16], s[WELKOM_AES128_SCHEDULE_BYTES];
            parse_hex(args[2], key, 16);
            welkom_aes128_expand(impl, key, s);
            int n = count - 3;
            uint8_t *b = blocks_from(args, 3, count);
            welkom_aes128_encrypt_blocks(impl, s, b, b, (size_t)n);  // in place, as the header allows
            print_blocks(b, n);
            free(b);
        } else if (strcmp(op, "keys") == 0 || strcmp(op, "schedules") == 0) {
            uint8_t block[16];
            parse_hex(args[2], block, 16);
            int n = count - 3;
            uint8_t *keys = blocks_from(args, 3, count);
            uint8_t *out = malloc(16 * (size_t)(n > 0 ? n : 1));
            if (!out) fail("out of memory", op);
            if (op[0] == 'k') {
                welkom_aes128_encrypt_keys(impl, keys, (size_t)n, block, out);
            } else {
                uint8_t *s = schedules_of(impl, keys, n);
                welkom_aes128_encrypt_schedules(impl, s, (size_t)n, block, out);
                free(s);
            }
            print_blocks(out, n);
            free(out);
            free(keys);
        } else if (strcmp(op, "rpa") == 0) {
            if (count < 4) fail("too few arguments", op);
            unsigned long prand = strtoul(args[2], NULL, 16), hash = strtoul(args[3], NULL, 16);
            int n = count - 4;
            uint8_t *keys = blocks_from(args, 4, count);
            uint8_t *s = schedules_of(impl, keys, n);
            int any = 0;
            for (long i = welkom_rpa_find(impl, s, 0, (size_t)n, (uint32_t)prand, (uint32_t)hash); i >= 0;
                 i = welkom_rpa_find(impl, s, (size_t)i + 1, (size_t)n, (uint32_t)prand, (uint32_t)hash)) {
                printf(any ? " %ld" : "%ld", i);
                any = 1;
            }
            puts(any ? "" : "none");
            free(s);
            free(keys);
        } else {
            fail("unknown request", op);
        }
        fflush(stdout);
    }
    return 0;
}
