#!/usr/bin/env bash
# ntpsec's ntpd as an authenticating client of sntpd with the keys people
# already have: auth_ntpsec_client.sh with a SHA1 and an AES128 (CMAC) key
# from `chronyc keygen`.
LANSYNC_KEYSET=legacy exec bash "$(dirname "$0")/auth_ntpsec_client.sh" "$@"
