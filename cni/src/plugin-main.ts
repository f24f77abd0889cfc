// Entry of the standalone `isthmus-cni` plugin process (the launcher runs it when the agent's
// socket is not there): reads the CNI environment and stdin, does the work itself, prints the
// result or the spec's error object and exits with its status.
import { text } from "node:stream/consumers";
import { createDatapathBackend } from "./datapath/backend.js";
import { createCommandRunner } from "./datapath/exec.js";
import { handleCniInvocation } from "./plugin/dispatch.js";

const stdin = process.env.CNI_COMMAND === "VERSION" && process.stdin.isTTY ? "" : await text(process.stdin);
const outcome = await handleCniInvocation(process.env, stdin, createDatapathBackend({ runner: createCommandRunner() }));
process.stdout.write(outcome.stdout);
process.exitCode = outcome.exitCode;
