#!/bin/busybox sh
# PID 1 of the rig's initramfs: the host's / (9p tag "hostroot", read-only) under a tmpfs overlay
# becomes the guest's root; the results share (tag "share") is mounted at /vmshare; the extracted
# kernel's modules appear at /lib/modules/VERSION (bind mount inside the overlay, the host's
# /lib/modules untouched). Then it hands over to the stage-2 script named on the command line
# (welkom.stage2=PATH, a path on the host's filesystem), or to welkom.init=PATH (e.g. systemd),
# which then runs stage 2 as the unit welkom-rig.service.
/bin/busybox mkdir -p /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules/order); do insmod "/$m" || echo "initramfs: insmod $m failed"; done
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    welkom.stage2=*) stage2="${arg#welkom.stage2=}" ;;
    welkom.init=*) newinit="${arg#welkom.init=}" ;;
    welkom.modules=*) modules="${arg#welkom.modules=}" ;;
    systemd.mask=*) masks="$masks ${arg#systemd.mask=}" ;;
  esac
done
fail() { echo "initramfs: $*"; echo o > /proc/sysrq-trigger; sleep 60; }
# 512 KiB messages: the venv's thousands of small files and the binary load much faster than with the default.
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=524288,cache=loose hostroot /mnt/lower || fail "cannot mount hostroot"
mount -t tmpfs -o mode=0755,size=75% rw /mnt/rw
mkdir -p /mnt/rw/upper /mnt/rw/work
mount -t overlay -o lowerdir=/mnt/lower,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work overlay /mnt/root || fail "cannot mount the overlay"
# The host's /tmp seen through 9p would be walked and emptied file by file (whiteouts) by
# systemd-tmpfiles at boot: minutes under TCG. The guest's own, empty, instead.
mount -t tmpfs -o mode=1777 tmp /mnt/root/tmp
mount -t tmpfs -o mode=1777 vartmp /mnt/root/var/tmp
mkdir -p /mnt/root/vmshare
mount -t 9p -o trans=virtio,version=9p2000.L,msize=524288 share /mnt/root/vmshare || fail "cannot mount the results share"
if [ -n "$modules" ]; then
  version="$(basename "$modules")"
  mkdir -p "/mnt/root/lib/modules/$version"
  mount --bind "/mnt/root$modules" "/mnt/root/lib/modules/$version"
fi
umount /proc /sys
mount --move /dev /mnt/root/dev 2>/dev/null || umount /dev
if [ -n "$newinit" ]; then
  # Another init (systemd): it runs the stage-2 script as a unit wanted by multi-user.target;
  # the unit lives in the overlay only.
  mkdir -p /mnt/root/etc/systemd/system
  cat > /mnt/root/etc/systemd/system/welkom-rig.service <<UNIT
[Unit]
Description=Welkom test rig scenario
After=basic.target
[Service]
Type=oneshot
ExecStart=/bin/sh $stage2
TimeoutStartSec=infinity
StandardOutput=journal+console
StandardError=journal+console
UNIT
  # The host's /.dockerenv (if it runs in a container) would make systemd believe it runs in Docker:
  # it then ignores the kernel command line and skips udev and other units. Hidden in the overlay.
  rm -f /mnt/root/.dockerenv /mnt/root/run/.containerenv
  for unit in $masks; do ln -sf /dev/null "/mnt/root/etc/systemd/system/$unit"; done
  mkdir -p /mnt/root/etc/systemd/system/multi-user.target.wants
  ln -sf /etc/systemd/system/welkom-rig.service /mnt/root/etc/systemd/system/multi-user.target.wants/welkom-rig.service
  exec switch_root /mnt/root "$newinit"
fi
exec switch_root /mnt/root /bin/sh "$stage2"
