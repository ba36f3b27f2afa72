// The driftlog CSV; see drift_log.hpp.
#include "core/drift_log.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

#include "codec/calendar.hpp"
#include "proto/units.hpp"

namespace lansync::core {
namespace {

using proto::kNsPerSecond;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::optional<double> parse_number(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// A field as quoted in an error message: at most 40 characters of it.
std::string shown(std::string_view field) {
  return field.size() <= 40 ? std::string(field) : std::string(field.substr(0, 37)) + "...";
}

void append_fixed(std::string& out, double v, int precision) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed, precision);
  if (ec == std::errc()) out.append(buf, end);
}

// Splits one line into fields, RFC 4180 quoting; nullopt with why on a bad quote.
std::optional<std::vector<std::string>> split_fields(std::string_view line, std::string& why) {
  std::vector<std::string> fields(1);
  size_t i = 0;
  bool field_start = true;
  while (i < line.size()) {
    char c = line[i];
    if (field_start && c == '"') {
      ++i;
      for (;;) {
        if (i >= line.size()) {
          why = "a quoted field is not closed";
          return std::nullopt;
        }
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            fields.back() += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        fields.back() += line[i++];
      }
      if (i < line.size() && line[i] != ',') {
        why = "text after a closing quote";
        return std::nullopt;
      }
      field_start = false;
      continue;
    }
    if (c == ',') {
      fields.emplace_back();
      field_start = true;
    } else {
      fields.back() += c;
      field_start = false;
    }
    ++i;
  }
  return fields;
}

CsvError error_at(size_t line, std::string message) { return CsvError{line, std::move(message)}; }

}  // namespace

const char* status_word(ReadingStatus s) {
  switch (s) {
    case ReadingStatus::Ok: return "ok";
    case ReadingStatus::Timeout: return "timeout";
    case ReadingStatus::Unsynchronized: return "unsynchronized";
    case ReadingStatus::Kod: return "kod";
    case ReadingStatus::Error: return "error";
    case ReadingStatus::Missed: return "missed";
  }
  return "error";
}

std::optional<ReadingStatus> parse_status_word(std::string_view word) {
  for (ReadingStatus s : {ReadingStatus::Ok, ReadingStatus::Timeout, ReadingStatus::Unsynchronized,
                          ReadingStatus::Kod, ReadingStatus::Error, ReadingStatus::Missed}) {
    if (word == status_word(s)) return s;
  }
  return std::nullopt;
}

std::string format_utc(int64_t unix_ns) {
  int64_t secs = unix_ns / kNsPerSecond, ns = unix_ns % kNsPerSecond;
  if (ns < 0) {
    ns += kNsPerSecond;
    --secs;
  }
  codec::CivilTime t = codec::civil_from_unix_seconds(secs);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", static_cast<int>(t.year), t.month,
                t.day, t.hour, t.minute, t.second, static_cast<long long>(ns / 1000));
  return buf;
}

std::optional<int64_t> parse_utc(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SS then an optional fraction, then Z.
  auto num = [&](size_t pos, size_t len, int64_t& out) {
    if (pos + len > t.size()) return false;
    out = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (t[i] < '0' || t[i] > '9') return false;
      out = out * 10 + (t[i] - '0');
    }
    return true;
  };
  int64_t y, mo, d, h, mi, s;
  if (t.size() < 20 || !num(0, 4, y) || t[4] != '-' || !num(5, 2, mo) || t[7] != '-' || !num(8, 2, d) ||
      (t[10] != 'T' && t[10] != ' ') || !num(11, 2, h) || t[13] != ':' || !num(14, 2, mi) || t[16] != ':' ||
      !num(17, 2, s)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  size_t i = 19;
  int64_t frac_ns = 0;
  if (t[i] == '.') {
    ++i;
    int64_t scale = 100'000'000;
    size_t digits = 0;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
      frac_ns += (t[i] - '0') * scale;
      scale /= 10;
      ++i;
      ++digits;
    }
    if (digits == 0) return std::nullopt;
  }
  if (i + 1 != t.size() || t[i] != 'Z') return std::nullopt;
  int64_t days =
      codec::days_from_civil(static_cast<int32_t>(y), static_cast<uint8_t>(mo), static_cast<uint8_t>(d));
  return (days * codec::kSecondsPerDay + h * 3600 + mi * 60 + s) * kNsPerSecond + frac_ns;
}

std::string format_drift_row(const DriftRow& row) {
  std::string line;
  if (row.time_utc_ns) line += format_utc(*row.time_utc_ns);
  line += ',';
  append_fixed(line, row.elapsed_s, 6);
  line += ',';
  std::string source = row.source;
  for (char& c : source) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  if (source.find_first_of(",\"") != std::string::npos || (!source.empty() && source.front() == ' ')) {
    line += '"';
    for (char c : source) line += c == '"' ? std::string("\"\"") : std::string(1, c);
    line += '"';
  } else {
    line += source;
  }
  line += ',';
  if (row.offset_s) append_fixed(line, *row.offset_s, 9);
  line += ',';
  if (row.delay_s) append_fixed(line, *row.delay_s, 9);
  line += ',';
  line += status_word(row.status);
  line += '\n';
  return line;
}

namespace {

// Where each column of a driftlog CSV is, from its header: -1 for a column it lacks.
struct Columns {
  int time = -1, elapsed = -1, source = -1, offset = -1, delay = -1, status = -1;
};

Columns find_columns(const std::vector<std::string>& header) {
  Columns c;
  for (size_t i = 0; i < header.size(); ++i) {
    std::string_view name = trim(header[i]);
    int idx = static_cast<int>(i);
    if (name == "time_utc") c.time = idx;
    if (name == "elapsed_s") c.elapsed = idx;
    if (name == "source") c.source = idx;
    if (name == "offset_s") c.offset = idx;
    if (name == "delay_s") c.delay = idx;
    if (name == "status") c.status = idx;
  }
  return c;
}

// The field of column col (>= 0) in f.
const std::string& field(const std::vector<std::string>& f, int col) { return f[static_cast<size_t>(col)]; }

// The numbers of one row: elapsed_s (not before the previous row's), offset_s, delay_s, time_utc.
std::optional<CsvError> read_numbers(const std::vector<std::string>& f, const Columns& c, double previous_s,
                                     DriftRow* row) {
  size_t line_no = row->line;
  auto elapsed = parse_number(field(f, c.elapsed));
  if (!elapsed) return error_at(line_no, "elapsed_s is not a number: '" + shown(field(f, c.elapsed)) + "'");
  row->elapsed_s = *elapsed;
  if (row->elapsed_s < previous_s) return error_at(line_no, "elapsed_s goes backwards");
  if (row->elapsed_s < 0)
    return error_at(line_no, "elapsed_s is negative: '" + shown(field(f, c.elapsed)) + "'");
  const std::string& off = field(f, c.offset);
  if (!trim(off).empty()) {
    row->offset_s = parse_number(off);
    if (!row->offset_s) return error_at(line_no, "offset_s is not a number: '" + shown(off) + "'");
  }
  if (c.delay >= 0 && !trim(field(f, c.delay)).empty()) {
    row->delay_s = parse_number(field(f, c.delay));
    if (!row->delay_s)
      return error_at(line_no, "delay_s is not a number: '" + shown(field(f, c.delay)) + "'");
  }
  if (c.time >= 0 && !trim(field(f, c.time)).empty()) {
    row->time_utc_ns = parse_utc(trim(field(f, c.time)));
    if (!row->time_utc_ns) {
      return error_at(line_no,
                      "time_utc is not YYYY-MM-DDTHH:MM:SS.ffffffZ: '" + shown(field(f, c.time)) + "'");
    }
  }
  return std::nullopt;
}

// The source and status of one row; without a status column, a row without an offset failed.
std::optional<CsvError> read_source_status(const std::vector<std::string>& f, const Columns& c,
                                           DriftRow* row) {
  size_t line_no = row->line;
  if (c.source >= 0) {
    row->source = field(f, c.source);
    if (trim(row->source).empty()) return error_at(line_no, "the source is empty");
  }
  if (c.status < 0) {
    if (!row->offset_s) row->status = ReadingStatus::Error;
    return std::nullopt;
  }
  auto st = parse_status_word(trim(field(f, c.status)));
  if (!st) {
    return error_at(line_no, "unknown status '" + shown(field(f, c.status)) +
                                 "' (ok, timeout, unsynchronized, kod or error)");
  }
  row->status = *st;
  if (row->offset_s && row->status != ReadingStatus::Ok) {
    return error_at(line_no, "status " + field(f, c.status) + " but an offset");
  }
  if (!row->offset_s && row->status == ReadingStatus::Ok) return error_at(line_no, "status ok but no offset");
  return std::nullopt;
}

// One data row, checked against the header and the row before it (null for the first).
Result<DriftRow, CsvError> read_row(const std::vector<std::string>& f, const std::vector<std::string>& header,
                                    const Columns& c, size_t line_no, const DriftRow* previous) {
  if (f == header) return fail(error_at(line_no, "a second header: two runs in one file?"));
  if (f.size() != header.size()) {
    return fail(error_at(
        line_no, "expected " + std::to_string(header.size()) + " fields, found " + std::to_string(f.size())));
  }
  DriftRow row;
  row.line = line_no;
  double previous_s = previous ? previous->elapsed_s : -std::numeric_limits<double>::infinity();
  if (auto e = read_numbers(f, c, previous_s, &row)) return fail(std::move(*e));
  if (auto e = read_source_status(f, c, &row)) return fail(std::move(*e));
  return row;
}

}  // namespace

Result<std::vector<DriftRow>, CsvError> parse_drift_csv(std::string_view text) {
  std::vector<DriftRow> rows;
  std::vector<std::string> header;
  Columns columns;
  size_t line_no = 0;
  size_t pos = 0;
  // A byte-order mark, as spreadsheet programs write: not part of the header.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty() || line.front() == '#') continue;
    std::string why;
    auto fields = split_fields(line, why);
    if (!fields) return fail(error_at(line_no, why));
    if (header.empty()) {
      header = *fields;
      columns = find_columns(header);
      if (columns.elapsed < 0 || columns.offset < 0) {
        return fail(
            error_at(line_no, "not a driftlog header (it needs the columns elapsed_s and offset_s): '" +
                                  std::string(line.substr(0, 80)) + "'"));
      }
      continue;
    }
    auto row = read_row(*fields, header, columns, line_no, rows.empty() ? nullptr : &rows.back());
    if (!row) return fail(row.error());
    rows.push_back(std::move(*row));
  }
  if (header.empty()) return fail(error_at(line_no == 0 ? 1 : line_no, "no header row: the input is empty"));
  return rows;
}

}  // namespace lansync::core
