// conclave-interop-driver: runs the interop scenarios against conclave-interop processes.
#include <cstdio>

int main() {
  std::fprintf(stderr, "conclave-interop-driver: not built yet\n");
  return 1;
}
