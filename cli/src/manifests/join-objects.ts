/**
 * The objects `isthmus join` writes besides the component manifests: Secret `isthmus-broker`
 * (read by every agent through core's membership module: address, ca.crt, token, cluster-id,
 * optional server-name) and ConfigMap `isthmus-gateway` (the cluster's CIDRs and cable driver,
 * read by deploy/gateway). The chart renders the same two objects from `join.*` values.
 */
import { defaults } from "@isthmus/core";
import type { ManifestObject } from "./load.js";

/** What a member cluster is told at join. */
export interface JoinSettings {
  readonly clusterId: string;
  /** `host:port` of the broker as the agents reach it. */
  readonly brokerAddress: string;
  /** The broker CA (PEM). */
  readonly brokerCa: string;
  /** A join token (secret). */
  readonly token: string;
  /** Name in the broker's certificate when it differs from the address host. */
  readonly serverName?: string;
  readonly podCidrs: readonly string[];
  readonly serviceCidrs: readonly string[];
  readonly cableDriver: string;
}

/** ConfigMap name of the gateway settings (deploy/gateway reads it). */
export const gatewayConfigMap = "isthmus-gateway";

const labels = { "app.kubernetes.io/part-of": "isthmus", "app.kubernetes.io/managed-by": "isthmus-cli" };

/** The Secret and ConfigMap for `settings`. */
export function joinObjects(settings: JoinSettings): ManifestObject[] {
  return [
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: defaults.brokerSecret, namespace: defaults.namespace, labels },
      type: "Opaque",
      stringData: {
        address: settings.brokerAddress,
        "ca.crt": settings.brokerCa,
        token: settings.token,
        "cluster-id": settings.clusterId,
        ...(settings.serverName === undefined ? {} : { "server-name": settings.serverName }),
      },
    },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: gatewayConfigMap, namespace: defaults.namespace, labels },
      data: {
        "pod-cidrs": settings.podCidrs.join(","),
        "service-cidrs": settings.serviceCidrs.join(","),
        "cable-driver": settings.cableDriver,
      },
    },
  ];
}

/** The chart template of the same two objects, from `.Values.join`. */
export function joinTemplate(): string {
  return [
    "{{- if .Values.join.clusterId }}",
    "---",
    "apiVersion: v1",
    "kind: Secret",
    "metadata:",
    `  name: ${defaults.brokerSecret}`,
    `  namespace: ${defaults.namespace}`,
    "  labels:",
    "    app.kubernetes.io/part-of: isthmus",
    "type: Opaque",
    "stringData:",
    "  address: {{ .Values.join.brokerAddress | quote }}",
    "  ca.crt: {{ .Values.join.brokerCa | quote }}",
    "  token: {{ .Values.join.token | quote }}",
    "  cluster-id: {{ .Values.join.clusterId | quote }}",
    "---",
    "apiVersion: v1",
    "kind: ConfigMap",
    "metadata:",
    `  name: ${gatewayConfigMap}`,
    `  namespace: ${defaults.namespace}`,
    "  labels:",
    "    app.kubernetes.io/part-of: isthmus",
    "data:",
    "  pod-cidrs: {{ .Values.join.podCidrs | quote }}",
    "  service-cidrs: {{ .Values.join.serviceCidrs | quote }}",
    "  cable-driver: {{ .Values.join.cableDriver | quote }}",
    "{{- end }}",
    "",
  ].join("\n");
}
