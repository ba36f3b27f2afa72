// camera:URL: a Canon camera's clock through its Camera Control API (camsync's measurement).
//
// The camera shows whole seconds; camsync's CameraSync::measure reads it until
// its second changes and intersects the readings, which gives the offset to
// about a round trip (a millisecond on a LAN) in one to two seconds.  The
// offset written is camera - local clock; the delay column holds the width of
// the interval the readings leave it in (twice its uncertainty), so that half
// of it bounds the offset's error as half a round trip does for NTP rows.
// With the camera as the reference, drift_ppm is the local clock's rate
// against the camera: the camera's own drift is minus that.  Cameras with
// digest authentication are camsync's business: this source takes none (a
// password does not belong on a command line).
#include <algorithm>

#include "flow/camera_sync.hpp"
#include "os/camera_ccapi.hpp"
#include "os/clock.hpp"
#include "source.hpp"

namespace lansync::driftlog {
namespace {

class CameraSource final : public Source {
 public:
  CameraSource(const os::Url& url, const os::HttpOptions& options)
      : camera_(url, options), sync_(clock_, camera_) {}

  Reading measure(const MeasureContext&) override {
    Reading r;
    r.mono_ns = os::monotonic_ns();
    r.local_ns = clock_.now_ns();
    auto m = sync_.measure();
    if (!m) {
      bool timeout = m.error().code == std::errc::timed_out ||
                     m.error().code == std::errc::connection_refused ||
                     m.error().code == std::errc::host_unreachable;
      r.status = timeout ? core::ReadingStatus::Timeout : core::ReadingStatus::Error;
      r.detail = m.error().message;
      return r;
    }
    r.status = core::ReadingStatus::Ok;
    // The row is when the offset was measured, up to two seconds after the reading began: a
    // camera 5000 ppm fast is 10 ms further off by then, and where that fell varied row by row.
    r.mono_ns += m->at_ns - r.local_ns;
    r.local_ns = m->at_ns;
    r.offset_s = static_cast<double>(m->offset_ns) / 1e9;
    // The width of the offset's interval, not the least round trip: the second's change is
    // placed between two readings 2 ms apart at best, and to 100 ms when a slow machine
    // missed the dense readings; analyze weighs each row by it.
    r.delay_s = static_cast<double>(std::max(m->min_rtt_ns, 2 * m->uncertainty_ns)) / 1e9;
    return r;
  }

 private:
  os::SystemClock clock_;
  os::CcapiCamera camera_;
  flow::CameraSync sync_;
};

Result<std::unique_ptr<Source>, std::string> open_camera(const std::string& argument) {
  auto url = os::parse_camera_url(argument);
  if (!url) return fail(url.error().message);
  os::HttpOptions options;
  options.timeout_ns = 5'000'000'000;
  return std::unique_ptr<Source>(std::make_unique<CameraSource>(*url, options));
}

const SourceRegistration kCamera{{"camera", "camera:URL", open_camera}};

}  // namespace
}  // namespace lansync::driftlog
