/* The emulated PL011 each guest sees at its usual IPA. */
#ifndef ZVM_VUART_H
#define ZVM_VUART_H

#include <stdint.h>

#include "vm.h"

#define VUART_IPA	0x09000000UL
#define VUART_SIZE	0x1000UL

/* Emulates one access; returns the value a read yields. */
uint64_t vuart_access(struct vm *vm, uint64_t offset, int is_write, uint64_t value);

#endif
