// lansync on an ESP32 or ESP8266: the board keeps millisecond time against the Pi (sntpd), in
// step with a DS3231 across power cuts, and timestamps the user's events with it.
//
// The sketch of both PlatformIO projects (firmware/esp32, firmware/esp8266).
// Edit the settings below; everything else is the portable core
// (firmware/board), driven by lansync_port.h.
#include <Arduino.h>
#if defined(ESP32)
#include <WiFi.h>
#else
#include <ESP8266WiFi.h>
#endif

#if __has_include("secrets.h")
#include "secrets.h"
#else
#error "copy secrets.h.example to secrets.h (git-ignored) and fill in the Wi-Fi network and key"
#endif
#include "lansync.h"

namespace {

// The Wi-Fi network and the NTP key live in secrets.h (git-ignored): copy
// secrets.h.example to secrets.h and fill it in ("" as the SSID: none).
const char* kWifiSsid = LANSYNC_WIFI_SSID;
const char* kWifiPassword = LANSYNC_WIFI_PASSWORD;
// The board's own access point (no router): Never, Fallback (no SSID above,
// or it is not joined within kJoinSeconds) or Always.  On it the board
// serves SNTP and its page at 192.168.4.1; a phone joins it to set the time.
constexpr lansync::fw::AccessPointMode kAccessPoint = lansync::fw::AccessPointMode::Fallback;
const char* kApSsid = "lansync-board";
const char* kApPassword = "";  // "": open; else 8 to 63 characters
constexpr uint8_t kApChannel = 1;
constexpr uint32_t kJoinSeconds = 30;
const IPAddress kServer(192, 168, 4, 1);  // sntpd on the Pi; 0.0.0.0: the one the DHCP lease names
// A DS3231 on the I2C pins below.
constexpr bool kHasRtc = true;
constexpr uint16_t kServePort = 0;      // 123: answer SNTP for the network (server mode)
constexpr uint16_t kBroadcastPort = 0;  // 123: listen-only, from sntpd --broadcast
// The Pi's NTP key: LANSYNC_KEY_LINE in secrets.h, the line of its key file
// ("1 SHA256 HEX:..."); "" for none.  With a key, only signed replies count.
const char* kKeyLine = LANSYNC_KEY_LINE;
// Deep sleep: after kAwakeMs awake, sleep kSleepSeconds (0: never); the
// board keeps its clock in RTC memory and resyncs on waking as needed.  On a
// D1 mini, wire D0 (GPIO16) to RST, or it never wakes.
constexpr uint32_t kSleepSeconds = 0;
constexpr uint32_t kAwakeMs = 5000;
// The example event's button and the DS3231's I2C pins, as raw GPIO numbers
// (every board of a chip has them; -1: the core's default I2C pins).
#if defined(CONFIG_IDF_TARGET_ESP32C3)
constexpr int kButtonPin = 9;      // BOOT on ESP32-C3 boards
constexpr int kSda = 6, kScl = 7;  // not the core's SDA 8 / SCL 9: 9 is BOOT, 8 the DevKitM-1's LED
#elif defined(ESP32)
constexpr int kButtonPin = 0;        // BOOT
constexpr int kSda = -1, kScl = -1;  // SDA 21 / SCL 22 on an ESP32 dev board
#else
constexpr int kButtonPin = 0;        // FLASH; D3 on a D1 mini
constexpr int kSda = -1, kScl = -1;  // SDA GPIO4 / SCL GPIO5: D2 / D1 on a D1 mini
#endif

lansync_arduino::Port board;

}  // namespace

void setup() {
  Serial.begin(115200);
  pinMode(kButtonPin, INPUT_PULLUP);
  lansync_arduino::Settings s;
  s.server = kServer;
  s.has_rtc = kHasRtc;
  s.sda = kSda;
  s.scl = kScl;
  s.serve_port = kServePort;
  s.broadcast_port = kBroadcastPort;
  s.key_line = kKeyLine;
  lansync::fw::BoardConfig config;  // defaults: bursts of 4, polls from 64 s to 1024 s
  // The board asks the port to join (it keeps time from the RTC meanwhile) or to start its AP.
  config.network.access_point = kAccessPoint;
  config.network.known.ssid = kWifiSsid;
  config.network.known.password = kWifiPassword;
  config.network.own.ssid = kApSsid;
  config.network.own.password = kApPassword;
  config.network.own.channel = kApChannel;
  config.network.join_timeout_ns = int64_t{kJoinSeconds} * 1'000'000'000;
  board.begin(s, config);  // false (and says why on Serial) if kKeyLine cannot be used
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
