/* The C API's test program (ctest capi.scenarios): each scenario names the rule it checks. Run
 * under ASan + UBSan with LeakSanitizer in the sanitizer build: every handle and buffer is
 * freed. */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capi_util.h"

static const uint16_t kSuite = 1; /* MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 */

static member new_member(conclave_provider* provider, const char* name) {
  member m;
  memset(&m, 0, sizeof m);
  OK(conclave_identity_generate(provider, kSuite, (const uint8_t*)name, strlen(name), &m.identity));
  OK(conclave_key_package_create(provider, m.identity, 0, &m.key_package));
  return m;
}

static void free_member(member* m) {
  conclave_group_free(m->group);
  conclave_key_package_free(m->key_package);
  conclave_identity_free(m->identity);
  memset(m, 0, sizeof *m);
}

int same_epoch_authenticator(member* members, int count) {
  uint8_t* first = NULL;
  size_t first_len = 0;
  int same = 1;
  for (int i = 0; i < count; ++i) {
    if (members[i].group == NULL) continue;
    uint8_t* a = NULL;
    size_t a_len = 0;
    OK(conclave_group_epoch_authenticator(members[i].group, &a, &a_len));
    if (first == NULL) {
      first = a;
      first_len = a_len;
      continue;
    }
    if (a_len != first_len || memcmp(a, first, a_len) != 0) same = 0;
    conclave_free_bytes(a);
  }
  conclave_free_bytes(first);
  return same;
}

/* Sends `bytes` to `receiver`, which must find application data equal to `text`. */
static void expect_message(conclave_group* receiver, const uint8_t* bytes, size_t len,
                           const char* text) {
  conclave_processed* processed = NULL;
  OK(conclave_group_process(receiver, bytes, len, &processed));
  CHECK(conclave_processed_kind_of(processed) == CONCLAVE_PROCESSED_APPLICATION,
        "§6.3: a PrivateMessage of application data");
  size_t data_len = 0;
  const uint8_t* data = conclave_processed_data(processed, &data_len);
  CHECK(data_len == strlen(text) && memcmp(data, text, data_len) == 0,
        "§6.3: the receiver decrypts what the sender protected");
  conclave_processed_free(processed);
}

/* Processes a commit and merges it; returns the staged commit's removes_me(). */
static int process_commit(conclave_group* group, const conclave_commit_output* output) {
  size_t len = 0;
  const uint8_t* commit = conclave_commit_output_commit(output, &len);
  conclave_processed* processed = NULL;
  OK(conclave_group_process(group, commit, len, &processed));
  CHECK(conclave_processed_kind_of(processed) == CONCLAVE_PROCESSED_COMMIT,
        "§12.4.2: a commit comes back staged");
  const conclave_staged_commit* staged = conclave_processed_staged_commit(processed);
  CHECK(staged != NULL, "§12.4.2: a staged commit to inspect");
  int removes_me = conclave_staged_commit_removes_me(staged);
  OK(conclave_group_merge(group, staged));
  conclave_processed_free(processed);
  return removes_me;
}

static void join(conclave_provider* provider, member* m, const conclave_commit_output* output,
                 const conclave_group_options* options) {
  size_t len = 0;
  const uint8_t* welcome = conclave_commit_output_welcome(output, &len);
  CHECK(welcome != NULL, "§12.4.3: a commit that adds members has a Welcome");
  OK(conclave_group_join(provider, m->identity, m->key_package, welcome, len, NULL, 0, options,
                         &m->group));
}

/* §11, §12.4, §12.4.3.1, §6.3, §8.5, §8.7: a group of three made, changed and agreed on. */
static void three_members(conclave_provider* provider, conclave_group_options* options) {
  member alice = new_member(provider, "alice");
  member bob = new_member(provider, "bob");
  member carol = new_member(provider, "carol");
  OK(conclave_group_create(provider, alice.identity, (const uint8_t*)"book-club", 9, options,
                           &alice.group));
  CHECK(conclave_group_epoch(alice.group) == 0, "§11: a new group is at epoch 0");

  /* Alice adds Bob and Carol in one commit, merged once "the DS accepted it". */
  conclave_commit_options* add = NULL;
  OK(conclave_commit_options_new(&add));
  size_t kp_len = 0;
  const uint8_t* kp = conclave_key_package_message(bob.key_package, &kp_len);
  OK(conclave_commit_options_add(add, kp, kp_len));
  kp = conclave_key_package_message(carol.key_package, &kp_len);
  OK(conclave_commit_options_add(add, kp, kp_len));
  conclave_commit_output* output = NULL;
  OK(conclave_group_commit(alice.group, add, &output));
  conclave_commit_options_free(add);
  CHECK(conclave_group_has_pending_commit(alice.group), "§12.4: the commit is pending");
  conclave_staged_commit* pending = NULL;
  OK(conclave_group_pending_commit(alice.group, &pending));
  CHECK(conclave_staged_commit_added_count(pending) == 2, "§12.4: the pending commit adds two");
  size_t id_len = 0;
  const uint8_t* id = NULL;
  CHECK(conclave_staged_commit_added(pending, 1, &id, &id_len) == 2 && id_len == 5 &&
            memcmp(id, "carol", 5) == 0,
        "§12.3: Carol takes leaf 2");
  conclave_staged_commit_free(pending);
  OK(conclave_group_merge_pending_commit(alice.group));
  CHECK(conclave_group_epoch(alice.group) == 1, "§12.4: the merge starts epoch 1");
  join(provider, &bob, output, options);
  join(provider, &carol, output, options);
  conclave_commit_output_free(output);
  member all[3];
  all[0] = alice;
  all[1] = bob;
  all[2] = carol;
  CHECK(same_epoch_authenticator(all, 3), "§8.7: the members agree on the epoch");

  /* Messages both ways. */
  uint8_t* ct = NULL;
  size_t ct_len = 0;
  OK(conclave_group_protect(alice.group, (const uint8_t*)"hello", 5, NULL, 0, &ct, &ct_len));
  expect_message(bob.group, ct, ct_len, "hello");
  expect_message(carol.group, ct, ct_len, "hello");
  conclave_status replay = conclave_group_process(bob.group, ct, ct_len, &(conclave_processed*){0});
  CHECK(replay == CONCLAVE_ERR_GENERATION_REUSED, "§9.2: a message key is used once");
  conclave_free_bytes(ct);
  OK(conclave_group_protect(carol.group, (const uint8_t*)"hi all", 6, NULL, 0, &ct, &ct_len));
  expect_message(alice.group, ct, ct_len, "hi all");
  expect_message(bob.group, ct, ct_len, "hi all");
  conclave_free_bytes(ct);

  /* Bob updates his keys (a commit with a path); then Alice removes Carol. */
  OK(conclave_group_commit(bob.group, NULL, &output));
  OK(conclave_group_merge_pending_commit(bob.group));
  CHECK(!process_commit(alice.group, output), "§12.4: an update removes nobody");
  CHECK(!process_commit(carol.group, output), "§12.4: an update removes nobody");
  conclave_commit_output_free(output);
  all[0] = alice;
  all[1] = bob;
  all[2] = carol;
  CHECK(same_epoch_authenticator(all, 3), "§8.7: agreement after Bob's update");

  conclave_commit_options* rm = NULL;
  OK(conclave_commit_options_new(&rm));
  OK(conclave_commit_options_remove(rm, 2));
  OK(conclave_group_commit(alice.group, rm, &output));
  conclave_commit_options_free(rm);
  OK(conclave_group_merge_pending_commit(alice.group));
  CHECK(!process_commit(bob.group, output), "§12.1.3: Bob stays");
  CHECK(process_commit(carol.group, output), "§12.1.3: Carol learns she is removed");
  CHECK(!conclave_group_active(carol.group), "§12.1.3: a removed member sends nothing more");
  conclave_commit_output_free(output);
  conclave_status refused =
      conclave_group_protect(carol.group, (const uint8_t*)"x", 1, NULL, 0, &ct, &ct_len);
  CHECK(refused == CONCLAVE_ERR_NOT_A_MEMBER && ct == NULL,
        "§12.1.3: the removed member's message is refused");
  all[0] = alice;
  all[1] = bob;
  CHECK(same_epoch_authenticator(all, 2), "§8.7: agreement after Carol's removal");

  /* §8.5: both derive the same exporter secret; the members list has two entries. */
  uint8_t *ea = NULL, *eb = NULL;
  size_t ea_len = 0, eb_len = 0;
  OK(conclave_group_export_secret(alice.group, "test", (const uint8_t*)"ctx", 3, 32, &ea, &ea_len));
  OK(conclave_group_export_secret(bob.group, "test", (const uint8_t*)"ctx", 3, 32, &eb, &eb_len));
  CHECK(ea_len == 32 && eb_len == 32 && memcmp(ea, eb, 32) == 0, "§8.5: MLS-Exporter agrees");
  conclave_free_bytes(ea);
  conclave_free_bytes(eb);
  conclave_members* members = NULL;
  OK(conclave_group_members(bob.group, &members));
  CHECK(conclave_members_count(members) == 2, "§12.1.3: two members left");
  CHECK(strcmp(conclave_members_user(members, 0), "alice") == 0 &&
            conclave_members_is_self(members, 1),
        "the members in leaf order, Bob himself at leaf 1");
  conclave_members_free(members);

  /* §12.4.3.2: Carol comes back by external commit from Alice's GroupInfo. */
  uint8_t* info = NULL;
  size_t info_len = 0;
  OK(conclave_group_group_info(alice.group, 1, &info, &info_len));
  conclave_group* carol_again = NULL;
  uint8_t* commit = NULL;
  size_t commit_len = 0;
  OK(conclave_group_join_external(provider, carol.identity, info, info_len, NULL, 0, options,
                                  &carol_again, &commit, &commit_len));
  conclave_free_bytes(info);
  conclave_processed* processed = NULL;
  OK(conclave_group_process(alice.group, commit, commit_len, &processed));
  CHECK(conclave_staged_commit_external(conclave_processed_staged_commit(processed)),
        "§12.4.3.2: an external commit");
  OK(conclave_group_merge(alice.group, conclave_processed_staged_commit(processed)));
  conclave_processed_free(processed);
  OK(conclave_group_process(bob.group, commit, commit_len, &processed));
  OK(conclave_group_merge(bob.group, conclave_processed_staged_commit(processed)));
  conclave_processed_free(processed);
  conclave_free_bytes(commit);
  conclave_group_free(carol.group);
  carol.group = carol_again;
  all[0] = alice;
  all[1] = bob;
  all[2] = carol;
  CHECK(same_epoch_authenticator(all, 3) && conclave_group_epoch(carol.group) == 4,
        "§12.4.3.2: the external joiner is in epoch 4 with the others");
  free_member(&alice);
  free_member(&bob);
  free_member(&carol);
  printf("ok: three members (§11, §12.4, §12.4.3.1, §12.4.3.2, §6.3, §8.5, §8.7)\n");
}

static int refuse_mallory(void* user_data, uint16_t credential_type, const uint8_t* credential,
                          size_t credential_len, const uint8_t* signature_key,
                          size_t signature_key_len) {
  (void)signature_key;
  (void)signature_key_len;
  ++*(int*)user_data;
  return !(credential_type == 1 && credential_len == 7 && memcmp(credential, "mallory", 7) == 0);
}

/* A thread that fails a call of its own: its message must not reach the main thread's. */
static void* fail_on_another_thread(void* provider) {
  conclave_identity* identity = NULL;
  conclave_status status = conclave_identity_generate((conclave_provider*)provider, 0x7777,
                                                      (const uint8_t*)"x", 1, &identity);
  int ok = status == CONCLAVE_ERR_UNSUPPORTED_CIPHER_SUITE && identity == NULL &&
           strstr(conclave_last_error_message(), "unsupported-cipher-suite") != NULL;
  return ok ? provider : NULL;
}

/* Errors come back as the ErrorCode's number with the thread's message; no exception leaks. */
static void error_mapping(conclave_provider* provider, conclave_group_options* options) {
  CHECK(strcmp(conclave_status_name(CONCLAVE_OK), "ok") == 0, "status names");
  CHECK(strcmp(conclave_status_name(CONCLAVE_ERR_VARINT_NOT_MINIMAL), "varint-not-minimal") == 0,
        "status names are error_code_name()");
  CHECK(strncmp(conclave_version(), "0.", 2) == 0, "conclave_version()");
  member alice = new_member(provider, "alice");

  /* A NULL argument: kInvalidArgument, outputs cleared. */
  conclave_group* group = (conclave_group*)&alice;
  CHECK(conclave_group_create(NULL, alice.identity, NULL, 0, options, &group) ==
            CONCLAVE_ERR_INVALID_ARGUMENT,
        "a NULL provider is an invalid argument");
  CHECK(group == NULL, "an output is NULL after a failure");
  CHECK(strstr(conclave_last_error_message(), "invalid-argument") != NULL,
        "the message names the rule");

  /* §5.3.1: no credential validator, no group. */
  CHECK(conclave_group_create(provider, alice.identity, NULL, 0, NULL, &group) ==
            CONCLAVE_ERR_CREDENTIAL_VALIDATOR_MISSING,
        "§5.3.1: a credential validator is required");
  CHECK(conclave_last_error() == CONCLAVE_ERR_CREDENTIAL_VALIDATOR_MISSING,
        "conclave_last_error() is the status");
  pthread_t thread;
  void* result = NULL;
  CHECK(pthread_create(&thread, NULL, fail_on_another_thread, provider) == 0, "a thread");
  CHECK(pthread_join(thread, &result) == 0 && result == provider,
        "§17.1: an unknown suite is refused on the other thread");
  CHECK(conclave_last_error() == CONCLAVE_ERR_CREDENTIAL_VALIDATOR_MISSING &&
            strstr(conclave_last_error_message(), "credential-validator-missing") != NULL,
        "the last error is per thread");

  OK(conclave_group_create(provider, alice.identity, NULL, 0, options, &alice.group));
  CHECK(conclave_last_error() == CONCLAVE_OK && conclave_last_error_message()[0] == 0,
        "a success clears the last error");
  uint8_t* gid = NULL;
  size_t gid_len = 0;
  OK(conclave_group_id(alice.group, &gid, &gid_len));
  CHECK(gid_len == 32, "§11: an empty group id becomes KDF.Nh random bytes");
  conclave_free_bytes(gid);

  /* Decoding: truncated input and garbage. */
  conclave_processed* processed = NULL;
  const uint8_t garbage[] = {0x00, 0x01, 0x00, 0x00};
  CHECK(conclave_group_process(alice.group, garbage, 2, &processed) == CONCLAVE_ERR_TRUNCATED,
        "§2.1: a read past the end is kTruncated");
  CHECK(processed == NULL, "no result for a refused message");
  CHECK(conclave_group_process(alice.group, garbage, 4, &processed) ==
            CONCLAVE_ERR_INVALID_ENUM_VALUE,
        "§6: wire format 0 is not defined");
  CHECK(conclave_group_merge_pending_commit(alice.group) == CONCLAVE_ERR_NO_PENDING_COMMIT,
        "merge without a pending commit");

  /* §5.3.1: the application's validator refuses Mallory's KeyPackage. */
  int calls = 0;
  conclave_group_options* strict = NULL;
  OK(conclave_group_options_new(&strict));
  conclave_group_options_set_credential_validator(strict, refuse_mallory, &calls);
  conclave_group* strict_group = NULL;
  OK(conclave_group_create(provider, alice.identity, NULL, 0, strict, &strict_group));
  member mallory = new_member(provider, "mallory");
  size_t kp_len = 0;
  const uint8_t* kp = conclave_key_package_message(mallory.key_package, &kp_len);
  conclave_commit_options* add = NULL;
  OK(conclave_commit_options_new(&add));
  OK(conclave_commit_options_add(add, kp, kp_len));
  conclave_commit_output* output = NULL;
  CHECK(conclave_group_commit(strict_group, add, &output) == CONCLAVE_ERR_CREDENTIAL_REJECTED,
        "§5.3.1: a credential the validator refuses");
  CHECK(calls > 0 && output == NULL, "the validator was asked");
  CHECK(conclave_group_epoch(strict_group) == 0 && !conclave_group_has_pending_commit(strict_group),
        "a refused commit changes nothing");
  conclave_commit_options_free(add);
  conclave_group_free(strict_group);
  conclave_group_options_free(strict);
  free_member(&mallory);

  /* A KeyPackage whose private keys do not match. */
  conclave_key_package* wrong = NULL;
  const uint8_t key[32] = {1};
  kp = conclave_key_package_message(alice.key_package, &kp_len);
  CHECK(conclave_key_package_from_parts(provider, kp, kp_len, key, 32, key, 32, &wrong) ==
            CONCLAVE_ERR_INVALID_PRIVATE_KEY,
        "a bundle's private keys must match its public keys");
  CHECK(wrong == NULL, "no bundle");
  free_member(&alice);
  printf("ok: error mapping (codes, messages, §2.1, §5.3.1, §6)\n");
}

/* DESIGN.md, Storage: a group attached to a SQLite store comes back after its handle is gone,
 * and the identity and KeyPackages with it. */
static void persistence(conclave_provider* provider, conclave_group_options* options) {
  char dir[] = "/tmp/conclave-capi-XXXXXX";
  CHECK(mkdtemp(dir) != NULL, "a temporary folder");
  char path[64];
  snprintf(path, sizeof path, "%s/alice.sqlite", dir);
  const uint8_t key[32] = {7, 7, 7};
  member alice = new_member(provider, "alice");
  member bob = new_member(provider, "bob");
  conclave_store* store = NULL;
  OK(conclave_store_open_sqlite(path, provider, key, sizeof key, &store));
  OK(conclave_identity_save(alice.identity, store, "alice"));
  OK(conclave_group_create(provider, alice.identity, (const uint8_t*)"g", 1, options,
                           &alice.group));
  OK(conclave_group_attach_storage(alice.group, store));

  /* Bob's KeyPackage is kept in a KeyPackageStore of his own; the join consumes it. */
  conclave_store* bob_store = NULL;
  OK(conclave_store_new_memory(&bob_store));
  conclave_key_package_store* bob_kps = NULL;
  OK(conclave_key_package_store_open(provider, bob_store, &bob_kps));
  OK(conclave_key_package_store_add(bob_kps, bob.key_package));
  CHECK(conclave_key_package_store_count(bob_kps) == 1, "a bundle in the store");

  conclave_commit_options* add = NULL;
  OK(conclave_commit_options_new(&add));
  size_t kp_len = 0;
  const uint8_t* kp = conclave_key_package_message(bob.key_package, &kp_len);
  OK(conclave_commit_options_add(add, kp, kp_len));
  conclave_commit_output* output = NULL;
  OK(conclave_group_commit(alice.group, add, &output));
  conclave_commit_options_free(add);
  OK(conclave_group_merge_pending_commit(alice.group));
  size_t welcome_len = 0;
  const uint8_t* welcome = conclave_commit_output_welcome(output, &welcome_len);
  OK(conclave_group_join_from_store(provider, bob.identity, bob_kps, welcome, welcome_len, NULL, 0,
                                    options, &bob.group));
  CHECK(conclave_key_package_store_count(bob_kps) == 0,
        "§10: a one-time KeyPackage is deleted once used");
  conclave_commit_output_free(output);

  /* "Restart": everything of Alice's is freed, then read back from the file. */
  conclave_group_free(alice.group);
  alice.group = NULL;
  conclave_store_free(store);
  conclave_identity_free(alice.identity);
  alice.identity = NULL;
  store = NULL;
  CHECK(conclave_store_open_sqlite(path, provider, NULL, 0, &store) ==
            CONCLAVE_ERR_STORAGE_KEY_INVALID,
        "an encrypted store opens only with its key");
  OK(conclave_store_open_sqlite(path, provider, key, sizeof key, &store));
  OK(conclave_identity_load(store, "alice", &alice.identity));
  CHECK(alice.identity != NULL, "the identity comes back");
  conclave_bytes_list* groups = NULL;
  OK(conclave_store_groups(store, &groups));
  size_t gid_len = 0;
  const uint8_t* gid = conclave_bytes_list_get(groups, 0, &gid_len);
  CHECK(conclave_bytes_list_count(groups) == 1 && gid_len == 1 && gid[0] == 'g',
        "the store lists the group");
  OK(conclave_group_load(provider, store, gid, gid_len, options, &alice.group));
  conclave_bytes_list_free(groups);
  CHECK(conclave_group_epoch(alice.group) == 1, "the group comes back in its epoch");
  uint8_t* ct = NULL;
  size_t ct_len = 0;
  OK(conclave_group_protect(alice.group, (const uint8_t*)"after restart", 13, NULL, 0, &ct,
                            &ct_len));
  expect_message(bob.group, ct, ct_len, "after restart");
  conclave_free_bytes(ct);

  /* Serialized state round trip (Group::serialize / deserialize). */
  uint8_t* state = NULL;
  size_t state_len = 0;
  OK(conclave_group_serialize(bob.group, &state, &state_len));
  conclave_group* copy = NULL;
  OK(conclave_group_deserialize(provider, state, state_len, options, &copy));
  conclave_free_bytes(state);
  member pair[2];
  pair[0] = bob;
  pair[1].group = copy;
  CHECK(same_epoch_authenticator(pair, 2), "the deserialized state is the same epoch");
  conclave_group_free(copy);
  OK(conclave_store_erase_group(store, (const uint8_t*)"g", 1));
  OK(conclave_store_groups(store, &groups));
  CHECK(conclave_bytes_list_count(groups) == 0, "the group is erased from the store");
  conclave_bytes_list_free(groups);

  conclave_key_package_store_free(bob_kps);
  conclave_store_free(bob_store);
  conclave_store_free(store);
  free_member(&alice);
  free_member(&bob);
  unlink(path);
  char wal[80];
  snprintf(wal, sizeof wal, "%s-wal", path);
  unlink(wal);
  snprintf(wal, sizeof wal, "%s-shm", path);
  unlink(wal);
  rmdir(dir);
  printf("ok: persistence (SQLite store, KeyPackageStore, serialize)\n");
}

static conclave_client* open_client(conclave_provider* provider, conclave_delivery_service* ds,
                                    conclave_group_options* options, const char* user) {
  conclave_client_options* client_options = NULL;
  OK(conclave_client_options_new(&client_options));
  OK(conclave_client_options_set_user(client_options, user));
  conclave_client_options_set_group_options(client_options, options);
  conclave_client_options_set_key_package_stock(client_options, 2);
  conclave_store* store = NULL;
  OK(conclave_store_new_memory(&store));
  conclave_transport* transport = NULL;
  OK(conclave_delivery_service_connect(ds, &transport));
  conclave_client* client = NULL;
  OK(conclave_client_open(provider, store, transport, client_options, &client));
  /* The client holds the store and transport: the handles go at once. */
  conclave_store_free(store);
  conclave_transport_free(transport);
  conclave_client_options_free(client_options);
  OK(conclave_client_register(client));
  return client;
}

/* Counts the client's waiting events of `kind`; for messages, checks the text. */
static int drain_events(conclave_client* client, conclave_event_kind kind, const char* text) {
  int count = 0;
  for (;;) {
    conclave_event* event = NULL;
    OK(conclave_client_next_event(client, &event));
    if (event == NULL) return count;
    if (conclave_event_kind_of(event) == kind) {
      ++count;
      if (text != NULL) {
        size_t len = 0;
        const uint8_t* data = conclave_event_data(event, &len);
        CHECK(len == strlen(text) && memcmp(data, text, len) == 0, "the message's text");
      }
    }
    conclave_event_free(event);
  }
}

static int clients_agree(conclave_client** clients, int count, const uint8_t* gid, size_t len) {
  uint8_t* first = NULL;
  size_t first_len = 0;
  OK(conclave_client_epoch_authenticator(clients[0], gid, len, &first, &first_len));
  int same = 1;
  for (int i = 1; i < count; ++i) {
    uint8_t* a = NULL;
    size_t a_len = 0;
    OK(conclave_client_epoch_authenticator(clients[i], gid, len, &a, &a_len));
    same = same && a_len == first_len && memcmp(a, first, a_len) == 0;
    conclave_free_bytes(a);
  }
  conclave_free_bytes(first);
  return same;
}

/* A commit filter that records what it saw and accepts (or, with `veto`, refuses) it. */
typedef struct filter_log {
  int calls;
  int veto;
  char removed[16];
} filter_log;

static int record_commit(void* user_data, const uint8_t* group_id, size_t group_id_len,
                         const conclave_staged_commit* staged) {
  filter_log* log = (filter_log*)user_data;
  ++log->calls;
  CHECK(group_id_len == 4 && memcmp(group_id, "club", 4) == 0, "the filter is told the group");
  if (conclave_staged_commit_removed_count(staged) == 1) {
    const uint8_t* identity = NULL;
    size_t len = 0;
    conclave_staged_commit_removed(staged, 0, &identity, &len);
    if (len < sizeof log->removed) memcpy(log->removed, identity, len);
  }
  return !log->veto;
}

/* The Client API (RFC 9750 §5): three devices on an in-process Delivery Service: invite, send,
 * sync, update, remove, with events. */
static void clients(conclave_provider* provider, conclave_group_options* options) {
  conclave_delivery_service* ds = NULL;
  OK(conclave_delivery_service_new(&ds));
  conclave_client* c[3];
  c[0] = open_client(provider, ds, options, "alice");
  c[1] = open_client(provider, ds, options, "bob");
  c[2] = open_client(provider, ds, options, "carol");
  CHECK(strcmp(conclave_client_user(c[1]), "bob") == 0 &&
            strcmp(conclave_client_device(c[1]), "main") == 0,
        "the device's names");
  uint8_t* gid = NULL;
  size_t gid_len = 0;
  OK(conclave_client_create_group(c[0], (const uint8_t*)"club", 4, &gid, &gid_len));
  const char* invited[] = {"bob", "carol"};
  size_t added = 0, skipped = 0;
  OK(conclave_client_invite(c[0], gid, gid_len, invited, 2, &added, &skipped));
  CHECK(added == 2 && skipped == 0, "both devices added");
  const char* nobody[] = {"nobody"};
  CHECK(conclave_client_invite(c[0], gid, gid_len, nobody, 1, NULL, NULL) ==
            CONCLAVE_ERR_UNKNOWN_USER,
        "RFC 9750 §6: an unknown user cannot be invited");
  OK(conclave_client_sync(c[1], NULL, NULL, NULL));
  OK(conclave_client_sync(c[2], NULL, NULL, NULL));
  CHECK(drain_events(c[1], CONCLAVE_EVENT_GROUP_JOINED, NULL) == 1, "Bob joined by Welcome");
  CHECK(conclave_client_has_group(c[2], gid, gid_len), "Carol holds the group");
  CHECK(clients_agree(c, 3, gid, gid_len), "§8.7: the clients agree");

  OK(conclave_client_send(c[0], gid, gid_len, (const uint8_t*)"hello", 5));
  size_t messages = 0;
  OK(conclave_client_sync(c[1], NULL, &messages, NULL));
  CHECK(messages == 1, "one message synced");
  CHECK(drain_events(c[1], CONCLAVE_EVENT_MESSAGE_RECEIVED, "hello") == 1, "Bob reads hello");
  OK(conclave_client_update(c[1], gid, gid_len));
  OK(conclave_client_sync(c[0], NULL, NULL, NULL));
  OK(conclave_client_sync(c[2], NULL, NULL, NULL));
  CHECK(clients_agree(c, 3, gid, gid_len), "§8.7: agreement after Bob's update");

  /* Client::set_commit_filter: Bob inspects each commit before it is merged. */
  filter_log bob_log;
  memset(&bob_log, 0, sizeof bob_log);
  conclave_client_set_commit_filter(c[1], record_commit, &bob_log);
  const char* carol[] = {"carol"};
  OK(conclave_client_remove(c[0], gid, gid_len, carol, 1));
  OK(conclave_client_sync(c[1], NULL, NULL, NULL));
  OK(conclave_client_sync(c[2], NULL, NULL, NULL));
  CHECK(drain_events(c[2], CONCLAVE_EVENT_REMOVED_FROM_GROUP, NULL) == 1, "Carol is told");
  CHECK(!conclave_client_has_group(c[2], gid, gid_len), "Carol no longer holds the group");
  CHECK(bob_log.calls == 1 && strcmp(bob_log.removed, "carol") == 0,
        "§12.4.2: the commit filter inspects the staged commit");
  CHECK(clients_agree(c, 2, gid, gid_len), "§8.7: Alice and Bob agree");
  uint64_t epoch = 0, ds_epoch = 0;
  OK(conclave_client_epoch(c[1], gid, gid_len, &epoch));
  OK(conclave_delivery_service_epoch(ds, gid, gid_len, &ds_epoch));
  CHECK(epoch == 3 && ds_epoch == 3, "three commits: epoch 3 at the members and the DS");

  conclave_members* members = NULL;
  OK(conclave_client_members(c[0], gid, gid_len, &members));
  CHECK(conclave_members_count(members) == 2 &&
            strcmp(conclave_members_user(members, 1), "bob") == 0 &&
            strcmp(conclave_members_device(members, 1), "main") == 0,
        "the client's members name users and devices");
  conclave_members_free(members);
  conclave_group* copy = NULL;
  OK(conclave_client_group(c[0], gid, gid_len, &copy));
  CHECK(conclave_group_epoch(copy) == 3, "a detached copy of the group");
  conclave_group_free(copy);
  conclave_bytes_list* groups = NULL;
  OK(conclave_client_groups(c[0], &groups));
  CHECK(conclave_bytes_list_count(groups) == 1, "Alice holds one group");
  conclave_bytes_list_free(groups);

  /* A refused commit: Bob stays at his epoch and is told (EventKind::kCommitVetoed). */
  drain_events(c[1], CONCLAVE_EVENT_COMMIT_VETOED, NULL);
  bob_log.veto = 1;
  OK(conclave_client_update(c[0], gid, gid_len));
  OK(conclave_client_sync(c[1], NULL, NULL, NULL));
  CHECK(drain_events(c[1], CONCLAVE_EVENT_COMMIT_VETOED, NULL) == 1, "the veto is an event");
  OK(conclave_client_epoch(c[1], gid, gid_len, &epoch));
  CHECK(epoch == 3 && bob_log.calls == 2, "a vetoed commit is not merged");
  conclave_client_set_commit_filter(c[1], NULL, NULL);
  conclave_free_bytes(gid);
  for (int i = 0; i < 3; ++i)
    conclave_client_free(c[i]);
  conclave_delivery_service_free(ds);
  printf("ok: clients (RFC 9750 §5: invite, send, sync, update, remove, events, commit filter)\n");
}

int main(void) {
  conclave_provider* provider = NULL;
  OK(conclave_provider_new(&provider));
  CHECK(conclave_provider_supports(provider, 1) && !conclave_provider_supports(provider, 0x7777),
        "§17.1: the provider's suites");
  conclave_group_options* options = NULL;
  OK(conclave_group_options_new(&options));
  conclave_group_options_accept_any_credential(options); /* a test: every credential accepted */
  conclave_group_options_set_worker_threads(options, 0);
  three_members(provider, options);
  error_mapping(provider, options);
  persistence(provider, options);
  clients(provider, options);
  const char* seed_text = getenv("CONCLAVE_CAPI_SEED");
  unsigned seed = seed_text != NULL ? (unsigned)strtoul(seed_text, NULL, 10) : 19u;
  run_random_sequence(provider, options, seed, 60, 6);
  conclave_group_options_free(options);
  conclave_provider_free(provider);
  return 0;
}
