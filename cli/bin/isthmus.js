#!/usr/bin/env node
// The `isthmus` command. The TypeScript is compiled by `npm ci` (the root `prepare` script) or
// `npm run build`; this file only loads the compiled entry point.
import { main } from "../dist/main.js";

process.exitCode = await main(process.argv.slice(2));
