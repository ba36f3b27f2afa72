// The SVG writer; see svg.hpp.
#include "svg.hpp"

#include <fmt/core.h>

namespace lansync::driftlog {

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 has no place for most control characters.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t') out += c;
    }
  }
  return out;
}

Svg::Svg(double width, double height) {
  out_ = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0:.0f}\" height=\"{1:.0f}\" viewBox=\"0 0 {0:.0f} "
      "{1:.0f}\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n",
      width, height);
}

void Svg::rect(double x, double y, double w, double h, std::string_view a) {
  out_ +=
      fmt::format("<rect x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\" {}/>\n", x, y, w, h, a);
}

void Svg::line(double x1, double y1, double x2, double y2, std::string_view a) {
  out_ +=
      fmt::format("<line x1=\"{:.2f}\" y1=\"{:.2f}\" x2=\"{:.2f}\" y2=\"{:.2f}\" {}/>\n", x1, y1, x2, y2, a);
}

void Svg::circle(double cx, double cy, double r, std::string_view a) {
  out_ += fmt::format("<circle cx=\"{:.2f}\" cy=\"{:.2f}\" r=\"{:.2f}\" {}/>\n", cx, cy, r, a);
}

void Svg::text(double x, double y, std::string_view content, std::string_view anchor, double size,
               std::string_view a, double rotate_deg) {
  std::string transform =
      rotate_deg != 0 ? fmt::format(" transform=\"rotate({:.1f} {:.2f} {:.2f})\"", rotate_deg, x, y) : "";
  out_ +=
      fmt::format("<text x=\"{:.2f}\" y=\"{:.2f}\" text-anchor=\"{}\" font-size=\"{:.1f}\"{} {}>{}</text>\n",
                  x, y, anchor, size, transform, a, xml_escape(content));
}

void Svg::open_group(std::string_view a) { out_ += fmt::format("<g {}>\n", a); }

void Svg::close_group() { out_ += "</g>\n"; }

void Svg::comment(std::string_view content) {
  std::string safe(content);
  for (size_t p; (p = safe.find("--")) != std::string::npos;) safe.replace(p, 2, "- -");
  out_ += "<!-- " + safe + " -->\n";
}

std::string Svg::finish() { return out_ + "</svg>\n"; }

}  // namespace lansync::driftlog
