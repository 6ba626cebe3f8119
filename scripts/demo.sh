#!/usr/bin/env bash
# make demo: a week of jemput bola in Mahakam Ulu on embedded defaults.
# A hub and two enrolled laptops on 127.0.0.1; both capture offline; one
# syncs over HTTP, the other hands over a bundle file (USB); the hub finds
# one conflicting edit and one duplicate NIK; an operator resolves them and
# decides; the decisions travel back. The hub is left running.
set -euo pipefail
cd "$(dirname "$0")/.."

AGENT=./bin/jemput-agent
HUB=./bin/jemput-hub
DEMO=${JEMPUT_DEMO_DIR:-$(mktemp -d -t jemput-demo.XXXXXX)}
export JEMPUT_PASSPHRASE=${JEMPUT_PASSPHRASE:-demo-jemput-bola}
export JEMPUT_HUB_DATA="$DEMO/hub"
export JEMPUT_OPERATOR="Operator Disdukcapil (demo)"
export JEMPUT_ADMIN_PASSWORD=${JEMPUT_ADMIN_PASSWORD:-demo-admin-jemput}
A="$DEMO/laptop-yakobus"
B="$DEMO/laptop-maria"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
# Every string value of "key" in the CLIs' --json output, one per line.
json_values() { grep -o "\"$1\": *\"[^\"]*\"" | sed 's/.*: *"\(.*\)"/\1/'; }

# A free port on 127.0.0.1, 8080 if it is free.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
ADDR=${JEMPUT_DEMO_ADDR:-}
if [ -z "$ADDR" ]; then
  for p in $(seq 8080 8099); do if port_free "$p"; then ADDR=127.0.0.1:$p; break; fi; done
fi
[ -n "$ADDR" ] || { echo "no free port in 8080-8099; set JEMPUT_DEMO_ADDR"; exit 1; }
URL=http://$ADDR
go build -o bin/synth ./internal/synth/cmd/synth

step "1. The hub: keys and database, then the sync API on $URL"
run $HUB init
$HUB serve --addr "$ADDR" >"$DEMO/hub.out" 2>"$DEMO/hub.log" &
HUB_PID=$!
for _ in $(seq 50); do port_free "${ADDR##*:}" || break; sleep 0.1; done
port_free "${ADDR##*:}" && { echo "hub did not start:"; cat "$DEMO/hub.log"; exit 1; }
echo "hub running (pid $HUB_PID), log in $DEMO/hub.log"

step "1b. The population database's extract: the resident roster (worklists for the laptops, village targets)"
./bin/synth -kind roster -n 4000 -seed 5 > "$DEMO/roster.csv"
run $HUB roster import "$DEMO/roster.csv"

step "2. The administrator makes one-time enrolment codes; each laptop enrols once (needs signal once)"
CODE_A=$($HUB device code --officer "Yakobus Lenjau" --villages 64.11.01.2001,64.11.01.2011 --json | json_values code)
CODE_B=$($HUB device code --officer "Maria Hanyeq" --villages 64.11.03.2002 --json | json_values code)
echo "codes: Yakobus $CODE_A, Maria $CODE_B"
run $AGENT init --data "$A" --officer "Yakobus Lenjau" >/dev/null
run $AGENT init --data "$B" --officer "Maria Hanyeq" >/dev/null
run $AGENT enroll --data "$A" --hub "$URL" --code "$CODE_A"
run $AGENT enroll --data "$B" --hub "$URL" --code "$CODE_B"

step "3. Offline for days: both officers record KTP-el, births and deaths"
./bin/synth -kind ektp -n 12 -seed 11 > "$DEMO/a-ektp.jsonl"
./bin/synth -kind birth -n 6 -seed 12 > "$DEMO/a-birth.jsonl"
./bin/synth -kind death -n 3 -seed 13 > "$DEMO/a-death.jsonl"
./bin/synth -kind ektp -n 8 -seed 21 > "$DEMO/b-ektp.jsonl"
./bin/synth -kind birth -n 4 -seed 22 > "$DEMO/b-birth.jsonl"
# Maria meets a resident Yakobus already enrolled (same NIK, name typed differently).
head -1 "$DEMO/a-ektp.jsonl" | sed 's/"full_name":"\([^"]*\)"/"full_name":"\U\1\E"/; s/"address":"[^"]*"/"address":"Kampung Long Hurai"/' >> "$DEMO/b-ektp.jsonl"
DUP_NIK=$(head -1 "$DEMO/a-ektp.jsonl" | sed 's/.*"nik":"\([0-9]*\)".*/\1/')
run $AGENT record --data "$A" ektp --file "$DEMO/a-ektp.jsonl" --submit
run $AGENT record --data "$A" birth --file "$DEMO/a-birth.jsonl" --submit
run $AGENT record --data "$A" death --file "$DEMO/a-death.jsonl" --submit
run $AGENT record --data "$B" ektp --file "$DEMO/b-ektp.jsonl" --submit
run $AGENT record --data "$B" birth --file "$DEMO/b-birth.jsonl" --submit
# One form Yakobus leaves as a draft: the resident will bring the house number.
cat > "$DEMO/draft.json" <<'JSON'
{"nik": "6411011203850002", "kk_number": "6411010101200003", "full_name": "Ma'ruf Hulau", "birth_place": "Long Bagun",
 "birth_date": "1985-03-12", "sex": "L", "blood_type": "O", "rt": "003", "rw": "001", "village_code": "64.11.01.2001",
 "religion": "katolik", "marital_status": "kawin", "occupation": "Nelayan", "citizenship": "WNI",
 "biometrics": {"photo": true, "fingerprints": true, "iris": true, "signature": true}}
JSON
DRAFT=$($AGENT record --data "$A" ektp --file "$DEMO/draft.json" --json | json_values tracking_code | head -1)
echo "draft $DRAFT (no address yet)"
run $AGENT status --data "$A"

step "4. Yakobus reaches signal: sync over HTTP (resumable, with progress); his villages' worklist comes down"
run $AGENT sync --data "$A"
run $AGENT status --data "$A"

step "5. At the hub, the operator fills the draft's address from the family card (KK) register"
run $HUB edit "$DRAFT" address="Jl. Sungai Mahakam RT 03" >/dev/null
echo "operator set address of $DRAFT"

step "6. Meanwhile, still offline, Yakobus completes the same draft with the resident and submits"
run $AGENT edit --data "$A" "$DRAFT" address="Jl. Sungai Mahakam No. 12" >/dev/null
run $AGENT submit --data "$A" "$DRAFT"

step "7. Maria has no signal: she exports a bundle to a USB stick; the hub imports it and writes a return file"
run $AGENT export --data "$B" --out "$DEMO/usb-maria.jmpt"
run $HUB import "$DEMO/usb-maria.jmpt" --out "$DEMO/usb-maria-return.jmpt"
run $AGENT import --data "$B" "$DEMO/usb-maria-return.jmpt"

step "8. Yakobus syncs again: the hub flags the conflicting address"
run $AGENT sync --data "$A"

step "9. The review queue: conflicts and duplicates are flagged, never hidden"
run $HUB records --flag conflict
run $HUB records --flag duplicate
run $HUB show "$DRAFT"

step "10. The operator resolves: one address, the duplicate judged, decisions made"
run $HUB edit "$DRAFT" address="Jl. Sungai Mahakam No. 12, RT 03" >/dev/null
echo "operator chose one address: the conflict is resolved, and the choice goes back to the laptop"
DEV_A=$($AGENT status --data "$A" --json | json_values device_id)
DEV_B=$($AGENT status --data "$B" --json | json_values device_id)
DUP_A=$($HUB records --flag duplicate --device "$DEV_A" --json | json_values id | head -1)
DUP_B=$($HUB records --flag duplicate --device "$DEV_B" --json | json_values id | head -1)
run $HUB duplicate "$DUP_A" "$DUP_B" same
run $HUB decide "$DRAFT" approve
for id in $($HUB records --status received --device "$DEV_A" --json --limit 4 | json_values id); do
  $HUB decide "$id" approve
done
FIRST_B=$($HUB records --status received --device "$DEV_B" --json --limit 1 | json_values id)
run $HUB decide "$FIRST_B" correct --reason "Foto dokumen pendukung buram; mohon foto ulang"

step "11. Decisions travel back: Yakobus over HTTP"
run $AGENT sync --data "$A"
run $AGENT list --data "$A" --status approved
run $AGENT show --data "$A" "$DRAFT"

step "12. Where things stand"
run $HUB targets import --default >/dev/null
run $HUB report coverage --region 64.11
run $HUB device list
printf '\nHub records by status:\n'
$HUB records --json | json_values status | sort | uniq -c | awk '{printf "  %-18s %s\n", $2, $1}'
printf '  open conflicts: %s, open duplicates: %s\n' \
  "$($HUB records --flag conflict --json | json_values id | wc -l)" "$($HUB records --flag duplicate --json | json_values id | wc -l)"

if grep -a -q -e "$DUP_NIK" "$A"/agent.db* "$B"/agent.db* "$DEMO"/usb-maria*.jmpt 2>/dev/null; then
  echo "PLAINTEXT NIK FOUND ON A LAPTOP OR THE USB STICK" && exit 1
fi
echo "  (laptop stores and USB files: grep for NIK $DUP_NIK finds nothing; they are encrypted)"

cat <<MSG

Demo done. The hub is still running: $URL (pid $HUB_PID; stop it with: kill $HUB_PID)
Everything is in $DEMO. Try, for example:
  export JEMPUT_HUB_DATA=$JEMPUT_HUB_DATA JEMPUT_PASSPHRASE=$JEMPUT_PASSPHRASE
  $HUB records --status received
  $HUB show $DRAFT
  $AGENT status --data $B
  $AGENT sync --data $B      # Maria's laptop over HTTP this time
The officer's pages (Yakobus's laptop, his worklist included):
  $AGENT serve --data $A     # then open http://127.0.0.1:8081, passphrase $JEMPUT_PASSPHRASE
In a browser: $URL/login  as  admin / $JEMPUT_ADMIN_PASSWORD  (the review queue and record pages)
  $HUB audit list      # every action above, hash-chained;  $HUB audit verify
  $HUB report coverage --region 64.11
MSG
