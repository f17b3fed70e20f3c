#!/usr/bin/env bash
# A throwaway Samba Active Directory domain controller on loopback, for Blink's integration tests.
#
#   samba-dc.sh install              install the Samba packages when missing (root, Debian/Ubuntu)
#   samba-dc.sh provision DIR        domain CORP.EXAMPLE.TEST / CORP in DIR, with TLS and test fixtures
#                                    (reuses DIR.template when it was made by this same recipe; --fresh skips it)
#   samba-dc.sh start DIR            start samba for DIR, wait until LDAPS (636) answers
#   samba-dc.sh stop DIR             stop it (SIGTERM, then SIGKILL to its process group)
#   samba-dc.sh status DIR           exit 0 and print the PID when running, exit 3 when not
#   samba-dc.sh provision-pair DIR DIR2
#                                    two replicating DCs of one domain: DIR as provision makes it (127.0.0.1), and
#                                    DIR2 joined to it as a second DC (SAMBA_DC2_ADDRESS, default 127.0.0.2), each with
#                                    its own certificate from DIR's CA (reuses DIR.pair-template and DIR2.pair-template)
#   samba-dc.sh replicate DIR DIR2   make DIR pull the domain partition from DIR2 now (samba-tool drs replicate)
#   samba-dc.sh inbound DIR on|off   let DIR (of a pair) take replicated changes, or hold them back (a lagging DC)
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
readonly DEFAULT_DC2_ADDRESS=127.0.0.2
# A replicating DC also runs the RPC server (DRS), the KDC (DRS binds with Kerberos), replication and the KCC.
readonly REPLICATION_SERVICES="ldap, cldap, rpc, kdc, drepl, kcc"
# Its RPC endpoints listen above Linux's ephemeral ports (32768-60999 by default), not in Samba's default 49152-65535,
# where a client's outgoing connection could already hold the port and stop the DC from starting (seen under load).
readonly RPC_PORT_RANGE="61000-61999"

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

# The DC's certificate (SAN: localhost, its address, its host name), signed by the CA in CA_DIR, made there when absent.
make_certificates() {
  local tls="$1" address="$2" host_name="${3:-dc1}" ca_dir="${4:-$1}"
  mkdir -p "$tls"
  (
    cd "$tls"
    if [[ ! -f "$ca_dir/ca.key" ]]; then
      openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
        -subj "/CN=Blink Test CA" -keyout "$ca_dir/ca.key" -out "$ca_dir/ca.pem" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    fi
    [[ "$ca_dir" == "$tls" ]] || cp "$ca_dir/ca.pem" ca.pem
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -subj "/CN=localhost" -keyout server.key -out server.csr 2>/dev/null
    printf '%s\n' \
      "basicConstraints=critical,CA:FALSE" \
      "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=serverAuth" \
      "subjectAltName=DNS:localhost,IP:$address,DNS:$host_name.${REALM,,}" >server.ext
    openssl x509 -req -in server.csr -CA "$ca_dir/ca.pem" -CAkey "$ca_dir/ca.key" -CAcreateserial -days 30 \
      -extfile server.ext -out server.pem 2>/dev/null
    rm -f server.csr server.ext "$ca_dir/ca.srl"
    # Samba refuses a private key readable by others.
    chmod 600 server.key
    [[ ! -f ca.key ]] || chmod 600 ca.key
  )
}

# TLS with the harness's certificate, and no old password accepted after a reset (see provision_fresh).
configure_tls_and_passwords() {
  local dir="$1"
  sed -i "/^\[global\]/a\\
\\told password allowed period = 0\\
\\ttls enabled = yes\\
\\ttls keyfile = $dir/tls/server.key\\
\\ttls certfile = $dir/tls/server.pem\\
\\ttls cafile = $dir/tls/ca.pem" "$dir/etc/smb.conf"
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
  configure_tls_and_passwords "$dir"

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
  # so that $! is its PID (unshare and bash exec, they do not fork).
  if replicating "$dir"; then
    setsid unshare --mount --propagation private -- bash -c "$NAMESPACE_SCRIPT" samba-dc "$dir" \
      samba -s "$dir/etc/smb.conf" -F -l "$dir/log" --option="server services = $REPLICATION_SERVICES" \
      --option="rpc server dynamic port range = $RPC_PORT_RANGE" \
      </dev/null >"$dir/log/stdout.log" 2>&1 &
  else
    setsid samba -s "$dir/etc/smb.conf" -F -l "$dir/log" </dev/null >"$dir/log/stdout.log" 2>&1 &
  fi
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

# --- Two replicating DCs -------------------------------------------------------------------------------------------
# DCs find each other by name ("<NTDS GUID>._msdcs.<forest>", dnsHostName) and bind for replication with Kerberos.
# Without DNS here and with /etc left alone, each DC gets DIR/replication/hosts, bound over /etc/hosts in a private
# mount namespace of its own processes only, and DIR/replication/krb5.conf (KRB5_CONFIG) naming the KDCs by address.
readonly NAMESPACE_SCRIPT='mount --bind "$1/replication/hosts" /etc/hosts && export KRB5_CONFIG="$1/replication/krb5.conf" && shift && exec "$@"'

replicating() { [[ -f "$1/replication/hosts" ]]; }

in_replication_namespace() {
  local dir="$1"
  shift
  unshare --mount --propagation private -- bash -c "$NAMESPACE_SCRIPT" samba-dc "$dir" "$@"
}

# DIR's replication files: the hosts file (PAIR_HOSTS, the names of both DCs, and their NTDS GUID names once known)
# and krb5.conf (this DC's own KDC first).
write_replication_config() {
  local dir="$1" own_address="$2" other_address="$3" guid_lines="${4:-}"
  local realm_lower="${REALM,,}"
  mkdir -p "$dir/replication"
  {
    echo "127.0.0.1 localhost"
    echo "::1 localhost"
    for entry in "${PAIR_HOSTS[@]}"; do echo "$entry"; done
    [[ -z "$guid_lines" ]] || echo "$guid_lines"
  } >"$dir/replication/hosts"
  cat >"$dir/replication/krb5.conf" <<KRB5
[libdefaults]
	default_realm = $REALM
	dns_lookup_realm = false
	dns_lookup_kdc = false
[realms]
$REALM = {
	kdc = $own_address
	kdc = $other_address
}
[domain_realm]
	.$realm_lower = $REALM
	$realm_lower = $REALM
KRB5
}

# samba-tool as the domain's Administrator, inside DIR's namespace (the password goes through PASSWD, not argv).
samba_tool_as_admin() {
  local dir="$1"
  shift
  PASSWD="$(cat "$dir/admin-password")" in_replication_namespace "$dir" samba-tool "$@" -s "$dir/etc/smb.conf" -U "$DOMAIN\\Administrator"
}

provision_pair_fresh() {
  local dir="$1" dir2="$2" address="$3" address2="$4"
  local realm_lower="${REALM,,}" started
  started="$(now_ms)"
  PAIR_HOSTS=("$address dc1.$realm_lower dc1" "$address2 dc2.$realm_lower dc2")
  provision_fresh "$dir" "$address"
  echo "dc1.$realm_lower" >"$dir/host-name"
  write_replication_config "$dir" "$address" "$address2"
  # The DRS and ldap service names; samba_spnupdate normally runs from the dnsupdate service, not run here.
  in_replication_namespace "$dir" samba_spnupdate -s "$dir/etc/smb.conf" >"$dir/log/spnupdate.log" 2>&1 ||
    { tail -n 20 "$dir/log/spnupdate.log" >&2; die "samba_spnupdate failed for $dir"; }
  cmd_start "$dir"

  local join_started
  join_started="$(now_ms)"
  mkdir -p "$dir2/run" "$dir2/log"
  touch "$dir2/$MARKER"
  echo "$address2" >"$dir2/address"
  echo "dc2.$realm_lower" >"$dir2/host-name"
  : >"$dir2/empty.conf"
  PASSWD="$(cat "$dir/admin-password")" in_replication_namespace "$dir" samba-tool domain join "$realm_lower" DC \
    -s "$dir2/empty.conf" --targetdir="$dir2" --server="dc1.$realm_lower" -U "$DOMAIN\\Administrator" \
    --dns-backend=NONE --backend-store=mdb \
    --option="workgroup = $DOMAIN" --option="realm = $REALM" --option="netbios name = DC2" \
    --option="interfaces = $address2/8" --option="bind interfaces only = yes" \
    --option="server services = ldap" \
    --option="pid directory = $dir2/run" --option="ncalrpc dir = $dir2/run/ncalrpc" \
    --option="log file = $dir2/log/log.samba" --option="logging = file" --option="ldb:nosync = yes" \
    >"$dir2/log/join.log" 2>&1 || { tail -n 40 "$dir2/log/join.log" >&2; cmd_stop "$dir"; die "domain join failed"; }
  log "joined $dir2 in $(($(now_ms) - join_started)) ms"
  (umask 077 && cp "$dir/admin-password" "$dir2/admin-password")
  cp "$dir/fixtures.json" "$dir2/fixtures.json"
  make_certificates "$dir2/tls" "$address2" dc2 "$dir/tls"
  configure_tls_and_passwords "$dir2"

  local guids guid_lines=""
  guids="$(/usr/bin/python3 "$SCRIPT_DIR/samba/ntds-guids.py" "$dir2/etc/smb.conf" "$dir2/private/sam.ldb")" ||
    { cmd_stop "$dir"; die "reading the NTDS GUIDs failed"; }
  while read -r guid host; do
    case "$host" in
      "dc1.$realm_lower") guid_lines+="$address $guid._msdcs.$realm_lower"$'\n' ;;
      "dc2.$realm_lower") guid_lines+="$address2 $guid._msdcs.$realm_lower"$'\n' ;;
    esac
  done <<<"$guids"
  # The hosts file is rewritten in place: the running DC1 sees it through its bind mount.
  write_replication_config "$dir" "$address" "$address2" "${guid_lines%$'\n'}"
  write_replication_config "$dir2" "$address2" "$address" "${guid_lines%$'\n'}"
  in_replication_namespace "$dir2" samba_spnupdate -s "$dir2/etc/smb.conf" >"$dir2/log/spnupdate.log" 2>&1 ||
    { tail -n 20 "$dir2/log/spnupdate.log" >&2; cmd_stop "$dir"; die "samba_spnupdate failed for $dir2"; }
  cmd_start "$dir2"
  # DC1 learns to pull from DC2 at its next KCC run (every 5 minutes): run it now, then prove both directions work.
  local base_dn
  base_dn="$(sed -n 's/.*"baseDn": *"\([^"]*\)".*/\1/p' "$dir/fixtures.json" | head -n 1)"
  if ! samba_tool_as_admin "$dir" drs kcc "dc1.$realm_lower" >>"$dir/log/spnupdate.log" 2>&1 ||
    ! samba_tool_as_admin "$dir" drs replicate "dc1.$realm_lower" "dc2.$realm_lower" "$base_dn" >>"$dir/log/spnupdate.log" 2>&1 ||
    ! samba_tool_as_admin "$dir2" drs replicate "dc2.$realm_lower" "dc1.$realm_lower" "$base_dn" >>"$dir2/log/spnupdate.log" 2>&1; then
    tail -n 20 "$dir/log/spnupdate.log" "$dir2/log/spnupdate.log" >&2
    cmd_stop "$dir2"
    cmd_stop "$dir"
    die "replication between the two DCs failed"
  fi
  cmd_stop "$dir2"
  cmd_stop "$dir"
  log "provisioned and joined the pair in $(($(now_ms) - started)) ms"
}

cmd_provision_pair() {
  local fresh=no dirs=()
  for arg in "$@"; do
    case "$arg" in
      --fresh) fresh=yes ;;
      *) dirs+=("$(absolute_dir "$arg")") ;;
    esac
  done
  [[ ${#dirs[@]} == 2 ]] || die "usage: samba-dc.sh provision-pair [--fresh] DIR DIR2"
  command -v samba-tool >/dev/null || die "samba-tool not found; run 'samba-dc.sh install' first"
  local dir="${dirs[0]}" dir2="${dirs[1]}" address address2 stamp started
  address="$(provision_address)"
  address2="$(SAMBA_DC_ADDRESS="${SAMBA_DC2_ADDRESS:-$DEFAULT_DC2_ADDRESS}" provision_address)"
  [[ "$address" != "$address2" ]] || die "the two DCs need two addresses (SAMBA_DC_ADDRESS, SAMBA_DC2_ADDRESS)"
  stamp="$(recipe_stamp "pair $address $address2 $(cat "$SCRIPT_DIR/samba/ntds-guids.py" | sha256sum)")"
  started="$(now_ms)"
  remove_dc_dir "$dir"
  remove_dc_dir "$dir2"
  local template="$dir.pair-template" template2="$dir2.pair-template"
  if [[ "$fresh" == no && -f "$template/recipe.stamp" && "$(cat "$template/recipe.stamp")" == "$stamp" &&
    -f "$template2/recipe.stamp" && "$(cat "$template2/recipe.stamp")" == "$stamp" ]]; then
    cp -a -- "$template" "$dir"
    cp -a -- "$template2" "$dir2"
    rm -f "$dir/recipe.stamp" "$dir2/recipe.stamp"
    log "restored $dir and $dir2 from their templates in $(($(now_ms) - started)) ms"
  else
    provision_pair_fresh "$dir" "$dir2" "$address" "$address2"
    rm -rf -- "$template" "$template2"
    cp -a -- "$dir" "$template"
    cp -a -- "$dir2" "$template2"
    echo "$stamp" >"$template/recipe.stamp"
    echo "$stamp" >"$template2/recipe.stamp"
  fi
  cat "$dir/fixtures.json"
}

cmd_replicate() {
  local dir dir2
  dir="$(absolute_dir "${1:-}")"
  dir2="$(absolute_dir "${2:-}")"
  replicating "$dir" && replicating "$dir2" || die "usage: samba-dc.sh replicate DIR DIR2 (two DCs of provision-pair)"
  local base_dn
  base_dn="$(sed -n 's/.*"baseDn": *"\([^"]*\)".*/\1/p' "$dir/fixtures.json" | head -n 1)"
  samba_tool_as_admin "$dir" drs replicate "$(cat "$dir/host-name")" "$(cat "$dir2/host-name")" "$base_dn" >&2
}

cmd_inbound() {
  local dir state="${2:-}" option
  dir="$(absolute_dir "${1:-}")"
  replicating "$dir" || die "usage: samba-dc.sh inbound DIR on|off (a DC of provision-pair)"
  case "$state" in
    on) option=-DISABLE_INBOUND_REPL ;;
    off) option=+DISABLE_INBOUND_REPL ;;
    *) die "usage: samba-dc.sh inbound DIR on|off" ;;
  esac
  samba_tool_as_admin "$dir" drs options "$(cat "$dir/host-name")" --dsa-option="$option" >&2
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
    provision-pair) cmd_provision_pair "$@" ;;
    replicate) cmd_replicate "$@" ;;
    inbound) cmd_inbound "$@" ;;
    *) die "usage: samba-dc.sh install | provision [--fresh] DIR | start DIR | stop DIR | status DIR | provision-pair [--fresh] DIR DIR2 | replicate DIR DIR2 | inbound DIR on|off" ;;
  esac
}

main "$@"
