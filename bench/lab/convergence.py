#!/usr/bin/env python3
"""Convergence of a running lab: time from a pod's CNI ADD (invoked exactly as the lab does: the node's conflist,
CNI_* env, inside the node namespace) until a pod on another node gets a ping answer from it. Each probe pod is
deleted again (CNI DEL). Usage: bench/lab/convergence.py [LAB_NAME] [ROUNDS]  (after `l3netctl lab up`)."""
import json, os, subprocess, sys, time, uuid

name = sys.argv[1] if len(sys.argv) > 1 else "l3lab"
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
state = json.load(open(f"/var/run/l3net-lab/{name}/lab.json"))
nodes = state["nodes"]
source = next(p for p in state["pods"] if p["node"] != nodes[-1]["name"])  # pings from another node
target = nodes[-1]

def cni(command, ns, cid, pod):
    conflist = json.load(open(os.path.join(target["dir"], "10-l3net.conflist")))
    plugin = dict(conflist["plugins"][0], name=conflist["name"], cniVersion=conflist["cniVersion"])
    env = dict(os.environ, CNI_COMMAND=command, CNI_CONTAINERID=cid, CNI_NETNS=f"/var/run/netns/{ns}",
               CNI_IFNAME="eth0", CNI_PATH=os.path.dirname(state["cniBinary"]),
               CNI_ARGS=f"IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME={pod}")
    r = subprocess.run(["ip", "netns", "exec", target["namespace"], state["cniBinary"]], input=json.dumps(plugin),
                       env=env, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        sys.exit(f"CNI {command} failed: {r.stdout}{r.stderr}")
    return r.stdout

results = []
for i in range(rounds):
    pod, cid = f"bench-{i}", uuid.uuid4().hex
    ns = f"{name}-{pod}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        start = time.monotonic()
        address = json.loads(cni("ADD", ns, cid, pod))["ips"][0]["address"].split("/")[0]
        added = time.monotonic()
        deadline = added + 30  # bounded: at most 30 s of one-packet pings, 50 ms apart
        while time.monotonic() < deadline:
            if subprocess.run(["ip", "netns", "exec", source["namespace"], "ping", "-c1", "-W0.05", "-n", address],
                              capture_output=True).returncode == 0:
                break
            time.sleep(0.05)
        else:
            sys.exit(f"{address} never became reachable from {source['name']}")
        done = time.monotonic()
        results.append((added - start, done - start))
        print(f"{pod} {address} on {target['name']}: ADD {1000*(added-start):.0f} ms, reachable from {source['name']} after {1000*(done-start):.0f} ms")
        cni("DEL", ns, cid, pod)
    finally:
        subprocess.run(["ip", "netns", "delete", ns])
adds = sorted(r[0] for r in results); reach = sorted(r[1] for r in results)
print(f"median: ADD {1000*adds[len(adds)//2]:.0f} ms, ADD -> reachable {1000*reach[len(reach)//2]:.0f} ms (n={len(results)})")
