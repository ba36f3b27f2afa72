// sntpd-nts client: the key exchanges of sntpd's NTS upstream servers, one at a time.
//
// sntpd asks over the channel on descriptor 3 (os/ipc_nts_client.hpp) for a key exchange with an
// address and port, the name the certificate must carry, a CA file (or the system's CAs) and how
// the certificates' dates are judged; this role runs it (os/net_nts_ke.hpp: TLS 1.3, ALPN
// ntske/1), resolves the NTP server the exchange named (a name is looked up here, where blocking
// costs sntpd nothing) and answers with the keys, the cookies and the NTP server's address and
// port, or the error in one line.  It stops at SIGTERM or when sntpd closes the channel.
#pragma once

namespace lansync::nts {

// Runs the client role with its own arguments (argv[0] is "client"); the exit code.
int run_client(int argc, char** argv);

}  // namespace lansync::nts
