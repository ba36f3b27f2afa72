// sntpd-nts client, supervised; see nts_helper.hpp.
#include "upstream/nts_helper.hpp"

#include <algorithm>
#include <cerrno>

#include "os/clock.hpp"
#include "os/ipc_seqpacket.hpp"
#include "os/log.hpp"

namespace lansync::sntpd {

NtsHelper::NtsHelper(const NtsClientConfig& config)
    : config_(config), helper_("sntpd-nts", LANSYNC_NTS_BINARY, "nts", config.user, config.user_name) {}

uint32_t NtsHelper::ask(os::nts::KeRequest q) {
  os::nts::Message m;
  m.type = os::nts::Type::KeRequest;
  m.id = next_id_++;
  m.request = std::move(q);
  m.request.ca_file = config_.ca_file;
  const uint32_t id = m.id;
  queue_.push_back(std::move(m));
  // start() may fail and answer every request asked (gone()): the id is kept before.
  if (channel_.get() < 0 && !helper_.running() && helper_.restart_due_mono_ns() == INT64_MAX) start();
  send_waiting();
  return id;
}

void NtsHelper::start() {
  if (!helper_.found()) {
    os::log::error("nts: cannot find sntpd-nts (not next to sntpd, nor " LANSYNC_NTS_BINARY ")");
    helper_.no_restart();
    return gone();  // every exchange asked fails, and is asked again later
  }
  std::vector<std::string> args = {"client", "--channel-fd", std::to_string(ChildProcess::kChannelFd)};
  if (config_.verbose) args.push_back("--verbose");
  channel_ = helper_.start(args, {});
  sent_ = 0;
}

void NtsHelper::send_waiting() {
  while (channel_.get() >= 0 && sent_ < queue_.size()) {
    if (!os::nts::send(channel_.get(), queue_[sent_])) return;  // full: the next round
    if (sent_++ == 0) answer_due_mono_ns_ = os::monotonic_ns() + kHungNs;
  }
}

int64_t NtsHelper::next_due_ns() const {
  return queue_.empty() ? INT64_MAX : std::min(helper_.restart_due_mono_ns(), answer_due_mono_ns_);
}

void NtsHelper::tick(int64_t now_mono_ns) {
  if (sent_ > 0 && answer_due_mono_ns_ <= now_mono_ns) {
    os::log::warn(
        "nts: sntpd-nts (pid {}) did not answer a key exchange for {} s; killing and starting it again",
        helper_.pid(), kHungNs / 1'000'000'000);
    gone();
  }
  if (!queue_.empty() && !helper_.running() && helper_.restart_due_mono_ns() <= now_mono_ns) start();
  send_waiting();
}

void NtsHelper::gone() {
  channel_.reset();
  if (helper_.running()) helper_.gone();
  for (const os::nts::Message& m : queue_) {
    os::nts::KeAnswer a;
    a.error = "sntpd-nts stopped before answering";
    answers_.emplace_back(m.id, std::move(a));
  }
  queue_.clear();
  sent_ = 0;
  answer_due_mono_ns_ = INT64_MAX;
}

std::vector<std::pair<uint32_t, os::nts::KeAnswer>> NtsHelper::take() {
  for (int i = 0; i < ChildProcess::kMessagesPerRound && channel_.get() >= 0; ++i) {
    ssize_t n = os::nts::receive(channel_.get(), buf_, /*wait=*/false);
    if (n == 0 || (n < 0 && n != os::kOversized && errno != EAGAIN && errno != EWOULDBLOCK)) {
      gone();
      break;
    }
    if (n == -1) break;
    auto m =
        n > 0 ? os::nts::decode(buf_.data(), static_cast<size_t>(n)) : fail(os::nts::DecodeError::BadLength);
    if (!m || m->type != os::nts::Type::KeAnswer) {
      ++dropped_;
      continue;
    }
    for (size_t k = 0; k < sent_; ++k) {
      if (queue_[k].id != m->id) continue;
      queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(k));
      --sent_;
      answer_due_mono_ns_ = sent_ > 0 ? os::monotonic_ns() + kHungNs : INT64_MAX;
      answers_.emplace_back(m->id, std::move(m->answer));
      break;
    }
  }
  send_waiting();
  return std::exchange(answers_, {});
}

}  // namespace lansync::sntpd
