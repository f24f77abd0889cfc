/**
 * Reads a file of a running container through the API's exec subresource (`cat FILE`), the
 * way `kubectl exec` does: the content travels over the API connection only, never through a
 * log or a temporary file. The lab kubelet has no exec; the lab reads node paths instead.
 */
import { Writable } from "node:stream";
import { Exec, type V1Status } from "@kubernetes/client-node";
import { errorMessage } from "@isthmus/core/errors";
import { CliError } from "../command.js";
import type { ClusterTarget } from "./cluster.js";

/** Which file of which container to read. */
export interface PodFile {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly path: string;
  /** Deadline of the whole read (default 30 s). */
  readonly timeoutMs?: number;
}

function collector(chunks: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
}

/** The content of `file.path` in the container; throws CliError naming the pod and the reason. */
export async function readPodFile(target: ClusterTarget, file: PodFile): Promise<string> {
  const where = `${file.path} in pod ${file.namespace}/${file.pod}`;
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const status = await new Promise<V1Status>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new CliError("Failed", `Cannot read ${where}: no answer within ${String(file.timeoutMs ?? 30_000)} ms`));
    }, file.timeoutMs ?? 30_000);
    const done = (s: V1Status): void => {
      clearTimeout(timer);
      resolve(s);
    };
    new Exec(target.kube.config)
      .exec(file.namespace, file.pod, file.container, ["cat", file.path], collector(out), collector(err), null, false, done)
      .catch((e: unknown) => {
        clearTimeout(timer);
        reject(new CliError("Failed", `Cannot read ${where} through exec: ${errorMessage(e)}`, { cause: e }));
      });
  });
  if (status.status !== "Success") {
    const reason = [Buffer.concat(err).toString("utf8").trim(), status.message ?? "", "cat failed"].find((r) => r !== "");
    throw new CliError("Failed", `Cannot read ${where}: ${reason ?? ""}`);
  }
  return Buffer.concat(out).toString("utf8");
}
