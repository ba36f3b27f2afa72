// Race buttons: each press of a lane's button is timestamped to the
// millisecond, in an interrupt, against the Pi's clock (sntpd), and sent to
// the Pi as one UDP datagram with its error bound:
//
//   {"lane":1,"unix_ms":1767225600123,"error_us":850,"synchronized":true}
//
// On the Pi:  nc -ul 5005  (or any program reading UDP port 5005).
// An ESP32, ESP32-C3 (or S2/S3) or ESP8266; buttons between the pins below
// and GND (raw GPIO numbers: every board of a chip has them, "Generic ESP8266
// Module" included, while the D1 mini's D5/D6 names exist on a few boards only).
// Copy secrets.h.example to secrets.h (in this sketch's folder) first.
#if defined(ESP32)
#include <WiFi.h>
#else
#include <ESP8266WiFi.h>
#endif
#include <WiFiUdp.h>
#if __has_include("secrets.h")
#include "secrets.h"
#else
#error "copy secrets.h.example to secrets.h in this sketch's folder and fill it in"
#endif
#include <lansync.h>

namespace {

const IPAddress kPi(192, 168, 4, 1);  // sntpd, and the program collecting the presses
constexpr uint16_t kPressPort = 5005;
// Pins that exist, have a pull-up and can interrupt on each chip, clear of
// flash, strapping, USB and the I2C pins a DS3231 would use.
#if defined(CONFIG_IDF_TARGET_ESP32)
const int kLanePins[] = {25, 26};  // classic ESP32 (34-39 are input-only, without pull-ups)
#elif defined(ESP32)
const int kLanePins[] = {4, 5};  // ESP32-C3 (GPIO 0-21; 12-17 flash, 18/19 USB), S2, S3
#else
const int kLanePins[] = {14, 12};  // ESP8266: D5 and D6 on a D1 mini (GPIO16 cannot interrupt)
#endif
constexpr int kLanes = sizeof(kLanePins) / sizeof(kLanePins[0]);
constexpr int64_t kDebounceNs = 50'000'000;  // presses closer than 50 ms are one press

lansync_arduino::Port board;
WiFiUDP presses;

// Set in the interrupt: the local counter at the press (0: none pending).
volatile int64_t pressed_at[kLanes];
volatile int64_t last_edge[kLanes];

void IRAM_ATTR on_edge(int lane) {
  int64_t now_local_ns = lansync_arduino::local_ns();
  if (now_local_ns - last_edge[lane] > kDebounceNs && pressed_at[lane] == 0) pressed_at[lane] = now_local_ns;
  last_edge[lane] = now_local_ns;
}
void IRAM_ATTR on_lane0() { on_edge(0); }
void IRAM_ATTR on_lane1() { on_edge(1); }

void send_press(int lane, int64_t local) {
  lansync::fw::Reading r = board.at(local);
  char line[128];
  lansync::fw::TextWriter w(line, sizeof(line));
  w.put("{\"lane\":").put_int(lane + 1);
  if (r.synchronized) {
    w.put(",\"unix_ms\":").put_int(r.utc_ns / 1'000'000).put(",\"error_us\":").put_int(r.error_ns / 1000 + 1);
    w.put(",\"synchronized\":true}");
  } else {
    w.put(",\"synchronized\":false}");
  }
  presses.beginPacket(kPi, kPressPort);
  presses.write(reinterpret_cast<const uint8_t*>(line), strlen(line));
  presses.endPacket();
  Serial.println(line);
}

}  // namespace

void setup() {
  Serial.begin(115200);
  WiFi.mode(WIFI_STA);
  WiFi.begin(LANSYNC_WIFI_SSID, LANSYNC_WIFI_PASSWORD);
  lansync_arduino::Settings s;
  s.server = kPi;
  s.key_line = LANSYNC_KEY_LINE;  // "" or the Pi's key file line
  lansync::fw::BoardConfig config;
  board.begin(s, config);  // false (and says why on Serial) if the key line cannot be used
  presses.begin(kPressPort);
  pinMode(kLanePins[0], INPUT_PULLUP);
  pinMode(kLanePins[1], INPUT_PULLUP);
  attachInterrupt(digitalPinToInterrupt(kLanePins[0]), on_lane0, FALLING);
  attachInterrupt(digitalPinToInterrupt(kLanePins[1]), on_lane1, FALLING);
}

void loop() {
  board.loop();
  for (int lane = 0; lane < kLanes; ++lane) {
    noInterrupts();
    int64_t pressed_local_ns = pressed_at[lane];
    pressed_at[lane] = 0;
    interrupts();
    if (pressed_local_ns != 0) send_press(lane, pressed_local_ns);
  }
}
