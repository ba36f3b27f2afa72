// The board's HTTP/1.0 request parser and response writer; see http.hpp.
#include "firmware/board/http.hpp"

#include "codec/ccapi_date.hpp"
#include "firmware/board/text.hpp"

namespace lansync::fw {
namespace {

bool is_token_char(char c) {
  // RFC 9110 §5.6.2 tchar.
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  for (const char* p = "!#$%&'*+-.^_`|~"; *p != '\0'; ++p) {
    if (c == *p) return true;
  }
  return false;
}

bool is_target_char(char c) { return c > 0x20 && c < 0x7F; }

// The line starting at pos: its end (exclusive, without CR) and the start of
// the next line.  False when no LF follows within size.
bool next_line(const char* data, size_t size, size_t pos, size_t* end, size_t* next) {
  for (size_t i = pos; i < size; ++i) {
    if (data[i] == '\n') {
      *end = (i > pos && data[i - 1] == '\r') ? i - 1 : i;
      *next = i + 1;
      return true;
    }
  }
  return false;
}

HttpParseResult refuse(uint16_t status) { return {HttpParse::Refused, status}; }

HttpMethod method_of(const char* m, size_t n) {
  if (text_equals(m, n, "GET")) return HttpMethod::Get;
  if (text_equals(m, n, "HEAD")) return HttpMethod::Head;
  if (text_equals(m, n, "PUT")) return HttpMethod::Put;
  if (text_equals(m, n, "POST")) return HttpMethod::Post;
  return HttpMethod::Other;
}

bool parse_request_line(const char* line, size_t n, HttpRequest* out, uint16_t* status) {
  *status = 400;
  size_t i = 0;
  while (i < n && is_token_char(line[i])) ++i;
  if (i == 0 || i > 16 || i >= n || line[i] != ' ') return false;
  out->method = method_of(line, i);
  size_t target = ++i;
  while (i < n && is_target_char(line[i])) ++i;
  size_t target_size = i - target;
  if (target_size == 0 || line[target] != '/' || i >= n || line[i] != ' ') return false;
  if (target_size > kMaxTargetSize) {
    *status = 414;
    return false;
  }
  const char* version = line + i + 1;
  size_t version_size = n - i - 1;
  if (version_size != 8 || !text_equals(version, 7, "HTTP/1.") || version[7] < '0' || version[7] > '9') {
    // "HTTP/2.0" and the like are well-formed but not ours.
    if (version_size == 8 && text_equals(version, 5, "HTTP/") && version[5] >= '0' && version[5] <= '9' &&
        version[6] == '.' && version[7] >= '0' && version[7] <= '9') {
      *status = 505;
    }
    return false;
  }
  out->path = line + target;
  out->path_size = target_size;
  out->query = line + target + target_size;
  out->query_size = 0;
  for (size_t k = 0; k < target_size; ++k) {
    if (line[target + k] == '?') {
      out->path_size = k;
      out->query = line + target + k + 1;
      out->query_size = target_size - k - 1;
      break;
    }
  }
  return true;
}

// One header line's name and trimmed value into out; 0, or the status refusing it.
uint16_t read_header(const char* name, size_t name_size, const char* value, size_t value_size,
                     HttpRequest* out, bool* have_length, int64_t* length) {
  if (text_equals_nocase(name, name_size, "Content-Length")) {
    int64_t n = 0;
    if (!parse_decimal(value, value_size, &n)) return 400;
    if (*have_length && n != *length) return 400;
    if (n > static_cast<int64_t>(kMaxRequestSize)) return 413;
    *have_length = true;
    *length = n;
    return 0;
  }
  if (text_equals_nocase(name, name_size, "Transfer-Encoding")) return 501;
  proto::TextRef* field = nullptr;
  if (text_equals_nocase(name, name_size, "Content-Type")) field = &out->content_type;
  if (text_equals_nocase(name, name_size, "Host")) field = &out->host;
  if (text_equals_nocase(name, name_size, "Origin")) field = &out->origin;
  if (text_equals_nocase(name, name_size, "Sec-Fetch-Site")) field = &out->sec_fetch_site;
  if (field == nullptr) return 0;
  // Two different values of one of these would let a proxy and the board disagree.
  if (field->present()) return 400;
  *field = proto::TextRef{value, value_size};
  return 0;
}

bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

size_t skip_space(const char* s, size_t n, size_t i) {
  while (i < n && is_json_space(s[i])) ++i;
  return i;
}

// A string without escapes at s[i] == '"': its contents, and the index after it.
bool json_string(const char* s, size_t n, size_t i, proto::TextRef* out, size_t* next) {
  if (i >= n || s[i] != '"') return false;
  size_t start = ++i;
  while (i < n && s[i] != '"') {
    if (s[i] == '\\' || static_cast<unsigned char>(s[i]) < 0x20) return false;
    ++i;
  }
  if (i >= n) return false;
  *out = proto::TextRef{s + start, i - start};
  *next = i + 1;
  return true;
}

// A string, or a bare integer / true / false / null, at s[i].
bool json_scalar(const char* s, size_t n, size_t i, proto::TextRef* out, bool* is_string, size_t* next) {
  *is_string = i < n && s[i] == '"';
  if (*is_string) return json_string(s, n, i, out, next);
  size_t start = i;
  while (i < n && ((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') || s[i] == '-')) ++i;
  if (i == start) return false;
  *out = proto::TextRef{s + start, i - start};
  *next = i;
  return true;
}

}  // namespace

bool is_json_request(const HttpRequest& q) { return proto::json_content_type(q.content_type); }

bool same_origin(const HttpRequest& q) {
  return proto::same_origin({q.host, q.origin, q.sec_fetch_site, /*https=*/false});
}

bool json_value(const char* json, size_t size, const char* key, const char** value, size_t* value_size,
                bool* is_string) {
  size_t i = skip_space(json, size, 0);
  if (i >= size || json[i] != '{') return false;
  i = skip_space(json, size, i + 1);
  bool found = false;
  while (i < size && json[i] != '}') {
    proto::TextRef name, v;
    bool str = false;
    if (!json_string(json, size, i, &name, &i)) return false;
    i = skip_space(json, size, i);
    if (i >= size || json[i] != ':') return false;
    if (!json_scalar(json, size, skip_space(json, size, i + 1), &v, &str, &i)) return false;
    if (!found && text_equals(name.data, name.size, key)) {
      found = true;
      *value = v.data;
      *value_size = v.size;
      *is_string = str;
    }
    i = skip_space(json, size, i);
    if (i < size && json[i] == ',') {
      i = skip_space(json, size, i + 1);
      if (i < size && json[i] == '}') return false;  // a trailing comma
    } else if (i < size && json[i] != '}') {
      return false;
    }
  }
  return found && i < size && skip_space(json, size, i + 1) == size;
}

HttpParseResult parse_http_request(const char* data, size_t size, HttpRequest* out) {
  *out = HttpRequest{};
  if (size > kMaxRequestSize) return refuse(413);
  size_t end = 0, next = 0;
  if (!next_line(data, size, 0, &end, &next)) {
    // Refuse at once what can never become a request line.
    for (size_t i = 0; i < size; ++i) {
      if (data[i] == '\0') return refuse(400);
    }
    return size >= kMaxRequestSize ? refuse(413) : HttpParseResult{};
  }
  uint16_t status = 400;
  if (!parse_request_line(data, end, out, &status)) return refuse(status);

  bool have_length = false;
  int64_t length = 0;
  size_t pos = next;
  for (;;) {
    if (!next_line(data, size, pos, &end, &next))
      return size >= kMaxRequestSize ? refuse(413) : HttpParseResult{};
    if (end == pos) break;  // the blank line
    const char* line = data + pos;
    size_t n = end - pos;
    size_t colon = 0;
    while (colon < n && is_token_char(line[colon])) ++colon;
    // RFC 9112 §5.1: no whitespace between the name and the colon; no obs-fold.
    if (colon == 0 || colon >= n || line[colon] != ':') return refuse(400);
    size_t v = colon + 1;
    while (v < n && (line[v] == ' ' || line[v] == '\t')) ++v;
    size_t v_end = n;
    while (v_end > v && (line[v_end - 1] == ' ' || line[v_end - 1] == '\t')) --v_end;
    for (size_t k = v; k < v_end; ++k) {
      if (line[k] == '\0' || line[k] == '\r') return refuse(400);
    }
    uint16_t refused = read_header(line, colon, line + v, v_end - v, out, &have_length, &length);
    if (refused != 0) return refuse(refused);
    pos = next;
  }
  auto body_size = static_cast<size_t>(length);
  if (next + body_size > kMaxRequestSize) return refuse(413);
  if (size < next + body_size) return {};
  out->body = data + next;
  out->body_size = body_size;
  return {HttpParse::Complete, 0};
}

const char* http_reason(uint16_t status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
  }
}

size_t write_http_response(uint16_t status, const char* content_type, const char* body, size_t body_size,
                           bool head, int64_t date_unix_s, char* out, size_t cap) {
  TextWriter w(out, cap);
  w.put("HTTP/1.0 ").put_int(status).put(' ').put(http_reason(status)).put("\r\n");
  if (date_unix_s != kNoHttpDate) {
    char date[codec::kHttpDateLength + 1];
    if (auto n = codec::format_http_date(date_unix_s, date, sizeof(date)); n)
      w.put("Date: ").put(date, *n).put("\r\n");
  }
  w.put("Content-Type: ").put(content_type).put("\r\n");
  w.put("Content-Length: ").put_int(static_cast<int64_t>(body_size)).put("\r\n");
  w.put("Connection: close\r\nCache-Control: no-store\r\n\r\n");
  if (!head) w.put(body, body_size);
  return w.overflowed() ? 0 : w.size();
}

bool form_value(const char* form, size_t size, const char* key, const char** value, size_t* value_size) {
  size_t pos = 0;
  while (pos < size) {
    size_t end = pos;
    while (end < size && form[end] != '&') ++end;
    size_t eq = pos;
    while (eq < end && form[eq] != '=') ++eq;
    if (eq < end && text_equals(form + pos, eq - pos, key)) {
      *value = form + eq + 1;
      *value_size = end - eq - 1;
      return true;
    }
    pos = end + 1;
  }
  return false;
}

}  // namespace lansync::fw
