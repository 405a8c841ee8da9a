// Shared between the implementations; not part of the module's interface.
#ifndef CWELKOM_AES_INTERNAL_H
#define CWELKOM_AES_INTERNAL_H
#include <stddef.h>
#include <stdint.h>

void welkom_portable_expand(const uint8_t key[16], uint8_t schedule[176]);
void welkom_portable_encrypt(const uint8_t schedule[176], const uint8_t in[16], uint8_t out[16]);

int welkom_x86_supported(void);
void welkom_x86_expand(const uint8_t key[16], uint8_t schedule[176]);
void welkom_x86_encrypt_blocks(const uint8_t schedule[176], const uint8_t *in, uint8_t *out, size_t n);
void welkom_x86_encrypt_keys(const uint8_t *keys, size_t n, const uint8_t block[16], uint8_t *out);
void welkom_x86_encrypt_schedules(const uint8_t *schedules, size_t n, const uint8_t block[16], uint8_t *out);
long welkom_x86_rpa_find(const uint8_t *schedules, size_t start, size_t n, uint32_t prand, uint32_t hash);

int welkom_arm_supported(void);
void welkom_arm_encrypt_blocks(const uint8_t schedule[176], const uint8_t *in, uint8_t *out, size_t n);
void welkom_arm_encrypt_keys(const uint8_t *keys, size_t n, const uint8_t block[16], uint8_t *out);
void welkom_arm_encrypt_schedules(const uint8_t *schedules, size_t n, const uint8_t block[16], uint8_t *out);
long welkom_arm_rpa_find(const uint8_t *schedules, size_t start, size_t n, uint32_t prand, uint32_t hash);

/// The ah plaintext: 13 zero bytes, then prand most significant byte first.
static inline void welkom_ah_block(uint32_t prand, uint8_t block[16]) {
    for (int i = 0; i < 13; i++) block[i] = 0;
    block[13] = (uint8_t)(prand >> 16);
    block[14] = (uint8_t)(prand >> 8);
    block[15] = (uint8_t)prand;
}

/// The low 24 bits of a ciphertext, as a number.
static inline uint32_t welkom_ah_hash(const uint8_t out[16]) {
    return (uint32_t)out[13] << 16 | (uint32_t)out[14] << 8 | out[15];
}
#endif
