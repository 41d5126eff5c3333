#!/usr/bin/env bash
# shellcheck shell=bash
# Wiki.js's own steps once its container answers (components/apps/wikijs.ts renders the environment
# block): the first-start setup finalised once (POST /finalize, the administrator's password from
# stdin), then, as that administrator (GraphQL login, the JWT in a curl config file), the `git` storage
# target set when what Wiki.js holds differs from the rendered target or the Gitea password changed
# (a stamp of its sha256). Nothing secret reaches argv: request bodies go to curl on stdin and jq reads
# the secrets from its environment. A second run finalises nothing and updates nothing.
# Environment: WIKI_URL SITE_URL ADMIN_EMAIL, GQL_DOCS (the GraphQL documents login, targets, update and
# status as one JSON object), GIT (1: set the
# git target), GIT_TARGET (StorageTargetInput JSON without basicPassword), GIT_SECRET (the variable
# holding the Gitea machine user's password), GIT_STAMP; on stdin WIKIJS_ADMIN_PASSWORD and $GIT_SECRET.

: "${WIKI_URL:?}" "${SITE_URL:?}" "${ADMIN_EMAIL:?}" "${GQL_DOCS:?}"
: "${GIT:?}" "${GIT_TARGET?}" "${GIT_SECRET?}" "${GIT_STAMP:?}"
require_env WIKIJS_ADMIN_PASSWORD
export WIKIJS_ADMIN_PASSWORD
ensure_packages jq curl

post() { # URL: POST stdin as JSON (plus the session header once logged in), print the answer
  curl -fsS --max-time 60 -H 'Content-Type: application/json' ${session:+-K "$session"} --data-binary @- "$1"
}
gql() { jq -r --arg k "$1" '.[$k]' <<<"$GQL_DOCS"; } # NAME: that GraphQL document
running() { curl -fsS --max-time 5 "$WIKI_URL/healthz" 2>/dev/null | jq -e '.ok == true' >/dev/null 2>&1; }

# 1. The setup wizard, once: it answers every GET until finalised, /healthz included.
if ! running; then
  answer="$(jq -cn --arg e "$ADMIN_EMAIL" --arg u "$SITE_URL" '{adminEmail: $e, adminPassword: env.WIKIJS_ADMIN_PASSWORD, siteUrl: $u, telemetry: false}' | post "$WIKI_URL/finalize")"
  jq -e '.ok == true' >/dev/null <<<"$answer" || die "Wiki.js setup failed: $(jq -r '.error // "no answer"' <<<"$answer")"
  log "finalised the Wiki.js setup (administrator $ADMIN_EMAIL)"
  WAIT_TIMEOUT=300 WAIT_HINT="journalctl -u wikijs.service" wait_until "wikijs running after its setup" running
fi
[ "$GIT" = 1 ] || exit 0
require_env "$GIT_SECRET"
export GIT_PASSWORD="${!GIT_SECRET}"

# 2. Log in as the administrator; the JWT goes into a root-only curl config file.
session=""
answer="$(jq -cn --arg q "$(gql login)" --arg u "$ADMIN_EMAIL" '{query: $q, variables: {username: $u, password: env.WIKIJS_ADMIN_PASSWORD, strategy: "local"}}' | post "$WIKI_URL/graphql")"
jwt="$(jq -r '.data.authentication.login.jwt // empty' <<<"$answer")"
[ -n "$jwt" ] || die "Wiki.js login as $ADMIN_EMAIL failed: $(jq -r '.data.authentication.login.responseResult.message // .errors[0].message // "no answer"' <<<"$answer") (the administrator's password is the stack's WIKIJS_ADMIN_PASSWORD)"
session="$(umask 077 && mktemp)"
trap 'rm -f "$session"' EXIT
printf 'header = "Authorization: Bearer %s"\n' "$jwt" >"$session"

# 3. The git target: compared without basicPassword (Wiki.js lists it as ********), whose sha256 is stamped.
current="$(jq -cn --arg q "$(gql targets)" '{query: $q}' | post "$WIKI_URL/graphql" |
  jq -c '.data.storage.targets[] | select(.key == "git") | {isEnabled, mode, syncInterval, config: ([.config[] | select(.key != "basicPassword") | {key, v: (.value | fromjson | .value)}] | sort_by(.key))}')"
wanted="$(jq -c '{isEnabled, mode, syncInterval, config: ([.config[] | {key, v: (.value | fromjson | .v)}] | sort_by(.key))}' <<<"$GIT_TARGET")"
stamp="$(printf '%s' "$GIT_PASSWORD" | sha256sum | cut -d' ' -f1)"
if [ "$current" != "$wanted" ] || [ "$(cat "$GIT_STAMP" 2>/dev/null || true)" != "$stamp" ]; then
  answer="$(jq -c --arg q "$(gql update)" '{query: $q, variables: {targets: [. + {config: (.config + [{key: "basicPassword", value: ({v: env.GIT_PASSWORD} | tojson)}])}]}}' <<<"$GIT_TARGET" | post "$WIKI_URL/graphql")"
  jq -e '.data.storage.updateTargets.responseResult.succeeded == true' >/dev/null <<<"$answer" ||
    die "Wiki.js refused the git storage target: $(jq -r '.data.storage.updateTargets.responseResult.message // .errors[0].message // "no answer"' <<<"$answer")"
  put "$GIT_STAMP" 0600 root:root <<<"$stamp"
  log "set the git storage target ($(jq -r '.config[] | select(.key == "repoUrl") | .value | fromjson | .v' <<<"$GIT_TARGET"))"
fi

# 4. The target's state after its init (Wiki.js clones and checks the branch out when it is set).
state="$(jq -cn --arg q "$(gql status)" '{query: $q}' | post "$WIKI_URL/graphql" | jq -c '.data.storage.status[]? | select(.key == "git")')"
if [ "$(jq -r '.status // empty' <<<"$state")" = error ]; then die "Wiki.js git storage: $(jq -r '.message' <<<"$state")"; fi
log "git storage: ${state:-not listed}"
