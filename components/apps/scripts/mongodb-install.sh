#!/usr/bin/env bash
# shellcheck shell=bash
# MongoDB 7.0 from MongoDB's apt repository (components/apps/mongodb.ts renders the environment block):
# the repository key checked against its pinned fingerprint, the pinned packages installed and held,
# mongod.conf as rendered (authorization enabled, bound to the service address and loopback), the
# administrator created once through the localhost exception and one readWrite user per consumer database
# (passwords from the environment, read by mongosh from process.env, never in argv), and the nightly
# mongodump (a oneshot unit and its timer; the admin password file is its stdin). A second run changes nothing.
# Environment: MONGO_VERSION MONGO_PACKAGES KEY_URL KEY_FINGERPRINT APT_SOURCE CONF CONF_TEXT DATA_DIR
# DUMP_DIR DUMP_CALENDAR ADMIN_USER DATABASES MONGO_PORT HEALTH_TIMEOUT; secrets MONGO_ADMIN_PASSWORD and
# MONGO_PW_<DATABASE> per database.

: "${MONGO_VERSION:?}" "${KEY_URL:?}" "${KEY_FINGERPRINT:?}" "${APT_SOURCE:?}" "${CONF:?}" "${CONF_TEXT:?}" "${DATA_DIR:?}"
: "${DUMP_DIR:?}" "${DUMP_CALENDAR:?}" "${ADMIN_USER:?}" "${MONGO_PORT:?}" "${HEALTH_TIMEOUT:?}"
require_env MONGO_ADMIN_PASSWORD
for db in "${DATABASES[@]}"; do require_env "MONGO_PW_${db^^}"; done
export DEBIAN_FRONTEND=noninteractive
KEYRING=/usr/share/keyrings/mongodb-server-7.0.gpg
ADMIN_PW_FILE=/root/.config/homelab/mongodb-admin.pw

# 1. The repository key, only if its fingerprint is the pinned one.
ensure_packages ca-certificates curl gnupg
if [ ! -s "$KEYRING" ]; then
  gh="$(mktemp -d)"
  curl -fsSL --retry 3 -o "$gh/key.asc" "$KEY_URL"
  fprs="$(gpg --batch --homedir "$gh" --with-colons --show-keys "$gh/key.asc" | awk -F: '$1 == "fpr" { print $10 }')"
  grep -qx "$KEY_FINGERPRINT" <<<"$fprs" || die "$KEY_URL is not key $KEY_FINGERPRINT (found: ${fprs//$'\n'/ })"
  gpg --batch --homedir "$gh" --import "$gh/key.asc" 2>/dev/null
  gpg --batch --homedir "$gh" --export "$KEY_FINGERPRINT" >"$gh/key.gpg"
  install -m 0644 "$gh/key.gpg" "$KEYRING"
  rm -rf "$gh"
  log "trusted the MongoDB 7.0 repository key $KEY_FINGERPRINT"
fi
put /etc/apt/sources.list.d/mongodb-org-7.0.list 0644 root:root <<<"deb [ signed-by=$KEYRING ] $APT_SOURCE"

# 2. The pinned packages, held (an upgrade is a new pin).
have="$(dpkg-query -W -f='${Version}' mongodb-org-server 2>/dev/null || true)"
if [ "$have" != "$MONGO_VERSION" ]; then
  apt-get update -q
  pins=()
  for p in "${MONGO_PACKAGES[@]}"; do pins+=("$p=$MONGO_VERSION"); done
  apt-mark unhold "${MONGO_PACKAGES[@]}" >/dev/null 2>&1 || true
  apt-get install -y -q --allow-downgrades -o Dpkg::Options::=--force-confold "${pins[@]}"
  apt-mark hold "${MONGO_PACKAGES[@]}" >/dev/null
  log "installed mongodb-org $MONGO_VERSION"
  mark_changed
fi

# 3. Data on the data mount, the dump directory, mongod.conf.
install -d -o mongodb -g mongodb -m 0750 "$DATA_DIR"
install -d -o root -g root -m 0700 "$DUMP_DIR"
put "$CONF" 0644 root:root < <(printf '%s' "$CONF_TEXT")

# 4. mongod, restarted only when something changed; wait for it (ping needs no authentication).
converge_units mongod.service
ping_ok() { [ "$(mongosh --quiet --host 127.0.0.1 --port "$MONGO_PORT" --eval 'db.adminCommand({ ping: 1 }).ok' 2>/dev/null)" = 1 ]; }
WAIT_TIMEOUT="$HEALTH_TIMEOUT" WAIT_HINT="journalctl -u mongod; /var/log/mongodb/mongod.log" wait_until "mongod answers ping" ping_ok

# 5. The administrator (localhost exception: only while no user exists) and one user per database.
# The JavaScript is static text; names and passwords come from process.env.
export ADMIN_USER
MONGO_USERS="${DATABASES[*]}"
export MONGO_USERS
for db in "${DATABASES[@]}"; do export "MONGO_PW_${db^^}"; done
export MONGO_ADMIN_PASSWORD
users_js='
const env = process.env;
const admin = db.getSiblingDB("admin");
let authed = false;
try { authed = admin.auth(env.ADMIN_USER, env.MONGO_ADMIN_PASSWORD).ok === 1; } catch (e) { authed = false; }
if (!authed) {
  admin.createUser({ user: env.ADMIN_USER, pwd: env.MONGO_ADMIN_PASSWORD, roles: [{ role: "root", db: "admin" }] });
  admin.auth(env.ADMIN_USER, env.MONGO_ADMIN_PASSWORD);
  print("created " + env.ADMIN_USER);
}
for (const name of env.MONGO_USERS.split(" ").filter((x) => x)) {
  const pwd = env["MONGO_PW_" + name.toUpperCase()];
  const d = db.getSiblingDB(name);
  if (!d.getUser(name)) {
    d.createUser({ user: name, pwd: pwd, roles: [{ role: "readWrite", db: name }] });
    print("created " + name);
    continue;
  }
  let ok = false;
  try { ok = new Mongo("mongodb://127.0.0.1:" + env.MONGO_PORT).getDB(name).auth(name, pwd).ok === 1; } catch (e) { ok = false; }
  if (!ok) { d.updateUser(name, { pwd: pwd }); print("password of " + name + " updated"); }
}
'
export MONGO_PORT
out="$(mongosh --quiet --host 127.0.0.1 --port "$MONGO_PORT" --eval "$users_js")" || die "creating the MongoDB users failed (an existing $ADMIN_USER with another password: reset it by hand)"
[ -z "$out" ] || log "$out"

# 6. The nightly dump before the restic backup: mongodump reads the admin password from stdin.
put_env MONGO_ADMIN_PASSWORD "$ADMIN_PW_FILE" 0600 root:root
put /etc/systemd/system/homelab-mongodump.service 0644 root:root <<UNIT
[Unit]
Description=mongodump of every database into $DUMP_DIR (managed by homelab, components/apps/mongodb.ts)
After=mongod.service

[Service]
Type=oneshot
StandardInput=file:$ADMIN_PW_FILE
ExecStart=/usr/bin/mongodump --quiet --host 127.0.0.1 --port $MONGO_PORT --username $ADMIN_USER --authenticationDatabase admin --gzip --archive=$DUMP_DIR/mongodb.archive.gz.tmp
ExecStartPost=/bin/mv -f $DUMP_DIR/mongodb.archive.gz.tmp $DUMP_DIR/mongodb.archive.gz
UNIT
put /etc/systemd/system/homelab-mongodump.timer 0644 root:root <<UNIT
[Unit]
Description=Nightly mongodump before the restic backup (managed by homelab)

[Timer]
OnCalendar=$DUMP_CALENDAR
Persistent=true

[Install]
WantedBy=timers.target
UNIT
if changed; then systemctl daemon-reload; fi
systemctl enable --now homelab-mongodump.timer >/dev/null
