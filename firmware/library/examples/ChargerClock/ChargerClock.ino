// A charger's clock: an ESP32 or ESP8266 charge point that talks OCPP 1.6 to
// its central system through MicroOcpp (Library Manager: MicroOcpp, which
// brings ArduinoJson and WebSockets) and keeps a DS3231.  Its time comes from
// the best source it has, each with an error bound:
//   - at boot, the DS3231 (it kept time across the power cut);
//   - while no NTP server answers, OCPP's currentTime: the central system's
//     answer to a Heartbeat, timed on the board's counter when the request
//     left and when the answer came, so that the bound is half the round trip
//     plus the time's resolution (1 s when the central system sends whole
//     seconds) plus what you say of the central system's own clock;
//   - NTP, whenever a server answers: it replaces OCPP at its first good burst.
// The DS3231 is set from whichever source is better than it.
// Wiring: DS3231 VCC-3V3, GND-GND, SDA/SCL to the core's I2C pins (GPIO21/22
// on an ESP32 dev board, GPIO8/9 on an ESP32-C3, GPIO4/5 on an ESP8266).
// Copy secrets.h.example to secrets.h (in this sketch's folder) first.
#if defined(ESP32)
#include <WiFi.h>
#else
#include <ESP8266WiFi.h>
#endif
#if __has_include("secrets.h")
#include "secrets.h"
#else
#error "copy secrets.h.example to secrets.h in this sketch's folder and fill it in"
#endif
#include <MicroOcpp.h>
#include <lansync.h>

#include <memory>

namespace {

// The site's NTP server; 0.0.0.0: the one the DHCP lease names, if any.
const IPAddress kNtpServer(0, 0, 0, 0);
// How far the central system's own clock may be off, ns: 0 if it runs NTP,
// more if you know it does not.
constexpr int64_t kCentralSystemErrorNs = 0;
// The time is asked of the central system every minute until it is taken,
// then every 15 minutes, and never while an NTP server keeps the clock.
constexpr unsigned long kAskUntilTakenMs = 60UL * 1000;
constexpr unsigned long kAskWhileTakenMs = 15UL * 60 * 1000;

lansync_arduino::Port board;
unsigned long last_ask_ms = 0;
unsigned long last_print_ms = 0;

// Sends a Heartbeat of our own (MicroOcpp's own Heartbeats do not say when
// they left) and gives its answer's currentTime to the board.  MicroOcpp
// builds the request just before it sends it, again after a failed send, so
// the last build's counter reading is when it left (a little early: the
// bound only grows).  Each request keeps its own reading.
void ask_central_system_time() {
  auto sent_ns = std::make_shared<int64_t>(0);
  sendRequest(
      "Heartbeat",
      [sent_ns]() {
        *sent_ns = lansync_arduino::local_ns();
        auto req = MicroOcpp::makeJsonDoc("ChargerClock");  // a Heartbeat.req is {}
        req->to<JsonObject>();
        return req;
      },
      [sent_ns](JsonObject conf) {
        int64_t received_ns = lansync_arduino::local_ns();
        const char* current_time = conf["currentTime"] | "";
        lansync::fw::TimeMessageVerdict v =
            board.time_message(current_time, *sent_ns, received_ns, kCentralSystemErrorNs);
        char line[120];
        lansync::fw::TextWriter w(line, sizeof(line));
        w.put("OCPP currentTime ").put(current_time).put(": ").put(lansync::fw::describe(v));
        Serial.println(w.c_str());
      });
}

void print_clock() {
  lansync::fw::Reading r = board.now();
  char line[120];
  lansync::fw::TextWriter w(line, sizeof(line));
  if (r.synchronized) {
    w.put(lansync::fw::source_name(r.source)).put(": ").put_iso8601(r.utc_ns, 3);
    w.put(" +- ").put_seconds(r.error_ns, 3).put(" s");
  } else {
    w.put("no trustworthy time yet");
  }
  Serial.println(w.c_str());
}

}  // namespace

void setup() {
  Serial.begin(115200);
  WiFi.mode(WIFI_STA);
  WiFi.begin(LANSYNC_WIFI_SSID, LANSYNC_WIFI_PASSWORD);
  lansync_arduino::Settings s;
  s.server = kNtpServer;
  s.has_rtc = true;
  s.http_port = 0;  // no phone page: the charger's time comes from the site
  s.key_line = LANSYNC_KEY_LINE;
  lansync::fw::BoardConfig config;
  // A charger stamps its meter values and transactions to the second: a
  // time within 10 s is a time to use (the bound goes with every reading).
  // The default, RFC 5905's 1.5 s, would call a whole-second currentTime
  // unsynchronized as soon as the round trip or the central system's error
  // adds half a second to its 1 s resolution.
  config.max_error_ns = 10'000'000'000;
  board.begin(s, config);  // false (and says why on Serial) if the key line cannot be used
  mocpp_initialize(LANSYNC_OCPP_URL, LANSYNC_CHARGE_BOX_ID, "lansync ChargerClock", "lansync");
}

void loop() {
  board.loop();
  mocpp_loop();
  lansync::fw::Source source = board.now().source;
  unsigned long every = source == lansync::fw::Source::Message ? kAskWhileTakenMs : kAskUntilTakenMs;
  if (source != lansync::fw::Source::Ntp && millis() - last_ask_ms >= every) {
    last_ask_ms = millis();
    ask_central_system_time();
  }
  if (millis() - last_print_ms >= 60000) {
    last_print_ms = millis();
    print_clock();
  }
}
