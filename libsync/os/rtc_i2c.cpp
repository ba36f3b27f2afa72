// /dev/i2c-N; see rtc_i2c.hpp.
#include "os/rtc_i2c.hpp"

#include <fcntl.h>
#include <linux/i2c-dev.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace lansync::os {
namespace {

std::string hex_address(uint8_t address) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", address);
  return buf;
}

class LinuxI2cBus final : public I2cBus {
 public:
  LinuxI2cBus(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~LinuxI2cBus() override { ::close(fd_); }
  LinuxI2cBus(const LinuxI2cBus&) = delete;
  LinuxI2cBus& operator=(const LinuxI2cBus&) = delete;

  const std::string& name() const override { return path_; }

  Status transfer(uint8_t address, const uint8_t* out, size_t out_size, uint8_t* in,
                  size_t in_size) override {
    std::string where = hex_address(address) + " on " + path_;
    if (address != claimed_) {
      // I2C_SLAVE (not _FORCE): refuse to talk behind a bound kernel driver's back.
      if (::ioctl(fd_, I2C_SLAVE, static_cast<unsigned long>(address)) != 0) {
        if (errno == EBUSY) {
          return code_error(
              std::errc::device_or_resource_busy,
              "address " + where + " is claimed by a kernel driver (use its /dev/rtcN, or unbind it)");
        }
        return errno_error("cannot address " + where);
      }
      claimed_ = address;
    }
    if (out_size > 0) {
      ssize_t n = ::write(fd_, out, out_size);
      if (n < 0) return errno_error("cannot write to " + where);
      if (static_cast<size_t>(n) != out_size)
        return code_error(std::errc::io_error, "short write to " + where);
    }
    if (in_size > 0) {
      ssize_t n = ::read(fd_, in, in_size);
      if (n < 0) return errno_error("cannot read from " + where);
      if (static_cast<size_t>(n) != in_size)
        return code_error(std::errc::io_error, "short read from " + where);
    }
    return ok();
  }

 private:
  int fd_;
  std::string path_;
  int claimed_ = -1;
};

}  // namespace

OsResult<std::unique_ptr<I2cBus>> open_i2c_bus(int number) {
  std::string path = "/dev/i2c-" + std::to_string(number);
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    auto e = errno_error("cannot open " + path);
    if (err == ENOENT) e.error.message += " (is I2C enabled and the i2c-dev module loaded?)";
    return e;
  }
  return std::unique_ptr<I2cBus>(std::make_unique<LinuxI2cBus>(fd, path));
}

}  // namespace lansync::os
