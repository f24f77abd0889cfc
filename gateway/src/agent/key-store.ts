import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { errorMessage } from "@isthmus/core/errors";
import { generatePrivateKey, isBase64Key } from "../wireguard/keys.js";
import { AgentError } from "./errors.js";

/**
 * Reads this gateway's WireGuard private key (base64) from `path`, or generates one and writes
 * it there with mode 0600 (exclusive create, so two processes cannot both write). The key never
 * leaves the node; callers publish only its public half and never log it.
 */
export async function loadOrCreatePrivateKey(path: string): Promise<{ privateKey: string; created: boolean }> {
  try {
    const text = (await readFile(path, "utf8")).trim();
    if (!isBase64Key(text)) throw new AgentError("InvalidKey", `The WireGuard key file ${path} does not hold a base64 key; delete it to make a new one`);
    return { privateKey: text, created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      if (err instanceof AgentError) throw err;
      throw new AgentError("InvalidKey", `Cannot read the WireGuard key file ${path}: ${errorMessage(err)}`, { cause: err });
    }
  }
  const privateKey = generatePrivateKey();
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFile(path, `${privateKey}\n`, { mode: 0o600, flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return loadOrCreatePrivateKey(path);
    throw new AgentError("InvalidKey", `Cannot write the WireGuard key file ${path}: ${errorMessage(err)}`, { cause: err });
  }
  return { privateKey, created: true };
}
