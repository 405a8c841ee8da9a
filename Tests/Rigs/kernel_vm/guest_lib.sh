# Sourced by the rig's scenarios (bash, as root in the guest, cwd /vmshare).
# Each step's output goes to /vmshare/STEP.* so the tests can check every step of a shared boot.
set -u
DATA=/run/welkom-data
mark() { echo "$1 $(cut -d' ' -f1 /proc/uptime)" >> /vmshare/timings; }

# wait_for SECONDS COMMAND...: polls COMMAND every 0.2 s; 1 when it never succeeded.
wait_for() {
  local limit=$1; shift
  local deadline=$(( $(date +%s) + limit ))
  until "$@" 2>/dev/null; do
    [ "$(date +%s)" -ge "$deadline" ] && return 1
    sleep 0.2
  done
}
hci0_present() { [ -e /sys/class/bluetooth/hci0 ]; }
hci0_absent() { [ ! -e /sys/class/bluetooth/hci0 ]; }
hci0_up() { hciconfig hci0 2>/dev/null | grep -q 'UP RUNNING'; }

# The Bumble controller behind /dev/vhci with Anna's fob and strangers; extra arguments go to
# vhci_store.py (--unplugged). Started before the modules load: its import is the slow part.
start_controller() {
  "$RIG_PYTHON" "$KVM_DIR/vhci_store.py" --enrolled-key "$ANNA_KEY" --strangers 1 --pid-file /run/vhci.pid \
    --strangers-tokens-file /vmshare/stranger-tokens "$@" > /vmshare/vhci.log 2>&1 &
  modprobe bluetooth && modprobe hci_vhci || { echo "modprobe failed"; return 1; }
  mark modules-loaded
  wait_for 60 grep -q READY /vmshare/vhci.log || { echo "the vhci controller did not start"; cat /vmshare/vhci.log; return 1; }
  mark controller-ready
}
unplug() {
  kill -USR1 "$(cat /run/vhci.pid)"
  wait_for 30 hci0_absent || { echo "hci0 did not go away"; return 1; }
  mark hci0-gone
}
plug() {
  kill -USR2 "$(cat /run/vhci.pid)"
  wait_for 30 hci0_present || { echo "hci0 did not come back"; return 1; }
  mark hci0-back
}

# dbus and bluetoothd as a distribution runs them; bluetoothd powers hci0 on.
start_bluetoothd() {
  mkdir -p /run/dbus /var/lib/bluetooth
  [ -s /etc/machine-id ] || dbus-uuidgen > /etc/machine-id
  dbus-daemon --system --fork --nopidfile || return 1
  /usr/libexec/bluetooth/bluetoothd -n > /vmshare/bluetoothd.log 2>&1 &
  echo $! > /run/bluetoothd.pid
  wait_for 30 hci0_up || { echo "bluetoothd did not power hci0 on"; hciconfig -a; cat /vmshare/bluetoothd.log; return 1; }
  mark bluetoothd-up
}
stop_bluetoothd() {
  kill "$(cat /run/bluetoothd.pid)" 2>/dev/null
  wait_for 10 sh -c '! kill -0 $(cat /run/bluetoothd.pid)'
}

enrol_anna() {  # enrol_anna [DIR]: a fresh data directory (default $DATA) with Anna enrolled
  local dir=${1:-$DATA}
  rm -rf "$dir"; mkdir -p "$dir"
  "$WELKOM_BIN" consent enroll --data "$dir" --customer anna --scopes greeting,name --name Anna --locale nl \
    --beacon-key "$ANNA_KEY" > /dev/null
}

# write_config TRANSPORT CHANNEL PORT [DIR]
write_config() {
  cat > /run/welkom.toml <<TOML
[data]
dir = "${4:-$DATA}"

[recognition]
enabled = true
dpia_reference = "DPIA-TEST-1"

[radio]
transport = "$1"
kernel_channel = "$2"

[[till]]
id = "1"
name = "Kassa 1"

[till_display]
listen = "127.0.0.1:$3"
TOML
}

# start_agent STEP [WRAPPER...]: `welkom run` in the background (under WRAPPER, e.g. setpriv),
# log in /vmshare/STEP.log, pid in /run/agent.pid.
start_agent() {
  local step=$1; shift
  "$@" "$WELKOM_BIN" run --config /run/welkom.toml > "/vmshare/$step.log" 2>&1 &
  echo $! > /run/agent.pid
  mark "$step-agent-started"
}

# agent_recognises STEP TRANSPORT CHANNEL PORT: enrol Anna in a fresh data directory, run the
# agent on TRANSPORT/CHANNEL until it recognises her (or 90 s), then /healthz, the counter, the
# ledger export and the exit code in /vmshare/STEP.*
agent_recognises() {
  local step=$1 dir=/run/data-$1
  enrol_anna "$dir"
  write_config "$2" "$3" "$4" "$dir"
  start_agent "$step"
  wait_for 60 serving "$4"
  wait_for 90 recognised_at_least "$4" 1 && mark "$step-recognised"
  healthz "$step" "$4"
  recognitions "$4" > "/vmshare/$step.recognitions"
  stop_agent "$step"
  export_ledger "$step" "$dir"
}
stop_agent() {
  local pid; pid=$(cat /run/agent.pid)
  kill -TERM "$pid" 2>/dev/null
  wait_for 20 sh -c "! kill -0 $pid" || kill -KILL "$pid"
  wait "$pid" 2>/dev/null
  echo $? > "/vmshare/$1.exit"
}
# http_get PORT PATH: the body on stdout, the status in /run/http.status (000: no answer).
# /metrics and /healthz: on the agent's metrics listener (default 127.0.0.1:9464, one agent at a
# time here) where the binary has one, else on the till pages' PORT.
http_get() {
  curl -s -m 5 -o /run/http.body -w '%{http_code}' "http://127.0.0.1:9464$2" > /run/http.status
  case "$(cat /run/http.status)" in
    000|404) curl -s -m 5 -o /run/http.body -w '%{http_code}' "http://127.0.0.1:$1$2" > /run/http.status ;;
  esac
  cat /run/http.body 2>/dev/null
}
# healthz STEP PORT: /healthz's status and body in /vmshare/STEP.healthz (first line the status)
healthz() {
  local body; body=$(http_get "$2" /healthz)
  { cat /run/http.status; echo; echo "$body"; } > "/vmshare/$1.healthz"
}
serving() { http_get "$1" /healthz > /dev/null; [ "$(cat /run/http.status)" != 000 ]; }
recognitions() {  # the wlk1 recognitions counter of the agent on PORT
  http_get "$1" /metrics | awk '/^welkom_recognitions_total\{scheme="wlk1"\}/ {print int($2)} END {}' | tail -1
}
recognised_at_least() { local n; n=$(recognitions "$1"); [ -n "$n" ] && [ "$n" -ge "$2" ]; }
export_ledger() {  # export_ledger STEP [DIR]
  "$WELKOM_BIN" audit export --data "${2:-$DATA}" --format jsonl > "/vmshare/$1.ledger.jsonl" 2> "/vmshare/$1.ledger.err"
}

# scan STEP ARGS...: `welkom scan` with its stdout, stderr and exit code in /vmshare/STEP.*
scan() {
  local step=$1; shift
  "$WELKOM_BIN" scan "$@" > "/vmshare/$step.out" 2> "/vmshare/$step.err"
  echo $? > "/vmshare/$step.exit"
  mark "$step"
}
