// Unit tests of the channel between sntpd and sntpd-nts client (os/ipc_nts_client): every message
// round-trips, and every length, field and flag is checked on the way in.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "codec/bytes.hpp"
#include "os/ipc_nts_client.hpp"

namespace lansync {
namespace {

namespace nts = os::nts;

nts::Message a_request() {
  nts::Message m;
  m.type = nts::Type::KeRequest;
  m.id = 7;
  m.request.address = "2001:db8::1";
  m.request.port = 4460;
  m.request.name = "time.example.org";
  m.request.ca_file = "/etc/lansync/nts-ca.pem";
  m.request.check_dates = true;
  m.request.verify_time_s = 1'700'000'000;
  return m;
}

nts::Message an_answer() {
  nts::Message m;
  m.type = nts::Type::KeAnswer;
  m.id = 9;
  m.answer.ok = true;
  for (size_t i = 0; i < nts::kKeySize; ++i) {
    m.answer.c2s[i] = static_cast<uint8_t>(i);
    m.answer.s2c[i] = static_cast<uint8_t>(0xFF - i);
  }
  for (size_t k = 0; k < codec::kNtsMaxCookies; ++k) {
    codec::NtsCookie c;
    c.size = k == 0 ? codec::kNtsMaxCookieSize : 100;
    for (size_t i = 0; i < c.size; ++i) c.bytes[i] = static_cast<uint8_t>(k + i);
    m.answer.cookies.push_back(c);
  }
  m.answer.ntp_address = "192.0.2.5";
  m.answer.ntp_port = 11123;
  return m;
}

TEST(IpcNtsClient, ARequestRoundTrips) {
  std::vector<uint8_t> bytes = nts::encode(a_request());
  ASSERT_EQ(bytes.size(), nts::kHeaderSize + nts::kRequestPayload);
  auto m = nts::decode(bytes.data(), bytes.size());
  ASSERT_TRUE(m.ok()) << nts::code(m.error());
  EXPECT_EQ(m->id, 7u);
  EXPECT_EQ(m->request.address, "2001:db8::1");
  EXPECT_EQ(m->request.port, 4460);
  EXPECT_EQ(m->request.name, "time.example.org");
  EXPECT_EQ(m->request.ca_file, "/etc/lansync/nts-ca.pem");
  EXPECT_TRUE(m->request.check_dates);
  EXPECT_EQ(m->request.verify_time_s, 1'700'000'000);
}

TEST(IpcNtsClient, AnAnswerRoundTripsWithEveryCookie) {
  std::vector<uint8_t> bytes = nts::encode(an_answer());
  ASSERT_EQ(bytes.size(), nts::kMaxMessage);
  auto m = nts::decode(bytes.data(), bytes.size());
  ASSERT_TRUE(m.ok()) << nts::code(m.error());
  EXPECT_TRUE(m->answer.ok);
  EXPECT_EQ(m->answer.c2s, an_answer().answer.c2s);
  EXPECT_EQ(m->answer.s2c, an_answer().answer.s2c);
  ASSERT_EQ(m->answer.cookies.size(), codec::kNtsMaxCookies);
  EXPECT_EQ(m->answer.cookies[0].size, codec::kNtsMaxCookieSize);
  EXPECT_EQ(m->answer.cookies[7].bytes[99], 7 + 99);
  EXPECT_EQ(m->answer.ntp_address, "192.0.2.5");
  EXPECT_EQ(m->answer.ntp_port, 11123);
}

TEST(IpcNtsClient, AFailedExchangeCarriesItsLine) {
  nts::Message m;
  m.type = nts::Type::KeAnswer;
  m.answer.error = "certificate refused";
  m.answer.unreachable = false;
  std::vector<uint8_t> bytes = nts::encode(m);
  auto back = nts::decode(bytes.data(), bytes.size());
  ASSERT_TRUE(back.ok());
  EXPECT_FALSE(back->answer.ok);
  EXPECT_EQ(back->answer.error, "certificate refused");
  EXPECT_TRUE(back->answer.cookies.empty());
}

TEST(IpcNtsClient, WhatDoesNotFitIsNotEncoded) {
  nts::Message m = a_request();
  m.request.name = std::string(nts::kNameCapacity + 1, 'a');
  EXPECT_TRUE(nts::encode(m).empty());
  nts::Message a = an_answer();
  a.answer.cookies.push_back(a.answer.cookies[1]);  // nine
  EXPECT_TRUE(nts::encode(a).empty());
}

// decode's verdict on bytes with byte `at` set to `value`.
template <class F>
std::string altered(const nts::Message& m, F change) {
  std::vector<uint8_t> bytes = nts::encode(m);
  change(bytes);
  auto back = nts::decode(bytes.data(), bytes.size());
  return back ? "ok" : nts::code(back.error());
}

TEST(IpcNtsClient, EveryLengthAndFieldIsChecked) {
  using Bytes = std::vector<uint8_t>;
  const nts::Message q = a_request();
  const nts::Message a = an_answer();
  EXPECT_EQ(altered(q, [](Bytes& b) { b.pop_back(); }), "bad-length");
  EXPECT_EQ(altered(q, [](Bytes& b) { b.push_back(0); }), "bad-length");
  EXPECT_EQ(altered(q, [](Bytes& b) { b.resize(5); }), "bad-length");
  EXPECT_EQ(altered(q, [](Bytes& b) { b[0] = 2; }), "bad-version");
  EXPECT_EQ(altered(q, [](Bytes& b) { b[2] = 9; }), "bad-type");
  EXPECT_EQ(altered(q, [](Bytes& b) { b[8] ^= 1; }), "bad-length");  // the payload length
  // The address field's length beyond its capacity; an empty address; the date flag not 0 or 1.
  EXPECT_EQ(altered(q, [](Bytes& b) { b[12] = nts::kAddressCapacity + 1; }), "bad-field");
  EXPECT_EQ(altered(q, [](Bytes& b) { b[12] = 0; }), "bad-field");
  const size_t flag = nts::kHeaderSize + nts::kRequestPayload - 9;
  EXPECT_EQ(altered(q, [flag](Bytes& b) { b[flag] = 2; }), "bad-field");
  // An answer: ok with no cookie, a cookie count beyond eight, an empty cookie among those counted.
  const size_t count = nts::kHeaderSize + 2 + 2 + nts::kErrorCapacity + 2 * nts::kKeySize;
  EXPECT_EQ(altered(a, [count](Bytes& b) { b[count] = 0; }), "bad-field");
  EXPECT_EQ(altered(a, [count](Bytes& b) { b[count] = 9; }), "bad-field");
  EXPECT_EQ(altered(a, [count](Bytes& b) { b[count + 1] = b[count + 2] = 0; }), "bad-field");
  EXPECT_EQ(altered(a,
                    [count](Bytes& b) {
                      b[count + 1] = 0xFF;
                      b[count + 2] = 0xFF;
                    }),
            "bad-field");
  EXPECT_EQ(altered(a, [](Bytes& b) { b[nts::kHeaderSize] = 3; }), "bad-field");  // ok neither 0 nor 1
  EXPECT_EQ(altered(a, [](Bytes&) {}), "ok");
}

}  // namespace
}  // namespace lansync
