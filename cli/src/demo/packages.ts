/**
 * The demo's first step: the Debian packages the lab needs (`.ci/debian-packages`, the same
 * list CI installs), installed with apt-get when missing, with one progress line per phase.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { runCommand } from "@isthmus/core";
import { repoRoot } from "../manifests/components.js";

/** Reads the package list (one a line, # comments). */
export async function requiredPackages(): Promise<string[]> {
  const text = await readFile(join(repoRoot, ".ci", "debian-packages"), "utf8");
  return text.split("\n").map((l) => l.replace(/#.*/, "").trim()).filter((l) => l !== "");
}

/** The packages of `names` that dpkg does not list as installed. */
export async function missingPackages(names: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const name of names) {
    const result = await runCommand(["dpkg-query", "-W", "-f", "${Status}", name], { allowExitCodes: [1] });
    if (!result.stdout.includes("install ok installed")) missing.push(name);
  }
  return missing;
}

/** Installs `names` with apt-get (update first), reporting each phase through `progress`. */
export async function installPackages(names: readonly string[], progress: (line: string) => void): Promise<void> {
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  progress(`apt-get update`);
  await runCommand(["apt-get", "update"], { env, timeoutMs: 600_000 });
  progress(`apt-get install -y ${names.join(" ")}`);
  await runCommand(["apt-get", "install", "-y", "--no-install-recommends", ...names], { env, timeoutMs: 1_800_000 });
}
