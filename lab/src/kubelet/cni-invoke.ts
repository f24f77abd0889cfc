import { spawn } from "node:child_process";
import { access, constants } from "node:fs/promises";
import { join } from "node:path";
import {
  buildPluginEnv,
  buildPluginStdin,
  CniError,
  hasCheck,
  parseCniResult,
  parsePluginError,
  type CniAttachment,
  type CniCommand,
  type CniNetworkList,
  type CniPluginConfig,
  type CniResult,
} from "./cni.js";

/** Where plugins are and how long one may run. */
export interface CniInvokeOptions {
  /** CNI_PATH: directories searched for plugin binaries, colon-separated. */
  readonly cniPath: string;
  /** Per-plugin deadline; default 30 s. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** Absolute path of plugin `type` in the first CNI_PATH directory that has it; CniError "PluginNotFound". */
export async function findPlugin(type: string, cniPath: string): Promise<string> {
  const dirs = cniPath.split(":").filter((d) => d !== "");
  for (const dir of dirs) {
    const candidate = join(dir, type);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory; the next one may have it (an error lists all of them below).
    }
  }
  throw new CniError("PluginNotFound", `CNI plugin "${type}" not found in ${dirs.join(", ")}`);
}

/** Runs one plugin and returns its stdout; throws CniError "PluginFailed" with its error object. */
async function invokePlugin(
  command: CniCommand,
  plugin: CniPluginConfig,
  stdin: string,
  options: CniInvokeOptions & { readonly attachment: CniAttachment },
): Promise<string> {
  const path = await findPlugin(plugin.type, options.cniPath);
  const env = { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", ...buildPluginEnv(command, options.attachment, options.cniPath) };
  return new Promise<string>((resolve, reject) => {
    const child = spawn(path, [], {
      env,
      stdio: ["pipe", "pipe", "pipe"],
      timeout: options.timeoutMs ?? 30_000,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => {
      reject(new CniError("PluginFailed", `CNI plugin ${plugin.type} ${command} could not run: ${e.message}`, { cause: e }));
    });
    child.on("close", (code, sig) => {
      const stdout = Buffer.concat(out).toString("utf8");
      if (code === 0) {
        resolve(stdout);
        return;
      }
      const pluginError = parsePluginError(stdout);
      const why = pluginError === undefined
        ? `exit ${code ?? sig ?? "?"}: ${Buffer.concat(err).toString("utf8").trim() || stdout.trim()}`
        : `code ${pluginError.code}: ${pluginError.msg}${pluginError.details === undefined ? "" : ` (${pluginError.details})`}`;
      reject(new CniError("PluginFailed", `CNI plugin ${plugin.type} ${command} failed with ${why}`, pluginError === undefined ? {} : { pluginError }));
    });
    child.stdin.on("error", () => {
      // The plugin exited before reading stdin; its exit status (handled in "close") says why.
    });
    child.stdin.end(stdin);
  });
}

/** ADD: runs every plugin in order, chaining `prevResult`; returns the last plugin's result. */
export async function addNetworkList(
  list: CniNetworkList,
  attachment: CniAttachment,
  options: CniInvokeOptions,
): Promise<CniResult> {
  let result: CniResult | undefined;
  for (const plugin of list.plugins) {
    const stdout = await invokePlugin("ADD", plugin, buildPluginStdin(list, plugin, result?.raw), { ...options, attachment });
    result = parseCniResult(stdout, plugin.type);
  }
  if (result === undefined) throw new CniError("InvalidConfig", `CNI config ${list.source} has no plugins`);
  return result;
}

/** DEL: runs every plugin in reverse order with the cached ADD result as `prevResult` (when known). */
export async function delNetworkList(
  list: CniNetworkList,
  attachment: CniAttachment,
  options: CniInvokeOptions & { readonly prevResult?: Readonly<Record<string, unknown>> },
): Promise<void> {
  for (const plugin of [...list.plugins].reverse()) {
    await invokePlugin("DEL", plugin, buildPluginStdin(list, plugin, options.prevResult), { ...options, attachment });
  }
}

/** CHECK: runs every plugin in order with the cached ADD result; a no-op before 0.4.0 or with disableCheck. */
export async function checkNetworkList(
  list: CniNetworkList,
  attachment: CniAttachment,
  options: CniInvokeOptions & { readonly prevResult: Readonly<Record<string, unknown>> },
): Promise<void> {
  if (list.disableCheck || !hasCheck(list.cniVersion)) return;
  for (const plugin of list.plugins) {
    await invokePlugin("CHECK", plugin, buildPluginStdin(list, plugin, options.prevResult), { ...options, attachment });
  }
}
