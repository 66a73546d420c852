// The helper table drives lowering: every `bpf.*` helper declared to users has a lowering, and every lowering
// belongs to a declared helper (one source of truth, checked both ways).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { HELPER_NAMES } from "../../core/helpers/table.ts";
import { LOWERED_HELPERS } from "../../compiler/lower/helpers.ts";

test("every helper in the table has a lowering", () => {
  const missing = HELPER_NAMES.filter((n) => !LOWERED_HELPERS.includes(n));
  assert.equal(missing, [], `helpers without a lowering: ${missing.join(", ")}`);
});

test("every lowering is a helper of the table", () => {
  const extra = LOWERED_HELPERS.filter((n) => !HELPER_NAMES.includes(n));
  assert.equal(extra, [], `lowerings without a table entry: ${extra.join(", ")}`);
});

test.run();
