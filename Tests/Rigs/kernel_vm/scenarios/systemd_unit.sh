# Under systemd as PID 1 (run_guest.py --init /lib/systemd/systemd): the packaged unit, sandboxed
# as shipped, recognising Anna's fob through hci0 beside BlueZ's bluetooth.service.
# The package when there is one (WELKOM_DEB, installed with dpkg in the guest's overlay), else the
# tree's config/welkom.service with the binary copied to /usr/bin/welkom and the sysusers.d user.
. "$KVM_DIR/guest_lib.sh"
mark systemd-scenario-start
systemctl is-system-running > /vmshare/system-state 2>&1
systemctl --failed --no-legend >> /vmshare/system-state 2>&1
if [ -n "${WELKOM_DEB:-}" ] && [ -f "$WELKOM_DEB" ]; then
  echo "installing $WELKOM_DEB" > /vmshare/install.log
  dpkg -i "$WELKOM_DEB" >> /vmshare/install.log 2>&1 || { echo "dpkg -i failed"; cat /vmshare/install.log; exit 1; }
  systemctl stop welkom 2>/dev/null
else
  echo "no package: config/welkom.service from the tree" > /vmshare/install.log
  # A link, not a copy: copying the debug binary through 9p costs half a minute under TCG.
  ln -sf "$WELKOM_BIN" /usr/bin/welkom
  install -m 0644 "$ROOT/config/welkom.service" /etc/systemd/system/welkom.service
  install -m 0644 "$ROOT/packaging/sysusers.d/welkom.conf" /usr/lib/sysusers.d/welkom.conf
  systemd-sysusers >> /vmshare/install.log 2>&1
  systemctl daemon-reload
fi
mark installed
start_controller || exit 1
wait_for 30 hci0_present || { echo "no hci0"; exit 1; }
systemctl start bluetooth
wait_for 30 hci0_up || { echo "bluetooth.service did not power hci0 on"; systemctl status bluetooth; exit 1; }
mark bluetooth-up

mkdir -p /etc/welkom
DATA=/var/lib/welkom
write_config hci0 raw 8090 "$DATA"
install -m 0644 /run/welkom.toml /etc/welkom/welkom.toml
enrol_anna "$DATA"
chown -R welkom:welkom "$DATA"; chmod 0700 "$DATA"
systemctl start welkom
mark unit-started
wait_for 90 serving 8090
wait_for 90 recognised_at_least 8090 1 && mark unit-recognised
healthz unit 8090
recognitions 8090 > /vmshare/unit.recognitions
systemctl show welkom -p ActiveState -p SubState -p MainPID -p User -p ExecMainStatus > /vmshare/unit.show
cat /proc/$(systemctl show welkom -p MainPID --value)/status | grep -E '^(Uid|Gid|Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp)' > /vmshare/unit.proc 2>&1
systemctl stop welkom
journalctl -u welkom --no-pager -o cat > /vmshare/unit.log 2>&1
systemctl show welkom -p ExecMainStatus -p Result > /vmshare/unit.stopped
export_ledger unit "$DATA"
exit 0
