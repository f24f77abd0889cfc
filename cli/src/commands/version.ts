import { readFileSync } from "node:fs";
import { type Command, parseCommandArgs, parseOutputFormat } from "../command.js";
import { renderObject } from "../output.js";

const packageJson = new URL("../../package.json", import.meta.url);

/** `isthmus version`: the CLI's version and the Node.js it runs on. */
export function createVersionCommand(): Command {
  return {
    name: "version",
    help: "Usage: isthmus version [-o table|json|yaml]\n\nPrints the CLI's version and the Node.js version it runs on.",
    run(args, io) {
      const { values } = parseCommandArgs(args, { output: { type: "string", short: "o" } });
      const format = parseOutputFormat(values.output);
      const { version } = JSON.parse(readFileSync(packageJson, "utf8")) as { version: string };
      const info = { version, node: process.version };
      io.stdout.write(format === "table" ? `isthmus ${version} (node ${info.node})\n` : renderObject(format, info));
      return Promise.resolve(0);
    },
  };
}
