#!/usr/bin/env bash
# A throwaway Samba Active Directory domain controller on loopback, for Blink's integration tests.
#
#   samba-dc.sh install              install the Samba packages when missing (root, Debian/Ubuntu)
#   samba-dc.sh provision DIR        domain CORP.EXAMPLE.TEST / CORP in DIR, with TLS and test fixtures
#                                    (reuses DIR.template when it was made by this same recipe; --fresh skips it)
#   samba-dc.sh start DIR            start samba for DIR, wait until LDAPS (636) answers
#   samba-dc.sh stop DIR             stop it (SIGTERM, then SIGKILL to its process group)
#   samba-dc.sh status DIR           exit 0 and print the PID when running, exit 3 when not
#
# SAMBA_DC_ADDRESS=127.0.0.3 (any 127.x.y.z; default 127.0.0.1) at provision time binds that DC to another loopback
# address, so another DC (the lockout bench's) can run next to the test DCs on the same fixed ports; start, stop and
# status read the address back from DIR/address.
#
# Everything lives under DIR: nothing under /etc is touched, Samba listens on 127.0.0.1/::1 only and runs only its
# LDAP server. Passwords made here are test-only; the Administrator password is random per provision and kept in
# DIR/admin-password (mode 600); fixture facts (users, DNs, the fixture password) go to DIR/fixtures.json.
set -euo pipefail

readonly SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly PACKAGES=(samba samba-dsdb-modules samba-vfs-modules samba-ad-provision)
readonly REALM=CORP.EXAMPLE.TEST
readonly DOMAIN=CORP
readonly START_DEADLINE_SECONDS=60
readonly MARKER=.blink-samba-dc
readonly DEFAULT_ADDRESS=127.0.0.1

die() { echo "samba-dc: $*" >&2; exit 1; }
log() { echo "samba-dc: $*" >&2; }

now_ms() { date +%s%3N; }

absolute_dir() {
  [[ -n "${1:-}" ]] || die "missing DIR argument"
  realpath -m -- "$1"
}

packages_missing() {
  local missing=()
  for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  echo "${missing[@]:-}"
}

cmd_install() {
  local missing
  missing="$(packages_missing)"
  if [[ -z "${missing// /}" ]]; then
    log "Samba packages already installed"
    return 0
  fi
  [[ "$(id -u)" == 0 ]] || die "packages missing (${missing}); run 'samba-dc.sh install' as root"
  # Debian starts services on install; a policy-rc.d answering 101 stops smbd/nmbd from starting on all interfaces.
  local created_policy=no
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    created_policy=yes
    # Removed again even when the install is interrupted; a policy-rc.d that was already there is left alone.
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  local status=0
  {
    apt-get update -q &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"
  } || status=$?
  if [[ "$created_policy" == yes ]]; then
    rm -f /usr/sbin/policy-rc.d
    trap - EXIT
  fi
  [[ "$status" == 0 ]] || die "apt-get failed with status $status"
  log "installed: ${missing}"
}

# The recipe's fingerprint: a template is reused only when it was made by this script, seed and Samba version.
recipe_stamp() {
  { cat "$SCRIPT_DIR/samba-dc.sh" "$SCRIPT_DIR/samba/seed.py"; samba -V; echo "$1"; } | sha256sum | cut -d' ' -f1
}

# The loopback address to provision for (SAMBA_DC_ADDRESS), checked: only 127.0.0.0/8 is accepted.
provision_address() {
  local address="${SAMBA_DC_ADDRESS:-$DEFAULT_ADDRESS}"
  [[ "$address" =~ ^127\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]] || die "SAMBA_DC_ADDRESS must be a loopback address 127.x.y.z (got $address)"
  for part in "${BASH_REMATCH[@]:1}"; do ((part <= 255)) || die "SAMBA_DC_ADDRESS $address is not an IPv4 address"; done
  echo "$address"
}

# The address a provisioned DC listens on (DIR/address; DCs provisioned before the option existed use the default).
address_of() {
  local dir="$1"
  if [[ -f "$dir/address" ]]; then cat "$dir/address"; else echo "$DEFAULT_ADDRESS"; fi
}

pid_of() {
  local dir="$1" pid
  [[ -f "$dir/run/blink-samba.pid" ]] || return 1
  pid="$(cat "$dir/run/blink-samba.pid")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  # Only our samba: the PID must belong to a samba binary whose stdout is this DIR's log (samba rewrites its
  # command line, so that cannot be used).
  [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == */samba ]] || return 1
  [[ "$(readlink "/proc/$pid/fd/1" 2>/dev/null)" == "$dir/log/stdout.log" ]] || return 1
  echo "$pid"
}

# Removes DIR only when it is empty or one of ours, never an arbitrary directory.
remove_dc_dir() {
  local dir="$1"
  [[ -e "$dir" ]] || return 0
  if [[ -n "$(ls -A "$dir")" && ! -e "$dir/$MARKER" ]]; then
    die "$dir exists and was not made by samba-dc.sh; refusing to overwrite it"
  fi
  if pid_of "$dir" >/dev/null; then die "the DC in $dir is running; stop it first"; fi
  rm -rf -- "$dir"
}

random_password() {
  # 24 random characters plus one of each class so that AD complexity is always met.
  echo "$(openssl rand -base64 24 | tr -dc 'A-Za-z0-9' | head -c 24)aZ7#"
}

make_certificates() {
  local tls="$1" address="$2"
  mkdir -p "$tls"
  (
    cd "$tls"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
      -subj "/CN=Blink Test CA" -keyout ca.key -out ca.pem \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -subj "/CN=localhost" -keyout server.key -out server.csr 2>/dev/null
    printf '%s\n' \
      "basicConstraints=critical,CA:FALSE" \
      "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=serverAuth" \
      "subjectAltName=DNS:localhost,IP:$address,DNS:dc1.corp.example.test" >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
      -extfile server.ext -out server.pem 2>/dev/null
    rm -f server.csr server.ext ca.srl
    # Samba refuses a private key readable by others.
    chmod 600 ca.key server.key
  )
}

provision_fresh() {
  local dir="$1" address="$2"
  local started
  started="$(now_ms)"
  mkdir -p "$dir/run" "$dir/log"
  touch "$dir/$MARKER"
  echo "$address" >"$dir/address"
  # The default DC listens on the loopback interface (127.0.0.1 and ::1); another address is given as address/8,
  # which Samba matches against lo's network and binds alone.
  local interfaces=lo
  [[ "$address" == "$DEFAULT_ADDRESS" ]] || interfaces="$address/8"
  local admin_password fixture_password
  admin_password="$(random_password)"
  fixture_password="Fx-$(openssl rand -hex 6)-Qz9!"
  (umask 077 && printf '%s' "$admin_password" >"$dir/admin-password")

  : >"$dir/empty.conf" # keeps the host's /etc/samba/smb.conf out of the new domain's configuration
  samba-tool domain provision -s "$dir/empty.conf" --targetdir="$dir" \
    --realm="$REALM" --domain="$DOMAIN" --server-role=dc --dns-backend=NONE \
    --backend-store=mdb --host-name=dc1 --host-ip="$address" --adminpass="$admin_password" \
    --option="interfaces = $interfaces" --option="bind interfaces only = yes" \
    --option="server services = ldap" \
    --option="pid directory = $dir/run" --option="ncalrpc dir = $dir/run/ncalrpc" \
    --option="log file = $dir/log/log.samba" --option="logging = file" --option="ldb:nosync = yes" \
    >"$dir/log/provision.log" 2>&1 || { tail -n 40 "$dir/log/provision.log" >&2; die "provision failed"; }

  make_certificates "$dir/tls" "$address"
  # old password allowed period = 0: Samba otherwise accepts the previous password on a simple bind for an hour
  # after a reset (Windows keeps that allowance to NTLM network logons); tests must see the old password refused.
  sed -i "/^\[global\]/a\\
\\told password allowed period = 0\\
\\ttls enabled = yes\\
\\ttls keyfile = $dir/tls/server.key\\
\\ttls certfile = $dir/tls/server.pem\\
\\ttls cafile = $dir/tls/ca.pem" "$dir/etc/smb.conf"

  (umask 077 && /usr/bin/python3 "$SCRIPT_DIR/samba/seed.py" "$dir/etc/smb.conf" "$dir/private/sam.ldb" \
    "$fixture_password" "$dir/fixtures.json") >"$dir/log/seed.log" 2>&1 ||
    { tail -n 40 "$dir/log/seed.log" >&2; die "seeding fixtures failed"; }
  log "provisioned $dir in $(($(now_ms) - started)) ms"
}

cmd_provision() {
  local fresh=no dir=""
  for arg in "$@"; do
    case "$arg" in
      --fresh) fresh=yes ;;
      *) dir="$(absolute_dir "$arg")" ;;
    esac
  done
  [[ -n "$dir" ]] || die "usage: samba-dc.sh provision [--fresh] DIR"
  command -v samba-tool >/dev/null || die "samba-tool not found; run 'samba-dc.sh install' first"
  local template="$dir.template" stamp started address
  address="$(provision_address)"
  stamp="$(recipe_stamp "$address")"
  started="$(now_ms)"
  remove_dc_dir "$dir"
  if [[ "$fresh" == no && -f "$template/recipe.stamp" && "$(cat "$template/recipe.stamp")" == "$stamp" ]]; then
    # smb.conf holds absolute paths: the template is always copied back to the path it was provisioned at.
    cp -a -- "$template" "$dir"
    rm -f "$dir/recipe.stamp"
    log "restored $dir from template in $(($(now_ms) - started)) ms"
  else
    provision_fresh "$dir" "$address"
    rm -rf -- "$template"
    cp -a -- "$dir" "$template"
    echo "$stamp" >"$template/recipe.stamp"
  fi
  cat "$dir/fixtures.json"
}

port_in_use() {
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

print_log_tail() {
  local dir="$1"
  for file in "$dir/log/stdout.log" "$dir/log/log.samba"; do
    [[ -f "$file" ]] || continue
    echo "----- tail of $file -----" >&2
    tail -n 40 "$file" >&2
  done
}

cmd_start() {
  local dir
  dir="$(absolute_dir "${1:-}")"
  [[ -f "$dir/etc/smb.conf" ]] || die "$dir is not provisioned"
  if pid_of "$dir" >/dev/null; then die "already running (pid $(pid_of "$dir"))"; fi
  local address
  address="$(address_of "$dir")"
  for port in 389 636; do
    if port_in_use "$address" "$port"; then die "port $port on $address is already in use; another DC or LDAP server runs here"; fi
  done
  mkdir -p "$dir/run" "$dir/log"
  local started
  started="$(now_ms)"
  # setsid: own session and process group, so that stop can end every child; -F keeps the master in the foreground
  # so that $! is its PID.
  setsid samba -s "$dir/etc/smb.conf" -F -l "$dir/log" </dev/null >"$dir/log/stdout.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$dir/run/blink-samba.pid"
  local deadline=$(($(now_ms) + START_DEADLINE_SECONDS * 1000))
  until port_in_use "$address" 636; do
    if ! kill -0 "$pid" 2>/dev/null; then
      print_log_tail "$dir"
      rm -f "$dir/run/blink-samba.pid"
      die "samba exited during start-up"
    fi
    if (($(now_ms) > deadline)); then
      print_log_tail "$dir"
      cmd_stop "$dir" || true
      die "LDAPS did not answer on $address:636 within ${START_DEADLINE_SECONDS}s"
    fi
    sleep 0.1
  done
  log "started pid $pid; LDAPS answered after $(($(now_ms) - started)) ms"
}

cmd_stop() {
  local dir pid
  dir="$(absolute_dir "${1:-}")"
  if ! pid="$(pid_of "$dir")"; then
    rm -f "$dir/run/blink-samba.pid"
    log "not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$(($(now_ms) + 10000))
  while kill -0 "$pid" 2>/dev/null && (($(now_ms) < deadline)); do sleep 0.1; done
  # Children that outlived the master (or a master that ignored SIGTERM) share its process group.
  kill -KILL -- "-$pid" 2>/dev/null || true
  deadline=$(($(now_ms) + 5000))
  while pid_of "$dir" >/dev/null && (($(now_ms) < deadline)); do sleep 0.05; done
  rm -f "$dir/run/blink-samba.pid"
  log "stopped pid $pid"
}

cmd_status() {
  local dir pid
  dir="$(absolute_dir "${1:-}")"
  if pid="$(pid_of "$dir")"; then
    echo "running pid $pid"
  else
    echo "not running"
    exit 3
  fi
}

main() {
  local command="${1:-}"
  shift || true
  case "$command" in
    install) cmd_install ;;
    provision) cmd_provision "$@" ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    *) die "usage: samba-dc.sh install | provision [--fresh] DIR | start DIR | stop DIR | status DIR" ;;
  esac
}

main "$@"
