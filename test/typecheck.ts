// Type-checks the whole project with the TypeScript that ts-morph bundles (the one the compiler uses):
// tsconfig.json in, diagnostics out. Prints `typecheck: N errors in M files`.

import { Project } from "ts-morph";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const project = new Project({ tsConfigFilePath: join(root, "tsconfig.json") });
const diagnostics = project.getPreEmitDiagnostics();
if (diagnostics.length) console.log(project.formatDiagnosticsWithColorAndContext(diagnostics));
console.log(`typecheck: ${diagnostics.length} errors in ${project.getSourceFiles().length} files`);
process.exitCode = diagnostics.length ? 1 : 0;
