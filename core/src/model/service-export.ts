import { z } from "zod";
import { clusterIdSchema } from "./cluster-id.js";
import { parseModel } from "./errors.js";
import { dnsLabelSchema, serviceNameSchema } from "./names.js";
import { ipAddressSchema, portSchema, timestampSchema } from "./primitives.js";

/** Transport protocols of a service port, as in Kubernetes. */
export const portProtocols = ["TCP", "UDP", "SCTP"] as const;
/** A transport protocol (see `portProtocols`). */
export type PortProtocol = (typeof portProtocols)[number];

/** MCS service types: one virtual IP for the clusterset, or per-pod records. */
export const serviceExportTypes = ["ClusterSetIP", "Headless"] as const;
/** An MCS service type (see `serviceExportTypes`). */
export type ServiceExportType = (typeof serviceExportTypes)[number];

/** One port of an exported service. */
export const servicePortSchema = z.strictObject({
  /** The port's name (RFC 1123 label); required when the service has more than one port. */
  name: dnsLabelSchema.optional(),
  /** The port number. */
  port: portSchema,
  /** The transport protocol. */
  protocol: z.enum(portProtocols),
  /** The application protocol hint (e.g. "http", "kubernetes.io/h2c"), as in a Service port. */
  appProtocol: z.string().min(1).max(256).optional(),
});
/** One port of an exported service (see `servicePortSchema`). */
export type ServicePort = z.output<typeof servicePortSchema>;

/** One backend of a headless export: a pod's addresses, hostname and readiness. */
export const serviceEndpointSchema = z.strictObject({
  /** The pod's addresses; at least one. */
  addresses: z.array(ipAddressSchema).min(1, { error: "at least one address is required" }),
  /** The pod's hostname, giving `<hostname>.<clusterid>.<svc>.<ns>.svc.clusterset.local`. */
  hostname: dnsLabelSchema.optional(),
  /** Whether the backend is ready to serve (only ready ones get DNS records). */
  ready: z.boolean(),
  /** The pod's address in its cluster's global block, set by the broker (docs/adr/0206). */
  globalIp: ipAddressSchema.optional(),
});
/** One backend of a headless export (see `serviceEndpointSchema`). */
export type ServiceEndpoint = z.output<typeof serviceEndpointSchema>;

const exportBase = {
  /** The exporting cluster. */
  clusterId: clusterIdSchema,
  /** The Service's namespace. */
  namespace: dnsLabelSchema,
  /** The Service's name. */
  name: serviceNameSchema,
  /** The Service's ports. */
  ports: z.array(servicePortSchema),
  /** When the ServiceExport was created (the oldest export wins conflicts, KEP-1645). */
  createdAt: timestampSchema,
};

/**
 * A service exported by one cluster: a ClusterSetIP export carries the service's cluster IP
 * (when it has one yet) and, from a cluster with a global block, its global IP; a Headless
 * export carries its endpoints.
 */
export const serviceExportSchema = z
  .discriminatedUnion("type", [
    z.strictObject({
      ...exportBase,
      type: z.literal("ClusterSetIP"),
      clusterIp: ipAddressSchema.optional(),
      /** The service's address in its cluster's global block, set by the broker (docs/adr/0206). */
      globalIp: ipAddressSchema.optional(),
    }),
    z.strictObject({ ...exportBase, type: z.literal("Headless"), endpoints: z.array(serviceEndpointSchema) }),
  ])
  .superRefine((record, ctx) => {
    checkPorts(record.ports, ctx);
  });

function checkPorts(ports: readonly ServicePort[], ctx: z.RefinementCtx): void {
  const seenNames = new Set<string>();
  const seenPorts = new Set<string>();
  ports.forEach((port, index) => {
    if (ports.length > 1 && port.name === undefined) {
      ctx.addIssue({ code: "custom", path: ["ports", index, "name"], message: "is required when a service has more than one port" });
    }
    if (port.name !== undefined) {
      if (seenNames.has(port.name)) {
        ctx.addIssue({ code: "custom", path: ["ports", index, "name"], message: `"${port.name}" is used by another port` });
      }
      seenNames.add(port.name);
    }
    const key = `${port.port}/${port.protocol}`;
    if (seenPorts.has(key)) {
      ctx.addIssue({ code: "custom", path: ["ports", index], message: `${key} is listed more than once` });
    }
    seenPorts.add(key);
  });
}

/** A service export record (see `serviceExportSchema`). */
export type ServiceExport = z.output<typeof serviceExportSchema>;

/** Parses a service export record; throws ModelError "InvalidServiceExport" listing every problem. */
export function parseServiceExport(input: unknown): ServiceExport {
  return parseModel(serviceExportSchema, input, { code: "InvalidServiceExport", what: "service export" });
}
