// A wall clock that serves the time to the house's devices: an ESP32, a
// DS3231, four 8x8 LED matrices on MAX7219s (one 32x8 "FC-16" module) and
// a photoresistor.  It shows HH:MM, local time, and answers SNTP (port 123)
// and HTTP (port 80) as the TimeServer example does; the DS3231 keeps the
// time across power cuts.  It joins the house's Wi-Fi and takes the time
// from the NTP server the DHCP lease names (kServer 0.0.0.0), or opens its
// own network (192.168.4.1) when the house's is not there, where a phone
// sets it (http://192.168.4.1/, the button).
//
// The face (lansync's firmware/board/wall_display, the same frames
// lansync-board --wall draws): the colon blinks with the second only while
// the board trusts its time (synchronized, error bound 0.5 s at most).
// Otherwise the colon stays lit and a dotted line runs under the digits; with
// no time at all, "--:--".  Two pixels at the bottom right: the time comes
// from the DS3231 (after a power cut, before the network is back).  The
// brightness follows the room's light.
//
// Library: MD_MAX72XX (MajicDesigns, Library Manager), hardware SPI.
// Wiring, ESP32 dev board (ESP32-C3 in brackets):
//   MAX7219 module  VCC-5V, GND-GND, DIN-GPIO23 [GPIO6], CLK-GPIO18 [GPIO4],
//                   CS-GPIO5 [GPIO7] (the core's MOSI, SCK and SS)
//   DS3231          VCC-3V3, GND-GND, SDA-GPIO21 [GPIO8], SCL-GPIO22 [GPIO9]
//   photoresistor   3V3 - photoresistor - GPIO34 [GPIO3] - 10 kOhm - GND
//                   (more light, a higher reading)
// Set kUtcOffsetSeconds for the house (no daylight-saving rules: change it
// in spring and autumn).  Copy secrets.h.example to secrets.h first.
#if !defined(ESP32)
#error "WallClock is for the ESP32 (its analog input, SPI and access point pins are the ESP32's)"
#endif
#include <MD_MAX72xx.h>
#include <WiFi.h>
#if __has_include("secrets.h")
#include "secrets.h"
#else
#error "copy secrets.h.example to secrets.h in this sketch's folder and fill it in"
#endif
#include <lansync.h>

namespace {

namespace fw = lansync::fw;

constexpr int32_t kUtcOffsetSeconds = 3600;  // local time minus UTC (3600: Paris in winter)
const IPAddress kServer(0, 0, 0, 0);         // the NTP server; 0.0.0.0: the one DHCP names
#if defined(CONFIG_IDF_TARGET_ESP32)
constexpr int kLightPin = 34;  // ADC1 (ADC2 does not work while Wi-Fi is on)
#else
constexpr int kLightPin = 3;  // ESP32-C3: ADC1 channel 3
#endif
constexpr int kMatrixCsPin = SS;
constexpr MD_MAX72XX::moduleType_t kMatrixType = MD_MAX72XX::FC16_HW;  // the common 4-in-1 modules
constexpr unsigned long kLightEveryMs = 100;

lansync_arduino::Port board;
MD_MAX72XX matrix(kMatrixType, kMatrixCsPin, fw::kWallColumns / 8);
fw::WallFrame shown;
int32_t light = fw::kWallLightFullScale;
unsigned long last_light_ms = 0;
fw::WallState last_state = fw::WallState::NoTime;

// Sends a frame: the columns (MD_MAX72XX counts them from the right) and the intensity.
void show(const fw::WallFrame& f) {
  matrix.control(MD_MAX72XX::UPDATE, MD_MAX72XX::OFF);
  for (int x = 0; x < fw::kWallColumns; ++x) {
    matrix.setColumn(static_cast<uint16_t>(fw::kWallColumns - 1 - x), f.columns[x]);
  }
  matrix.control(MD_MAX72XX::INTENSITY, f.intensity);
  matrix.control(MD_MAX72XX::UPDATE, MD_MAX72XX::ON);
}

// On Serial when the face changes state: what it says, and the frame.
void report(const fw::WallFrame& f, const fw::Reading& r) {
  char line[96];
  fw::TextWriter w(line, sizeof(line));
  w.put("wall: ").put(fw::wall_state_name(f.state)).put(" (").put(fw::source_name(r.source)).put(")");
  if (f.state != fw::WallState::NoTime) w.put(" error ").put_seconds(r.error_ns, 3).put(" s");
  Serial.println(w.c_str());
  char text[fw::kWallTextSize];
  fw::wall_text(f, text, sizeof(text));
  Serial.print(text);
}

}  // namespace

void setup() {
  Serial.begin(115200);
  analogReadResolution(12);  // 0..4095, fw::kWallLightFullScale
  matrix.begin();
  show(fw::draw_wall(fw::WallInput{}));  // "--:--" until the board has a time
  lansync_arduino::Settings s;
  s.server = kServer;
  s.has_rtc = true;    // the DS3231 on the core's I2C pins (above)
  s.serve_port = 123;  // SNTP for the house
  s.http_port = 80;    // the phone's page, GET /time
  s.key_line = LANSYNC_KEY_LINE;
  fw::BoardConfig config;
  config.network.known.ssid = LANSYNC_WIFI_SSID;
  config.network.known.password = LANSYNC_WIFI_PASSWORD;
  config.network.access_point = lansync::fw::AccessPointMode::Fallback;
  config.network.own.ssid = LANSYNC_AP_SSID;
  config.network.own.password = LANSYNC_AP_PASSWORD;
  board.begin(s, config);  // false (and says why on Serial) if the key line cannot be used
}

void loop() {
  board.loop();
  if (millis() - last_light_ms >= kLightEveryMs) {
    last_light_ms = millis();
    light = fw::wall_smooth_light(light, analogRead(kLightPin));
  }
  fw::WallInput in;
  in.reading = board.now();
  in.utc_offset_s = kUtcOffsetSeconds;
  in.light = light;
  fw::WallFrame f = fw::draw_wall(in);
  if (!fw::wall_same(f, shown)) {
    show(f);
    shown = f;
  }
  if (f.state != last_state) {
    last_state = f.state;
    report(f, in.reading);
  }
}
