// Unit tests of what an SSDP datagram says of the camera (os/net_ssdp_listener's classify_camera_ssdp):
// only the CCAPI service counts, and only when its LOCATION names the sender.  The sockets are
// tested in a network namespace of their own (tests/interop/camsync_watch.sh), as they reach the LAN.
#include <gtest/gtest.h>

#include "os/net_ssdp.hpp"
#include "os/net_ssdp_listener.hpp"

namespace lansync::os {
namespace {

const char* const kCamera = "192.168.4.20";
const std::string kLocation = "http://192.168.4.20:8080/upnp/CameraDevDesc.xml";

TEST(SsdpListener, TheCamerasAnnouncementsAndAnswersCount) {
  CameraSsdp c =
      classify_camera_ssdp(format_ssdp_notify(kCcapiSsdpTarget, "ssdp:alive", "u", kLocation, 900), kCamera);
  ASSERT_TRUE(c.event.has_value()) << c.why_not;
  EXPECT_EQ(*c.event, core::SsdpEvent::Alive);
  EXPECT_EQ(c.max_age_s, 900);
  c = classify_camera_ssdp(format_ssdp_notify(kCcapiSsdpTarget, "ssdp:byebye", "u", "", 0), kCamera);
  EXPECT_EQ(c.event, core::SsdpEvent::Byebye);
  c = classify_camera_ssdp("HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nLOCATION: " + kLocation +
                               "\r\nST: " + kCcapiSsdpTarget + "\r\n\r\n",
                           kCamera);
  EXPECT_EQ(c.event, core::SsdpEvent::Answer);
  EXPECT_EQ(c.max_age_s, 1800);
}

TEST(SsdpListener, EverythingElseIsIgnoredWithAReason) {
  struct Case {
    std::string text;
    const char* why;
  } cases[] = {
      // Another host's LOCATION: what an attacker would use to redirect.
      {format_ssdp_notify(kCcapiSsdpTarget, "ssdp:alive", "u", "http://192.168.4.66:8080/d.xml", 1800),
       "an announcement whose LOCATION names another host"},
      {"HTTP/1.1 200 OK\r\nLOCATION: http://10.0.0.1/d.xml\r\nST: " + std::string(kCcapiSsdpTarget) +
           "\r\n\r\n",
       "an answer whose LOCATION names another host"},
      {format_ssdp_notify(kCcapiSsdpTarget, "ssdp:alive", "u", "", 1800),
       "an announcement whose LOCATION names another host"},
      {format_ssdp_notify("upnp:rootdevice", "ssdp:alive", "u", kLocation, 1800),
       "an announcement of another service"},
      {format_ssdp_notify(kCcapiSsdpTarget, "ssdp:update", "u", kLocation, 1800),
       "an announcement neither alive nor byebye"},
      {"HTTP/1.1 200 OK\r\nLOCATION: " + kLocation + "\r\nST: upnp:rootdevice\r\n\r\n",
       "an answer for another service"},
      {format_msearch(kCcapiSsdpTarget, 2), "not an announcement or an answer"},
      {"NOTIFY * HTTP/1.1\r\n\r\n", "a malformed NOTIFY"},
      {"HTTP/1.1 404 Not Found\r\n\r\n", "a malformed answer"},
      {"", "not an announcement or an answer"},
  };
  for (const Case& c : cases) {
    CameraSsdp r = classify_camera_ssdp(c.text, kCamera);
    EXPECT_FALSE(r.event.has_value()) << c.text;
    EXPECT_STREQ(r.why_not, c.why) << c.text;
  }
}

}  // namespace
}  // namespace lansync::os
