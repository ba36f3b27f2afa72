// A minimal UDP over IPv4 on the OpenCores Ethernet MAC (open_eth) that QEMU's esp32c3 machine
// maps at 0x600CD000, polled: what the board needs to talk NTP with a server behind QEMU's user
// networking and to answer SNTP requests forwarded to it.
//
// One address and one gateway; every datagram goes to the gateway's MAC (user networking: the
// host's loopback is the gateway, 10.0.2.2), learned by ARP.  ARP requests for our address are
// answered.  No fragments, no IP options, no checksum on sent UDP (0: none, as IPv4 allows);
// received IPv4 headers are checked, UDP checksums are not (the emulated wire has no errors).
// Everything else is dropped without a word.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace c3 {

struct Datagram {
  uint32_t from_ip = 0;  // host order
  uint16_t from_port = 0;
  uint16_t to_port = 0;
  const uint8_t* data = nullptr;  // valid until the next poll()
  size_t size = 0;
};

class Udp {
 public:
  // Resets the MAC and starts it with our MAC address, IPv4 address and gateway (host order).
  void start(const uint8_t (&mac)[6], uint32_t ip, uint32_t gateway);
  // Takes the next received frame, if any: answers ARP, learns the gateway's MAC, and returns
  // true with a UDP datagram for us (valid until the next call).  Frees the frame before the next.
  bool poll(Datagram* d);
  // Sends an ARP request for the gateway (until it is known, the port asks again now and then).
  void ask_gateway() { send_arp_request(gateway_); }
  bool gateway_known() const { return gateway_known_; }
  // Sends a datagram through the gateway; false when its MAC is not known yet or size is too big.
  bool send(uint32_t to_ip, uint16_t to_port, uint16_t from_port, const uint8_t* data, size_t size);

 private:
  void release_frame();
  void transmit(const uint8_t* frame, size_t size);
  void answer_arp(const uint8_t* frame, size_t size);
  // An ARP request for target from us; for our own address, the announcement.
  void send_arp_request(uint32_t target);

  uint8_t mac_[6] = {};
  uint8_t gateway_mac_[6] = {};
  uint32_t ip_ = 0;
  uint32_t gateway_ = 0;
  bool gateway_known_ = false;
  unsigned rx_ = 0;       // the receive descriptor to look at next
  bool holding_ = false;  // rx_ holds a frame handed out by the last poll()
  uint16_t ip_id_ = 0;
};

}  // namespace c3
