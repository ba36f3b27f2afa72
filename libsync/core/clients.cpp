// Client table and rate limiting; see clients.hpp.
#include "core/clients.hpp"

#include <algorithm>
#include <cstdlib>
#include <type_traits>

#include "proto/units.hpp"

namespace lansync::core {
namespace {

// splitmix64's finalizer: every input bit affects every output bit.
uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// 2^log2 seconds in nanoseconds, for log2 in -19..12.
int64_t interval_ns(int log2) {
  return log2 >= 0 ? proto::kNsPerSecond << log2 : proto::kNsPerSecond >> -log2;
}

// A slot holds the record's number + 1 in its low kNumberBits (0: free) and,
// above them, kTagBits of the hash, so that a lookup reads a record only when
// its tag matches.
constexpr int kNumberBits = 23;
constexpr int kTagBits = 32 - kNumberBits;
constexpr uint32_t kNumberMask = (1u << kNumberBits) - 1;
static_assert(ClientTable::kMaxCapacity <= kNumberMask, "a slot numbers every record");

uint32_t tag_of(uint64_t hash) { return static_cast<uint32_t>(hash >> (64 - kTagBits)); }

template <typename T>
T* zeroed(size_t n) {
  // T is an implicit-lifetime type whose default is all zeros: calloc's
  // memory holds default values (C++20 [intro.object]).
  auto* p = static_cast<T*>(std::calloc(n, sizeof(T)));
  if (p == nullptr) std::abort();  // out of memory at start-up: nothing sensible to do
  return p;
}

}  // namespace

void ClientTable::Free::operator()(void* p) const { std::free(p); }

ClientTable::ClientTable(size_t capacity, uint64_t seed)
    : capacity_(std::clamp((capacity + kWays - 1) / kWays * kWays, kWays, kMaxCapacity)),
      seed_(seed),
      slots_(zeroed<uint32_t>(capacity_)),
      records_(zeroed<ClientRecord>(capacity_)) {}

uint64_t ClientTable::hash(const IpAddress& address) const {
  uint64_t h = seed_ ^ address.family;
  for (int i = 0; i < 16; i += 8) {
    uint64_t word = 0;
    for (int j = 0; j < 8; ++j) word = (word << 8) | address.bytes[i + j];
    h = mix(h ^ word);
  }
  return h;
}

uint32_t* ClientTable::bucket_of(uint64_t hash) const {
  return &slots_[static_cast<size_t>(hash % (capacity_ / kWays)) * kWays];
}

ClientRecord& ClientTable::record_of(uint32_t slot) const { return records_[(slot & kNumberMask) - 1]; }

ClientRecord* ClientTable::find(const IpAddress& address) { return find(address, hash(address)); }

ClientRecord* ClientTable::find(const IpAddress& address, uint64_t h) const {
  uint32_t tag = tag_of(h);
  const uint32_t* bucket = bucket_of(h);
  for (size_t i = 0; i < kWays; ++i) {
    uint32_t s = bucket[i];
    if (s != 0 && s >> kNumberBits == tag && record_of(s).address == address) return &record_of(s);
  }
  return nullptr;
}

ClientRecord* ClientTable::find_or_add(const IpAddress& address, int64_t now_ns) {
  uint64_t h = hash(address);
  if (ClientRecord* known = find(address, h)) return known;
  uint32_t* bucket = bucket_of(h);
  // A free slot takes the next record; a full bucket gives up the record heard from longest ago.
  uint32_t* slot = std::find(bucket, bucket + kWays, 0u);
  size_t number = in_use_;
  if (slot != bucket + kWays) {
    ++in_use_;  // a free slot means a free record: there are as many slots as records
  } else {
    slot = std::min_element(bucket, bucket + kWays, [this](uint32_t a, uint32_t b) {
      return record_of(a).last_ns < record_of(b).last_ns;
    });
    number = (*slot & kNumberMask) - 1;
  }
  ++clients_seen_;
  *slot = tag_of(h) << kNumberBits | static_cast<uint32_t>(number + 1);
  ClientRecord& r = records_[number];
  r = ClientRecord{};
  r.address = address;
  r.last_ns = now_ns;
  r.tat_ns = now_ns;
  return &r;
}

std::vector<ClientRecord> ClientTable::recent(size_t max) const {
  // A heap of the max most recent so far, the least recent on top: memory is
  // bounded by max, whatever the table's size.
  auto newer = [](const ClientRecord& a, const ClientRecord& b) { return a.last_ns > b.last_ns; };
  std::vector<ClientRecord> out;
  if (max == 0) return out;
  out.reserve(std::min(max, in_use_));
  for (size_t i = 0; i < in_use_; ++i) {
    const ClientRecord& r = records_[i];
    if (out.size() < max) {
      out.push_back(r);
      std::push_heap(out.begin(), out.end(), newer);
    } else if (r.last_ns > out.front().last_ns) {
      std::pop_heap(out.begin(), out.end(), newer);
      out.back() = r;
      std::push_heap(out.begin(), out.end(), newer);
    }
  }
  std::sort_heap(out.begin(), out.end(), newer);
  return out;
}

size_t ClientTable::heard_since(int64_t since_ns) const {
  return static_cast<size_t>(
      std::count_if(records_.get(), records_.get() + in_use_,
                    [since_ns](const ClientRecord& r) { return r.last_ns >= since_ns; }));
}

Admission admit(ClientRecord& client, const RateLimit& limit, int64_t now_ns, uint32_t random) {
  client.last_ns = now_ns;
  if (client.requests != UINT32_MAX) ++client.requests;
  if (!limit.enabled) return Admission::Answer;
  int64_t spacing_ns = interval_ns(limit.interval_log2);
  int64_t tolerance_ns = spacing_ns * limit.burst;
  if (client.tat_ns < now_ns) client.tat_ns = now_ns;
  // Generic cell rate algorithm: a reply is due when the bucket, advanced by
  // one interval, stays within the burst tolerance.
  if (client.tat_ns + spacing_ns - now_ns <= tolerance_ns) {
    client.tat_ns += spacing_ns;
    return Admission::Answer;
  }
  uint32_t leak_mask = (1u << limit.leak_log2) - 1;
  if ((random & leak_mask) == 0) return Admission::Answer;
  return limit.kod ? Admission::Kod : Admission::Drop;
}

}  // namespace lansync::core
static_assert(sizeof(lansync::core::ClientRecord) + sizeof(uint32_t) <= 60,
              "a client costs 56 bytes of record and a 4-byte slot: --max-clients documents it");
static_assert(std::is_trivially_copyable_v<lansync::core::ClientRecord>, "records live in calloc'ed memory");
