import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { runCommand } from "@isthmus/core/runtime";
import { type BinaryKey, pins, type ToolKey } from "./pins.js";

/**
 * How one binary is built from the Go module proxy. Kubernetes and etcd carry `replace`
 * directives in their own go.mod, so `go install module@version` refuses them; they are built
 * from a small module of ours that requires them (and, for Kubernetes, pins every staging
 * module to the matching v0.x.y release, see docs/adr/0002-lab-binaries.md).
 */
export interface BuildRecipe {
  /** Directory name of the build module and cache entry, e.g. `kubernetes-v1.34.4`. */
  readonly id: string;
  /** Writes go.mod into `dir` (an empty directory of ours). */
  readonly prepare: (dir: string, signal?: AbortSignal) => Promise<void>;
  /** The package to build, e.g. `k8s.io/kubernetes/cmd/kube-apiserver`. */
  readonly pkg: string;
  /** Extra `-ldflags` (version stamps). */
  readonly ldflags: string;
  /** Builds with cgo (flanneld's UDP backend needs it); every other tool builds without. */
  readonly cgo?: boolean;
}

const buildTimeoutMs = 45 * 60_000;

/** The environment every `go` invocation runs with: no toolchain download, no cgo (unless a recipe asks), our caches. */
export function goEnv(base: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  return { ...env, GOTOOLCHAIN: "local", CGO_ENABLED: "0", GOFLAGS: "-mod=mod" };
}

/** The environment of one recipe's build: `goEnv`'s, with cgo on where the recipe asks for it. */
function recipeEnv(recipe: BuildRecipe, env: Record<string, string>): Record<string, string> {
  return recipe.cgo === true ? { ...env, CGO_ENABLED: "1" } : env;
}

async function writeModule(dir: string, requires: string[], replaces: string[]): Promise<void> {
  const lines = ["module isthmus.local/labbuild", "", "go 1.24.0", "", ...requires.map((r) => `require ${r}`), ...replaces.map((r) => `replace ${r}`), ""];
  await writeFile(join(dir, "go.mod"), lines.join("\n"));
}

/** The staging modules `k8s.io/kubernetes` replaces with local paths, read from its go.mod. */
export function parseStagingModules(goMod: string): string[] {
  const names = new Set<string>();
  for (const match of goMod.matchAll(/^\s*(k8s\.io\/[a-z0-9-]+)\s+=>\s+\.\/staging\//gm)) {
    if (match[1] !== undefined) names.add(match[1]);
  }
  return [...names].sort();
}

async function prepareKubernetes(dir: string, env: Record<string, string>, signal?: AbortSignal): Promise<void> {
  const version = pins.kubernetes;
  const { stdout } = await runCommand(["go", "mod", "download", "-json", `k8s.io/kubernetes@${version}`], {
    cwd: dir,
    env,
    timeoutMs: buildTimeoutMs,
    ...(signal ? { signal } : {}),
  });
  const info = JSON.parse(stdout) as { GoMod?: string };
  if (info.GoMod === undefined) throw new Error(`go mod download gave no go.mod for k8s.io/kubernetes@${version}`);
  const staging = parseStagingModules(await readFile(info.GoMod, "utf8"));
  const stagingVersion = version.replace(/^v1\./, "v0.");
  await writeModule(dir, [`k8s.io/kubernetes ${version}`], staging.map((m) => `${m} => ${m} ${stagingVersion}`));
}

function kubernetesLdflags(): string {
  const version = pins.kubernetes;
  const [major, minor] = version.replace(/^v/, "").split(".");
  const stamps = ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"].flatMap((pkg) => [
    `-X ${pkg}.gitVersion=${version}`,
    `-X ${pkg}.gitMajor=${major ?? ""}`,
    `-X ${pkg}.gitMinor=${minor ?? ""}`,
    `-X ${pkg}.gitTreeState=clean`,
  ]);
  return stamps.join(" ");
}

/**
 * Helm's version stamp, and the Kubernetes version it assumes without a cluster (`helm
 * template`'s `.Capabilities.KubeVersion`, `helm lint`'s deprecation checks): the lab's, not
 * the client-go Helm is built with.
 */
function helmLdflags(): string {
  const [major, minor] = pins.kubernetes.replace(/^v/, "").split(".");
  return [
    `-X helm.sh/helm/v3/internal/version.version=${pins.helm}`,
    ...["pkg/chartutil", "pkg/lint/rules"].flatMap((pkg) => [`-X helm.sh/helm/v3/${pkg}.k8sVersionMajor=${major ?? ""}`, `-X helm.sh/helm/v3/${pkg}.k8sVersionMinor=${minor ?? ""}`]),
  ].join(" ");
}

/**
 * flannel v0.28.10 requires tencentcloud-sdk-go's vpc module at v1.3.188, which the module proxy
 * refuses (403); its tencentvpc backend (not used by the lab) builds against v1.3.75.
 */
const flannelReplaces = ["github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc => github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc v1.3.75"];

/** The recipes of every binary and tool, keyed like `binaryNames` and `toolNames`. */
export function createRecipes(env: Record<string, string>): Record<BinaryKey | ToolKey, BuildRecipe> {
  const kube = (cmd: string): BuildRecipe => ({
    id: `kubernetes-${pins.kubernetes}`,
    prepare: (dir, signal) => prepareKubernetes(dir, env, signal),
    pkg: `k8s.io/kubernetes/cmd/${cmd}`,
    ldflags: kubernetesLdflags(),
  });
  const simple = (id: string, module: string, pkg: string, ldflags = ""): BuildRecipe => ({
    id,
    prepare: (dir) => writeModule(dir, [module], []),
    pkg,
    ldflags,
  });
  return {
    kubeApiserver: kube("kube-apiserver"),
    kubeControllerManager: kube("kube-controller-manager"),
    kubeScheduler: kube("kube-scheduler"),
    kubeProxy: kube("kube-proxy"),
    kubectl: kube("kubectl"),
    etcd: simple(`etcd-${pins.etcd}`, `go.etcd.io/etcd/server/v3 ${pins.etcd}`, "go.etcd.io/etcd/server/v3"),
    coredns: simple(`coredns-${pins.coredns}`, `github.com/coredns/coredns ${pins.coredns}`, "github.com/coredns/coredns"),
    wireguardGo: simple(`wireguard-go-${pins.wireguardGo}`, `golang.zx2c4.com/wireguard ${pins.wireguardGo}`, "golang.zx2c4.com/wireguard"),
    helm: simple(`helm-${pins.helm}`, `helm.sh/helm/v3 ${pins.helm}`, "helm.sh/helm/v3/cmd/helm", helmLdflags()),
    flanneld: {
      id: `flannel-${pins.flannel}`,
      prepare: (dir) => writeModule(dir, [`github.com/flannel-io/flannel ${pins.flannel}`], flannelReplaces),
      pkg: "github.com/flannel-io/flannel",
      ldflags: `-X github.com/flannel-io/flannel/pkg/version.Version=${pins.flannel}`,
      cgo: true,
    },
    flannelCni: simple(`flannel-cni-${pins.flannelCni}`, `github.com/containernetworking/plugins ${pins.flannelCni}`, "github.com/containernetworking/plugins/plugins/meta/flannel"),
  };
}

/**
 * Builds the binaries of one recipe's module with one `go build` (several main packages of one
 * module, as the Kubernetes binaries are, share their compiled packages and link side by side),
 * each into its `output` atomically: a half-written binary is never left there.
 */
export async function buildGroup(
  recipe: BuildRecipe,
  targets: readonly { readonly pkg: string; readonly output: string }[],
  options: { cacheDir: string; env: Record<string, string>; signal?: AbortSignal },
): Promise<void> {
  const [first, ...rest] = targets;
  if (first === undefined) return;
  if (rest.length === 0) {
    await buildBinary({ ...recipe, pkg: first.pkg }, { ...options, output: first.output });
    return;
  }
  const moduleDir = join(options.cacheDir, "build", recipe.id);
  await mkdir(moduleDir, { recursive: true });
  await recipe.prepare(moduleDir, options.signal);
  const outDir = await mkdtemp(join(moduleDir, "out-"));
  try {
    const ldflags = ["-s -w", recipe.ldflags].filter((s) => s !== "").join(" ");
    // With -o naming a directory, go build writes each main package there under its last path element.
    await runCommand(["go", "build", "-trimpath", `-ldflags=${ldflags}`, "-o", `${outDir}/`, ...targets.map((t) => t.pkg)], {
      cwd: moduleDir,
      env: recipeEnv(recipe, options.env),
      timeoutMs: buildTimeoutMs,
      maxOutputBytes: 4 << 20,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    for (const t of targets) await rename(join(outDir, basename(t.pkg)), t.output);
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

/** Builds one binary into `output` (atomically: a half-written binary is never left there). */
export async function buildBinary(
  recipe: BuildRecipe,
  options: { cacheDir: string; output: string; env: Record<string, string>; signal?: AbortSignal },
): Promise<void> {
  const moduleDir = join(options.cacheDir, "build", recipe.id);
  await mkdir(moduleDir, { recursive: true });
  await recipe.prepare(moduleDir, options.signal);
  const partial = `${options.output}.partial`;
  const ldflags = ["-s -w", recipe.ldflags].filter((s) => s !== "").join(" ");
  await runCommand(["go", "build", "-trimpath", `-ldflags=${ldflags}`, "-o", partial, recipe.pkg], {
    cwd: moduleDir,
    env: recipeEnv(recipe, options.env),
    timeoutMs: buildTimeoutMs,
    maxOutputBytes: 4 << 20,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  await rename(partial, options.output);
}
