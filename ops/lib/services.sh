# Shared by ops/run and ops/test: install what is missing, then start a private PostgreSQL
# cluster and a MailDev SMTP server as child processes of the calling script.
# Source it; every function prints progress on stderr and fails loudly.

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tools_dir="$repo_root/.tools"

# shellcheck source=packages.sh
source "$repo_root/ops/lib/packages.sh"

# Never fails: with stderr piped into a `tee` that Ctrl-C already ended, a failed write must not stop a cleanup.
log() { printf '\033[1m[eventhealth]\033[0m %s\n' "$*" >&2 2>/dev/null || true; }

# A script started in the background by a non-interactive shell inherits SIGINT and SIGQUIT as *ignored*, and bash
# cannot trap a signal that was ignored on entry. Re-executing once with default dispositions (coreutils env 9+)
# lets `kill -INT` and Ctrl-C reach the script's cleanup wherever it was started.
restore_default_signals() {
  if [ -z "${EVENTHEALTH_SIGNALS_RESET:-}" ] && env --default-signal=INT true 2>/dev/null; then
    export EVENTHEALTH_SIGNALS_RESET=1
    exec env --default-signal=INT,QUIT,TERM,HUP "$@"
  fi
}

# The directory for the local cluster. PostgreSQL runs as the 'postgres' user when we are root, and that user must be
# able to enter every directory above its data. A clone under /root or a `mktemp -d` folder (mode 0700) keeps it out,
# so the cluster then lives under /var/lib/eventhealth, one folder per clone, where it can; the data still survives.
cluster_dir() {
  local wanted="$repo_root/.data/postgres"
  if [ "$(id -u)" != 0 ]; then echo "$wanted"; return; fi
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  mkdir -p "$repo_root/.data"
  if runuser -u postgres -- test -x "$repo_root/.data" 2>/dev/null; then
    echo "$wanted"
  else
    echo "/var/lib/eventhealth/$(printf '%s' "$repo_root" | sha256sum | cut -c1-16)/postgres"
  fi
}

# Finds PostgreSQL's server binaries, installing Debian's postgresql package if there are none.
ensure_postgres() {
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
    log "installing PostgreSQL (apt-get install postgresql)"
    local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  export pg_bin
}

# The digest chart draws its labels with DejaVu Sans: without a font it would have bars and no words.
ensure_fonts() {
  if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
    log "installing fonts for the digest chart (apt-get install fonts-dejavu-core)"
    local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq fonts-dejavu-core >/dev/null
  fi
}

# Debian's Chromium for the browser tests, which drive it through Playwright by its path (Playwright's own browser
# downloads are never used). Sets EVENTHEALTH_CHROMIUM. If it cannot be installed the browser tests say they are skipped.
ensure_chromium() {
  local chromium
  chromium=$(command -v chromium || command -v chromium-browser || true)
  if [ -z "$chromium" ]; then
    log "installing Chromium for the browser tests (apt-get install chromium)"
    local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    if $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null; then
      chromium=$(command -v chromium || true)
    else
      log "could not install Chromium: the browser tests will be skipped"
    fi
  fi
  export EVENTHEALTH_CHROMIUM=$chromium
}

# Installs MailDev into .tools/ (not globally) unless it is already there.
ensure_maildev() {
  maildev_bin="$tools_dir/node_modules/.bin/maildev"
  # Pinned to 2.x: its REST API (GET /email) is what the tests read; 3.x moved it.
  grep -q "\"version\": \"2\." "$tools_dir/node_modules/maildev/package.json" 2>/dev/null || rm -rf "$tools_dir/node_modules"
  if [ ! -x "$maildev_bin" ]; then
    command -v npm >/dev/null || { log "npm is required to install MailDev"; return 1; }
    log "installing MailDev into .tools/"
    mkdir -p "$tools_dir"
    npm install --prefix "$tools_dir" --no-audit --no-fund --loglevel=error maildev@2.2.1 >&2
  fi
  export maildev_bin
}

# What the contract tests run against the served OpenAPI document, installed into .tools/ (once, then cached):
# openapi-typescript with TypeScript 5 (TypeScript 7 crashes it), openapi-fetch, Node's types, and Redocly's CLI.
client_tools=(openapi-typescript@7.13.0 openapi-fetch@0.17.0 typescript@5.9.3 @types/node@20.19.25 @redocly/cli@2.77.0)
ensure_client_tools() {
  local pkg missing=""
  for pkg in "${client_tools[@]}"; do
    grep -q "\"version\": \"${pkg##*@}\"" "$tools_dir/node_modules/${pkg%@*}/package.json" 2>/dev/null || missing=1
  done
  if [ -n "$missing" ]; then
    command -v npm >/dev/null || { log "npm is required to install the contract tests' client tools"; return 1; }
    log "installing the contract tests' client tools into .tools/"
    mkdir -p "$tools_dir"
    npm install --prefix "$tools_dir" --no-audit --no-fund --loglevel=error "${client_tools[@]}" >&2
  fi
  export EVENTHEALTH_NODE_MODULES="$tools_dir/node_modules"
}

# PostgreSQL refuses to run as root: when we are root, the server runs as the 'postgres' user.
as_db_owner() {
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    # From /, since the postgres user may not be able to enter the caller's working directory.
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

free_port() {
  local port ephemeral_low
  # Below the kernel's ephemeral range: a port in it can be taken between this check and the bind as the source port
  # of any outgoing connection (the API's to PostgreSQL, wrk's), which failed a benchmark run twice on 2026-12-05.
  ephemeral_low=$(cut -f 1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  [ "$ephemeral_low" -gt 20000 ] || ephemeral_low=32768
  for _ in $(seq 1 200); do
    port=$(( (RANDOM % (ephemeral_low - 15000)) + 15000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"; return 0
    fi
  done
  log "no free port found"; return 1
}

# start_postgres DATA_DIR PORT [DATABASE]: creates the cluster on first use, starts it, ensures the database
# (default eventhealth) exists. PG_FSYNC (on/off) and PG_OPTIONS (more "-c name=value" server settings) adjust the server.
start_postgres() {
  local data_dir=$1 port=$2 database=${3:-eventhealth}
  mkdir -p "$data_dir"
  [ "$(id -u)" = 0 ] && { id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres; chown -R postgres "$data_dir"; }
  chmod 700 "$data_dir"
  if [ ! -f "$data_dir/PG_VERSION" ]; then
    log "creating PostgreSQL cluster in $data_dir"
    as_db_owner "$pg_bin/initdb" -D "$data_dir" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
  fi
  log "starting PostgreSQL on 127.0.0.1:$port"
  as_db_owner "$pg_bin/pg_ctl" -D "$data_dir" -l "$data_dir/server.log" -w -t 60 \
    -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='$data_dir' -c max_connections=200 -c fsync=${PG_FSYNC:-on} ${PG_OPTIONS:-}" start >/dev/null
  if ! as_db_owner "$pg_bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "select 1 from pg_database where datname='$database'" postgres | grep -q 1; then
    as_db_owner "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$database"
  fi
}

stop_postgres() {
  local data_dir=$1
  [ -n "${pg_bin:-}" ] || return 0
  [ -f "$data_dir/postmaster.pid" ] && as_db_owner "$pg_bin/pg_ctl" -D "$data_dir" -m fast -w stop >/dev/null 2>&1 || true
}

# start_maildev SMTP_PORT WEB_PORT LOG_FILE: starts MailDev in the background, sets maildev_pid.
# The mails are kept next to the log (MailDev's default is a /tmp/maildev-PID folder that nobody removes,
# which filled the CI machine's disk over many runs).
start_maildev() {
  local smtp_port=$1 web_port=$2 log_file=$3
  local mail_dir="${log_file%.log}-mail"
  mkdir -p "$mail_dir"
  log "starting MailDev: SMTP 127.0.0.1:$smtp_port, inbox http://127.0.0.1:$web_port"
  "$maildev_bin" --ip 127.0.0.1 --smtp "$smtp_port" --web "$web_port" --web-ip 127.0.0.1 \
    --mail-directory "$mail_dir" >"$log_file" 2>&1 &
  maildev_pid=$!
  wait_for_http "http://127.0.0.1:$web_port/email" 30 || { cat "$log_file" >&2; return 1; }
}

wait_for_http() {
  local url=$1 seconds=$2
  for _ in $(seq 1 $((seconds * 4))); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    sleep 0.25
  done
  log "timed out waiting for $url"; return 1
}

# create_api_role PORT [DATABASE]: the least-privileged role the API uses outside development
# (ops/db/create-api-role.sh), granted on DATABASE (default eventhealth).
create_api_role() {
  local port=$1 database=${2:-eventhealth}
  PGHOST=127.0.0.1 PGPORT="$port" PGUSER=postgres PGDATABASE="$database" PATH="$pg_bin:$PATH" \
    "$repo_root/ops/db/create-api-role.sh" >&2
}

# Shard clusters for Marten's sharded tenancy (docs/operations.md, "Running sharded locally"): each shard is a cluster
# of its own, like the control cluster started by start_postgres, holding one database eventhealth_shardNN.
# What the last start_shard_clusters started, for stop_shard_clusters and the callers' banners and tests.
shard_ids=()
shard_ports=()
shard_dirs=()

# start_shard_clusters COUNT DIR_PREFIX FIRST_PORT [CONNECTION_OPTIONS]
# Starts shard01..shardCOUNT: data in DIR_PREFIX-shardNN, port FIRST_PORT+NN-1 (a free port each when FIRST_PORT is
# "free"), database eventhealth_shardNN with the API role granted on it. Exports Sharding__Shards__shardNN (as postgres,
# CONNECTION_OPTIONS appended, e.g. ";Maximum Pool Size=80") and EVENTHEALTH_API_ROLE_CONNECTION_shardNN. Uses the same
# PG_FSYNC and PG_OPTIONS as start_postgres. Registered before starting, so a cleanup trap stops a half-started set too.
start_shard_clusters() {
  local count=$1 dir_prefix=$2 first_port=$3 options=${4:-} index id port dir database
  [[ "$count" =~ ^[0-9]+$ ]] || { log "the number of shards must be a whole number, not '$count'"; return 1; }
  for ((index = 1; index <= count; index++)); do
    id=$(printf 'shard%02d' "$index")
    if [ "$first_port" = free ]; then port=$(free_port); else port=$((first_port + index - 1)); fi
    dir="$dir_prefix-$id"
    database="eventhealth_$id"
    shard_ids+=("$id"); shard_ports+=("$port"); shard_dirs+=("$dir")
    log "shard $id: database $database"
    start_postgres "$dir" "$port" "$database"
    create_api_role "$port" "$database"
    export "Sharding__Shards__$id=Host=127.0.0.1;Port=$port;Database=$database;Username=postgres$options"
    export "EVENTHEALTH_API_ROLE_CONNECTION_$id=Host=127.0.0.1;Port=$port;Database=$database;Username=eventhealth_api"
  done
}

# stop_shard_clusters: stops what start_shard_clusters started (data kept); safe to call when nothing was started.
stop_shard_clusters() {
  local dir
  for dir in "${shard_dirs[@]}"; do stop_postgres "$dir"; done
}
