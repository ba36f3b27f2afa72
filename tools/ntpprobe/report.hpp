// ntpprobe's output: one line or record per server, then the combined result, in human, JSON or CSV form.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "core/select.hpp"
#include "flow/ntp_client.hpp"

namespace lansync::ntpprobe {

enum class Format { Human, Json, Csv };

// One queried server: as the user named it, and what the query found.
struct ServerResult {
  std::string name;  // as given on the command line
  flow::ServerReport report;
  bool falseticker = false;  // usable, but outside the majority's interval
};

// The result over all servers.
struct Combined {
  bool ok = false;  // a majority agreed
  core::Selection selection;
};

// Status word of one server: ok, timeout, error, kod, unsynchronized,
// bad_reply, too_far, unauthenticated, bad_mac or falseticker.
std::string status_word(const ServerResult& r);

// "Kiss-o'-Death RATE: rate exceeded: poll less often", for a report that got a kiss.
std::string kiss_text(const flow::ServerReport& rep);

// Why a reply failed authentication with key_id, e.g. "reply not
// authenticated: no MAC (does the server hold key 1?)".
std::string auth_text(const flow::ServerReport& rep, uint32_t key_id);

// Why an NTS reply failed authentication, e.g. "reply's NTS authenticator does not verify ...".
std::string nts_auth_text(const flow::ServerReport& rep);

// Writes every server, then the combined line when there are several servers.
void print_report(std::FILE* out, Format format, const std::vector<ServerResult>& results,
                  const Combined& combined);

}  // namespace lansync::ntpprobe
