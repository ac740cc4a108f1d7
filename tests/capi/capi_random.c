/* The C API's randomized sequence (ctest capi.scenarios): members join, send, update, propose
 * and get removed in an order drawn from a seed (CONCLAVE_CAPI_SEED, default 19), every member
 * processing every message; after each step the members must agree on the epoch authenticator
 * (§8.7) and every message must reach every other member (§6.3). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capi_util.h"

/* A small deterministic generator (xorshift32), the same sequence everywhere. */
static unsigned next_random(unsigned* state) {
  unsigned x = *state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return x;
}

/* A random member that holds a group, or -1. */
static int pick(member* members, int max, unsigned* state, int except) {
  int candidates[64];
  int n = 0;
  for (int i = 0; i < max; ++i)
    if (members[i].group != NULL && i != except) candidates[n++] = i;
  return n == 0 ? -1 : candidates[next_random(state) % (unsigned)n];
}

static int member_count(member* members, int max) {
  int n = 0;
  for (int i = 0; i < max; ++i)
    n += members[i].group != NULL;
  return n;
}

/* Every member but `sender` processes `message`; a commit is merged. Returns the index of a
 * member the commit removed, or -1. */
static int deliver(member* members, int max, int sender, const uint8_t* message, size_t len,
                   conclave_processed_kind expected) {
  int removed = -1;
  for (int i = 0; i < max; ++i) {
    if (i == sender || members[i].group == NULL) continue;
    conclave_processed* processed = NULL;
    OK(conclave_group_process(members[i].group, message, len, &processed));
    CHECK(conclave_processed_kind_of(processed) == expected, "the message's content type");
    if (expected == CONCLAVE_PROCESSED_COMMIT) {
      const conclave_staged_commit* staged = conclave_processed_staged_commit(processed);
      if (conclave_staged_commit_removes_me(staged)) removed = i;
      OK(conclave_group_merge(members[i].group, staged));
    }
    conclave_processed_free(processed);
  }
  return removed;
}

static void new_key_package(conclave_provider* provider, member* m, int index) {
  char name[32];
  snprintf(name, sizeof name, "member-%d", index);
  if (m->identity == NULL)
    OK(conclave_identity_generate(provider, 1, (const uint8_t*)name, strlen(name), &m->identity));
  conclave_key_package_free(m->key_package);
  OK(conclave_key_package_create(provider, m->identity, 0, &m->key_package));
}

/* Commits `options` at `committer`, merges it, delivers it and adds a joiner if any. */
static void commit_and_deliver(conclave_provider* provider, member* members, int max, int committer,
                               conclave_commit_options* options, int joiner,
                               conclave_group_options* group_options) {
  conclave_commit_output* output = NULL;
  OK(conclave_group_commit(members[committer].group, options, &output));
  OK(conclave_group_merge_pending_commit(members[committer].group));
  size_t len = 0;
  const uint8_t* commit = conclave_commit_output_commit(output, &len);
  int removed = deliver(members, max, committer, commit, len, CONCLAVE_PROCESSED_COMMIT);
  if (removed >= 0) {
    CHECK(!conclave_group_active(members[removed].group), "§12.1.3: the removed member knows");
    conclave_group_free(members[removed].group);
    members[removed].group = NULL;
  }
  if (joiner >= 0) {
    const uint8_t* welcome = conclave_commit_output_welcome(output, &len);
    CHECK(welcome != NULL, "§12.4.3: a Welcome for the joiner");
    OK(conclave_group_join(provider, members[joiner].identity, members[joiner].key_package, welcome,
                           len, NULL, 0, group_options, &members[joiner].group));
  }
  conclave_commit_output_free(output);
}

void run_random_sequence(conclave_provider* provider, conclave_group_options* options,
                         unsigned seed, int steps, int max_members) {
  member members[64];
  CHECK(max_members >= 2 && max_members <= 64, "a sensible group size");
  memset(members, 0, sizeof members);
  unsigned state = seed == 0 ? 1 : seed;
  new_key_package(provider, &members[0], 0);
  OK(conclave_group_create(provider, members[0].identity, NULL, 0, options, &members[0].group));
  int counts[5] = {0, 0, 0, 0, 0};
  for (int step = 0; step < steps; ++step) {
    const int op = (int)(next_random(&state) % 5);
    const int actor = pick(members, max_members, &state, -1);
    CHECK(actor >= 0, "someone is left in the group");
    const int n = member_count(members, max_members);
    if (op == 0 || (op == 2 && n <= 2) || (op == 1 && n >= max_members) || (op == 4 && n < 2)) {
      /* An application message from `actor` to everyone else. */
      char text[48];
      snprintf(text, sizeof text, "step %d from %d", step, actor);
      uint8_t* ct = NULL;
      size_t ct_len = 0;
      OK(conclave_group_protect(members[actor].group, (const uint8_t*)text, strlen(text), NULL, 0,
                                &ct, &ct_len));
      deliver(members, max_members, actor, ct, ct_len, CONCLAVE_PROCESSED_APPLICATION);
      conclave_free_bytes(ct);
      ++counts[0];
    } else if (op == 1) {
      /* `actor` adds a member in a free slot (a new one, or one removed earlier, who returns
       * with a fresh KeyPackage). */
      int slot = -1;
      for (int i = 0; i < max_members && slot < 0; ++i)
        if (members[i].group == NULL) slot = i;
      new_key_package(provider, &members[slot], slot);
      conclave_commit_options* add = NULL;
      OK(conclave_commit_options_new(&add));
      size_t kp_len = 0;
      const uint8_t* kp = conclave_key_package_message(members[slot].key_package, &kp_len);
      OK(conclave_commit_options_add(add, kp, kp_len));
      commit_and_deliver(provider, members, max_members, actor, add, slot, options);
      conclave_commit_options_free(add);
      ++counts[1];
    } else if (op == 2) {
      /* `actor` removes another member. */
      const int target = pick(members, max_members, &state, actor);
      conclave_commit_options* rm = NULL;
      OK(conclave_commit_options_new(&rm));
      OK(conclave_commit_options_remove(rm, conclave_group_own_leaf(members[target].group)));
      commit_and_deliver(provider, members, max_members, actor, rm, -1, options);
      conclave_commit_options_free(rm);
      CHECK(members[target].group == NULL, "§12.1.3: the target was removed");
      ++counts[2];
    } else if (op == 3) {
      /* `actor` commits new keys (an empty commit with a path). */
      commit_and_deliver(provider, members, max_members, actor, NULL, -1, options);
      ++counts[3];
    } else {
      /* `actor` proposes an Update; another member commits it by reference. */
      uint8_t* proposal = NULL;
      size_t proposal_len = 0;
      OK(conclave_group_propose_update(members[actor].group, &proposal, &proposal_len));
      deliver(members, max_members, actor, proposal, proposal_len, CONCLAVE_PROCESSED_PROPOSAL);
      conclave_free_bytes(proposal);
      const int committer = pick(members, max_members, &state, actor);
      CHECK(conclave_group_pending_proposal_count(members[committer].group) == 1,
            "§12.1: the proposal is kept for the commit");
      commit_and_deliver(provider, members, max_members, committer, NULL, -1, options);
      ++counts[4];
    }
    if (!same_epoch_authenticator(members, max_members)) {
      fprintf(stderr, "seed %u, step %d (operation %d): the members disagree\n", seed, step, op);
      exit(1);
    }
  }
  for (int i = 0; i < max_members; ++i) {
    conclave_group_free(members[i].group);
    conclave_key_package_free(members[i].key_package);
    conclave_identity_free(members[i].identity);
  }
  printf(
      "ok: randomized sequence, seed %u: %d messages, %d adds, %d removes, %d updates, "
      "%d proposal commits (§6.3, §8.7, §12)\n",
      seed, counts[0], counts[1], counts[2], counts[3], counts[4]);
}
