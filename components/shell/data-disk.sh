# shellcheck shell=bash
# A VM's data disk formatted once and mounted (components/shell/index.ts dataDisk). After the toolkit
# preamble. ensure_data_disk DEVICE MOUNTPOINT [FSTAB]:
# - a disk with no signature at all (blkid's low-level probe and wipefs find nothing, no partitions)
#   is formatted ext4 — the only case that formats;
# - a disk with an ext4 filesystem is used as it is (never reformatted);
# - any other signature (another filesystem, a partition table, swap, RAID, LVM) stops the run: the
#   data on it is for a human to look at;
# then an fstab line by UUID (nofail) and the mount.

ensure_data_disk() {
  local dev mnt="$2" fstab="${3:-/etc/fstab}" type uuid line
  WAIT_TIMEOUT=120 wait_until "data disk $1 present" test -b "$1" -o -f "$1"
  dev="$(readlink -f "$1")"
  type="$(blkid -p -o value -s TYPE "$dev" 2>/dev/null || true)"
  if [ -z "$type" ]; then
    if [ -n "$(blkid -p -o value -s PTTYPE "$dev" 2>/dev/null || true)" ] || [ -n "$(wipefs --noheadings "$dev" 2>/dev/null || true)" ]; then
      die "$1 ($dev) carries a partition table or another signature; not formatting it"
    fi
    log "formatting the empty data disk $1 ($dev) as ext4"
    mkfs.ext4 -q -L homelab-data "$dev"
    mark_changed
    type=ext4
  fi
  [ "$type" = ext4 ] || die "$1 ($dev) holds a $type filesystem, not ext4; not touching it"
  uuid="$(blkid -p -o value -s UUID "$dev")"
  [ -n "$uuid" ] || die "$1 ($dev): no filesystem UUID"
  line="UUID=$uuid $mnt ext4 defaults,nofail 0 2"
  install -d -m 0755 "$mnt"
  if ! grep -qxF "$line" "$fstab" 2>/dev/null; then
    grep -v "[[:space:]]${mnt}[[:space:]]" "$fstab" 2>/dev/null >"$fstab.homelab" || true
    printf '%s\n' "$line" >>"$fstab.homelab"
    mv "$fstab.homelab" "$fstab"
    log "$fstab: $mnt on UUID=$uuid"
    mark_changed
  fi
  mountpoint -q "$mnt" || mount "$mnt"
}
