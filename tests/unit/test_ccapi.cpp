// Unit tests of the CCAPI bodies, URLs and SSDP texts (os/camera_ccapi, os/net_http, os/net_ssdp).
#include <gtest/gtest.h>

#include "os/camera_ccapi.hpp"
#include "os/net_ssdp.hpp"

namespace lansync::os {
namespace {

TEST(Ccapi, ListingWithPathEntries) {
  EXPECT_TRUE(
      check_datetime_listed(
          R"({"ver100":[{"path":"/ccapi/ver100/deviceinformation","get":true,"put":false},)"
          R"({"path":"/ccapi/ver100/functions/datetime","get":true,"put":true,"post":false,"delete":false}],)"
          R"("ver110":[]})")
          .ok());
}

TEST(Ccapi, ListingWithOlderUrlEntries) {
  EXPECT_TRUE(
      check_datetime_listed(
          R"({"ver100":[{"url":"http://192.168.1.2:8080/ccapi/ver100/functions/datetime","get":true,"put":true}]})")
          .ok());
}

TEST(Ccapi, ListingWithoutDatetimePut) {
  auto ro = check_datetime_listed(
      R"({"ver100":[{"path":"/ccapi/ver100/functions/datetime","get":true,"put":false}]})");
  ASSERT_FALSE(ro.ok());
  EXPECT_EQ(ro.error().code, CameraErrc::unsupported);
  EXPECT_NE(ro.error().message.find("read-only"), std::string::npos);
  auto missing =
      check_datetime_listed(R"({"ver100":[{"path":"/ccapi/ver100/deviceinformation","get":true}]})");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, CameraErrc::unsupported);
}

TEST(Ccapi, MalformedListings) {
  for (const char* body : {"", "[]", "not json", R"({"ver100":{}})", R"({"ver100":[1]})"}) {
    auto r = check_datetime_listed(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().code, CameraErrc::malformed) << body;
  }
}

TEST(Ccapi, DatetimeBody) {
  auto d = parse_datetime_body(R"({"datetime":"Tue, 01 Jan 2019 01:23:45 +0900","dst":false})");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->date.hour, 1);
  EXPECT_FALSE(d->dst);
  EXPECT_EQ(d->text, "Tue, 01 Jan 2019 01:23:45 +0900");
  EXPECT_EQ(format_datetime_body(d->date, true),
            R"({"datetime":"Tue, 01 Jan 2019 01:23:45 +0900","dst":true})");
}

TEST(Ccapi, MalformedDatetimeBodiesSayWhatIsWrong) {
  struct Case {
    const char* body;
    const char* says;
  };
  const Case cases[] = {
      {"<html>", "not a JSON object"},
      {R"({"dst":false})", "no 'datetime'"},
      {R"({"datetime":"Tue, 01 Jan 2019 01:23:45 +0900","dst":"false"})", "'dst'"},
      {R"({"datetime":"Tue, 01 Jan 2019 01:23:45 +0900"})", "'dst'"},
      {R"({"datetime":"2019-01-01T01:23:45+09:00","dst":false})", "not an RFC 1123 date"},
  };
  for (const Case& c : cases) {
    auto r = parse_datetime_body(c.body);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.error().code, CameraErrc::malformed);
    EXPECT_NE(r.error().message.find(c.says), std::string::npos) << r.error().message;
  }
}

TEST(Ccapi, StatusErrorsQuoteTheCamera) {
  Error busy = status_error(503, R"({"message":"During shooting or recording"})", "reading the date");
  EXPECT_EQ(busy.code, CameraErrc::busy);
  EXPECT_EQ(busy.message, "camera busy (reading the date, HTTP 503): During shooting or recording");
  EXPECT_EQ(status_error(400, R"({"message":"Invalid parameter"})", "setting the date").code,
            CameraErrc::rejected);
  EXPECT_EQ(status_error(404, "", "GET /ccapi").code, CameraErrc::unsupported);
  EXPECT_EQ(status_error(500, "oops", "x").code, CameraErrc::malformed);
}

TEST(Ccapi, CameraUrls) {
  auto u = parse_camera_url("http://192.168.1.2/ccapi/");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->origin(), "http://192.168.1.2:8080");
  EXPECT_EQ(parse_camera_url("https://cam.local")->origin(), "https://cam.local:443");
  EXPECT_EQ(parse_camera_url("http://[fe80::1]:8081")->origin(), "http://[fe80::1]:8081");
  for (const char* bad : {"192.168.1.2", "ftp://x", "http://", "http://x:0", "http://x:99999", "http://x:",
                          "http://u:p@x", "http://x/other", "http://x/ccapi?a=b", "http://[::1"}) {
    EXPECT_FALSE(parse_camera_url(bad).ok()) << bad;
  }
}

TEST(Ssdp, MsearchAndAnswers) {
  std::string m = format_msearch(kCcapiSsdpTarget, 2);
  EXPECT_EQ(m.rfind("M-SEARCH * HTTP/1.1\r\n", 0), 0u);
  EXPECT_NE(m.find("MAN: \"ssdp:discover\"\r\n"), std::string::npos);
  EXPECT_NE(m.find("ST: urn:schemas-canon-com:service:ICPO-CameraControlAPIService:1\r\n"),
            std::string::npos);
  EXPECT_EQ(m.substr(m.size() - 4), "\r\n\r\n");
  auto r = parse_ssdp_response(
      "HTTP/1.1 200 OK\r\nCache-Control: max-age=1800\r\nEXT:\r\nlocation: "
      "http://192.168.1.2:49152/upnp/CameraDevDesc.xml\r\n"
      "ST: urn:schemas-canon-com:service:ICPO-CameraControlAPIService:1\r\nUSN: uuid:1::x\r\n\r\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->location, "http://192.168.1.2:49152/upnp/CameraDevDesc.xml");
  EXPECT_EQ(r->st, kCcapiSsdpTarget);
  EXPECT_EQ(r->max_age_s, 1800);
  EXPECT_FALSE(r->boot_id.has_value());
  EXPECT_FALSE(parse_ssdp_response("NOTIFY * HTTP/1.1\r\nLOCATION: x\r\n\r\n").ok());
  EXPECT_FALSE(parse_ssdp_response("HTTP/1.1 200 OK\r\nST: x\r\n\r\n").ok());
  EXPECT_FALSE(parse_ssdp_response("garbage").ok());
}

// A camera's announcements: alive with LOCATION and max-age, byebye without; formatted and parsed back.
TEST(Ssdp, Announcements) {
  std::string alive = format_ssdp_notify(kCcapiSsdpTarget, "ssdp:alive", "uuid:1::x",
                                         "http://192.168.4.20:8080/upnp/CameraDevDesc.xml", 1800);
  EXPECT_EQ(alive,
            "NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nCACHE-CONTROL: max-age=1800\r\n"
            "LOCATION: http://192.168.4.20:8080/upnp/CameraDevDesc.xml\r\n"
            "NT: urn:schemas-canon-com:service:ICPO-CameraControlAPIService:1\r\nNTS: ssdp:alive\r\n"
            "USN: uuid:1::x\r\n\r\n");
  auto n = parse_ssdp_notify(alive);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(n->nt, kCcapiSsdpTarget);
  EXPECT_EQ(n->nts, "ssdp:alive");
  EXPECT_EQ(n->usn, "uuid:1::x");
  EXPECT_EQ(n->location, "http://192.168.4.20:8080/upnp/CameraDevDesc.xml");
  EXPECT_EQ(n->max_age_s, 1800);
  auto bye =
      parse_ssdp_notify(format_ssdp_notify(kCcapiSsdpTarget, "ssdp:byebye", "uuid:1::x", "ignored", 5));
  ASSERT_TRUE(bye.ok());
  EXPECT_EQ(bye->nts, "ssdp:byebye");
  EXPECT_EQ(bye->location, "");
  EXPECT_FALSE(bye->max_age_s.has_value());
  // Header names in any case, spaces around max-age's '=', other directives, UPnP 1.1's BOOTID.
  n = parse_ssdp_notify(
      "NOTIFY * HTTP/1.1\r\nnt: a\r\nNts: ssdp:alive\r\ncache-control: no-cache=\"x\", MAX-AGE = 120\r\n"
      "BOOTID.UPNP.ORG: 42\r\n\r\n");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->max_age_s, 120);
  EXPECT_EQ(n->boot_id, 42u);
  // What is not a NOTIFY, or lacks NT or NTS; numbers that are not small decimals are none.
  EXPECT_FALSE(parse_ssdp_notify("M-SEARCH * HTTP/1.1\r\nNT: a\r\nNTS: b\r\n\r\n").ok());
  EXPECT_FALSE(parse_ssdp_notify("NOTIFY * HTTP/1.1\r\nNTS: ssdp:alive\r\n\r\n").ok());
  EXPECT_FALSE(parse_ssdp_notify("NOTIFY * HTTP/1.1").ok());
  n = parse_ssdp_notify(
      "NOTIFY * HTTP/1.1\r\nNT: a\r\nNTS: b\r\nCACHE-CONTROL: max-age=99999999999\r\n"
      "BOOTID.UPNP.ORG: -1\r\n\r\n");
  ASSERT_TRUE(n.ok());
  EXPECT_FALSE(n->max_age_s.has_value());
  EXPECT_FALSE(n->boot_id.has_value());
  EXPECT_TRUE(ssdp_names_host("http://192.168.4.20:8080/d.xml", "192.168.4.20"));
  EXPECT_FALSE(ssdp_names_host("http://192.168.4.21:8080/d.xml", "192.168.4.20"));
  EXPECT_FALSE(ssdp_names_host("not a url", "192.168.4.20"));
}

TEST(Ssdp, AccessUrlFromTheDescription) {
  std::string xml =
      "<?xml version=\"1.0\"?><root xmlns=\"urn:schemas-upnp-org:device-1-0\"><device>"
      "<friendlyName>Canon EOS R6 &amp; co</friendlyName><serviceList><service>"
      "<ns:X_accessURL xmlns:ns=\"urn:schemas-canon-com:schema-upnp\">\n  http://192.168.1.2:8080/ccapi/ "
      "</ns:X_accessURL>"
      "</service></serviceList></device></root>";
  EXPECT_EQ(xml_element_text(xml, "X_accessURL"), "http://192.168.1.2:8080/ccapi/");
  EXPECT_EQ(xml_element_text(xml, "friendlyName"), "Canon EOS R6 & co");
  EXPECT_EQ(xml_element_text(xml, "modelName"), "");
  EXPECT_EQ(xml_element_text("<a><X_accessURL/>", "X_accessURL"), "");
  EXPECT_EQ(xml_element_text("<X_accessURL>unterminated", "X_accessURL"), "");
}

// What a camera (or a URL given) says is quoted in the error as one line of text: a newline or
// a terminal escape in its reply neither splits the message nor reaches the terminal.
TEST(Ccapi, TheCameraTextInAnErrorIsOneLineOfText) {
  auto date = parse_datetime_body("{\"datetime\":\"Tue,\\n\\u001b[2J 18 Nov\",\"dst\":false}");
  ASSERT_FALSE(date.ok());
  EXPECT_EQ(date.error().message,
            "the camera's date 'Tue,??[2J 18 Nov' is not an RFC 1123 date with a numeric zone");
  Error e = status_error(503, "{\"message\":\"Device\\r\\nbusy\"}", "PUT datetime");
  EXPECT_EQ(e.message, "camera busy (PUT datetime, HTTP 503): Device??busy");
  auto url = parse_camera_url("http://cam\n/x");
  ASSERT_FALSE(url.ok());
  EXPECT_EQ(url.error().message.find('\n'), std::string::npos) << url.error().message;
  // A long text is cut, and says so.
  EXPECT_EQ(shown(std::string(200, 'a'), 10), "aaaaaaaaaa...");
  EXPECT_EQ(shown("ok", 10), "ok");
}

}  // namespace
}  // namespace lansync::os
