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
  esac
done
fail() { echo "initramfs: $*"; echo o > /proc/sysrq-trigger; sleep 60; }
# 512 KiB messages: the venv's thousands of small files and the binary load much faster than with the default.
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=524288,cache=loose hostroot /mnt/lower || fail "cannot mount hostroot"
mount -t tmpfs -o mode=0755,size=75% rw /mnt/rw
mkdir -p /mnt/rw/upper /mnt/rw/work
mount -t overlay -o lowerdir=/mnt/lower,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work overlay /mnt/root || fail "cannot mount the overlay"
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
  # Another init (systemd): it runs the stage-2 script as a unit, pulled in by systemd.wants= on
  # the command line; the unit lives in the overlay only.
  mkdir -p /mnt/root/etc/systemd/system
  cat > /mnt/root/etc/systemd/system/welkom-rig.service <<UNIT
[Unit]
Description=Welkom test rig scenario
After=basic.target
[Service]
Type=oneshot
ExecStart=/bin/sh $stage2
TimeoutStartSec=infinity
UNIT
  exec switch_root /mnt/root "$newinit"
fi
exec switch_root /mnt/root /bin/sh "$stage2"
