/**
 * NetworkPolicy truth tables on the shared lab (c1, isthmus-cni): 3 namespaces × 3 echo pods on
 * two nodes, every ordered pair probed on TCP and UDP for each case, the expected matrices
 * written out by hand (`.` reached, `X` not, `-` the pod itself). Before a case the namespaces'
 * policies are deleted and every node is seen back at an empty table; after applying it, each
 * node is seen with the drop counters of the case's policies that select its pods (its
 * isthmus-node has applied them) and the pods' conntrack entries are forgotten before probing.
 * A cell expected open but probed closed is probed again (up to 3 rounds: a busy 2-core machine
 * can miss a reply); a cell expected closed but probed open fails at once. Cases that change
 * labels wait for the matrix itself (that is what propagates). SCTP is not probed: the kernel of
 * these machines has no SCTP (a socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP) fails with
 * EPROTONOSUPPORT, there is no /proc/net/sctp and no module to load); SCTP ports are compiled
 * and rendered like TCP and UDP ones and covered by the unit tests. ADR 0406.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labKubectl, waitFor } from "@isthmus/lab/testing";
import { requireLab } from "@isthmus/lab";
import { cluster, createTopology, deleteTopology, differences, forgetFlows, formatMatrix, matrix, namespaces, nsName, podIps, type PolicyCase, policyObjects, type Probed, probeAll, waitForCounters, wantedCounters } from "./fixture.js";

const all = matrix(`
   xa xb xc ya yb yc za zb zc
xa -  .  .  .  .  .  .  .  .
xb .  -  .  .  .  .  .  .  .
xc .  .  -  .  .  .  .  .  .
ya .  .  .  -  .  .  .  .  .
yb .  .  .  .  -  .  .  .  .
yc .  .  .  .  .  -  .  .  .
za .  .  .  .  .  .  -  .  .
zb .  .  .  .  .  .  .  -  .
zc .  .  .  .  .  .  .  .  -`);

/** Nothing reaches namespace x. */
const intoXClosed = matrix(`
   xa xb xc ya yb yc za zb zc
xa -  X  X  .  .  .  .  .  .
xb X  -  X  .  .  .  .  .  .
xc X  X  -  .  .  .  .  .  .
ya X  X  X  -  .  .  .  .  .
yb X  X  X  .  -  .  .  .  .
yc X  X  X  .  .  -  .  .  .
za X  X  X  .  .  .  -  .  .
zb X  X  X  .  .  .  .  -  .
zc X  X  X  .  .  .  .  .  -`);

/** Nothing leaves namespace x. */
const outOfXClosed = matrix(`
   xa xb xc ya yb yc za zb zc
xa -  X  X  X  X  X  X  X  X
xb X  -  X  X  X  X  X  X  X
xc X  X  -  X  X  X  X  X  X
ya .  .  .  -  .  .  .  .  .
yb .  .  .  .  -  .  .  .  .
yc .  .  .  .  .  -  .  .  .
za .  .  .  .  .  .  -  .  .
zb .  .  .  .  .  .  .  -  .
zc .  .  .  .  .  .  .  .  -`);

/** Only namespace y reaches namespace x. */
const intoXFromY = matrix(`
   xa xb xc ya yb yc za zb zc
xa -  X  X  .  .  .  .  .  .
xb X  -  X  .  .  .  .  .  .
xc X  X  -  .  .  .  .  .  .
ya .  .  .  -  .  .  .  .  .
yb .  .  .  .  -  .  .  .  .
yc .  .  .  .  .  -  .  .  .
za X  X  X  .  .  .  -  .  .
zb X  X  X  .  .  .  .  -  .
zc X  X  X  .  .  .  .  .  -`);

/** Only namespace z reaches namespace x. */
const intoXFromZ = matrix(`
   xa xb xc ya yb yc za zb zc
xa -  X  X  .  .  .  .  .  .
xb X  -  X  .  .  .  .  .  .
xc X  X  -  .  .  .  .  .  .
ya X  X  X  -  .  .  .  .  .
yb X  X  X  .  -  .  .  .  .
yc X  X  X  .  .  -  .  .  .
za .  .  .  .  .  .  -  .  .
zb .  .  .  .  .  .  .  -  .
zc .  .  .  .  .  .  .  .  -`);

/** Only pods on c1-n1 (a and c) reach x/a. */
const intoXaFromN1 = matrix(`
   xa xb xc ya yb yc za zb zc
xa -  .  .  .  .  .  .  .  .
xb X  -  .  .  .  .  .  .  .
xc .  .  -  .  .  .  .  .  .
ya .  .  .  -  .  .  .  .  .
yb X  .  .  .  -  .  .  .  .
yc .  .  .  .  .  -  .  .  .
za .  .  .  .  .  .  -  .  .
zb X  .  .  .  .  .  .  -  .
zc .  .  .  .  .  .  .  .  -`);

/** The b pods of every namespace reach x/a, nothing else does. */
const intoXaFromAnyB = matrix(`
   xa xb xc ya yb yc za zb zc
xa -  .  .  .  .  .  .  .  .
xb .  -  .  .  .  .  .  .  .
xc X  .  -  .  .  .  .  .  .
ya X  .  .  -  .  .  .  .  .
yb .  .  .  .  -  .  .  .  .
yc X  .  .  .  .  -  .  .  .
za X  .  .  .  .  .  -  .  .
zb .  .  .  .  .  .  .  -  .
zc X  .  .  .  .  .  .  .  -`);

interface Case extends PolicyCase {
  readonly want: Probed;
}

const both = (m: ReturnType<typeof matrix>): Probed => ({ tcp: m, udp: m });
const denyIngress = { podSelector: {}, policyTypes: ["Ingress"] };
let n1Cidr = "";
let n2Cidr = "";
let ips: string[] = [];

const cases: readonly Case[] = [
  { name: "no policy", policies: [], want: both(all) },
  { name: "deny-all ingress in x", policies: [{ ns: "x", name: "deny-in", spec: denyIngress }], want: both(intoXClosed) },
  { name: "deny-all egress in x", policies: [{ ns: "x", name: "deny-out", spec: { podSelector: {}, policyTypes: ["Egress"] } }], want: both(outOfXClosed) },
  { name: "deny-all then allow-all ingress in x", policies: [{ ns: "x", name: "deny-in", spec: denyIngress }, { ns: "x", name: "allow-in", spec: { podSelector: {}, ingress: [{}] } }], want: both(all) },
  { name: "allow from namespace y into x", policies: [{ ns: "x", name: "from-y", spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: "y" } } }] }] } }], want: both(intoXFromY) },
  {
    name: "allow into x/a from pods b of namespaces labelled ns=y (both selectors in one peer)",
    policies: [{ ns: "x", name: "yb-to-a", spec: { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: "y" } }, podSelector: { matchLabels: { pod: "b" } } }] }] } }],
    want: both(matrix(`
   xa xb xc ya yb yc za zb zc
xa -  .  .  .  .  .  .  .  .
xb X  -  .  .  .  .  .  .  .
xc X  .  -  .  .  .  .  .  .
ya X  .  .  -  .  .  .  .  .
yb .  .  .  .  -  .  .  .  .
yc X  .  .  .  .  -  .  .  .
za X  .  .  .  .  .  -  .  .
zb X  .  .  .  .  .  .  -  .
zc X  .  .  .  .  .  .  .  -`)),
  },
  {
    name: "allow into x/a from pods b of every namespace (empty namespaceSelector)",
    policies: [{ ns: "x", name: "any-b-to-a", spec: { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { pod: "b" } } }] }] } }],
    want: both(intoXaFromAnyB),
  },
  {
    name: "allow into x/a from pod b of its own namespace (podSelector alone)",
    policies: [{ ns: "x", name: "b-to-a", spec: { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: [{ podSelector: { matchLabels: { pod: "b" } } }] }] } }],
    want: both(matrix(`
   xa xb xc ya yb yc za zb zc
xa -  .  .  .  .  .  .  .  .
xb .  -  .  .  .  .  .  .  .
xc X  .  -  .  .  .  .  .  .
ya X  .  .  -  .  .  .  .  .
yb X  .  .  .  -  .  .  .  .
yc X  .  .  .  .  -  .  .  .
za X  .  .  .  .  .  -  .  .
zb X  .  .  .  .  .  .  -  .
zc X  .  .  .  .  .  .  .  -`)),
  },
  {
    name: "allow into x/a from an ipBlock with except (the cluster's pods but c1-n2's)",
    get policies() {
      return [{ ns: "x", name: "block", spec: { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: [{ ipBlock: { cidr: "10.1.0.0/16", except: [n2Cidr] } }] }] } }];
    },
    want: both(intoXaFromN1),
  },
  {
    name: "allow into x/a from pods labelled pod In (a, c) anywhere (matchExpressions)",
    policies: [{ ns: "x", name: "in-a-c", spec: { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchExpressions: [{ key: "pod", operator: "In", values: ["a", "c"] }] } }] }] } }],
    want: both(intoXaFromN1),
  },
  {
    name: "allow into x from namespaces ns NotIn (y)",
    policies: [{ ns: "x", name: "not-y", spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: "ns", operator: "NotIn", values: ["y"] }] } }] }] } }],
    want: both(matrix(`
   xa xb xc ya yb yc za zb zc
xa -  .  .  .  .  .  .  .  .
xb .  -  .  .  .  .  .  .  .
xc .  .  -  .  .  .  .  .  .
ya X  X  X  -  .  .  .  .  .
yb X  X  X  .  -  .  .  .  .
yc X  X  X  .  .  -  .  .  .
za .  .  .  .  .  .  -  .  .
zb .  .  .  .  .  .  .  -  .
zc .  .  .  .  .  .  .  .  -`)),
  },
  { name: "allow into x on the named port serve-tcp (TCP only)", policies: [{ ns: "x", name: "named-tcp", spec: { podSelector: {}, ingress: [{ ports: [{ port: "serve-tcp" }] }] } }], want: { tcp: all, udp: intoXClosed } },
  { name: "allow into x on the named port serve-udp (UDP)", policies: [{ ns: "x", name: "named-udp", spec: { podSelector: {}, ingress: [{ ports: [{ protocol: "UDP", port: "serve-udp" }] }] } }], want: { tcp: intoXClosed, udp: all } },
  { name: "allow into x on TCP 8000-8090 (endPort)", policies: [{ ns: "x", name: "range", spec: { podSelector: {}, ingress: [{ ports: [{ protocol: "TCP", port: 8000, endPort: 8090 }] }] } }], want: { tcp: all, udp: intoXClosed } },
  {
    name: "allow into x on ranges that miss 8080 (TCP 8081-8090, UDP 8000-8079)",
    policies: [{ ns: "x", name: "miss", spec: { podSelector: {}, ingress: [{ ports: [{ protocol: "TCP", port: 8081, endPort: 8090 }, { protocol: "UDP", port: 8000, endPort: 8079 }] }] } }],
    want: both(intoXClosed),
  },
  {
    name: "x may send DNS only (UDP and TCP 53)",
    policies: [{ ns: "x", name: "dns-only", spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] }] } }],
    want: both(outOfXClosed),
  },
  {
    name: "x may send to namespace z only",
    policies: [{ ns: "x", name: "to-z", spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: { matchLabels: { ns: "z" } } }] }] } }],
    want: both(matrix(`
   xa xb xc ya yb yc za zb zc
xa -  X  X  X  X  X  .  .  .
xb X  -  X  X  X  X  .  .  .
xc X  X  -  X  X  X  .  .  .
ya .  .  .  -  .  .  .  .  .
yb .  .  .  .  -  .  .  .  .
yc .  .  .  .  .  -  .  .  .
za .  .  .  .  .  .  -  .  .
zb .  .  .  .  .  .  .  -  .
zc .  .  .  .  .  .  .  .  -`)),
  },
  {
    name: "x may send to pod c of namespace y only",
    policies: [{ ns: "x", name: "to-yc", spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: { matchLabels: { ns: "y" } }, podSelector: { matchLabels: { pod: "c" } } }] }] } }],
    want: both(matrix(`
   xa xb xc ya yb yc za zb zc
xa -  X  X  X  X  .  X  X  X
xb X  -  X  X  X  .  X  X  X
xc X  X  -  X  X  .  X  X  X
ya .  .  .  -  .  .  .  .  .
yb .  .  .  .  -  .  .  .  .
yc .  .  .  .  .  -  .  .  .
za .  .  .  .  .  .  -  .  .
zb .  .  .  .  .  .  .  -  .
zc .  .  .  .  .  .  .  .  -`)),
  },
  {
    name: "x may send to an ipBlock with except (the cluster's pods but c1-n1's)",
    get policies() {
      return [{ ns: "x", name: "to-block", spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "10.1.0.0/16", except: [n1Cidr] } }] }] } }];
    },
    want: both(matrix(`
   xa xb xc ya yb yc za zb zc
xa -  .  X  X  .  X  X  .  X
xb X  -  X  X  .  X  X  .  X
xc X  .  -  X  .  X  X  .  X
ya .  .  .  -  .  .  .  .  .
yb .  .  .  .  -  .  .  .  .
yc .  .  .  .  .  -  .  .  .
za .  .  .  .  .  .  -  .  .
zb .  .  .  .  .  .  .  -  .
zc .  .  .  .  .  .  .  .  -`)),
  },
  {
    name: "two policies on x: y on TCP 8080, z on every UDP port",
    policies: [
      { ns: "x", name: "y-tcp", spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: "y" } } }], ports: [{ port: 8080 }] }] } },
      { ns: "x", name: "z-udp", spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: "z" } } }], ports: [{ protocol: "UDP" }] }] } },
    ],
    want: { tcp: intoXFromY, udp: intoXFromZ },
  },
  {
    name: "egress of x and ingress of y together: x may send to y only, y admits z only",
    policies: [
      { ns: "x", name: "to-y", spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: { matchLabels: { ns: "y" } } }] }] } },
      { ns: "y", name: "from-z", spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: "z" } } }] }] } },
    ],
    want: both(matrix(`
   xa xb xc ya yb yc za zb zc
xa -  X  X  X  X  X  X  X  X
xb X  -  X  X  X  X  X  X  X
xc X  X  -  X  X  X  X  X  X
ya .  .  .  -  X  X  .  .  .
yb .  .  .  X  -  X  .  .  .
yc .  .  .  X  X  -  .  .  .
za .  .  .  .  .  .  -  .  .
zb .  .  .  .  .  .  .  -  .
zc .  .  .  .  .  .  .  .  -`)),
  },
  {
    name: "deny-all ingress of x/a only",
    policies: [{ ns: "x", name: "deny-a", spec: { podSelector: { matchLabels: { pod: "a" } }, policyTypes: ["Ingress"] } }],
    want: both(matrix(`
   xa xb xc ya yb yc za zb zc
xa -  .  .  .  .  .  .  .  .
xb X  -  .  .  .  .  .  .  .
xc X  .  -  .  .  .  .  .  .
ya X  .  .  -  .  .  .  .  .
yb X  .  .  .  -  .  .  .  .
yc X  .  .  .  .  -  .  .  .
za X  .  .  .  .  .  -  .  .
zb X  .  .  .  .  .  .  -  .
zc X  .  .  .  .  .  .  .  -`)),
  },
  {
    name: "deny-all then allow-all egress in x",
    policies: [{ ns: "x", name: "deny-out", spec: { podSelector: {}, policyTypes: ["Egress"] } }, { ns: "x", name: "allow-out", spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{}] } }],
    want: both(all),
  },
  { name: "allow into x on UDP 8000-8090 (endPort on UDP)", policies: [{ ns: "x", name: "udp-range", spec: { podSelector: {}, ingress: [{ ports: [{ protocol: "UDP", port: 8000, endPort: 8090 }] }] } }], want: { tcp: intoXClosed, udp: all } },
  {
    name: "x may send DNS anywhere and TCP 8080 to namespace y (two egress rules)",
    policies: [{ ns: "x", name: "dns-and-y", spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] }, { to: [{ namespaceSelector: { matchLabels: { ns: "y" } } }], ports: [{ protocol: "TCP", port: 8080 }] }] } }],
    want: {
      tcp: matrix(`
   xa xb xc ya yb yc za zb zc
xa -  X  X  .  .  .  X  X  X
xb X  -  X  .  .  .  X  X  X
xc X  X  -  .  .  .  X  X  X
ya .  .  .  -  .  .  .  .  .
yb .  .  .  .  -  .  .  .  .
yc .  .  .  .  .  -  .  .  .
za .  .  .  .  .  .  -  .  .
zb .  .  .  .  .  .  .  -  .
zc .  .  .  .  .  .  .  .  -`),
      udp: outOfXClosed,
    },
  },
  {
    name: "into x/b from x/a's address (ipBlock /32) or namespace z, TCP only (two peers in one rule)",
    get policies() {
      return [{ ns: "x", name: "xa-or-z-to-b", spec: { podSelector: { matchLabels: { pod: "b" } }, ingress: [{ from: [{ ipBlock: { cidr: `${ips[0] ?? ""}/32` } }, { namespaceSelector: { matchLabels: { ns: "z" } } }], ports: [{ protocol: "TCP", port: 8080 }] }] } }];
    },
    want: {
      tcp: matrix(`
   xa xb xc ya yb yc za zb zc
xa -  .  .  .  .  .  .  .  .
xb .  -  .  .  .  .  .  .  .
xc .  X  -  .  .  .  .  .  .
ya .  X  .  -  .  .  .  .  .
yb .  X  .  .  -  .  .  .  .
yc .  X  .  .  .  -  .  .  .
za .  .  .  .  .  .  -  .  .
zb .  .  .  .  .  .  .  -  .
zc .  .  .  .  .  .  .  .  -`),
      udp: matrix(`
   xa xb xc ya yb yc za zb zc
xa -  X  .  .  .  .  .  .  .
xb .  -  .  .  .  .  .  .  .
xc .  X  -  .  .  .  .  .  .
ya .  X  .  -  .  .  .  .  .
yb .  X  .  .  -  .  .  .  .
yc .  X  .  .  .  -  .  .  .
za .  X  .  .  .  .  -  .  .
zb .  X  .  .  .  .  .  -  .
zc .  X  .  .  .  .  .  .  -`),
    },
  },
  {
    name: "deny-all egress of x/a and deny-all ingress of y/b (policies in two namespaces)",
    policies: [
      { ns: "x", name: "a-out", spec: { podSelector: { matchLabels: { pod: "a" } }, policyTypes: ["Egress"] } },
      { ns: "y", name: "b-in", spec: { podSelector: { matchLabels: { pod: "b" } }, policyTypes: ["Ingress"] } },
    ],
    want: both(matrix(`
   xa xb xc ya yb yc za zb zc
xa -  X  X  X  X  X  X  X  X
xb .  -  .  .  X  .  .  .  .
xc .  .  -  .  X  .  .  .  .
ya .  .  .  -  X  .  .  .  .
yb .  .  .  .  -  .  .  .  .
yc .  .  .  .  X  -  .  .  .
za .  .  .  .  X  .  -  .  .
zb .  .  .  .  X  .  .  -  .
zc .  .  .  .  X  .  .  .  -`)),
  },
  {
    name: "x may send to namespace z on the named port serve-udp only (egress named port)",
    policies: [{ ns: "x", name: "to-z-udp", spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: { matchLabels: { ns: "z" } } }], ports: [{ protocol: "UDP", port: "serve-udp" }] }] } }],
    want: {
      tcp: outOfXClosed,
      udp: matrix(`
   xa xb xc ya yb yc za zb zc
xa -  X  X  X  X  X  .  .  .
xb X  -  X  X  X  X  .  .  .
xc X  X  -  X  X  X  .  .  .
ya .  .  .  -  .  .  .  .  .
yb .  .  .  .  -  .  .  .  .
yc .  .  .  .  .  -  .  .  .
za .  .  .  .  .  .  -  .  .
zb .  .  .  .  .  .  .  -  .
zc .  .  .  .  .  .  .  .  -`),
    },
  },
  {
    name: "overlapping ipBlocks into x/a (the pod CIDR but c1-n2's, and c1-n1's again): one union",
    get policies() {
      return [{ ns: "x", name: "overlap", spec: { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: [{ ipBlock: { cidr: "10.1.0.0/16", except: [n2Cidr] } }, { ipBlock: { cidr: n1Cidr } }] }] } }];
    },
    want: both(intoXaFromN1),
  },
  {
    name: "into x from every pod of x only (empty podSelector in from)",
    policies: [{ ns: "x", name: "from-own", spec: { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] } }],
    want: both(matrix(`
   xa xb xc ya yb yc za zb zc
xa -  .  .  .  .  .  .  .  .
xb .  -  .  .  .  .  .  .  .
xc .  .  -  .  .  .  .  .  .
ya X  X  X  -  .  .  .  .  .
yb X  X  X  .  -  .  .  .  .
yc X  X  X  .  .  -  .  .  .
za X  X  X  .  .  .  -  .  .
zb X  X  X  .  .  .  .  -  .
zc X  X  X  .  .  .  .  .  -`)),
  },
];

async function clearPolicies(): Promise<void> {
  for (const ns of namespaces) await labKubectl(cluster, ["-n", nsName(ns), "delete", "networkpolicy", "--all", "--wait=true"]);
  await waitForCounters(new Map(), "no policy");
}

async function applyPolicies(c: Pick<Case, "name" | "policies">): Promise<void> {
  if (c.policies.length > 0) await labKubectl(cluster, ["apply", "-f", "-"], { input: JSON.stringify(policyObjects(c)) });
  await waitForCounters(wantedCounters(c), c.name);
  await forgetFlows(ips);
}

/** Probes until `want` (see the header for what is retried); fails with both matrices. */
async function expectProbed(want: Probed, what: string): Promise<void> {
  let got: Probed | undefined;
  let diff: string[] = [];
  for (let round = 1; round <= 3; round++) {
    got = await probeAll(ips);
    diff = differences(want, got);
    if (diff.length === 0 || diff.some((d) => d.includes("want X"))) break;
  }
  const shown = got === undefined ? "" : `\nTCP probed:\n${formatMatrix(got.tcp)}\nUDP probed:\n${formatMatrix(got.udp)}`;
  expect(diff, `${what}${shown}`).toEqual([]);
}

/** Probes until the matrix equals `want` or 30 s pass (for changes that propagate as labels). */
async function waitForProbed(want: Probed, what: string): Promise<void> {
  await waitFor(what, async () => (differences(want, await probeAll(ips)).length === 0 ? true : undefined), { timeoutMs: 30_000, intervalMs: 100 });
}

describe("NetworkPolicy truth tables (c1, 3 namespaces x 3 pods, TCP and UDP; no SCTP: this kernel has none)", () => {
  beforeAll(async () => {
    const { plan } = await requireLab();
    expect(plan.podNetwork).toBe("isthmus");
    await createTopology();
    ips = await podIps();
    const cidrOf = async (node: string): Promise<string> => (await labKubectl(cluster, ["get", "node", node, "-o", "jsonpath={.spec.podCIDR}"])).trim();
    n1Cidr = await cidrOf("c1-n1");
    n2Cidr = await cidrOf("c1-n2");
  });

  afterAll(async () => {
    await deleteTopology();
  });

  for (const c of cases) {
    it(c.name, async () => {
      await clearPolicies();
      await applyPolicies(c);
      await expectProbed(c.want, c.name);
    });
  }

  it("policy deleted: deny-all ingress in x, then deleted", async () => {
    await clearPolicies();
    await applyPolicies({ name: "deny-all ingress in x", policies: [{ ns: "x", name: "deny-in", spec: denyIngress }] });
    await expectProbed(both(intoXClosed), "deny-all ingress in x");
    await clearPolicies();
    await forgetFlows(ips);
    await expectProbed(both(all), "after the policy was deleted");
  });

  it("pod relabelled: y/c becomes pod=b and is admitted into x/a; back again, it is not", async () => {
    await clearPolicies();
    await applyPolicies({ name: "any-b-to-a", policies: [{ ns: "x", name: "any-b-to-a", spec: { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { pod: "b" } } }] }] } }] });
    await expectProbed(both(intoXaFromAnyB), "before the relabel");
    try {
      await labKubectl(cluster, ["-n", nsName("y"), "label", "pod", "c", "pod=b", "--overwrite"]);
      await waitForProbed(both(matrix(`
   xa xb xc ya yb yc za zb zc
xa -  .  .  .  .  .  .  .  .
xb .  -  .  .  .  .  .  .  .
xc X  .  -  .  .  .  .  .  .
ya X  .  .  -  .  .  .  .  .
yb .  .  .  .  -  .  .  .  .
yc .  .  .  .  .  -  .  .  .
za X  .  .  .  .  .  -  .  .
zb .  .  .  .  .  .  .  -  .
zc X  .  .  .  .  .  .  .  -`)), "y/c relabelled pod=b to be admitted");
    } finally {
      await labKubectl(cluster, ["-n", nsName("y"), "label", "pod", "c", "pod=c", "--overwrite"]);
    }
    await waitForProbed(both(intoXaFromAnyB), "y/c back to pod=c to be refused");
  });

  it("namespace relabelled: z gets team=blue and is admitted into x; label removed, it is not", async () => {
    await clearPolicies();
    await applyPolicies({ name: "from-blue", policies: [{ ns: "x", name: "from-blue", spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "blue" } } }] }] } }] });
    await expectProbed(both(intoXClosed), "before the relabel");
    try {
      await labKubectl(cluster, ["label", "namespace", nsName("z"), "team=blue", "--overwrite"]);
      await waitForProbed(both(intoXFromZ), "namespace z labelled team=blue to be admitted");
    } finally {
      await labKubectl(cluster, ["label", "namespace", nsName("z"), "team-"]);
    }
    await waitForProbed(both(intoXClosed), "namespace z without team=blue to be refused");
    await clearPolicies();
  });
});
