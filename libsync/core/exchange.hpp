// The client exchange as core and the tools see it: proto's rules, plus the reference ID as text.
//
// The exchange itself (offset and delay from T1..T4, the request, the tests a
// reply must pass) is freestanding and shared with the boards: it lives in
// proto/exchange.hpp, and its names are used here so that core and the
// tools keep calling them core::Sample, core::check_reply, ...  What needs
// the C++ library stays here.
#pragma once

#include <cstdint>
#include <string>

#include "proto/exchange.hpp"

namespace lansync::core {

using proto::check_reply;
using proto::compute_sample;
using proto::describe;
using proto::describe_kiss;
using proto::is_ignorable;
using proto::kiss_demands_backoff;
using proto::kMaxRootDistanceNs;
using proto::kPhiPpm;
using proto::make_request_header;
using proto::ReplyCheck;
using proto::ReplyStatus;
using proto::Request;
using proto::root_distance_ns;
using proto::Sample;

// The reference ID as people read it (ntpq, chronyc): text for stratum 0
// and 1 ("GPS", "RATE"), a dotted quad above ("192.168.4.1").
std::string refid_text(uint32_t refid, uint8_t stratum);

}  // namespace lansync::core
