// Types of bin/sources.js for the TypeScript that imports it (tests).
export declare const SOURCE_CONDITION: "tsbpf-source";
export declare function useSources(root?: string): Promise<void>;
export declare function importEntry(name: "cli" | "index" | "testing"): Promise<Record<string, unknown>>;
