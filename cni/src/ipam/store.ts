/*
 * Design notes: the allocation store.
 *
 * One directory per network under the data dir (default /var/lib/cni/isthmus/<network>), one
 * file per allocated address, named by the address and holding "<containerID>\r\n<ifname>"
 * (host-local's layout, so operators know it). A file is written completely under a temporary
 * name and then hard-linked to the address name: link(2) fails with EEXIST when the address is
 * taken, atomically, across processes. So two concurrent ADDs never get the same address, and
 * a crash at any point leaves either no claim or a complete claim (plus, at worst, a stray
 * temporary file that GC deletes) — never a claim two containers believe they own. Inside one
 * process (the agent) a mutex serialises allocations so that they do not race for the same
 * candidate and retry. It also keeps an index of the claims it knows (loaded from disk once,
 * updated on its own writes, reloaded whenever link(2) reports a claim it did not know), so an
 * ADD or DEL does not read every file; the files stay the only truth, and a DEL that finds
 * nothing in the index scans them before it concludes there is nothing to release.
 */
import { randomBytes } from "node:crypto";
import { link, mkdir, open, readdir, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Cidr, type IpAddress, allocateAddress, contains, isIp, lastAddress, parseIp } from "@isthmus/core/net";
import { CniError } from "../plugin/errors.js";

/** One recorded allocation. */
export interface Allocation {
  readonly ip: IpAddress;
  readonly containerId: string;
  readonly ifName: string;
}

/** The owner of an allocation: a container's interface. */
export interface AttachmentKey {
  readonly containerId: string;
  readonly ifName: string;
}

/** Persistent address allocations of one network on one node. */
export interface IpamStore {
  /** The directory holding the allocation files. */
  readonly dir: string;
  /**
   * Claims an address for `key` (the requested one, else the next free one) and returns it; an
   * attachment that already holds an address gets it back. Throws CniError AddressOutOfRange,
   * AddressTaken, PoolExhausted or IoFailure.
   */
  allocate(key: AttachmentKey, requested?: IpAddress): Promise<IpAddress>;
  /** Releases every address `key` holds; idempotent. Returns the released addresses. */
  release(key: AttachmentKey): Promise<IpAddress[]>;
  /** Every allocation on disk. */
  list(): Promise<Allocation[]>;
  /** Releases allocations whose attachment is not in `valid` and removes stray temporary files. */
  gc(valid: readonly AttachmentKey[]): Promise<Allocation[]>;
}

/** Options of {@link createIpamStore}. */
export interface IpamStoreOptions {
  readonly dataDir: string;
  readonly network: string;
  readonly subnet: Cidr;
  /** Never handed out (the bridge address). */
  readonly gateway: IpAddress;
}

const lineBreak = "\r\n";
const hintFile = "last_reserved_ip.0";
/** Temporary files older than this are leftovers of a crashed ADD. */
const strayAgeMs = 60_000;

function sameKey(a: AttachmentKey, b: AttachmentKey): boolean {
  return a.containerId === b.containerId && a.ifName === b.ifName;
}

function ioError(what: string, err: unknown): CniError {
  return new CniError("IoFailure", `${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

function hasCode(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}

/** Creates the store for one network; the directory is created on first use. */
export function createIpamStore(options: IpamStoreOptions): IpamStore {
  const dir = join(options.dataDir, options.network);
  let tail: Promise<unknown> = Promise.resolve();
  let index: Map<string, AttachmentKey> | undefined;
  const known = async (): Promise<Map<string, AttachmentKey>> => {
    index ??= new Map((await list()).map((a) => [a.ip.toString(), { containerId: a.containerId, ifName: a.ifName }]));
    return index;
  };
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = tail.then(fn, fn);
    tail = next.catch(() => undefined);
    return next;
  };

  async function readOwner(name: string): Promise<AttachmentKey | undefined> {
    try {
      const [containerId = "", ifName = ""] = (await readFile(join(dir, name), "utf8")).split(lineBreak);
      return { containerId: containerId.trim(), ifName: ifName.trim() };
    } catch (err) {
      if (hasCode(err, "ENOENT")) return undefined;
      throw ioError(`Cannot read allocation ${join(dir, name)}`, err);
    }
  }

  async function list(): Promise<Allocation[]> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if (hasCode(err, "ENOENT")) return [];
      throw ioError(`Cannot list allocations in ${dir}`, err);
    }
    const ips = names.filter((n) => isIp(n));
    const owners = await Promise.all(ips.map((name) => readOwner(name)));
    return ips.flatMap((name, i) => {
      const owner = owners[i];
      return owner === undefined ? [] : [{ ip: parseIp(name), ...owner }];
    });
  }

  /** Writes the claim under a temporary name, then links it to the address name; false when taken. */
  async function claim(ip: IpAddress, key: AttachmentKey): Promise<boolean> {
    const tmp = join(dir, `.tmp-${process.pid}-${randomBytes(6).toString("hex")}`);
    try {
      const handle = await open(tmp, "wx", 0o600);
      try {
        // No fsync: atomicity against a killed process comes from link(2); after a power loss
        // every pod sandbox is gone too and the runtime's GC reconciles the records.
        await handle.writeFile(`${key.containerId}${lineBreak}${key.ifName}`);
      } finally {
        await handle.close();
      }
      await link(tmp, join(dir, ip.toString()));
      return true;
    } catch (err) {
      if (hasCode(err, "EEXIST")) return false;
      throw ioError(`Cannot record allocation of ${ip.toString()} in ${dir}`, err);
    } finally {
      await unlink(tmp).catch((err: unknown) => {
        if (!hasCode(err, "ENOENT")) throw ioError(`Cannot remove temporary file ${tmp}`, err);
      });
    }
  }

  async function readHint(): Promise<IpAddress | undefined> {
    try {
      const text = (await readFile(join(dir, hintFile), "utf8")).trim();
      return isIp(text) ? parseIp(text) : undefined;
    } catch (err) {
      if (hasCode(err, "ENOENT")) return undefined;
      throw ioError(`Cannot read ${join(dir, hintFile)}`, err);
    }
  }

  async function writeHint(ip: IpAddress): Promise<void> {
    const tmp = join(dir, `.hint-${process.pid}-${randomBytes(4).toString("hex")}`);
    await writeFile(tmp, ip.toString());
    await rename(tmp, join(dir, hintFile));
  }

  function checkRequested(ip: IpAddress): void {
    const { subnet, gateway } = options;
    if (!contains(subnet, ip) || ip.equals(subnet.network) || ip.equals(gateway) || (ip.family === 4 && ip.equals(lastAddress(subnet)))) {
      throw new CniError(
        "AddressOutOfRange",
        `Requested address ${ip.toString()} is not usable on this node: it must lie inside the node's pod CIDR ${subnet.toString()} and not be its network, broadcast or gateway (${gateway.toString()}) address`,
      );
    }
  }

  async function allocateRequested(key: AttachmentKey, ip: IpAddress): Promise<IpAddress> {
    checkRequested(ip);
    if (await claim(ip, key)) {
      (await known()).set(ip.toString(), key);
      return ip;
    }
    index = undefined;
    const owner = await readOwner(ip.toString());
    if (owner !== undefined && sameKey(owner, key)) return ip;
    throw new CniError("AddressTaken", `Requested address ${ip.toString()} is already in use by container ${owner?.containerId ?? "(unknown)"}: choose a free address or delete that pod`);
  }

  async function allocateNext(key: AttachmentKey): Promise<IpAddress> {
    const taken = new Set((await known()).keys());
    let after = await readHint();
    for (;;) {
      let candidate: IpAddress;
      try {
        candidate = allocateAddress(options.subnet, taken, { reserved: [options.gateway], ...(after === undefined ? {} : { after }) });
      } catch (err) {
        throw new CniError("PoolExhausted", `No free address in pod CIDR ${options.subnet.toString()}: every usable address is allocated; delete pods or run GC`, { cause: err });
      }
      if (await claim(candidate, key)) {
        (await known()).set(candidate.toString(), key);
        await writeHint(candidate);
        return candidate;
      }
      index = undefined;
      taken.add(candidate.toString());
      after = candidate;
    }
  }

  return {
    dir,
    allocate: (key, requested) =>
      serial(async () => {
        try {
          await mkdir(dir, { recursive: true, mode: 0o700 });
        } catch (err) {
          throw ioError(`Cannot create IPAM directory ${dir}`, err);
        }
        const existing = [...(await known())].find(([, owner]) => sameKey(owner, key))?.[0];
        if (existing !== undefined && (requested === undefined || existing === requested.toString())) return parseIp(existing);
        return requested === undefined ? allocateNext(key) : allocateRequested(key, requested);
      }),
    release: (key) =>
      serial(async () => {
        let mine = [...(await known())].filter(([, owner]) => sameKey(owner, key)).map(([ip]) => parseIp(ip));
        if (mine.length === 0) mine = (await list()).filter((a) => sameKey(a, key)).map((a) => a.ip);
        for (const ip of mine) {
          await removeAllocation(dir, ip);
          index?.delete(ip.toString());
        }
        return mine;
      }),
    list,
    gc: (valid) =>
      serial(async () => {
        const leaked = (await list()).filter((a) => !valid.some((v) => sameKey(v, a)));
        for (const a of leaked) await removeAllocation(dir, a.ip);
        index = undefined;
        await removeStrayTemporaries(dir);
        return leaked;
      }),
  };
}

async function removeAllocation(dir: string, ip: IpAddress): Promise<void> {
  try {
    await unlink(join(dir, ip.toString()));
  } catch (err) {
    if (!hasCode(err, "ENOENT")) throw ioError(`Cannot release ${ip.toString()} in ${dir}`, err);
  }
}

async function removeStrayTemporaries(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (hasCode(err, "ENOENT")) return;
    throw ioError(`Cannot list ${dir}`, err);
  }
  for (const name of names.filter((n) => n.startsWith(".tmp-") || n.startsWith(".hint-"))) {
    // A younger file may belong to an ADD in flight in another process (standalone mode).
    const age = await stat(join(dir, name)).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age < strayAgeMs) continue;
    await unlink(join(dir, name)).catch((err: unknown) => {
      if (!hasCode(err, "ENOENT")) throw ioError(`Cannot remove ${join(dir, name)}`, err);
    });
  }
}
