// sntpd-nts: sntpd's NTS helper (RFC 8915), the TLS side of NTS in a process of its own, so that the
// NTP server links no TLS library.  The first argument is the role: `server` is the NTS-KE server
// of sntpd --nts-server (server_main.hpp), `client` runs the key exchanges of sntpd's NTS upstream
// servers (client_role.hpp).  Started and supervised by sntpd; not meant to be run by hand.
// Exit codes: those of the role; 2 for an unknown role.
#include <cstring>

#include "cli/command_line.hpp"
#include "client_role.hpp"
#include "os/proc_privileges.hpp"
#include "server_main.hpp"

int main(int argc, char** argv) {
  using namespace lansync;
  if (argc >= 2 && std::strcmp(argv[1], "server") == 0) {
    os::start_helper("sntpd-nts");
    return nts::server_main(argc - 1, argv + 1);
  }
  if (argc >= 2 && std::strcmp(argv[1], "client") == 0) return nts::run_client(argc - 1, argv + 1);
  return cli::usage_error("sntpd-nts", "the first argument is the role: server or client");
}
