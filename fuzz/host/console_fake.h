#ifndef FUZZ_CONSOLE_FAKE_H
#define FUZZ_CONSOLE_FAKE_H

/* What the unit under test traced since the target last cleared it. */
struct traced {
	char last[4096];	/* "event fields" of the last @zvm line */
	unsigned long count;
};

extern struct traced traced;

#endif
