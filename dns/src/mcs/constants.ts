import { defaults } from "@isthmus/core/constants";

// Names from KEP-1645 (Multi-Cluster Services API) and the conventions we add.

/** apiVersion of ServiceExport and ServiceImport. */
export const mcsApiVersion = `${defaults.mcsGroup}/${defaults.mcsVersion}`;

/** Labels on imported EndpointSlices (KEP-1645) and Kubernetes' own slice labels. */
export const mcsLabels = Object.freeze({
  /** The ServiceImport an EndpointSlice belongs to. */
  serviceName: "multicluster.kubernetes.io/service-name",
  /** The cluster an EndpointSlice's endpoints come from. */
  sourceCluster: "multicluster.kubernetes.io/source-cluster",
  /** kube-proxy programs a slice for the Service named here (the derived VIP Service). */
  kubeServiceName: "kubernetes.io/service-name",
  /** Who manages a slice; the EndpointSlice controller leaves others' slices alone. */
  managedBy: "endpointslice.kubernetes.io/managed-by",
  /** Marks objects we derive from a ServiceImport (the VIP Service). */
  derivedFrom: "isthmus.io/derived-from",
});

/** Our value of `endpointslice.kubernetes.io/managed-by` (a label value: no "/"). */
export const managedByValue = "dns.isthmus.io";

/**
 * ServiceExport condition types: KEP-1645's, and ours: GlobalAddresses, False while the
 * cluster's global block has no address for the export (or some of its pods); absent otherwise.
 */
export const exportConditionTypes = Object.freeze({ valid: "Valid", ready: "Ready", conflict: "Conflict", globalAddresses: "GlobalAddresses" });

/** Standard reasons of the ServiceExport conditions (mcs-api). */
export const exportReasons = Object.freeze({
  valid: "Valid",
  noService: "NoService",
  invalidServiceType: "InvalidServiceType",
  ready: "Ready",
  pending: "Pending",
  failed: "Failed",
  noConflicts: "NoConflicts",
  portConflict: "PortConflict",
  typeConflict: "TypeConflict",
  /** Ours (docs/adr/0206): the cluster's global block has no address left for the export. */
  globalBlockExhausted: "GlobalBlockExhausted",
});

/** Suffix of the derived VIP Service's name (`<svc>-clusterset`, hashed when too long). */
export const derivedServiceSuffix = "clusterset";
