# shellcheck shell=bash
# Grafana Alloy shipping this guest's journal to the site's Loki (components/monitoring/render/alloy.ts),
# after the toolkit preamble and components/shell/vendor-apt.sh, with:
#   ALLOY_VERSION  the pinned package version
#   ALLOY_CONFIG   Alloy's configuration (rendered from the inventory)
# The package (grafana/alloy packaging/deb) runs /etc/alloy/config.alloy as user alloy, a member of
# systemd-journal.

vendor_apt_install alloy "$ALLOY_VERSION"
put /etc/alloy/config.alloy 0640 root:alloy <<<"$ALLOY_CONFIG"
converge_units alloy.service
