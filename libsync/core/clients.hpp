// What the server remembers about each client: rate-limit state and interleaved-mode timestamps.
//
// A bounded table, reserved once: the memory bound holds whatever the number
// of clients (chrony's clientlog does the same).  Records are handed out in
// order of arrival from one zeroed reservation (calloc), whose pages take
// memory only once a record lands in them: five clients cost a few pages,
// not 16384 records.  An index of 4-byte slots in buckets of kWays finds them; a
// new client takes a free slot of its bucket, or the record of the one its
// bucket heard from longest ago.  The hash is seeded at start so that nobody
// can aim addresses at one bucket.
//
// Rate limiting is chrony's `ratelimit`, as a token bucket: on average one
// reply per interval, bursts of up to `burst`, and 1 in 2^leak of the
// requests over the limit still answered, so that a spoofed source cannot
// lock its victim out (RFC 8633 §4.7 on why).  Over-limit requests get no
// reply, or a Kiss-o'-Death RATE when kod is set.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "codec/timestamp.hpp"
#include "core/access.hpp"

namespace lansync::core {

struct RateLimit {
  bool enabled = false;
  int interval_log2 = 3;  // mean interval between replies, log2 s (3 = 8 s), -19..12
  int burst = 8;          // replies allowed at once, 1..255
  int leak_log2 = 2;      // 1 in 2^leak over-limit requests is answered anyway, 1..4
  bool kod = false;       // send KoD RATE instead of dropping over-limit requests
};

// All-zero bytes are the default record (the table relies on it).
struct ClientRecord {
  IpAddress address;
  bool interleaved = false;  // the client has sent an interleaved request
  uint32_t requests = 0;     // requests seen from it (saturating)
  int64_t last_ns = 0;       // when it was last heard from
  int64_t tat_ns = 0;        // token bucket: theoretical arrival time of the next request
  codec::NtpTimestamp rx;    // receive timestamp of our last reply to it
  codec::NtpTimestamp tx;    // transmit timestamp of that reply (the kernel's once known)
};

class ClientTable {
 public:
  static constexpr size_t kWays = 8;
  static constexpr size_t kMaxCapacity = size_t{1} << 22;  // records a slot can number

  // capacity is rounded up to a multiple of kWays, at most kMaxCapacity; seed
  // randomizes the hash.
  ClientTable(size_t capacity, uint64_t seed);

  // The record of address, creating it (and evicting the least recent record
  // of its bucket) if needed.  Never null.
  ClientRecord* find_or_add(const IpAddress& address, int64_t now_ns);
  // The record of address, or null.
  ClientRecord* find(const IpAddress& address);

  // The records in use, the most recently heard first, at most max of them.
  std::vector<ClientRecord> recent(size_t max) const;
  // How many records in use were heard at or after since_ns (the table's clock).
  size_t heard_since(int64_t since_ns) const;

  size_t capacity() const { return capacity_; }
  size_t in_use() const { return in_use_; }
  uint64_t clients_seen() const { return clients_seen_; }  // records ever created

 private:
  uint64_t hash(const IpAddress& address) const;
  ClientRecord* find(const IpAddress& address, uint64_t hash) const;
  uint32_t* bucket_of(uint64_t hash) const;
  ClientRecord& record_of(uint32_t slot) const;

  struct Free {
    void operator()(void* p) const;
  };
  size_t capacity_;
  uint64_t seed_;
  // capacity_ slots: 0 when free, else a tag (the hash's top bits) over the record's number + 1.
  std::unique_ptr<uint32_t[], Free> slots_;
  std::unique_ptr<ClientRecord[], Free> records_;  // the first in_use_ are in use
  size_t in_use_ = 0;
  uint64_t clients_seen_ = 0;
};

enum class Admission : uint8_t { Answer, Drop, Kod };

// Charges one request to the client's token bucket at now_ns.  random is 32
// random bits, for the leak.  A disabled limit always answers.
Admission admit(ClientRecord& client, const RateLimit& limit, int64_t now_ns, uint32_t random);

}  // namespace lansync::core
