// The NTS Key Establishment client (RFC 8915 §4) over TLS 1.3 with GnuTLS.
//
// One TCP connection to the server's NTS-KE port: TLS 1.3 only, ALPN "ntske/1", no session
// tickets, the server's certificate checked against the system's CAs (or a CA file given) and
// against the name or IP address the server was asked by; its dates against this machine's clock,
// a time given, or not at all (NtsKeOptions).  The request goes in one TLS record;
// the response is read up to its End of Message record, at most codec::kNtsKeMaxResponseSize
// bytes, and parsed by codec::parse_nts_ke_response.  The two AEAD keys come from the TLS
// exporter (RFC 5705), label "EXPORTER-network-time-security", context protocol ID | AEAD ID |
// 0x00 (client to server) or 0x01 (server to client).  Connecting, the handshake and the reads
// share one deadline.  Errors name what failed in one line; their code tells an unreachable
// server (a system error: refused, timed out, unreachable) from one that answered but cannot be
// used (std::errc::protocol_error: certificate, TLS or NTS-KE refused).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "codec/nts_ke.hpp"
#include "os/error.hpp"
#include "os/net_address.hpp"

namespace lansync::os {

inline constexpr size_t kNtsKeyLength = 32;
// The exporter's label (RFC 8915 §5.1).
inline constexpr char kNtsExporterLabel[] = "EXPORTER-network-time-security";

// The exporter context of one direction: protocol ID, AEAD ID, 0x00 client to server / 0x01
// server to client (RFC 8915 §5.1).
std::array<uint8_t, 5> nts_exporter_context(uint16_t protocol, uint16_t aead, bool server_to_client);

// What a key exchange gives.
struct NtsKeResult {
  std::unique_ptr<codec::NtsKeResponse> response;  // protocol, AEAD, cookies, server, port
  std::array<uint8_t, kNtsKeyLength> c2s_key{};    // client to server
  std::array<uint8_t, kNtsKeyLength> s2c_key{};    // server to client
};

struct NtsKeOptions {
  std::string server_name;             // checked against the certificate (a name, or an IP address)
  std::string ca_file;                 // "": the system's CAs
  int64_t timeout_ns = 2'000'000'000;  // connect, handshake and response together
  // The certificates' dates: checked against this machine's clock (the default), against
  // verify_time_s (Unix s, when not 0), or not at all (check_dates false: a clock not trusted yet).
  bool check_dates = true;
  int64_t verify_time_s = 0;
};

// Runs one key exchange with the NTS-KE server at address.
OsResult<NtsKeResult> nts_key_exchange(const SocketAddress& address, const NtsKeOptions& options);

// True for an error that says the server could not be reached (no TLS spoken).
bool nts_unreachable(const Error& e);

}  // namespace lansync::os
