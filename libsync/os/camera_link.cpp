// The camera's error category; see camera_link.hpp.
#include "os/camera_link.hpp"

namespace lansync::os {
namespace {

class CameraCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "camera"; }
  std::string message(int v) const override {
    switch (static_cast<CameraErrc>(v)) {
      case CameraErrc::busy: return "camera busy";
      case CameraErrc::rejected: return "request refused by the camera";
      case CameraErrc::malformed: return "malformed reply";
      case CameraErrc::unsupported: return "not supported by the camera";
      case CameraErrc::inconsistent: return "inconsistent clock readings";
    }
    return "unknown";
  }
};

}  // namespace

const std::error_category& camera_category() {
  static const CameraCategory category;
  return category;
}

std::error_code make_error_code(CameraErrc e) { return {static_cast<int>(e), camera_category()}; }

}  // namespace lansync::os
