import { execFile } from "node:child_process";
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import protobuf from "protobufjs";

// Design notes: the broker API is defined by the .proto files in ./proto. Two artefacts are
// generated from them and committed under ./generated (ADR 0201):
// - TypeScript types of every message and service, by @grpc/proto-loader's own generator
//   (`proto-loader-gen-types`, no protoc needed);
// - `descriptor.ts`, the parsed .proto files as protobufjs JSON, which `proto-loader.fromJSON`
//   turns into the runtime service definitions, so nothing reads .proto files at run time and
//   the built package needs no copied assets.
// `npm run generate -w core` rewrites both; a unit test fails when the committed output differs.

const here = dirname(fileURLToPath(import.meta.url));
/** The folder of the .proto sources (in src/, also when this module runs from dist/). */
export const protoDir = join(here.replace(/[/\\]dist[/\\]brokerapi$/, "/src/brokerapi"), "proto");
/** The folder of the committed generated output. */
export const generatedDir = join(dirname(protoDir), "generated");
/** The .proto files of the services (records.proto comes in through their imports). */
export const protoFiles = ["agent.proto", "admin.proto"] as const;

const runFile = promisify(execFile);

/** The flags shared by the type generator and the runtime loader (they must agree). */
export const loaderFlags = ["--longs=Number", "--enums=String", "--defaults", "--oneofs"] as const;

/** Renders every generated file: path relative to `generatedDir` → content. */
export async function renderBrokerApi(): Promise<Map<string, string>> {
  const out = await mkdtemp(join(tmpdir(), "isthmus-brokerapi-"));
  try {
    const bin = createRequire(import.meta.url).resolve("@grpc/proto-loader/build/bin/proto-loader-gen-types.js");
    const args = [bin, ...loaderFlags, "--includeComments", "--grpcLib=@grpc/grpc-js", "--importFileExtension=.js"];
    await runFile(process.execPath, [...args, "-I", ".", "-O", out, ...protoFiles], { cwd: protoDir });
    const files = new Map<string, string>();
    for (const path of await listFiles(out)) {
      files.set(path, await readFile(join(out, path), "utf8"));
    }
    files.set("descriptor.ts", renderDescriptor());
    return new Map([...files.entries()].sort(([a], [b]) => a.localeCompare(b)));
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** Rewrites `generatedDir` with freshly rendered files, removing files no longer generated. */
export async function writeBrokerApi(): Promise<string[]> {
  const files = await renderBrokerApi();
  await rm(generatedDir, { recursive: true, force: true });
  for (const [path, content] of files) {
    await mkdir(dirname(join(generatedDir, path)), { recursive: true });
    await writeFile(join(generatedDir, path), content);
  }
  return [...files.keys()];
}

/** Lists the committed generated files (relative paths, sorted). */
export async function listGeneratedFiles(): Promise<string[]> {
  return (await listFiles(generatedDir)).sort((a, b) => a.localeCompare(b));
}

function renderDescriptor(): string {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(protoDir, target);
  root.loadSync([...protoFiles], { keepCase: false });
  root.resolveAll();
  const json = JSON.stringify(root.toJSON({ keepComments: false }), null, 2);
  return [
    "// Generated from core/src/brokerapi/proto by `npm run generate -w core`. Do not edit.",
    'import type { INamespace } from "protobufjs";',
    "",
    "/** The broker API's .proto files, parsed (protobufjs JSON, camelCase field names). */",
    `export const brokerApiDescriptor = ${json} as unknown as INamespace;`,
    "",
  ].join("\n");
}

async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(root, join(e.parentPath, e.name)));
}
