# Fetches the site every few seconds, like a tiny uptime checker.
while true; do
  wget -q -O- "$SITE_URL" | grep -o '<p>.*</p>'
  sleep 5
done
