# shellcheck shell=bash
# The Wazuh all-in-one's own CA and certificates (components/apps/wazuh.ts), in place of upstream's
# wazuh-certs-tool.sh (an unpinned download). After the toolkit preamble.
# wazuh_certs DIR ADDRESS: in DIR (root-only) root-ca.pem/-key.pem, and for each of indexer, admin,
# dashboard, filebeat <name>.pem and <name>-key.pem (PKCS#8, as OpenSearch's security plugin reads), subjects
# /O=homelab/OU=Wazuh/CN=<name> (opensearch.yml names them as CN=<name>,OU=Wazuh,O=homelab), the
# servers' with subjectAltName IP:ADDRESS, IP:127.0.0.1, DNS:localhost. Existing files are kept: a
# second run generates nothing.

wazuh_certs() {
  local dir="$1" address="$2" name ext
  install -d -m 0700 "$dir"
  if [ ! -s "$dir/root-ca.pem" ]; then
    openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$dir/root-ca-key.pem"
    openssl req -new -x509 -sha256 -days 3650 -key "$dir/root-ca-key.pem" -subj "/O=homelab/OU=Wazuh/CN=Wazuh root CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$dir/root-ca.pem"
    mark_changed
    log "generated the Wazuh CA"
  fi
  for name in indexer admin dashboard filebeat; do
    [ -s "$dir/$name.pem" ] && continue
    ext="$(mktemp)"
    {
      echo "basicConstraints=CA:FALSE"
      echo "keyUsage=critical,digitalSignature,keyEncipherment"
      echo "extendedKeyUsage=serverAuth,clientAuth"
      if [ "$name" != admin ]; then echo "subjectAltName=IP:$address,IP:127.0.0.1,DNS:localhost"; fi
    } >"$ext"
    openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/$name-key.pem"
    openssl req -new -sha256 -key "$dir/$name-key.pem" -subj "/O=homelab/OU=Wazuh/CN=$name" -out "$dir/$name.csr"
    openssl x509 -req -sha256 -days 1825 -in "$dir/$name.csr" -CA "$dir/root-ca.pem" -CAkey "$dir/root-ca-key.pem" -CAcreateserial \
      -extfile "$ext" -out "$dir/$name.pem" 2>/dev/null
    rm -f "$ext" "$dir/$name.csr"
    mark_changed
    log "generated the Wazuh $name certificate"
  done
}

# wazuh_cert_copy DIR DEST OWNER NAME...: root-ca.pem and each NAME's pair into DEST (0400, OWNER).
wazuh_cert_copy() {
  local dir="$1" dest="$2" owner="$3" f
  shift 3
  install -d -m 0500 -o "${owner%%:*}" -g "${owner##*:}" "$dest"
  for f in root-ca.pem "$@"; do put "$dest/$f" 0400 "$owner" <"$dir/$f"; done
}
