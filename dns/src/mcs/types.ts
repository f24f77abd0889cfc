import type { ServiceExportType, ServicePort } from "@isthmus/core/model";

/** A metav1.Condition as we write it (times as RFC 3339 text). */
export interface Condition {
  readonly type: string;
  readonly status: "True" | "False" | "Unknown";
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
}

/** Object metadata fields the MCS logic reads and writes. */
export interface ObjectMeta {
  readonly name: string;
  readonly namespace: string;
  readonly uid?: string;
  readonly creationTimestamp?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly ownerReferences?: readonly OwnerReference[];
}

/** A metav1.OwnerReference. */
export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  readonly controller?: boolean;
  readonly blockOwnerDeletion?: boolean;
}

/** A port of a ServiceImport (KEP-1645 `ServicePort`). */
export interface ImportPort {
  readonly name?: string;
  readonly protocol: "TCP" | "UDP" | "SCTP";
  readonly appProtocol?: string;
  readonly port: number;
}

/** The ServiceImport custom resource (multicluster.x-k8s.io/v1alpha1). */
export interface ServiceImportObject {
  readonly apiVersion: string;
  readonly kind: "ServiceImport";
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly type: ServiceExportType;
    readonly ports: readonly ImportPort[];
    readonly ips?: readonly string[];
    readonly sessionAffinity: "None" | "ClientIP";
  };
  readonly status: { readonly clusters: readonly { readonly cluster: string }[] };
}

/** Converts a model port to an import port (drops nothing, adds nothing). */
export function toImportPort(port: ServicePort): ImportPort {
  return {
    ...(port.name === undefined ? {} : { name: port.name }),
    protocol: port.protocol,
    ...(port.appProtocol === undefined ? {} : { appProtocol: port.appProtocol }),
    port: port.port,
  };
}
