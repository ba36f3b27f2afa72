// Result<T, E>: a value or the reason there is none, for code that must not throw.
//
// The codec and core layers report every failure through this type: a decoder
// returns the decoded value or an enum saying why the input was refused.  It is
// freestanding (no exceptions, no heap, no library calls), so the ESP firmware
// uses it too.  T and E must be default-constructible.
#pragma once

namespace lansync {

// The failure half of a Result; build one with fail(reason).
template <class E>
struct Failure {
  E error;
};

template <class E>
constexpr Failure<E> fail(E error) {
  return Failure<E>{error};
}

// An empty value, for operations that only succeed or fail.
struct Unit {};

template <class T, class E>
class Result {
 public:
  constexpr Result(const T& value) : value_(value), error_(), ok_(true) {}
  constexpr Result(T&& value) : value_(static_cast<T&&>(value)), error_(), ok_(true) {}
  constexpr Result(Failure<E> failure) : value_(), error_(static_cast<E&&>(failure.error)), ok_(false) {}

  constexpr bool ok() const { return ok_; }
  constexpr explicit operator bool() const { return ok_; }

  // Only meaningful when ok().
  constexpr const T& value() const& { return value_; }
  constexpr T& value() & { return value_; }
  constexpr T&& value() && { return static_cast<T&&>(value_); }
  constexpr const T& operator*() const& { return value_; }
  constexpr T& operator*() & { return value_; }
  constexpr T&& operator*() && { return static_cast<T&&>(value_); }
  constexpr const T* operator->() const { return &value_; }
  constexpr T* operator->() { return &value_; }

  // Only meaningful when !ok().
  constexpr const E& error() const { return error_; }

 private:
  T value_;
  E error_;
  bool ok_;
};

}  // namespace lansync
