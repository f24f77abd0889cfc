import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Every namespace and device a test makes starts with this prefix (never anything else). */
export const testPrefix = "isthmus-test-cni-";

/** Throws unless running as root: namespace tests must fail, never skip, without it. */
export function requireRoot(): void {
  if (process.getuid?.() !== 0) throw new Error("This netns test needs root (network namespaces): run it as root");
}

/** A unique test namespace name: the prefix, `role` and 6 random hex digits. */
export function testNetnsName(role: string): string {
  return `${testPrefix}${role}-${randomBytes(3).toString("hex")}`;
}

/** The path of a named namespace. */
export function netnsPath(name: string): string {
  return `/run/netns/${name}`;
}

/** Runs `argv` on the host (or in `netns` when given) and returns stdout; throws with stderr on failure. */
export async function sh(argv: readonly string[], netns?: string): Promise<string> {
  const full = netns === undefined ? argv : ["ip", "netns", "exec", netns, ...argv];
  const [file = "", ...args] = full;
  try {
    const { stdout } = await run(file, args, { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? "";
    throw new Error(`${full.join(" ")} failed: ${stderr.trim() || String(err)}`, { cause: err });
  }
}

/** Creates a namespace with loopback up. */
export async function addNetns(name: string): Promise<void> {
  await sh(["ip", "netns", "add", name]);
  await sh(["ip", "link", "set", "lo", "up"], name);
}

/** Deletes namespaces, ignoring ones already gone (cleanup path). */
export async function deleteNetns(...names: string[]): Promise<void> {
  for (const name of names) {
    // Cleanup: a namespace a failed setup never created is not an error worth masking the test's.
    await run("ip", ["netns", "del", name]).catch(() => undefined);
  }
}

/**
 * Puts `nodes` on one LAN: a bridge `br0` in namespace `lan`, and in node i an `eth0` with
 * `<subnet>.(11 + i)/24`. With `router`, `lan` is also their default gateway (`<subnet>.1` on the
 * bridge, forwarding on).
 */
export async function connectNodesToLan(lan: string, nodes: readonly string[], options: { readonly subnet: string; readonly router?: boolean }): Promise<void> {
  await sh(["ip", "link", "add", "br0", "type", "bridge"], lan);
  if (options.router === true) {
    await sh(["ip", "addr", "add", `${options.subnet}.1/24`, "dev", "br0"], lan);
    await sh(["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"], lan);
  }
  await sh(["ip", "link", "set", "br0", "up"], lan);
  for (const [i, ns] of nodes.entries()) {
    await sh(["ip", "link", "add", `up${String(i)}`, "netns", lan, "type", "veth", "peer", "name", "eth0", "netns", ns]);
    await sh(["ip", "link", "set", `up${String(i)}`, "master", "br0", "up"], lan);
    await sh(["ip", "addr", "add", `${options.subnet}.${String(11 + i)}/24`, "dev", "eth0"], ns);
    await sh(["ip", "link", "set", "eth0", "up"], ns);
    if (options.router === true) await sh(["ip", "route", "add", "default", "via", `${options.subnet}.1`], ns);
  }
}

/** Polls `probe` until it returns true or `timeoutMs` passes; throws with `what` on timeout. */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
