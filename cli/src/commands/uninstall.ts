import { resolve } from "node:path";
import { CliError, type Command, type CommandIo, parseCommandArgs } from "../command.js";
import { openAdmin } from "../broker/admin.js";
import { readBrokerAdmin } from "../broker/info.js";
import { clusterOptions, connectCluster, type ClusterTarget } from "../kube/cluster.js";
import { readJoinState } from "../join/state.js";
import { uninstallJoin } from "../join/uninstall.js";
import { createStepRunner } from "../steps.js";

const help = `Usage: isthmus uninstall [--kubeconfig FILE] [--context NAME] [--broker-admin FILE]

Removes everything "isthmus join" installed in a cluster: stops the agents, runs their cleanup
on every node (tunnel and VXLAN devices, routes, nft tables, keys), deletes the objects the
agents made (Gateways, Leases, the broker certificate Secret, imported Services and
EndpointSlices), removes the clusterset.local block from CoreDNS, deletes the installed
manifests (objects that existed before join are kept) and the node labels join added. With
--broker-admin the cluster is also evicted from the broker (its records and certificates).

Examples:
  isthmus uninstall --kubeconfig "$(isthmus lab kubeconfig c2)" --broker-admin broker-admin.json`;

/** Uninstalls from `target` (shared by the command, the demo and tests); false when not joined. */
export async function uninstallCluster(target: ClusterTarget, options: { adminFile?: string; io: CommandIo }): Promise<boolean> {
  const steps = createStepRunner(options.io.stderr);
  const state = await steps.step(`read the join record of ${target.name}`, () => readJoinState(target), (s) => (s === undefined ? "not joined" : `cluster ${s.clusterId}`));
  if (state === undefined) return false;
  await uninstallJoin(target, state, steps);
  if (options.adminFile !== undefined) {
    const file = options.adminFile;
    await steps.step(`evict ${state.clusterId} from the broker`, async () => {
      const conn = await openAdmin(await readBrokerAdmin(file));
      try {
        return await conn.admin.evictCluster({ id: state.clusterId });
      } finally {
        await conn.close();
      }
    }, (r) => `${r.deleted} records, ${r.revokedCertificates} certificates`);
  }
  return true;
}

/** `isthmus uninstall`. */
export function createUninstallCommand(): Command {
  return {
    name: "uninstall",
    help,
    async run(args, io) {
      const { values, positionals } = parseCommandArgs(args, { ...clusterOptions, "broker-admin": { type: "string" } });
      if (positionals.length > 0) throw new CliError("UsageError", `Unexpected argument "${positionals[0] ?? ""}"`);
      const target = await connectCluster(values, io);
      const done = await uninstallCluster(target, { ...(values["broker-admin"] === undefined ? {} : { adminFile: resolve(values["broker-admin"]) }), io });
      io.stdout.write(done ? `${target.name}: uninstalled\n` : `${target.name}: nothing to uninstall (not joined with isthmus join)\n`);
      return 0;
    },
  };
}
