#!/usr/bin/env python3
"""A raw BGP peer that records what a real speaker sends it: connects to HOST:179 from SOURCE, sends an OPEN with
the capabilities asked for, answers keepalives, and writes every message it receives (after the peer's OPEN) as one
seed file OUT/PREFIX-NN.bin: the fuzz target's option byte (bit 0 four-octet AS, bit 1 iBGP) followed by the
message, and OUT/PREFIX-session.bin: the whole session as the speaker reads it (option bit 2 set: the target cuts
it into two reads, the framer's path for a message split across reads). Stops at End-of-RIB for every family asked, or after --seconds."""
import argparse, os, socket, struct, time

p = argparse.ArgumentParser()
p.add_argument("--host", required=True)
p.add_argument("--source", required=True)
p.add_argument("--as", dest="asn", type=int, required=True)
p.add_argument("--ibgp", action="store_true")
p.add_argument("--four-octet", action="store_true")
p.add_argument("--ipv6", action="store_true", help="also offer IPv6 unicast")
p.add_argument("--out", required=True)
p.add_argument("--prefix", required=True)
p.add_argument("--seconds", type=float, default=15)
a = p.parse_args()

def message(kind, body):
    return b"\xff" * 16 + struct.pack("!HB", 19 + len(body), kind) + body

caps = b"\x01\x04\x00\x01\x00\x01" + b"\x02\x00"
if a.ipv6:
    caps += b"\x01\x04\x00\x02\x00\x01"
if a.four_octet:
    caps += b"\x41\x04" + struct.pack("!I", a.asn)
params = b"\x02" + bytes([len(caps)]) + caps
my_as = a.asn if a.asn < 65536 else 23456
open_body = struct.pack("!BHHIB", 4, my_as, 90, 0x0A0000FE, len(params)) + params

sock = socket.create_connection((a.host, 179), timeout=5, source_address=(a.source, 0))
sock.sendall(message(1, open_body))
options = (1 if a.four_octet else 0) | (2 if a.ibgp else 0)
buffer, count, pending, session = b"", 0, {1, 2} if a.ipv6 else {1}, b""
deadline = time.time() + a.seconds
os.makedirs(a.out, exist_ok=True)
while pending and time.time() < deadline:
    try:
        data = sock.recv(65536)
    except socket.timeout:
        continue
    if not data:
        break
    buffer += data
    while len(buffer) >= 19:
        length, kind = struct.unpack("!HB", buffer[16:19])
        if len(buffer) < length:
            break
        msg, buffer = buffer[:length], buffer[length:]
        body = msg[19:]
        if kind == 1:
            sock.sendall(message(4, b""))
        elif kind == 4:
            sock.sendall(message(4, b""))
        if kind == 3:
            raise SystemExit(f"peer sent NOTIFICATION {body.hex()}")
        if kind == 2:
            withdrawn = struct.unpack("!H", body[:2])[0]
            attributes = struct.unpack("!H", body[2 + withdrawn:4 + withdrawn])[0]
            if withdrawn == 0 and attributes == 0 and len(body) == 4:
                pending.discard(1)
            elif withdrawn == 0 and attributes == 6 and body[4:7] == b"\x80\x0f\x03":
                pending.discard(struct.unpack("!H", body[7:9])[0])
        if kind != 4:
            session += msg
            with open(os.path.join(a.out, f"{a.prefix}-{count:02d}.bin"), "wb") as f:
                f.write(bytes([options]) + msg)
            count += 1
with open(os.path.join(a.out, f"{a.prefix}-session.bin"), "wb") as f:
    f.write(bytes([options | 4]) + session)
print(f"{a.prefix}: {count} messages recorded, End-of-RIB missing for {sorted(pending) or 'none'}")
