/**
 * Applying and removing manifest objects: server-side apply with the field manager `isthmus`
 * (idempotent; `dryRun` for checks), deletion in reverse order that treats "not found" as done,
 * and waits for workloads to become ready.
 */
import type { KubernetesObject } from "@kubernetes/client-node";
import { errorMessage } from "@isthmus/core/errors";
import { httpStatusOf } from "@isthmus/core/kube";
import { CliError } from "../command.js";
import type { ManifestObject } from "../manifests/load.js";
import type { ClusterTarget } from "./cluster.js";

/** The field manager of everything the CLI applies. */
export const fieldManager = "isthmus";

const describe = (o: KubernetesObject): string => `${o.kind ?? "?"} ${o.metadata?.namespace === undefined ? "" : `${o.metadata.namespace}/`}${o.metadata?.name ?? "?"}`;

/** Server-side applies `objects` in order (with `dryRun`: the apiserver validates, nothing is stored). */
export async function applyObjects(target: ClusterTarget, objects: readonly ManifestObject[], options: { dryRun?: boolean } = {}): Promise<void> {
  for (const obj of objects) {
    const path = await target.raw.objectPath(obj);
    const query = `?fieldManager=${fieldManager}&force=true${options.dryRun === true ? "&dryRun=All" : ""}`;
    const { status, body } = await target.raw.send("PATCH", `${path}${query}`, { body: obj, contentType: "application/apply-patch+yaml" });
    if (status < 200 || status > 299) {
      const message = typeof body === "object" && body !== null && typeof (body as { message?: unknown }).message === "string" ? (body as { message: string }).message : JSON.stringify(body);
      throw new CliError("Failed", `Cannot apply ${describe(obj)} to ${target.name}: ${message}`);
    }
  }
}

/**
 * Deletes `objects` in reverse order (foreground); "not found" counts as deleted. Returns when
 * all of them are gone (a foreground delete only marks an object until the garbage collector
 * has removed its dependents; a Namespace waits for its content), at most 90 s. Returns how
 * many existed.
 */
export async function deleteObjects(target: ClusterTarget, objects: readonly KubernetesObject[]): Promise<number> {
  const deleted: KubernetesObject[] = [];
  for (const obj of [...objects].reverse()) {
    try {
      await target.objects.delete(obj, undefined, undefined, undefined, undefined, "Foreground");
      deleted.push(obj);
    } catch (err) {
      if (httpStatusOf(err) === 404) continue;
      throw new CliError("Failed", `Cannot delete ${describe(obj)} from ${target.name}: ${apiMessage(err)}`, { cause: err });
    }
  }
  const remaining = async (): Promise<KubernetesObject[]> => {
    const left: KubernetesObject[] = [];
    for (const obj of deleted) if (await objectExists(target, obj)) left.push(obj);
    return left;
  };
  if (deleted.length > 0) {
    await waitUntil(`${String(deleted.length)} deleted objects to be gone from ${target.name}`, async () => ((await remaining()).length === 0 ? true : undefined), {
      timeoutMs: 90_000,
      state: async () => `still there: ${(await remaining()).map(describe).join(", ")}`,
    });
  }
  return deleted.length;
}

/** True when the object exists. */
export async function objectExists(target: ClusterTarget, obj: KubernetesObject): Promise<boolean> {
  try {
    await target.objects.read({ apiVersion: obj.apiVersion ?? "v1", kind: obj.kind ?? "", metadata: { name: obj.metadata?.name ?? "", ...(obj.metadata?.namespace === undefined ? {} : { namespace: obj.metadata.namespace }) } });
    return true;
  } catch (err) {
    if (httpStatusOf(err) === 404) return false;
    throw new CliError("Failed", `Cannot read ${describe(obj)} in ${target.name}: ${apiMessage(err)}`, { cause: err });
  }
}

/** The apiserver's own message of a failed call (the Status body), else the error's message. */
export function apiMessage(err: unknown): string {
  const body = (err as { body?: unknown }).body;
  if (typeof body === "string") {
    try {
      const status = JSON.parse(body) as { message?: string };
      if (typeof status.message === "string") return status.message;
    } catch {
      return body;
    }
  }
  return errorMessage(err);
}

/** Polls `check` every `intervalMs` until it returns a value or `timeoutMs` passes; the timeout names `what` and the last state. */
export async function waitUntil<T>(what: string, check: () => Promise<T | undefined>, options: { timeoutMs: number; intervalMs?: number; state?: () => Promise<string> }): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = "";
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = errorMessage(err);
    }
    if (Date.now() > deadline) {
      const state = options.state === undefined ? lastError : await options.state().catch((err: unknown) => errorMessage(err));
      throw new CliError("Failed", `Timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${what}${state === "" ? "" : `:\n${state}`}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 500));
  }
}

/** Waits until every pod of a workload (by its selector labels) is Ready. */
export async function waitForWorkload(target: ClusterTarget, options: { namespace: string; labelSelector: string; what: string; timeoutMs: number; min?: number }): Promise<void> {
  await waitUntil(
    options.what,
    async () => {
      const pods = await target.kube.core.listNamespacedPod({ namespace: options.namespace, labelSelector: options.labelSelector });
      const ready = pods.items.filter((p) => p.metadata?.deletionTimestamp === undefined && p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true);
      return pods.items.length > 0 && ready.length === pods.items.filter((p) => p.metadata?.deletionTimestamp === undefined).length && ready.length >= (options.min ?? 1) ? true : undefined;
    },
    {
      timeoutMs: options.timeoutMs,
      state: async () => {
        const pods = await target.kube.core.listNamespacedPod({ namespace: options.namespace, labelSelector: options.labelSelector });
        return pods.items.map((p) => `  ${p.metadata?.name ?? ""} on ${p.spec?.nodeName ?? "-"}: ${p.status?.phase ?? "?"} ${(p.status?.containerStatuses ?? []).map((c) => c.state?.waiting?.reason ?? c.state?.terminated?.reason ?? (c.ready ? "ready" : "not ready")).join(",")}`).join("\n") || "  no pods";
      },
    },
  );
}
