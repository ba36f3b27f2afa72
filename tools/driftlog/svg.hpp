// A small SVG writer: the few elements a chart needs, numbers to 0.01 px, text escaped.
#pragma once

#include <string>
#include <string_view>

namespace lansync::driftlog {

class Svg {
 public:
  Svg(double width, double height);

  // Each takes extra attributes verbatim, e.g. R"(stroke="#222" stroke-width="1")".
  void rect(double x, double y, double w, double h, std::string_view attributes);
  void line(double x1, double y1, double x2, double y2, std::string_view attributes);
  void circle(double cx, double cy, double r, std::string_view attributes);
  // anchor: start, middle or end; rotate_deg turns the text about (x, y).
  void text(double x, double y, std::string_view content, std::string_view anchor, double size,
            std::string_view attributes = "", double rotate_deg = 0);
  void open_group(std::string_view attributes);
  void close_group();
  void comment(std::string_view content);

  // The whole document, closed.
  std::string finish();

 private:
  std::string out_;
};

// Text for XML content and attribute values: & < > " ' escaped.
std::string xml_escape(std::string_view s);

}  // namespace lansync::driftlog
