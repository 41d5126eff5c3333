#!/usr/bin/env bash
# shellcheck shell=bash
# NetBird management API helpers (groups, setup keys, routes, policies): GET first, POST only when
# missing, PUT to converge; and the bootstrap of the program's own service user + PAT. Composed by
# components/mesh/render/netbirdApi.ts; it reads:
#   MGMT_URL   management API base URL (https)
#   KEY_DIR    directory for newly created setup keys (<name>.key, 0600)
#   GROUP_IDS  associative array name -> id, filled by ensure_group
# Credentials never reach a command line (ps): the Authorization header lives in a private file
# (AUTH_FILE, set by use_auth) that curl reads with -H @file; form bodies go through stdin.
AUTH_FILE="$(mktemp)"
trap 'rm -f "$AUTH_FILE"' EXIT

use_auth() { # use_auth <Token|Bearer> <variable name>: authenticate the following calls
  printf 'Authorization: %s %s\n' "$1" "${!2}" >"$AUTH_FILE"
}

api() { # api <METHOD> <path> [json-body]
  local method="$1" path="$2" body="${3:-}"
  local args=(-fsS -X "$method" -H @"$AUTH_FILE" -H "Accept: application/json")
  if [ -n "$body" ]; then args+=(-H "Content-Type: application/json" --data-binary "$body"); fi
  curl "${args[@]}" "${MGMT_URL}/api${path}"
}

# idp_access_token: an access token from authentik for the IdP service account (grant
# client_credentials with username + app password, the call NetBird's own authentik IdP manager makes:
# management/server/idp/authentik.go at v0.77.1). Reads IDP_TOKEN_URL, IDP_CLIENT_ID, IDP_USERNAME and
# the secret NB_IDP_SA_PASSWORD; the form goes to curl on stdin.
idp_access_token() {
  # The password is read by jq from the environment (env.NB_IDP_SA_PASSWORD), never from argv.
  jq -rn --arg c "$IDP_CLIENT_ID" --arg u "$IDP_USERNAME" \
    '"grant_type=client_credentials&client_id=\($c | @uri)&username=\($u | @uri)&password=\(env.NB_IDP_SA_PASSWORD | @uri)&scope=\("openid profile email goauthentik.io/api" | @uri)"' |
    curl -fsS -X POST -H "Content-Type: application/x-www-form-urlencoded" --data-binary @- "$IDP_TOKEN_URL" |
    jq -er .access_token
}

# ensure_pat: leave a working PAT in $PAT (and in PAT_FILE, 0600). Order: NB_PAT (operator override,
# homelab:netbirdPat), the stored PAT_FILE, else bootstrap one without a human: sign in to the
# management API with the IdP service account's token (the first user of a fresh single-account
# instance becomes its owner: management/server/account.go getAccountIDWithAuthorizationClaims),
# ensure the service user SERVICE_USER (role admin) and create a PAT for it (expires_in PAT_DAYS).
ensure_pat() {
  PAT="${NB_PAT:-}"
  if [ -z "$PAT" ] && [ -s "$PAT_FILE" ]; then PAT="$(tr -d '[:space:]' <"$PAT_FILE")"; fi
  if [ -n "$PAT" ]; then
    use_auth Token PAT
    if api GET /users/current >/dev/null 2>&1; then return 0; fi
    if [ -n "${NB_PAT:-}" ]; then die "error: homelab:netbirdPat is set but the management API refuses it"; fi
    log "stored PAT refused (expired or revoked); creating a new one"
  fi
  local jwt uid tid body
  # shellcheck disable=SC2034 # read by use_auth through ${!2}
  jwt="$(idp_access_token)" || die "error: authentik refused the IdP service account's client_credentials token request"
  use_auth Bearer jwt
  api GET /users/current >/dev/null || die "error: the management API refused the IdP service account's token"
  uid="$(api GET "/users?service_user=true" | jq -r --arg n "$SERVICE_USER" '[.[] | select(.name == $n)][0].id // empty')"
  if [ -z "$uid" ]; then
    body="$(jq -cn --arg n "$SERVICE_USER" '{name: $n, role: "admin", auto_groups: [], is_service_user: true}')"
    uid="$(api POST /users "$body" | jq -er .id)"
    log "created service user $SERVICE_USER"
  fi
  for tid in $(api GET "/users/${uid}/tokens" | jq -r --arg n "$SERVICE_USER" '.[] | select(.name == $n) | .id'); do
    api DELETE "/users/${uid}/tokens/${tid}" >/dev/null
  done
  body="$(jq -cn --arg n "$SERVICE_USER" --argjson d "$PAT_DAYS" '{name: $n, expires_in: $d}')"
  (umask 077; api POST "/users/${uid}/tokens" "$body" | jq -er .plain_token >"$PAT_FILE.tmp")
  mv "$PAT_FILE.tmp" "$PAT_FILE"
  PAT="$(tr -d '[:space:]' <"$PAT_FILE")"
  use_auth Token PAT
  log "created a PAT for service user $SERVICE_USER -> $PAT_FILE"
}

group_id() { # group_id <name> -> id or empty
  api GET "/groups" | jq -r --arg n "$1" '[.[] | select(.name == $n)][0].id // empty'
}

ensure_group() { # ensure_group <name>
  local id
  id="$(group_id "$1")"
  if [ -z "$id" ]; then
    id="$(api POST /groups "$(jq -cn --arg n "$1" '{name: $n, peers: []}')" | jq -r .id)"
    echo "created group $1" >&2
  fi
  GROUP_IDS["$1"]="$id"
}

ids_json() { # ids_json <group names...> -> JSON array of ids
  local out="[]" n
  for n in "$@"; do
    [ -n "${GROUP_IDS[$n]:-}" ] || { echo "error: unknown group $n" >&2; exit 1; }
    out="$(jq -c --arg id "${GROUP_IDS[$n]}" '. + [$id]' <<<"$out")"
  done
  echo "$out"
}

ensure_setup_key() { # ensure_setup_key <name> <type> <expires_in> <usage_limit> <ephemeral> <groups...>
  local name="$1" type="$2" expires="$3" limit="$4" eph="$5"; shift 5
  local file="${KEY_DIR}/${name}.key" id groups body
  groups="$(ids_json "$@")"
  id="$(api GET /setup-keys | jq -r --arg n "$name" '[.[] | select(.name == $n and .revoked == false and .valid == true)][0].id // empty')"
  if [ -n "$id" ] && [ -s "$file" ]; then return 0; fi
  if [ -n "$id" ]; then
    # The clear-text key is only returned at creation; without the file, rotate.
    api PUT "/setup-keys/${id}" "$(jq -cn --argjson g "$groups" '{revoked: true, auto_groups: $g}')" >/dev/null
    echo "revoked setup key $name (key file missing)" >&2
  fi
  body="$(jq -cn --arg n "$name" --arg t "$type" --argjson e "$expires" --argjson l "$limit" \
    --argjson eph "$eph" --argjson g "$groups" \
    '{name: $n, type: $t, expires_in: $e, usage_limit: $l, ephemeral: $eph, auto_groups: $g}')"
  (umask 077; api POST /setup-keys "$body" | jq -r .key >"$file.tmp")
  mv "$file.tmp" "$file"
  echo "created setup key $name -> $file" >&2
}

# upsert <noun> <collection> <field> <value> <json-body>: PUT the body over the object of /<collection>
# whose <field> is <value>, or POST it when there is none (routes by network_id, policies by name).
upsert() {
  local noun="$1" coll="$2" field="$3" value="$4" body="$5" id
  id="$(api GET "/$coll" | jq -r --arg f "$field" --arg v "$value" '[.[] | select(.[$f] == $v)][0].id // empty')"
  if [ -z "$id" ]; then
    api POST "/$coll" "$body" >/dev/null
    echo "created $noun $value" >&2
  else
    api PUT "/$coll/${id}" "$body" >/dev/null
  fi
}

ensure_route() { # ensure_route <network-id> <network> <peer-group> <metric> <masquerade> <description> <distribution groups...>
  local nid="$1" net="$2" metric="$4" masq="$5" desc="$6" pgs groups
  pgs="$(ids_json "$3")"
  shift 6
  groups="$(ids_json "$@")"
  upsert route routes network_id "$nid" "$(jq -cn --arg nid "$nid" --arg net "$net" --arg d "$desc" --argjson pg "$pgs" --argjson g "$groups" \
    --argjson m "$metric" --argjson q "$masq" \
    '{network_id: $nid, network: $net, description: $d, enabled: true, peer_groups: $pg, groups: $g, metric: $m, masquerade: $q, keep_route: false}')"
}

ensure_policy() { # ensure_policy <name> <description> <protocol> <ports-json> <bidirectional> <sources-json> <destinations-json>
  local name="$1" desc="$2" proto="$3" ports="$4" bidi="$5" src="$6" dst="$7"
  upsert policy policies name "$name" "$(jq -cn --arg n "$name" --arg d "$desc" --arg p "$proto" --argjson ports "$ports" --argjson b "$bidi" \
    --argjson s "$src" --argjson t "$dst" \
    '{name: $n, description: $d, enabled: true, rules: [{name: $n, description: $d, enabled: true, action: "accept",
      bidirectional: $b, protocol: $p, sources: $s, destinations: $t} + (if ($ports | length) > 0 then {ports: $ports} else {} end)]}')"
}
