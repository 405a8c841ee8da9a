# The rig itself: hci0 from the vhci controller, and a short scan on the raw socket.
. "$KVM_DIR/guest_lib.sh"
start_controller || exit 1
wait_for 30 hci0_present || { echo "no hci0"; exit 1; }
mark hci0-present
hciconfig hci0 up; wait_for 10 hci0_up; mark hci0-up
hciconfig -a
scan scan-raw --hci hci0 --seconds 4
cat /vmshare/scan-raw.out /vmshare/scan-raw.err
