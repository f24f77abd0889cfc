import { execFile } from "node:child_process";
import { access } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** The repository root. */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
/** The built isthmus-broker entry. */
export const brokerEntry = join(repoRoot, "broker/dist/main.js");

/**
 * Builds the broker (`tsc -b broker`) so that suites spawning the real entry work with
 * `npx vitest run broker` alone (`npm test` builds first anyway).
 */
export async function ensureBrokerBuilt(): Promise<string> {
  try {
    await promisify(execFile)(process.execPath, [join(repoRoot, "node_modules/typescript/bin/tsc"), "-b", "broker"], { cwd: repoRoot });
  } catch (err) {
    // Another package's type errors fail `tsc -b` but still emit our files; access() decides.
    process.stderr.write(`tsc -b broker reported errors (continuing if dist exists): ${(err as Error).message.slice(0, 500)}\n`);
  }
  await access(brokerEntry);
  return brokerEntry;
}
