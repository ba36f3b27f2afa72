// A time server for the house with no router and no Internet: an ESP32 with
// a DS3231 opens its own Wi-Fi network and answers SNTP (port 123) and HTTP
// (port 80) at 192.168.4.1.  The DS3231 keeps the time across power cuts;
// the first time (or with a new battery), set it from a phone: join the
// network, open http://192.168.4.1/ and press the button, the phone's clock
// then sets the board and the DS3231.  Optionally an upstream NTP server.
//
// Clients: chrony (server 192.168.4.1 iburst), ntpdate, other lansync
// boards (Settings::server), a phone's browser.
// Wiring: DS3231 VCC-3V3, GND-GND, and SDA/SCL to the core's I2C pins:
// GPIO21/GPIO22 on an ESP32 dev board, GPIO8/GPIO9 on an ESP32-C3.
// Copy secrets.h.example to secrets.h (in this sketch's folder) first.
#if !defined(ESP32)
#error "TimeServer is for the ESP32 (an ESP8266 works too, but its access point is weaker)"
#endif
#include <WiFi.h>
#if __has_include("secrets.h")
#include "secrets.h"
#else
#error "copy secrets.h.example to secrets.h in this sketch's folder and fill it in"
#endif
#include <lansync.h>

namespace {

const IPAddress kUpstream(0, 0, 0, 0);  // an NTP server above this one; 0.0.0.0: none

lansync_arduino::Port board;
unsigned long last_print_ms = 0;

}  // namespace

void setup() {
  Serial.begin(115200);
  lansync_arduino::Settings s;
  s.server = kUpstream;
  s.has_rtc = true;      // the DS3231 on the core's I2C pins (above)
  s.serve_port = 123;    // SNTP for the house
  s.http_port = 80;      // the phone's page, GET /time
  s.key_line = LANSYNC_KEY_LINE;  // signs replies to requests signed with it
  lansync::fw::BoardConfig config;
  // The board's own network, always: the port starts the access point at
  // 192.168.4.1 (DHCP for the clients) and serves SNTP and the page on it.
  config.network.access_point = lansync::fw::AccessPointMode::Always;
  config.network.own.ssid = LANSYNC_AP_SSID;
  config.network.own.password = LANSYNC_AP_PASSWORD;  // "": open; else 8 to 63 characters
  board.begin(s, config);  // false (and says why on Serial) if the key line cannot be used
}

void loop() {
  board.loop();
  if (millis() - last_print_ms >= 60000) {
    last_print_ms = millis();
    lansync::fw::Reading r = board.now();
    char line[96];
    lansync::fw::TextWriter w(line, sizeof(line));
    if (r.synchronized) {
      w.put("serving ").put_iso8601(r.utc_ns, 3).put(" +- ").put_seconds(r.error_ns, 3).put(" s");
    } else {
      w.put("no time yet: set it from a phone at http://192.168.4.1/");
    }
    Serial.println(w.c_str());
  }
}
