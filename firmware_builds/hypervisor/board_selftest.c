#include <stdint.h>
#include <string.h>

#include <libfdt.h>

#include "console.h"
#include "selftest.h"

static uint64_t fdt_cells(const fdt32_t *cells, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = (v << 32) | fdt32_to_cpu(cells[i]);
	return v;
}

/* Sums the sizes of all memory nodes and counts the CPU nodes. */
void board_selftest(const void *dtb)
{
	uint64_t mem = 0;
	unsigned int cpus = 0;
	int node, len;

	if (fdt_check_header(dtb) != 0) {
		zvm_trace("board", "dtb=0x0");
		return;
	}
	int ac = fdt_address_cells(dtb, 0), sc = fdt_size_cells(dtb, 0);

	fdt_for_each_subnode(node, dtb, 0) {
		const char *type = fdt_getprop(dtb, node, "device_type", NULL);
		const fdt32_t *reg = fdt_getprop(dtb, node, "reg", &len);

		if (!type || strcmp(type, "memory") != 0 || !reg)
			continue;
		for (int i = 0; (i + ac + sc) * 4 <= len; i += ac + sc)
			mem += fdt_cells(reg + i + ac, sc);
	}
	int cpus_node = fdt_path_offset(dtb, "/cpus");

	fdt_for_each_subnode(node, dtb, cpus_node) {
		const char *type = fdt_getprop(dtb, node, "device_type", NULL);

		if (type && strcmp(type, "cpu") == 0)
			cpus++;
	}
	zvm_trace("board", "dtb=0x%lx mem=0x%lx cpus=0x%x", (unsigned long)dtb, mem, cpus);
}
