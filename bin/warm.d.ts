// Types of bin/warm.js for the TypeScript that imports it (cli/bundle.ts).
export declare function warmCodeCache(root?: string): void;
