#ifndef FUZZ_RECORD_H
#define FUZZ_RECORD_H

/* Differential checks (fuzz/oracles/): when ZVM_FUZZ_RECORD names a file,
 * what each input does is appended to it as lines, for a Python model to
 * compare with. An input's lines begin with "input <size> <hash>" (its
 * length and 64-bit FNV-1a hash, both hex: libFuzzer may run an input
 * more than once); then every @zvm line the unit traces ("event fields")
 * and the target's own. Without the variable (fuzzing) these cost
 * nothing. */
#include <stddef.h>
#include <stdint.h>

void record_input(const uint8_t *data, size_t size);
void record(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
