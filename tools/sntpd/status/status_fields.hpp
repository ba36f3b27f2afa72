// The field tables of the status snapshot (status_snapshot.hpp): each count of the report once, as the
// renderers name it: its key in the JSON (status_json.hpp), its Prometheus counter and help (metrics.hpp), in
// the order both write them.  `sntpd status` (status_text.hpp) gathers several on one line, in words.
#pragma once

#include <cstdint>

#include "status/status_snapshot.hpp"

namespace lansync::sntpd {

template <class Snapshot>
struct CountField {
  const char* key;     // JSON key
  const char* metric;  // Prometheus counter
  const char* help;    // its HELP line
  uint64_t Snapshot::*value;
};

// The workers' counts before the drops by reason, and after them.
inline constexpr CountField<CounterSnapshot> kRequestCounts[] = {
    {"requests", "sntpd_requests_total", "NTP datagrams received.", &CounterSnapshot::requests},
    {"replies", "sntpd_replies_total", "NTP replies sent, Kiss-o'-Death included.",
     &CounterSnapshot::replies},
    {"interleaved_replies", "sntpd_interleaved_replies_total", "Replies in interleaved mode.",
     &CounterSnapshot::interleaved_replies},
    {"passive_replies", "sntpd_passive_replies_total",
     "Replies in passive mode, to symmetric-active requests (w32tm).", &CounterSnapshot::passive_replies},
    {"kod_sent", "sntpd_kod_sent_total", "Kiss-o'-Death RATE replies sent.", &CounterSnapshot::kod_sent}};
inline constexpr CountField<CounterSnapshot> kSendCounts[] = {
    {"send_errors", "sntpd_send_errors_total", "Replies the kernel refused to send.",
     &CounterSnapshot::send_errors},
    {"tx_timestamps", "sntpd_tx_timestamps_total", "Kernel transmit timestamps used for interleaved mode.",
     &CounterSnapshot::tx_timestamps},
    {"broadcasts_sent", "sntpd_broadcasts_sent_total", "Mode-5 broadcasts sent.",
     &CounterSnapshot::broadcasts_sent},
    {"nts_replies", "sntpd_nts_replies_total", "Replies authenticated by NTS (RFC 8915).",
     &CounterSnapshot::nts_replies},
    {"nts_naks", "sntpd_nts_naks_total", "NTS NAK kisses (NTSN) sent for cookies that did not open.",
     &CounterSnapshot::nts_naks}};

// The HTTP interface's phone counts (after its requests by endpoint), and its web process's
// (after the refusals by limit).
inline constexpr CountField<HttpSnapshot> kPhoneCounts[] = {
    {"sets", "sntpd_phone_sets_total", "Times a phone set the clock.", &HttpSnapshot::sets},
    {"verifications", "sntpd_phone_verifications_total",
     "Times a phone found the clock within 1 s of its own and the agreement was recorded.",
     &HttpSnapshot::verifications},
    {"host_refused", "sntpd_http_host_refused_total",
     "HTTP requests refused because their Host names no local server (DNS rebinding).",
     &HttpSnapshot::host_refused}};
inline constexpr CountField<HttpSnapshot> kWebCounts[] = {
    {"web_restarts", "sntpd_http_web_restarts_total",
     "Times the web process (sntpd-web) exited and was started again.", &HttpSnapshot::web_restarts},
    {"web_hung", "sntpd_http_web_hung_total",
     "Times the web process stopped answering sntpd's heartbeat and was killed to be started again.",
     &HttpSnapshot::web_hung},
    {"channel_dropped", "sntpd_http_channel_dropped_total",
     "Malformed messages from the web process, dropped.", &HttpSnapshot::channel_dropped}};

// The MQTT publisher's counts (after "connected").
inline constexpr CountField<MqttSnapshot> kMqttCounts[] = {
    {"connects", "sntpd_mqtt_connects_total", "Connections to the MQTT broker made.",
     &MqttSnapshot::connects},
    {"failures", "sntpd_mqtt_failures_total", "Connections to the MQTT broker that failed or were lost.",
     &MqttSnapshot::failures},
    {"published", "sntpd_mqtt_published_total", "MQTT messages the broker acknowledged.",
     &MqttSnapshot::published},
    {"dropped", "sntpd_mqtt_dropped_total",
     "MQTT messages replaced by a newer one before they could go, or not taken.", &MqttSnapshot::dropped},
    {"restarts", "sntpd_mqtt_restarts_total",
     "Times the MQTT publisher (sntpd-mqtt) exited and was started again.", &MqttSnapshot::restarts}};

}  // namespace lansync::sntpd
