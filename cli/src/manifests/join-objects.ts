/**
 * The objects `isthmus join` writes besides the component manifests: Secret `isthmus-broker`
 * (read by every agent through core's membership module: address, ca.crt, token, cluster-id,
 * optional server-name) and ConfigMap `isthmus-gateway` (the cluster's CIDRs, the global
 * addressing it asks for and the cable driver, read by deploy/gateway). The chart renders the same two objects from `join.*` values.
 */
import { dumpYaml } from "@kubernetes/client-node";
import { defaults } from "@isthmus/core/constants";
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
  /** Global addressing to ask for (docs/adr/0206): "auto", "/N" or a CIDR; "" or absent: none. */
  readonly globalCidr?: string;
}

/** ConfigMap name of the gateway settings (deploy/gateway reads it). */
export const gatewayConfigMap = "isthmus-gateway";

const labels = { "app.kubernetes.io/part-of": "isthmus" };

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
        "global-cidr": settings.globalCidr ?? "",
      },
    },
  ];
}

/** The chart template of the same two objects, from `.Values.join` (the fields above, as strings). */
export function joinTemplate(): string {
  const value = (key: keyof JoinSettings): string => `ISTHMUS_JOIN_${key}`;
  const objects = joinObjects({
    clusterId: value("clusterId"),
    brokerAddress: value("brokerAddress"),
    brokerCa: value("brokerCa"),
    token: value("token"),
    serverName: value("serverName"),
    podCidrs: [value("podCidrs")],
    serviceCidrs: [value("serviceCidrs")],
    cableDriver: value("cableDriver"),
    globalCidr: value("globalCidr"),
  });
  const text = objects
    .map((o) => `---\n${dumpYaml(o)}`)
    .join("")
    .replace(/^( *)server-name: ISTHMUS_JOIN_serverName$/m, (_all, indent: string) => `${indent}{{- with .Values.join.serverName }}\n${indent}server-name: {{ . | quote }}\n${indent}{{- end }}`)
    .replace(/ISTHMUS_JOIN_(\w+)/g, (_all, key: string) => `{{ .Values.join.${key} | quote }}`);
  return `{{- if .Values.join.clusterId }}\n${text}{{- end }}\n`;
}
