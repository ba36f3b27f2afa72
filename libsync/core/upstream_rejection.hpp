// Why a reply of an upstream server was not used: counted per source (core/upstream) and listed
// by sntpd's status report, its JSON and its metrics.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lansync::core {

enum class Rejection : uint8_t {
  Unauthenticated,  // no MAC (or a crypto-NAK) where the request was signed
  BadMac,           // a MAC that does not verify
  Stray,            // an answer to no request of ours: late, duplicated, replayed or spoofed
  MaxChange,        // after the first sync, an offset beyond --max-change
};
inline constexpr size_t kRejectionCount = 4;

// The words the report names each by, in the enum's order.
inline constexpr const char* kRejectionNames[kRejectionCount] = {"unauthenticated", "bad_mac", "stray",
                                                                 "beyond_max_change"};

// r as an index into counts by reason.
constexpr size_t index(Rejection r) { return static_cast<size_t>(r); }

}  // namespace lansync::core
