#!/usr/bin/env bash
# Makes sure what the test suite talks to is on this machine: MariaDB (running, with a test user),
# Redis (running on 127.0.0.1:6379; tests use their own key prefixes and never flush it), memcached,
# chromium and coturn's turnserver binaries (the runner starts its own memcached, the video tests
# their own turnserver). Installs missing Debian packages when run as root; otherwise says what to
# install. Safe to run again.
set -euo pipefail

need=()
command -v memcached >/dev/null 2>&1 || need+=(memcached)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/sbin/mariadbd ] || need+=(mariadb-server)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || need+=(redis-server)
# coturn: the video tests start their own turnserver on loopback (tests/support/turnserver.ts).
command -v turnserver >/dev/null 2>&1 || [ -x /usr/bin/turnserver ] || need+=(coturn)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-services: installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "ensure-services: missing ${need[*]}; install them (Debian: sudo apt-get install ${need[*]}) and run again" >&2
    exit 1
  fi
fi

mysql_root() { mariadb -uroot --protocol=socket "$@"; }
if ! mysql_root -e 'select 1' >/dev/null 2>&1; then
  echo "ensure-services: starting MariaDB"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql >/dev/null 2>&1 || true
  for _ in $(seq 1 100); do
    mysql_root -e 'select 1' >/dev/null 2>&1 && break
    sleep 0.2
  done
  mysql_root -e 'select 1' >/dev/null || { echo "ensure-services: MariaDB did not start" >&2; exit 1; }
fi

# The test user may create and drop its own databases named leetchat_t_*; each run uses a fresh one.
mysql_root <<'SQL'
CREATE USER IF NOT EXISTS 'leetchat'@'localhost' IDENTIFIED BY 'leetchat';
CREATE USER IF NOT EXISTS 'leetchat'@'127.0.0.1' IDENTIFIED BY 'leetchat';
GRANT ALL PRIVILEGES ON `leetchat\_%`.* TO 'leetchat'@'localhost';
GRANT ALL PRIVILEGES ON `leetchat\_%`.* TO 'leetchat'@'127.0.0.1';
SQL
# Redis without persistence, loopback only (the Debian package's service may not be started here).
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; }
if ! redis_up; then
  echo "ensure-services: starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  for _ in $(seq 1 50); do
    redis_up && break
    sleep 0.1
  done
  redis_up || { echo "ensure-services: Redis did not start" >&2; exit 1; }
fi

echo "ensure-services: MariaDB, Redis, memcached, chromium and turnserver are ready"
