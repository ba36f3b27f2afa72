#include "net.hpp"

#include "codec/bytes.hpp"
#include "soc.hpp"

namespace c3 {
namespace {

using lansync::codec::load_be16;
using lansync::codec::load_be32;
using lansync::codec::store_be16;
using lansync::codec::store_be32;

// open_eth: its registers, then its 128 buffer descriptors (two words: length and flags, the
// buffer's address) from 0x400 on; the first TX_BD_NUM are for sending, the rest for receiving.
constexpr uint32_t kMac = 0x600C'D000;
constexpr uint32_t kModer = kMac + 0x00;
constexpr uint32_t kTxBdNum = kMac + 0x20;
constexpr uint32_t kMacAddr0 = kMac + 0x40;  // bytes 2..5 of the address
constexpr uint32_t kMacAddr1 = kMac + 0x44;  // bytes 0..1
constexpr uint32_t kBd = kMac + 0x400;

constexpr uint32_t kModerRxEn = 0x1, kModerTxEn = 0x2, kModerFullDuplex = 0x400, kModerReset = 0x800,
                   kModerCrcEn = 0x2000, kModerPad = 0x8000;
constexpr uint32_t kTxReady = 0x8000, kTxWrap = 0x2000, kTxPad = 0x1000, kTxCrc = 0x800;
constexpr uint32_t kRxEmpty = 0x8000, kRxWrap = 0x2000;

constexpr unsigned kRxCount = 8;      // receive descriptors 1..8 (one send descriptor, 0)
constexpr size_t kBufferSize = 1536;  // a full frame and the 4 bytes of its check sequence

alignas(4) uint8_t tx_buffer[kBufferSize];
alignas(4) uint8_t rx_buffers[kRxCount][kBufferSize];

volatile uint32_t& bd_flags(unsigned i) { return reg(kBd + 8 * i); }
volatile uint32_t& bd_address(unsigned i) { return reg(kBd + 8 * i + 4); }
uint32_t address_of(const void* p) { return static_cast<uint32_t>(reinterpret_cast<uintptr_t>(p)); }
uint32_t rx_flags(unsigned i) { return kRxEmpty | (i == kRxCount - 1 ? kRxWrap : 0); }

constexpr size_t kEthHeader = 14, kIpHeader = 20, kUdpHeader = 8;
constexpr uint16_t kTypeIpv4 = 0x0800, kTypeArp = 0x0806;
constexpr size_t kArpSize = 28;

// The Internet checksum (RFC 1071) of n bytes.
uint16_t checksum(const uint8_t* p, size_t n) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < n; i += 2) sum += load_be16(p + i);
  if (n % 2) sum += uint32_t{p[n - 1]} << 8;
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

void copy(uint8_t* to, const uint8_t* from, size_t n) {
  for (size_t i = 0; i < n; ++i) to[i] = from[i];
}

}  // namespace

void Udp::start(const uint8_t (&mac)[6], uint32_t ip, uint32_t gateway) {
  copy(mac_, mac, 6);
  ip_ = ip;
  gateway_ = gateway;
  reg(kModer) = kModerReset;
  reg(kModer) = 0;
  reg(kTxBdNum) = 1;
  reg(kMacAddr0) = uint32_t{mac[2]} << 24 | uint32_t{mac[3]} << 16 | uint32_t{mac[4]} << 8 | mac[5];
  reg(kMacAddr1) = uint32_t{mac[0]} << 8 | mac[1];
  bd_address(0) = address_of(tx_buffer);
  bd_flags(0) = kTxWrap;
  for (unsigned i = 0; i < kRxCount; ++i) {
    bd_address(1 + i) = address_of(rx_buffers[i]);
    bd_flags(1 + i) = rx_flags(i);
  }
  rx_ = 0;
  holding_ = false;
  reg(kModer) = kModerRxEn | kModerTxEn | kModerFullDuplex | kModerCrcEn | kModerPad;
  send_arp_request(ip_);
}

void Udp::release_frame() {
  if (!holding_) return;
  bd_flags(1 + rx_) = rx_flags(rx_);
  rx_ = (rx_ + 1) % kRxCount;
  holding_ = false;
}

bool Udp::poll(Datagram* d) {
  release_frame();
  uint32_t flags = bd_flags(1 + rx_);
  if (flags & kRxEmpty) return false;
  holding_ = true;
  const uint8_t* f = rx_buffers[rx_];
  size_t size = flags >> 16;
  if (size > kBufferSize || size < kEthHeader) return false;
  uint16_t type = load_be16(f + 12);
  if (type == kTypeArp) {
    answer_arp(f, size);
    return false;
  }
  if (type != kTypeIpv4 || size < kEthHeader + kIpHeader) return false;
  const uint8_t* ip = f + kEthHeader;
  size_t ihl = size_t{ip[0] & 0x0Fu} * 4;
  size_t total = load_be16(ip + 2);
  bool fragment = (load_be16(ip + 6) & 0x3FFF) != 0;  // more fragments, or an offset
  if ((ip[0] >> 4) != 4 || ihl < kIpHeader || total < ihl + kUdpHeader || kEthHeader + total > size ||
      fragment || ip[9] != 17 || load_be32(ip + 16) != ip_ || checksum(ip, ihl) != 0)
    return false;
  const uint8_t* udp = ip + ihl;
  size_t udp_size = load_be16(udp + 4);
  if (udp_size < kUdpHeader || udp_size > total - ihl) return false;
  d->from_ip = load_be32(ip + 12);
  d->from_port = load_be16(udp);
  d->to_port = load_be16(udp + 2);
  d->data = udp + kUdpHeader;
  d->size = udp_size - kUdpHeader;
  return true;
}

void Udp::answer_arp(const uint8_t* f, size_t size) {
  if (size < kEthHeader + kArpSize) return;
  const uint8_t* a = f + kEthHeader;
  if (load_be16(a) != 1 || load_be16(a + 2) != kTypeIpv4 || a[4] != 6 || a[5] != 4) return;
  uint16_t op = load_be16(a + 6);
  uint32_t sender_ip = load_be32(a + 14);
  if (sender_ip == gateway_) {
    copy(gateway_mac_, a + 8, 6);
    gateway_known_ = true;
  }
  if (op != 1 || load_be32(a + 24) != ip_) return;
  uint8_t reply[kEthHeader + kArpSize];
  copy(reply, a + 8, 6);  // to the asker
  copy(reply + 6, mac_, 6);
  store_be16(reply + 12, kTypeArp);
  uint8_t* r = reply + kEthHeader;
  copy(r, a, 6);  // hardware and protocol types and sizes, as asked
  store_be16(r + 6, 2);
  copy(r + 8, mac_, 6);
  store_be32(r + 14, ip_);
  copy(r + 18, a + 8, 10);  // the asker's MAC and address
  transmit(reply, sizeof reply);
}

void Udp::send_arp_request(uint32_t target) {
  uint8_t request[kEthHeader + kArpSize] = {};
  for (int i = 0; i < 6; ++i) request[i] = 0xFF;
  copy(request + 6, mac_, 6);
  store_be16(request + 12, kTypeArp);
  uint8_t* r = request + kEthHeader;
  store_be16(r, 1);
  store_be16(r + 2, kTypeIpv4);
  r[4] = 6;
  r[5] = 4;
  store_be16(r + 6, 1);
  copy(r + 8, mac_, 6);
  store_be32(r + 14, ip_);
  store_be32(r + 24, target);
  transmit(request, sizeof request);
}

bool Udp::send(uint32_t to_ip, uint16_t to_port, uint16_t from_port, const uint8_t* data, size_t size) {
  if (!gateway_known_ || size > kBufferSize - 4 - kEthHeader - kIpHeader - kUdpHeader) return false;
  uint8_t frame[kBufferSize];
  copy(frame, gateway_mac_, 6);
  copy(frame + 6, mac_, 6);
  store_be16(frame + 12, kTypeIpv4);
  uint8_t* ip = frame + kEthHeader;
  ip[0] = 0x45;
  ip[1] = 0;
  store_be16(ip + 2, static_cast<uint16_t>(kIpHeader + kUdpHeader + size));
  store_be16(ip + 4, ip_id_++);
  store_be16(ip + 6, 0x4000);  // don't fragment
  ip[8] = 64;
  ip[9] = 17;
  store_be16(ip + 10, 0);
  store_be32(ip + 12, ip_);
  store_be32(ip + 16, to_ip);
  store_be16(ip + 10, checksum(ip, kIpHeader));
  uint8_t* udp = ip + kIpHeader;
  store_be16(udp, from_port);
  store_be16(udp + 2, to_port);
  store_be16(udp + 4, static_cast<uint16_t>(kUdpHeader + size));
  store_be16(udp + 6, 0);
  copy(udp + kUdpHeader, data, size);
  transmit(frame, kEthHeader + kIpHeader + kUdpHeader + size);
  return true;
}

void Udp::transmit(const uint8_t* frame, size_t size) {
  while (bd_flags(0) & kTxReady) {
  }
  copy(tx_buffer, frame, size);
  // QEMU sends the frame when the descriptor is written, before this returns.
  bd_flags(0) = static_cast<uint32_t>(size) << 16 | kTxReady | kTxWrap | kTxPad | kTxCrc;
}

}  // namespace c3
