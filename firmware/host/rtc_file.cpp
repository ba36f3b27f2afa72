// The host port's DS3231 and its state file; see rtc_file.hpp.
#include "rtc_file.hpp"

#include <fmt/core.h>

#include <cerrno>
#include <cmath>
#include <sstream>

#include "codec/timestamp.hpp"
#include "ds3231_emulator.hpp"
#include "fake_clock.hpp"
#include "os/clock.hpp"
#include "os/file.hpp"

namespace lansync::host {
namespace {

constexpr const char* kMagic = "lansync-board-rtc 1";

}  // namespace

RtcFile::RtcFile(std::string path, double crystal_ppm)
    : path_(std::move(path)),
      clock_(std::make_unique<testing::FakeClock>()),
      chip_(std::make_unique<testing::Ds3231Emulator>(*clock_)),
      mono_base_ns_(os::monotonic_ns()) {
  chip_->crystal_ppm = crystal_ppm;
}

RtcFile::~RtcFile() = default;

os::OsResult<std::unique_ptr<RtcFile>> RtcFile::open(const std::string& path, double crystal_ppm) {
  std::unique_ptr<RtcFile> rtc(new RtcFile(path, crystal_ppm));
  auto text = os::read_small_file(path, 4096);
  if (!text) {
    if (text.error().code == std::errc::no_such_file_or_directory) return rtc;  // powered up: OSF set
    return fail(text.error());
  }
  // Lines "key value..."; all of them must be there.
  std::istringstream in(*text);
  std::string line, key;
  int64_t chip_ns = -1, saved_ns = -1;
  int control = -1, status = -1, aging = -1;
  bool magic = std::getline(in, line) && line == kMagic;
  while (magic && std::getline(in, line)) {
    std::istringstream words(line);
    words >> key;
    if (key == "chip_ns") words >> chip_ns;
    if (key == "saved_realtime_ns") words >> saved_ns;
    if (key == "control") words >> control;
    if (key == "status") words >> status;
    if (key == "aging") words >> aging;
    if (key == "set_unix_s") words >> rtc->set_unix_s;
    if (key == "set_error_ns") words >> rtc->set_error_ns;
  }
  if (!magic || chip_ns < 0 || saved_ns < 0 || control < 0 || control > 255 || status < 0 || status > 255 ||
      aging < 0 || aging > 255) {
    return os::invalid(path + ": not a lansync-board RTC state file (delete it to start with a new chip)");
  }
  // The battery kept it going while we were not running.
  int64_t off_ns = std::max<int64_t>(0, os::read_clock_or_exit(CLOCK_REALTIME) - saved_ns);
  bool stopped = (control & 0x80) != 0;  // EOSC: the oscillator stops on battery
  if (!stopped) chip_ns += off_ns + std::llround(static_cast<double>(off_ns) * crystal_ppm * 1e-6);
  rtc->chip_->load_unix(chip_ns / codec::kNsPerSecond, chip_ns % codec::kNsPerSecond);  // clears OSF
  rtc->chip_->poke(0x0E, static_cast<uint8_t>(control));
  rtc->chip_->poke(0x10, static_cast<uint8_t>(aging));
  rtc->chip_->poke(0x0F, static_cast<uint8_t>(status | (stopped && off_ns > 0 ? 0x80 : 0)));
  return rtc;
}

void RtcFile::catch_up() { clock_->advance(os::monotonic_ns() - mono_base_ns_ - clock_->monotonic_ns()); }

bool RtcFile::transfer(const uint8_t* out, size_t out_size, uint8_t* in, size_t in_size) {
  catch_up();
  return chip_->transfer(testing::Ds3231Emulator::kAddress, out, out_size, in, in_size).ok();
}

os::Status RtcFile::save() {
  catch_up();
  std::string text = fmt::format(
      "{}\nchip_ns {}\nsaved_realtime_ns {}\ncontrol {}\nstatus {}\naging {}\nset_unix_s {}\nset_error_ns "
      "{}\n",
      kMagic, chip_->time_ns(), os::read_clock_or_exit(CLOCK_REALTIME), chip_->peek(0x0E), chip_->peek(0x0F),
      chip_->peek(0x10), set_unix_s, set_error_ns);
  return os::write_file_atomic(path_, text, 0644);
}

}  // namespace lansync::host
