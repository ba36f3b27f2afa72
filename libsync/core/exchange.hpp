// The client exchange as core and the tools see it: proto's rules, plus the reference ID as text.
//
// The exchange itself (offset and delay from T1..T4, the request, the tests a
// reply must pass) is freestanding and shared with the boards: it lives in
// proto/exchange.hpp, under its own names (proto::Sample, proto::check_reply...).
// What needs the C++ library stays here.
#pragma once

#include <cstdint>
#include <string>

#include "proto/exchange.hpp"

namespace lansync::core {

// The reference ID as people read it (ntpq, chronyc): text for stratum 0
// and 1 ("GPS", "RATE"), a dotted quad above ("192.168.4.1").
std::string refid_text(uint32_t refid, uint8_t stratum);

}  // namespace lansync::core
