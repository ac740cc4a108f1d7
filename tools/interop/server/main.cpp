// conclave-interop: the MLS interop harness client (tools/interop/mls_client.proto) over gRPC.
#include <cstdio>

int main() {
  std::fprintf(stderr, "conclave-interop: not built yet\n");
  return 1;
}
