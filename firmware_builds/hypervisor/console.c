#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "console.h"
#include "gic.h"
#include "memory_map.h"
#include "percpu.h"
#include "spinlock.h"
#include "sysregs.h"

#define PL011_DR	0x00
#define PL011_FR	0x18
#define PL011_FR_RXFE	(1u << 4)
#define PL011_FR_TXFF	(1u << 5)
#define PL011_IMSC	0x38
#define PL011_INT_RX	((1u << 4) | (1u << 6))	/* received, and receive timeout */

static inline volatile uint32_t *pl011_reg(unsigned long off)
{
	return (volatile uint32_t *)(UART_BASE + off);
}

static void console_putc(char c)
{
	while (*pl011_reg(PL011_FR) & PL011_FR_TXFF)
		;
	*pl011_reg(PL011_DR) = (uint8_t)c;
}

/* Whoever writes, holds it: CPUs in the memory lock's paths (locks.h) and
 * in the hypervisor's write side by side, and a line is never cut. */
static spinlock_t console_lock;
static int at_line_start = 1;

static void write_out(const char *s, unsigned long len)
{
	for (unsigned long i = 0; i < len; i++)
		console_putc(s[i]);
	if (len)
		at_line_start = s[len - 1] == '\n';
}

void console_write(const char *s, unsigned long len)
{
	spin_lock(&console_lock);
	write_out(s, len);
	spin_unlock(&console_lock);
}

static const char *partial;	/* the line being typed at the shell */
static const unsigned long *partial_len;
static int partial_shown;

void console_partial(const char *line, const unsigned long *len)
{
	spin_lock(&console_lock);
	partial = line;
	partial_len = len;
	partial_shown = 0;
	spin_unlock(&console_lock);
}

void console_partial_show(void)
{
	spin_lock(&console_lock);
	if (partial && !partial_shown) {
		write_out(partial, *partial_len);
		partial_shown = 1;
	}
	spin_unlock(&console_lock);
}

static void line_out(const char *s, unsigned long len)
{
	if (!at_line_start)	/* the line being typed, or a connected VM's, is cut */
		write_out("\n", 1);
	partial_shown = 0;	/* the shell's is shown again at the next keystroke */
	write_out(s, len);
}

void console_line(const char *s, unsigned long len)
{
	spin_lock(&console_lock);
	line_out(s, len);
	spin_unlock(&console_lock);
}

/* Formats the whole event into one buffer before writing it, so that an event
 * is never interleaved with other output; the physical CPU that reports it
 * ends it. Too long an event is cut, never split. */
void zvm_trace(const char *event, const char *fmt, ...)
{
	/* Static, under the console's lock: memlist lines are long. */
	static char line[4096];
	va_list ap;
	int n;

	spin_lock(&console_lock);
	n = snprintf(line, sizeof(line) - 1, "@zvm %s ", event);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - 1 - n, fmt, ap);
	va_end(ap);
	if (n < (int)sizeof(line) - 1)
		n += snprintf(line + n, sizeof(line) - 1 - n, " cpu=0x%x t=0x%lx", this_cpu(),
			      read_counter());	/* when, on the guests' clock (timelines) */
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	line_out(line, n);
	spin_unlock(&console_lock);
}

void console_rx_enable(void)
{
	*pl011_reg(PL011_IMSC) |= PL011_INT_RX;
	gic_spi_enable(INTID_CONSOLE);
}

void console_rx_hold(int hold)
{
	if (hold)
		*pl011_reg(PL011_IMSC) &= ~PL011_INT_RX;
	else
		*pl011_reg(PL011_IMSC) |= PL011_INT_RX;
}

/* Reading the data register lowers the receive interrupt once the FIFO is
 * below its level; clearing it by hand could lose a character that came
 * between the last read and the clear. */
int console_getc(void)
{
	if (*pl011_reg(PL011_FR) & PL011_FR_RXFE)
		return -1;
	return (int)(*pl011_reg(PL011_DR) & 0xff);
}
