// The scenario families: each runs once per cipher suite and handshake mode (a case).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "scenario.h"

namespace interop_driver {

struct Family {
  std::string name;
  std::function<void(Scenario&)> run;
};

// In the order they run; "malformed" comes last.
const std::vector<Family>& families();

void run_malformed(Scenario& s);

}  // namespace interop_driver
