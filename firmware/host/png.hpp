// A PNG encoder for lansync-board's pictures of the wall clock: 8-bit RGB, uncompressed.
//
// The pictures are a few hundred pixels, so the image data goes into stored
// (uncompressed) deflate blocks and no zlib is needed; the chunks' CRC-32 is
// the board's own (firmware/board/sleep, zlib's polynomial), Adler-32 is
// computed here.  Any PNG reader takes the result (tests/support/pngread.py
// reads it back in the tests).
#pragma once

#include <cstdint>
#include <string>

namespace lansync::host {

// The PNG file of a width x height picture, rgb holding 3 bytes (red, green, blue) per pixel,
// rows from the top.  width and height are 1..4096.
std::string encode_png(uint32_t width, uint32_t height, const uint8_t* rgb);

}  // namespace lansync::host
