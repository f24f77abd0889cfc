import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ObjectReader } from "./env.js";
import type { Pod } from "./kube-types.js";
import { refreshTokens, serviceAccountMountPath, setUpVolumes, type TokenIssuer, type VolumeContext } from "./volumes.js";

const reader: ObjectReader = {
  configMap: (_ns, name) =>
    Promise.resolve(name === "kube-root-ca.crt" ? { "ca.crt": "CA-PEM" } : name === "cfg" ? { "a.yaml": "a: 1", b: "2" } : undefined),
  secret: (_ns, name) => Promise.resolve(name === "creds" ? { key: "s3cr3t" } : undefined),
};

function fakeIssuer(): TokenIssuer & { calls: { audience?: string; expirationSeconds: number }[] } {
  const calls: { audience?: string; expirationSeconds: number }[] = [];
  return {
    calls,
    issue(_pod, options) {
      calls.push(options);
      return Promise.resolve({ token: `token-${calls.length}`, expiresAt: new Date(now.getTime() + options.expirationSeconds * 1000) });
    },
  };
}

let now = new Date("2025-01-01T00:00:00Z");
const pod = (extra: Partial<NonNullable<Pod["spec"]>> = {}): Pod => ({
  metadata: { name: "gw", namespace: "isthmus-system", uid: "u1" },
  spec: { containers: [{ name: "gw", image: "isthmus/gateway" }], ...extra },
});

describe("setUpVolumes", () => {
  let dir: string;
  let context: VolumeContext & { tokens: ReturnType<typeof fakeIssuer> };
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "isthmus-volumes-"));
    now = new Date("2025-01-01T00:00:00Z");
    context = { reader, tokens: fakeIssuer(), hostIp: "198.18.1.11", podIp: "198.18.1.11", now: () => now };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("adds the service-account volume (token, ca.crt, namespace) when the pod has none", async () => {
    const volumes = await setUpVolumes(pod(), dir, context);
    const [mount] = volumes.mounts.get("gw") ?? [];
    expect(mount?.target).toBe(serviceAccountMountPath);
    expect(mount?.readOnly).toBe(true);
    const source = mount?.source ?? "";
    expect(await readFile(join(source, "token"), "utf8")).toBe("token-1");
    expect(await readFile(join(source, "ca.crt"), "utf8")).toBe("CA-PEM");
    expect(await readFile(join(source, "namespace"), "utf8")).toBe("isthmus-system");
    expect((await stat(join(source, "token"))).mode & 0o777).toBe(0o600);
    expect(context.tokens.calls).toEqual([{ expirationSeconds: 3607 }]);
  });

  it("honours automountServiceAccountToken: false", async () => {
    const volumes = await setUpVolumes(pod({ automountServiceAccountToken: false }), dir, context);
    expect(volumes.mounts.get("gw")).toEqual([]);
    expect(context.tokens.calls).toEqual([]);
  });

  it("writes ConfigMap items, Secrets and subPaths, and skips hostPath mounts onto the same path", async () => {
    const volumes = await setUpVolumes(
      pod({
        automountServiceAccountToken: false,
        volumes: [
          { name: "cfg", configMap: { name: "cfg", items: [{ key: "a.yaml", path: "conf/a.yaml" }] } },
          { name: "creds", secret: { secretName: "creds" } },
          { name: "run", hostPath: { path: "/var/run/wireguard" } },
        ],
        containers: [
          {
            name: "gw",
            image: "isthmus/gateway",
            volumeMounts: [
              { name: "cfg", mountPath: "/etc/isthmus" },
              { name: "creds", mountPath: "/etc/creds/key", subPath: "key" },
              { name: "run", mountPath: "/var/run/wireguard" },
            ],
          },
        ],
      }),
      dir,
      context,
    );
    const mounts = volumes.mounts.get("gw") ?? [];
    expect(mounts.map((m) => m.target)).toEqual(["/etc/isthmus", "/etc/creds/key"]);
    expect(await readFile(join(mounts[0]?.source ?? "", "conf/a.yaml"), "utf8")).toBe("a: 1");
    expect(await readFile(mounts[1]?.source ?? "", "utf8")).toBe("s3cr3t");
  });

  it("creates a FileOrCreate hostPath as an empty file and keeps an existing one", async () => {
    const lock = join(dir, "host", "run", "xtables.lock");
    const spec = pod({
      automountServiceAccountToken: false,
      volumes: [{ name: "lock", hostPath: { path: lock, type: "FileOrCreate" } }],
      containers: [{ name: "c", image: "lab/echo", volumeMounts: [{ name: "lock", mountPath: "/run/xtables.lock" }] }],
    });
    const volumes = await setUpVolumes(spec, dir, context);
    expect(volumes.mounts.get("c")).toEqual([{ source: lock, target: "/run/xtables.lock", readOnly: false }]);
    expect(await readFile(lock, "utf8")).toBe("");
    await writeFile(lock, "held");
    await setUpVolumes(spec, dir, context);
    expect(await readFile(lock, "utf8")).toBe("held");
  });

  it("fails with VolumeFailed for a missing ConfigMap and refuses paths that escape the volume", async () => {
    await expect(setUpVolumes(pod({ volumes: [{ name: "x", configMap: { name: "absent" } }] }), dir, context)).rejects.toMatchObject({ code: "VolumeFailed" });
    const escaping = pod({ automountServiceAccountToken: false, volumes: [{ name: "x", configMap: { name: "cfg", items: [{ key: "b", path: "../../etc/passwd" }] } }] });
    await expect(setUpVolumes(escaping, dir, context)).rejects.toMatchObject({ code: "VolumeFailed" });
  });

  it("refreshes a token at 80 % of its lifetime, not before", async () => {
    const volumes = await setUpVolumes(pod(), dir, context);
    now = new Date(now.getTime() + 0.79 * 3607_000);
    const same = await refreshTokens(pod(), volumes.tokens, context);
    expect(context.tokens.calls).toHaveLength(1);
    now = new Date(new Date("2025-01-01T00:00:00Z").getTime() + 0.81 * 3607_000);
    const refreshed = await refreshTokens(pod(), same, context);
    expect(context.tokens.calls).toHaveLength(2);
    expect(await readFile(refreshed[0]?.path ?? "", "utf8")).toBe("token-2");
    expect(refreshed[0]?.refreshAt.getTime()).toBeGreaterThan(now.getTime());
  });
});
