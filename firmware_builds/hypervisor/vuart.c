#include "console.h"
#include "vm.h"
#include "vuart.h"

#define PL011_DR	0x000
#define PL011_FR	0x018
#define PL011_IBRD	0x024
#define PL011_FBRD	0x028
#define PL011_LCR_H	0x02c
#define PL011_CR	0x030
#define PL011_IFLS	0x034
#define PL011_IMSC	0x038
#define PL011_RIS	0x03c
#define PL011_MIS	0x040
#define PL011_DMACR	0x048
#define PL011_PERIPH_ID	0xfe0

#define FR_RXFE		(1u << 4)
#define FR_TXFE		(1u << 7)
#define INT_TX		(1u << 5)

/* PL011 r1p5's peripheral and PrimeCell ids, one byte a word, as Linux's
 * AMBA bus reads them to find its driver. */
static const uint8_t ids[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

/* A guest line reaches the console whole, prefixed with the VM's name, so
 * guests can neither split nor forge the hypervisor's trace lines. */
static void flush_line(struct vm *vm)
{
	struct vuart *u = &vm->uart;
	char out[sizeof(u->line) + 40];
	unsigned int n = 0;

	out[n++] = '[';
	for (const char *p = vm->name; *p; p++)
		out[n++] = *p;
	out[n++] = ']';
	out[n++] = ' ';
	for (unsigned int i = 0; i < u->len; i++)
		out[n++] = u->line[i];
	out[n++] = '\n';
	console_line(out, n);
	u->len = 0;
}

static void transmit(struct vm *vm, char c)
{
	struct vuart *u = &vm->uart;

	if (c == '\n') {
		flush_line(vm);
	} else if (c != '\r') {
		u->line[u->len++] = (c >= 0x20 && c < 0x7f) ? c : '?';
		if (u->len == sizeof(u->line))
			flush_line(vm);
	}
}

/* The registers a driver writes and reads back. */
static uint32_t *plain_register(struct vuart *u, uint64_t offset)
{
	switch (offset) {
	case PL011_IBRD: return &u->ibrd;
	case PL011_FBRD: return &u->fbrd;
	case PL011_LCR_H: return &u->lcr_h;
	case PL011_CR: return &u->cr;
	case PL011_IFLS: return &u->ifls;
	case PL011_IMSC: return &u->imsc;
	case PL011_DMACR: return &u->dmacr;
	default: return 0;
	}
}

uint64_t vuart_access(struct vm *vm, uint64_t offset, int is_write, uint64_t value)
{
	struct vuart *u = &vm->uart;
	uint32_t *reg = plain_register(u, offset);

	if (offset == PL011_DR && is_write) {
		transmit(vm, (char)value);
		return 0;
	}
	if (reg) {
		if (is_write)
			*reg = (uint32_t)value & 0xffff;
		return *reg;
	}
	if (is_write)
		return 0;	/* ICR and the rest: nothing to clear, writes ignored */
	switch (offset) {
	case PL011_FR:		/* transmitted at once; nothing ever received */
		return FR_TXFE | FR_RXFE;
	case PL011_RIS:		/* the transmit FIFO is always below its level */
		return INT_TX;
	case PL011_MIS:
		return INT_TX & u->imsc;
	default:
		if (offset >= PL011_PERIPH_ID && offset < PL011_PERIPH_ID + 32 && offset % 4 == 0)
			return ids[(offset - PL011_PERIPH_ID) / 4];
		return 0;
	}
}

int vuart_irq_level(const struct vuart *u)
{
	return (INT_TX & u->imsc) != 0;
}
