// Unit test of sntpd's NTS helper supervision (tools/sntpd/upstream/nts_helper): the real
// sntpd-nts (built beside this test, found as sntpd finds it) started on the first request, asked
// over the channel, and its answer brought back with the request's id.
#include <gtest/gtest.h>
#include <poll.h>

#include <utility>
#include <vector>

#include "upstream/nts_helper.hpp"

namespace lansync::sntpd {
namespace {

// The answers of h within about 10 s (bounded: 100 waits of 0.1 s).
std::vector<std::pair<uint32_t, os::nts::KeAnswer>> wait_answers(NtsHelper& h) {
  std::vector<std::pair<uint32_t, os::nts::KeAnswer>> got;
  for (int i = 0; i < 100 && got.empty(); ++i) {
    pollfd p{h.fd(), POLLIN, 0};
    if (h.fd() >= 0) ::poll(&p, 1, 100);
    got = h.take();
  }
  return got;
}

TEST(SntpdNtsHelper, ARequestGoesThroughTheHelperAndItsAnswerComesBackWithItsId) {
  NtsClientConfig config;
  config.ca_file = "/nonexistent/lansync-test-ca.pem";  // refused before any connection is tried
  NtsHelper h(config);
  os::nts::KeRequest q;
  q.address = "127.0.0.1";
  q.port = 4460;
  q.name = "ntp.test";
  h.ask(q);
  uint32_t id = h.ask(q);  // two in flight, answered in turn
  auto first = wait_answers(h);
  ASSERT_FALSE(first.empty()) << "sntpd-nts did not answer (is it built next to unit_tests?)";
  EXPECT_FALSE(first[0].second.ok);
  EXPECT_NE(first[0].second.error.find("cannot read a CA certificate from"), std::string::npos)
      << first[0].second.error;
  EXPECT_FALSE(first[0].second.unreachable);
  auto second = first.size() > 1 ? first : wait_answers(h);
  ASSERT_FALSE(second.empty());
  EXPECT_EQ(second.back().first, id);
  EXPECT_EQ(h.next_due_ns(), INT64_MAX);  // nothing waits: no restart, no deadline
}

}  // namespace
}  // namespace lansync::sntpd
