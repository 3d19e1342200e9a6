/* The emulated PL011 each guest sees at its usual IPA, VUART_IPA
 * (memory_map.h): output only (the receive FIFO is always empty), transmitted
 * at once, a line at a time. Its transmit interrupt is raised while unmasked,
 * for drivers that wait for it (Linux's never does: the FIFO is never full). */
#ifndef ZVM_VUART_H
#define ZVM_VUART_H

#include <stdint.h>

#define VUART_SIZE	0x1000UL

struct vm;

struct vuart {
	uint32_t cr, lcr_h, ibrd, fbrd, ifls, imsc, dmacr;
	char line[160];
	unsigned int len;
};

/* Emulates one access; returns the value a read yields. */
uint64_t vuart_access(struct vm *vm, uint64_t offset, int is_write, uint64_t value);
/* Whether the UART's interrupt line is high (an unmasked interrupt raised). */
int vuart_irq_level(const struct vuart *u);

#endif
