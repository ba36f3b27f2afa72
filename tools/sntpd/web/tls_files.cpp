// The certificate and key files of --http-tls-cert and --http-tls-key; see tls_files.hpp.
#include "web/tls_files.hpp"

#include <fcntl.h>
#include <fmt/core.h>
#include <string.h>
#include <sys/mman.h>

#include <cerrno>

#include "os/file.hpp"
#include "os/ipc_web.hpp"

namespace lansync::sntpd {

std::string tls_options_problem(const std::string& cert_path, const std::string& key_path) {
  if (cert_path.empty() == key_path.empty()) return "";
  return cert_path.empty() ? "--http-tls-key needs --http-tls-cert (HTTPS needs both)"
                           : "--http-tls-cert needs --http-tls-key (HTTPS needs both)";
}

std::string pem_problem(std::string_view text, PemKind kind) {
  if (text.empty()) return "is empty";
  if (text.size() > os::web::kMaxTlsFileBytes) {
    return fmt::format("is larger than {} KiB", os::web::kMaxTlsFileBytes / 1024);
  }
  if (kind == PemKind::Certificate) {
    if (text.find("-----BEGIN CERTIFICATE-----") == std::string_view::npos) {
      return "holds no PEM certificate (-----BEGIN CERTIFICATE-----)";
    }
    return "";
  }
  if (text.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string_view::npos ||
      text.find("Proc-Type: 4,ENCRYPTED") != std::string_view::npos) {
    return "is an encrypted key (make it with openssl's -nodes: sntpd has no passphrase)";
  }
  for (std::string_view begin :
       {"-----BEGIN PRIVATE KEY-----", "-----BEGIN EC PRIVATE KEY-----", "-----BEGIN RSA PRIVATE KEY-----"}) {
    if (text.find(begin) != std::string_view::npos) return "";
  }
  return "holds no PEM private key (-----BEGIN PRIVATE KEY-----)";
}

os::OsResult<std::string> read_pem_file(const std::string& path, PemKind kind, const char* option) {
  if (option == nullptr) option = kind == PemKind::Certificate ? "--http-tls-cert" : "--http-tls-key";
  auto text = os::read_secret_file(path, os::web::kMaxTlsFileBytes);
  if (!text) {
    if (text.error().code == std::errc::file_too_large) {
      return fail(os::Error{text.error().code, fmt::format("{}: {} is larger than {} KiB", option, path,
                                                           os::web::kMaxTlsFileBytes / 1024)});
    }
    return fail(os::Error{text.error().code, std::string(option) + ": " + text.error().message});
  }
  if (std::string problem = pem_problem(*text, kind); !problem.empty()) {
    wipe(*text);
    return fail(os::Error{std::make_error_code(std::errc::invalid_argument),
                          std::string(option) + ": " + path + " " + problem});
  }
  return text;
}

os::OsResult<os::Fd> sealed_memory_file(const char* name, std::string_view bytes) {
  os::Fd fd(::memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (fd.get() < 0) return os::errno_error(std::string("cannot create the memory file ") + name);
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return os::errno_error(std::string("cannot write the memory file ") + name);
    done += static_cast<size_t>(n);
  }
  if (::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0) {
    return os::errno_error(std::string("cannot seal the memory file ") + name);
  }
  return fd;
}

os::OsResult<SealedTls> seal_tls_files(const std::string& cert_path, const std::string& key_path,
                                       const char* cert_option, const char* key_option,
                                       const std::string& name) {
  auto cert = read_pem_file(cert_path, PemKind::Certificate, cert_option);
  auto key = cert ? read_pem_file(key_path, PemKind::PrivateKey, key_option) : fail(cert.error());
  if (!key) return fail(key.error());
  SealedTls out;
  auto cert_fd = sealed_memory_file((name + "-cert").c_str(), *cert);
  auto key_fd = cert_fd ? sealed_memory_file((name + "-key").c_str(), *key) : fail(cert_fd.error());
  wipe(*key);  // the sealed memory file holds it now
  if (!key_fd) {
    return fail(os::Error{std::make_error_code(std::errc::io_error),
                          std::string(key_option) + ": " + key_fd.error().message});
  }
  out.cert = std::move(*cert_fd);
  out.key = std::move(*key_fd);
  return out;
}

void wipe(std::string& s) {
  ::explicit_bzero(s.data(), s.size());
  s.clear();
}

}  // namespace lansync::sntpd
