// When an NTS server's key exchange is due; see nts_schedule.hpp.
#include "core/nts_schedule.hpp"

namespace lansync::core {

NtsCertTime nts_cert_time(bool clock_trusted, int64_t now_ns) {
  if (!clock_trusted) return {};
  // Floor division: a clock before 1970 is not trusted, but stays exact.
  int64_t s = now_ns / 1'000'000'000;
  if (now_ns % 1'000'000'000 < 0) --s;
  return {true, s};
}

void NtsSchedule::succeeded(bool dates_checked, int64_t now_mono_ns) {
  asking_ = false;
  ready_ = true;
  dates_checked_ = dates_checked;
  retry_.reset();
  due_ns_ = now_mono_ns + kNtsRefreshNs;
}

void NtsSchedule::failed(int64_t now_mono_ns) {
  asking_ = false;
  if (!dates_checked_) ready_ = false;  // unchecked keys are not kept past a checked refusal
  due_ns_ = now_mono_ns + retry_.next_delay_ns();
}

void NtsSchedule::keys_spent(int64_t now_mono_ns) {
  ready_ = false;
  if (!asking_) due_ns_ = now_mono_ns;
}

void NtsSchedule::authenticated_update(int64_t now_mono_ns) {
  if (ready_ && !dates_checked_ && !asking_ && due_ns_ > now_mono_ns) due_ns_ = now_mono_ns;
}

}  // namespace lansync::core
