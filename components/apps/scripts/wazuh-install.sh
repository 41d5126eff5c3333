# shellcheck shell=bash
# Wazuh all-in-one (manager, indexer, dashboard) from Wazuh's apt repository at one pinned version
# (components/apps/wazuh.ts; decision 233). After the toolkit preamble, vendor-apt.sh, data-disk.sh and
# wazuh-certs.sh, wazuh-filebeat.sh, wazuh-api-users.sh and wazuh-snapshots.sh, with:
#   WAZUH_VERSION   the release; packages <name>=<release>-1
#   DATA_DISK       the VM's data disk; DATA_DIR its mount point (the indexer's path.data)
#   ADDRESS         the VM's address (indexer and dashboard listen there)
#   HEAP_MB         the indexer's JVM heap
#   OPENSEARCH_YML, DASHBOARD_YML, ISM_POLICY, ISM_POLICY_ID   rendered by wazuh.ts
#   DASHBOARD_API_YML   the dashboard's API entry, with the wazuh-wui password as WUI_PASSWORD_TOKEN
#   SNAPSHOT_DIR        the snapshot repository's directory (path.repo) on the data disk
#   and those of the three scripts above (Filebeat's pins, the snapshot repository and policy).
# Secrets on stdin: WAZUH_ENROLMENT_PASSWORD (agents' authd password), WAZUH_ADMIN_PASSWORD (indexer
# `admin`), WAZUH_KIBANASERVER_PASSWORD (the dashboard's indexer user), WAZUH_API_PASSWORD and
# WAZUH_WUI_PASSWORD (the API users `wazuh` and `wazuh-wui`).

require_env WAZUH_ENROLMENT_PASSWORD WAZUH_ADMIN_PASSWORD WAZUH_KIBANASERVER_PASSWORD WAZUH_API_PASSWORD WAZUH_WUI_PASSWORD
# Filebeat's template and module are held to sha256 pins per release (wazuhIndexing.ts WAZUH_SOURCE_PINS).
[ -n "$WAZUH_TEMPLATE_SHA256" ] || die "Wazuh $WAZUH_VERSION has no pinned Filebeat template/module: add its sha256s to WAZUH_SOURCE_PINS (components/apps/wazuhIndexing.ts)"
ensure_packages curl jq openssl
ensure_data_disk "$DATA_DISK" "$DATA_DIR"
CERTS=/etc/wazuh-certs
wazuh_certs "$CERTS" "$ADDRESS"

# --- indexer ---------------------------------------------------------------------------------------
vendor_apt_install wazuh-indexer "$WAZUH_VERSION-1"
chown wazuh-indexer:wazuh-indexer "$DATA_DIR"
install -d -m 0750 -o wazuh-indexer -g wazuh-indexer "$SNAPSHOT_DIR"
wazuh_cert_copy "$CERTS" /etc/wazuh-indexer/certs wazuh-indexer:wazuh-indexer indexer.pem indexer-key.pem admin.pem admin-key.pem
put /etc/wazuh-indexer/opensearch.yml 0640 wazuh-indexer:wazuh-indexer <<<"$OPENSEARCH_YML"
put /etc/wazuh-indexer/jvm.options.d/homelab.options 0644 root:root <<<"$(printf -- '-Xms%sm\n-Xmx%sm' "$HEAP_MB" "$HEAP_MB")"
SEC_TOOLS=/usr/share/wazuh-indexer/plugins/opensearch-security/tools
SEC_CONF=/etc/wazuh-indexer/opensearch-security
users_stamp="$(printf '%s\n%s\n' "$WAZUH_ADMIN_PASSWORD" "$WAZUH_KIBANASERVER_PASSWORD" | sha256sum | cut -d' ' -f1)"
secadmin=0
if [ "$(cat /etc/wazuh-indexer/.homelab-users 2>/dev/null)" != "$users_stamp" ]; then
  # hash.sh (the security plugin's Hasher) reads the password from the environment variable `-env` names,
  # so it never reaches an argv (opensearch-project/security tools/Hasher.java: options p, env).
  admin_hash="$(HASH_INPUT="$WAZUH_ADMIN_PASSWORD" JAVA_HOME=/usr/share/wazuh-indexer/jdk "$SEC_TOOLS/hash.sh" -env HASH_INPUT | tail -n 1)"
  kibana_hash="$(HASH_INPUT="$WAZUH_KIBANASERVER_PASSWORD" JAVA_HOME=/usr/share/wazuh-indexer/jdk "$SEC_TOOLS/hash.sh" -env HASH_INPUT | tail -n 1)"
  # Only the two users' hashes change; the package's other reserved users stay as shipped.
  sed -i -e "/^admin:/,/^[^ ]/ s|^  hash: .*|  hash: \"$admin_hash\"|" -e "/^kibanaserver:/,/^[^ ]/ s|^  hash: .*|  hash: \"$kibana_hash\"|" "$SEC_CONF/internal_users.yml"
  secadmin=1
  mark_changed
fi
converge_units wazuh-indexer.service
indexer_up() { [ "$(curl -sk -o /dev/null -w '%{http_code}' "https://$ADDRESS:9200/")" != 000 ]; }
WAIT_TIMEOUT=300 WAIT_HINT="journalctl -u wazuh-indexer" wait_until "wazuh-indexer listening on $ADDRESS:9200" indexer_up
if [ "$secadmin" = 1 ]; then
  # Loads the security configuration (users, roles) into the indexer: what indexer-security-init.sh does.
  runuser -u wazuh-indexer -- env OPENSEARCH_PATH_CONF=/etc/wazuh-indexer JAVA_HOME=/usr/share/wazuh-indexer/jdk \
    "$SEC_TOOLS/securityadmin.sh" -cd "$SEC_CONF/" -icl -nhnv -p 9200 -h "$ADDRESS" \
    -cacert /etc/wazuh-indexer/certs/root-ca.pem -cert /etc/wazuh-indexer/certs/admin.pem -key /etc/wazuh-indexer/certs/admin-key.pem >/dev/null
  printf '%s\n' "$users_stamp" >/etc/wazuh-indexer/.homelab-users
  log "indexer security configuration loaded"
fi
# The admin credentials reach curl through a config on a process substitution, never its argv.
api() { curl -fsS --cacert "$CERTS/root-ca.pem" -K <(printf 'user = "admin:%s"\n' "$WAZUH_ADMIN_PASSWORD") -H 'Content-Type: application/json' "$@"; }
authed() { api -o /dev/null "https://$ADDRESS:9200/_cluster/health"; }
WAIT_TIMEOUT=180 wait_until "wazuh-indexer accepts the admin user" authed

# 30-day retention: the ISM policy, created or updated (an update names the version it replaces).
policy_url="https://$ADDRESS:9200/_plugins/_ism/policies/$ISM_POLICY_ID"
current="$(api "$policy_url" 2>/dev/null || true)"
if [ -z "$current" ]; then
  api -X PUT "$policy_url" -d "$ISM_POLICY" >/dev/null
  log "ISM policy $ISM_POLICY_ID created"
elif [ "$(jq -cS '.policy | {description, default_state, states, ism_template: [.ism_template[] | {index_patterns, priority}]}' <<<"$current")" != "$(jq -cS '.policy | {description, default_state, states, ism_template}' <<<"$ISM_POLICY")" ]; then
  seq="$(jq -r '._seq_no' <<<"$current")"
  term="$(jq -r '._primary_term' <<<"$current")"
  api -X PUT "$policy_url?if_seq_no=$seq&if_primary_term=$term" -d "$ISM_POLICY" >/dev/null
  log "ISM policy $ISM_POLICY_ID updated"
fi

# Weekly snapshots into path.repo (decision 303).
wazuh_snapshots "https://$ADDRESS:9200"

# --- manager ---------------------------------------------------------------------------------------
vendor_apt_install wazuh-manager "$WAZUH_VERSION-1"
put_env WAZUH_ENROLMENT_PASSWORD /var/ossec/etc/authd.pass 0640 root:wazuh
if grep -q '<use_password>no</use_password>' /var/ossec/etc/ossec.conf; then
  sed -i 's|<use_password>no</use_password>|<use_password>yes</use_password>|' /var/ossec/etc/ossec.conf
  mark_changed
fi
grep -q '<use_password>yes</use_password>' /var/ossec/etc/ossec.conf || die "ossec.conf has no <auth><use_password>: enrolment would be open"

# --- Filebeat: alerts into the indexer (decision 300) ------------------------------------------------
wazuh_filebeat
converge_units wazuh-manager.service filebeat.service
WAIT_TIMEOUT=120 WAIT_HINT="filebeat test output; /var/log/filebeat" wait_until "Filebeat reaches the indexer" filebeat test output
# The API users' passwords (decision 301).
wazuh_api_passwords

# --- dashboard -------------------------------------------------------------------------------------
vendor_apt_install wazuh-dashboard "$WAZUH_VERSION-1"
wazuh_cert_copy "$CERTS" /etc/wazuh-dashboard/certs wazuh-dashboard:wazuh-dashboard dashboard.pem dashboard-key.pem
put /etc/wazuh-dashboard/opensearch_dashboards.yml 0640 wazuh-dashboard:wazuh-dashboard <<<"$DASHBOARD_YML"
# The plugin's data directory may not exist before the dashboard's first start: both levels its own.
install -d -m 0750 -o wazuh-dashboard -g wazuh-dashboard /usr/share/wazuh-dashboard/data/wazuh /usr/share/wazuh-dashboard/data/wazuh/config
put /usr/share/wazuh-dashboard/data/wazuh/config/wazuh.yml 0600 wazuh-dashboard:wazuh-dashboard <<<"${DASHBOARD_API_YML//"$WUI_PASSWORD_TOKEN"/"$WAZUH_WUI_PASSWORD"}"
if [ "$secadmin" = 1 ]; then
  /usr/share/wazuh-dashboard/bin/opensearch-dashboards-keystore --allow-root add -f --stdin opensearch.username <<<"kibanaserver" >/dev/null
  /usr/share/wazuh-dashboard/bin/opensearch-dashboards-keystore --allow-root add -f --stdin opensearch.password <<<"$WAZUH_KIBANASERVER_PASSWORD" >/dev/null
fi
converge_units wazuh-dashboard.service
dashboard_up() { [ "$(curl -sk -o /dev/null -w '%{http_code}' "https://$ADDRESS/")" != 000 ]; }
WAIT_TIMEOUT=300 WAIT_HINT="journalctl -u wazuh-dashboard" wait_until "wazuh-dashboard answering on https://$ADDRESS/" dashboard_up
log "wazuh $WAZUH_VERSION converged"
