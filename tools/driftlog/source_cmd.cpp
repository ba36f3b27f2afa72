// cmd:COMMAND: any program that prints one offset per run, for references we do not know yet.
//
// Each measurement runs `/bin/sh -c COMMAND` (os::run_shell_command).  Its
// standard output must be one line: the offset in seconds (reference - local
// clock, positive when the local clock is behind), optionally followed by the
// round-trip delay in seconds; or one of the status words timeout,
// unsynchronized, kod, error.  A nonzero exit status, a signal, the deadline
// or any other output makes the row an error (or a timeout).  The time of the
// measurement is the middle of the command's run.
#include <charconv>
#include <cmath>

#include "os/clock.hpp"
#include "os/proc_command.hpp"
#include "source.hpp"

namespace lansync::driftlog {
namespace {

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    size_t start = i;
    while (i < s.size() && !(s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::optional<double> number(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// The last line of what the command said on stderr, for the live status.
std::string last_line(const std::string& text) {
  std::string_view s = text;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  size_t nl = s.rfind('\n');
  if (nl != std::string_view::npos) s.remove_prefix(nl + 1);
  return std::string(s.substr(0, 120));
}

class CommandSource final : public Source {
 public:
  explicit CommandSource(std::string command) : command_(std::move(command)) {}

  Reading measure(const MeasureContext& ctx) override {
    Reading r;
    int64_t mono_start = os::monotonic_ns(), local_start = clock_.now_ns();
    auto run = os::run_shell_command(command_, ctx.deadline_mono_ns, ctx.cancel_fd);
    int64_t mono_end = os::monotonic_ns(), local_end = clock_.now_ns();
    r.mono_ns = mono_start + (mono_end - mono_start) / 2;
    r.local_ns = local_start + (local_end - local_start) / 2;
    r.status = core::ReadingStatus::Error;
    if (!run) {
      r.detail = run.error().message;
      return r;
    }
    using End = os::CommandOutcome::End;
    switch (run->end) {
      case End::Cancelled: r.cancelled = true; return r;
      case End::TimedOut:
        r.status = core::ReadingStatus::Timeout;
        r.detail = "the command did not finish in time";
        return r;
      case End::Signaled:
        r.detail = "the command was killed by signal " + std::to_string(run->code);
        return r;
      case End::Exited: break;
    }
    if (run->code != 0) {
      std::string said = last_line(run->err);
      r.detail =
          "the command exited with status " + std::to_string(run->code) + (said.empty() ? "" : ": " + said);
      return r;
    }
    std::vector<std::string_view> w = words(run->out);
    if (w.size() == 1) {
      if (auto st = core::parse_status_word(w[0]); st && *st != core::ReadingStatus::Ok) {
        r.status = *st;
        r.detail = "the command said " + std::string(w[0]);
        return r;
      }
    }
    std::optional<double> offset = w.empty() ? std::nullopt : number(w[0]);
    std::optional<double> delay = w.size() == 2 ? number(w[1]) : std::nullopt;
    if (!offset || w.size() > 2 || (w.size() == 2 && !delay)) {
      r.detail = "the command printed '" + last_line(run->out) + "', not OFFSET [DELAY] in seconds";
      return r;
    }
    r.status = core::ReadingStatus::Ok;
    r.offset_s = *offset;
    r.delay_s = delay;
    return r;
  }

 private:
  std::string command_;
  os::SystemClock clock_;
};

Result<std::unique_ptr<Source>, std::string> open_command(const std::string& argument) {
  return std::unique_ptr<Source>(new CommandSource(argument));
}

const SourceRegistration kRegistration{{"cmd", "cmd:COMMAND", open_command}};

}  // namespace
}  // namespace lansync::driftlog
