// ntpprobe output formats; see report.hpp.
#include "report.hpp"

#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "codec/ntp_packet.hpp"
#include "core/exchange.hpp"
#include "proto/units.hpp"

namespace lansync::ntpprobe {
namespace {

// Keys in the documented order, not sorted.
using json = nlohmann::ordered_json;

// The column names of the CSV header and the keys of each JSON record.
const char* const kFields[] = {
    "server",  "address",      "port",       "status",       "offset_s",          "delay_s",
    "stratum", "leap",         "refid",      "root_delay_s", "root_dispersion_s", "precision",
    "version", "samples_sent", "samples_ok", "kod"};

using proto::to_seconds;

json to_json(const ServerResult& r) {
  const flow::ServerReport& rep = r.report;
  json j;
  j["server"] = r.name;
  j["address"] = rep.address.ip();
  j["port"] = rep.address.port();
  j["status"] = status_word(r);
  j["offset_s"] = rep.usable ? json(to_seconds(rep.best.offset_ns)) : json(nullptr);
  j["delay_s"] = rep.usable ? json(to_seconds(rep.best.delay_ns)) : json(nullptr);
  bool have_header = rep.replies > 0;
  const codec::NtpHeader& h = rep.header;
  j["stratum"] = have_header ? json(h.stratum) : json(nullptr);
  j["leap"] = have_header ? json(static_cast<int>(h.leap)) : json(nullptr);
  j["refid"] = have_header ? json(core::refid_text(h.refid, h.stratum)) : json(nullptr);
  j["root_delay_s"] = have_header ? json(to_seconds(codec::from_ntp_short(h.root_delay))) : json(nullptr);
  j["root_dispersion_s"] =
      have_header ? json(to_seconds(codec::from_ntp_short(h.root_dispersion))) : json(nullptr);
  j["precision"] = have_header ? json(h.precision_log2) : json(nullptr);
  j["version"] = have_header ? json(h.version) : json(nullptr);
  j["samples_sent"] = rep.samples_sent;
  j["samples_ok"] = rep.samples_ok;
  j["kod"] = rep.kiss_code[0] != '\0' ? json(rep.kiss_code) : json(nullptr);
  // NTS (RFC 8915): after the documented fields, and only when asked for, so that the CSV columns stay.
  if (rep.nts) {
    j["nts"] = true;
    j["nts_cookies"] = rep.nts_cookies;
  }
  return j;
}

json combined_json(const std::vector<ServerResult>& results, const Combined& c) {
  json j;
  for (const char* f : kFields) j[f] = nullptr;
  j["server"] = "combined";
  j["status"] = c.ok ? "ok" : "no_majority";
  if (c.ok) j["offset_s"] = to_seconds(c.selection.offset_ns);
  int sent = 0;
  for (const ServerResult& r : results) sent += r.report.samples_sent;
  j["samples_sent"] = sent;
  j["samples_ok"] = c.selection.truechimers;  // servers that agreed
  return j;
}

std::string csv_cell(const json& v) {
  if (v.is_null()) return "";
  // Seconds in fixed notation to the nanosecond, never 3.9e-07.
  if (v.is_number_float()) return fmt::format("{:.9f}", v.get<double>());
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string quoted = "\"";
    for (char ch : s) quoted += (ch == '"') ? std::string("\"\"") : std::string(1, ch);
    return quoted + "\"";
  }
  return v.dump();
}

void print_csv_row(std::FILE* out, const json& j) {
  std::string line;
  for (const char* f : kFields) {
    if (f != kFields[0]) line += ',';
    line += csv_cell(j[f]);
  }
  fmt::print(out, "{}\n", line);
}

std::string human_line(const ServerResult& r) {
  const flow::ServerReport& rep = r.report;
  std::string counts = fmt::format("({}/{} samples)", rep.samples_ok, rep.samples_sent);
  const codec::NtpHeader& h = rep.header;
  if (rep.usable) {
    return fmt::format("{}  offset {:+.9f} s  delay {:.9f} s  stratum {}  refid {}{}{}  {}", r.name,
                       to_seconds(rep.best.offset_ns), to_seconds(rep.best.delay_ns), h.stratum,
                       core::refid_text(h.refid, h.stratum), rep.nts ? "  NTS" : "",
                       r.falseticker ? "  FALSETICKER" : "", counts);
  }
  std::string why;
  if (!rep.error.empty()) {
    why = "no reply: " + rep.error;
  } else if (rep.replies == 0) {
    why = "no reply";
  } else if (rep.status == proto::ReplyStatus::KissOfDeath) {
    why = kiss_text(rep);
  } else if (rep.status == proto::ReplyStatus::Unsynchronized) {
    why = fmt::format("unsynchronized (leap {}, stratum {})", static_cast<int>(h.leap), h.stratum);
  } else if (rep.nts && (rep.status == proto::ReplyStatus::Unauthenticated ||
                         rep.status == proto::ReplyStatus::BadMac)) {
    why = nts_auth_text(rep);
  } else {
    why = proto::describe(rep.status);
  }
  return fmt::format("{}  {}  {}", r.name, why, counts);
}

}  // namespace

std::string kiss_text(const flow::ServerReport& rep) {
  const char* meaning = proto::describe_kiss(rep.header.refid);
  return fmt::format("Kiss-o'-Death {}{}{}", rep.kiss_code, *meaning ? ": " : "", meaning);
}

std::string auth_text(const flow::ServerReport& rep, uint32_t key_id) {
  if (rep.status == proto::ReplyStatus::Unauthenticated) {
    return fmt::format("reply not authenticated: no MAC, or a crypto-NAK (does the server hold key {}?)",
                       key_id);
  }
  return fmt::format("reply's MAC does not verify with key {} (the server holds a different key?)", key_id);
}

std::string nts_auth_text(const flow::ServerReport& rep) {
  return rep.status == proto::ReplyStatus::Unauthenticated
             ? "reply not authenticated by NTS (no authenticator, or not the last field)"
             : "reply's NTS authenticator does not verify with the key exchange's keys";
}

std::string status_word(const ServerResult& r) {
  const flow::ServerReport& rep = r.report;
  if (rep.usable) return r.falseticker ? "falseticker" : "ok";
  if (!rep.error.empty()) return "error";
  if (rep.replies == 0) return "timeout";
  switch (rep.status) {
    case proto::ReplyStatus::KissOfDeath: return "kod";
    case proto::ReplyStatus::Unsynchronized: return "unsynchronized";
    case proto::ReplyStatus::RootDistanceTooLarge: return "too_far";
    case proto::ReplyStatus::Unauthenticated: return "unauthenticated";
    case proto::ReplyStatus::BadMac: return "bad_mac";
    default: return "bad_reply";
  }
}

void print_report(std::FILE* out, Format format, const std::vector<ServerResult>& results,
                  const Combined& combined) {
  bool several = results.size() > 1;
  switch (format) {
    case Format::Json:
      for (const ServerResult& r : results) fmt::print(out, "{}\n", to_json(r).dump());
      if (several) fmt::print(out, "{}\n", combined_json(results, combined).dump());
      break;
    case Format::Csv: {
      std::string header;
      for (const char* f : kFields) header += (header.empty() ? "" : ",") + std::string(f);
      fmt::print(out, "{}\n", header);
      for (const ServerResult& r : results) print_csv_row(out, to_json(r));
      if (several) print_csv_row(out, combined_json(results, combined));
      break;
    }
    case Format::Human:
      for (const ServerResult& r : results) fmt::print(out, "{}\n", human_line(r));
      if (several) {
        if (combined.ok) {
          fmt::print(out, "combined  offset {:+.9f} s  {} of {} servers agree\n",
                     to_seconds(combined.selection.offset_ns), combined.selection.truechimers,
                     results.size());
        } else {
          fmt::print(out, "combined  no majority of servers agrees on the time\n");
        }
      }
      break;
  }
}

}  // namespace lansync::ntpprobe
