// fmt's out-of-line code, compiled once for the whole project.
//
// Debian ships fmt as headers and as a shared library, and that library
// brings the shared libstdc++ our statically linked tools do without.  Used
// header-only instead, every file that includes <fmt/core.h> compiles all of
// fmt again, which was half of the build's time.  So fmt is used as a
// compiled library whose one source file is this: its implementation, and
// the two templates <fmt/format.h> declares `extern template` for char.
#include <fmt/format-inl.h>

FMT_BEGIN_NAMESPACE
namespace detail {
template auto thousands_sep_impl<char>(locale_ref) -> thousands_sep_result<char>;
template auto decimal_point_impl<char>(locale_ref) -> char;
}  // namespace detail
FMT_END_NAMESPACE
