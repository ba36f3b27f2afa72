// sntpd's --http-tls-cert and --http-tls-key files (tools/sntpd/tls_files.cpp): both or neither,
// bounded PEM files of the right kind, and the sealed memory files that carry them to sntpd-web.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "../support/temp_dir.hpp"
#include "os/ipc_web.hpp"
#include "web/tls_files.hpp"

namespace lansync::sntpd {
namespace {

constexpr const char* kCert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
constexpr const char* kKey = "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n";

std::string write(const testing::TempDir& dir, const char* name, const std::string& text) {
  std::string path = (dir.path() / name).string();
  std::ofstream(path) << text;
  return path;
}

TEST(SntpdTls, BothOptionsOrNeither) {
  EXPECT_EQ(tls_options_problem("", ""), "");
  EXPECT_EQ(tls_options_problem("a.crt", "a.key"), "");
  EXPECT_EQ(tls_options_problem("a.crt", ""), "--http-tls-cert needs --http-tls-key (HTTPS needs both)");
  EXPECT_EQ(tls_options_problem("", "a.key"), "--http-tls-key needs --http-tls-cert (HTTPS needs both)");
}

TEST(SntpdTls, PemOfTheRightKind) {
  EXPECT_EQ(pem_problem(kCert, PemKind::Certificate), "");
  EXPECT_EQ(pem_problem(kKey, PemKind::PrivateKey), "");
  EXPECT_EQ(pem_problem("-----BEGIN EC PRIVATE KEY-----\n", PemKind::PrivateKey), "");
  EXPECT_EQ(pem_problem("-----BEGIN RSA PRIVATE KEY-----\n", PemKind::PrivateKey), "");
  // A chain, or the key and the certificate in one file, will do.
  EXPECT_EQ(pem_problem(std::string(kKey) + kCert + kCert, PemKind::Certificate), "");
  EXPECT_EQ(pem_problem("", PemKind::Certificate), "is empty");
  EXPECT_EQ(pem_problem("", PemKind::PrivateKey), "is empty");
  EXPECT_EQ(pem_problem(kKey, PemKind::Certificate),
            "holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
  EXPECT_EQ(pem_problem(kCert, PemKind::PrivateKey),
            "holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
  EXPECT_EQ(pem_problem("0\x82\x01\x0a", PemKind::Certificate),  // DER
            "holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
  EXPECT_NE(pem_problem("-----BEGIN ENCRYPTED PRIVATE KEY-----\n", PemKind::PrivateKey).find("encrypted"),
            std::string::npos);
  EXPECT_NE(pem_problem("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n", PemKind::PrivateKey)
                .find("encrypted"),
            std::string::npos);
}

TEST(SntpdTls, SizeBoundedAt64KiB) {
  std::string at_limit = kCert + std::string(os::web::kMaxTlsFileBytes - std::string(kCert).size(), '\n');
  ASSERT_EQ(at_limit.size(), 65536u);
  EXPECT_EQ(pem_problem(at_limit, PemKind::Certificate), "");
  EXPECT_EQ(pem_problem(at_limit + "\n", PemKind::Certificate), "is larger than 64 KiB");
  testing::TempDir dir;
  auto read = read_pem_file(write(dir, "limit.crt", at_limit), PemKind::Certificate);
  ASSERT_TRUE(read);
  EXPECT_EQ(*read, at_limit);  // os::read_secret_file: the whole file, byte for byte, at the limit
  std::string large = write(dir, "large.key", std::string(kKey) + std::string(70000, 'A'));
  auto r = read_pem_file(large, PemKind::PrivateKey);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "--http-tls-key: " + large + " is larger than 64 KiB");
}

TEST(SntpdTls, ReadErrorsNameTheOptionAndTheFile) {
  testing::TempDir dir;
  auto cert = read_pem_file(write(dir, "ok.crt", kCert), PemKind::Certificate);
  ASSERT_TRUE(cert);
  EXPECT_EQ(*cert, kCert);
  std::string missing = (dir.path() / "missing.key").string();
  auto r = read_pem_file(missing, PemKind::PrivateKey);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "--http-tls-key: cannot open " + missing + ": No such file or directory");
  std::string empty = write(dir, "empty.crt", "");
  r = read_pem_file(empty, PemKind::Certificate);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "--http-tls-cert: " + empty + " is empty");
  std::string swapped = write(dir, "swapped.crt", kKey);
  r = read_pem_file(swapped, PemKind::Certificate);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "--http-tls-cert: " + swapped + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
}

TEST(SntpdTls, SealedMemoryFileIsReadOnly) {
  auto fd = sealed_memory_file("test-key", kKey);
  ASSERT_TRUE(fd) << fd.error().message;
  std::string back(200, '\0');
  ssize_t n = ::pread(fd->get(), back.data(), back.size(), 0);
  ASSERT_EQ(n, static_cast<ssize_t>(std::string(kKey).size()));
  EXPECT_EQ(back.substr(0, static_cast<size_t>(n)), kKey);
  // The web process it is handed to can neither change nor resize it for the next one.
  EXPECT_EQ(::pwrite(fd->get(), "x", 1, 0), -1);
  EXPECT_NE(::ftruncate(fd->get(), 0), 0);
  EXPECT_EQ(::fcntl(fd->get(), F_GET_SEALS) & F_SEAL_WRITE, F_SEAL_WRITE);
  EXPECT_EQ(::fcntl(fd->get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);  // only exec_web passes it on
}

TEST(SntpdTls, WipeZeroesAndEmpties) {
  std::string s = kKey;
  const char* data = s.data();
  size_t size = s.size();
  wipe(s);
  EXPECT_TRUE(s.empty());
  for (size_t i = 0; i < size; ++i) ASSERT_EQ(data[i], '\0');
}

}  // namespace
}  // namespace lansync::sntpd
