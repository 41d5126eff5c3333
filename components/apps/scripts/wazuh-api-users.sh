# shellcheck shell=bash
# The Wazuh API's reserved users `wazuh` and `wazuh-wui` get the generated passwords (decision 301), the
# way wazuh-passwords-tool.sh does it (wazuh/wazuh-installation-assistant 4.14.7
# passwords_tool/passwordsFunctions.sh passwords_changePasswordApi: a token from
# POST /security/user/authenticate?raw=true, the user's id from GET /security/users, then
# PUT /security/users/<id> {"password": ...}). A reserved user (id <= 99) is changed only by a reserved
# user (wazuh/wazuh v4.14.7 framework/wazuh/security.py update_user), so `wazuh` goes first, with the
# package's password `wazuh` (framework/wazuh/rbac/default/users.yaml) the first time and its own after.
# After the toolkit preamble, with the manager running. Secrets on stdin: WAZUH_API_PASSWORD,
# WAZUH_WUI_PASSWORD. No password reaches an argv: curl reads credentials and headers from a config
# on a process substitution (printf is a builtin) and jq reads the new password from its environment.
#   WAZUH_API_URL   the API (default https://127.0.0.1:55000; its certificate is the manager's own
#                   self-signed one, so it is reached on loopback only, with -k)

WAZUH_API_URL="${WAZUH_API_URL:-https://127.0.0.1:55000}"

# wazuh_api_token USER PASSWORD: a raw JWT on stdout, or failure.
wazuh_api_token() {
  curl -fsSk --max-time 20 -X POST -K <(printf 'user = "%s:%s"\n' "$1" "$2") "$WAZUH_API_URL/security/user/authenticate?raw=true"
}

# wazuh_api TOKEN CURL-ARGS...: an authenticated call.
wazuh_api() {
  local token="$1"
  shift
  curl -fsSk --max-time 60 -H 'Content-Type: application/json' -K <(printf 'header = "Authorization: Bearer %s"\n' "$token") "$@"
}

# wazuh_api_set_password TOKEN USER NEWPASSWORD
wazuh_api_set_password() {
  local token="$1" user="$2" id
  id="$(wazuh_api "$token" "$WAZUH_API_URL/security/users?limit=500" | jq -r --arg u "$user" '.data.affected_items[] | select(.username == $u) | .id')"
  [ -n "$id" ] || die "the Wazuh API has no user $user"
  NEWPW="$3" jq -nc '{password: env.NEWPW}' | wazuh_api "$token" -X PUT --data-binary @- "$WAZUH_API_URL/security/users/$id" >/dev/null
  log "Wazuh API user $user: password set"
  mark_changed
}

wazuh_api_answers() { [ "$(curl -sk -o /dev/null -w '%{http_code}' --max-time 5 "$WAZUH_API_URL/")" != 000 ]; }

# wazuh_api_passwords: both users converged to their generated passwords.
wazuh_api_passwords() {
  WAIT_TIMEOUT=300 WAIT_HINT="journalctl -u wazuh-manager; /var/ossec/logs/api.log" wait_until "Wazuh API answering on $WAZUH_API_URL" wazuh_api_answers

  local token
  if ! token="$(wazuh_api_token wazuh "$WAZUH_API_PASSWORD")"; then
    token="$(wazuh_api_token wazuh wazuh)" || die "the Wazuh API accepts neither the generated nor the package's password for user wazuh: reset it by hand (decision 301)"
    wazuh_api_set_password "$token" wazuh "$WAZUH_API_PASSWORD"
    # Changing a user's password revokes its tokens (security.py invalid_users_tokens).
    token="$(wazuh_api_token wazuh "$WAZUH_API_PASSWORD")" || die "the Wazuh API refuses the new password of user wazuh"
  fi
  if ! wazuh_api_token wazuh-wui "$WAZUH_WUI_PASSWORD" >/dev/null; then
    wazuh_api_set_password "$token" wazuh-wui "$WAZUH_WUI_PASSWORD"
    wazuh_api_token wazuh-wui "$WAZUH_WUI_PASSWORD" >/dev/null || die "the Wazuh API refuses the new password of user wazuh-wui"
  fi
  unset token
}
