# shellcheck shell=bash
# Filebeat on the Wazuh all-in-one: the manager's alerts into the indexer (components/apps/wazuhIndexing.ts;
# decision 300). After the toolkit preamble, vendor-apt.sh and wazuh-certs.sh, with the manager installed
# and these set:
#   FILEBEAT_VERSION      Wazuh's filebeat package, <version>-<revision>
#   wazuh_filebeat_yml    a function printing the rendered /etc/filebeat/filebeat.yml
#   WAZUH_RAW_BASE        https://raw.githubusercontent.com/wazuh/wazuh/v<release>
#   WAZUH_TEMPLATE_SHA256 sha256 of extensions/elasticsearch/7.x/wazuh-template.json at that tag
#   WAZUH_MODULE_FILES    array of "<path>=<sha256>" under extensions/filebeat/7.x/wazuh-module/
#   CERTS, ADDRESS        the VM's CA directory and address
# Secret on stdin: WAZUH_ADMIN_PASSWORD (Filebeat writes as the indexer's `admin`, as upstream's
# assistant does, and the manager's indexer connector reads with it).

# wazuh_fetch_pinned URL SHA256 DEST: DEST holds exactly the pinned file (root, 0644); fetched only when it
# does not, and installed only when the download matches.
wazuh_fetch_pinned() {
  local url="$1" sum="$2" dest="$3" tmp
  if [ -f "$dest" ] && [ "$(sha256sum "$dest" | cut -d' ' -f1)" = "$sum" ]; then return 0; fi
  tmp="$(mktemp)"
  curl -fsSL --retry 3 -o "$tmp" "$url" || { rm -f "$tmp"; die "could not fetch $url"; }
  if [ "$(sha256sum "$tmp" | cut -d' ' -f1)" != "$sum" ]; then
    rm -f "$tmp"
    die "$url does not have the pinned sha256 $sum"
  fi
  # Directories 755 and files 644, as the module's README sets them (the script runs under umask 077).
  (umask 022 && install -D -m 0644 -o root -g root "$tmp" "$dest")
  rm -f "$tmp"
  mark_changed
  log "installed $dest (sha256 $sum)"
}

# wazuh_filebeat: the package, the pinned template and module, certificates, filebeat.yml, both keystores.
wazuh_filebeat() {
  local fb_stamp conf entry
  vendor_apt_install filebeat "$FILEBEAT_VERSION"
  wazuh_fetch_pinned "$WAZUH_RAW_BASE/extensions/elasticsearch/7.x/wazuh-template.json" "$WAZUH_TEMPLATE_SHA256" /etc/filebeat/wazuh-template.json
  for entry in "${WAZUH_MODULE_FILES[@]}"; do
    wazuh_fetch_pinned "$WAZUH_RAW_BASE/extensions/filebeat/7.x/wazuh-module/${entry%%=*}" "${entry#*=}" "/usr/share/filebeat/module/wazuh/${entry%%=*}"
  done
  wazuh_cert_copy "$CERTS" /etc/filebeat/certs root:root filebeat.pem filebeat-key.pem
  put /etc/filebeat/filebeat.yml 0600 root:root < <(wazuh_filebeat_yml)

  # The indexer user and password live in Filebeat's keystore (${username}/${password} in filebeat.yml),
  # written from stdin; a stamp of the password's hash tells whether it changed.
  fb_stamp="$(printf '%s' "$WAZUH_ADMIN_PASSWORD" | sha256sum | cut -d' ' -f1)"
  if [ ! -f /var/lib/filebeat/filebeat.keystore ] || [ "$(cat /etc/filebeat/.homelab-keystore 2>/dev/null)" != "$fb_stamp" ]; then
    filebeat keystore create --force >/dev/null
    printf '%s' admin | filebeat keystore add username --stdin --force >/dev/null
    printf '%s' "$WAZUH_ADMIN_PASSWORD" | filebeat keystore add password --stdin --force >/dev/null
    printf '%s\n' "$fb_stamp" >/etc/filebeat/.homelab-keystore
    chmod 0600 /etc/filebeat/.homelab-keystore
    mark_changed
    log "Filebeat keystore written"
  fi

  # The manager's own indexer connector (vulnerability detection state): the indexer on this VM's address
  # and its credentials in wazuh-keystore, read from stdin (src/shared_modules/keystore/src/main.cpp).
  conf=/var/ossec/etc/ossec.conf
  if grep -q '<host>https://0\.0\.0\.0:9200</host>' "$conf"; then
    sed -i "s|<host>https://0\.0\.0\.0:9200</host>|<host>https://$ADDRESS:9200</host>|" "$conf"
    mark_changed
  fi
  if [ "$(cat /var/ossec/etc/.homelab-indexer-keystore 2>/dev/null)" != "$fb_stamp" ]; then
    printf '%s\n' admin | /var/ossec/bin/wazuh-keystore -f indexer -k username
    printf '%s\n' "$WAZUH_ADMIN_PASSWORD" | /var/ossec/bin/wazuh-keystore -f indexer -k password
    printf '%s\n' "$fb_stamp" >/var/ossec/etc/.homelab-indexer-keystore
    chmod 0600 /var/ossec/etc/.homelab-indexer-keystore
    mark_changed
    log "manager's indexer credentials written"
  fi
}
