import { createRtNetlink } from "netlink";
import { CniError } from "../plugin/errors.js";
import type { CommandRunner } from "./exec.js";

/**
 * The host-side step of an ADD: enslave the new host veth to the bridge and bring it up. The
 * agent does it over an rtnetlink socket opened in its own namespace (no process, ~0.1 ms);
 * tests that drive a "node" namespace from outside use the `ip` implementation.
 */
export interface HostLinks {
  /** Sets `hostVeth` up with master `bridge`; CniError "IoFailure" saying which failed. */
  attach(hostVeth: string, bridge: string): Promise<void>;
}

/** `ip link set … master … up` through the runner (any namespace). */
export function createIpHostLinks(runner: CommandRunner): HostLinks {
  return {
    attach: async (hostVeth, bridge) => {
      await runner.run(["ip", "link", "set", hostVeth, "master", bridge, "up"]);
    },
  };
}

/**
 * The same over rtnetlink, in the namespace of the calling process (the socket binds to it when
 * created). The bridge's index is cached and looked up again after a failure.
 */
export function createNetlinkHostLinks(): HostLinks {
  const socket = createRtNetlink();
  const bridges = new Map<string, number>();
  async function indexOf(name: string): Promise<number> {
    const cached = bridges.get(name);
    if (cached !== undefined) return cached;
    const [link] = await socket.getLink({}, { ifname: name });
    if (link?.data.index === undefined) throw new CniError("IoFailure", `Bridge ${name} does not exist: is isthmus-node running on this node?`);
    bridges.set(name, link.data.index);
    return link.data.index;
  }
  return {
    attach: async (hostVeth, bridge) => {
      try {
        const master = await indexOf(bridge);
        await socket.setLink({ index: 0, change: { up: true }, flags: { up: true } }, { ifname: hostVeth, master });
      } catch (err) {
        bridges.delete(bridge);
        if (err instanceof CniError) throw err;
        throw new CniError("IoFailure", `Cannot attach ${hostVeth} to bridge ${bridge} over rtnetlink: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
    },
  };
}
