// Which Wi-Fi the board is on; see network.hpp.
#include "firmware/board/network.hpp"

namespace lansync::fw {

const char* access_point_mode_name(AccessPointMode m) {
  switch (m) {
    case AccessPointMode::Never: return "never";
    case AccessPointMode::Fallback: return "fallback";
    case AccessPointMode::Always: return "always";
  }
  return "unknown";
}

void NetworkPlan::start(int64_t local_ns) {
  deadline_ns_ = local_ns;
  bool fallback = config_.access_point == AccessPointMode::Fallback;
  if (config_.access_point == AccessPointMode::Always || (fallback && !has_known())) {
    state_ = State::AccessPointDue;
  } else {
    state_ = has_known() ? State::JoinDue : State::Idle;
  }
}

WifiStep NetworkPlan::next(int64_t local_ns) {
  switch (state_) {
    case State::JoinDue:
      state_ = State::Joining;
      deadline_ns_ = local_ns + config_.join_timeout_ns;
      return WifiStep::Join;
    case State::AccessPointDue: state_ = State::AccessPointStarting; return WifiStep::StartAccessPoint;
    case State::Joining: return local_ns >= deadline_ns_ ? fail_join() : WifiStep::None;
    default: return WifiStep::None;
  }
}

WifiStep NetworkPlan::fail_join() {
  // Never: the port's Wi-Fi keeps trying; a later Joined still counts.
  state_ = config_.access_point == AccessPointMode::Fallback ? State::AccessPointDue : State::Unjoined;
  return WifiStep::JoinFailed;
}

WifiStep NetworkPlan::on_report(WifiReport r, int64_t) {
  switch (r) {
    case WifiReport::Joined:
      if (state_ != State::Joining && state_ != State::Unjoined) return WifiStep::None;
      state_ = State::Joined;
      return WifiStep::Joined;
    case WifiReport::JoinFailed: return state_ == State::Joining ? fail_join() : WifiStep::None;
    case WifiReport::AccessPointStarted:
      if (state_ != State::AccessPointStarting) return WifiStep::None;
      state_ = State::AccessPoint;
      return WifiStep::AccessPointUp;
    case WifiReport::AccessPointFailed:
      if (state_ != State::AccessPointStarting) return WifiStep::None;
      state_ = State::Idle;
      return WifiStep::AccessPointDown;
  }
  return WifiStep::None;
}

int64_t NetworkPlan::wake_ns() const {
  if (state_ == State::JoinDue || state_ == State::AccessPointDue) return deadline_ns_;
  return state_ == State::Joining ? deadline_ns_ : INT64_MAX;
}

}  // namespace lansync::fw
