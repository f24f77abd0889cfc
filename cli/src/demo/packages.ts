/**
 * The demo's first step: the Debian packages the lab needs (`.ci/debian-packages`, the same
 * list CI installs), installed with apt-get when missing, with one progress line per phase.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { runCommand } from "@isthmus/core/runtime";
import { repoRoot } from "../manifests/components.js";

/** Parses the package list (one a line, # comments). */
export function parsePackageList(text: string): string[] {
  return text.split("\n").map((l) => l.replace(/#.*/, "").trim()).filter((l) => l !== "");
}

/** Reads the package list `.ci/debian-packages`. */
export async function requiredPackages(): Promise<string[]> {
  return parsePackageList(await readFile(join(repoRoot, ".ci", "debian-packages"), "utf8"));
}

/** Whether `dpkg-query -W -f '${Status}'` output says installed (not just known or half-removed). */
export function isInstalledStatus(status: string): boolean {
  return status.trim() === "install ok installed";
}

/** The packages of `names` that dpkg does not list as installed. */
export async function missingPackages(names: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const name of names) {
    const result = await runCommand(["dpkg-query", "-W", "-f", "${Status}", name], { allowExitCodes: [1] });
    if (!isInstalledStatus(result.stdout)) missing.push(name);
  }
  return missing;
}

/** The commands that install `names` (none when nothing is missing), each with its progress line. */
export function installPlan(names: readonly string[]): { readonly line: string; readonly argv: readonly string[]; readonly timeoutMs: number }[] {
  if (names.length === 0) return [];
  return [
    { line: "apt-get update", argv: ["apt-get", "update"], timeoutMs: 600_000 },
    { line: `apt-get install -y ${names.join(" ")}`, argv: ["apt-get", "install", "-y", "--no-install-recommends", ...names], timeoutMs: 1_800_000 },
  ];
}

/** Installs `names` with apt-get (update first), reporting each phase through `progress`. */
export async function installPackages(names: readonly string[], progress: (line: string) => void): Promise<void> {
  for (const step of installPlan(names)) {
    progress(step.line);
    await runCommand(step.argv, { env: { DEBIAN_FRONTEND: "noninteractive" }, timeoutMs: step.timeoutMs });
  }
}
