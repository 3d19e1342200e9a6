/* fuzz/host/record.h: lines appended to $ZVM_FUZZ_RECORD, if set. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "record.h"

static FILE *out;
static int opened;

static FILE *record_file(void)
{
	if (!opened) {
		const char *path = getenv("ZVM_FUZZ_RECORD");

		opened = 1;
		out = path ? fopen(path, "a") : NULL;
	}
	return out;
}

void record_input(const uint8_t *data, size_t size)
{
	uint64_t hash = 0xcbf29ce484222325ull;

	if (!record_file())
		return;
	for (size_t i = 0; i < size; i++)
		hash = (hash ^ data[i]) * 0x100000001b3ull;
	record("input %zx %llx", size, (unsigned long long)hash);
}

void record(const char *fmt, ...)
{
	FILE *f = record_file();
	va_list ap;

	if (!f)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
}
