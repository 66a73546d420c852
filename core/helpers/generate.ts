// `npm run gen:helpers`: the helper table in, stdlib-types/helpers.d.ts written out (a generated, committed file
// that a test keeps in step with the table).

import { writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { generateHelperDeclarations } from "./declarations.ts";
import { HELPERS } from "./table.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const target = join(root, "stdlib-types", "helpers.d.ts");
writeFileSync(target, generateHelperDeclarations());
console.log(`wrote ${relative(root, target)} (${HELPERS.length} helpers)`);
