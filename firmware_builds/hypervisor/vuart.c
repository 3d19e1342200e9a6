#include "console.h"
#include "vuart.h"

#define PL011_DR	0x00
#define PL011_FR	0x18
#define PL011_FR_TXFE	(1u << 7)

/* A guest line reaches the console whole, prefixed with the VM's name, so
 * guests can neither split nor forge the hypervisor's trace lines. */
static void flush_line(struct vm *vm)
{
	char out[sizeof(vm->uart_line) + 40];
	unsigned int n = 0;

	out[n++] = '[';
	for (const char *p = vm->cfg->name; *p; p++)
		out[n++] = *p;
	out[n++] = ']';
	out[n++] = ' ';
	for (unsigned int i = 0; i < vm->uart_len; i++)
		out[n++] = vm->uart_line[i];
	out[n++] = '\n';
	console_write(out, n);
	vm->uart_len = 0;
}

uint64_t vuart_access(struct vm *vm, uint64_t offset, int is_write, uint64_t value)
{
	if (offset == PL011_DR && is_write) {
		char c = (char)value;

		if (c == '\n') {
			flush_line(vm);
		} else if (c != '\r') {
			vm->uart_line[vm->uart_len++] = (c >= 0x20 && c < 0x7f) ? c : '?';
			if (vm->uart_len == sizeof(vm->uart_line))
				flush_line(vm);
		}
		return 0;
	}
	if (offset == PL011_FR && !is_write)
		return PL011_FR_TXFE;	/* the FIFO is always empty: output is immediate */
	return 0;			/* other registers: reads as zero, writes ignored */
}
