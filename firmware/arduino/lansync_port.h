// The lansync board on an ESP32 (or ESP32-C3/S3) or an ESP8266 with the Arduino core: the thin
// glue between the portable core (firmware/board) and WiFiUDP, Wire, WiFiServer and the esp timer.
//
// The core does the work; this file only moves bytes and reads the counter:
//   - the local counter is esp_timer_get_time() (ESP32) or micros64()
//     (ESP8266), microseconds since boot, in ns;
//   - one WiFiUDP socket talks to the NTP server, one listens for mode-5
//     broadcasts, one answers SNTP (server mode); a datagram's receive time
//     is the counter read as soon as parsePacket() returns it;
//   - the NTP server is Settings::server, or with none (0.0.0.0) the one the
//     DHCP lease names (option 42, as the Pi's dnsmasq announces it): the
//     core's lwIP asks for it and keeps it as its SNTP server 0
//     (LWIP_DHCP_GET_NTP_SRV, on in Arduino-ESP32 2.x and 3.x and the
//     ESP8266 core 3.x), once told to take it (esp_sntp_servermode_dhcp /
//     sntp_servermode_dhcp) before the lease comes; this file reads it there
//     before each burst (dhcp_ntp_server());
//   - the DS3231 at 0x68 is read and written with Wire, each transfer
//     started right after the counter is read (the chip latches its time at
//     the I2C START); a write waits, spinning, for the moment the core names
//     (at most 30 ms), so that the chip's second starts with the board's;
//   - WiFiServer serves the phone's page, PUT /time and GET /time, one
//     request at a time;
//   - what the core must remember across a power cycle about the RTC (when
//     it was set, and how well) is kept in NVS (ESP32) or EEPROM (ESP8266);
//   - deep sleep (Port::deep_sleep): the board's sleep record and the sleep
//     timer's reading go into RTC memory (RTC_DATA_ATTR on the ESP32,
//     ESP.rtcUserMemory on the ESP8266), and begin() on waking hands them
//     to Board::wake() with the sleep the timer measured: gettimeofday() on
//     the ESP32 (ESP-IDF keeps the system time on the RTC timer in deep
//     sleep; nothing here ever sets it); on the ESP8266, whose RTC counter
//     restarts on a deep-sleep wake, the sleep asked of ESP.deepSleep() (the
//     RTC timer times it) plus micros64() since the boot;
//   - Wi-Fi: the core decides (firmware/board/network) and this file joins the
//     known network (WiFi.begin, then WiFi.status() reported to the core) or
//     starts the board's own access point (WiFi.softAP and softAPConfig, with
//     SNTP on 123 and HTTP on 80 there) when the core asks;
//   - events and a status line after every correction go to Serial;
//   - Wi-Fi modem sleep is off from a burst's first request until its
//     replies are due (Settings::modem_sleep), then back on: in modem sleep
//     the access point holds a reply until the next beacon (100 ms or more);
//     in server mode it stays off;
//   - the NTP key (Settings::key_line, a line of the server's key file) is
//     read by libsync's proto::parse_key_line, as lansync-board and sntpd read it;
//   - the NTP key's MAC: H(key || packet) with mbedTLS's SHA-1/256/512 on the
//     ESP32 and BearSSL's (the ESP8266 core ships no mbedTLS) on the ESP8266;
//     AES128 keys (AES-CMAC) with mbedtls_cipher_cmac on the ESP32 when the
//     core's mbedTLS has it (MBEDTLS_CMAC_C: Arduino-ESP32 3.x, ESP-IDF 5;
//     2.0.17's mbedTLS 2.28.7 has it off), never on the ESP8266 (BearSSL has
//     no CMAC);
//   - a key line the board cannot use (malformed, or a type this core cannot
//     compute) is refused at begin(): it returns false, says why on Serial
//     (again every 10 s from loop()), and the board never starts, so that it
//     never takes unsigned time when a key was asked for.
// Compiled against the ESP8266 core 3.1.2 and Arduino-ESP32 2.0.17 (ESP32-C3)
// with Debian's cross compilers, never run on a chip: see firmware/README.md.
#pragma once

#include <Arduino.h>
#include <Wire.h>
#if defined(ESP32)
#include <Preferences.h>
#include <WiFi.h>
#include <esp_attr.h>  // RTC_DATA_ATTR
#include <esp_sleep.h>
#include <esp_sntp.h>    // esp_sntp_servermode_dhcp(), esp_sntp_getserver(): ESP-IDF 4.4 and 5.x
#include <esp_system.h>  // esp_random(), esp_reset_reason()
#include <esp_timer.h>
#include <mbedtls/cipher.h>
#include <mbedtls/cmac.h>
#include <mbedtls/sha1.h>
#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>
#include <mbedtls/version.h>
#include <sys/time.h>
#elif defined(ESP8266)
#include <EEPROM.h>
#include <ESP8266WiFi.h>
#include <bearssl/bearssl_hash.h>
#include <lwip/apps/sntp.h>  // sntp_servermode_dhcp(), sntp_getserver(): lwIP 2
extern "C" {
#include <user_interface.h>  // rst_info, REASON_DEEP_SLEEP_AWAKE
}
#else
#error "lansync_port.h is for the ESP32 and ESP8266 Arduino cores"
#endif
#include <WiFiUdp.h>

#include <new>

// Whether this core's lwIP asks DHCP for the NTP server (option 42) and hands it to its SNTP
// server list, where the port reads it (lwipopts.h, from sdkconfig on the ESP32).
#if defined(LWIP_DHCP_GET_NTP_SRV) && LWIP_DHCP_GET_NTP_SRV
#define LANSYNC_DHCP_NTP 1
#else
#define LANSYNC_DHCP_NTP 0
#endif

#include "firmware/board/board.hpp"
#include "firmware/board/http.hpp"
#include "firmware/board/text.hpp"

namespace lansync_arduino {

namespace fw = lansync::fw;

// What survives deep sleep: the board's record and the sleep timer when it was taken.
struct SleepSlot {
  fw::SleepRecord record;
  uint64_t timer_us = 0;   // ESP32: gettimeofday() at the save; ESP8266: the sleep asked for
  uint32_t timer_crc = 0;  // fw::crc32 of timer_us (the record has its own)
  uint32_t reserved = 0;
};
static_assert(sizeof(SleepSlot) % 4 == 0, "ESP.rtcUserMemory moves 4-byte blocks");
static_assert(sizeof(SleepSlot) <= 512 - 128,
              "ESP.rtcUserMemory holds 512 bytes, the first 128 of them eboot's");

#if defined(ESP32)
// RTC slow memory: kept in deep sleep, reloaded from flash on a power cycle.
RTC_DATA_ATTR SleepSlot rtc_sleep_slot;
#else
// ESP.rtcUserMemory block 32 (byte 128) on: the first 128 bytes are eboot's (OTA).
constexpr uint32_t kSleepSlotBlock = 32;
#endif

struct Settings {
  // The NTP server (the Pi); 0.0.0.0: the one the DHCP lease names (option 42), where the core
  // hands it out (LANSYNC_DHCP_NTP) and server_from_dhcp is on, else none.  Never from DHCP in
  // listen-only mode (broadcast_port) or with the access point always on (no lease to read).
  IPAddress server;
  bool server_from_dhcp = true;  // false: 0.0.0.0 means no NTP server at all
  uint16_t server_port = 123;
  uint16_t broadcast_port = 0;  // listen-only: take sntpd's broadcasts on this port (0: off)
  uint16_t serve_port = 0;      // server mode: answer SNTP here (0: off)
  uint16_t http_port = 80;      // the phone's page and GET /time (0: off)
  bool has_rtc = false;         // a DS3231 on Wire
  int sda = -1, scl = -1;       // I2C pins; -1: the board's defaults
  // The server's NTP key: its line of the key file, e.g. "1 SHA256 HEX:...";
  // nullptr or "": no authentication.  A line it cannot use is reported on
  // Serial, and the board runs without a key (and takes no signed replies).
  const char* key_line = nullptr;
  // Wi-Fi modem sleep between bursts (false: always awake, ~100 mA more).
  bool modem_sleep = true;
  // The sleep timer's tolerance, ppm (BoardConfig::sleep_drift_ppb): the
  // ESP32's 150 kHz RC slow clock 500, with an external 32 kHz crystal 50;
  // the ESP8266's RTC timer was not measured here: 5000 is a guess, measure yours.
#if defined(ESP32)
  int64_t sleep_tolerance_ppm = 500;
#else
  int64_t sleep_tolerance_ppm = 5000;
#endif
};

// The board's local counter, ns since boot.  Always inlined, so that an
// IRAM_ATTR interrupt handler may call it (both counters are IRAM-safe).
__attribute__((always_inline)) inline int64_t local_ns() {
#if defined(ESP32)
  return esp_timer_get_time() * 1000;
#else
  return static_cast<int64_t>(micros64()) * 1000;
#endif
}

inline uint64_t hardware_random64(void*) {
#if defined(ESP32)
  return (static_cast<uint64_t>(esp_random()) << 32) | esp_random();
#else
  return (static_cast<uint64_t>(ESP.random()) << 32) | ESP.random();
#endif
}

// Whether this port computes MACs of the type (hash_key_packet below).
inline bool port_computes(lansync::proto::KeyType t) {
#if defined(ESP32) && defined(MBEDTLS_CMAC_C)
  (void)t;
  return true;
#else
  return t != lansync::proto::KeyType::Aes128;
#endif
}

// Why this core computes no MAC of the type, and what to do (port_computes() is false).
inline const char* why_not_computed() {
#if defined(ESP32)
  return "AES128 keys need Arduino-ESP32 3.x (this core's mbedTLS has no CMAC): update the core, or use a "
         "SHA256 key";
#else
  return "the ESP8266 core has no AES-CMAC (BearSSL): use a SHA256 key";
#endif
}

#if defined(ESP32)
// mbedTLS 2 (Arduino-ESP32 2.x) names the int-returning calls *_ret; mbedTLS 3 (3.x) drops the suffix.
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define LANSYNC_MBEDTLS(f) f
#else
#define LANSYNC_MBEDTLS(f) f##_ret
#endif
#endif

// The key's whole MAC of data into out, for firmware/board/auth.hpp: H(key ||
// data) (SHA1, SHA256, SHA512) or AES-CMAC(key, data) (AES128).
inline bool hash_key_packet(void*, const fw::MacKey& key, const uint8_t* data, size_t size, uint8_t* out) {
  using lansync::proto::KeyType;
#if defined(ESP32)
  int r = -1;
  if (key.type == KeyType::Sha512) {
    mbedtls_sha512_context c;
    mbedtls_sha512_init(&c);
    r = LANSYNC_MBEDTLS(mbedtls_sha512_starts)(&c, 0);
    if (r == 0) r = LANSYNC_MBEDTLS(mbedtls_sha512_update)(&c, key.bytes, key.size);
    if (r == 0) r = LANSYNC_MBEDTLS(mbedtls_sha512_update)(&c, data, size);
    if (r == 0) r = LANSYNC_MBEDTLS(mbedtls_sha512_finish)(&c, out);
    mbedtls_sha512_free(&c);
  } else if (key.type == KeyType::Sha256) {
    mbedtls_sha256_context c;
    mbedtls_sha256_init(&c);
    r = LANSYNC_MBEDTLS(mbedtls_sha256_starts)(&c, 0);
    if (r == 0) r = LANSYNC_MBEDTLS(mbedtls_sha256_update)(&c, key.bytes, key.size);
    if (r == 0) r = LANSYNC_MBEDTLS(mbedtls_sha256_update)(&c, data, size);
    if (r == 0) r = LANSYNC_MBEDTLS(mbedtls_sha256_finish)(&c, out);
    mbedtls_sha256_free(&c);
  } else if (key.type == KeyType::Sha1) {
    mbedtls_sha1_context c;
    mbedtls_sha1_init(&c);
    r = LANSYNC_MBEDTLS(mbedtls_sha1_starts)(&c);
    if (r == 0) r = LANSYNC_MBEDTLS(mbedtls_sha1_update)(&c, key.bytes, key.size);
    if (r == 0) r = LANSYNC_MBEDTLS(mbedtls_sha1_update)(&c, data, size);
    if (r == 0) r = LANSYNC_MBEDTLS(mbedtls_sha1_finish)(&c, out);
    mbedtls_sha1_free(&c);
  } else if (key.type == KeyType::Aes128) {
#if defined(MBEDTLS_CMAC_C)
    r = mbedtls_cipher_cmac(mbedtls_cipher_info_from_type(MBEDTLS_CIPHER_AES_128_ECB), key.bytes, 128, data,
                            size, out);
#endif
  }
#undef LANSYNC_MBEDTLS
  return r == 0;
#else
  if (key.type == KeyType::Sha512) {
    br_sha512_context c;
    br_sha512_init(&c);
    br_sha512_update(&c, key.bytes, key.size);
    br_sha512_update(&c, data, size);
    br_sha512_out(&c, out);
  } else if (key.type == KeyType::Sha256) {
    br_sha256_context c;
    br_sha256_init(&c);
    br_sha256_update(&c, key.bytes, key.size);
    br_sha256_update(&c, data, size);
    br_sha256_out(&c, out);
  } else if (key.type == KeyType::Sha1) {
    br_sha1_context c;
    br_sha1_init(&c);
    br_sha1_update(&c, key.bytes, key.size);
    br_sha1_update(&c, data, size);
    br_sha1_out(&c, out);
  } else {
    return false;  // AES128: BearSSL has no CMAC
  }
  return true;
#endif
}

// Tells lwIP to take the NTP server of the next DHCP lease (option 42) into its SNTP server
// list.  On the ESP32 it is a call into the TCP/IP task: only once WiFi.mode() has started it.
// (The ESP8266 core's lwIP glue asks for it at boot already.)
inline void accept_dhcp_ntp() {
#if LANSYNC_DHCP_NTP && defined(ESP32)
  esp_sntp_servermode_dhcp(true);
#elif LANSYNC_DHCP_NTP
  sntp_servermode_dhcp(1);
#endif
}

// The NTP server the DHCP lease named, IPv4 (0.0.0.0: none yet).  lwIP's SNTP server 0, as
// long as it is an address that no name was set for (a sketch's configTime("pool.ntp.org")
// names it); a 4-byte read of lwIP's table, which its TCP/IP task writes whole.
inline IPAddress dhcp_ntp_server() {
#if LANSYNC_DHCP_NTP
#if defined(ESP32)
  const ip_addr_t* a = esp_sntp_getserver(0);
  const char* name = esp_sntp_getservername(0);
#else
  const ip_addr_t* a = sntp_getserver(0);
  const char* name = sntp_getservername(0);
#endif
  if (a != nullptr && name == nullptr && IP_IS_V4(a)) {
    const ip4_addr_t* v4 = ip_2_ip4(a);
    return IPAddress(ip4_addr1(v4), ip4_addr2(v4), ip4_addr3(v4), ip4_addr4(v4));
  }
#endif
  return IPAddress(0, 0, 0, 0);
}

class Port {
 public:
  // Call once from setup(); the board asks to join Wi-Fi or start its access point (config.network).
  // False if Settings::key_line cannot be used: the board does not start (see refusal()).
  bool begin(const Settings& s, fw::BoardConfig config) {
    settings_ = s;
    config.random64 = &hardware_random64;
    config.precision_log2 = -20;  // a microsecond counter
    if (!take_key(s.key_line, &config.key)) {
      Serial.println(refusal_);
      return false;
    }
    awake_until_ns_ = 0;
    reply_wait_ns_ = config.client.reply_timeout_ns + config.client.burst_spacing_ns;
    set_modem_sleep(s.modem_sleep && s.serve_port == 0);
    take_server(s, config.network.access_point);
    if (server_ != kNone || dhcp_) {
      config.use_server = true;
      config.server_refid = refid(server_);  // from DHCP: 0 until the lease names one
      client_.begin(kClientPort);
      client_open_ = true;
    }
    if (s.broadcast_port != 0) {
      config.listen_broadcast = true;
      broadcast_.begin(s.broadcast_port);
    }
    if (s.serve_port != 0) {
      config.serve = true;
      serve_.begin(s.serve_port);
    }
    if (s.http_port != 0) {
      http_ = new (http_storage_) WiFiServer(s.http_port);
      http_->begin();
    }
    if (s.has_rtc) {
      config.has_rtc = true;
      if (s.sda >= 0) {
        Wire.begin(s.sda, s.scl);
      } else {
        Wire.begin();
      }
      load_rtc_memory(&config.rtc_set_unix_s, &config.rtc_set_error_ns);
    }
    config.sleep_drift_ppb = s.sleep_tolerance_ppm * 1000;
    // Built once, in static storage: no heap after start-up.
    board_ = new (board_storage_) fw::Board(config);
    wake_or_start();
    return true;
  }

  // Why begin() refused to start the board ("" if it did not).
  const char* refusal() const { return refusal_; }

  // Deep sleep for sleep_us: keeps the board's record and the sleep timer in
  // RTC memory, then sleeps.  The chip resets on waking: setup() runs again,
  // and begin() restores the clock (ESP8266: GPIO16 must be wired to RST).
  void deep_sleep(uint64_t sleep_us) {
    if (board_ == nullptr) return;
    SleepSlot slot;
    slot.record = board_->save(local_ns());
#if defined(ESP32)
    slot.timer_us = system_time_us();
#else
    slot.timer_us = sleep_us;
#endif
    slot.timer_crc = timer_crc(slot);
#if defined(ESP32)
    rtc_sleep_slot = slot;
    esp_sleep_enable_timer_wakeup(sleep_us);
    esp_deep_sleep_start();
#else
    ESP.rtcUserMemoryWrite(kSleepSlotBlock, reinterpret_cast<uint32_t*>(&slot), sizeof(slot));
    ESP.deepSleep(sleep_us);
#endif
  }

  // Call from loop() as often as possible: never blocks for more than an RTC
  // write's wait (30 ms); HTTP is read without waiting.
  void loop() {
    if (board_ == nullptr) {
      if (refusal_[0] != '\0' && millis() - refusal_shown_ms_ >= 10000) {
        refusal_shown_ms_ = millis();
        Serial.println(refusal_);
      }
      return;
    }
    for (int i = 0; i < 64; ++i) {
      fw::Action a = board_->next_action(local_ns());
      if (a.kind == fw::ActionKind::Wait) break;
      perform(a);
    }
    poll_wifi();
    receive();
    if (http_ != nullptr) serve_http();
    report();
    if (awake_until_ns_ != 0 && local_ns() > awake_until_ns_) {
      awake_until_ns_ = 0;
      set_modem_sleep(true);
    }
  }

  // The time now, with its error bound, for timestamping the user's events
  // (unsynchronized if begin() refused to start).
  fw::Reading now() const { return at(local_ns()); }
  // The time at an earlier reading of local_ns() (e.g. taken in an
  // interrupt), with its error bound, by the clock as it is now.
  fw::Reading at(int64_t local) const { return board_ != nullptr ? board_->now(local) : unsynchronized(); }
  // A time another protocol's answer carried: OCPP's currentTime from a
  // BootNotification or Heartbeat answer (ISO 8601 text), with local_ns()
  // read when its request left and when the answer arrived, and how far the
  // sender's own clock may be off (ns; 0 if you know nothing worse).  Taken
  // only while no NTP server is heard and when it makes the clock at least
  // twice as good; its error is half the round trip plus its resolution plus
  // that.  fw::describe(verdict) says what became of it.
  fw::TimeMessageVerdict time_message(const char* iso_time, int64_t sent_local_ns, int64_t received_local_ns,
                                      int64_t source_error_ns = 0) {
    if (board_ == nullptr || iso_time == nullptr) return fw::TimeMessageVerdict::Refused;
    auto t = lansync::proto::parse_iso_time(iso_time, strlen(iso_time));
    if (!t) return fw::TimeMessageVerdict::Refused;
    lansync::proto::TimeMessage m{*t, sent_local_ns, received_local_ns, source_error_ns};
    return board_->on_time_message(m, local_ns());
  }
  // Everything the status line shows (offset, frequency, requests, refusals).
  fw::BoardStatus status() const {
    if (board_ != nullptr) return board_->status(local_ns());
    fw::BoardStatus s;
    s.reading = unsynchronized();
    return s;
  }

 private:
  static constexpr uint16_t kClientPort = 49123;
  static const IPAddress kNone;  // 0.0.0.0
  static constexpr uint8_t kRtcAddress = 0x68;
  // HTTP connections read at once, and how long one may take to send its request.
  static constexpr int kHttpSlots = 2;
  static constexpr unsigned long kHttpDeadlineMs = 2000;
  struct HttpSlot {
    WiFiClient client;
    unsigned long start_ms = 0;
    size_t got = 0;
    bool busy = false;
    char request[fw::kMaxRequestSize + 1];
  };

  static fw::Reading unsynchronized() {
    fw::Reading r;
    r.error_ns = INT64_MAX;
    return r;
  }

  // The key of a key line (nullptr or "": none, true); false, with refusal_
  // written, if the line is malformed or names a type this core cannot compute.
  bool take_key(const char* key_line, fw::MacKey* key) {
    using lansync::proto::KeyLineStatus;
    refusal_[0] = '\0';
    if (key_line == nullptr) return true;
    KeyLineStatus k = lansync::proto::parse_key_line(key_line, strlen(key_line), key).status;
    if (k == KeyLineStatus::Empty) return true;
    const char* why = nullptr;
    if (k != KeyLineStatus::Ok) {
      why = lansync::proto::describe(k);
    } else if (!port_computes(key->type)) {
      why = why_not_computed();
    }
    if (why == nullptr) {
      key->hash = &hash_key_packet;
      return true;
    }
    fw::TextWriter w(refusal_, sizeof(refusal_));
    w.put("lansync: not started: the key line (LANSYNC_KEY_LINE) is refused: ").put(why);
    *key = fw::MacKey{};
    return false;
  }

  static uint32_t refid(const IPAddress& ip) {
    return (uint32_t{ip[0]} << 24) | (uint32_t{ip[1]} << 16) | (uint32_t{ip[2]} << 8) | ip[3];
  }

  // The configured server, or whether to ask DHCP for one (said on Serial either way).
  void take_server(const Settings& s, fw::AccessPointMode ap) {
    server_ = s.server;
    bool wanted =
        s.server == kNone && s.server_from_dhcp && s.broadcast_port == 0 && ap != fw::AccessPointMode::Always;
    dhcp_ = wanted && LANSYNC_DHCP_NTP;
    if (dhcp_) {
      Serial.println("lansync: NTP server: the one the DHCP lease names (option 42)");
      if (WiFi.getMode() != WIFI_OFF) accept_dhcp_ntp();  // the sketch started Wi-Fi itself
    } else if (wanted) {
      Serial.println("lansync: no NTP server: none configured, and this core's lwIP takes none from DHCP");
    }
  }

  // The server to ask now: false while DHCP has named none.  The DHCP lease's
  // is read again before each burst; its first naming, and a change, are said on Serial.
  bool find_server() {
    if (!dhcp_) return server_ != kNone;
    IPAddress named = dhcp_ntp_server();
    if (named != kNone && named != server_) {
      server_ = named;
      board_->set_server_refid(refid(named));
      char line[80];
      fw::TextWriter w(line, sizeof(line));
      w.put("lansync: NTP server ");
      for (int i = 0; i < 4; ++i) w.put(i == 0 ? "" : ".").put_int(named[i]);
      Serial.println(w.put(", from the DHCP lease (option 42)").c_str());
    }
    return server_ != kNone;
  }

  bool rtc_read(uint8_t reg, uint8_t* data, size_t n) {
    Wire.beginTransmission(kRtcAddress);
    Wire.write(reg);
    if (Wire.endTransmission(false) != 0) return false;
    if (Wire.requestFrom(kRtcAddress, static_cast<uint8_t>(n)) != n) return false;
    for (size_t i = 0; i < n; ++i) data[i] = static_cast<uint8_t>(Wire.read());
    return true;
  }

  bool rtc_write(uint8_t reg, const uint8_t* data, size_t n) {
    Wire.beginTransmission(kRtcAddress);
    Wire.write(reg);
    Wire.write(data, n);
    return Wire.endTransmission() == 0;
  }

  void perform(const fw::Action& a) {
    switch (a.kind) {
      case fw::ActionKind::SendNtp:
        if (!find_server()) return;  // no lease has named one yet: unanswered, as with Wi-Fi down
        if (settings_.modem_sleep && settings_.serve_port == 0) {
          if (awake_until_ns_ == 0) set_modem_sleep(false);
          awake_until_ns_ = local_ns() + reply_wait_ns_;
        }
        client_.beginPacket(server_, settings_.server_port);
        client_.write(a.data, a.size);
        client_.endPacket();
        return;
      case fw::ActionKind::ReadRtc: {
        uint8_t regs[32] = {};
        int64_t before = local_ns();
        bool ok = rtc_read(a.reg, regs, a.size);
        board_->on_rtc_read(regs, a.size, ok, before);
        return;
      }
      case fw::ActionKind::WriteRtc: {
        while (local_ns() < a.at_local_ns) {
        }
        bool ok = rtc_write(a.reg, a.data, a.size);
        board_->on_rtc_written(ok, local_ns());
        return;
      }
      case fw::ActionKind::JoinNetwork: join_network(*a.wifi); return;
      case fw::ActionKind::StartAccessPoint: {
        bool ok = start_access_point(*a.wifi);
        board_->on_wifi(ok ? fw::WifiReport::AccessPointStarted : fw::WifiReport::AccessPointFailed,
                        local_ns());
        return;
      }
      case fw::ActionKind::Wait: return;
    }
  }

  static IPAddress ipv4(uint32_t host_order) {
    return IPAddress(host_order >> 24, (host_order >> 16) & 0xFF, (host_order >> 8) & 0xFF,
                     host_order & 0xFF);
  }

  // JoinNetwork: WiFi.begin; poll_wifi() reports the outcome.
  void join_network(const fw::WifiNetwork& w) {
    WiFi.mode(WIFI_STA);
    if (dhcp_) accept_dhcp_ntp();  // before the lease comes
    WiFi.begin(w.ssid, w.password);
    joining_ = true;
  }

  // While joining: connected, or the core is told at once that the SSID is absent or refused us.
  void poll_wifi() {
    if (!joining_) return;
    wl_status_t st = WiFi.status();
    if (st != WL_CONNECTED && st != WL_NO_SSID_AVAIL && st != WL_CONNECT_FAILED) return;
    joining_ = false;
    board_->on_wifi(st == WL_CONNECTED ? fw::WifiReport::Joined : fw::WifiReport::JoinFailed, local_ns());
  }

  // StartAccessPoint: the softAP at w's address (gateway: itself), then SNTP on 123 and HTTP on 80 there.
  bool start_access_point(const fw::WifiNetwork& w) {
    joining_ = false;
    WiFi.disconnect();
    WiFi.mode(WIFI_AP);
    const char* password = w.password != nullptr && w.password[0] != '\0' ? w.password : nullptr;
    IPAddress ip = ipv4(w.ipv4), mask = ipv4(w.netmask);
#if defined(ESP32)
    // Arduino-ESP32's examples configure the address once the AP runs.
    if (!WiFi.softAP(w.ssid, password, w.channel) || !WiFi.softAPConfig(ip, ip, mask)) return false;
#else
    if (!WiFi.softAPConfig(ip, ip, mask) || !WiFi.softAP(w.ssid, password, w.channel)) return false;
#endif
    if (settings_.serve_port == 0) {
      settings_.serve_port = 123;
      serve_.begin(123);
    }
    if (http_ == nullptr) {
      http_ = new (http_storage_) WiFiServer(80);
      http_->begin();
    }
    return true;
  }

  void receive() {
    uint8_t buf[128], reply[48 + 68];  // 68: the longest MAC trailer
    for (int i = 0; i < 8 && client_open_; ++i) {
      int n = client_.parsePacket();
      if (n <= 0) break;
      int64_t at_local_ns = local_ns();
      int got = client_.read(buf, sizeof(buf));
      if (client_.remoteIP() == server_ && server_ != kNone && got > 0)
        board_->on_ntp_packet(buf, static_cast<size_t>(got), at_local_ns);
    }
    for (int i = 0; i < 8 && settings_.broadcast_port != 0; ++i) {
      int n = broadcast_.parsePacket();
      if (n <= 0) break;
      int64_t at_local_ns = local_ns();
      int got = broadcast_.read(buf, sizeof(buf));
      if (got > 0)
        board_->on_broadcast(buf, static_cast<size_t>(got), at_local_ns, refid(broadcast_.remoteIP()));
    }
    for (int i = 0; i < 8 && settings_.serve_port != 0; ++i) {
      int n = serve_.parsePacket();
      if (n <= 0) break;
      int64_t at_local_ns = local_ns();
      int got = serve_.read(buf, sizeof(buf));
      if (got <= 0 || n > got) continue;  // larger than our buffer: not a request we answer
      size_t size = board_->serve_ntp(buf, static_cast<size_t>(got), at_local_ns, reply, sizeof(reply));
      if (size == 0) continue;
      serve_.beginPacket(serve_.remoteIP(), serve_.remotePort());
      size = board_->stamp_transmit(reply, size, local_ns());
      serve_.write(reply, size);
      serve_.endPacket();
    }
  }

  // HTTP without blocking: each call accepts a connection and reads what has
  // arrived on each open one; a request is handed to the board once complete,
  // within kHttpDeadlineMs and fw::kMaxRequestSize, else the connection is
  // closed.  A new connection when all slots are busy replaces the oldest.
  void serve_http() {
    WiFiClient c = http_->accept();  // both cores (available() is deprecated on Arduino-ESP32 3.x)
    if (c) take_http(c);
    for (HttpSlot& s : http_slots_) {
      if (s.busy) read_http(s);
    }
  }

  void take_http(WiFiClient& c) {
    HttpSlot* slot = &http_slots_[0];
    for (HttpSlot& s : http_slots_) {
      if (!s.busy) {
        slot = &s;
        break;
      }
      if (millis() - s.start_ms > millis() - slot->start_ms) slot = &s;
    }
    if (slot->busy) slot->client.stop();
    slot->client = c;
    slot->start_ms = millis();
    slot->got = 0;
    slot->busy = true;
  }

  void read_http(HttpSlot& s) {
    static char response[4096];
    int avail = s.client.available();
    if (avail > 0 && s.got < sizeof(s.request)) {
      int r = s.client.read(reinterpret_cast<uint8_t*>(s.request) + s.got, sizeof(s.request) - s.got);
      if (r > 0) s.got += static_cast<size_t>(r);
      fw::HttpRequest q;
      if (r > 0 && fw::parse_http_request(s.request, s.got, &q).state != fw::HttpParse::Incomplete) {
        size_t n = board_->serve_http(s.request, s.got, local_ns(), response, sizeof(response));
        if (n > 0) s.client.write(reinterpret_cast<const uint8_t*>(response), n);
        s.client.stop();
        s.busy = false;
        return;
      }
    }
    if ((avail <= 0 && !s.client.connected()) || millis() - s.start_ms >= kHttpDeadlineMs) {
      s.client.stop();
      s.busy = false;
    }
  }

  void report() {
    fw::Event e;
    char line[160];
    while (board_->next_event(&e)) {
      fw::TextWriter w(line, sizeof(line));
      w.put("lansync: ").put(fw::describe(e.kind)).put(" (").put(fw::source_name(e.source)).put(")");
      if (e.kind == fw::EventKind::Stepped) w.put(" by ").put_seconds(e.value_ns, 6, true).put(" s");
      if (e.kind == fw::EventKind::ClockSet || e.kind == fw::EventKind::RtcWritten) {
        w.put(" ").put_iso8601(e.value_ns, 3);
      }
      if (e.kind == fw::EventKind::RtcUnusable)
        w.put(": ").put(fw::describe(static_cast<fw::RtcStatus>(e.code)));
      if (e.kind == fw::EventKind::Unauthenticated)
        w.put(": ").put(lansync::proto::describe(static_cast<lansync::proto::AuthStatus>(e.code)));
      if (e.kind == fw::EventKind::Updated) {
        fw::BoardStatus s = board_->status(local_ns());
        w.put(": offset ").put_seconds(s.last_offset_ns, 6, true).put(" s, error ");
        w.put_seconds(s.reading.error_ns, 6)
            .put(" s, freq ")
            .put_seconds(s.freq_ppb * 1000000, 3, true)
            .put(" ppm");
      }
      if (e.kind == fw::EventKind::RtcWritten)
        save_rtc_memory(board_->rtc_set_unix_s(), board_->rtc_set_error_ns());
      Serial.println(w.c_str());
    }
  }

  // Wi-Fi modem sleep on or off (the radio sleeps between beacons, and the
  // access point holds what comes for the board until the next one).
  static void set_modem_sleep(bool on) {
#if defined(ESP32)
    WiFi.setSleep(on);
#else
    WiFi.setSleepMode(on ? WIFI_MODEM_SLEEP : WIFI_NONE_SLEEP);
#endif
  }

  static uint32_t timer_crc(const SleepSlot& slot) {
    uint8_t bytes[8];
    memcpy(bytes, &slot.timer_us, 8);
    return fw::crc32(bytes, sizeof(bytes));
  }

#if defined(ESP32)
  // The system time, us: the high-resolution timer awake, the RTC timer asleep.
  static uint64_t system_time_us() {
    timeval tv;
    gettimeofday(&tv, nullptr);
    return static_cast<uint64_t>(tv.tv_sec) * 1000000u + static_cast<uint64_t>(tv.tv_usec);
  }
#endif

  // Whether this boot is a wake from deep sleep (not a power cycle or reset).
  static bool woke_from_deep_sleep() {
#if defined(ESP32)
    return esp_reset_reason() == ESP_RST_DEEPSLEEP;
#else
    return ESP.getResetInfoPtr()->reason == REASON_DEEP_SLEEP_AWAKE;
#endif
  }

  // The slot in RTC memory and the sleep since it was written, ns; false if
  // there is none to believe (the record's own checks are Board::wake()'s).
  static bool load_sleep_slot(SleepSlot* slot, int64_t* slept_ns) {
#if defined(ESP32)
    *slot = rtc_sleep_slot;
    rtc_sleep_slot = SleepSlot{};  // used once
#else
    ESP.rtcUserMemoryRead(kSleepSlotBlock, reinterpret_cast<uint32_t*>(slot), sizeof(*slot));
#endif
    if (slot->timer_crc != timer_crc(*slot) || slot->timer_us > (uint64_t{1} << 40)) return false;
#if defined(ESP32)
    uint64_t now_us = system_time_us();
    if (now_us < slot->timer_us) return false;
    *slept_ns = static_cast<int64_t>(now_us - slot->timer_us) * 1000;
#else
    // ESP.deepSleep() sleeps at once after the save; the counter restarted at the wake.
    *slept_ns = static_cast<int64_t>(slot->timer_us) * 1000 + local_ns();
#endif
    return true;
  }

  void wake_or_start() {
    SleepSlot slot;
    int64_t slept_ns = 0;
    if (!woke_from_deep_sleep() || !load_sleep_slot(&slot, &slept_ns)) {
      board_->start(local_ns());
      return;
    }
    fw::WakeResult w = board_->wake(slot.record, slept_ns, local_ns());
    char line[120];
    fw::TextWriter t(line, sizeof(line));
    t.put("lansync: ").put(fw::describe(w)).put(", slept ").put_seconds(slept_ns, 3).put(" s");
    Serial.println(t.c_str());
  }

  static void load_rtc_memory(int64_t* set_unix_s, int64_t* set_error_ns) {
#if defined(ESP32)
    Preferences p;
    p.begin("lansync", true);
    *set_unix_s = p.getLong64("rtc_set_s", 0);
    *set_error_ns = p.getLong64("rtc_err_ns", 0);
    p.end();
#else
    EEPROM.begin(16);
    EEPROM.get(0, *set_unix_s);
    EEPROM.get(8, *set_error_ns);
    EEPROM.end();
    if (*set_unix_s < 0 || *set_error_ns < 0) *set_unix_s = *set_error_ns = 0;  // erased flash reads -1
#endif
  }

  static void save_rtc_memory(int64_t set_unix_s, int64_t set_error_ns) {
#if defined(ESP32)
    Preferences p;
    p.begin("lansync", false);
    p.putLong64("rtc_set_s", set_unix_s);
    p.putLong64("rtc_err_ns", set_error_ns);
    p.end();
#else
    EEPROM.begin(16);
    EEPROM.put(0, set_unix_s);
    EEPROM.put(8, set_error_ns);
    EEPROM.end();
#endif
  }

  Settings settings_;
  IPAddress server_;            // the NTP server asked (0.0.0.0: none, or none named by DHCP yet)
  bool dhcp_ = false;           // server_ comes from the DHCP lease
  bool client_open_ = false;    // client_ is bound: there is, or may come, a server
  int64_t awake_until_ns_ = 0;  // modem sleep is off until then (0: on, or not ours to manage)
  int64_t reply_wait_ns_ = 0;   // a request's replies are due within this
  WiFiUDP client_, broadcast_, serve_;
  alignas(WiFiServer) unsigned char http_storage_[sizeof(WiFiServer)];
  WiFiServer* http_ = nullptr;
  HttpSlot http_slots_[kHttpSlots];
  bool joining_ = false;  // JoinNetwork asked, outcome not yet reported
  alignas(fw::Board) unsigned char board_storage_[sizeof(fw::Board)];
  fw::Board* board_ = nullptr;  // nullptr until begin() starts it
  char refusal_[200] = {};      // why begin() did not start the board ("": it did, or not yet called)
  unsigned long refusal_shown_ms_ = 0;
};

inline const IPAddress Port::kNone(0, 0, 0, 0);

}  // namespace lansync_arduino
