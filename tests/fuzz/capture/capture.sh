#!/usr/bin/env bash
# Records the seed corpora of the fuzz targets from real parts (run as root, on a machine with `./l3net.sh deps`):
#   bgp      (or one of bird, frr, gobgp) the OPENs and UPDATEs that BIRD, FRR and GoBGP send a raw peer (bgp_peer.py) in a namespace
#   netlink  the dump replies the real kernel sends for links, addresses, routes and neighbours (netlink_dump.py)
# Writes into tests/fuzz/corpus/; everything runs in namespaces of its own, removed on exit.
set -euo pipefail
cd "$(dirname "$0")"
HERE=$PWD
CORPUS=$HERE/../corpus
NS=l3fz-cap-$$
WORK=$(mktemp -d /tmp/l3fz-cap-XXXXXX)
chmod 0777 "$WORK"
PIDS=()

cleanup() {
  stop_all
  for ns in "$NS" "$NS-c"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

in_ns() { ip netns exec "$NS" "$@"; }
ip netns add "$NS"
in_ns ip link set lo up
# A fabric-side link (a veth pair: the dummy module may be missing) with an IPv4 subnet and an IPv6 next hop for BIRD.
in_ns ip link add fab0 type veth peer name fab1
in_ns ip link set fab0 up
in_ns ip link set fab1 up
in_ns ip addr add 192.0.2.1/24 dev fab0
in_ns ip addr add 2001:db8::1/64 dev fab0 nodad

wait_port() { for _ in $(seq 50); do in_ns ss -ltn | grep -q ":${1:-179} " && return 0; sleep 0.2; done; echo "no listener on ${1:-179}" >&2; cat "$WORK"/*.log >&2; return 1; }
# Daemons are started with `ip netns exec` (which execs them), so $! is the daemon itself; stopped by their pids.
daemon() { ip netns exec "$NS" "$@" & PIDS+=($!); }
stop_all() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do timeout 10 tail --pid="$pid" -f /dev/null || kill -9 "$pid" 2>/dev/null || true; done
  PIDS=()
}
peer() { in_ns timeout 30 python3 "$HERE/bgp_peer.py" --host 127.0.0.1 --out "$CORPUS/bgp" "$@"; }

capture_bird() {
  cat >"$WORK/bird.conf" <<CONF
log stderr all;
router id 10.0.0.1;
protocol device {}
protocol static s4 {
  ipv4;
  route 10.244.0.0/26 blackhole;
  route 10.244.1.0/26 blackhole { bgp_community.add((64512,100)); bgp_community.add((65535,65281)); bgp_large_community.add((64512,1,2)); bgp_med = 50; };
  route 10.244.2.128/25 blackhole { bgp_origin = ORIGIN_INCOMPLETE; bgp_ext_community.add((rt, 64512, 7)); };
  route 198.51.100.0/24 blackhole { bgp_path.prepend(65010); bgp_path.prepend(4200000010); };
}
protocol static s6 { ipv6; route fd00:244::/122 blackhole; route fd00:244:0:1::/64 blackhole { bgp_community.add((64512,200)); }; }
# eBGP from a four-octet AS to a peer that does not announce four-octet AS: AS_TRANS and AS4_PATH.
protocol bgp peer_two_octet {
  local 127.0.0.1 as 4200000000; neighbor 127.0.0.2 as 65001; multihop; passive;
  ipv4 { import none; export all; next hop self; };
  ipv6 { import none; export all; next hop address 2001:db8::1; };
}
# iBGP with four-octet AS: LOCAL_PREF, and MP_REACH_NLRI for IPv6.
protocol bgp peer_ibgp {
  local 127.0.0.1 as 64512; neighbor 127.0.0.3 as 64512; multihop; passive;
  ipv4 { import none; export all; next hop self; };
  ipv6 { import none; export all; next hop address 2001:db8::1; };
}
CONF
  daemon bird -f -c "$WORK/bird.conf" -s "$WORK/bird.ctl" 2>"$WORK/bird.log"
  wait_port
  sleep 1
  peer --source 127.0.0.2 --as 65001 --ipv6 --prefix bird-ebgp-2octet
  peer --source 127.0.0.3 --as 64512 --ibgp --four-octet --ipv6 --prefix bird-ibgp
  stop_all
}

capture_frr() {
  cat >"$WORK/bgpd.conf" <<CONF
hostname fuzzcap
router bgp 64512
 bgp router-id 10.0.0.2
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 127.0.0.2 remote-as 65001
 neighbor 127.0.0.2 ebgp-multihop 2
 neighbor 127.0.0.2 passive
 neighbor 127.0.0.3 remote-as 64512
 neighbor 127.0.0.3 passive
 address-family ipv4 unicast
  network 10.244.0.0/26
  network 10.244.1.0/26 route-map TAGS
  neighbor 127.0.0.2 route-map TAGS out
 exit-address-family
 address-family ipv6 unicast
  network fd00:244::/122
  neighbor 127.0.0.2 activate
  neighbor 127.0.0.3 activate
 exit-address-family
route-map TAGS permit 10
 set community 64512:100 no-export
 set large-community 64512:1:2
 set metric 50
 set origin incomplete
CONF
  echo "hostname zebra" >"$WORK/zebra.conf"
  local common=(-z "$WORK/zserv.api" --vty_socket "$WORK" -P 0 --log stdout)
  daemon /usr/lib/frr/zebra -f "$WORK/zebra.conf" -i "$WORK/zebra.pid" "${common[@]}" >"$WORK/zebra.log" 2>&1
  for _ in $(seq 50); do [ -e "$WORK/zserv.api" ] && break; sleep 0.2; done
  daemon /usr/lib/frr/bgpd -f "$WORK/bgpd.conf" -i "$WORK/bgpd.pid" "${common[@]}" -n >"$WORK/bgpd.log" 2>&1
  wait_port
  sleep 2
  peer --source 127.0.0.2 --as 65001 --four-octet --ipv6 --prefix frr-ebgp
  peer --source 127.0.0.3 --as 64512 --ibgp --four-octet --ipv6 --prefix frr-ibgp
  stop_all
}

capture_gobgp() {
  cat >"$WORK/gobgpd.toml" <<CONF
[global.config]
  as = 64512
  router-id = "10.0.0.3"
  local-address-list = ["127.0.0.1"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "127.0.0.2"
    peer-as = 65001
  [neighbors.ebgp-multihop.config]
    enabled = true
    multihop-ttl = 2
  [neighbors.transport.config]
    passive-mode = true
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
CONF
  daemon gobgpd -f "$WORK/gobgpd.toml" -t toml --api-hosts 127.0.0.1:50051 >"$WORK/gobgpd.log" 2>&1
  wait_port
  wait_port 50051
  local g=(gobgp -u 127.0.0.1 -p 50051 global rib)
  in_ns "${g[@]}" add 10.244.0.0/26 -a ipv4
  in_ns "${g[@]}" add 10.244.1.0/26 -a ipv4 community 64512:100 large-community 64512:1:2 med 50 origin incomplete
  in_ns "${g[@]}" add 10.244.3.0/24 -a ipv4 aspath 65020,65021 aggregator 65020:10.0.0.9
  in_ns "${g[@]}" add fd00:244::/122 -a ipv6 nexthop 2001:db8::1
  sleep 1
  peer --source 127.0.0.2 --as 65001 --four-octet --ipv6 --prefix gobgp-ebgp
  stop_all
}

capture_netlink() {
  # A pod-like setup in a second namespace: a veth with addresses, a /32 route, a blackhole, a multipath route, a proxy
  # neighbour and a permanent neighbour, so the dumps hold every attribute the parsers read.
  local c=$NS-c
  ip netns add "$c"
  in_ns ip link add cali0fuzz type veth peer name eth0 netns "$c"
  in_ns ip link set cali0fuzz up
  ip netns exec "$c" ip link set lo up
  ip netns exec "$c" ip link set eth0 up
  ip netns exec "$c" ip addr add 10.244.0.5/32 dev eth0
  ip netns exec "$c" ip -6 addr add fd00:244::5/128 dev eth0 nodad
  ip netns exec "$c" ip route add 169.254.1.1 dev eth0 scope link
  ip netns exec "$c" ip route add default via 169.254.1.1 dev eth0
  in_ns ip route add 10.244.0.5/32 dev cali0fuzz scope link proto 80
  in_ns ip route add blackhole 10.244.0.0/26 proto 80
  in_ns ip route add 10.250.0.0/24 proto 80 nexthop via 192.0.2.2 dev fab0 nexthop via 192.0.2.3 dev fab0 onlink
  in_ns ip -6 route add fd00:250::/64 via 2001:db8::2 dev fab0 proto 80
  in_ns ip neigh add 192.0.2.2 lladdr 02:00:00:00:00:02 dev fab0 nud permanent
  in_ns ip neigh add proxy 10.244.0.9 dev cali0fuzz
  in_ns ip -6 neigh add 2001:db8::2 lladdr 02:00:00:00:00:03 dev fab0 nud permanent
  in_ns python3 "$HERE/netlink_dump.py" --out "$CORPUS/netlink" --prefix host
  ip netns exec "$c" python3 "$HERE/netlink_dump.py" --out "$CORPUS/netlink" --prefix pod
}

mkdir -p "$CORPUS/bgp" "$CORPUS/netlink"
for what in "${@:-bgp netlink}"; do
  for w in $what; do
    case $w in
      bgp) capture_bird; capture_frr; capture_gobgp ;;
      bird|frr|gobgp) "capture_$w" ;;
      netlink) capture_netlink ;;
      *) echo "usage: capture.sh [bgp|bird|frr|gobgp] [netlink]" >&2; exit 2 ;;
    esac
  done
done
