#!/usr/bin/env python3
"""Records what the real kernel answers on an rtnetlink socket in the calling namespace: one seed file per datagram,
OUT/PREFIX-WHAT-NN.bin, the fuzz target's option byte (parser: 0 links, 1 addresses, 2 routes, 3 neighbours; bit 2
for a dump) followed by the datagram. Also one refused request (a route through a missing interface), whose
NLMSG_ERROR carries the kernel's extended-ack text."""
import argparse, os, socket, struct

p = argparse.ArgumentParser()
p.add_argument("--out", required=True)
p.add_argument("--prefix", required=True)
a = p.parse_args()
os.makedirs(a.out, exist_ok=True)

SOL_NETLINK, NETLINK_CAP_ACK, NETLINK_EXT_ACK = 270, 10, 11
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP, NLM_F_CREATE, NLM_F_EXCL = 1, 4, 0x300, 0x400, 0x200
NLMSG_ERROR, NLMSG_DONE = 2, 3
sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
sock.bind((0, 0))
seq = 1000

def request(kind, flags, payload):
    global seq
    seq += 1
    sock.send(struct.pack("=IHHII", 16 + len(payload), kind, flags, seq, 0) + payload)

def record(name, option):
    count = 0
    while True:
        data = sock.recv(1 << 20)
        with open(os.path.join(a.out, f"{a.prefix}-{name}-{count:02d}.bin"), "wb") as f:
            f.write(bytes([option]) + data)
        count += 1
        # Finished when the datagram ends with NLMSG_DONE or an NLMSG_ERROR (the ack or the refusal).
        pos, last = 0, None
        while pos + 16 <= len(data):
            length, kind = struct.unpack_from("=IH", data, pos)
            last = kind
            pos += (length + 3) & ~3
        if last in (NLMSG_DONE, NLMSG_ERROR):
            return count

ifinfo = struct.pack("=BBHiII", 0, 0, 0, 0, 0, 0)
ifaddr = struct.pack("=BBBBi", 0, 0, 0, 0, 0)
ndmsg = struct.pack("=BBHiHBB", 0, 0, 0, 0, 0, 0, 0)
total = 0
for name, kind, option, payload in [("links", 18, 0, ifinfo), ("addresses", 22, 1, ifaddr),
                                    ("routes4", 26, 2, struct.pack("=BBBBBBBBI", socket.AF_INET, 0, 0, 0, 0, 0, 0, 0, 0)),
                                    ("routes6", 26, 2, struct.pack("=BBBBBBBBI", socket.AF_INET6, 0, 0, 0, 0, 0, 0, 0, 0)),
                                    ("neighbours", 30, 3, ndmsg)]:
    request(kind, NLM_F_REQUEST | NLM_F_DUMP, payload)
    total += record(name, option | 4)
# RTM_NEWROUTE 10.99.0.0/24 via interface index 9999 (absent): refused with ENODEV and an extended ack.
rtmsg = struct.pack("=BBBBBBBBI", socket.AF_INET, 24, 0, 0, 254, 80, 0, 1, 0)
attrs = struct.pack("=HH4s", 8, 1, socket.inet_aton("10.99.0.0")) + struct.pack("=HHi", 8, 4, 9999)
request(24, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, rtmsg + attrs)
total += record("refused", 2)
print(f"{a.prefix}: {total} datagrams recorded")
