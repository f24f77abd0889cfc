import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { builtinLabStateDir, labUp, requireLab, workloadEntry, type LabPlan } from "@isthmus/lab";
import { defaults } from "@isthmus/core/constants";
import { errorMessage } from "@isthmus/core/errors";
import { CliError, type Command, type CommandIo, parseCommandArgs } from "../command.js";
import { openAdmin } from "../broker/admin.js";
import { connectCluster, type ClusterTarget } from "../kube/cluster.js";
import { labKubeconfigPath } from "../lab-bridge.js";
import { repoRoot } from "../manifests/components.js";
import { installPackages, missingPackages, requiredPackages } from "../demo/packages.js";
import { callFromClient, demoNamespace, deployClient, deployEcho } from "../demo/workloads.js";
import { createStepRunner, type StepRunner } from "../steps.js";
import { deployBroker } from "./deploy-broker.js";
import { exportService } from "./export.js";
import { joinCluster, renderGateways } from "./join.js";
import { showData } from "./show.js";
import { parseCableDriver } from "../join/validate.js";

const help = `Usage: npm run demo   (or: isthmus demo [options]), as root

The whole product in one command, on this machine: installs missing Debian packages, brings up
the lab (2 real Kubernetes clusters; the first run builds the Kubernetes binaries, which takes
a while), deploys the broker into c1, joins c1 and c2 with the CLI's own join, deploys an echo
service in c2 (namespace demo), exports it, calls http://echo.demo.svc.clusterset.local from a
pod in c1 and prints who answered and the connections. The lab stays up for you to explore.

Options:
  --cable-driver NAME   wireguard (default) or vxlan
  --state-dir DIR       Lab state directory (default /var/lib/isthmus-lab)
  --name-prefix PREFIX  Lab namespace prefix (default isthmus-lab-), for a second lab beside one
  --port-base N         First host port of the lab apiservers (default 16440)
  --skip-packages       Do not check the Debian packages

Exit codes: 0 the call succeeded, 1 a step failed (its log tail is printed), 2 usage.`;

interface DemoOptions {
  readonly cableDriver: "wireguard" | "vxlan";
  readonly stateDir?: string;
  readonly namePrefix?: string;
  readonly portBase?: number;
  readonly skipPackages: boolean;
}

function parseDemoArgs(args: readonly string[]): DemoOptions {
  const { values, positionals } = parseCommandArgs(args, {
    "cable-driver": { type: "string" }, "state-dir": { type: "string" }, "name-prefix": { type: "string" }, "port-base": { type: "string" }, "skip-packages": { type: "boolean" },
  });
  if (positionals.length > 0) throw new CliError("UsageError", `Unexpected argument "${positionals[0] ?? ""}"`);
  const portBase = values["port-base"] === undefined ? undefined : Number(values["port-base"]);
  if (portBase !== undefined && (!Number.isInteger(portBase) || portBase < 1024 || portBase > 65000)) throw new CliError("UsageError", `--port-base must be a port number from 1024 to 65000`);
  return {
    cableDriver: parseCableDriver(values["cable-driver"]),
    ...(values["state-dir"] === undefined ? {} : { stateDir: values["state-dir"] }),
    ...(values["name-prefix"] === undefined ? {} : { namePrefix: values["name-prefix"] }),
    ...(portBase === undefined ? {} : { portBase }),
    skipPackages: values["skip-packages"] === true,
  };
}

/** Log tails of the isthmus pods of a cluster, for a failed step. */
async function logTails(target: ClusterTarget): Promise<string> {
  const out: string[] = [];
  for (const namespace of [defaults.namespace, "isthmus-broker", demoNamespace]) {
    const pods = await target.kube.core.listNamespacedPod({ namespace }).catch(() => ({ items: [] }));
    for (const pod of pods.items) {
      const name = pod.metadata?.name ?? "";
      out.push(`--- ${target.name} ${namespace}/${name} on ${pod.spec?.nodeName ?? "-"}: ${pod.status?.phase ?? "?"}`);
      for (const c of pod.spec?.containers ?? []) {
        const log = await target.kube.core.readNamespacedPodLog({ namespace, name, container: c.name, tailLines: 15 }).catch((err: unknown) => `(no log: ${errorMessage(err)})`);
        out.push(...log.trimEnd().split("\n").map((l) => `    ${l}`));
      }
    }
  }
  return out.join("\n");
}

async function runDemo(options: DemoOptions, io: CommandIo): Promise<number> {
  if (process.getuid?.() !== 0) throw new CliError("Failed", "The demo builds network namespaces and runs real clusters: run it as root (in a root shell: npm run demo; with sudo: sudo npm run demo)");
  const steps: StepRunner = createStepRunner(io.stderr);
  const started = performance.now();
  if (!options.skipPackages) {
    const missing = await steps.step("check the Debian packages (.ci/debian-packages)", async () => missingPackages(await requiredPackages()), (m) => (m.length === 0 ? "all installed" : `missing ${m.join(", ")}`));
    if (missing.length > 0) await steps.step(`install ${missing.join(", ")}`, () => installPackages(missing, (l) => { steps.note(l); }));
  }
  const location = { ...(options.stateDir === undefined ? {} : { stateDir: options.stateDir }), ...(options.namePrefix === undefined ? {} : { namePrefix: options.namePrefix }), ...(options.portBase === undefined ? {} : { localPortBase: options.portBase }) };
  io.stderr.write("Bringing up the lab: 2 clusters x 2 nodes (the first run builds Kubernetes, etcd, CoreDNS and wireguard-go: several minutes)\n");
  await steps.step("lab up", () => labUp({ clusters: 2, nodesPerCluster: 2, ...location }, { env: io.env, onProgress: (line) => { steps.note(line); } }), (r) => (r.alreadyUp ? "already up, reusing it" : "up"));
  const { plan } = await requireLab(options.stateDir === undefined ? {} : { stateDir: options.stateDir });
  const env = { ...io.env, ISTHMUS_LAB_STATE_DIR: plan.stateDir };
  const cio: CommandIo = { ...io, env };
  const c1 = await connectCluster({ kubeconfig: labKubeconfigPath(plan, "c1") }, cio);
  const c2 = await connectCluster({ kubeconfig: labKubeconfigPath(plan, "c2") }, cio);
  const workDir = join(plan.stateDir, "demo");
  await mkdir(workDir, { recursive: true, mode: 0o700 });
  try {
    return await demoSteps({ plan, c1, c2, workDir, steps, io: cio, options, started });
  } catch (err) {
    io.stderr.write(`\nThe demo stopped: ${errorMessage(err)}\nLog tails:\n${await logTails(c1)}\n${await logTails(c2)}\n`);
    throw err;
  }
}

async function demoSteps(context: { plan: LabPlan; c1: ClusterTarget; c2: ClusterTarget; workDir: string; steps: StepRunner; io: CommandIo; options: DemoOptions; started: number }): Promise<number> {
  const { plan, c1, c2, steps, io } = context;
  const skipCni = plan.podNetwork !== "none";
  io.stderr.write("\n== deploy the broker into c1 ==\n");
  const broker = await deployBroker(c1, { tokenTtlSeconds: 86_400, tokenUses: 10, out: join(context.workDir, "broker-info.json"), io });
  const join1 = { brokerInfoFile: broker.infoFile, adminFile: broker.adminFile, cableDriver: context.options.cableDriver, publicIps: new Map<string, string>(), skipCni, waitTimeoutMs: 180_000 };
  io.stderr.write("\n== isthmus join c1 ==\n");
  await joinCluster(c1, { ...join1, clusterId: "c1" }, io);
  io.stderr.write("\n== isthmus join c2 ==\n");
  const gateways = await joinCluster(c2, { ...join1, clusterId: "c2" }, io);
  io.stderr.write("\n== a client in c1; an echo service in c2, exported ==\n");
  // MCS imports a service only into clusters that have its namespace: the client (and its
  // namespace) comes first, so c1 imports the export as soon as it is published.
  await steps.step("deploy a client pod in c1, namespace demo", () => deployClient(c1));
  await steps.step("deploy echo (Deployment + Service) in c2, namespace demo", () => deployEcho(c2));
  await steps.step("isthmus export service echo -n demo (c2)", () => exportService(c2, { name: "echo", namespace: demoNamespace }));
  const url = `http://echo.${demoNamespace}.svc.${defaults.dnsZone}/hello-from-c1`;
  const answer = await steps.step(`GET ${url} from c1/demo/client`, () => callFromClient({ stateDir: plan.stateDir, cluster: "c1", url, timeoutMs: 90_000 }));
  const conn = await openAdmin(broker.admin);
  let connections: string;
  try {
    connections = await showData("connections", conn, { format: "table", io });
  } finally {
    await conn.close();
  }
  const took = ((performance.now() - context.started) / 1000).toFixed(0);
  // A lab moved by --state-dir or ISTHMUS_LAB_STATE_DIR (which sudo would not pass on) is named in every hint.
  const at = plan.stateDir === builtinLabStateDir ? "" : ` --state-dir ${plan.stateDir}`;
  io.stdout.write([
    "",
    `The call from c1 was answered by pod ${answer.pod} on node ${answer.node} in cluster ${answer.cluster}`,
    `(namespace ${demoNamespace}, it saw the client as ${answer.client}, path ${answer.path}).`,
    "",
    "Gateways of c2:",
    renderGateways(gateways).trimEnd(),
    "",
    "isthmus show connections:",
    connections.trimEnd(),
    "",
    `Demo done in ${took} s. The lab is still running; explore it:`,
    `  kubectl --kubeconfig ${labKubeconfigPath(plan, "c1")} get pods -A -o wide`,
    `  kubectl --kubeconfig ${labKubeconfigPath(plan, "c2")} get serviceexports,gateways -A`,
    `  npx isthmus lab exec${at} c1/demo/client -- node ${join(repoRoot, workloadEntry)} http-get http://echo.demo.svc.clusterset.local/`,
    `  npx isthmus lab exec${at} c1/c1-n1 -- ip route        # the gateway node: c2's CIDRs go into isthmus-wg`,
    `  npx isthmus lab status${at}`,
    `  npx isthmus show clusters --broker-admin ${broker.adminFile}`,
    `  npx isthmus diagnose --kubeconfig ${labKubeconfigPath(plan, "c1")} --broker-admin ${broker.adminFile}`,
    `  npx isthmus verify --kubeconfig ${labKubeconfigPath(plan, "c1")} --kubeconfig ${labKubeconfigPath(plan, "c2")}`,
    "Tear it down:",
    `  npx isthmus lab down${at}`,
    "",
  ].join("\n"));
  return 0;
}

/** `isthmus demo`. */
export function createDemoCommand(): Command {
  return {
    name: "demo",
    help,
    run(args, io) {
      return runDemo(parseDemoArgs(args), io);
    },
  };
}
