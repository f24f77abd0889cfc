/**
 * Helpers for lab suites (`*.lab.test.ts`): run the real kubectl against a lab cluster and run
 * commands in nodes and pods, capturing output. They use the lab the global setup brought up.
 */
import { labBinaries } from "../lab/binaries.js";
import { runCommand } from "../lab/run.js";
import { labExecArgv, labKubeconfig } from "../lab/verbs.js";

let kubectlPath: string | undefined;

/** Runs `kubectl --kubeconfig <cluster's admin kubeconfig> args...`; returns stdout, throws on failure. */
export async function labKubectl(cluster: string, args: readonly string[], options: { readonly input?: string; readonly timeoutMs?: number } = {}): Promise<string> {
  kubectlPath ??= (await labBinaries()).kubectl;
  const kubeconfig = await labKubeconfig(cluster);
  const { stdout } = await runCommand([kubectlPath, "--kubeconfig", kubeconfig, ...args], {
    timeoutMs: options.timeoutMs ?? 120_000,
    ...(options.input === undefined ? {} : { input: options.input }),
  });
  return stdout;
}

/** Runs a command in `<cluster>/cp`, `<cluster>/<node>` or `<cluster>/<ns>/<pod>`; returns stdout, throws on failure. */
export async function labExecOutput(target: string, argv: readonly string[], options: { readonly timeoutMs?: number } = {}): Promise<string> {
  const { stdout } = await runCommand([...(await labExecArgv(target)), ...argv], { timeoutMs: options.timeoutMs ?? 30_000 });
  return stdout;
}

/** Like {@link labExecOutput} but returns the exit code and output instead of throwing. */
export async function labExecResult(target: string, argv: readonly string[], options: { readonly timeoutMs?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCommand([...(await labExecArgv(target)), ...argv], { timeoutMs: options.timeoutMs ?? 30_000, allowFailure: true });
}
