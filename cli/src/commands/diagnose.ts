/**
 * `isthmus diagnose`: the help of both forms, and a dispatcher that loads the checks
 * (diagnose-checks.ts) or `diagnose policy` (diagnose-policy.ts) only when it runs, so that
 * `--help` loads neither the Kubernetes client nor gRPC (ADR 0704).
 */
import type { Command, CommandIo } from "../command.js";

const help = `Usage: isthmus diagnose [--kubeconfig FILE] [--context NAME] [--broker-admin FILE] [-o table|json|yaml]
       isthmus diagnose policy SRC DST [--kubeconfig FILE] [--context NAME] [-o table|json|yaml]

Without a verb: checks a joined cluster and the clusterset, each check with a remedy when it fails:
  broker reachability   the admin API answers; the cluster's last report is recent
  cidr overlaps         no two clusters' pod/service CIDRs overlap (unless both hold global blocks)
  kube-proxy mode       iptables, nftables or ipvs (the gateway routes ClusterIPs through it)
  mtu                   the tunnel device's MTU fits the underlay minus the cable's overhead
  firewall ports        every remote gateway is connected (UDP 51820 wireguard / 4790 vxlan open)
  clock skew            this machine and the apiserver agree within 5 s (certificates, leases)
  gateway leadership    the Lease has a live holder and exactly one Gateway is active
  egress gateways       every EgressGateway is Ready (else its reason and remedy); on a lab cluster
                        also the active node's egress address and SNAT and the pod nodes' steering
  global addresses      a cluster whose CIDRs overlap a member's holds a global block; the block has
                        a global IP for every export; on a lab cluster the active gateway's
                        translation (SNAT to the egress address, a DNAT per global IP and port)
  cni                   each node's CNI config as its route agent reports it (the Node annotation
                        isthmus.io/cni-config) and the CNI it names; warns when nodes disagree, a
                        node's config is missing or unreadable, or a node has no report
  cni masquerade        every node exempts traffic to and from remote CIDRs from the CNI's
                        masquerade (the route agent's keep_source chain; flannel's --ip-masq)
  pod mtu               a pod MTU above the path's (vx-isthmus, the cable device) has the active
                        gateway's TCP MSS clamp
  rp_filter             no strict reverse-path filter on tunnel or underlay devices
                        (these three read each node's route agent, /cni-state on port 9472, through
                        the API server's pod proxy; a node that does not answer is named in a warn)
Exit code 1 when a check fails, 0 when all pass or only warn.

policy: says whether the cluster's NetworkPolicies let a new flow from SRC to DST through, and
why: for egress the policies selecting the source pod, for ingress those selecting the
destination pod, each policy's rules with whether their peers and their ports match the flow. Replies of an
allowed flow always pass. The answer is computed by isthmus-node's own policy compiler from
the API's NetworkPolicies, Pods and Namespaces. Exit 0 with an answer (allowed or not), 1 when a
pod is not found, 2 on malformed arguments.
  SRC   NAMESPACE/POD, or an IPv4 address (e.g. a client outside the pod network)
  DST   NAMESPACE/POD:PORT[/PROTO] or IPV4:PORT[/PROTO]; PROTO is tcp (default), udp, sctp, or
        icmp (then without :PORT); a pod's PORT may be the name of one of its container ports.
        Name the backend pod, not a Service's ClusterIP (policies see the flow after kube-proxy).

Examples:
  isthmus diagnose --kubeconfig "$(isthmus lab kubeconfig c1)" --broker-admin broker-admin.json
  isthmus diagnose -o json
  isthmus diagnose policy shop/frontend shop/db:5432
  isthmus diagnose policy shop/frontend kube-system/coredns-0:dns/udp -o json
  isthmus diagnose policy 192.0.2.10 shop/web:http`;

async function run(args: readonly string[], io: CommandIo): Promise<number> {
  if (args[0] === "policy") return (await import("./diagnose-policy.js")).runDiagnosePolicy(args.slice(1), io);
  return (await import("./diagnose-checks.js")).runDiagnoseChecks(args, io);
}

/** `isthmus diagnose`. */
export function createDiagnoseCommand(): Command {
  return { name: "diagnose", help, run };
}
