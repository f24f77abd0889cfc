// Entry of the standalone `isthmus-cni` plugin process. The launcher runs it only when the
// isthmus-node agent's socket does not answer (docs/adr/0401): it then does the work itself on
// the same IPAM records, except that pod annotations (fixed IP, bandwidth) live in the agent's
// cache, so an ADD for a Kubernetes pod asks the runtime to try again later (code 11).
import { text } from "node:stream/consumers";
import { answerVersion } from "./plugin/versions.js";

const stdin = process.stdin.isTTY ? "" : await text(process.stdin);
if (process.env.CNI_COMMAND === "VERSION") {
  // Answered before anything else loads: a runtime probes plugins with VERSION often.
  process.stdout.write(answerVersion(stdin));
} else {
  const [{ createDatapathBackend }, { createCommandRunner }, { handleCniInvocation }, { CniError }] = await Promise.all([
    import("./datapath/backend.js"),
    import("./datapath/exec.js"),
    import("./plugin/dispatch.js"),
    import("./plugin/errors.js"),
  ]);
  const backend = createDatapathBackend({
    runner: createCommandRunner(),
    annotations: {
      get: (pod) =>
        Promise.reject(
          new CniError("TryAgainLater", `The isthmus-node agent is not answering on its socket, so the annotations of pod ${pod.namespace}/${pod.name} (fixed IP, bandwidth) cannot be read: retry once the agent runs`),
        ),
    },
  });
  const outcome = await handleCniInvocation(process.env, stdin, backend);
  process.stdout.write(outcome.stdout);
  process.exitCode = outcome.exitCode;
}
