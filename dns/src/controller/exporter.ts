import type { UnaddressedExport } from "@isthmus/core/brokerapi";
import { isIsthmusError } from "@isthmus/core/errors";
import { type ServiceExport } from "@isthmus/core/model";
import { type Logger } from "@isthmus/core/runtime";
import {
  buildExportRecord,
  exportConditionTypes,
  exportConditions,
  exportReasons,
  validateExport,
  type Condition,
  type EndpointSliceJson,
  type ExportValidation,
  type MergedService,
} from "../mcs/index.js";
import { mcsLabels } from "../mcs/index.js";
import type { McsKubeApi, ServiceExportResource } from "./kube-api.js";
import type { McsInformers } from "./informers.js";

// The local side of the MCS controller (leader only): for each ServiceExport key
// ("namespace/name") it validates the export against its Service, builds the broker record
// (ClusterSetIP: the cluster IP; Headless: the ready endpoints with hostnames from the Service's
// EndpointSlices), keeps the set of local records the publisher sends to the broker, and writes
// the export's Valid / Ready / Conflict conditions. The export's Service and slices map to the
// same key, so a change to any of them re-runs it. Withdrawal is the record leaving the set.
// The broker's answer to each publish names the exports its global block has no address for
// (docs/adr/0206): they get a GlobalAddresses condition and an Event, both cleared (with a
// Normal Event) once a later publish finds room.

/** Options of `createExporter`. */
export interface ExporterOptions {
  readonly clusterId: string;
  readonly informers: Pick<McsInformers, "exports" | "services" | "slices">;
  readonly api: Pick<McsKubeApi, "replaceExportStatus" | "recordExportEvent">;
  /** The clusterset's merged view of a service (for Ready and Conflict). */
  readonly merged: (namespace: string, name: string) => MergedService | undefined;
  /** Told when the set of local records changed (schedule a publish); must not throw. */
  readonly onRecordsChanged: () => void;
  readonly logger: Logger;
  /** Wall clock for condition times; default `() => new Date()`. */
  readonly now?: () => Date;
}

/** The local export reconciler. */
export interface Exporter {
  /** Makes the record and status of export `key` match the cluster; rejects to be retried. */
  reconcile(key: string): Promise<void>;
  /** The records of every valid local export, sorted by key (what the publisher sends). */
  records(): ServiceExport[];
  /** Keys of every local ServiceExport and every held record (for resync). */
  keys(): string[];
  /** Takes the broker's answer to a publish (the exports short of global IPs); returns the keys whose status may change. */
  setUnaddressed(unaddressed: readonly UnaddressedExport[]): string[];
}

/** Splits "namespace/name". */
export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf("/");
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** A time as RFC 3339 text, whether the cache holds text or a Date. */
export function toIsoTime(value: Date | string | undefined, fallback: Date): string {
  if (value === undefined) return fallback.toISOString();
  return (typeof value === "string" ? new Date(value) : value).toISOString();
}

const sameRecord = (a: ServiceExport | undefined, b: ServiceExport | undefined): boolean => JSON.stringify(a) === JSON.stringify(b);

const conditionKey = (c: Condition): string => `${c.type}|${c.status}|${c.reason}|${c.message}`;

/** True when both lists hold the same conditions (ignoring order and times). */
export function sameConditions(a: readonly Condition[], b: readonly Condition[]): boolean {
  return a.length === b.length && a.map(conditionKey).sort().join("\n") === b.map(conditionKey).sort().join("\n");
}

/** The Event for a GlobalAddresses condition that appeared or went away (none otherwise). */
export function globalEvent(previous: readonly Condition[], next: readonly Condition[]): { readonly type: "Normal" | "Warning"; readonly reason: string; readonly message: string } | undefined {
  const short = (conditions: readonly Condition[]): Condition | undefined => conditions.find((c) => c.type === exportConditionTypes.globalAddresses && c.status === "False");
  const before = short(previous);
  const after = short(next);
  if (after !== undefined && before === undefined) return { type: "Warning", reason: exportReasons.globalBlockExhausted, message: after.message };
  if (after === undefined && before !== undefined) return { type: "Normal", reason: "GlobalAddressesAllocated", message: "The export has every global IP it needs: the cluster's global block has room again" };
  return undefined;
}

/** Creates the exporter. */
export function createExporter(options: ExporterOptions): Exporter {
  const { informers } = options;
  const now = options.now ?? (() => new Date());
  const records = new Map<string, ServiceExport>();
  // The broker's word at the last publish (key → message); undefined before the first one.
  let unaddressed: ReadonlyMap<string, string> | undefined;
  const log = options.logger.child({ component: "exporter" });

  const setRecord = (key: string, record: ServiceExport | undefined): void => {
    if (sameRecord(records.get(key), record)) return;
    if (record === undefined) records.delete(key);
    else records.set(key, record);
    log.info({ key, exported: record !== undefined }, record === undefined ? "export withdrawn" : "export record changed");
    options.onRecordsChanged();
  };

  const evaluate = (key: string, se: ServiceExportResource): { validation: ExportValidation; record: ServiceExport | undefined } => {
    const { namespace, name } = splitKey(key);
    const service = informers.services.get(key);
    const validation = validateExport(service, { namespace, name });
    if (!validation.valid || service === undefined) return { validation, record: undefined };
    const slices: EndpointSliceJson[] = informers.slices.list(namespace).filter((s) => s.metadata?.labels?.[mcsLabels.kubeServiceName] === name);
    try {
      const createdAt = toIsoTime(se.metadata?.creationTimestamp, now());
      return { validation, record: buildExportRecord({ clusterId: options.clusterId, service, slices, createdAt }) };
    } catch (err) {
      if (!isIsthmusError(err)) throw err;
      return { validation: { valid: false, reason: "InvalidServiceType", message: err.message }, record: undefined };
    }
  };

  return {
    async reconcile(key) {
      const se = informers.exports.get(key);
      if (se === undefined || se.metadata?.deletionTimestamp !== undefined) {
        setRecord(key, undefined);
        return;
      }
      const { validation, record } = evaluate(key, se);
      setRecord(key, record);
      const { namespace, name } = splitKey(key);
      const previous = se.status?.conditions ?? [];
      const message = unaddressed?.get(key);
      const globalShortfall = unaddressed === undefined ? "unknown" : message === undefined ? undefined : { message };
      const conditions = exportConditions({
        validation, clusterId: options.clusterId, merged: options.merged(namespace, name), previous, now: now().toISOString(),
        ...(globalShortfall === undefined ? {} : { globalShortfall }),
      });
      if (sameConditions(previous, conditions)) return;
      await options.api.replaceExportStatus({ ...se, status: { ...se.status, conditions } });
      const event = globalEvent(previous, conditions);
      if (event === undefined) return;
      log.info({ key, reason: event.reason }, event.message);
      try {
        await options.api.recordExportEvent(se, event);
      } catch (err) {
        // An Event is a courtesy: the condition is written already and says the same.
        log.warn({ err, key, reason: event.reason }, "cannot record a ServiceExport event; its GlobalAddresses condition carries it");
      }
    },
    setUnaddressed(list) {
      const next = new Map(list.map((u) => [`${u.namespace}/${u.name}`, u.message]));
      const changed = [...new Set([...(unaddressed?.keys() ?? []), ...next.keys()])].filter((k) => unaddressed?.get(k) !== next.get(k));
      // The first answer settles every export that kept a condition from another leader.
      const settled = unaddressed === undefined ? [...records.keys()] : [];
      unaddressed = next;
      return [...new Set([...changed, ...settled])];
    },
    records: () => [...records.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, r]) => r),
    keys: () => [...new Set([...informers.exports.list().map((e) => `${e.metadata?.namespace ?? ""}/${e.metadata?.name ?? ""}`), ...records.keys()])],
  };
}
