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

}  // namespace

void ClientTable::Free::operator()(ClientRecord* p) const { std::free(p); }

ClientTable::ClientTable(size_t capacity, uint64_t seed)
    : capacity_(std::max(kWays, (capacity + kWays - 1) / kWays * kWays)), seed_(seed) {
  // ClientRecord is an implicit-lifetime aggregate whose default is all
  // zeros: calloc's memory holds default records (C++20 [intro.object]).
  records_.reset(static_cast<ClientRecord*>(std::calloc(capacity_, sizeof(ClientRecord))));
  if (!records_) std::abort();  // out of memory at start-up: nothing sensible to do
}

size_t ClientTable::bucket_of(const IpAddress& address) const {
  uint64_t h = seed_ ^ address.family;
  for (int i = 0; i < 16; i += 8) {
    uint64_t word = 0;
    for (int j = 0; j < 8; ++j) word = (word << 8) | address.bytes[i + j];
    h = mix(h ^ word);
  }
  return static_cast<size_t>(h % (capacity_ / kWays));
}

ClientRecord* ClientTable::find(const IpAddress& address) {
  ClientRecord* bucket = &records_[bucket_of(address) * kWays];
  for (size_t i = 0; i < kWays; ++i) {
    if (bucket[i].in_use && bucket[i].address == address) return &bucket[i];
  }
  return nullptr;
}

ClientRecord* ClientTable::find_or_add(const IpAddress& address, int64_t now_ns) {
  ClientRecord* bucket = &records_[bucket_of(address) * kWays];
  ClientRecord* victim = &bucket[0];
  for (size_t i = 0; i < kWays; ++i) {
    ClientRecord& r = bucket[i];
    if (r.in_use && r.address == address) return &r;
    // Prefer a free slot, else the record heard from longest ago.
    if (!r.in_use ? victim->in_use : (victim->in_use && r.last_ns < victim->last_ns)) victim = &r;
  }
  if (!victim->in_use) ++in_use_;
  ++clients_seen_;
  *victim = ClientRecord{};
  victim->address = address;
  victim->in_use = true;
  victim->last_ns = now_ns;
  victim->tat_ns = now_ns;
  return victim;
}

std::vector<ClientRecord> ClientTable::recent(size_t max) const {
  // A heap of the max most recent so far, the least recent on top: memory is
  // bounded by max, whatever the table's size.
  auto newer = [](const ClientRecord& a, const ClientRecord& b) { return a.last_ns > b.last_ns; };
  std::vector<ClientRecord> out;
  if (max == 0) return out;
  out.reserve(std::min(max, in_use_));
  for (size_t i = 0; i < capacity_; ++i) {
    const ClientRecord& r = records_[i];
    if (!r.in_use) continue;
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
  size_t n = 0;
  for (size_t i = 0; i < capacity_; ++i) {
    if (records_[i].in_use && records_[i].last_ns >= since_ns) ++n;
  }
  return n;
}

Admission admit(ClientRecord& client, const RateLimit& limit, int64_t now_ns, uint32_t random) {
  client.last_ns = now_ns;
  if (client.requests != UINT32_MAX) ++client.requests;
  if (!limit.enabled) return Admission::Answer;
  int64_t interval = interval_ns(limit.interval_log2);
  int64_t tolerance = interval * limit.burst;
  if (client.tat_ns < now_ns) client.tat_ns = now_ns;
  // Generic cell rate algorithm: a reply is due when the bucket, advanced by
  // one interval, stays within the burst tolerance.
  if (client.tat_ns + interval - now_ns <= tolerance) {
    client.tat_ns += interval;
    return Admission::Answer;
  }
  uint32_t leak_mask = (1u << limit.leak_log2) - 1;
  if ((random & leak_mask) == 0) return Admission::Answer;
  return limit.kod ? Admission::Kod : Admission::Drop;
}

}  // namespace lansync::core
static_assert(sizeof(lansync::core::ClientRecord) <= 56,
              "a client record is 56 bytes: --max-clients documents it");
static_assert(std::is_trivially_copyable_v<lansync::core::ClientRecord>, "records live in calloc'ed memory");
