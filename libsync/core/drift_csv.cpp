// driftlog's CSV; see drift_csv.hpp.
#include "core/drift_csv.hpp"

#include <charconv>
#include <cmath>

namespace lansync::core {
namespace {

constexpr size_t kFields = 6;
constexpr size_t kQuoteMax = 40;  // how much of a bad value an error message repeats

std::string quoted(std::string_view s) {
  if (s.size() > kQuoteMax) return "'" + std::string(s.substr(0, kQuoteMax)) + "...'";
  return "'" + std::string(s) + "'";
}

// Splits one line into fields, RFC 4180 quoting ("a,b" and "" inside quotes).
bool split_fields(std::string_view line, std::vector<std::string>* out, std::string* why) {
  out->clear();
  std::string field;
  size_t i = 0;
  while (true) {
    field.clear();
    if (i < line.size() && line[i] == '"') {
      ++i;
      while (true) {
        if (i >= line.size()) {
          *why = "unterminated quoted field";
          return false;
        }
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += line[i++];
      }
      if (i < line.size() && line[i] != ',') {
        *why = "text after a closing quote";
        return false;
      }
    } else {
      while (i < line.size() && line[i] != ',') {
        if (line[i] == '"') {
          *why = "a quote inside an unquoted field";
          return false;
        }
        field += line[i++];
      }
    }
    out->push_back(field);
    if (i >= line.size()) return true;
    ++i;  // the comma
  }
}

// A decimal number, the whole field; a leading '+' is allowed (printf's %+f).
std::optional<double> parse_number(std::string_view s) {
  if (!s.empty() && s[0] == '+') {
    s.remove_prefix(1);
    if (!s.empty() && s[0] == '-') return std::nullopt;
  }
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

Result<std::vector<DriftRow>, CsvError> parse_drift_csv(std::string_view text) {
  std::vector<DriftRow> rows;
  std::vector<std::string> fields;
  bool have_header = false;
  size_t line_no = 0;
  double last_elapsed = 0;
  std::string last_elapsed_text;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_no == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);  // UTF-8 BOM
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    auto error = [&](std::string message) { return fail(CsvError{line_no, std::move(message)}); };
    if (!have_header) {
      if (line != kDriftCsvHeader) {
        return error("expected the driftlog header '" + std::string(kDriftCsvHeader) + "', found " +
                     quoted(line));
      }
      have_header = true;
      continue;
    }
    std::string why;
    if (!split_fields(line, &fields, &why)) return error(why);
    if (fields.size() != kFields) {
      return error("expected " + std::to_string(kFields) + " fields, found " + std::to_string(fields.size()));
    }
    DriftRow row;
    row.line = line_no;
    row.time_utc = fields[0];
    auto elapsed = parse_number(fields[1]);
    if (!elapsed) return error("elapsed_s " + quoted(fields[1]) + " is not a number");
    if (*elapsed < 0) return error("elapsed_s " + quoted(fields[1]) + " is negative");
    if (!rows.empty() && *elapsed < last_elapsed) {
      return error("elapsed_s goes back from " + last_elapsed_text + " to " + fields[1] +
                   " (two runs in one file?)");
    }
    row.elapsed_s = last_elapsed = *elapsed;
    last_elapsed_text = fields[1];
    row.source = fields[2];
    if (row.source.empty()) return error("the source is empty");
    if (!fields[3].empty()) {
      row.offset_s = parse_number(fields[3]);
      if (!row.offset_s) return error("offset_s " + quoted(fields[3]) + " is not a number");
    }
    if (!fields[4].empty()) {
      row.delay_s = parse_number(fields[4]);
      if (!row.delay_s) return error("delay_s " + quoted(fields[4]) + " is not a number");
    }
    row.status = fields[5];
    if (row.status.empty()) return error("the status is empty");
    rows.push_back(std::move(row));
  }
  if (!have_header) return fail(CsvError{line_no == 0 ? 1 : line_no, "no header: the file is empty"});
  return rows;
}

}  // namespace lansync::core
