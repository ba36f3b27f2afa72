// Text output without a C library: decimal numbers, seconds with a fixed number of decimals,
// ISO 8601 UTC times and JSON strings, written into a caller's buffer.
//
// The firmware answers HTTP with JSON and the host port prints the same
// status; printf is not available freestanding (and would pull in a large
// part of picolibc on the boards).  A writer never writes past its buffer: on
// overflow it stops and says so, and the output is still NUL-terminated.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace lansync::fw {

class TextWriter {
 public:
  // buffer must hold capacity >= 1 bytes; the text is kept NUL-terminated.
  TextWriter(char* buffer, size_t capacity);

  const char* c_str() const { return buffer_; }
  size_t size() const { return size_; }
  bool overflowed() const { return overflow_; }

  TextWriter& put(char c);
  TextWriter& put(const char* text);
  TextWriter& put(const char* text, size_t n);
  // A signed decimal integer.
  TextWriter& put_int(int64_t v);
  // Nanoseconds as seconds with `decimals` digits (0..9), truncated toward
  // zero, always signed when plus_sign: "+0.000412", "-2.500000".
  TextWriter& put_seconds(int64_t ns, unsigned decimals, bool plus_sign = false);
  // Unix ns as ISO 8601 UTC with `decimals` digits of the second (0..9):
  // "2026-11-22T09:14:07.123456Z".
  TextWriter& put_iso8601(int64_t unix_ns, unsigned decimals);
  // A JSON string literal (quotes included), escaping what JSON requires.
  TextWriter& put_json_string(const char* text);

 private:
  char* buffer_;
  size_t capacity_;
  size_t size_ = 0;
  bool overflow_ = false;
};

// Length of a NUL-terminated string (no libc in the freestanding build).
size_t text_length(const char* s);

// Whether the n bytes at a equal the NUL-terminated b, exactly or ignoring
// ASCII case.
bool text_equals(const char* a, size_t n, const char* b);
bool text_equals_nocase(const char* a, size_t n, const char* b);

// Parses n bytes as an unsigned decimal integer (no sign, no spaces, at most
// 18 digits).  Returns false for anything else.
bool parse_decimal(const char* s, size_t n, int64_t* out);

}  // namespace lansync::fw
