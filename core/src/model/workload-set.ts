import { z } from "zod";
import { clusterIdSchema } from "./cluster-id.js";
import { parseModel } from "./errors.js";
import { dnsLabelSchema, dnsSubdomainSchema, labelsSchema } from "./names.js";
import { ipAddressSchema } from "./primitives.js";

/**
 * Most pods one WorkloadSet (one namespace of one cluster) may carry: about 300 bytes each with
 * a few labels, so a full set is ~600 KB, well inside a gRPC message and a Kubernetes object.
 */
export const maxWorkloadPods = 2_000;

/** One pod of a shared namespace: its name, IPv4 address and labels. */
export const workloadPodSchema = z.strictObject({
  /** The pod's name. */
  name: dnsSubdomainSchema,
  /** status.podIP; IPv4 (the pod network is IPv4). */
  ip: ipAddressSchema.refine((ip) => !ip.includes(":"), { error: "must be an IPv4 address" }),
  /** The pod's labels. */
  labels: labelsSchema,
});
/** One pod of a shared namespace (see `workloadPodSchema`). */
export type WorkloadPod = z.output<typeof workloadPodSchema>;

/**
 * The pods of one namespace of one cluster with their labels, and the namespace's labels: what
 * network policies of other clusters select by label (docs/adr/0406). Names and addresses are
 * unique within the set.
 */
export const workloadSetSchema = z
  .strictObject({
    /** The cluster the pods run in. */
    clusterId: clusterIdSchema,
    /** The namespace. */
    namespace: dnsLabelSchema,
    /** The namespace's labels (for namespaceSelector). */
    namespaceLabels: labelsSchema,
    /** The namespace's pods that have an address and are not on the host network. */
    pods: z.array(workloadPodSchema).max(maxWorkloadPods, { error: `at most ${String(maxWorkloadPods)} pods per namespace` }),
  })
  .superRefine((set, ctx) => {
    const names = new Set<string>();
    const ips = new Set<string>();
    set.pods.forEach((pod, index) => {
      if (names.has(pod.name)) ctx.addIssue({ code: "custom", path: ["pods", index, "name"], message: `"${pod.name}" is listed more than once` });
      if (ips.has(pod.ip)) ctx.addIssue({ code: "custom", path: ["pods", index, "ip"], message: `${pod.ip} is listed more than once` });
      names.add(pod.name);
      ips.add(pod.ip);
    });
  });
/** A workload set record (see `workloadSetSchema`). */
export type WorkloadSet = z.output<typeof workloadSetSchema>;

/** Parses a workload set; throws ModelError "InvalidWorkloadSet" listing every problem. */
export function parseWorkloadSet(input: unknown): WorkloadSet {
  return parseModel(workloadSetSchema, input, { code: "InvalidWorkloadSet", what: "workload set" });
}
