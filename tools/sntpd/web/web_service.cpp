// sntpd's HTTP interface; see web_service.hpp.
#include "web/web_service.hpp"

namespace lansync::sntpd {

WebService::WebService(os::Clock& clock, HttpConfig config)
    : clock_(clock), config_(std::move(config)), record_(clock, config_.activity_log) {}

os::OsResult<std::unique_ptr<WebService>> WebService::bind(os::Clock& clock, HttpConfig config) {
  std::unique_ptr<WebService> s(new WebService(clock, std::move(config)));
  auto process = WebProcess::bind(s->config_, clock);
  if (!process) return fail(process.error());
  s->process_ = std::move(*process);
  return s;
}

int64_t trusted_for_ns(const ReferenceSnapshot& r) {
  if (!r.synchronized) return 0;
  if (!r.reliable_until_ns) return os::web::kTrustedUntilChanged;
  return *r.reliable_until_ns > r.now_ns ? *r.reliable_until_ns - r.now_ns : 0;
}

void WebService::attach(EventLoop& loop, WebSources sources) {
  auto reference = sources.reference;
  endpoints_.emplace(
      config_, clock_, std::move(sources), record_,
      [this](uint32_t id, int status, const std::string& body) { process_->answer(id, status, body); });
  process_->attach(
      loop, [this](const os::web::Message& m) { endpoints_->handle(m); },
      [reference] { return trusted_for_ns(reference()); });
}

HttpSnapshot WebService::status() const {
  HttpSnapshot h;
  h.set_enabled = config_.set_enabled();
  process_->report(h);
  record_.report(h);
  return h;
}

}  // namespace lansync::sntpd
