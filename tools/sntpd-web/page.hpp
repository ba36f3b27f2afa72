// The phone page (page.html), embedded at build time by embed.cmake into page.cpp.
#pragma once

#include <string_view>

namespace lansync::web {

extern const std::string_view kPageHtml;

}  // namespace lansync::web
