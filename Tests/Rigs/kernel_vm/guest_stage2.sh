#!/bin/sh
# PID 1 in the rig's guest after switch_root (or a unit under systemd, see initramfs_init.sh) (the host's / under a tmpfs overlay): mounts what a
# system needs, runs the scenario the driver left in /vmshare/env with its output in /vmshare,
# then the exit code and dmesg, and powers off at once.
# Under systemd (a unit, not PID 1) the system is mounted already.
if [ $$ -eq 1 ]; then
  mount -t proc proc /proc
  mount -t sysfs sys /sys
  mount -t devtmpfs dev /dev 2>/dev/null
  mkdir -p /dev/pts /dev/shm
  mount -t devpts devpts /dev/pts
  mount -t tmpfs tmpfs /dev/shm
  mount -t tmpfs -o mode=0755 tmpfs /run
  mount -t tmpfs -o mode=1777 tmpfs /tmp
  mount -t tmpfs -o mode=1777 tmpfs /var/tmp
  mkdir -p /run/dbus /run/lock
  hostname welkom-vm
  ip link set lo up 2>/dev/null
fi
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
. /vmshare/env
echo "guest: init done at $(cut -d' ' -f1 /proc/uptime) s" > /vmshare/timings
cd /vmshare
bash "$SCENARIO" > /vmshare/stdout 2> /vmshare/stderr
echo $? > /vmshare/exit_code.tmp
echo "guest: scenario done at $(cut -d' ' -f1 /proc/uptime) s" >> /vmshare/timings
dmesg > /vmshare/dmesg 2>&1
mv /vmshare/exit_code.tmp /vmshare/exit_code
sync
echo o > /proc/sysrq-trigger
sleep 30
