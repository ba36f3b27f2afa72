#!/usr/bin/env bash
# lansync-board's HTTP is safe on a LAN with browsers (issue 17): with a key,
#   a cross-site form POST (what any web page a phone opens can send) is
#     refused (403) and the board's clock stays unset;
#   a same-origin JSON set without a token is refused (403), with a token
#     from GET /exchange accepted, and the same token replayed refused;
#   idle HTTP connections do not delay the board's NTP replies; a request
#   over 1024 bytes is refused (413).
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

K1=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
printf '1 SHA256 HEX:%s\n' $K1 >"$WORK/board.keys"
chmod 600 "$WORK/board.keys"
URL=http://127.0.0.1:18090

start board "$BIN/lansync-board" --keys "$WORK/board.keys" --key 1 --serve 127.0.0.1:11190 --http 127.0.0.1:18090 --json
wait_for_ntp 127.0.0.1:11190

code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }
board_time() { curl -s --max-time 5 "$URL/time"; }

# 1. What another site's page can send without asking: refused, nothing set.
now_ms=$(date +%s%3N)
check "cross-site form POST is 403" [ "$(code -X POST -H 'Origin: http://evil.example' \
  -H 'Content-Type: application/x-www-form-urlencoded' --data "unix_ms=$now_ms&error_ms=0" "$URL/time")" = 403 ]
check "cross-site text/plain POST is 403" [ "$(code -X POST -H 'Origin: http://evil.example' \
  -H 'Content-Type: text/plain' --data "unix_ms=$now_ms&error_ms=0" "$URL/time")" = 403 ]
check "a same-origin form is 415" [ "$(code -X PUT -H "Origin: $URL" --data "unix_ms=$now_ms" "$URL/time")" = 415 ]
check "JSON from another origin is 403" [ "$(code -X PUT -H 'Origin: http://evil.example' \
  -H 'Content-Type: application/json' --data "{\"unix_ms\":$now_ms}" "$URL/time")" = 403 ]
check "JSON without a token (the board has a key) is 403" [ "$(code -X PUT -H "Origin: $URL" \
  -H 'Content-Type: application/json' --data "{\"unix_ms\":$now_ms}" "$URL/time")" = 403 ]
check "a forged token is 403" [ "$(code -X PUT -H "Origin: $URL" -H 'Content-Type: application/json' \
  --data "{\"token\":\"0123456789abcdef00000001\",\"t1_ms\":$now_ms,\"t4_ms\":$now_ms}" "$URL/time")" = 403 ]
run_capture out board_time
check "after the refusals the clock is still unset" [ "$(jq -r .synchronized <<<"$out")" = false ]

# 2. The board's own page: T1, GET /exchange, T4, then PUT the token as JSON.
board_set "$URL" '"error_ms":0'
body="{\"token\":\"$token\",\"t1_ms\":$t1,\"t4_ms\":$t4,\"error_ms\":0}"
check "same-origin JSON with a token sets the clock" [ "$(jq -r .set <<<"$out")" = true ]
check "its error is no smaller than half the round trip and Date.now()'s ms ($(jq -r .error_s <<<"$out") s)" \
  awk -v e="$(jq -r .error_s <<<"$out")" -v rt="$((t4 - t1))" 'BEGIN { exit !(e * 1000 >= rt / 2 + 1) }'
run_capture out board_time
check "GET /time: synchronized, source phone" [ "$(jq -r '"\(.synchronized) \(.source)"' <<<"$out")" = "true phone" ]
check "the same token again is 403" [ "$(code -X PUT -H "Origin: $URL" -H 'Content-Type: application/json' \
  --data "$body" "$URL/time")" = 403 ]
wait_for_log board "clock set from phone"

# 3. Idle connections (opened, never sent a byte) do not hold up the NTP server.
exec 5<>/dev/tcp/127.0.0.1/18090 6<>/dev/tcp/127.0.0.1/18090 7<>/dev/tcp/127.0.0.1/18090
# A board that waited on them would answer after their 2 s deadline: ntpprobe waits 1.5 s only.
run_capture out "$BIN/ntpprobe" -o json -n 1 -t 1.5 127.0.0.1:11190
check "with 3 idle HTTP connections ntpprobe is answered within its 1.5 s wait (exit $RC)" [ "$RC" -eq 0 ]
run_capture out board_time
check "GET /time answers beside them" [ "$(jq -r .source <<<"$out")" = phone ]
exec 5>&- 6>&- 7>&-

# 4. A request is bounded: more than 1024 bytes is 413, whatever follows.
big=$(head -c 2000 /dev/zero | tr '\0' x)
check "a request over 1024 bytes is 413" [ "$(code -H "X-Padding: $big" "$URL/time")" = 413 ]

finish
