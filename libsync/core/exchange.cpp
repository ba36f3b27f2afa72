// The reference ID as text; see exchange.hpp.
#include "core/exchange.hpp"

namespace lansync::core {

std::string refid_text(uint32_t refid, uint8_t stratum) {
  if (stratum <= 1) {
    char text[5];
    codec::refid_to_ascii(refid, text);
    return text;
  }
  return std::to_string(refid >> 24) + "." + std::to_string((refid >> 16) & 0xFF) + "." +
         std::to_string((refid >> 8) & 0xFF) + "." + std::to_string(refid & 0xFF);
}

}  // namespace lansync::core
