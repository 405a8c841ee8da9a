# hci0 absent when the agent starts and plugged later; then unplugged and plugged again with the
# agent running (each step's results in /vmshare/STEP.*). On its own boot, or at the end of
# channels.sh (the controller already running: unplugged first), which saves a boot.
. "$KVM_DIR/guest_lib.sh"
if [ -s /run/vhci.pid ] && kill -0 "$(cat /run/vhci.pid)" 2>/dev/null; then
  unplug || exit 1
else
  start_controller --unplugged || exit 1
fi
hci0_absent || { echo "hci0 present though unplugged"; exit 1; }
scan scan-absent --hci hci0 --seconds 2

enrol_anna
write_config hci0 user 8085
start_agent run-hotplug
wait_for 60 serving 8085
sleep 3
healthz absent 8085
recognitions 8085 > /vmshare/absent.recognitions
plug || exit 1
wait_for 90 recognised_at_least 8085 1 && mark plugged-recognised
healthz plugged 8085
recognitions 8085 > /vmshare/plugged.recognitions

unplug || exit 1
sleep 3
healthz unplugged 8085
before=$(recognitions 8085); echo "$before" > /vmshare/unplugged.recognitions
plug || exit 1
wait_for 90 recognised_at_least 8085 $((before + 1)) && mark replugged-recognised
healthz replugged 8085
recognitions 8085 > /vmshare/replugged.recognitions
stop_agent run-hotplug
export_ledger run-hotplug
exit 0
