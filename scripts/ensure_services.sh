#!/usr/bin/env bash
# Makes sure the test services exist and run on this machine, then prints the environment the
# tests need as `export` lines: a PostgreSQL server (Debian's postgresql), a MariaDB server
# (Debian's mariadb-server), headless Chromium (Debian's chromium, driven by Playwright with
# executable_path) and LibreOffice (Debian's libreoffice-calc-nogui, for .ods files). Idempotent;
# needs root (or sudo) only when something must be installed or started.
set -euo pipefail
log() { echo "[services] $*" >&2; }
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi
apt_updated=0
# Wait for another apt (a second checkout setting up at the same time) instead of failing.
APT_WAIT=(-o DPkg::Lock::Timeout=900)
apt_install() {
  if [ $apt_updated = 0 ]; then $SUDO apt-get "${APT_WAIT[@]}" update -q >&2 || true; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get "${APT_WAIT[@]}" install -y -q "$@" >&2
}

# --- Chromium ---------------------------------------------------------------------------
if ! command -v chromium >/dev/null; then
  log "installing Debian's chromium"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get "${APT_WAIT[@]}" install -y -q chromium >&2 || apt_install chromium
fi
if [ -z "$(fc-list :lang=zh 2>/dev/null | head -1)" ]; then
  log "installing a Chinese font for screenshots"
  apt_install fonts-wqy-microhei
fi
echo "export DASHBOARD_TEST_CHROMIUM=$(command -v chromium)"

# --- LibreOffice ------------------------------------------------------------------------
# tests/test_formats.py saves our template as .ods (and formulas with their values) the way a
# clerk using LibreOffice does. Debian's libreoffice-calc-nogui: about a minute to install.
if ! command -v soffice >/dev/null; then
  log "installing Debian's libreoffice-calc-nogui"
  apt_install --no-install-recommends libreoffice-calc-nogui
fi
echo "export DASHBOARD_TEST_SOFFICE=$(command -v soffice)"

# --- PostgreSQL -------------------------------------------------------------------------
if ! command -v pg_lsclusters >/dev/null; then
  log "installing Debian's postgresql"
  apt_install postgresql
fi
if [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
  ver=$(ls /usr/lib/postgresql | sort -V | tail -1)
  log "creating cluster $ver/main"
  $SUDO pg_createcluster "$ver" main >&2
fi
pg_lsclusters -h | while read -r ver name port status _; do
  if [ "$status" != "online" ]; then
    log "starting PostgreSQL $ver/$name"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start >&2 || $SUDO pg_ctlcluster "$ver" "$name" start >&2
  fi
done
port=$(pg_lsclusters -h | awk '$4=="online"{print $3; exit}')
port=${port:-5432}
for _ in $(seq 1 30); do
  pg_isready -h 127.0.0.1 -p "$port" -q && break
  sleep 1
done
if psql "postgresql://postgres@127.0.0.1:$port/postgres" -tAc 'select 1' >/dev/null 2>&1; then
  echo "export DASHBOARD_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
else
  # A fresh Debian cluster asks for a password over TCP: give postgres one for the tests.
  log "setting a password for the postgres role"
  if [ "$(id -u)" = 0 ]; then
    su postgres -c "psql -p $port -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >&2
  else
    $SUDO -u postgres psql -p "$port" -qc "ALTER USER postgres PASSWORD 'postgres'" >&2
  fi
  echo "export DASHBOARD_TEST_PG_URL=postgresql+psycopg://postgres:postgres@127.0.0.1:$port/postgres"
fi

# --- MariaDB ----------------------------------------------------------------------------
if ! command -v mariadbd >/dev/null && ! [ -x /usr/sbin/mariadbd ]; then
  log "installing Debian's mariadb-server"
  apt_install mariadb-server
fi
if ! mariadb-admin -h 127.0.0.1 -P 3306 -u root ping >/dev/null 2>&1 \
   && ! mariadb-admin ping >/dev/null 2>&1; then
  log "starting MariaDB"
  $SUDO /etc/init.d/mariadb start >&2 || $SUDO service mariadb start >&2
fi
for _ in $(seq 1 30); do
  mariadb-admin ping >/dev/null 2>&1 && break
  sleep 1
done
if mariadb -h 127.0.0.1 -P 3306 -u root -e 'select 1' >/dev/null 2>&1; then
  echo "export DASHBOARD_TEST_MYSQL_URL='mysql+pymysql://root@127.0.0.1:3306/?charset=utf8mb4'"
else
  # A fresh Debian server lets root in only over its socket: make a test account for TCP.
  log "creating the MariaDB account dashboard_test"
  $SUDO mariadb -e "CREATE USER IF NOT EXISTS 'dashboard_test'@'127.0.0.1' IDENTIFIED BY 'dashboard_test';
    GRANT ALL PRIVILEGES ON *.* TO 'dashboard_test'@'127.0.0.1'; FLUSH PRIVILEGES;" >&2
  echo "export DASHBOARD_TEST_MYSQL_URL='mysql+pymysql://dashboard_test:dashboard_test@127.0.0.1:3306/?charset=utf8mb4'"
fi
