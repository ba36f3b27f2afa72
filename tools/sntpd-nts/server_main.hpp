// sntpd-nts server: the NTS-KE server's side of sntpd-nts, started by sntpd --nts-server.
#pragma once

namespace lansync::nts {

// Runs `sntpd-nts server ...` (argv[0] is "server"); the exit code (ke_server.hpp's kExit*, 2 usage).
int server_main(int argc, char** argv);

}  // namespace lansync::nts
