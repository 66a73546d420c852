// Types of bin/fresh.js for the TypeScript that imports it (cli/bundle.ts, test/run.ts, tests).
export declare const ROOT: string;
export declare function sourceFingerprint(root?: string, files?: readonly string[]): string;
export declare function contentFingerprint(root?: string, files?: readonly string[]): string;
export declare function bundleMatchesSources(root?: string): boolean;
export declare function bundleIsFresh(root?: string): boolean;
export declare function assertBundleFresh(root: string): void;
export declare const ENTRIES: { readonly cli: string; readonly index: string; readonly testing: string };
