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
// See the examples (RaceButtons, TimeServer) and README.md.
#pragma once

#include "firmware/core/auth.hpp"
#include "firmware/core/board.hpp"
#include "firmware/core/text.hpp"

#if defined(ARDUINO)
#include "lansync_port.h"
#endif
