#!/usr/bin/env bash
# make demo: a field officer's day in Mahakam Ulu, offline, on embedded
# defaults. Everything happens in a temporary directory that is kept so
# you can try the commands yourself afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

AGENT=./bin/jemput-agent
DEMO=${JEMPUT_DEMO_DIR:-$(mktemp -d -t jemput-demo.XXXXXX)}
export JEMPUT_DATA="$DEMO/laptop"
export JEMPUT_PASSPHRASE=${JEMPUT_PASSPHRASE:-demo-jemput-bola}
export JEMPUT_OFFICER="Yakobus Lenjau (demo)"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "1. A new laptop: create the encrypted store"
run $AGENT init

step "2. A day of jemput bola in Mahakam Ulu: KTP-el, births and deaths, saved and submitted offline"
go run ./internal/synth/cmd/synth -kind ektp -n 12 -seed 11 > "$DEMO/ektp.jsonl"
go run ./internal/synth/cmd/synth -kind birth -n 6 -seed 12 > "$DEMO/birth.jsonl"
go run ./internal/synth/cmd/synth -kind death -n 3 -seed 13 > "$DEMO/death.jsonl"
run $AGENT record ektp --file "$DEMO/ektp.jsonl" --submit
run $AGENT record birth --file "$DEMO/birth.jsonl" --submit
run $AGENT record death --file "$DEMO/death.jsonl" --submit

step "3. A form typed in a hurry: saved as a draft, refused at submit with every failing field"
cat > "$DEMO/hurried.json" <<'JSON'
{
  "nik": "6411011203850002",
  "full_name": "Ma'ruf Hulau",
  "sex": "P",
  "birth_date": "1985-03-12",
  "village_code": "64.11.01.2006",
  "religion": "katolik"
}
JSON
out=$($AGENT record ektp --file "$DEMO/hurried.json" --json)
echo "$out"
ID=$(printf '%s' "$out" | sed -n 's/.*"tracking_code":"\([^"]*\)".*/\1/p')
run $AGENT submit "$ID" || echo "(exit $?: still a draft, nothing lost)"

step "4. The officer fixes it with the resident, then submits"
run $AGENT edit "$ID" sex=L kk_number=6411010101200003 birth_place="Long Bagun" blood_type=O \
  address="Jl. Poros Kampung No. 7" marital_status=kawin occupation=Nelayan citizenship=WNI
run $AGENT submit "$ID"

step "5. Lines that cannot be read are refused by line number; the rest are saved"
printf '%s\n' '{"full_name": "Siti", "village_code": "64.11.01.2001"}' '{"full_name": "Budi",' '{"full_name": "Ani", "religion": "islamm"}' \
  | $AGENT record ektp --file - || echo "(exit $?: good lines saved, bad lines named)"

step "6. What is on the laptop"
run $AGENT list --status submitted --limit 8
run $AGENT list --nik 6411011203850002
run $AGENT status

step "7. A stolen laptop leaks nothing: no name or NIK in the store files"
if grep -a -l -e "Ma'ruf Hulau" -e 6411011203850002 "$JEMPUT_DATA"/agent.db* >/dev/null 2>&1; then
  echo "PLAINTEXT FOUND" && exit 1
else
  echo "grep for the name and NIK in $JEMPUT_DATA/agent.db*: nothing found"
fi
JEMPUT_PASSPHRASE=wrong-passphrase $AGENT status || echo "(exit $?: a wrong passphrase opens nothing)"

cat <<MSG

Demo done. The laptop store is in $JEMPUT_DATA (passphrase: $JEMPUT_PASSPHRASE).
Try:  JEMPUT_DATA=$JEMPUT_DATA JEMPUT_PASSPHRASE=$JEMPUT_PASSPHRASE $AGENT show $ID
Sync to a hub arrives with the next milestone (jemput-hub is a stub for now).
MSG
