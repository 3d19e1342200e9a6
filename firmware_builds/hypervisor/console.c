#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "console.h"
#include "memory_map.h"

#define PL011_DR	0x00
#define PL011_FR	0x18
#define PL011_FR_TXFF	(1u << 5)

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

void console_write(const char *s, unsigned long len)
{
	for (unsigned long i = 0; i < len; i++)
		console_putc(s[i]);
}

/* Formats the whole event into one buffer before writing it, so that an event
 * is never interleaved with other output. Too long an event is cut, never split. */
void zvm_trace(const char *event, const char *fmt, ...)
{
	static char line[4096];	/* static: memlist lines are long; EL2 runs one at a time */
	int n = snprintf(line, sizeof(line) - 1, "@zvm %s ", event);
	va_list ap;

	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - 1 - n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	console_write(line, n);
}
