#ifndef ZVM_VERSION_H
#define ZVM_VERSION_H

/* 0x00MMmmpp: major, minor, patch. */
#define ZVM_VERSION	0x000100

/* Set by the harness's build from the content hash of the sources and flags,
 * in a generated object of its own so that it costs no recompilation. */
extern const unsigned long zvm_build_id;

#endif
