// HTTP digest access authentication (RFC 7616) with MD5 and SHA-256, qop=auth.
//
// Canon cameras protect the CCAPI with digest authentication when the owner
// sets a password.  The client half answers a WWW-Authenticate challenge and
// reuses it for the next requests (nc counts up), so that a timed request is
// not delayed by a 401 round trip; the server half (the camera emulator)
// checks an Authorization header.  Hashes come from OpenSSL.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "os/error.hpp"

namespace lansync::os::digest {

enum class Algorithm : uint8_t { Md5, Sha256 };

// "MD5" or "SHA-256", as in the algorithm parameter (RFC 7616 §3.3).
const char* algorithm_name(Algorithm a);

// A server's challenge (WWW-Authenticate: Digest ..., RFC 7616 §3.3).
struct Challenge {
  std::string realm;
  std::string nonce;
  std::string opaque;  // echoed back when present
  Algorithm algorithm = Algorithm::Md5;
  bool qop_auth = false;  // qop=auth offered; false: the RFC 2069 form without qop
  bool stale = false;     // the nonce expired; the credentials were right
};

// The parameters of an authentication header after its scheme: comma-separated
// name=token or name="quoted string" (backslash escapes), names lower-cased;
// refused with a control character (but HTAB) anywhere.
OsResult<std::map<std::string, std::string>> parse_params(std::string_view text);

// Parses one WWW-Authenticate value.  Refuses other schemes, algorithms other
// than MD5 and SHA-256 (and their -sess forms), and qop lists without "auth".
OsResult<Challenge> parse_challenge(std::string_view header);

// The strongest usable challenge among a response's WWW-Authenticate values
// (SHA-256 before MD5); the error of the first when none is usable.
OsResult<Challenge> choose_challenge(const std::vector<std::string>& headers);

// Lower-case hex of H(data).
std::string hash_hex(Algorithm a, std::string_view data);

// The response value (RFC 7616 §3.4.1): with qop=auth
// H(H(user:realm:password):nonce:nc:cnonce:auth:H(method:uri)), without qop
// H(H(A1):nonce:H(A2)).  nc is 8 lower-case hex digits.
std::string response(Algorithm a, std::string_view user, std::string_view realm, std::string_view password,
                     std::string_view method, std::string_view uri, std::string_view nonce,
                     std::string_view nc, std::string_view cnonce, bool qop_auth);

// The Authorization header value answering c for one request; nc counts the
// requests made with this nonce, from 1.
std::string authorization(const Challenge& c, std::string_view user, std::string_view password,
                          std::string_view method, std::string_view uri, uint32_t nc,
                          std::string_view cnonce);

// A fresh client nonce: 16 random bytes in hex.
std::string make_cnonce();

// An Authorization header as a server reads it.
struct Credentials {
  std::string username, realm, nonce, uri, response, cnonce, nc, qop, opaque;
  Algorithm algorithm = Algorithm::Md5;
};

// Parses an Authorization: Digest value; every field RFC 7616 requires must be there.
OsResult<Credentials> parse_authorization(std::string_view header);

// True when c is the right answer for password and method (constant-time compare).
bool verify(const Credentials& c, std::string_view password, std::string_view method);

}  // namespace lansync::os::digest
