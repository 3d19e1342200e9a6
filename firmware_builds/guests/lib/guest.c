#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "guest.h"
#include "memory_map.h"

#define UART_DR	((volatile uint32_t *)VUART_IPA)

uintptr_t __stack_chk_guard = 0x5a766d2d67756573UL;

__attribute__((noreturn)) void __stack_chk_fail(void)
{
	guest_exit(0xdead);
}


uint64_t guest_hvc(uint64_t fn, uint64_t a, uint64_t b)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = a;
	register uint64_t x2 __asm__("x2") = b;

	__asm__ volatile("hvc #0" : "+r"(x0) : "r"(x1), "r"(x2) : "memory");
	return x0;
}

void guest_exit(uint64_t code)
{
	guest_hvc(ZVM_HVC_EXIT, code, 0);
	for (;;)
		;
}

void guest_printf(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 1)
		n = sizeof(line) - 1;
	for (int i = 0; i < n; i++)
		*UART_DR = (uint8_t)line[i];
}

uint64_t guest_param(const void *dtb, const char *name, uint64_t fallback)
{
	char prop[64];
	int chosen = fdt_path_offset(dtb, "/chosen"), len;

	snprintf(prop, sizeof(prop), "zvm,%s", name);
	const fdt32_t *p = chosen < 0 ? NULL : fdt_getprop(dtb, chosen, prop, &len);

	if (!p || len != 8)
		return fallback;
	return ((uint64_t)fdt32_to_cpu(p[0]) << 32) | fdt32_to_cpu(p[1]);
}

const uint32_t *guest_param_cells(const void *dtb, const char *name, int *count)
{
	char prop[64];
	int chosen = fdt_path_offset(dtb, "/chosen"), len = 0;

	snprintf(prop, sizeof(prop), "zvm,%s", name);
	const uint32_t *p = chosen < 0 ? NULL : fdt_getprop(dtb, chosen, prop, &len);

	*count = p ? len / 4 : 0;
	return p;
}

int guest_memory(const void *dtb, uint64_t *base, uint64_t *size)
{
	int node = fdt_node_offset_by_prop_value(dtb, -1, "device_type", "memory", 7), len;
	const fdt32_t *reg = node < 0 ? NULL : fdt_getprop(dtb, node, "reg", &len);

	if (!reg || len != 16)
		return -1;
	*base = ((uint64_t)fdt32_to_cpu(reg[0]) << 32) | fdt32_to_cpu(reg[1]);
	*size = ((uint64_t)fdt32_to_cpu(reg[2]) << 32) | fdt32_to_cpu(reg[3]);
	return 0;
}

uint32_t crc32_update(uint32_t crc, const void *data, unsigned long len)
{
	const uint8_t *p = data;

	crc = ~crc;
	for (unsigned long i = 0; i < len; i++) {
		crc ^= p[i];
		for (int bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
	}
	return ~crc;
}

uint32_t xorshift32(uint32_t state)
{
	state ^= state << 13;
	state ^= state >> 17;
	state ^= state << 5;
	return state;
}
