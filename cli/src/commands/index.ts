import type { Command } from "../command.js";
import { createLabCommand } from "./lab.js";
import { createVersionCommand } from "./version.js";

/** Every command of the CLI, in the order `isthmus --help` lists them (an explicit registry). */
export function createCommands(): Command[] {
  return [createLabCommand(), createVersionCommand()];
}
