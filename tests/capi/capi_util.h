/* Helpers of the C API's test program (capi_test.c, capi_random.c): checks that stop the
 * program with the rule they broke, and a group member with its keys. */
#ifndef CONCLAVE_TESTS_CAPI_UTIL_H
#define CONCLAVE_TESTS_CAPI_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conclave/conclave.h"

/* Fails the program when `status` is not CONCLAVE_OK, naming the call and the error. */
#define OK(call)                                                                          \
  do {                                                                                    \
    conclave_status ok_status_ = (call);                                                  \
    if (ok_status_ != CONCLAVE_OK) {                                                      \
      fprintf(stderr, "%s:%d: %s failed: %d %s\n", __FILE__, __LINE__, #call, ok_status_, \
              conclave_last_error_message());                                             \
      exit(1);                                                                            \
    }                                                                                     \
  } while (0)

/* Fails the program when `condition` is false; `rule` says what was checked. */
#define CHECK(condition, rule)                                                                \
  do {                                                                                        \
    if (!(condition)) {                                                                       \
      fprintf(stderr, "%s:%d: %s: check failed: %s\n", __FILE__, __LINE__, rule, #condition); \
      exit(1);                                                                                \
    }                                                                                         \
  } while (0)

/* A member of a group driven through the Group API. */
typedef struct member {
  conclave_identity* identity;
  conclave_key_package* key_package;
  conclave_group* group;
} member;

/* The randomized sequence (capi_random.c): `steps` operations on up to `max_members` members. */
void run_random_sequence(conclave_provider* provider, conclave_group_options* options,
                         unsigned seed, int steps, int max_members);
/* Whether every member in `members` (`count` of them, NULL groups skipped) has the same epoch
 * authenticator. */
int same_epoch_authenticator(member* members, int count);

#endif
