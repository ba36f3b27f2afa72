// The certificate and key of --http-tls-cert and --http-tls-key, on their way to sntpd-web.
//
// sntpd reads both files at start, as root (so the key may be root's alone, mode 0600), checks
// that they are bounded PEM files of the right kind, and puts their bytes in sealed memory files
// (memfd: no write, no resize) that every sntpd-web it starts gets as descriptors: the web process
// reads no file and gets no path.  sntpd links no TLS library: whether GnuTLS accepts the pair
// (a key of this certificate) is found by sntpd-web, which then exits with os::web::kExitTlsRefused.
#pragma once

#include <string>
#include <string_view>

#include "os/error.hpp"
#include "os/fd.hpp"

namespace lansync::sntpd {

enum class PemKind { Certificate, PrivateKey };

// Why the two options cannot be used as given ("" when both or neither are).
std::string tls_options_problem(const std::string& cert_path, const std::string& key_path);

// Why text is not a file of this kind ("" when it is): empty, over os::web::kMaxTlsFileBytes, no
// PEM block of the kind ("-----BEGIN CERTIFICATE-----"; "-----BEGIN [EC |RSA ]PRIVATE KEY-----"),
// or an encrypted key (sntpd-web has no passphrase).
std::string pem_problem(std::string_view text, PemKind kind);

// The file at path, read whole and checked by pem_problem; the error names the option (by default
// --http-tls-cert or --http-tls-key, after kind) and the file.
os::OsResult<std::string> read_pem_file(const std::string& path, PemKind kind, const char* option = nullptr);

// bytes in a sealed memory file named name (for /proc/PID/fd), to be read with pread.
os::OsResult<os::Fd> sealed_memory_file(const char* name, std::string_view bytes);

// A certificate and its key in sealed memory files.
struct SealedTls {
  os::Fd cert;
  os::Fd key;
};

// Reads cert_path and key_path (read_pem_file, the errors naming cert_option and key_option) into
// sealed memory files named name + "-cert" and name + "-key"; the key's bytes are wiped.  A
// failure to make the memory files has the code std::errc::io_error (the system's, not the files').
os::OsResult<SealedTls> seal_tls_files(const std::string& cert_path, const std::string& key_path,
                                       const char* cert_option, const char* key_option,
                                       const std::string& name);

// Overwrites s's bytes with zeros (explicit_bzero: not optimised away) and empties it.
void wipe(std::string& s);

}  // namespace lansync::sntpd
