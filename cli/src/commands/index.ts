import type { Command } from "../command.js";
import { createBenchmarkCommand } from "./benchmark.js";
import { createBrokerCommand } from "./broker.js";
import { createDemoCommand } from "./demo.js";
import { createDeployBrokerCommand } from "./deploy-broker.js";
import { createDiagnoseCommand } from "./diagnose.js";
import { createExportCommand, createUnexportCommand } from "./export.js";
import { createJoinCommand } from "./join.js";
import { createShowCommand } from "./show.js";
import { createLabCommand } from "./lab.js";
import { createManifestsCommand } from "./manifests.js";
import { createUninstallCommand } from "./uninstall.js";
import { createVerifyCommand } from "./verify.js";
import { createTokenCommand } from "./token.js";
import { createVersionCommand } from "./version.js";

/** Every command of the CLI, in the order `isthmus --help` lists them (an explicit registry). */
export function createCommands(): Command[] {
  return [createDemoCommand(), createBrokerCommand(), createDeployBrokerCommand(), createJoinCommand(), createUninstallCommand(), createShowCommand(), createDiagnoseCommand(), createVerifyCommand(), createBenchmarkCommand(), createExportCommand(), createUnexportCommand(), createTokenCommand(), createManifestsCommand(), createLabCommand(), createVersionCommand()];
}
