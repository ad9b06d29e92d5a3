#!/bin/sh
# A tiny TAP suite against the server; exits non-zero when a test fails.
failed=0
check() {
  if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; failed=1; fi
}
users=$(wget -q -O - "$SERVER_URL/cgi-bin/users")
check "the server answers" '[ -n "$users" ]'
check "the users come from the database" 'echo "$users" | grep -qx "$EXPECTED_USER"'
check "the database holds two users" '[ "$(echo "$users" | wc -l)" -eq 2 ]'
exit $failed
