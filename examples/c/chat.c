/* The C API in one page (include/conclave/conclave.h, docs/c-api.md): three devices on one
 * in-process Delivery Service (an application talks to conclave-ds with
 * conclave_transport_new_grpc instead), each on its own store. Alice creates a group and
 * invites Bob and Carol, messages go both ways, Alice removes Carol, and every event is
 * printed. Exits non-zero on any error or if the members disagree.
 *
 *   cc chat.c $(pkg-config --cflags --libs conclave) -o chat */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conclave/conclave.h"

/* Stops the program on an error, with the library's message. */
static void check(conclave_status status, const char* what) {
  if (status == CONCLAVE_OK) return;
  fprintf(stderr, "%s: %s (%s)\n", what, conclave_last_error_message(),
          conclave_status_name(status));
  exit(1);
}

static conclave_client* open_device(conclave_provider* provider, conclave_delivery_service* ds,
                                    const conclave_group_options* policy, const char* user) {
  conclave_client_options* options = NULL;
  check(conclave_client_options_new(&options), "options");
  check(conclave_client_options_set_user(options, user), "user");
  conclave_client_options_set_group_options(options, policy);
  conclave_store* store = NULL;
  check(conclave_store_new_memory(&store), "store"); /* conclave_store_open_sqlite to keep it */
  conclave_transport* transport = NULL;
  check(conclave_delivery_service_connect(ds, &transport), "transport");
  conclave_client* client = NULL;
  check(conclave_client_open(provider, store, transport, options, &client), "open");
  conclave_transport_free(transport); /* the client holds its own references */
  conclave_store_free(store);
  conclave_client_options_free(options);
  check(conclave_client_register(client), "register");
  return client;
}

/* Syncs the client and prints what happened. */
static void sync_and_print(conclave_client* client) {
  check(conclave_client_sync(client, NULL, NULL, NULL), "sync");
  static const char* const kinds[] = {"?",
                                      "message",
                                      "member added",
                                      "member removed",
                                      "joined",
                                      "removed from the group",
                                      "epoch changed",
                                      "message rejected",
                                      "commit vetoed"};
  conclave_event* event = NULL;
  for (check(conclave_client_next_event(client, &event), "event"); event != NULL;
       check(conclave_client_next_event(client, &event), "event")) {
    conclave_event_kind kind = conclave_event_kind_of(event);
    printf("  [%s] %s, epoch %llu", conclave_client_user(client), kinds[kind],
           (unsigned long long)conclave_event_epoch(event));
    if (conclave_event_member_user(event)[0] != 0)
      printf(", %s/%s", conclave_event_member_user(event), conclave_event_member_device(event));
    size_t len = 0;
    const uint8_t* data = conclave_event_data(event, &len);
    if (data != NULL) printf(": %.*s", (int)len, (const char*)data);
    printf("\n");
    conclave_event_free(event);
  }
}

static void send_text(conclave_client* client, const uint8_t* group, size_t group_len,
                      const char* text) {
  check(conclave_client_send(client, group, group_len, (const uint8_t*)text, strlen(text)), "send");
}

int main(void) {
  conclave_provider* provider = NULL;
  check(conclave_provider_new(&provider), "provider");
  conclave_group_options* policy = NULL;
  check(conclave_group_options_new(&policy), "group options");
  /* A demo: every credential is accepted. A messenger checks each one with its Authentication
   * Service (conclave_group_options_set_credential_validator, RFC 9420 §5.3.1). */
  conclave_group_options_accept_any_credential(policy);
  conclave_delivery_service* ds = NULL;
  check(conclave_delivery_service_new(&ds), "delivery service");
  conclave_client* alice = open_device(provider, ds, policy, "alice");
  conclave_client* bob = open_device(provider, ds, policy, "bob");
  conclave_client* carol = open_device(provider, ds, policy, "carol");

  printf("Alice creates the group and invites Bob and Carol\n");
  uint8_t* group = NULL;
  size_t group_len = 0;
  check(conclave_client_create_group(alice, (const uint8_t*)"book-club", 9, &group, &group_len),
        "create");
  const char* invited[] = {"bob", "carol"};
  check(conclave_client_invite(alice, group, group_len, invited, 2, NULL, NULL), "invite");
  sync_and_print(alice);
  sync_and_print(bob);
  sync_and_print(carol);

  printf("Messages both ways\n");
  send_text(alice, group, group_len, "Next book: The Dispossessed?");
  sync_and_print(bob);
  sync_and_print(carol);
  send_text(bob, group, group_len, "Yes!");
  sync_and_print(alice);
  sync_and_print(carol);

  printf("Alice removes Carol\n");
  const char* removed[] = {"carol"};
  check(conclave_client_remove(alice, group, group_len, removed, 1), "remove");
  sync_and_print(alice);
  sync_and_print(bob);
  sync_and_print(carol);

  uint8_t *a = NULL, *b = NULL;
  size_t a_len = 0, b_len = 0;
  check(conclave_client_epoch_authenticator(alice, group, group_len, &a, &a_len), "alice");
  check(conclave_client_epoch_authenticator(bob, group, group_len, &b, &b_len), "bob");
  const int agree = a_len == b_len && memcmp(a, b, a_len) == 0 &&
                    !conclave_client_has_group(carol, group, group_len);
  printf("Alice and Bob %s on the epoch authenticator\n", agree ? "agree" : "DISAGREE");
  conclave_free_bytes(a);
  conclave_free_bytes(b);
  conclave_free_bytes(group);
  conclave_client_free(alice);
  conclave_client_free(bob);
  conclave_client_free(carol);
  conclave_delivery_service_free(ds);
  conclave_group_options_free(policy);
  conclave_provider_free(provider);
  return agree ? 0 : 1;
}
