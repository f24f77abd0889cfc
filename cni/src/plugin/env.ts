import { CniError } from "./errors.js";

/** The CNI operations of spec 1.1.0. */
export type CniCommand = "ADD" | "DEL" | "CHECK" | "STATUS" | "VERSION" | "GC";

const commands: readonly CniCommand[] = ["ADD", "DEL", "CHECK", "STATUS", "VERSION", "GC"];

/** The `CNI_*` environment of one invocation, validated for its command. */
export interface CniEnvironment {
  /** CNI_COMMAND. */
  readonly command: CniCommand;
  /** CNI_CONTAINERID: required for ADD, DEL, CHECK. */
  readonly containerId: string;
  /** CNI_NETNS: a path; required for ADD and CHECK, optional for DEL (the namespace may be gone). */
  readonly netns: string;
  /** CNI_IFNAME: the interface name inside the container; required for ADD, DEL, CHECK. */
  readonly ifName: string;
  /** CNI_ARGS parsed as `K=V;K=V` (K8S_POD_NAMESPACE, K8S_POD_NAME, K8S_POD_UID, IgnoreUnknown). */
  readonly args: Readonly<Record<string, string>>;
  /** CNI_PATH split on ':' (unused by this plugin, which delegates to nothing). */
  readonly path: readonly string[];
}

const containerIdPattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const ifNamePattern = /^[^\s/:]{1,15}$/;

function required(env: Readonly<Record<string, string | undefined>>, name: string, command: CniCommand): string {
  const value = env[name];
  if (value === undefined || value === "") {
    throw new CniError("InvalidEnvironment", `${name} is required for ${command}: set it to ${describe(name)}`);
  }
  return value;
}

function describe(name: string): string {
  switch (name) {
    case "CNI_CONTAINERID":
      return "the container's id (letters, digits, '_', '.', '-')";
    case "CNI_NETNS":
      return "the path of the container's network namespace (e.g. /var/run/netns/<name>)";
    case "CNI_IFNAME":
      return "the interface name to create inside the container (e.g. eth0)";
    default:
      return "a value";
  }
}

/** Parses CNI_ARGS (`K=V;K=V`); a pair without '=' is an invalid environment (code 4). */
export function parseCniArgs(text: string): Record<string, string> {
  const args: Record<string, string> = {};
  for (const pair of text.split(";")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new CniError("InvalidEnvironment", `CNI_ARGS has a malformed pair ${JSON.stringify(pair)}: expected KEY=VALUE pairs separated by ';'`);
    args[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return args;
}

/**
 * Reads and validates the `CNI_*` variables for the command they name. Throws CniError
 * "InvalidEnvironment" (code 4) naming the variable and what it must hold.
 */
export function parseCniEnvironment(env: Readonly<Record<string, string | undefined>>): CniEnvironment {
  const raw = env.CNI_COMMAND ?? "";
  const command = commands.find((c) => c === raw);
  if (command === undefined) {
    throw new CniError("InvalidEnvironment", `CNI_COMMAND ${JSON.stringify(raw)} is not one of ${commands.join(", ")}`);
  }
  const attachment = command === "ADD" || command === "DEL" || command === "CHECK";
  const containerId = attachment ? required(env, "CNI_CONTAINERID", command) : (env.CNI_CONTAINERID ?? "");
  if (containerId !== "" && !containerIdPattern.test(containerId)) {
    throw new CniError("InvalidEnvironment", `CNI_CONTAINERID ${JSON.stringify(containerId)} is invalid: use ${describe("CNI_CONTAINERID")}`);
  }
  const netns = command === "ADD" || command === "CHECK" ? required(env, "CNI_NETNS", command) : (env.CNI_NETNS ?? "");
  const ifName = attachment ? required(env, "CNI_IFNAME", command) : (env.CNI_IFNAME ?? "");
  if (ifName !== "" && !ifNamePattern.test(ifName)) {
    throw new CniError("InvalidEnvironment", `CNI_IFNAME ${JSON.stringify(ifName)} is invalid: at most 15 characters, no whitespace, '/' or ':'`);
  }
  return {
    command,
    containerId,
    netns,
    ifName,
    args: parseCniArgs(env.CNI_ARGS ?? ""),
    path: (env.CNI_PATH ?? "").split(":").filter((p) => p !== ""),
  };
}
