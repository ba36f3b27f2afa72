// The board core (firmware/board) bare-metal on an ESP32-C3, as QEMU's esp32c3 machine runs it:
// booted by the C3's ROM from flash, its local counter the system timer (soc.hpp), its network
// the emulated Ethernet MAC with a UDP of its own (net.hpp).  It syncs to an NTP server behind
// QEMU's user networking, serves SNTP on port 123 (forwarded from the host by the test), and
// prints a JSON status line every second and a line per event on UART0, as lansync-board --json
// does: tests/target/esp32c3/run.sh reads both.
//
// What the image is built for comes from run.sh as macros: C3_SERVER_PORT, the NTP server's port
// on the host's loopback (10.0.2.2 to the guest), and C3_MIN_POLL / C3_MAX_POLL (log2 s).
#include "firmware/board/board.hpp"
#include "firmware/board/text.hpp"
#include "net.hpp"
#include "soc.hpp"

namespace {

using lansync::fw::Action;
using lansync::fw::ActionKind;
using lansync::fw::Board;
using lansync::fw::BoardConfig;
using lansync::fw::BoardStatus;
using lansync::fw::Event;
using lansync::fw::TextWriter;

constexpr uint32_t kOwnIp = 0x0A00'020F;    // 10.0.2.15, QEMU's user networking gives the guest
constexpr uint32_t kGateway = 0x0A00'0202;  // 10.0.2.2: the host's loopback
constexpr uint8_t kOwnMac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};  // QEMU's default
constexpr uint16_t kClientPort = 12300;
constexpr uint16_t kServePort = 123;
constexpr int64_t kSecondNs = 1'000'000'000;
constexpr int64_t kTimerReadNs = 5'000'000;  // the wait loop reads the timer about this often

c3::Udp udp;

void print(const TextWriter& w) {
  c3::uart_write(w.c_str(), w.size());
  c3::uart_write("\n", 1);
}

uint64_t random64(void*) {
  uint64_t r = 0;
  for (int i = 0; i < 3; ++i) r = (r << 24) ^ c3::random32();
  return r;
}

// The status line, with lansync-board --json's fields (tests/interop/lib.sh reads them), plus
// how often the timer was latched (soc.hpp: each read costs the emulated counter a little).
void print_status(const Board& board, int64_t local_ns, uint32_t served) {
  BoardStatus s = board.status(local_ns);
  char buffer[512];
  TextWriter w(buffer, sizeof buffer);
  w.put("{\"time_utc\":");
  if (s.reading.synchronized) {
    w.put('"').put_iso8601(s.reading.utc_ns, 9).put('"');
  } else {
    w.put("null");
  }
  w.put(",\"synchronized\":").put(s.reading.synchronized ? "true" : "false");
  w.put(",\"source\":\"").put(lansync::fw::source_name(s.reading.source)).put('"');
  w.put(",\"offset_s\":").put_seconds(s.last_offset_ns, 9);
  w.put(",\"delay_s\":").put_seconds(s.last_delay_ns, 9);
  w.put(",\"error_s\":");
  if (s.reading.synchronized) {
    w.put_seconds(s.reading.error_ns, 9);
  } else {
    w.put("null");
  }
  w.put(",\"freq_ppm\":").put_seconds(s.freq_ppb * 1'000'000, 6);
  w.put(",\"poll_s\":").put_int(int64_t{1} << s.poll_log2);
  w.put(",\"server_stratum\":").put_int(s.upstream_stratum);
  w.put(",\"samples\":").put_int(static_cast<int64_t>(s.samples));
  w.put(",\"requests\":").put_int(s.requests_sent);
  w.put(",\"served\":").put_int(served);
  w.put(",\"local_s\":").put_seconds(local_ns, 6);
  w.put(",\"timer_reads\":").put_int(c3::timer_reads()).put('}');
  print(w);
}

void print_events(Board& board) {
  Event e;
  while (board.next_event(&e)) {
    char buffer[160];
    TextWriter w(buffer, sizeof buffer);
    w.put("event: ").put(lansync::fw::describe(e.kind)).put(" (").put(lansync::fw::source_name(e.source));
    w.put(", ").put_seconds(e.value_ns, 6, true).put(" s)");
    print(w);
  }
}

// How many turns of the wait loop (one look at the MAC each) take about kTimerReadNs, measured once.
uint32_t spins_per_timer_read() {
  constexpr uint32_t kTrial = 2000;
  c3::Datagram ignored;
  int64_t start_ns = c3::local_ns();
  for (uint32_t i = 0; i < kTrial; ++i) udp.poll(&ignored);
  int64_t took_ns = c3::local_ns() - start_ns;
  if (took_ns <= 0) return kTrial;
  int64_t spins = int64_t{kTrial} * kTimerReadNs / took_ns;
  return spins < 1 ? 1 : static_cast<uint32_t>(spins > 1'000'000 ? 1'000'000 : spins);
}

// Waits until the gateway answers ARP (asked once a second): the network is up, and the board's
// first burst is not lost to a MAC address not yet known.
void wait_for_gateway(uint32_t spins) {
  c3::Datagram ignored;
  for (int64_t asked_ns = -kSecondNs; !udp.gateway_known();) {
    if (c3::local_ns() - asked_ns >= kSecondNs) {
      udp.ask_gateway();
      asked_ns = c3::local_ns();
    }
    for (uint32_t turn = 0; turn < spins && !udp.gateway_known(); ++turn) udp.poll(&ignored);
  }
}

// A datagram received at at_ns: the server's reply for the board, or an SNTP request it answers.
void take(Board& board, const c3::Datagram& d, int64_t at_ns, uint32_t* served) {
  if (d.from_ip == kGateway && d.from_port == C3_SERVER_PORT && d.to_port == kClientPort) {
    board.on_ntp_packet(d.data, d.size, at_ns);
  } else if (d.to_port == kServePort && board.serving()) {
    uint8_t reply[lansync::codec::kHeaderSize + lansync::codec::kMaxV3MacSize];
    size_t n = board.serve_ntp(d.data, d.size, at_ns, reply, sizeof reply);
    if (n > 0) n = board.stamp_transmit(reply, n, c3::local_ns());
    if (n > 0 && udp.send(d.from_ip, d.from_port, kServePort, reply, n)) ++*served;
  }
}

// The board's configuration: a client of the server behind the gateway, serving SNTP itself.
BoardConfig board_config() {
  BoardConfig config;
  config.use_server = true;
  config.server_refid = kGateway;
  config.client.min_poll_log2 = C3_MIN_POLL;
  config.client.max_poll_log2 = C3_MAX_POLL;
  config.serve = true;
  config.precision_log2 = -24;  // 62.5 ns ticks
  config.random64 = random64;
  return config;
}

}  // namespace

int main() {
  c3::watchdog_off();
  c3::timer_start();
  static const char kHello[] = "lansync board core on the ESP32-C3 (bare metal, open_eth)\n";
  c3::uart_write(kHello, sizeof kHello - 1);
  udp.start(kOwnMac, kOwnIp, kGateway);
  Board board(board_config());
  const uint32_t spins = spins_per_timer_read();
  wait_for_gateway(spins);

  int64_t now_ns = c3::local_ns();
  board.start(now_ns);
  int64_t next_status_ns = now_ns + kSecondNs;
  uint32_t served = 0;
  for (;;) {
    now_ns = c3::local_ns();
    Action a;
    for (int i = 0; i < 64; ++i) {
      a = board.next_action(now_ns);
      if (a.kind == ActionKind::Wait) break;
      if (a.kind == ActionKind::SendNtp) udp.send(kGateway, C3_SERVER_PORT, kClientPort, a.data, a.size);
      now_ns = c3::local_ns();
    }
    print_events(board);
    if (now_ns >= next_status_ns) {
      print_status(board, now_ns, served);
      next_status_ns += kSecondNs;
      if (next_status_ns <= now_ns) next_status_ns = now_ns + kSecondNs;
    }
    int64_t deadline_ns = a.at_local_ns < next_status_ns ? a.at_local_ns : next_status_ns;
    // Wait for a frame or the deadline, looking at the timer only every `spins` turns.
    c3::Datagram d;
    for (uint32_t turn = 1;; ++turn) {
      if (udp.poll(&d)) {
        take(board, d, c3::local_ns(), &served);
        break;
      }
      if (turn % spins == 0 && c3::local_ns() >= deadline_ns) break;
    }
  }
}
