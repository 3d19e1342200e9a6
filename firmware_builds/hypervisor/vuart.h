/* The emulated PL011 each guest sees at its usual IPA, VUART_IPA
 * (memory_map.h). Output is transmitted at once, a line at a time with the
 * VM's name before it; while the shell has the console connected to the VM
 * (`connect`), unprefixed, and a line not yet ended as soon as the VM waits. Input comes from the
 * console while connected, into a receive FIFO with its interrupts (receive,
 * and receive timeout, both high while it holds anything). The transmit
 * interrupt is raised while unmasked, for drivers that wait for it (Linux's
 * never does: the FIFO is never full). */
#ifndef ZVM_VUART_H
#define ZVM_VUART_H

#include <stdint.h>

#define VUART_SIZE	0x1000UL

struct vm;

#define VUART_RX_FIFO	32

struct vuart {
	uint32_t cr, lcr_h, ibrd, fbrd, ifls, imsc, dmacr;
	char line[160];
	unsigned int len;
	char rx[VUART_RX_FIFO];
	unsigned int rx_head, rx_count;
	int connected;		/* output straight to the console, unprefixed */
	unsigned int stop_lines;	/* lines seen that start with its VM's stop-after */
	int done;		/* as many as its stop-count: the VM is to stop */
};

/* Emulates one access; returns the value a read yields. */
uint64_t vuart_access(struct vm *vm, uint64_t offset, int is_write, uint64_t value);
/* Whether the UART's interrupt line is high (an unmasked interrupt raised). */
int vuart_irq_level(const struct vuart *u);
/* A character typed for the VM: into its receive FIFO (lost when full, as
 * on the real device: the shell holds its input back before). */
void vuart_receive(struct vm *vm, char c);
int vuart_rx_full(const struct vuart *u);
/* The console connected to the VM, or given back. */
void vuart_connect(struct vm *vm, int on);
/* The VM waits for an interrupt: while connected, what it has written of a
 * line (a prompt) goes out now. */
void vuart_waiting(struct vm *vm);

#endif
