#include "console.h"
#include "shell.h"
#include "vgic.h"
#include "vm.h"
#include "vm_irq.h"
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
#define FR_RXFF		(1u << 6)
#define FR_TXFE		(1u << 7)
#define INT_RX		(1u << 4)
#define INT_TX		(1u << 5)
#define INT_RT		(1u << 6)	/* receive timeout: some left, none coming */

/* PL011 r1p5's peripheral and PrimeCell ids, one byte a word, as Linux's
 * AMBA bus reads them to find its driver. */
static const uint8_t ids[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

/* A guest line reaches the console whole, prefixed with the VM's name, so
 * guests can neither split nor forge the hypervisor's trace lines. While
 * connected it goes unprefixed, but a line that would read as a trace line
 * (or another VM's) starts with a space. `end`: a whole line, or what the
 * VM has written of one so far (connected: a prompt, before it waits). */
static void flush_line(struct vm *vm, int end)
{
	struct vuart *u = &vm->uart;
	char out[sizeof(u->line) + 40];
	unsigned int n = 0;

	if (!u->connected) {
		out[n++] = '[';
		for (const char *p = vm->name; *p; p++)
			out[n++] = *p;
		out[n++] = ']';
		out[n++] = ' ';
	} else if (u->len && (u->line[0] == '@' || u->line[0] == '[')) {
		out[n++] = ' ';
	}
	for (unsigned int i = 0; i < u->len; i++)
		out[n++] = u->line[i];
	if (end) {
		out[n++] = '\n';
		console_line(out, n);
	} else {
		console_line(0, 0);	/* a line of its own, left open */
		console_write(out, n);
	}
	u->len = 0;
}

/* A whole line: one more of those that end the VM (its stop-after)? */
static void count_stop_line(struct vm *vm)
{
	struct vuart *u = &vm->uart;
	const char *want = vm->cfg->stop_after;
	unsigned int n = 0;

	while (want[n] && n < u->len && u->line[n] == want[n])
		n++;
	if (want[0] && !want[n] && ++u->stop_lines >= vm->cfg->stop_count)
		u->done = 1;
}

static void transmit(struct vm *vm, char c)
{
	struct vuart *u = &vm->uart;

	if (c == '\n') {
		count_stop_line(vm);
		flush_line(vm, 1);
	} else if (c != '\r') {
		u->line[u->len++] = (c >= 0x20 && c < 0x7f) ? c : '?';
		if (u->len == sizeof(u->line))
			flush_line(vm, 1);
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

static uint32_t raw_interrupts(const struct vuart *u)
{
	return INT_TX | (u->rx_count ? INT_RX | INT_RT : 0);
}

uint64_t vuart_access(struct vm *vm, uint64_t offset, int is_write, uint64_t value)
{
	struct vuart *u = &vm->uart;
	uint32_t *reg = plain_register(u, offset);

	if (offset == PL011_DR && is_write) {
		transmit(vm, (char)value);
		return 0;
	}
	if (offset == PL011_DR) {
		if (!u->rx_count)
			return 0;
		char c = u->rx[u->rx_head];

		if (u->rx_count-- == VUART_RX_FIFO)
			shell_uart_drained(vm);
		u->rx_head = (u->rx_head + 1) % VUART_RX_FIFO;
		return (uint8_t)c;
	}
	if (reg) {
		if (is_write)
			*reg = (uint32_t)value & 0xffff;
		return *reg;
	}
	if (is_write)
		return 0;	/* ICR and the rest: nothing to clear, writes ignored */
	switch (offset) {
	case PL011_FR:		/* transmitted at once */
		return FR_TXFE | (u->rx_count ? 0 : FR_RXFE) |
		       (u->rx_count == VUART_RX_FIFO ? FR_RXFF : 0);
	case PL011_RIS:		/* the transmit FIFO is always below its level */
		return raw_interrupts(u);
	case PL011_MIS:
		return raw_interrupts(u) & u->imsc;
	default:
		if (offset >= PL011_PERIPH_ID && offset < PL011_PERIPH_ID + 32 && offset % 4 == 0)
			return ids[(offset - PL011_PERIPH_ID) / 4];
		return 0;
	}
}

int vuart_irq_level(const struct vuart *u)
{
	return (raw_interrupts(u) & u->imsc) != 0;
}

int vuart_rx_full(const struct vuart *u)
{
	return u->rx_count == VUART_RX_FIFO;
}

void vuart_receive(struct vm *vm, char c)
{
	struct vuart *u = &vm->uart;

	if (u->rx_count == VUART_RX_FIFO)
		return;
	u->rx[(u->rx_head + u->rx_count++) % VUART_RX_FIFO] = c;
	vm_set_spi_level(vm, VUART_VINTID, vuart_irq_level(u));
}

void vuart_connect(struct vm *vm, int on)
{
	vm->uart.connected = on;	/* a line it is writing goes out whole as it ends */
}

void vuart_waiting(struct vm *vm)
{
	if (vm->uart.connected && vm->uart.len)
		flush_line(vm, 0);
}
