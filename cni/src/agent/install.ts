import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { defaults } from "@isthmus/core/constants";
import { type Cidr, nthAddress } from "@isthmus/core/net";
import { CniError } from "../plugin/errors.js";
import { forwardedVariables } from "../plugin/wire.js";

/** Where the agent installs things on the node. */
export interface InstallPaths {
  /** Directory of plugin binaries; default /opt/cni/bin. */
  readonly cniBinDir: string;
  /** Directory of network configurations; default /etc/cni/net.d. */
  readonly cniConfDir: string;
  /** The agent's unix socket; default /run/isthmus/cni.sock. */
  readonly socketPath: string;
  /** IPAM records; default /var/lib/cni/isthmus. */
  readonly dataDir: string;
  /** The standalone plugin entry (`cni/dist/plugin-main.js` of this checkout or image). */
  readonly pluginMain: string;
  /** The node binary to run it with. */
  readonly nodeBinary: string;
}

/** The plugin binary name (the conflist's `type`). */
export const pluginName = "isthmus-cni";
/** The conflist file name. */
export const conflistName = "10-isthmus.conflist";
/** The network name. */
export const networkName = "isthmus";

function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * The launcher installed as /opt/cni/bin/isthmus-cni: a POSIX shell script that forwards the
 * invocation to the agent over its unix socket with socat (a few ms), and runs the standalone
 * Node.js plugin when the agent is not there (docs/adr/0401).
 */
export function launcherScript(paths: InstallPaths): string {
  const header = forwardedVariables.map((v) => `${v}=$${v}`).join("\n");
  return `#!/bin/sh
# isthmus-cni: written by isthmus-node; do not edit (it is rewritten on every agent start).
# Reads stdin with the shell's own read and sends it as a here-document: no cat, no extra fork.
sock=${quote(paths.socketPath)}
conf=""
while IFS= read -r line || [ -n "$line" ]; do conf="$conf$line
"; done
if [ -S "$sock" ] && command -v socat >/dev/null 2>&1; then
  if resp=$(socat -t 120 - "UNIX-CONNECT:$sock" 2>/dev/null <<ISTHMUS_EOF
${header}

$conf
ISTHMUS_EOF
) && [ -n "$resp" ]; then
    code=\${resp%%"
"*}
    if [ "$code" = "$resp" ]; then body=""; else body=\${resp#*"
"}; fi
    printf '%s' "$body"
    exit "$code"
  fi
fi
printf '%s' "$conf" | exec ${quote(paths.nodeBinary)} ${quote(paths.pluginMain)}
`;
}

/** The node's conflist for its podCIDR and pod MTU. */
export function conflist(podCidr: Cidr, mtu: number, paths: InstallPaths): Record<string, unknown> {
  return {
    cniVersion: "1.1.0",
    name: networkName,
    plugins: [
      {
        type: pluginName,
        bridge: defaults.cniBridge,
        mtu,
        ipam: { subnet: podCidr.toString(), gateway: nthAddress(podCidr, 1).toString(), dataDir: paths.dataDir },
      },
    ],
  };
}

async function writeAtomically(path: string, content: string, mode: number): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${process.pid}`;
    await writeFile(tmp, content, { mode });
    await rename(tmp, path);
  } catch (err) {
    throw new CniError("IoFailure", `Cannot write ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** Installs the launcher, then the conflist (so a runtime never sees a conflist without its plugin). */
export async function installCni(podCidr: Cidr, mtu: number, paths: InstallPaths): Promise<void> {
  await writeAtomically(join(paths.cniBinDir, pluginName), launcherScript(paths), 0o755);
  await writeAtomically(join(paths.cniConfDir, conflistName), `${JSON.stringify(conflist(podCidr, mtu, paths), null, 2)}\n`, 0o644);
}

/** Removes the conflist, the launcher and the IPAM records (uninstall); idempotent. */
export async function uninstallCni(paths: InstallPaths): Promise<void> {
  await rm(join(paths.cniConfDir, conflistName), { force: true });
  await rm(join(paths.cniBinDir, pluginName), { force: true });
  await rm(join(paths.dataDir, networkName), { recursive: true, force: true });
  await rm(paths.socketPath, { force: true });
}
