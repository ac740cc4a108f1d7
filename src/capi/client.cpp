// The C API's clients and their transports to the Delivery Service (conclave.h, "Delivery
// Service transports", "Clients").
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "capi/handles.h"
#if CONCLAVE_CAPI_GRPC
#include "conclave/client/grpc_transport.h"
#endif

using namespace conclave;
using namespace conclave::capi;

// conclave_event_kind is EventKind, value by value.
static_assert(CONCLAVE_EVENT_MESSAGE_RECEIVED == static_cast<int>(EventKind::kMessageReceived));
static_assert(CONCLAVE_EVENT_MEMBER_ADDED == static_cast<int>(EventKind::kMemberAdded));
static_assert(CONCLAVE_EVENT_MEMBER_REMOVED == static_cast<int>(EventKind::kMemberRemoved));
static_assert(CONCLAVE_EVENT_GROUP_JOINED == static_cast<int>(EventKind::kGroupJoined));
static_assert(CONCLAVE_EVENT_REMOVED_FROM_GROUP == static_cast<int>(EventKind::kRemovedFromGroup));
static_assert(CONCLAVE_EVENT_EPOCH_CHANGED == static_cast<int>(EventKind::kEpochChanged));
static_assert(CONCLAVE_EVENT_MESSAGE_REJECTED == static_cast<int>(EventKind::kMessageRejected));
static_assert(CONCLAVE_EVENT_COMMIT_VETOED == static_cast<int>(EventKind::kCommitVetoed));

namespace {

std::vector<std::string> users_of(const char* const* users, size_t count) {
  if (users == nullptr && count != 0) throw Error(ErrorCode::kInvalidArgument, "users is NULL");
  std::vector<std::string> list;
  for (size_t i = 0; i < count; ++i)
    list.push_back(text(users[i], "a user"));
  return list;
}

const Event* event_of(const conclave_event* event) {
  return event == nullptr ? nullptr : &event->event;
}

}  // namespace

extern "C" {

conclave_status conclave_delivery_service_new(conclave_delivery_service** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    *out = new conclave_delivery_service{LocalDeliveryService::create()};
  });
}

void conclave_delivery_service_free(conclave_delivery_service* service) {
  delete service;
}

conclave_status conclave_delivery_service_connect(conclave_delivery_service* service,
                                                  conclave_transport** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    *out = new conclave_transport{need(service, "service").service->connect()};
  });
}

conclave_status conclave_delivery_service_epoch(const conclave_delivery_service* service,
                                                const uint8_t* group_id, size_t group_id_len,
                                                uint64_t* out) {
  return guard([&] {
    need(out, "out") = 0;
    *out = need(service, "service").service->epoch(input(group_id, group_id_len, "group_id"));
  });
}

conclave_status conclave_transport_new_grpc(const char* address, uint32_t timeout_ms,
                                            conclave_transport** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    const std::string a = text(address, "address");
#if CONCLAVE_CAPI_GRPC
    GrpcTransportOptions options;
    options.address = a;
    if (timeout_ms != 0) options.call_timeout = std::chrono::milliseconds(timeout_ms);
    *out = new conclave_transport{make_grpc_transport(std::move(options))};
#else
    (void)timeout_ms;
    throw Error(ErrorCode::kUnsupportedFeature, "this library was built without gRPC");
#endif
  });
}

void conclave_transport_free(conclave_transport* transport) {
  delete transport;
}

conclave_status conclave_client_options_new(conclave_client_options** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    *out = new conclave_client_options{};
  });
}

void conclave_client_options_free(conclave_client_options* options) {
  delete options;
}

conclave_status conclave_client_options_set_user(conclave_client_options* options,
                                                 const char* user) {
  return guard([&] { need(options, "options").options.user = text(user, "user"); });
}

conclave_status conclave_client_options_set_device(conclave_client_options* options,
                                                   const char* device) {
  return guard([&] { need(options, "options").options.device = text(device, "device"); });
}

void conclave_client_options_set_cipher_suite(conclave_client_options* options, uint16_t suite) {
  if (options != nullptr) options->options.cipher_suite = suite;
}

void conclave_client_options_set_identity(conclave_client_options* options,
                                          const conclave_identity* identity) {
  if (options == nullptr) return;
  if (identity == nullptr)
    options->options.identity.reset();
  else
    options->options.identity = identity->identity;
}

void conclave_client_options_set_group_options(conclave_client_options* options,
                                               const conclave_group_options* group_options) {
  if (options == nullptr || group_options == nullptr) return;
  options->options.policy = group_options->policy;
  options->options.group_config = group_options->config;
  options->psks = group_options->psks;
}

void conclave_client_options_set_key_package_stock(conclave_client_options* options,
                                                   uint32_t stock) {
  if (options != nullptr) options->options.key_package_stock = stock;
}

void conclave_client_options_set_allow_external_join(conclave_client_options* options, int allow) {
  if (options != nullptr) options->options.allow_external_join = allow != 0;
}

void conclave_client_options_set_update_interval(conclave_client_options* options,
                                                 uint64_t seconds) {
  if (options != nullptr) options->options.update_interval_seconds = seconds;
}

void conclave_client_options_set_commit_received_proposals(conclave_client_options* options,
                                                           int commit) {
  if (options != nullptr) options->options.commit_received_proposals = commit != 0;
}

conclave_status conclave_client_open(const conclave_provider* provider, conclave_store* store,
                                     conclave_transport* transport,
                                     const conclave_client_options* options,
                                     conclave_client** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    auto client =
        Client::open(need(provider, "provider").provider, need(store, "store").store,
                     need(transport, "transport").transport, need(options, "options").options);
    auto events = std::make_shared<std::pair<std::mutex, std::deque<Event>>>();
    client.on_event([events](const Event& e) {
      std::lock_guard lock(events->first);
      events->second.push_back(e);
    });
    *out = new conclave_client{std::move(client), provider->provider, options->options.policy,
                               std::move(events)};
  });
}

void conclave_client_free(conclave_client* client) {
  delete client;
}

const char* conclave_client_user(const conclave_client* client) {
  return client == nullptr ? "" : client->client.device().user.c_str();
}

const char* conclave_client_device(const conclave_client* client) {
  return client == nullptr ? "" : client->client.device().device.c_str();
}

conclave_status conclave_client_identity(const conclave_client* client, conclave_identity** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    *out = new conclave_identity{need(client, "client").client.identity()};
  });
}

conclave_status conclave_client_register(conclave_client* client) {
  return guard([&] { need(client, "client").client.register_device(); });
}

conclave_status conclave_client_replenish_key_packages(conclave_client* client, size_t* published) {
  if (published != nullptr) *published = 0;
  return guard([&] {
    const size_t n = need(client, "client").client.replenish_key_packages();
    if (published != nullptr) *published = n;
  });
}

conclave_status conclave_client_create_group(conclave_client* client, const uint8_t* group_id,
                                             size_t group_id_len, uint8_t** out_id,
                                             size_t* out_id_len) {
  clear(out_id, out_id_len);
  return guard([&] {
    need(out_id, "out_id");
    need(out_id_len, "out_id_len");
    give(need(client, "client").client.create_group(input(group_id, group_id_len, "group_id")),
         out_id, out_id_len);
  });
}

conclave_status conclave_client_invite(conclave_client* client, const uint8_t* group_id,
                                       size_t group_id_len, const char* const* users,
                                       size_t user_count, size_t* added, size_t* skipped) {
  if (added != nullptr) *added = 0;
  if (skipped != nullptr) *skipped = 0;
  return guard([&] {
    const auto result =
        need(client, "client")
            .client.invite(input(group_id, group_id_len, "group_id"), users_of(users, user_count));
    if (added != nullptr) *added = result.added.size();
    if (skipped != nullptr) *skipped = result.skipped.size();
  });
}

conclave_status conclave_client_remove(conclave_client* client, const uint8_t* group_id,
                                       size_t group_id_len, const char* const* users,
                                       size_t user_count) {
  return guard([&] {
    need(client, "client")
        .client.remove(input(group_id, group_id_len, "group_id"), users_of(users, user_count));
  });
}

conclave_status conclave_client_leave(conclave_client* client, const uint8_t* group_id,
                                      size_t group_id_len) {
  return guard(
      [&] { need(client, "client").client.leave(input(group_id, group_id_len, "group_id")); });
}

conclave_status conclave_client_update(conclave_client* client, const uint8_t* group_id,
                                       size_t group_id_len) {
  return guard(
      [&] { need(client, "client").client.update(input(group_id, group_id_len, "group_id")); });
}

conclave_status conclave_client_send(conclave_client* client, const uint8_t* group_id,
                                     size_t group_id_len, const uint8_t* data, size_t data_len) {
  return guard([&] {
    need(client, "client")
        .client.send(input(group_id, group_id_len, "group_id"), input(data, data_len, "data"));
  });
}

conclave_status conclave_client_sync(conclave_client* client, size_t* entries, size_t* messages,
                                     size_t* commits) {
  for (size_t* p : {entries, messages, commits})
    if (p != nullptr) *p = 0;
  return guard([&] {
    const auto result = need(client, "client").client.sync();
    if (entries != nullptr) *entries = result.entries;
    if (messages != nullptr) *messages = result.messages;
    if (commits != nullptr) *commits = result.commits;
  });
}

conclave_status conclave_client_wait(conclave_client* client, uint32_t timeout_ms) {
  return guard([&] { need(client, "client").client.wait(std::chrono::milliseconds(timeout_ms)); });
}

conclave_status conclave_client_interrupt(conclave_client* client) {
  return guard([&] { need(client, "client").client.interrupt(); });
}

conclave_status conclave_client_join_external(conclave_client* client, const uint8_t* group_id,
                                              size_t group_id_len) {
  return guard([&] {
    need(client, "client").client.join_external(input(group_id, group_id_len, "group_id"));
  });
}

conclave_status conclave_client_groups(const conclave_client* client, conclave_bytes_list** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    auto list = std::make_unique<conclave_bytes_list>();
    list->items = need(client, "client").client.groups();
    *out = list.release();
  });
}

int conclave_client_has_group(const conclave_client* client, const uint8_t* group_id,
                              size_t group_id_len) {
  if (client == nullptr || (group_id == nullptr && group_id_len != 0)) return 0;
  try {
    return client->client.has_group(BytesView(group_id, group_id_len)) ? 1 : 0;
  } catch (...) {
    return 0;
  }
}

conclave_status conclave_client_members(const conclave_client* client, const uint8_t* group_id,
                                        size_t group_id_len, conclave_members** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    auto members = std::make_unique<conclave_members>();
    for (const auto& m :
         need(client, "client").client.members(input(group_id, group_id_len, "group_id")))
      members->entries.push_back(
          {m.leaf.value, m.device.user, m.device.device, m.signature_key, m.is_self});
    *out = members.release();
  });
}

conclave_status conclave_client_epoch(const conclave_client* client, const uint8_t* group_id,
                                      size_t group_id_len, uint64_t* out) {
  return guard([&] {
    need(out, "out") = 0;
    *out = need(client, "client").client.group(input(group_id, group_id_len, "group_id")).epoch();
  });
}

conclave_status conclave_client_epoch_authenticator(const conclave_client* client,
                                                    const uint8_t* group_id, size_t group_id_len,
                                                    uint8_t** out, size_t* out_len) {
  clear(out, out_len);
  return guard([&] {
    const Group& g = need(client, "client").client.group(input(group_id, group_id_len, "group_id"));
    give(g.epoch_authenticator().view(), out, out_len);
  });
}

conclave_status conclave_client_export_secret(const conclave_client* client,
                                              const uint8_t* group_id, size_t group_id_len,
                                              const char* label, const uint8_t* context,
                                              size_t context_len, size_t length, uint8_t** out,
                                              size_t* out_len) {
  clear(out, out_len);
  return guard([&] {
    const Group& g = need(client, "client").client.group(input(group_id, group_id_len, "group_id"));
    const std::string l = text(label, "label");
    give(g.export_secret(l, input(context, context_len, "context"), length).view(), out, out_len);
  });
}

conclave_status conclave_client_group(const conclave_client* client, const uint8_t* group_id,
                                      size_t group_id_len, conclave_group** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    const auto& c = need(client, "client");
    const Group& g = c.client.group(input(group_id, group_id_len, "group_id"));
    // Detached: a copy without the store, so nothing done to it reaches the client's records.
    const SecretBytes state = g.serialize();
    *out = new conclave_group{Group::deserialize(c.provider, state.view(), c.policy)};
  });
}

void conclave_client_set_commit_filter(conclave_client* client, conclave_commit_filter filter,
                                       void* user_data) {
  if (client == nullptr) return;
  if (filter == nullptr) {
    client->client.set_commit_filter(nullptr);
    return;
  }
  client->client.set_commit_filter(
      [filter, user_data](BytesView group_id, const StagedCommit& staged) {
        const auto handle = make_staged(staged);
        return filter(user_data, group_id.data(), group_id.size(), handle.get()) != 0;
      });
}

conclave_status conclave_client_next_event(conclave_client* client, conclave_event** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    auto& events = *need(client, "client").events;
    std::lock_guard lock(events.first);
    if (events.second.empty()) return;
    auto event = std::make_unique<conclave_event>(conclave_event{std::move(events.second.front())});
    events.second.pop_front();
    *out = event.release();
  });
}

void conclave_event_free(conclave_event* event) {
  delete event;
}

conclave_event_kind conclave_event_kind_of(const conclave_event* event) {
  const Event* e = event_of(event);
  return e == nullptr ? CONCLAVE_EVENT_MESSAGE_RECEIVED : static_cast<conclave_event_kind>(e->kind);
}

const uint8_t* conclave_event_group_id(const conclave_event* event, size_t* len) {
  const Event* e = event_of(event);
  return view_of(e == nullptr ? nullptr : &e->group_id, len);
}

uint64_t conclave_event_epoch(const conclave_event* event) {
  const Event* e = event_of(event);
  return e == nullptr ? 0 : e->epoch;
}

const char* conclave_event_member_user(const conclave_event* event) {
  const Event* e = event_of(event);
  return e == nullptr ? "" : e->member.user.c_str();
}

const char* conclave_event_member_device(const conclave_event* event) {
  const Event* e = event_of(event);
  return e == nullptr ? "" : e->member.device.c_str();
}

const char* conclave_event_by_user(const conclave_event* event) {
  const Event* e = event_of(event);
  return e == nullptr ? "" : e->by.user.c_str();
}

const char* conclave_event_by_device(const conclave_event* event) {
  const Event* e = event_of(event);
  return e == nullptr ? "" : e->by.device.c_str();
}

const uint8_t* conclave_event_data(const conclave_event* event, size_t* len) {
  const Event* e = event_of(event);
  const bool message = e != nullptr && e->kind == EventKind::kMessageReceived;
  return view_of(message ? &e->data : nullptr, len);
}

conclave_status conclave_event_error(const conclave_event* event) {
  const Event* e = event_of(event);
  return e != nullptr && e->kind == EventKind::kMessageRejected ? static_cast<int>(e->error)
                                                                : CONCLAVE_OK;
}

const char* conclave_event_detail(const conclave_event* event) {
  const Event* e = event_of(event);
  return e == nullptr ? "" : e->detail.c_str();
}

}  // extern "C"
