// sntpd-nts: sntpd's NTS helper (RFC 8915), the TLS side of NTS in a process of its own, so that the
// NTP server links no TLS library.  The first argument is the role; `server` is the NTS-KE server
// of sntpd --nts-server (server_main.hpp).  Started by sntpd, not meant to be run by hand.
// Exit codes: those of the role; 2 for an unknown role.
#include <cstdio>
#include <cstring>

#include "os/proc_privileges.hpp"
#include "server_main.hpp"

int main(int argc, char** argv) {
  lansync::os::start_helper("sntpd-nts");
  if (argc >= 2 && std::strcmp(argv[1], "server") == 0) return lansync::nts::server_main(argc - 1, argv + 1);
  std::fprintf(stderr, "usage: sntpd-nts server ... (started by sntpd, not meant to be run by hand)\n");
  return 2;
}
