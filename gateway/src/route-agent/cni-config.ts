/**
 * The CNI config the container runtime uses on this node (issue #18, ADR 0408), read from the
 * node's CNI config directory (the DaemonSet mounts /etc/cni/net.d read-only at the same path) so
 * that `isthmus join` and `isthmus diagnose` can name the CNI from the API (cni-annotation.ts).
 *
 * Which file: the lexically first `*.conf`, `*.conflist` or `*.json` (directories skipped). That
 * is containerd's rule: go-cni `loadFromConfDir` (opts.go) lists libcni `ConfFiles(dir, [".conf",
 * ".conflist", ".json"])`, `sort.Strings` them and takes the first as the default network; a
 * `.conflist` is a list, any other file one plugin (wrapped into a list), and an invalid first
 * file fails the load. CRI-O (ocicni `loadNetworks`) lists and orders the same files but skips an
 * invalid one and takes the next. Either way the first file is what to report, and an invalid
 * one is reported as unreadable with why: containerd then runs no pods, CRI-O another network.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { errorMessage } from "@isthmus/core/errors";
import { type CniConfigReport, cniPluginTypePattern } from "@isthmus/core/model";
import { z } from "zod";

const configExtensions = [".conf", ".conflist", ".json"] as const;

// Loose: CNI configs carry every plugin's own keys; only what the report names is checked.
const pluginType = z.string().regex(cniPluginTypePattern, { error: "must be a plugin binary name" });
const listSchema = z
  .looseObject({ name: z.string().min(1), plugins: z.array(z.looseObject({ type: pluginType })).min(1) })
  .transform((l) => ({ network: l.name, plugins: l.plugins.map((p) => p.type) }));
const singleSchema = z.looseObject({ name: z.string().min(1), type: pluginType }).transform((c) => ({ network: c.name, plugins: [c.type] }));

/** The file a runtime uses among `names` (a directory's entries): the lexically first config file. */
export function chooseCniConfigFile(names: readonly string[]): string | undefined {
  return names.filter((n) => configExtensions.some((ext) => n.endsWith(ext))).sort()[0];
}

/** The report for config file `file` with contents `text` (never throws: a bad file is `unreadable`). */
export function parseCniConfigFile(file: string, text: string): CniConfigReport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { kind: "unreadable", file, reason: `not JSON (${errorMessage(err)})` };
  }
  const isList = file.endsWith(".conflist");
  const schema: z.ZodType<{ network: string; plugins: string[] }> = isList ? listSchema : singleSchema;
  const parsed = schema.safeParse(value);
  if (parsed.success) return { kind: "config", file, ...parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? "" : `${issue.path.map(String).join(".")}: `;
  const hint = !isList && typeof value === "object" && value !== null && "plugins" in value ? " (a .conf or .json holds one plugin; this looks like a conflist)" : "";
  return { kind: "unreadable", file, reason: `${where}${issue?.message ?? "invalid"}${hint}` };
}

/** Reads `dir` and reports the config file a runtime would use there (never throws). */
export async function readCniConfig(dir: string): Promise<CniConfigReport> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((e) => !e.isDirectory()).map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { kind: "none", dir };
    return { kind: "unreadable", file: dir, reason: errorMessage(err) };
  }
  const file = chooseCniConfigFile(names);
  if (file === undefined) return { kind: "none", dir };
  try {
    return parseCniConfigFile(file, await readFile(join(dir, file), "utf8"));
  } catch (err) {
    return { kind: "unreadable", file, reason: errorMessage(err) };
  }
}
