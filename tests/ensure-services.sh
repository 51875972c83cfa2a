#!/usr/bin/env bash
# Makes sure what the test suite talks to is on this machine: MariaDB (running, with a test user),
# memcached and chromium binaries (the runner starts its own memcached). Installs missing Debian
# packages when run as root; otherwise says what to install. Safe to run again.
set -euo pipefail

need=()
command -v memcached >/dev/null 2>&1 || need+=(memcached)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/sbin/mariadbd ] || need+=(mariadb-server)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)

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
echo "ensure-services: MariaDB, memcached and chromium are ready"
