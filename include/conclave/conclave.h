/**
 * @file
 * The C API of Conclave (this header and the three it includes): a stable ABI over the Client and
 * Group APIs, for every language that can call C (Python, Swift, Kotlin, Go, Rust...). Pure C99;
 * link with libconclave.so
 * (`pkg-config --cflags --libs conclave`). docs/c-api.md maps each function to its C++ call.
 *
 * Conventions:
 *  - Every object is an opaque handle made by a `conclave_*_new`, `_open`, `_create`... function
 *    and released by the matching `conclave_*_free` (NULL is accepted and ignored). Handles given
 *    as arguments are borrowed: the library keeps what it needs, so a handle may be freed as soon
 *    as the call that took it returns.
 *  - Functions that can fail return a conclave_status: CONCLAVE_OK (0) or the number of the
 *    conclave::ErrorCode that names the broken rule (the CONCLAVE_ERR_* values).
 *    conclave_last_error_message() then says what happened, on the calling thread.
 *    No C++ exception ever leaves the library.
 *  - Results come back through out-parameters, which are left NULL or 0 on failure. Bytes and
 *    strings the library allocates are freed with conclave_free_bytes() and
 *    conclave_free_string(), which wipe them first (secrets among them: exporter outputs, the
 *    serialized state). Pointers returned by an accessor of a handle (`const uint8_t*` with a
 *    length) are owned by that handle and valid until it is freed.
 *  - Byte inputs are a pointer and a length; the pointer may be NULL when the length is 0.
 *
 * Threads: the provider, the stores, identities, KeyPackages and the read-only result handles
 * (commit outputs, processed messages, staged commits, members, events, byte lists) may be used
 * from any thread, concurrently for reading. A group, a client, and the option objects are used
 * by one thread at a time (the caller synchronizes), except conclave_client_wait() and
 * conclave_client_interrupt(), which may run on another thread while the client is in use. The
 * last error is kept per thread.
 */
#ifndef CONCLAVE_CONCLAVE_H
#define CONCLAVE_CONCLAVE_H

/* The three parts; an application includes this header. */
#include "conclave/conclave_base.h"   /* IWYU pragma: export */
#include "conclave/conclave_client.h" /* IWYU pragma: export */
#include "conclave/conclave_group.h"  /* IWYU pragma: export */

#endif /* CONCLAVE_CONCLAVE_H */
