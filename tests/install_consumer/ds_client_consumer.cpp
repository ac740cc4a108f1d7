// An application of conclave::ds_client from the installed package: it sees the gRPC transport
// through conclave/client/grpc_transport.h alone, and links gRPC through the package's
// dependencies. Run by check.cmake: a transport is made (no connection is opened until a call).
#include <cstdio>

#include "conclave/client/grpc_transport.h"

int main() {
  conclave::GrpcTransportOptions options;
  options.address = "127.0.0.1:1";
  const auto transport = conclave::make_grpc_transport(options);
  if (!transport) return 1;
  std::puts("made a gRPC transport");
  return 0;
}
