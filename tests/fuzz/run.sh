#!/usr/bin/env bash
# Coverage-guided fuzzing of one target with AFL++ for N minutes:   tests/fuzz/run.sh TARGET MINUTES
#   TARGET: bgp | cni | resource | netlink  (tests/fuzz/Targets; seeds in tests/fuzz/corpus/TARGET)
# Builds the harness (tests/fuzz/Afl), copies it to artifacts/fuzz/TARGET/bin, instruments the target's own assembly there with
# SharpFuzz (the sharpfuzz tool, SharpFuzz.CommandLine 2.3.0, installed under artifacts/tools), runs afl-fuzz bounded
# by -V and a timeout, then prints executions, executions/s, coverage (AFL's bitmap coverage and corpus size) and the
# crashes and hangs found (under artifacts/fuzz/TARGET/out/default/{crashes,hangs}).
# Host settings: none are changed. AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES stands in for core_pattern, AFL_SKIP_CPUFREQ
# for the CPU governor, AFL_NO_AFFINITY leaves the shared machine's cores unbound.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
TARGET=${1:?usage: tests/fuzz/run.sh TARGET MINUTES}
MINUTES=${2:?usage: tests/fuzz/run.sh TARGET MINUTES}
case $TARGET in
  bgp) ASSEMBLY=L3Net.Bgp.dll ;;
  cni) ASSEMBLY=l3net.dll ;;
  resource) ASSEMBLY=L3Net.Model.dll ;;
  netlink) ASSEMBLY=L3Net.Netlink.dll ;;
  *) echo "unknown target '$TARGET' (bgp, cni, resource, netlink)" >&2; exit 2 ;;
esac
[[ $MINUTES =~ ^[1-9][0-9]*$ ]] || { echo "MINUTES must be a positive whole number" >&2; exit 2; }
command -v afl-fuzz >/dev/null || { echo "afl-fuzz is missing: ./l3net.sh deps installs afl++" >&2; exit 1; }

TOOLS=$ROOT/artifacts/tools
[ -x "$TOOLS/sharpfuzz" ] || dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$TOOLS" >/dev/null
WORK=$ROOT/artifacts/fuzz/$TARGET
rm -rf "$WORK"
# A copy of the build output, not a publish (the CNI project is NativeAOT, which a publish would make self-contained).
dotnet build tests/fuzz/Afl -c Release -v quiet --nologo
mkdir -p "$WORK"
cp -r tests/fuzz/Afl/bin/Release/net10.0 "$WORK/bin"
"$TOOLS/sharpfuzz" "$WORK/bin/$ASSEMBLY"

DICT=(); [ -f "tests/fuzz/corpus/$TARGET.dict" ] && DICT=(-x "tests/fuzz/corpus/$TARGET.dict")
SECONDS_TO_RUN=$((MINUTES * 60))
echo "==> fuzzing $TARGET ($ASSEMBLY instrumented) for $MINUTES minute(s); load $(cut -d' ' -f1-3 /proc/loadavg)"
AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 AFL_NO_UI=1 \
  timeout $((SECONDS_TO_RUN + 120)) afl-fuzz -i "tests/fuzz/corpus/$TARGET" -o "$WORK/out" "${DICT[@]}" -t 5000 -m none \
  -V "$SECONDS_TO_RUN" -- dotnet "$WORK/bin/l3net-fuzz.dll" "$TARGET" >"$WORK/afl.log" 2>&1 || {
    echo "afl-fuzz failed, last lines of $WORK/afl.log:" >&2; tail -20 "$WORK/afl.log" >&2; exit 1; }

STATS=$WORK/out/default/fuzzer_stats
stat() { sed -n "s/^$1 *: *//p" "$STATS"; }
RUN_TIME=$(($(stat last_update) - $(stat start_time)))
echo "target $TARGET: $(stat execs_done) executions in ${RUN_TIME}s, $((($(stat execs_done)) / (RUN_TIME > 0 ? RUN_TIME : 1))) exec/s" \
     "(AFL's last: $(stat execs_per_sec)), coverage $(stat edges_found) edges ($(stat bitmap_cvg) of the map), corpus $(stat corpus_count) inputs" \
     "($(stat corpus_found) found), crashes $(stat saved_crashes), hangs $(stat saved_hangs)"
for kind in crashes hangs; do
  for f in "$WORK/out/default/$kind"/id:*; do [ -e "$f" ] && echo "  $kind: $f"; done
done
[ "$(stat saved_crashes)" = 0 ] && [ "$(stat saved_hangs)" = 0 ]
