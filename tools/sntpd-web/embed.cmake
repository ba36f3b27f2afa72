# Embeds a file in C++ as bytes: cmake -DINPUT=page.html -DOUTPUT=page.cpp -DSYMBOL=kPageHtml -P embed.cmake
# The file stays as it is in the source tree; the build turns it into an array.
file(READ "${INPUT}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
get_filename_component(name "${INPUT}" NAME)
file(WRITE "${OUTPUT}.tmp" "// Generated from ${name} by embed.cmake: do not edit.
#include <string_view>

namespace lansync::web {
namespace {
constexpr unsigned char ${SYMBOL}Bytes[] = {
${bytes}};
}  // namespace
extern const std::string_view ${SYMBOL};
const std::string_view ${SYMBOL}(reinterpret_cast<const char*>(${SYMBOL}Bytes), sizeof(${SYMBOL}Bytes));
}  // namespace lansync::web
")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
