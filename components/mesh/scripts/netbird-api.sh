#!/usr/bin/env bash
# shellcheck shell=bash
# NetBird management API helpers (groups, setup keys, routes, policies): GET first, POST only when
# missing, PUT to converge. Composed by components/mesh/render/netbirdApi.ts; it reads:
#   MGMT_URL   management API base URL (https)
#   PAT        personal access token (from NB_PAT on the Command's stdin, or the PAT file)
#   KEY_DIR    directory for newly created setup keys (<name>.key, 0600)
#   GROUP_IDS  associative array name -> id, filled by ensure_group
api() { # api <METHOD> <path> [json-body]
  local method="$1" path="$2" body="${3:-}"
  local args=(-fsS -X "$method" -H "Authorization: Token ${PAT}" -H "Accept: application/json")
  if [ -n "$body" ]; then args+=(-H "Content-Type: application/json" --data-binary "$body"); fi
  curl "${args[@]}" "${MGMT_URL}/api${path}"
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

ensure_route() { # ensure_route <network-id> <network> <peer-group> <metric> <masquerade> <description> <distribution groups...>
  local nid="$1" net="$2" metric="$4" masq="$5" desc="$6" pgs groups body id
  pgs="$(ids_json "$3")"
  shift 6
  groups="$(ids_json "$@")"
  body="$(jq -cn --arg nid "$nid" --arg net "$net" --arg d "$desc" --argjson pg "$pgs" --argjson g "$groups" \
    --argjson m "$metric" --argjson q "$masq" \
    '{network_id: $nid, network: $net, description: $d, enabled: true, peer_groups: $pg, groups: $g, metric: $m, masquerade: $q, keep_route: false}')"
  id="$(api GET /routes | jq -r --arg nid "$nid" '[.[] | select(.network_id == $nid)][0].id // empty')"
  if [ -z "$id" ]; then
    api POST /routes "$body" >/dev/null
    echo "created route $nid" >&2
  else
    api PUT "/routes/${id}" "$body" >/dev/null
  fi
}

ensure_policy() { # ensure_policy <name> <description> <protocol> <ports-json> <bidirectional> <sources-json> <destinations-json>
  local name="$1" desc="$2" proto="$3" ports="$4" bidi="$5" src dst body id
  src="$6"; dst="$7"
  body="$(jq -cn --arg n "$name" --arg d "$desc" --arg p "$proto" --argjson ports "$ports" --argjson b "$bidi" \
    --argjson s "$src" --argjson t "$dst" \
    '{name: $n, description: $d, enabled: true, rules: [{name: $n, description: $d, enabled: true, action: "accept",
      bidirectional: $b, protocol: $p, sources: $s, destinations: $t} + (if ($ports | length) > 0 then {ports: $ports} else {} end)]}')"
  id="$(api GET /policies | jq -r --arg n "$name" '[.[] | select(.name == $n)][0].id // empty')"
  if [ -z "$id" ]; then
    api POST /policies "$body" >/dev/null
    echo "created policy $name" >&2
  else
    api PUT "/policies/${id}" "$body" >/dev/null
  fi
}
