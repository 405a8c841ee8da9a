// Chooses an implementation once, and routes every call; an implementation the CPU lacks falls
// back to the portable one, so a caller can never run an instruction the CPU does not have.
#include "CWelkomAES.h"
#include "aes_internal.h"

static welkom_aes_impl resolve(welkom_aes_impl impl) {
    return welkom_aes_available(impl) ? impl : WELKOM_AES_PORTABLE;
}

int welkom_aes_available(welkom_aes_impl impl) {
    switch (impl) {
    case WELKOM_AES_PORTABLE: return 1;
    case WELKOM_AES_X86_AESNI: {
        static int cached = -1;  // a benign race: every thread computes the same answer
        if (cached < 0) cached = welkom_x86_supported();
        return cached;
    }
    case WELKOM_AES_ARMV8: {
        static int cached = -1;
        if (cached < 0) cached = welkom_arm_supported();
        return cached;
    }
    }
    return 0;
}

welkom_aes_impl welkom_aes_best(void) {
    if (welkom_aes_available(WELKOM_AES_X86_AESNI)) return WELKOM_AES_X86_AESNI;
    if (welkom_aes_available(WELKOM_AES_ARMV8)) return WELKOM_AES_ARMV8;
    return WELKOM_AES_PORTABLE;
}

const char *welkom_aes_name(welkom_aes_impl impl) {
    switch (impl) {
    case WELKOM_AES_PORTABLE: return "portable";
    case WELKOM_AES_X86_AESNI: return "aes-ni";
    case WELKOM_AES_ARMV8: return "armv8-ce";
    }
    return "unknown";
}

void welkom_aes128_expand(welkom_aes_impl impl, const uint8_t key[16], uint8_t schedule[176]) {
    if (resolve(impl) == WELKOM_AES_X86_AESNI) welkom_x86_expand(key, schedule);
    else welkom_portable_expand(key, schedule);  // the schedule is the same bytes everywhere
}

void welkom_aes128_encrypt_blocks(welkom_aes_impl impl, const uint8_t schedule[176], const uint8_t *in,
                                  uint8_t *out, size_t n) {
    switch (resolve(impl)) {
    case WELKOM_AES_X86_AESNI: welkom_x86_encrypt_blocks(schedule, in, out, n); return;
    case WELKOM_AES_ARMV8: welkom_arm_encrypt_blocks(schedule, in, out, n); return;
    case WELKOM_AES_PORTABLE:
        for (size_t i = 0; i < n; i++) welkom_portable_encrypt(schedule, in + 16 * i, out + 16 * i);
        return;
    }
}

void welkom_aes128_encrypt_keys(welkom_aes_impl impl, const uint8_t *keys, size_t n, const uint8_t block[16],
                                uint8_t *out) {
    switch (resolve(impl)) {
    case WELKOM_AES_X86_AESNI: welkom_x86_encrypt_keys(keys, n, block, out); return;
    case WELKOM_AES_ARMV8: welkom_arm_encrypt_keys(keys, n, block, out); return;
    case WELKOM_AES_PORTABLE:
        for (size_t i = 0; i < n; i++) {
            uint8_t w[176];
            welkom_portable_expand(keys + 16 * i, w);
            welkom_portable_encrypt(w, block, out + 16 * i);
        }
        return;
    }
}

void welkom_aes128_encrypt_schedules(welkom_aes_impl impl, const uint8_t *schedules, size_t n,
                                     const uint8_t block[16], uint8_t *out) {
    switch (resolve(impl)) {
    case WELKOM_AES_X86_AESNI: welkom_x86_encrypt_schedules(schedules, n, block, out); return;
    case WELKOM_AES_ARMV8: welkom_arm_encrypt_schedules(schedules, n, block, out); return;
    case WELKOM_AES_PORTABLE:
        for (size_t i = 0; i < n; i++) welkom_portable_encrypt(schedules + 176 * i, block, out + 16 * i);
        return;
    }
}

long welkom_rpa_find(welkom_aes_impl impl, const uint8_t *schedules, size_t start, size_t n, uint32_t prand,
                     uint32_t hash) {
    switch (resolve(impl)) {
    case WELKOM_AES_X86_AESNI: return welkom_x86_rpa_find(schedules, start, n, prand, hash);
    case WELKOM_AES_ARMV8: return welkom_arm_rpa_find(schedules, start, n, prand, hash);
    case WELKOM_AES_PORTABLE: break;
    }
    uint8_t plain[16], out[16];
    welkom_ah_block(prand, plain);
    for (size_t i = start; i < n; i++) {
        welkom_portable_encrypt(schedules + 176 * i, plain, out);
        if (welkom_ah_hash(out) == (hash & 0xffffff)) return (long)i;
    }
    return -1;
}
