# One boot, the kernel's channels in turn (each step's results in /vmshare/STEP.*):
#   scan-down      raw socket on a powered-off hci0: must fail, saying so
#   scan-raw, run-raw            raw socket beside a running bluetoothd
#   scan-nocaps, run-nocaps      an unprivileged user (no capabilities): the message names setcap
#   scan-user, run-user          the user channel (bluetoothd stopped, adapter down)
#   scan-rtu, run-rtu            raw-then-user on the downed adapter
# then hotplug.sh's steps (absent at start then plugged; unplugged and replugged).
. "$KVM_DIR/guest_lib.sh"
start_controller || exit 1
wait_for 30 hci0_present || { echo "no hci0"; exit 1; }
mark hci0-present
hciconfig hci0 down
scan scan-down --hci hci0 --seconds 3

start_bluetoothd || exit 1
scan scan-raw --hci hci0 --seconds 4
agent_recognises run-raw hci0 raw 8081

mkdir -p /run/nobody && chown nobody:nogroup /run/nobody
nocaps="setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all"
$nocaps "$WELKOM_BIN" scan --hci hci0 --seconds 3 > /vmshare/scan-nocaps.out 2> /vmshare/scan-nocaps.err
echo $? > /vmshare/scan-nocaps.exit
mark scan-nocaps
$nocaps "$WELKOM_BIN" scan --hci hci0 --kernel-channel user --seconds 3 > /vmshare/scan-nocaps-user.out 2> /vmshare/scan-nocaps-user.err
echo $? > /vmshare/scan-nocaps-user.exit
write_config hci0 raw 8082 /run/nobody/data
start_agent run-nocaps $nocaps
wait_for 60 serving 8082
nocaps_stopped() { http_get 8082 /healthz > /dev/null; [ "$(cat /run/http.status)" = 503 ]; }
wait_for 30 nocaps_stopped
healthz run-nocaps 8082
stop_agent run-nocaps

stop_bluetoothd
hciconfig hci0 down
scan scan-user --hci hci0 --kernel-channel user --seconds 4
agent_recognises run-user hci0 user 8083
hciconfig hci0 down
scan scan-rtu --hci hci0 --kernel-channel raw-then-user --seconds 4
agent_recognises run-rtu hci0 raw-then-user 8084
. "$KVM_DIR/scenarios/hotplug.sh"
