// lansync: millisecond time with an honest error bound on an ESP32 or ESP8266,
// from an NTP server on the LAN (sntpd on a Raspberry Pi, chrony), a DS3231,
// or a phone, without the Internet.  The one header a sketch includes.
//
// The portable core (lansync::fw: Board, Reading, TextWriter; and
// lansync::proto::parse_key_line) is freestanding C++17 and compiles anywhere; with the
// Arduino core (ARDUINO defined) this header also brings the ESP glue,
// lansync_arduino::Port, which a sketch drives:
//
//   lansync_arduino::Port board;
//   void setup() { WiFi.begin(ssid, pass); board.begin(settings, config); }
//   void loop() { board.loop(); ... board.now() ... }
//
// The NTP server is Settings::server, or with 0.0.0.0 the one the DHCP lease
// names (option 42), where the core's lwIP hands it out (the ESP8266 core 3.x,
// Arduino-ESP32 2.x and 3.x): see lansync_port.h and firmware/README.md.
//
// See the examples (RaceButtons, TimeServer) and README.md.
//
// The library is C++17.  The ESP8266 core (gnu++17) and Arduino-ESP32 3.x
// (gnu++2b) compile sketches at that level or above; Arduino-ESP32 2.x
// compiles them as gnu++11, and then this header stops the compilation at
// one #error that names the fix (the missing #include after it is fatal, so
// that no wall of errors from the sketch and the core's headers follows).
#pragma once

#if __cplusplus < 201703L
// The message stays on one line, as the compiler prints it.
// clang-format off
#error "lansync needs C++17; this sketch is compiled as C++11 (Arduino-ESP32 2.x's default, gnu++11). Arduino IDE: install Arduino-ESP32 3.x (Boards Manager, esp32 by Espressif). PlatformIO: add build_unflags = -std=gnu++11 and build_flags = -std=gnu++17 to platformio.ini (README.md, The boards)."
#include "lansync needs C++17: see the error above"
// clang-format on
#else
#include "firmware/board/auth.hpp"
#include "firmware/board/board.hpp"
#include "firmware/board/text.hpp"
#include "firmware/board/wall_display.hpp"

#if defined(ARDUINO)
#include "lansync_port.h"
#endif
#endif
