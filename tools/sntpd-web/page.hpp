// The phone page (page.html) and the snippet for other pages (lansync.js), embedded at build time by
// embed.cmake into page.cpp.
#pragma once

#include <string_view>

namespace lansync::web {

extern const std::string_view kPageHtml;
extern const std::string_view kLansyncJs;

}  // namespace lansync::web
