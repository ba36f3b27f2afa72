// lansync on an ESP32 or ESP8266: the board keeps millisecond time against the Pi (sntpd), in
// step with a DS3231 across power cuts, and timestamps the user's events with it.
//
// The sketch of both PlatformIO projects (firmware/esp32, firmware/esp8266).
// Edit the settings below; everything else is the portable core
// (firmware/core), driven by lansync_port.h.
#include <Arduino.h>
#if defined(ESP32)
#include <WiFi.h>
#else
#include <ESP8266WiFi.h>
#endif

#include "lansync_port.h"

namespace {

const char* kWifiSsid = "lansync";       // the Pi's access point ("": none)
const char* kWifiPassword = "change-me";
// The board's own access point (no router): Never, Fallback (no SSID above,
// or it is not joined within kJoinSeconds) or Always.  On it the board
// serves SNTP and its page at 192.168.4.1; a phone joins it to set the time.
constexpr lansync::fw::AccessPointMode kAccessPoint = lansync::fw::AccessPointMode::Fallback;
const char* kApSsid = "lansync-board";
const char* kApPassword = "";           // "": open; else 8 to 63 characters
constexpr uint8_t kApChannel = 1;
constexpr uint32_t kJoinSeconds = 30;
const IPAddress kServer(192, 168, 4, 1);  // sntpd on the Pi; 0.0.0.0 for none
// A DS3231 on the default I2C pins: SDA 21 / SCL 22 on an ESP32 dev board,
// D2 / D1 on a D1 mini.
constexpr bool kHasRtc = true;
constexpr uint16_t kServePort = 0;      // 123: answer SNTP for the network (server mode)
constexpr uint16_t kBroadcastPort = 0;  // 123: listen-only, from sntpd --broadcast
// The Pi's NTP key (a line of its key file, e.g. "1 SHA256 HEX:..."): its ID
// and bytes.  0: no authentication.  With a key, only signed replies count.
constexpr uint32_t kKeyId = 0;
constexpr bool kKeySha512 = false;
const uint8_t kKey[32] = {};            // the HEX: value, two digits a byte
// Deep sleep: after kAwakeMs awake, sleep kSleepSeconds (0: never); the
// board keeps its clock in RTC memory and resyncs on waking as needed.  On a
// D1 mini, wire D0 (GPIO16) to RST, or it never wakes.
constexpr uint32_t kSleepSeconds = 0;
constexpr uint32_t kAwakeMs = 5000;
constexpr int kButtonPin = 0;           // BOOT (ESP32) or FLASH (ESP8266), as an example event

lansync_arduino::Port board;

}  // namespace

void setup() {
  Serial.begin(115200);
  pinMode(kButtonPin, INPUT_PULLUP);
  lansync_arduino::Settings s;
  s.server = kServer;
  s.has_rtc = kHasRtc;
  s.serve_port = kServePort;
  s.broadcast_port = kBroadcastPort;
  s.key_id = kKeyId;
  s.key_sha512 = kKeySha512;
  s.key = kKey;
  s.key_size = sizeof(kKey);
  lansync::fw::BoardConfig config;  // defaults: bursts of 4, polls from 64 s to 1024 s
  // The board asks the port to join (it keeps time from the RTC meanwhile) or to start its AP.
  config.network.access_point = kAccessPoint;
  config.network.known.ssid = kWifiSsid;
  config.network.known.password = kWifiPassword;
  config.network.own.ssid = kApSsid;
  config.network.own.password = kApPassword;
  config.network.own.channel = kApChannel;
  config.network.join_timeout_ns = int64_t{kJoinSeconds} * 1'000'000'000;
  board.begin(s, config);
}

void loop() {
  board.loop();
  if (kSleepSeconds > 0 && millis() > kAwakeMs) board.deep_sleep(uint64_t{kSleepSeconds} * 1000000u);
  // An event: print its time and how far it can be off.
  static bool was_pressed = false;
  bool pressed = digitalRead(kButtonPin) == LOW;
  if (pressed && !was_pressed) {
    lansync::fw::Reading r = board.now();
    char line[96];
    lansync::fw::TextWriter w(line, sizeof(line));
    if (r.synchronized) {
      w.put("button at ").put_iso8601(r.utc_ns, 3).put(" +- ").put_seconds(r.error_ns, 3).put(" s");
    } else {
      w.put("button, time unknown");
    }
    Serial.println(w.c_str());
  }
  was_pressed = pressed;
}
