// The record kept across deep sleep; see sleep.hpp.
#include "firmware/board/sleep.hpp"

namespace lansync::fw {
namespace {

constexpr size_t kCheckedSize = sizeof(SleepRecord) - sizeof(uint32_t);

uint32_t record_crc(const SleepRecord& r) {
  return crc32(reinterpret_cast<const uint8_t*>(&r), kCheckedSize);
}

}  // namespace

uint32_t crc32(const uint8_t* data, size_t size) {
  // Bitwise: no table, a few hundred bytes once per sleep.
  uint32_t crc = 0xFFFF'FFFF;
  for (size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB8'8320 & (0u - (crc & 1u)));
  }
  return ~crc;
}

void seal_sleep_record(SleepRecord* r) {
  r->magic = kSleepMagic;
  r->version = kSleepVersion;
  r->size = static_cast<uint16_t>(sizeof(SleepRecord));
  r->checksum = record_crc(*r);
}

bool sleep_record_sealed(const SleepRecord& r) {
  return r.magic == kSleepMagic && r.version == kSleepVersion && r.size == sizeof(SleepRecord) &&
         r.checksum == record_crc(r);
}

}  // namespace lansync::fw
