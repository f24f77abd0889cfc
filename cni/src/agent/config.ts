import { parseCidr } from "@isthmus/core/net";
import { z } from "zod";
import { CniError } from "../plugin/errors.js";
import { vxlanModes } from "./overlay-plan.js";

const schema = z.strictObject({
  nodeName: z.string().min(1, "set --node-name or NODE_NAME"),
  kubeconfig: z.string().startsWith("/").optional(),
  cniBinDir: z.string().startsWith("/").default("/opt/cni/bin"),
  cniConfDir: z.string().startsWith("/").default("/etc/cni/net.d"),
  dataDir: z.string().startsWith("/").default("/var/lib/cni/isthmus"),
  socketPath: z.string().startsWith("/").default("/run/isthmus/cni.sock"),
  clusterCidrs: z.array(z.string().refine((c) => { try { parseCidr(c); return true; } catch { return false; } }, "must be a CIDR such as 10.96.0.0/12")).default([]),
  vxlanMode: z.enum(vxlanModes, { error: `must be one of ${vxlanModes.join(", ")}` }).default("always"),
  /** Prometheus metrics and /healthz port (0 = off) and address. */
  metricsPort: z.coerce.number().int().min(0).max(65_535).default(9473),
  metricsHost: z.string().min(1).default("0.0.0.0"),
  logLevel: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  uninstall: z.boolean().default(false),
});

/** The agent's configuration, parsed once in main from flags and NODE_NAME. */
export type AgentConfig = Readonly<z.infer<typeof schema>>;

const flags: Readonly<Record<string, keyof z.input<typeof schema>>> = {
  "--node-name": "nodeName",
  "--kubeconfig": "kubeconfig",
  "--cni-bin-dir": "cniBinDir",
  "--cni-conf-dir": "cniConfDir",
  "--data-dir": "dataDir",
  "--socket": "socketPath",
  "--cluster-cidr": "clusterCidrs",
  "--vxlan-mode": "vxlanMode",
  "--metrics-port": "metricsPort",
  "--metrics-host": "metricsHost",
  "--log-level": "logLevel",
};

/** Usage text for errors. */
export const agentUsage = `isthmus-node [--node-name NAME] [--kubeconfig PATH] [--cni-bin-dir DIR] [--cni-conf-dir DIR] [--data-dir DIR] [--socket PATH] [--cluster-cidr CIDR]... [--vxlan-mode always|cross-subnet] [--metrics-port PORT] [--metrics-host ADDR] [--log-level LEVEL] [--uninstall]`;

/** Parses argv (without node and script) and the environment; throws CniError "InvalidConfig" naming the flag. */
export function parseAgentConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): AgentConfig {
  const raw: Record<string, unknown> = { clusterCidrs: [] as string[] };
  if (env.NODE_NAME !== undefined) raw.nodeName = env.NODE_NAME;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--uninstall") {
      raw.uninstall = true;
      continue;
    }
    const [flag = "", inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const key = flags[flag];
    if (key === undefined) throw new CniError("InvalidConfig", `Unknown argument ${JSON.stringify(arg)}; usage: ${agentUsage}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new CniError("InvalidConfig", `${flag} needs a value; usage: ${agentUsage}`);
    if (key === "clusterCidrs") (raw.clusterCidrs as string[]).push(value);
    else raw[key] = value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CniError("InvalidConfig", `Invalid isthmus-node configuration: ${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`);
  }
  return Object.freeze(parsed.data);
}
