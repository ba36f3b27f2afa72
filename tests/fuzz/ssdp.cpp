// Fuzz target for what camsync --watch hears; see targets.hpp.
#include <optional>
#include <string>

#include "core/camera_watch.hpp"
#include "os/net_ssdp.hpp"
#include "os/net_ssdp_listener.hpp"
#include "targets.hpp"

namespace lansync::fuzz {
namespace {

constexpr Require require{"ssdp"};
constexpr int64_t kS = 1'000'000'000;
const char* const kSenders[] = {"192.168.4.20", "192.168.4.21", "10.0.0.1", "127.0.0.1"};

}  // namespace

int ssdp(const uint8_t* data, size_t size) {
  // One watcher across inputs, as the daemon keeps one: its clock moves on by each input's first byte.
  static core::CameraWatch watch(0);
  static int64_t now_ns = 0;
  static std::optional<int64_t> last_run_ns;
  if (size == 0) return 0;
  now_ns += (data[0] & 0x3f) * kS;
  const std::string from = kSenders[(data[0] >> 6) & 3];
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  os::CameraSsdp c = os::classify_camera_ssdp(text, from);
  require(c.event.has_value() != (*c.why_not != '\0'), "an event, or a reason why not, never both");
  if (c.event && *c.event != core::SsdpEvent::Byebye) {
    auto n = os::parse_ssdp_notify(text);
    auto r = os::parse_ssdp_response(text);
    const std::string& location = n ? n->location : r ? r->location : std::string();
    require(os::ssdp_names_host(location, from), "what counts names its sender");
  }
  if (c.max_age_s) require(*c.max_age_s >= 0 && *c.max_age_s < 10'000'000'000, "max-age is a small number");
  if (!c.event) return 0;
  std::optional<int64_t> age;
  if (c.max_age_s) age = *c.max_age_s * kS;
  if (watch.due(now_ns).action == core::WatchAction::Run) last_run_ns = now_ns;
  core::WatchDecision d = watch.heard(from, *c.event, age, c.boot_id, now_ns);
  if (d.action == core::WatchAction::Run) {
    require(!last_run_ns || now_ns - *last_run_ns >= 30 * kS, "runs are 30 s apart");
    last_run_ns = now_ns;
  }
  require(watch.present(now_ns) <= 16, "at most 16 addresses");
  return 0;
}

}  // namespace lansync::fuzz
