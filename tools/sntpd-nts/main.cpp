// sntpd-nts: sntpd's NTS helper (RFC 8915), a process of its own so that sntpd links no TLS
// library.  The first argument is its role: `client` runs the key exchanges of sntpd's NTS
// upstream servers (client_role.hpp).  Started and supervised by sntpd; not meant to be run by
// hand.  Exit codes: 0 stopped, 1 could not run, 2 usage error.
#include <string>

#include "cli/command_line.hpp"
#include "client_role.hpp"

int main(int argc, char** argv) {
  using namespace lansync;
  const std::string role = argc > 1 ? argv[1] : "";
  if (role == "client") return nts::run_client(argc - 1, argv + 1);
  return cli::usage_error("sntpd-nts", "the first argument is the role: client");
}
