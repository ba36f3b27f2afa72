// One datagram at a time on a SOCK_SEQPACKET socket: the channels between sntpd and its helper
// processes (os/ipc_web.hpp, os/ipc_mqtt.hpp).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lansync::os {

// What receive_datagram() returns for a datagram longer than its max (dropped; count it as malformed).
inline constexpr ssize_t kOversized = -2;

// Sends size bytes as one datagram without blocking (MSG_DONTWAIT); false when it could not go.
bool send_datagram(int fd, const void* data, size_t size);
// Reads one datagram into buf (resized to max): its size, 0 at end of stream, -1 when none waits
// (EAGAIN) or on an error, kOversized for one longer than max.
ssize_t receive_datagram(int fd, std::vector<uint8_t>& buf, size_t max, bool wait);

}  // namespace lansync::os
