#!/bin/sh
# The API: the users the database holds, one per line.
echo "Content-Type: text/plain"
echo
wget -q -O - "$DB_URL/users"
