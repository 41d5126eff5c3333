# shellcheck shell=bash
# Weekly snapshots of the Wazuh alert indices (components/apps/wazuhIndexing.ts; decision 303): a
# shared-filesystem repository in the indexer's path.repo on its data disk, and a snapshot-management
# policy (opensearch-project/index-management, shipped in wazuh-indexer) that takes one every Sunday and
# deletes the oldest beyond the kept count. restic backs the directory up with the VM's other paths.
# After the toolkit preamble and the install's `api` helper (curl as the indexer's admin), with:
#   SNAPSHOT_REPO, SNAPSHOT_REPO_JSON  the repository's name and its PUT body
#   SM_POLICY_ID, SM_POLICY          the policy's name and its body

# wazuh_snapshots INDEXER_URL: the repository and the policy, created or updated.
wazuh_snapshots() {
  local indexer="$1" repo_url have_repo sm_url current seq term
  repo_url="$indexer/_snapshot/$SNAPSHOT_REPO"
  have_repo="$(api "$repo_url" 2>/dev/null | jq -cS --arg r "$SNAPSHOT_REPO" '.[$r] // empty' || true)"
  if [ "$have_repo" != "$(jq -cS . <<<"$SNAPSHOT_REPO_JSON")" ]; then
    api -X PUT "$repo_url" --data-binary @- <<<"$SNAPSHOT_REPO_JSON" >/dev/null
    log "snapshot repository $SNAPSHOT_REPO registered"
  fi

  sm_url="$indexer/_plugins/_sm/policies/$SM_POLICY_ID"
  current="$(api "$sm_url" 2>/dev/null || true)"
  if [ -z "$current" ]; then
    api -X POST "$sm_url" --data-binary @- <<<"$SM_POLICY" >/dev/null
    log "snapshot policy $SM_POLICY_ID created"
  elif [ "$(jq -cS '.sm_policy | {description, creation, deletion, snapshot_config}' <<<"$current")" != "$(jq -cS '{description, creation, deletion, snapshot_config}' <<<"$SM_POLICY")" ]; then
    seq="$(jq -r '._seq_no' <<<"$current")"
    term="$(jq -r '._primary_term' <<<"$current")"
    api -X PUT "$sm_url?if_seq_no=$seq&if_primary_term=$term" --data-binary @- <<<"$SM_POLICY" >/dev/null
    log "snapshot policy $SM_POLICY_ID updated"
  fi
}
