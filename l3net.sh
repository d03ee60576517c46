#!/usr/bin/env bash
# L3Net's one entry point. Run as root on Debian 12.
#   ./l3net.sh lab     build, install what is missing, start the 3-node BIRD top-of-rack lab, show it working
#   ./l3net.sh test    install what the tests need, build, run every test project, print the pass/fail summary
#   ./l3net.sh deps | build | lab-down
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
BIN=$ROOT/artifacts/bin

# Debian packages the lab and the tests use (real peers, datastore, runtime, dataplane tools).
# gcc + libc6-dev: the NativeAOT link of the CNI plugin (the ILCompiler drives clang, else gcc, with binutils' ld and
# objcopy; zlib comes inside the runtime pack). prometheus: its promtool validates the node's /metrics page in the e2e
# tests (the server itself never starts: policy-rc.d below).
# afl++: the coverage-guided fuzzer tests/fuzz/run.sh drives.
PACKAGES=(bird2 frr gobgpd etcd-server etcd-client openssl iptables ipset iproute2 iputils-ping iperf3 tcpdump
          containernetworking-plugins podman runc busybox-static procps psmisc python3 gcc libc6-dev
          prometheus afl++)

deps() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "==> installing: ${missing[*]}"
    # The packaged daemons (bird, frr, gobgpd, etcd) must not start in the root namespace: the lab and the
    # tests run their own inside namespaces. policy-rc.d answering 101 tells the installer not to start them.
    local own_policy=
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; own_policy=1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    [ -z "$own_policy" ] || rm -f /usr/sbin/policy-rc.d
  fi
}

build() {
  echo "==> building"
  dotnet restore L3Net.sln -v quiet
  # The CNI plugin is exec'd once per pod: NativeAOT (src/Cni/L3Net.Cni.csproj), in its own folder with the
  # libe_sqlite3.so it loads, apart from the framework-dependent programs published next to it.
  # l3net-node runs the plugin's code for handed-off invocations, so its publish brings the plugin's framework-dependent
  # l3net launcher along: it goes first, the symlinks removed (it would write through them), and the symlinks replace it.
  rm -f "$BIN/l3net" "$BIN/l3net-ipam"
  dotnet publish src/Node -c Release -o "$BIN" -v quiet --nologo
  dotnet publish src/Cli -c Release -o "$BIN" -v quiet --nologo
  dotnet publish src/Cni -c Release -o "$BIN/cni" -v quiet --nologo
  ln -sf cni/l3net "$BIN/l3net"
  ln -sf cni/l3net "$BIN/l3net-ipam"
}

run_tests() {
  local results=$ROOT/artifacts/test-results rc=0
  rm -rf "$results"
  dotnet build L3Net.sln -c Release -v quiet --nologo
  for project in tests/*/*.csproj; do
    grep -q 'Include="xunit.v3.mtp-off"' "$project" || continue  # test helpers and worker programs, not test projects
    local name
    name=$(basename "$project" .csproj)
    echo "==> $name"
    dotnet test "$project" -c Release --no-build --nologo --results-directory "$results" \
      --logger "trx;LogFileName=$name.trx" --blame-hang-timeout 10m || rc=$?
    grep -q '<Counters total="[1-9]' "$results/$name.trx" 2>/dev/null || { echo "$name ran no test"; rc=1; }
  done
  summarize "$results" "$rc"
}

# One closing line over every test project: "tests: N passed, N failed, N skipped".
# Under CI=true a skipped test fails the run: CI must prove the network tests, not skip them.
summarize() {
  local results=$1 rc=$2 passed=0 failed=0 total=0 executed=0
  for trx in "$results"/*.trx; do
    [ -f "$trx" ] || continue
    local counters
    counters=$(grep -o '<Counters [^>]*>' "$trx")
    total=$((total + $(sed -E 's/.* total="([0-9]+)".*/\1/' <<<"$counters")))
    executed=$((executed + $(sed -E 's/.* executed="([0-9]+)".*/\1/' <<<"$counters")))
    passed=$((passed + $(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")))
    failed=$((failed + $(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")))
  done
  local skipped=$((total - executed))
  if [ "${CI:-}" = "true" ] && [ "$skipped" -gt 0 ]; then
    echo "CI=true and $skipped test(s) were skipped: a CI run must run every test"; rc=1
  fi
  echo "tests: $passed passed, $failed failed, $skipped skipped"
  return "$rc"
}

lab() {
  deps
  build
  "$BIN/l3netctl" lab up "$@"
}

case "${1:-}" in
  lab) shift; lab "$@" ;;
  lab-down) "$BIN/l3netctl" lab down ;;
  test) deps; run_tests ;;
  deps) deps ;;
  build) build ;;
  *) sed -n '2,5p' "$0"; exit 2 ;;
esac
