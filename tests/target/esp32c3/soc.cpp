#include "soc.hpp"

namespace c3 {
namespace {

constexpr uint32_t kUart0 = 0x6000'0000;
constexpr uint32_t kUartFifo = kUart0 + 0x00;
constexpr uint32_t kUartStatus = kUart0 + 0x1C;  // TXFIFO_CNT in bits 16..25
constexpr uint32_t kUartFifoDepth = 128;

constexpr uint32_t kSystimer = 0x6002'3000;
constexpr uint32_t kSystimerConf = kSystimer + 0x00;
constexpr uint32_t kSystimerUnit0Op = kSystimer + 0x04;
constexpr uint32_t kSystimerUnit0Hi = kSystimer + 0x40;
constexpr uint32_t kSystimerUnit0Lo = kSystimer + 0x44;
constexpr uint32_t kConfClkEn = 1u << 31;
constexpr uint32_t kConfUnit0WorkEn = 1u << 30;
constexpr uint32_t kOpUpdate = 1u << 30;
constexpr uint32_t kOpValueValid = 1u << 29;

constexpr uint32_t kRngData = 0x6002'6000 + 0xB0;

constexpr uint32_t kTimg0 = 0x6001'F000;
constexpr uint32_t kWdtConfig0 = kTimg0 + 0x48;
constexpr uint32_t kWdtProtect = kTimg0 + 0x64;
constexpr uint32_t kWdtKey = 0x50D8'3AA1;

uint32_t reads = 0;

}  // namespace

void uart_write(const char* text, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    while (((reg(kUartStatus) >> 16) & 0x3FF) >= kUartFifoDepth - 1) {
    }
    reg(kUartFifo) = static_cast<uint8_t>(text[i]);
  }
}

void timer_start() { reg(kSystimerConf) = reg(kSystimerConf) | kConfClkEn | kConfUnit0WorkEn; }

int64_t local_ns() {
  reg(kSystimerUnit0Op) = kOpUpdate;
  while ((reg(kSystimerUnit0Op) & kOpValueValid) == 0) {
  }
  // The high word cannot change between the two reads: they read the latched value.
  uint64_t ticks = (uint64_t{reg(kSystimerUnit0Hi) & 0xF'FFFF} << 32) | reg(kSystimerUnit0Lo);
  ++reads;
  // 16 ticks per microsecond, plus the half tick each latch so far dropped on average (soc.hpp).
  return (static_cast<int64_t>(ticks) * 250 + int64_t{reads} * 125) / 4;
}

uint32_t timer_reads() { return reads; }

uint32_t random32() { return reg(kRngData); }

void watchdog_off() {
  reg(kWdtProtect) = kWdtKey;
  reg(kWdtConfig0) = 0;
  reg(kWdtProtect) = 0;
}

}  // namespace c3
