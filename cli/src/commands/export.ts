import { defaults } from "@isthmus/core/constants";
import { httpStatusOf } from "@isthmus/core/kube";
import { CliError, type Command, type CommandIo, parseCommandArgs } from "../command.js";
import { apiMessage, waitUntil } from "../kube/apply.js";
import { clusterOptions, connectCluster, type ClusterTarget } from "../kube/cluster.js";

const exportHelp = `Usage: isthmus export service NAME -n NAMESPACE [--kubeconfig FILE] [--context NAME]

Exports a Service to the clusterset (creates its ServiceExport, multicluster.x-k8s.io): every
joined cluster can then reach it as NAME.NAMESPACE.svc.clusterset.local. Waits until the
export is valid and prints its conditions.

Examples:
  isthmus export service echo -n demo --kubeconfig "$(isthmus lab kubeconfig c2)"`;

const unexportHelp = `Usage: isthmus unexport service NAME -n NAMESPACE [--kubeconfig FILE] [--context NAME]

Withdraws a Service from the clusterset (deletes its ServiceExport).`;

const plural = "serviceexports";

function parse(args: readonly string[]): { name: string; namespace: string; values: { kubeconfig?: string | undefined; context?: string | undefined } } {
  const { values, positionals } = parseCommandArgs(args, { ...clusterOptions, namespace: { type: "string", short: "n" } });
  const [kind, name, ...extra] = positionals;
  if (kind !== "service" || name === undefined || extra.length > 0) throw new CliError("UsageError", "Expected: service NAME -n NAMESPACE");
  return { name, namespace: values.namespace ?? "default", values };
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

/** Creates the ServiceExport (idempotent) and waits for its Valid condition; returns the conditions. */
export async function exportService(target: ClusterTarget, options: { name: string; namespace: string; timeoutMs?: number }): Promise<Condition[]> {
  try {
    await target.kube.core.readNamespacedService({ namespace: options.namespace, name: options.name });
  } catch (err) {
    if (httpStatusOf(err) === 404) throw new CliError("Failed", `Service ${options.namespace}/${options.name} does not exist in ${target.name}`);
    throw err;
  }
  const body = { apiVersion: `${defaults.mcsGroup}/${defaults.mcsVersion}`, kind: "ServiceExport", metadata: { name: options.name, namespace: options.namespace } };
  try {
    await target.custom.createNamespacedCustomObject({ group: defaults.mcsGroup, version: defaults.mcsVersion, namespace: options.namespace, plural, body });
  } catch (err) {
    if (httpStatusOf(err) !== 409) throw new CliError("Failed", `Cannot export ${options.namespace}/${options.name} in ${target.name}: ${apiMessage(err)}`, { cause: err });
  }
  return waitUntil(`the export of ${options.namespace}/${options.name} to be valid`, async () => {
    const obj = (await target.custom.getNamespacedCustomObject({ group: defaults.mcsGroup, version: defaults.mcsVersion, namespace: options.namespace, plural, name: options.name })) as { status?: { conditions?: Condition[] } };
    const conditions = obj.status?.conditions ?? [];
    const valid = conditions.find((c) => c.type === "Valid");
    if (valid?.status === "False") throw new CliError("Failed", `The export is not valid: ${valid.reason ?? ""} ${valid.message ?? ""}`);
    return valid?.status === "True" ? conditions : undefined;
  }, { timeoutMs: options.timeoutMs ?? 60_000 });
}

async function runExport(args: readonly string[], io: CommandIo): Promise<number> {
  const { name, namespace, values } = parse(args);
  const target = await connectCluster(values, io);
  const conditions = await exportService(target, { name, namespace });
  io.stdout.write(`exported ${namespace}/${name} from ${target.name} as ${name}.${namespace}.svc.${defaults.dnsZone}\n`);
  for (const c of conditions) io.stdout.write(`  ${c.type ?? ""}=${c.status ?? ""} ${c.reason ?? ""}${c.message === undefined ? "" : `: ${c.message}`}\n`);
  return 0;
}

async function runUnexport(args: readonly string[], io: CommandIo): Promise<number> {
  const { name, namespace, values } = parse(args);
  const target = await connectCluster(values, io);
  try {
    await target.custom.deleteNamespacedCustomObject({ group: defaults.mcsGroup, version: defaults.mcsVersion, namespace, plural, name });
  } catch (err) {
    if (httpStatusOf(err) === 404) throw new CliError("Failed", `${namespace}/${name} is not exported from ${target.name}`);
    throw new CliError("Failed", `Cannot unexport ${namespace}/${name}: ${apiMessage(err)}`, { cause: err });
  }
  io.stdout.write(`unexported ${namespace}/${name} from ${target.name}\n`);
  return 0;
}

/** `isthmus export service`. */
export function createExportCommand(): Command {
  return { name: "export", help: exportHelp, run: runExport };
}

/** `isthmus unexport service`. */
export function createUnexportCommand(): Command {
  return { name: "unexport", help: unexportHelp, run: runUnexport };
}
