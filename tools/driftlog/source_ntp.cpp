// ntp:HOST[:PORT]: the offset from an NTP server, by a burst of 4 requests (libsync's client).
//
// The burst and its tests are ntpprobe's (flow::query_servers): 4 requests 1 ms
// apart, the least-delay usable reply counts.  The server's name is resolved
// once, when the run starts.
#include <algorithm>

#include "flow/ntp_client.hpp"
#include "os/clock.hpp"
#include "os/net_address.hpp"
#include "source.hpp"

namespace lansync::driftlog {
namespace {

class NtpSource final : public Source {
 public:
  explicit NtpSource(os::SocketAddress address) : address_(address) {}

  Reading measure(const MeasureContext& ctx) override {
    Reading r;
    r.mono_ns = os::monotonic_ns();
    r.local_ns = clock_.now_ns();
    flow::QueryOptions q;
    q.samples = 4;
    q.timeout_ns = std::max<int64_t>(1'000'000, ctx.deadline_mono_ns - r.mono_ns);
    flow::ServerReport rep = flow::query_servers(clock_, {address_}, q).front();
    if (rep.usable) {
      r.status = core::ReadingStatus::Ok;
      r.offset_s = static_cast<double>(rep.best.offset_ns) / 1e9;
      r.delay_s = static_cast<double>(rep.best.delay_ns) / 1e9;
      return r;
    }
    if (!rep.error.empty()) {
      r.status = core::ReadingStatus::Error;
      r.detail = rep.error;
    } else if (rep.replies == 0) {
      r.status = core::ReadingStatus::Timeout;
      r.detail = "no reply";
    } else if (rep.status == proto::ReplyStatus::KissOfDeath) {
      r.status = core::ReadingStatus::Kod;
      r.detail = std::string("Kiss-o'-Death ") + rep.kiss_code;
    } else if (rep.status == proto::ReplyStatus::Unsynchronized) {
      r.status = core::ReadingStatus::Unsynchronized;
      r.detail = proto::describe(rep.status);
    } else {
      r.status = core::ReadingStatus::Error;
      r.detail = proto::describe(rep.status);
    }
    return r;
  }

 private:
  os::SystemClock clock_;
  os::SocketAddress address_;
};

Result<std::unique_ptr<Source>, std::string> open_ntp(const std::string& argument) {
  auto hp = os::parse_host_port(argument, 123);
  if (!hp) return fail(hp.error().message);
  auto addrs = os::resolve(*hp);
  if (!addrs) return fail(addrs.error().message);
  return std::unique_ptr<Source>(new NtpSource(addrs->front()));
}

const SourceRegistration kRegistration{{"ntp", "ntp:HOST[:PORT]", open_ntp}};

}  // namespace
}  // namespace lansync::driftlog
