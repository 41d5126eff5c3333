# shellcheck shell=bash
# A Wazuh agent enrolled with the organisation's manager (components/apps/wazuhAgents.ts; decision 233).
# After the toolkit preamble and vendor-apt.sh, with:
#   WAZUH_VERSION   the manager's release (agents never run newer than their manager)
#   WAZUH_MANAGER   the manager's address (events 1514/tcp, enrolment 1515/tcp)
# Secret on stdin: WAZUH_ENROLMENT_PASSWORD. The package's postinst reads WAZUH_MANAGER and
# WAZUH_REGISTRATION_PASSWORD at installation (wazuh/wazuh-documentation source/user-manual/agent/
# agent-enrollment/deployment-variables/deployment-variables-linux.rst: the password is stored in
# etc/authd.pass); afterwards the script
# keeps etc/authd.pass (the agent's default authorization_pass_path) and the server address itself.

require_env WAZUH_ENROLMENT_PASSWORD
export WAZUH_MANAGER
export WAZUH_REGISTRATION_PASSWORD="$WAZUH_ENROLMENT_PASSWORD"
vendor_apt_install wazuh-agent "$WAZUH_VERSION-1"
unset WAZUH_REGISTRATION_PASSWORD
put_env WAZUH_ENROLMENT_PASSWORD /var/ossec/etc/authd.pass 0640 root:wazuh
conf=/var/ossec/etc/ossec.conf
if ! grep -q "<address>$WAZUH_MANAGER</address>" "$conf"; then
  # The first <address> is the one of <client><server>.
  sed -i "0,/<address>[^<]*<\/address>/s//<address>$WAZUH_MANAGER<\/address>/" "$conf"
  mark_changed
fi
grep -q "<address>$WAZUH_MANAGER</address>" "$conf" || die "$conf: no <client><server><address> to point at $WAZUH_MANAGER"
converge_units wazuh-agent.service
