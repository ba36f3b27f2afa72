// tools/sntpd-web/request: how sntpd-web judges a request before and after reading its body.
#include <gtest/gtest.h>

#include "os/net_address.hpp"
#include "request.hpp"

namespace lansync::web {
namespace {

using core::PhoneRefusal;

RequestHead get(std::string_view path, std::string_view host = "127.0.0.1:8123") {
  RequestHead h;
  h.method = "GET";
  h.path = path;
  h.host = host;
  return h;
}

RequestHead post_set(std::string_view length = "60") {
  RequestHead h;
  h.method = "POST";
  h.path = "/set";
  h.host = "192.168.4.1";
  h.content_type = "application/json";
  h.content_length = length;
  return h;
}

TEST(WebRequest, RoutesAndWhatNeedsSntpd) {
  EXPECT_EQ(judge_head(get("/")).kind, HeadVerdict::kAnswer);
  EXPECT_TRUE(judge_head(get("/")).answer.page);
  EXPECT_EQ(judge_head(get("/")).answer.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(judge_head(get("/time")).ask, os::web::Type::Time);
  EXPECT_EQ(judge_head(get("/exchange")).ask, os::web::Type::Exchange);
  EXPECT_EQ(judge_head(get("/metrics")).ask, os::web::Type::Metrics);
  EXPECT_EQ(judge_head(get("/metrics")).kind, HeadVerdict::kAskSntpd);
  auto other = judge_head(get("/nothing"));
  EXPECT_EQ(other.answer.status, 404);
  EXPECT_EQ(other.route, Route::Other);
  auto set = judge_head(post_set());
  EXPECT_EQ(set.kind, HeadVerdict::kReadBody);
  EXPECT_EQ(set.body_length, 60u);
}

TEST(WebRequest, RefusesARebindingHostOnEveryGetRoute) {
  for (const char* path : {"/", "/time", "/exchange", "/metrics", "/x"}) {
    auto v = judge_head(get(path, "rebind.example.com"));
    EXPECT_EQ(v.answer.status, 403) << path;
    EXPECT_TRUE(v.host_refused);
  }
  RequestHead none = get("/time");
  none.host.reset();
  EXPECT_EQ(judge_head(none).answer.status, 403);
  EXPECT_EQ(judge_head(get("/time", "pi.local")).kind, HeadVerdict::kAskSntpd);
}

TEST(WebRequest, BoundsBodiesBeforeReadingThem) {
  RequestHead chunked = post_set();
  chunked.content_length.reset();
  chunked.transfer_encoding = "chunked";
  auto v = judge_head(chunked);
  EXPECT_EQ(v.answer.status, 411);
  EXPECT_EQ(v.limited, os::web::Limit::LengthRequired);
  RequestHead lengthless = post_set();
  lengthless.content_length.reset();
  EXPECT_EQ(judge_head(lengthless).answer.status, 411);
  EXPECT_EQ(judge_head(post_set("4097")).answer.status, 413);
  EXPECT_EQ(judge_head(post_set("4097")).limited, os::web::Limit::TooLarge);
  EXPECT_EQ(judge_head(post_set("99999999999999999999999")).answer.status, 413);
  EXPECT_EQ(judge_head(post_set("4096")).kind, HeadVerdict::kReadBody);
  EXPECT_EQ(judge_head(post_set("-1")).answer.status, 400);
  EXPECT_EQ(judge_head(post_set("")).answer.status, 400);
  // Every route: a GET with a chunked body is refused as well.
  RequestHead get_chunked = get("/time");
  get_chunked.transfer_encoding = "chunked";
  EXPECT_EQ(judge_head(get_chunked).answer.status, 411);
  RequestHead other_post = post_set("100000");
  other_post.path = "/time";
  EXPECT_EQ(judge_head(other_post).answer.status, 413);
}

SetContext allowed() {
  SetContext c;
  c.access.allow.push_back(*os::parse_cidr("192.168.4.0/24"));
  c.remote = os::parse_cidr("192.168.4.2")->base;
  c.local = os::parse_cidr("192.168.4.1")->base;
  c.client = "192.168.4.2";
  return c;
}

TEST(WebRequest, SetReadsTheBody) {
  RequestHead h = post_set();
  h.user_agent = "Mozilla";
  auto r = judge_set(h, R"({"token":"abc","t1_ms":1795000000000,"t4_ms":1795000000100,"trigger":"auto"})",
                     allowed());
  EXPECT_EQ(r.early, PhoneRefusal::None);
  EXPECT_EQ(r.token, "abc");
  EXPECT_EQ(r.t1_ns, 1'795'000'000'000'000'000);
  EXPECT_EQ(r.t4_ns, 1'795'000'000'100'000'000);
  EXPECT_EQ(r.trigger, "auto");
  EXPECT_EQ(r.client, "192.168.4.2");
  EXPECT_EQ(r.user_agent, "Mozilla");
  EXPECT_FALSE(r.time_zone);
}

SetContext manual() {
  SetContext c;
  c.access.manual_configured = true;
  c.access.manual_addresses.push_back({*os::parse_cidr("192.168.1.10/24"), "wlan0"});
  c.remote = os::parse_cidr("192.168.1.23")->base;
  c.local = os::parse_cidr("192.168.1.10")->base;
  c.client = "192.168.1.23";
  return c;
}

// A --http-manual-interface network: the button passes, an automatic set (or none named) is refused.
TEST(WebRequest, ManualInterfaceTakesTheButtonOnly) {
  std::string base = R"({"token":"abc","t1_ms":1795000000000,"t4_ms":1795000000100)";
  EXPECT_EQ(judge_set(post_set(), base + R"(,"trigger":"button"})", manual()).early, PhoneRefusal::None);
  EXPECT_EQ(judge_set(post_set(), base + R"(,"trigger":"auto"})", manual()).early, PhoneRefusal::ManualOnly);
  EXPECT_EQ(judge_set(post_set(), base + "}", manual()).early, PhoneRefusal::ManualOnly);
  // A bad body stays a bad request; an address off the network is not allowed at all.
  EXPECT_EQ(judge_set(post_set(), "{}", manual()).early, PhoneRefusal::BadRequest);
  SetContext off = manual();
  off.remote = os::parse_cidr("192.168.2.23")->base;
  EXPECT_EQ(judge_set(post_set(), base + R"(,"trigger":"button"})", off).early, PhoneRefusal::NotAllowed);
  // An allowed prefix keeps both.
  EXPECT_EQ(judge_set(post_set(), base + R"(,"trigger":"auto"})", allowed()).early, PhoneRefusal::None);
}

// GET /time's object gains may_set (and the manual interface's name), sntpd's keys untouched.
TEST(WebRequest, TimeSaysHowThisClientMaySet) {
  core::SetPermission button{core::SetPermission::Button, "wlan0"};
  EXPECT_EQ(with_permission("{\"source\":\"phone\"}\n", button),
            "{\"source\":\"phone\",\"may_set\":\"button\",\"manual_interface\":\"wlan0\"}\n");
  EXPECT_EQ(with_permission("{\"a\":1}", core::SetPermission{core::SetPermission::Any, ""}),
            "{\"a\":1,\"may_set\":\"auto\"}");
  EXPECT_EQ(with_permission("{}", core::SetPermission{}), "{\"may_set\":\"none\"}");
  EXPECT_EQ(with_permission("503 Service Unavailable\n", button), "503 Service Unavailable\n");
  EXPECT_EQ(with_permission("", button), "");
  // A fallback network: the button only while a full network's phone holds the clock.
  core::SetPermission fallback{core::SetPermission::Fallback, "wlan0"};
  EXPECT_EQ(with_permission(R"({"held_by":null})", fallback), R"({"held_by":null,"may_set":"auto"})");
  EXPECT_EQ(with_permission(R"({"held_by":{"client":"192.168.1.23","fallback":true}})", fallback),
            R"({"held_by":{"client":"192.168.1.23","fallback":true},"may_set":"auto"})");
  EXPECT_EQ(
      with_permission(R"({"held_by":{"client":"192.168.4.2","fallback":false}})", fallback),
      R"({"held_by":{"client":"192.168.4.2","fallback":false},"may_set":"button","manual_interface":"wlan0"})");
}

TEST(WebRequest, SetFromAFallbackNetworkSaysSo) {
  std::string body = R"({"token":"abc","t1_ms":1795000000000,"t4_ms":1795000000100,"trigger":"auto"})";
  SetContext c;
  c.access.fallback_configured = true;
  c.access.fallback_addresses = {{*os::parse_cidr("192.168.1.10/24"), "wlan0"}};
  c.remote = os::parse_cidr("192.168.1.23")->base;
  c.local = os::parse_cidr("192.168.1.10")->base;
  auto r = judge_set(post_set(), body, c);
  EXPECT_EQ(r.early, PhoneRefusal::None);  // sntpd, which knows the holder, decides
  EXPECT_TRUE(r.fallback);
  EXPECT_FALSE(judge_set(post_set(), body, allowed()).fallback);
}

// time_zone: a string of at most a name's length is passed on (sntpd checks the name); anything else
// is a bad request.
TEST(WebRequest, SetReadsTheTimeZone) {
  std::string base = R"({"token":"abc","t1_ms":1795000000000,"t4_ms":1795000000100,"time_zone":)";
  auto r = judge_set(post_set(), base + R"("Australia/Sydney"})", allowed());
  EXPECT_EQ(r.early, PhoneRefusal::None);
  EXPECT_EQ(r.time_zone, "Australia/Sydney");
  r = judge_set(post_set(), base + R"("Mars/Olympus"})", allowed());
  EXPECT_EQ(r.time_zone, "Mars/Olympus");
  for (std::string bad : {std::string("5"), std::string("null"), std::string("[\"UTC\"]"),
                          "\"" + std::string(os::web::kTimeZoneCapacity + 1, 'x') + "\""}) {
    EXPECT_EQ(judge_set(post_set(), base + bad + "}", allowed()).early, PhoneRefusal::BadRequest) << bad;
  }
}

// location: {lat, lon, accuracy_m, unix} in range goes to sntpd in fixed point; absent is fine;
// anything else present is bad_location, and nothing else of the body is passed on.
TEST(WebRequest, SetReadsTheLocation) {
  std::string base = R"({"token":"abc","t1_ms":1795000000000,"t4_ms":1795000000100)";
  auto r = judge_set(post_set(), base + "}", allowed());
  EXPECT_EQ(r.early, PhoneRefusal::None);
  EXPECT_FALSE(r.location);
  r = judge_set(
      post_set(),
      base + R"(,"location":{"lat":-33.8568,"lon":151.2153,"accuracy_m":25,"unix":1795000000,"x":1}})",
      allowed());
  EXPECT_EQ(r.early, PhoneRefusal::None);
  ASSERT_TRUE(r.location);
  EXPECT_EQ(r.location->lat_e7, -338'568'000);
  EXPECT_EQ(r.location->lon_e7, 1'512'153'000);
  EXPECT_EQ(r.location->accuracy_cm, 2500u);
  EXPECT_EQ(r.location->unix_s, 1'795'000'000);
  for (const char* bad : {"null", "5", "[]", "{}", R"({"lat":-33.8,"lon":151.2,"accuracy_m":25})",
                          R"({"lat":"-33.8","lon":151.2,"accuracy_m":25,"unix":1795000000})",
                          R"({"lat":90.5,"lon":151.2,"accuracy_m":25,"unix":1795000000})",
                          R"({"lat":-33.8,"lon":-180.01,"accuracy_m":25,"unix":1795000000})",
                          R"({"lat":-33.8,"lon":151.2,"accuracy_m":-1,"unix":1795000000})",
                          R"({"lat":-33.8,"lon":151.2,"accuracy_m":1e8,"unix":1795000000})",
                          R"({"lat":-33.8,"lon":151.2,"accuracy_m":25,"unix":1795000000.5})",
                          R"({"lat":-33.8,"lon":151.2,"accuracy_m":25,"unix":5})",
                          R"({"lat":1e300,"lon":151.2,"accuracy_m":25,"unix":1795000000})"}) {
    r = judge_set(post_set(), base + R"(,"location":)" + bad + "}", allowed());
    EXPECT_EQ(r.early, PhoneRefusal::BadLocation) << bad;
    EXPECT_FALSE(r.location) << bad;
  }
  // A number JSON cannot hold (1e400) makes the body no JSON at all; one without its token stays a
  // bad request whatever its location.
  EXPECT_EQ(judge_set(post_set(), base + R"(,"location":{"lat":1e400}})", allowed()).early,
            PhoneRefusal::BadRequest);
  EXPECT_EQ(judge_set(post_set(), R"({"location":5})", allowed()).early, PhoneRefusal::BadRequest);
}

TEST(WebRequest, SetRefusalsInOrder) {
  std::string body = R"({"token":"abc","t1_ms":1795000000000,"t4_ms":1795000000100})";
  SetContext none;
  EXPECT_EQ(judge_set(post_set(), body, none).early, PhoneRefusal::NotEnabled);
  RequestHead cross = post_set();
  cross.origin = "http://evil.example";
  EXPECT_EQ(judge_set(cross, body, allowed()).early, PhoneRefusal::CrossSite);
  RequestHead form = post_set();
  form.content_type = "application/x-www-form-urlencoded";
  EXPECT_EQ(judge_set(form, body, allowed()).early, PhoneRefusal::NotJson);
  SetContext elsewhere = allowed();
  elsewhere.remote = os::parse_cidr("10.0.0.2")->base;
  EXPECT_EQ(judge_set(post_set(), body, elsewhere).early, PhoneRefusal::NotAllowed);
  for (const char* bad :
       {"", "[]", "{\"token\":1,\"t1_ms\":1795000000000,\"t4_ms\":1795000000100}",
        "{\"token\":\"a\",\"t1_ms\":5,\"t4_ms\":1795000000100}", "{\"token\":\"a\"}", "{"}) {
    EXPECT_EQ(judge_set(post_set(), bad, allowed()).early, PhoneRefusal::BadRequest) << bad;
  }
}

// Over TLS the page's Origin is https://HOST; an http:// Origin is another site (and the other way round).
TEST(WebRequest, SetOriginFollowsTheConnectionsScheme) {
  std::string body = R"({"token":"abc","t1_ms":1795000000000,"t4_ms":1795000000100})";
  SetContext tls = allowed();
  tls.https = true;
  RequestHead h = post_set();
  h.origin = "https://192.168.4.1";
  EXPECT_EQ(judge_set(h, body, tls).early, PhoneRefusal::None);
  EXPECT_EQ(judge_set(h, body, allowed()).early, PhoneRefusal::CrossSite);
  h.origin = "http://192.168.4.1";
  EXPECT_EQ(judge_set(h, body, tls).early, PhoneRefusal::CrossSite);
  EXPECT_EQ(judge_set(h, body, allowed()).early, PhoneRefusal::None);
  h.origin.reset();
  EXPECT_EQ(judge_set(h, body, tls).early, PhoneRefusal::None);
  RequestHead camera = post_set("0");
  camera.path = "/sync-camera";
  camera.origin = "http://192.168.4.1";
  EXPECT_EQ(judge_sync_camera(camera, "", tls).early, PhoneRefusal::CrossSite);
}

// --http-allow-origin: the app's page gets CORS on what lansync.js calls, and a preflight; other
// origins, other routes and rebinding Hosts get none.
TEST(WebRequest, AllowedOriginGetsCors) {
  const std::vector<std::string> origins = {"http://127.0.0.1:3000"};
  RequestHead pre = get("/set");
  pre.method = "OPTIONS";
  pre.origin = "http://127.0.0.1:3000";
  auto v = judge_head(pre, origins);
  EXPECT_EQ(v.answer.status, 204);
  EXPECT_TRUE(v.answer.preflight);
  EXPECT_EQ(v.answer.allow_origin, "http://127.0.0.1:3000");
  EXPECT_EQ(judge_head(pre).answer.status, 403);  // no origin allowed
  EXPECT_TRUE(judge_head(pre).answer.allow_origin.empty());
  pre.origin = "http://127.0.0.1:3001";
  EXPECT_EQ(judge_head(pre, origins).answer.status, 403);
  EXPECT_TRUE(judge_head(pre, origins).answer.allow_origin.empty());
  pre.origin = "http://127.0.0.1:3000";
  pre.path = "/metrics";
  EXPECT_EQ(judge_head(pre, origins).answer.status, 403);
  pre.path = "/exchange";
  pre.host = "rebind.example.com";
  EXPECT_EQ(judge_head(pre, origins).answer.status, 403);
  EXPECT_TRUE(judge_head(pre, origins).host_refused);
  // A rebinding Host's answers are never made readable, its refusals and POST /set's included.
  EXPECT_TRUE(judge_head(pre, origins).answer.allow_origin.empty());
  RequestHead rebound_set = post_set();
  rebound_set.origin = "http://127.0.0.1:3000";
  rebound_set.host = "rebind.example.com:80";
  EXPECT_TRUE(judge_head(rebound_set, origins).answer.allow_origin.empty());

  for (const char* path : {"/time", "/exchange"}) {
    RequestHead h = get(path);
    h.origin = "http://127.0.0.1:3000";
    EXPECT_EQ(judge_head(h, origins).answer.allow_origin, "http://127.0.0.1:3000") << path;
    EXPECT_EQ(judge_head(h, origins).kind, HeadVerdict::kAskSntpd) << path;
    EXPECT_TRUE(judge_head(h).answer.allow_origin.empty()) << path;
  }
  RequestHead metrics = get("/metrics");
  metrics.origin = "http://127.0.0.1:3000";
  EXPECT_TRUE(judge_head(metrics, origins).answer.allow_origin.empty());

  // The set itself: the origin passes the origin rule; every other rule stays.
  std::string body = R"({"token":"abc","t1_ms":1795000000000,"t4_ms":1795000000100})";
  RequestHead set = post_set();
  set.origin = "http://127.0.0.1:3000";
  set.sec_fetch_site = "same-site";
  EXPECT_EQ(judge_head(set, origins).answer.allow_origin, "http://127.0.0.1:3000");
  SetContext ctx = allowed();
  EXPECT_EQ(judge_set(set, body, ctx).early, PhoneRefusal::CrossSite);
  ctx.allowed_origins = origins;
  EXPECT_EQ(judge_set(set, body, ctx).early, PhoneRefusal::None);
  ctx.remote = os::parse_cidr("10.0.0.2")->base;
  EXPECT_EQ(judge_set(set, body, ctx).early, PhoneRefusal::NotAllowed);
  set.origin = "http://127.0.0.1:3001";
  EXPECT_EQ(judge_set(set, body, allowed()).early, PhoneRefusal::CrossSite);
  RequestHead camera = post_set("0");
  camera.path = "/sync-camera";
  camera.origin = "http://127.0.0.1:3000";
  ctx = allowed();
  ctx.allowed_origins = origins;
  EXPECT_EQ(judge_sync_camera(camera, "", ctx).early, PhoneRefusal::None);
}

// GET /lansync.js: the embedded script, JavaScript, not the page's headers; the Host rule applies.
TEST(WebRequest, ServesLansyncJs) {
  auto v = judge_head(get("/lansync.js"));
  EXPECT_EQ(v.kind, HeadVerdict::kAnswer);
  EXPECT_EQ(v.answer.status, 200);
  EXPECT_EQ(v.answer.content_type, "text/javascript; charset=utf-8");
  EXPECT_TRUE(v.answer.script);
  EXPECT_FALSE(v.answer.page);
  EXPECT_NE(v.answer.body.find("syncCamera"), std::string::npos);
  EXPECT_EQ(judge_head(get("/lansync.js", "rebind.example.com")).answer.status, 403);
}

// POST /sync-camera: read like a set, sent to sntpd as SyncCamera, judged by the set's access rules;
// no body needs no Content-Type, a body must be a JSON object.
TEST(WebRequest, SyncCameraUsesTheSetRules) {
  RequestHead h = post_set("0");
  h.path = "/sync-camera";
  auto v = judge_head(h);
  EXPECT_EQ(v.kind, HeadVerdict::kReadBody);
  EXPECT_EQ(v.ask, os::web::Type::SyncCamera);
  EXPECT_EQ(judge_head(post_set()).ask, os::web::Type::Set);
  EXPECT_EQ(judge_sync_camera(h, "", allowed()).early, PhoneRefusal::None);
  EXPECT_EQ(judge_sync_camera(h, R"({"why":"timelapse"})", allowed()).early, PhoneRefusal::None);
  EXPECT_EQ(judge_sync_camera(h, "[1]", allowed()).early, PhoneRefusal::BadRequest);
  RequestHead bare = h;
  bare.content_type.reset();
  EXPECT_EQ(judge_sync_camera(bare, "", allowed()).early, PhoneRefusal::None);
  EXPECT_EQ(judge_sync_camera(bare, "{}", allowed()).early, PhoneRefusal::NotJson);
  EXPECT_EQ(judge_sync_camera(h, "", SetContext{}).early, PhoneRefusal::NotEnabled);
  RequestHead cross = h;
  cross.sec_fetch_site = "cross-site";
  EXPECT_EQ(judge_sync_camera(cross, "", allowed()).early, PhoneRefusal::CrossSite);
  SetContext elsewhere = allowed();
  elsewhere.remote = os::parse_cidr("10.0.0.2")->base;
  EXPECT_EQ(judge_sync_camera(h, "", elsewhere).early, PhoneRefusal::NotAllowed);
  EXPECT_EQ(judge_sync_camera(h, "", allowed()).client, "192.168.4.2");
}

TEST(WebRequest, HttpDate) {
  EXPECT_EQ(http_date(784111777'000'000'000), "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 9110's example
  EXPECT_EQ(http_date(-1), "Wed, 31 Dec 1969 23:59:59 GMT");
}

}  // namespace
}  // namespace lansync::web
